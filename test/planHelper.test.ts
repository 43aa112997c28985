import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PROJECT_DIR, planJson, runPlanCli } from "./helpers/plan";

// test/helpers/plan.ts memoizes plans by their arguments; these prove what it must not hide.
const root = fs.mkdtempSync(path.join(os.tmpdir(), "plan-helper-"));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe("the plan helpers' memo", () => {
    it("plans again when the arguments name a file under the temp dir, which a test may have rewritten", () => {
        const model = path.join(root, "model");
        fs.mkdirSync(model);
        fs.writeFileSync(path.join(model, "model.onnx"), "not an ONNX model");
        const args = ["--stack", "dev", "--config", `modelArtifact=${model}`, "--config", `modelArtifactRoot=${root}`];
        expect(runPlanCli(args).code).toBe(2);
        for (const f of fs.readdirSync(path.join(PROJECT_DIR, "examples", "iris-onnx"))) fs.copyFileSync(path.join(PROJECT_DIR, "examples", "iris-onnx", f), path.join(model, f));
        const again = runPlanCli(args);
        expect(again.code, again.stderr).toBe(0);
    });

    it("hands every caller its own document, so one test's changes do not reach another's", () => {
        const first = planJson(["--stack", "dev"]).doc;
        const count = first.resources.length;
        expect(count).toBeGreaterThan(0);
        first.resources.length = 0;
        expect(planJson(["--stack", "dev"]).doc.resources).toHaveLength(count);
    });
});
