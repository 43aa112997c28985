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

describe("npm run plan shows the rollout and the alarms", () => {
    const EXPECTED: Record<string, { cloud: string; rollout: RegExp }> = {
        sagemaker: { cloud: "aws", rollout: /iris-sagemaker-endpoint: blue\/green CANARY 10% of capacity, 10 min per step; rolled back by 3 alarms/ },
        ecs: { cloud: "aws", rollout: /iris-ecs-service: CANARY 10% for 10 min, bake 10 min; rolled back by circuit breaker and 2 alarms/ },
        vertex: { cloud: "gcp", rollout: /iris-vertex-deployment: Vertex AI canary 10% per step, 10 min bake; rolled back on more than 5 errors or p99 above 1000 ms/ },
        gke: { cloud: "gcp", rollout: /iris-gke-deployment: rolling, surge 10%, each step held 10 min\n {2}iris-gke-rollout: followed and baked 10 min; rolled back on 5xx, p99 above 1000 ms or a stalled rollout/ },
        azureml: { cloud: "azure", rollout: /iris-azureml-traffic: traffic canary 10% per step, 10 min bake; rolled back on 5xx or p99 above 1000 ms/ },
        aks: { cloud: "azure", rollout: /iris-aks-deployment: rolling, surge 10%, each step held 10 min\n {2}iris-aks-rollout: followed and baked 10 min/ },
    };

    it.each(Object.entries(EXPECTED))("prod, %s, rollout=canary: how traffic moves, what undoes it, and every alarm", { timeout: 60_000 }, (runtime, { cloud, rollout }) => {
        const { code, stdout } = runPlanCli(["--stack", "prod", "--config", `cloud=${cloud}`, "--config", `runtime=${runtime}`, "--config", "rollout=canary"]);
        expect(code).toBe(0);
        const section = (title: string) => stdout.split(`\n${title}:\n`)[1]?.split("\n\n")[0] ?? "";
        expect(section("Rollout")).toMatch(rollout);
        const alarms = section("Alarms").split("\n");
        expect(alarms.length).toBeGreaterThanOrEqual(2);
        expect(alarms.some((a) => /p99 .*above 1000 ms/.test(a))).toBe(true);
        expect(alarms.some((a) => /5xx|errors/.test(a))).toBe(true);
        expect(stdout).toContain("0 mandatory");
    });

    it("names no rollout mechanism that is not planned", () => {
        const { stdout } = runPlanCli(["--stack", "dev", "--config", "cloud=aws", "--config", "runtime=sagemaker"]);
        expect(stdout).not.toMatch(/TrafficShift|RolloutGuard|Vertex AI/);
        expect(stdout).toMatch(/\nRollout:\n {2}iris-sagemaker-endpoint: blue\/green ALL_AT_ONCE, baked 10 min; rolled back by 3 alarms\n/);
    });
});
