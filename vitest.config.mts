import { defineConfig } from "vitest/config";

export default defineConfig({
    test: {
        include: ["test/**/*.test.ts"],
        // Each file gets its own process: Pulumi's mock runtime is process-global.
        pool: "forks",
        testTimeout: 60_000,
        // Suites plan in beforeAll; on a loaded 2-core machine one plan can take over the 10 s default.
        hookTimeout: 180_000,
    },
});
