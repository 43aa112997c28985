import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import type { ModelServiceArgs } from "../components/contract";
import { validateServiceArgs } from "../components/validate";
import { PROJECT_DIR } from "./helpers/plan";
import type { RegisteredResource } from "./helpers/unitMocks";

const registered: RegisteredResource[] = [];
const settle = () => new Promise((resolve) => setTimeout(resolve, 300));
const of = (service: string, type: string) => registered.filter((r) => r.name.startsWith(`${service}-`) && r.type === type);
const CA = Buffer.from("-----BEGIN CERTIFICATE-----\ncaller\n-----END CERTIFICATE-----\n").toString("base64");

/** The caller's cluster, as the Google provider's getCluster reads it . */
function gkeCluster(inputs: Record<string, any>) {
    return {
        ...inputs,
        endpoint: "34.1.2.3",
        masterAuths: [{ clusterCaCertificate: CA }],
        enableAutopilot: true,
        workloadIdentityConfigs: [{ workloadPool: `${inputs.project}.svc.id.goog` }],
    };
}

const AKS_ID = "/subscriptions/s/resourceGroups/team-rg/providers/Microsoft.ContainerService/managedClusters/team-aks";
/** The caller's cluster, as azure-native's getManagedCluster reads it: every feature the service relies on on. */
function aksCluster(inputs: Record<string, any>) {
    return {
        id: AKS_ID,
        name: inputs.resourceName,
        identityProfile: { kubeletidentity: { objectId: "kubelet-object-id" } },
        oidcIssuerProfile: { enabled: true, issuerURL: "https://issuer.example/team-aks/" },
        securityProfile: { workloadIdentity: { enabled: true } },
        aadProfile: { managed: true, enableAzureRBAC: true },
        azureMonitorProfile: { metrics: { enabled: true } },
        addonProfiles: { azureKeyvaultSecretsProvider: { enabled: true, identity: {} } },
    };
}
/** The exec kubeconfig listManagedClusterUserCredentials returns (JSON is YAML). */
const aksKubeconfig = (cluster: string) =>
    JSON.stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: cluster, cluster: { server: `https://${cluster}.hcp.example.azmk8s.io:443`, "certificate-authority-data": CA } }],
        users: [{ name: "u", user: { exec: { command: "kubelogin", args: ["get-token", "--server-id", "6dae42f8-4368-4678-94ff-3960e28e3630", "--login", "devicecode"] } } }],
    });

const GKE: ModelServiceArgs = {
    cloud: "gcp",
    runtime: "gke",
    region: "us-central1",
    model: { name: "iris", version: "1", artifact: { kind: "uri", uri: "gs://models-b/iris/1/" } },
    image: { kind: "uri", uri: "us-docker.pkg.dev/vertex-ai/prediction/sklearn-cpu.1-3:latest" },
    network: { allowedCidrs: ["10.8.0.0/16"] },
    gcp: { project: "my-ml-project", clusterName: "team-cluster", clusterLocation: "us-central1-a" },
    projectDir: PROJECT_DIR,
};
const AKS: ModelServiceArgs = {
    cloud: "azure",
    runtime: "aks",
    region: "westeurope",
    model: { name: "churn", version: "3", artifact: { kind: "local", path: "examples/iris-onnx" } },
    image: { kind: "uri", uri: "myregistry.azurecr.io/server:3" },
    network: { allowedCidrs: ["10.240.0.0/16"] },
    azure: { deployerPrincipalType: "ServicePrincipal", clusterName: "team-aks", clusterResourceGroup: "team-rg" },
    projectDir: PROJECT_DIR,
};
const problemsOf = (args: ModelServiceArgs) => validateServiceArgs(args).problems.map((p) => `${p.field} ${JSON.stringify(p.value)}: ${p.message}`);
const resolved = <T>(output: pulumi.Output<T>) => new Promise<T>((resolve) => output.apply(resolve));

