import { beforeAll, describe, expect, it } from "vitest";
import { gateVerdict, LONGEST_MODEL_NAME, planAllJobs } from "../offline/planAllJobs";
import { MODEL_NAME_MAX_LENGTH } from "../components/validate";
import { PROJECT_DIR, runPlanCliAsync, type CliRun } from "./helpers/plan";

// The gate `npm run plan:all` runs, planned in this run's pool: the plans other files made (the engine
// cases, with the same arguments) are answered from its memo rather than made again.
const jobs = planAllJobs(PROJECT_DIR);

describe("the credential-free gate (npm run plan:all)", () => {
    const runs: CliRun[] = [];
    beforeAll(async () => {
        runs.push(...(await Promise.all(jobs.map((job) => runPlanCliAsync(job.args)))));
    });

    it("covers every stack file and built runtime, canary on prod, and the longest accepted model name", () => {
        expect(LONGEST_MODEL_NAME).toHaveLength(MODEL_NAME_MAX_LENGTH);
        const labels = jobs.map((j) => j.label);
        expect(labels).toContain("dev (aws/sagemaker)");
        expect(labels).toContain(`prod (azure/aks, canary, modelName=${LONGEST_MODEL_NAME})`);
        expect(new Set(labels).size).toBe(jobs.length);
        expect(jobs.length).toBe(36);
    });

    it.each(jobs.map((job, i) => [job.label, i] as const))("%s: a valid plan with no contract breach and no mandatory violation", (_label, i) => {
        const verdict = gateVerdict(runs[i]!);
        expect(verdict.passed ? "passed" : verdict.detail).toBe("passed");
    });

    it("fails a plan that exits non-zero, with the reasons its document gives", () => {
        const doc = { resources: [], errors: ["model-service:cloud = \"nope\": ..."], contract: [{ rule: "name-length", message: "too long" }], violations: [{ level: "mandatory", policy: "no-secret-literals", message: "leak" }, { level: "advisory", policy: "x", message: "fine" }] };
        const verdict = gateVerdict({ code: 2, stdout: JSON.stringify(doc), stderr: "" });
        expect(verdict).toEqual({ passed: false, detail: 'exit 2\nmodel-service:cloud = "nope": ...\ncontract name-length: too long\nno-secret-literals: leak' });
        expect(gateVerdict({ code: 2, stdout: "Error: bad", stderr: "stack file unreadable" })).toEqual({ passed: false, detail: "exit 2\nstack file unreadable" });
    });
});
