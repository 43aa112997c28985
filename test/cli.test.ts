import { describe, expect, it } from "vitest";
import { planJson, runPlanCli } from "./helpers/plan";

describe("npm run plan: invalid config exits 2 before any resource is registered", () => {
    it("rejects an unknown cloud, naming the key and the value", () => {
        const { code, doc } = planJson(["--stack", "dev", "--config", "cloud=mars"]);
        expect(code).toBe(2);
        expect(doc.resources).toEqual([]);
        expect(doc.errors.join("\n")).toMatch(/model-service:cloud = "mars": is not a cloud this project deploys to\. Fix: pulumi config set cloud <aws\|gcp\|azure>/);
    });

    it("rejects a runtime the chosen cloud does not offer", () => {
        const { code, doc } = planJson(["--stack", "dev", "--config", "cloud=aws", "--config", "runtime=vertex"]);
        expect(code).toBe(2);
        expect(doc.resources).toEqual([]);
        expect(doc.errors.join("\n")).toContain('model-service:runtime = "vertex": runs on gcp, not on aws');
    });

    it("rejects minReplicas above maxReplicas", () => {
        const { code, doc } = planJson(["--stack", "dev", "--config", "minReplicas=5"]);
        expect(code).toBe(2);
        expect(doc.resources).toEqual([]);
        expect(doc.errors.join("\n")).toMatch(/model-service:minReplicas = "5": is greater than maxReplicas \(2\)/);
    });

    it("reports every problem in one run, in the readable output too", () => {
        const run = runPlanCli(["--stack", "dev", "--config", "cloud=mars", "--config", "minReplicas=5", "--config", "port=9000"]);
        expect(run.code).toBe(2);
        expect(run.stderr).toContain("model-service:cloud");
        expect(run.stderr).toContain("model-service:minReplicas");
        expect(run.stderr).toContain("3 problem(s)");
        expect(run.stderr).toContain("Result: invalid (exit 2)");
    });

    it("names a missing stack file and the stacks that exist", () => {
        const run = runPlanCli(["--stack", "staging"]);
        expect(run.code).toBe(2);
        expect(run.stderr).toMatch(/No stack file Pulumi\.staging\.yaml\. Fix: use --stack with one of dev, prod/);
    });

    it("exits 2 with usage when --stack is missing", () => {
        const run = runPlanCli([]);
        expect(run.code).toBe(2);
        expect(run.stderr).toContain("Usage: npm run plan");
    });
});