describe("an existing Kubernetes cluster the caller brings (issue 21, library)", () => {
    let ModelService: typeof import("../components/modelService").ModelService;
    const calls: { token: string; inputs: Record<string, any> }[] = [];

    beforeAll(async () => {
        await pulumi.runtime.setMocks(
            {
                newResource: (args) => {
                    registered.push({ type: args.type, name: args.name, inputs: args.inputs, provider: args.provider });
                    return { id: `${args.name}-id`, state: { ...args.inputs, name: args.inputs.name ?? `${args.name}-auto` } };
                },
                call: (args) => {
                    calls.push({ token: args.token, inputs: args.inputs });
                    switch (args.token) {
                        case "gcp:container/getCluster:getCluster":
                            return gkeCluster(args.inputs);
                        case "azure-native:containerservice:getManagedCluster":
                            return aksCluster(args.inputs);
                        case "azure-native:containerservice:listManagedClusterUserCredentials":
                            return { kubeconfigs: [{ name: "clusterUser", value: Buffer.from(aksKubeconfig(String(args.inputs.resourceName))).toString("base64") }] };
                        default:
                            return args.inputs;
                    }
                },
            },
            "model-service",
            "unit",
            true,
        );
        ({ ModelService } = await import("../components/modelService"));
    });

    it("gke: no cluster or node account; the workload, guard, alerts and logs all name the caller's cluster", async () => {
        const service = new ModelService("byo-gke", GKE);
        const raw = await service.raw;
        await settle();
        for (const type of ["gcp:container/cluster:Cluster", "gcp:container/nodePool:NodePool", "gcp:projects/iAMMember:IAMMember", "gcp:artifactregistry/repositoryIamMember:RepositoryIamMember"]) {
            expect(of("byo-gke", type), type).toEqual([]);
        }
        expect(of("byo-gke", "gcp:serviceaccount/account:Account").map((a) => a.inputs.accountId).filter((id) => id.includes("nodes"))).toEqual([]);
        expect(calls.find((c) => c.token === "gcp:container/getCluster:getCluster")?.inputs).toMatchObject({ name: "team-cluster", location: "us-central1-a", project: "my-ml-project" });

        const [k8s] = of("byo-gke", "pulumi:providers:kubernetes");
        const kubeconfig = JSON.parse(k8s!.inputs.kubeconfig) as { clusters: { name: string; cluster: Record<string, string> }[] };
        expect(kubeconfig.clusters).toEqual([{ name: "team-cluster", cluster: { server: "https://34.1.2.3", "certificate-authority-data": CA } }]);
        const [guard] = of("byo-gke", "pulumi-nodejs:dynamic/kubernetes:RolloutGuard");
        expect(guard!.inputs).toMatchObject({ apiServer: "https://34.1.2.3", caCertificate: CA, metricsScope: 'cluster="team-cluster",namespace="iris"' });
        expect(of("byo-gke", "gcp:monitoring/alertPolicy:AlertPolicy").length).toBeGreaterThan(0);
        for (const alert of of("byo-gke", "gcp:monitoring/alertPolicy:AlertPolicy")) expect(alert.inputs.conditions[0].conditionPrometheusQueryLanguage.query).toContain('cluster="team-cluster"');
        expect(of("byo-gke", "gcp:logging/projectSink:ProjectSink")[0]!.inputs.filter).toContain('resource.labels.cluster_name="team-cluster"');
        // The clients the caller named, not the created subnet's range.
        expect(of("byo-gke", "kubernetes:core/v1:Service")[0]!.inputs.spec.loadBalancerSourceRanges).toEqual(["10.8.0.0/16"]);
        expect(raw.runtime === "gke" && raw.cluster).toBe(undefined);
    });

    it("gke: a kubernetes provider given to the ModelService carries the workload objects; none of the service's own", async () => {
        const caller = new (await import("@pulumi/kubernetes/provider")).Provider("caller-k8s", { kubeconfig: "{}" });
        const callerUrn = await resolved(caller.urn);
        const service = new ModelService("byo-k8s", GKE, { providers: [caller] });
        await service.raw;
        await settle();
        expect(of("byo-k8s", "pulumi:providers:kubernetes")).toEqual([]);
        const objects = registered.filter((r) => r.name.startsWith("byo-k8s-") && r.type.startsWith("kubernetes:"));
        expect(objects.map((o) => o.type)).toEqual(expect.arrayContaining(["kubernetes:core/v1:Namespace", "kubernetes:apps/v1:Deployment", "kubernetes:core/v1:Service"]));
        for (const o of objects) expect(o.provider, `${o.type} ${o.name}`).toMatch(new RegExp(`^${callerUrn.replace(/[$]/g, "\\$")}::`));
    });

    it("aks: no cluster; identity, image pull, deployer access, guard, metrics links and alerts all go to the caller's cluster", async () => {
        const service = new ModelService("byo-aks", AKS);
        const raw = await service.raw;
        await settle();
        expect(of("byo-aks", "azure-native:containerservice:ManagedCluster")).toEqual([]);
        expect(raw.runtime === "aks" && raw.cluster).toBe(undefined);
        expect(calls.find((c) => c.token === "azure-native:containerservice:getManagedCluster")?.inputs).toEqual({ resourceGroupName: "team-rg", resourceName: "team-aks" });
        expect(calls.find((c) => c.token === "azure-native:containerservice:listManagedClusterUserCredentials")?.inputs).toMatchObject({ resourceGroupName: "team-rg", resourceName: "team-aks" });

        const assignment = (suffix: string) => registered.find((r) => r.type === "azure-native:authorization:RoleAssignment" && r.name === `byo-aks-aks-${suffix}`)!.inputs;
        expect(assignment("kubelet-pulls-images").principalId).toBe("kubelet-object-id");
        expect(assignment("deployer-administers-cluster").scope).toBe(AKS_ID);
        expect(of("byo-aks", "azure-native:managedidentity:FederatedIdentityCredential")[0]!.inputs.issuer).toBe("https://issuer.example/team-aks/");
        const [guard] = of("byo-aks", "pulumi-nodejs:dynamic/kubernetes:RolloutGuard");
        expect(guard!.inputs).toMatchObject({ apiServer: "https://team-aks.hcp.example.azmk8s.io:443", caCertificate: CA });
        const associations = of("byo-aks", "azure-native:monitor:DataCollectionRuleAssociation");
        expect(associations.map((a) => a.inputs.resourceUri)).toEqual([AKS_ID, AKS_ID]);
        expect(associations.map((a) => a.inputs.associationName)).toContain("MSProm-westeurope-team-aks");
        const rules = of("byo-aks", "azure-native:alertsmanagement:PrometheusRuleGroup")[0]!.inputs;
        expect(rules).toMatchObject({ clusterName: "team-aks", scopes: [expect.any(String), AKS_ID] });
        expect(of("byo-aks", "azure-native:monitor:MetricAlert").length).toBeGreaterThan(0);
        for (const alert of of("byo-aks", "azure-native:monitor:MetricAlert")) expect(alert.inputs.scopes).toEqual([AKS_ID]);
        expect(of("byo-aks", "kubernetes:core/v1:Service")[0]!.inputs.spec.loadBalancerSourceRanges).toEqual(["10.240.0.0/16"]);
    });

    it("checks plain coordinates before any resource, and says what the cluster lacks once it is read", async () => {
        expect(problemsOf({ ...GKE, gcp: { project: "my-ml-project", clusterName: "projects/p/locations/l/clusters/c" } })).toEqual([expect.stringMatching(/^gcp\.clusterName "projects\/p.*is not a cluster name/)]);
        expect(problemsOf({ ...GKE, network: {} })).toEqual([expect.stringMatching(/^network\.allowedCidrs \[\]: is empty/)]);
        expect(problemsOf({ ...GKE, runtime: "vertex", network: {} })).toEqual([expect.stringMatching(/^gcp\.clusterName "team-cluster": is an existing gke cluster, and the runtime is vertex/)]);
        expect(problemsOf({ ...GKE, gcp: { project: "my-ml-project", clusterLocation: "us-central1-a" } })).toEqual([expect.stringMatching(/^gcp\.clusterLocation/)]);
        expect(problemsOf({ ...GKE, gcp: { project: "my-ml-project", clusterName: pulumi.output("from-another-stack") } })).toEqual([]);

        expect(problemsOf({ ...AKS, azure: { clusterName: "team-aks" } })).toEqual([expect.stringMatching(/^azure\.clusterResourceGroup undefined: is required with azure\.clusterName/)]);
        expect(problemsOf({ ...AKS, azure: { clusterName: "/subscriptions/s/x", clusterResourceGroup: "rg" } })).toEqual([expect.stringMatching(/^azure\.clusterName "\/subscriptions\/s\/x": is not a cluster name/)]);

        const { aksClusterProblem } = await import("../providers/azure/existingCluster");
        const ready = aksCluster({ resourceName: "team-aks" });
        expect(aksClusterProblem(ready, true)).toBe(undefined);
        expect(aksClusterProblem({ ...ready, securityProfile: {} }, false)).toMatch(/^azure\.clusterName team-aks: has no OIDC issuer or workload identity.*--enable-workload-identity/);
        expect(aksClusterProblem({ ...ready, aadProfile: undefined }, false)).toMatch(/no Azure RBAC.*--enable-azure-rbac/);
        expect(aksClusterProblem({ ...ready, azureMonitorProfile: { metrics: { enabled: false } } }, false)).toMatch(/managed Prometheus metrics add-on off.*--enable-azure-monitor-metrics/);
        expect(aksClusterProblem({ ...ready, addonProfiles: {} }, false)).toBe(undefined);
        expect(aksClusterProblem({ ...ready, addonProfiles: {} }, true)).toMatch(/Key Vault secrets provider add-on off/);

        const { gkeClusterProblem } = await import("../providers/gcp/existingCluster");
        const autopilot = { name: "team-cluster", enableAutopilot: true, monitoringConfigs: [], workloadIdentityConfigs: [{ workloadPool: "my-ml-project.svc.id.goog" }] };
        expect(gkeClusterProblem(autopilot, "my-ml-project")).toBe(undefined);
        expect(gkeClusterProblem({ ...autopilot, workloadIdentityConfigs: [] }, "my-ml-project")).toMatch(/^gcp\.clusterName team-cluster: has workload identity pool <none>, not my-ml-project\.svc\.id\.goog\. Fix: gcloud container clusters update team-cluster --workload-pool/);
        expect(gkeClusterProblem(autopilot, "other-project")).toMatch(/not other-project\.svc\.id\.goog/);
        const standard = { ...autopilot, enableAutopilot: false };
        expect(gkeClusterProblem(standard, "my-ml-project")).toMatch(/Managed Service for Prometheus off.*--enable-managed-prometheus/);
        expect(gkeClusterProblem({ ...standard, monitoringConfigs: [{ managedPrometheuses: [{ enabled: true }] }] as any }, "my-ml-project")).toBe(undefined);
    });
});
