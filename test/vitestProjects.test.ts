import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { isolatedTestFiles } from "./helpers/testProjects";
import { PROJECT_DIR } from "./helpers/plan";

// This file names the markers it looks for, so it is itself one of the isolated files.
const TOUCHES_RUNTIME = /\bpulumi\.runtime\.|setMocks|unitMocks|serializeFunction|@pulumi\/pulumi\/runtime/;

describe("vitest.config.mts (test/helpers/testProjects.ts): which test files share worker processes", () => {
    const dir = path.join(PROJECT_DIR, "test");
    const files = fs.readdirSync(dir).filter((name) => name.endsWith(".test.ts"));
    const isolated = new Set(isolatedTestFiles(dir));

    it("gives a fresh process to every file that touches Pulumi's process-global runtime (mocks, closure serializer)", () => {
        const touching = files.filter((name) => TOUCHES_RUNTIME.test(fs.readFileSync(path.join(dir, name), "utf8"))).map((name) => `test/${name}`);
        expect(touching).toContain("test/modelService.test.ts");
        expect(touching).toContain("test/trafficShift.test.ts");
        expect(touching.filter((file) => !isolated.has(file))).toEqual([]);
    });

    it("shares processes among the others: the plan, policy, serving and rule tests", () => {
        for (const file of ["test/engine.test.ts", "test/azure.test.ts", "test/policyCli.test.ts", "test/secretPatterns.test.ts"]) expect(isolated.has(file), file).toBe(false);
    });
});
