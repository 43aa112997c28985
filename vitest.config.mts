import { defineConfig } from "vitest/config";

export default defineConfig({
    test: {
        include: ["test/**/*.test.ts"],
        // Each file gets its own process: Pulumi's mock runtime is process-global.
        pool: "forks",
        testTimeout: 180_000,
        // Tests and suites plan in fresh processes; on a loaded 2-core machine one plan can take a minute.
        hookTimeout: 180_000,
    },
});
