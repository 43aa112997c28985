import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { exitCodeOf, plan } from "../offline/engine";
import { renderPlan } from "../offline/render";
import { loadStackConfig } from "../offline/stackConfig";
import { PROJECT_DIR, planJson, runPlanCli } from "./helpers/plan";

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

    it.each(["../x", "x/../../../../tmp/evil", "/etc/passwd", "dev/../prod", ".", "", "a".repeat(101)])("refuses --stack %j, which is not a plain stack name, before reading any file", (stack) => {
        expect(() => loadStackConfig("/nonexistent-project", stack)).toThrow(new RegExp(`--stack ${JSON.stringify(stack).replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")} is not a stack name`));
    });

    it("refuses --stack with a path, with every other argument problem, and exit 2", () => {
        const stack = "x/../../../../tmp/evil";
        const run = runPlanCli(["--stack", stack, "--config", "bad-pair"]);
        expect(run.code).toBe(2);
        expect(run.stderr).toContain(`--stack ${JSON.stringify(stack)} is not a stack name`);
        expect(run.stderr).toContain("Fix: use --stack with a plain name such as dev");
        expect(run.stderr).toContain("--config bad-pair is not key=value");
        expect(run.stderr).not.toMatch(/No stack file|\n\s+at /);
    });

    it("names a stack file (or Pulumi.yaml) that is not valid YAML, where, and the fix, reporting both at once", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "broken-yaml-"));
        try {
            fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: model-service\nconfig:\n  cloud: [aws\n");
            fs.writeFileSync(path.join(dir, "Pulumi.broken.yaml"), "config:\n  model-service:cloud: aws\n\tmodel-service:size: small\n");
            const doc = await plan({ stack: "broken", projectDir: dir });
            expect(exitCodeOf(doc)).toBe(2);
            const text = renderPlan(doc);
            expect(text).toMatch(/Pulumi\.yaml is not valid YAML at line \d+, column \d+: .+\. Fix: correct Pulumi\.yaml at line/);
            expect(text).toMatch(/Pulumi\.broken\.yaml is not valid YAML at line 3, column \d+: .+\. Fix: correct Pulumi\.broken\.yaml/);
            expect(text).not.toMatch(/YAMLParseError|\n\s+at /);
            fs.writeFileSync(path.join(dir, "Pulumi.yaml"), fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.yaml")));
            fs.writeFileSync(path.join(dir, "Pulumi.list.yaml"), "- just\n- a list\n");
            expect((await plan({ stack: "list", projectDir: dir })).errors.join("\n")).toContain("Pulumi.list.yaml is not a YAML mapping");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("reports an empty modelArtifact beside the run's other problems, without a ZodError", () => {
        const run = runPlanCli(["--stack", "dev", "--config", "modelArtifact=", "--config", "minReplicas=5"]);
        expect(run.code).toBe(2);
        expect(run.stderr).toContain("model-service:modelArtifact");
        expect(run.stderr).toContain("is required. Fix: pulumi config set modelArtifact");
        expect(run.stderr).toContain("model-service:minReplicas");
        expect(run.stderr).not.toMatch(/ZodError|\n\s+at /);
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
        gke: { cloud: "gcp", rollout: /iris-gke-deployment: rolling, surge 10%, each step held 10 min\n {2}iris-gke-rollout: followed and baked 10 min; rolled back on more than 5 5xx a minute or p99 above 1000 ms in 3 of the last 5 checks, or a stalled rollout/ },
        azureml: { cloud: "azure", rollout: /iris-azureml-traffic: traffic canary 10% per step, 10 min bake; rolled back on more than 5 5xx a minute or p99 above 1000 ms in 3 of the last 5 minutes/ },
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
