import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import type { Runtime } from "../components/contract";
import { FEATURES, FEATURE_TABLE, featureTableMarkdown, type Feature } from "../components/features";
import { RUNTIMES } from "../components/runtimes";
import type { PlanDocument } from "../offline/engine";
import { PROJECT_DIR, ofType, planJson, statementsOf } from "./helpers/plan";

const CLOUD: Record<Runtime, string> = { sagemaker: "aws", ecs: "aws", vertex: "gcp", gke: "gcp", azureml: "azure", aks: "azure" };
const SECRET = ["--config", 'secrets=["apiToken"]', "--secret", "apiToken=feature-test-secret-value"];

function plan(runtime: Runtime, extra: string[] = []) {
    return planJson(["--stack", "dev", "--config", `cloud=${CLOUD[runtime]}`, "--config", `runtime=${runtime}`, ...extra]);
}

const VERTEX = "pulumi-nodejs:dynamic:Resource";
const has = (doc: PlanDocument, type: string) => ofType(doc, type).length > 0;
const inputsOf = (doc: PlanDocument, type: string) => ofType(doc, type)[0]?.inputs as any;

const K8S_INTERNAL_LB: Record<string, string> = { "networking.gke.io/load-balancer-type": "Internal", "service.beta.kubernetes.io/azure-load-balancer-internal": "true" };

/** The endpoint is reachable from a private network only, as its resources configure it (never the invoke output's label). */
function privateNetworkOnly(doc: PlanDocument): boolean {
    // sagemaker: the runtime API is public, so the invoker policy admits calls through an interface VPC endpoint only.
    const invokers = ofType(doc, "aws:iam/policy:Policy").flatMap((p) => statementsOf(p.inputs.policy)).filter((s) => [s.Action].flat().includes("sagemaker:InvokeEndpoint"));
    if (invokers.length > 0) return invokers.every((s) => s.Effect === "Allow" && (s.Condition?.Null?.["aws:SourceVpce"] === "false" || s.Condition?.StringEquals?.["aws:SourceVpce"] !== undefined));
    // ecs: an internal load balancer.
    const lbs = ofType(doc, "aws:lb/loadBalancer:LoadBalancer");
    if (lbs.length > 0) return lbs.every((lb) => lb.inputs.internal === true);
    // vertex: a Private Service Connect endpoint, its consumer side automated into the service's network by a connection policy.
    const vertex = inputsOf(doc, "gcp:vertex/aiEndpoint:AiEndpoint");
    if (vertex) {
        const psc = vertex.privateServiceConnectConfig;
        const networks = ofType(doc, "gcp:networkconnectivity/serviceConnectionPolicy:ServiceConnectionPolicy").filter((p) => p.inputs.serviceClass === "gcp-vertexai").map((p) => p.inputs.network);
        return psc?.enablePrivateServiceConnect === true && (psc.pscAutomationConfigs ?? []).length > 0 && psc.pscAutomationConfigs.every((c: { network: string }) => networks.includes(c.network));
    }
    // azureml: public network access off, and a private endpoint to the workspace.
    const online = inputsOf(doc, "azure-native:machinelearningservices:OnlineEndpoint");
    if (online) {
        return (
            online.properties?.publicNetworkAccess === "Disabled" &&
            ofType(doc, "azure-native:network:PrivateEndpoint").some((pe) => (pe.inputs as any).privateLinkServiceConnections?.some((c: { groupIds: string[] }) => c.groupIds.includes("amlworkspace")))
        );
    }
    // gke, aks: the workload's load balancer is the cloud's internal one.
    const services = ofType(doc, "kubernetes:core/v1:Service").filter((s) => (s.inputs as any).spec?.type === "LoadBalancer");
    return services.length > 0 && services.every((s) => Object.entries(K8S_INTERNAL_LB).some(([k, v]) => (s.inputs as any).metadata?.annotations?.[k] === v));
}

/** Every call is authenticated by the cloud, as the endpoint's resources configure it (never the invoke output's label). */
function callersAuthenticated(doc: PlanDocument): boolean {
    const online = inputsOf(doc, "azure-native:machinelearningservices:OnlineEndpoint");
    const vertex = inputsOf(doc, "gcp:vertex/aiEndpoint:AiEndpoint");
    const sagemaker = ofType(doc, "aws:sagemaker/endpoint:Endpoint");
    const listeners = ofType(doc, "aws:lb/listener:Listener");
    return (
        // sagemaker: the runtime API takes SigV4-signed calls only, and callers get a policy for this endpoint alone.
        (sagemaker.length > 0 &&
            ofType(doc, "aws:iam/policy:Policy")
                .flatMap((p) => statementsOf(p.inputs.policy))
                .some((s) => s.Effect === "Allow" && [s.Action].flat().includes("sagemaker:InvokeEndpoint") && sagemaker.every((e) => s.Resource === e.outputs.arn))) ||
        // vertex: a public endpoint takes OAuth tokens only; a private one is secure PSC, which authorizes each call with IAM.
        (vertex !== undefined && (vertex.privateServiceConnectConfig === undefined || vertex.privateServiceConnectConfig.enableSecurePrivateServiceConnect === true)) ||
        ["Key", "AMLToken", "AADToken"].includes(online?.properties?.authMode) ||
        // A load balancer authenticates only with an authenticate action before forwarding.
        listeners.some((l) => (l.inputs as any).defaultActions?.some((a: { type: string }) => a.type.startsWith("authenticate-")))
    );
}

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
    "private network": { config: [], proves: (doc) => privateNetworkOnly(doc) },
    auth: { config: [], proves: (doc) => callersAuthenticated(doc) },
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
                // The invoke output tells callers the same as the resources prove.
                const invoke = doc.outputs.invoke as { reachability: string; auth: string };
                if (feature === "private network") expect(invoke.reachability === "private-network", `${runtime} invoke.reachability`).toBe(delivered);
                if (feature === "auth") expect(invoke.auth !== "none", `${runtime} invoke.auth`).toBe(delivered);
            }
        });
    }
});
