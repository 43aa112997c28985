import { defineConfig } from "vitest/config";

export default defineConfig({
    test: {
        include: ["test/**/*.test.ts"],
        // Each file gets its own process: Pulumi's mock runtime is process-global.
        pool: "forks",
        // Most of a file's time is spent waiting on a plan's child process, so two files at once use both
        // cores of a 2-core machine (vitest's default there, availableParallelism() - 1, is one).
        maxWorkers: 2,
        // One plan pool (offline/planPool.ts) for the run: warm plan servers, plans shared between files.
        globalSetup: ["test/helpers/planPool.globalSetup.ts"],
        testTimeout: 180_000,
        // Tests and suites plan in fresh processes; on a loaded 2-core machine one plan can take a minute.
        hookTimeout: 180_000,
    },
});
