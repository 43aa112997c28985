import * as path from "node:path";
import { defineConfig } from "vitest/config";
import { isolatedTestFiles } from "./test/helpers/testProjects";

// npm runs the suite from the project root, where this file lives.
const isolated = isolatedTestFiles(path.resolve("test"));

export default defineConfig({
    test: {
        // Most of a file's time is spent waiting on a plan's child process, so two files at once use both
        // cores of a 2-core machine (vitest's default there, availableParallelism() - 1, is one).
        maxWorkers: 2,
        // One plan pool (offline/planPool.ts) for the run: warm plan servers, plans shared between files.
        globalSetup: ["test/helpers/planPool.globalSetup.ts"],
        testTimeout: 180_000,
        // Tests and suites plan in fresh processes; on a loaded 2-core machine one plan can take a minute.
        hookTimeout: 180_000,
        pool: "forks",
        // Workers skip the work of @pulumi/pulumi's that no test reads, as the plan processes do (offline/pulumiCosts.cjs).
        execArgv: ["--require", path.resolve("offline/pulumiCosts.cjs")],
        projects: [
            { extends: true, test: { name: "runtime", include: isolated, isolate: true } },
            // The rest plan through the pool, run servers on loopback or call pure functions: they share
            // worker processes, so @pulumi/pulumi and the SDKs are imported once per worker, not per file.
            { extends: true, test: { name: "shared", include: ["test/**/*.test.ts"], exclude: isolated, isolate: false } },
        ],
    },
});
