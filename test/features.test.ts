import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import type { Runtime } from "../components/contract";
import { FEATURES, FEATURE_TABLE, featureTableMarkdown, type Feature } from "../components/features";
import { RUNTIMES } from "../components/runtimes";
import type { PlanDocument } from "../offline/engine";
import { PROJECT_DIR, ofType, planJson } from "./helpers/plan";

const CLOUD: Record<Runtime, string> = { sagemaker: "aws", ecs: "aws", vertex: "gcp", gke: "gcp", azureml: "azure", aks: "azure" };
const SECRET = ["--config", 'secrets=["apiToken"]', "--secret", "apiToken=feature-test-secret-value"];

function plan(runtime: Runtime, extra: string[] = []) {
    return planJson(["--stack", "dev", "--config", `cloud=${CLOUD[runtime]}`, "--config", `runtime=${runtime}`, ...extra]);
}

const VERTEX = "pulumi-nodejs:dynamic:Resource";
const has = (doc: PlanDocument, type: string) => ofType(doc, type).length > 0;
const inputsOf = (doc: PlanDocument, type: string) => ofType(doc, type)[0]?.inputs as any;

/** For each feature: the config that asks for it, and what in the plan proves the runtime delivers it. */
const PROOF: Record<Feature, { config: string[]; proves: (doc: PlanDocument, runtime: Runtime) => boolean }> = {
    autoscaling: {
        config: [],
        proves: (doc) =>
            has(doc, "aws:appautoscaling/target:Target") ||
            has(doc, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler") ||
            inputsOf(doc, "pulumi-nodejs:dynamic:Resource")?.maxReplicas > inputsOf(doc, "pulumi-nodejs:dynamic:Resource")?.minReplicas ||
            // Managed online deployments scale only through an Azure Monitor autoscale setting.
            has(doc, "azure-native:monitor:AutoscaleSetting"),
    },
    "scale to zero": { config: ["--config", "minReplicas=0"], proves: (doc) => inputsOf(doc, "aws:ecs/service:Service")?.desiredCount === 0 },
    GPU: {
        config: ["--config", "gpu=t4"],
        proves: (doc) =>
            /^ml\.g4dn\./.test(inputsOf(doc, "aws:sagemaker/endpointConfiguration:EndpointConfiguration")?.productionVariants?.[0]?.instanceType ?? "") ||
            inputsOf(doc, "pulumi-nodejs:dynamic:Resource")?.acceleratorType === "NVIDIA_TESLA_T4" ||
            /T4/.test(inputsOf(doc, "azure-native:machinelearningservices:OnlineDeployment")?.properties?.instanceType ?? ""),
    },
    "private network": { config: [], proves: (doc) => (doc.outputs.invoke as { reachability: string }).reachability === "private-network" },
    auth: { config: [], proves: (doc) => (doc.outputs.invoke as { auth: string }).auth !== "none" },
    canary: {
        config: ["--config", "rollout=canary", "--config", "minReplicas=2"],
        proves: (doc) =>
            inputsOf(doc, "aws:sagemaker/endpoint:Endpoint")?.deploymentConfig?.blueGreenUpdatePolicy?.trafficRoutingConfiguration?.type === "CANARY" ||
            inputsOf(doc, "aws:ecs/service:Service")?.deploymentConfiguration?.strategy === "CANARY" ||
            (inputsOf(doc, "kubernetes:apps/v1:Deployment")?.spec?.minReadySeconds > 0 && inputsOf(doc, "kubernetes:apps/v1:Deployment")?.spec?.strategy?.rollingUpdate?.maxSurge === "10%") ||
            (inputsOf(doc, "pulumi-nodejs:dynamic/azure:TrafficShift")?.strategy === "canary" && inputsOf(doc, "pulumi-nodejs:dynamic/azure:TrafficShift")?.stepPercent === 10) ||
            (inputsOf(doc, VERTEX)?.rolloutStrategy === "canary" && inputsOf(doc, VERTEX)?.rolloutStepPercent === 10),
    },
    rollback: {
        config: ["--config", "rollout=canary", "--config", "minReplicas=2"],
        proves: (doc) =>
            // vertex: the provider bakes the new deployed model against Cloud Monitoring and moves traffic back.
            (inputsOf(doc, VERTEX)?.rolloutStrategy === "canary" && inputsOf(doc, VERTEX)?.rollbackErrorThreshold > 0 && inputsOf(doc, VERTEX)?.rollbackLatencyP99Ms === 1000) ||
            (inputsOf(doc, "aws:sagemaker/endpoint:Endpoint")?.deploymentConfig?.autoRollbackConfiguration?.alarms?.length ?? 0) > 0 ||
            (inputsOf(doc, "aws:ecs/service:Service")?.deploymentCircuitBreaker?.rollback === true && inputsOf(doc, "aws:ecs/service:Service")?.alarms?.rollback === true) ||
            // azureml: each release is its own deployment, and the shifter watches the new one for a bake and can move traffic back.
            // gke, aks: the guard follows the rollout the kubernetes provider no longer waits for, bakes the new pods and can undo it.
            ofType(doc, "pulumi-nodejs:dynamic/kubernetes:RolloutGuard").some((guard) => {
                const deployment = ofType(doc, "kubernetes:apps/v1:Deployment")[0];
                const g = guard.inputs as any;
                return g.bakeSeconds > 0 && g.latencyP99Ms > 0 && /pod|namespace/.test(g.metricsScope) && !!deployment && guard.options.dependsOn.includes(deployment.urn) && (deployment.inputs as any).metadata.annotations?.["pulumi.com/skipAwait"] === "true";
            }) ||
            ofType(doc, "pulumi-nodejs:dynamic/azure:TrafficShift").some((shift) => {
                const deployment = ofType(doc, "azure-native:machinelearningservices:OnlineDeployment")[0];
                return (shift.inputs as any).bakeSeconds > 0 && (shift.inputs as any).latencyP99Ms > 0 && !!deployment && shift.options.dependsOn.includes(deployment.urn) && /^v.+-[0-9a-f]{8}$/.test(String(deployment.inputs.deploymentName));
            }),
    },
    alarms: {
        config: [],
        proves: (doc) =>
            ["aws:cloudwatch/metricAlarm:MetricAlarm", "gcp:monitoring/alertPolicy:AlertPolicy", "azure-native:monitor:MetricAlert", "azure-native:alertsmanagement:PrometheusRuleGroup"].some((t) => has(doc, t)),
    },
    secrets: {
        config: SECRET,
        proves: (doc) =>
            ["aws:secretsmanager/secret:Secret", "gcp:secretmanager/secret:Secret", "azure-native:keyvault:Secret"].some((t) => has(doc, t)) &&
            !JSON.stringify(doc.resources.filter((r) => !/SecretVersion|keyvault:Secret/.test(r.type))).includes("feature-test-secret-value"),
    },
};

describe("the README's feature table is what the code does", () => {
    it("covers every runtime and is rendered in the README", () => {
        expect(Object.keys(FEATURE_TABLE).sort()).toEqual(Object.keys(RUNTIMES).sort());
        expect(fs.readFileSync(path.join(PROJECT_DIR, "README.md"), "utf8")).toContain(featureTableMarkdown());
    });

    for (const runtime of Object.keys(FEATURE_TABLE) as Runtime[]) {
        it(`${runtime}: every "yes" is in its plan, every "no" is refused or absent`, () => {
            const cache = new Map<string, { code: number | null; doc: PlanDocument }>();
            for (const feature of FEATURES) {
                const proof = PROOF[feature];
                const key = proof.config.join(" ");
                if (!cache.has(key)) cache.set(key, plan(runtime, proof.config));
                const { doc } = cache.get(key)!;
                const delivered = doc.errors.length === 0 && proof.proves(doc, runtime);
                expect(delivered, `${runtime} ${feature}`).toBe(FEATURE_TABLE[runtime][feature]);
            }
        });
    }
});
