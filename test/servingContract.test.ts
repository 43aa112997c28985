import { describe, expect, it } from "vitest";
import type { Runtime } from "../components/contract";
import { RUNTIMES } from "../components/runtimes";
import { secretVariable, type SecretDelivery } from "../components/servingContract";
import type { PlanDocument } from "../offline/engine";
import { planJsonMany } from "./helpers/plan";

const SECRET = "s3cr3t-value-for-the-contract-test";
const CONTRACT_KEYS = ["HEALTH_ROUTE", "MODEL_NAME", "MODEL_VERSION", "PORT", "PREDICT_ROUTE"];
/** How each platform can hand a secret to a container (components/servingContract.ts says why). */
const DELIVERY: Readonly<Record<Runtime, SecretDelivery>> = { ecs: "value", sagemaker: "reference", vertex: "reference", azureml: "reference", gke: "file", aks: "file" };

/** The serving container's environment as the runtime's resources carry it, and its injected secrets. */
function containerEnvironment(runtime: Runtime, doc: PlanDocument): { env: Record<string, unknown>; injected: Record<string, unknown> } {
    const find = (type: string) => doc.resources.find((r) => r.type === type)!;
    const pairs = (list: { name: string; value?: unknown; valueFrom?: unknown }[] = []) => Object.fromEntries(list.map((e) => [e.name, e.value ?? e.valueFrom]));
    switch (runtime) {
        case "ecs": {
            const [c] = JSON.parse(find("aws:ecs/taskDefinition:TaskDefinition").inputs.containerDefinitions as string);
            return { env: pairs(c.environment), injected: pairs(c.secrets) };
        }
        case "sagemaker":
            return { env: (find("aws:sagemaker/model:Model").inputs.primaryContainer as any).environment, injected: {} };
        case "vertex":
            return { env: pairs(doc.resources.find((r) => Array.isArray((r.inputs as any).env))!.inputs.env as any), injected: {} };
        case "azureml":
            return { env: (find("azure-native:machinelearningservices:OnlineDeployment").inputs.properties as any).environmentVariables, injected: {} };
        default: {
            const c = (find("kubernetes:apps/v1:Deployment").inputs as any).spec.template.spec.containers[0];
            return { env: pairs(c.env), injected: {} };
        }
    }
}

describe("serving contract (issue 21): one environment, one secret convention, on every runtime", () => {
    const runtimes = Object.keys(RUNTIMES) as Runtime[];
    let docs: Map<Runtime, PlanDocument>;

    it("plans every runtime with a secret", { timeout: 600_000 }, async () => {
        const runs = await planJsonMany(runtimes.map((r) => ["--stack", "dev", "--config", `cloud=${RUNTIMES[r].cloud}`, "--config", `runtime=${r}`, "--config", 'secrets=["hfToken"]', "--secret", `hfToken=${SECRET}`]));
        runs.forEach((run, i) => expect(run.code, runtimes[i]).toBe(0));
        docs = new Map(runs.map((run, i) => [runtimes[i]!, run.doc]));
    });

    it("every runtime gives the container the same contract keys, and the secret under SECRET_HF_TOKEN[_FILE|_REF]", () => {
        for (const runtime of runtimes) {
            const { env, injected } = containerEnvironment(runtime, docs.get(runtime)!);
            for (const key of CONTRACT_KEYS) expect(env[key], `${runtime} ${key}`).toBeDefined();
            expect(env.MODEL_NAME, runtime).toBe("iris");
            const variable = secretVariable("hfToken", DELIVERY[runtime]);
            expect(variable).toMatch(/^SECRET_HF_TOKEN(_FILE|_REF)?$/);
            const where = DELIVERY[runtime] === "value" ? injected : env;
            expect(where[variable], `${runtime} ${variable}`).toEqual(expect.any(String));
            // No other spelling of the secret, and never the value itself.
            const secretKeys = Object.keys({ ...env, ...injected }).filter((k) => /HF_TOKEN/.test(k));
            expect(secretKeys, runtime).toEqual([variable]);
            expect(JSON.stringify({ env, injected }), runtime).not.toContain(SECRET);
        }
    });
});
