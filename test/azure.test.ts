import { beforeAll, describe, expect, it } from "vitest";
import type { PlanDocument } from "../offline/engine";
import { byName, ofType, one, planJson } from "./helpers/plan";

const IMAGE = "mcr.microsoft.com/azureml/minimal-ubuntu22.04-py39-cpu-inference:latest";
const ROLE = { blobReader: "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1", acrPull: "7f951dda-4ed3-4680-a7ca-43fe172d538d", secretsUser: "4633458b-17de-408a-b874-0445c86b69e6" };

function mandatory(doc: PlanDocument) {
    return doc.violations.filter((v) => v.level === "mandatory");
}

function roleOf(r: { inputs: Record<string, unknown> }): string {
    return String(r.inputs.roleDefinitionId).split("/").pop()!;
}

describe("Azure shared foundation (dev, azureml)", () => {
    let doc: PlanDocument;
    let code: number | null;
    beforeAll(() => {
        ({ doc, code } = planJson(["--stack", "dev", "--config", "cloud=azure", "--config", `image=${IMAGE}`]));
    });

    it("plans the managed runtime by default with no mandatory violation, loading only azure-native", () => {
        expect(doc.errors).toEqual([]);
        expect(code).toBe(0);
        expect(mandatory(doc)).toEqual([]);
        expect(doc.outputs.runtime).toBe("azureml");
        expect(doc.sdkModules.filter((m) => /^@pulumi\/(aws|gcp)\//.test(m))).toEqual([]);
        expect(doc.sdkModules).not.toContain("@pulumi/azure-native");
    });

    it("keeps the artifact storage private: no blob public access, HTTPS only, TLS 1.2, private container", () => {
        expect(one(doc, "azure-native:storage:StorageAccount").inputs).toMatchObject({ allowBlobPublicAccess: false, enableHttpsTrafficOnly: true, minimumTlsVersion: "TLS1_2", location: "eastus" });
        expect(one(doc, "azure-native:storage:BlobContainer").inputs.publicAccess).toBe("None");
        expect(ofType(doc, "azure-native:storage:Blob").map((b) => b.inputs.blobName).sort()).toEqual(["iris/1/README.md", "iris/1/metadata.json", "iris/1/model.onnx"]);
        expect(doc.outputs.artifactUri).toMatch(/^https:\/\/[a-z0-9]+\.blob\.core\.windows\.net\/models\/iris\/1\/$/);
    });

    it("turns the registry's admin user off, uses RBAC on the vault, and tags everything", () => {
        expect(one(doc, "azure-native:containerregistry:Registry").inputs).toMatchObject({ adminUserEnabled: false, anonymousPullEnabled: false });
        const vault = one(doc, "azure-native:keyvault:Vault").inputs as any;
        expect(vault.properties).toMatchObject({ enableRbacAuthorization: true, enableSoftDelete: true });
        expect(vault.properties.enablePurgeProtection).toBeUndefined();
        expect(one(doc, "azure-native:operationalinsights:Workspace").inputs.retentionInDays).toBe(30);
        for (const r of doc.resources.filter((r) => r.custom && "tags" in r.inputs)) expect(r.inputs.tags, r.name).toMatchObject({ "managed-by": "pulumi", stack: "dev", team: "ml" });
    });
});

describe("Azure ML managed online endpoint", () => {
    let doc: PlanDocument;
    beforeAll(() => {
        doc = planJson(["--stack", "dev", "--config", "cloud=azure", "--config", "runtime=azureml", "--config", `image=${IMAGE}`]).doc;
    });

    it("authenticates with keys, never anonymously, and keeps public network access off", () => {
        expect(one(doc, "azure-native:machinelearningservices:OnlineEndpoint").inputs).toMatchObject({
            kind: "Managed",
            identity: { type: "SystemAssigned" },
            properties: { authMode: "Key", publicNetworkAccess: "Disabled" },
        });
        expect(one(doc, "azure-native:machinelearningservices:OnlineEndpoint").options.ignoreChanges).toEqual(["properties.traffic"]);
        expect(doc.outputs.invoke).toMatchObject({ auth: "azure-key", reachability: "private-network" });
        // The endpoint's name is azure-native's autoname: the logical name and 8 random hex (region-unique).
        expect(doc.outputs.endpointUrl).toMatch(/^https:\/\/iris-azureml-endpoint[0-9a-f]{8}\.eastus\.inference\.ml\.azure\.com\/score$/);
    });

    it("registers the model from the blob and the image with the serving contract's routes", () => {
        // Through a datastore registered for the model's container (issue 14 item 17; test/azureModelDatastore.test.ts).
        expect(one(doc, "azure-native:machinelearningservices:ModelVersion").inputs).toMatchObject({ version: "1", properties: { modelUri: expect.stringMatching(/^azureml:\/\/subscriptions\/.+\/datastores\/ms_[a-z0-9]+_models\/paths\/iris\/1\/$/), modelType: "custom_model" } });
        expect((one(doc, "azure-native:machinelearningservices:EnvironmentVersion").inputs as any).properties).toMatchObject({
            image: IMAGE,
            inferenceConfig: { livenessRoute: { path: "/ping", port: 8080 }, readinessRoute: { path: "/ping", port: 8080 }, scoringRoute: { path: "/invocations", port: 8080 } },
        });
    });

    it("deploys with the portable size's instance type, probes and the Default scale type managed deployments take", () => {
        const props = (one(doc, "azure-native:machinelearningservices:OnlineDeployment").inputs as any).properties;
        expect(props).toMatchObject({
            endpointComputeType: "Managed",
            instanceType: "Standard_DS2_v2",
            model: one(doc, "azure-native:machinelearningservices:ModelVersion").id,
            environmentId: one(doc, "azure-native:machinelearningservices:EnvironmentVersion").id,
        });
        // TargetUtilization is for Kubernetes online deployments only (issue 14 item 10).
        expect(props.scaleSettings).toEqual({ scaleType: "Default" });
        expect(props.environmentVariables).toMatchObject({ PORT: "8080", HEALTH_ROUTE: "/ping", PREDICT_ROUTE: "/invocations", MODEL_NAME: "iris" });
        expect(props.livenessProbe).toBeDefined();
        expect(props.readinessProbe).toBeDefined();
    });

    it("scales the deployment with Azure Monitor autoscale between min and max replicas, on requests per instance and CPU", () => {
        const deployment = one(doc, "azure-native:machinelearningservices:OnlineDeployment");
        const endpoint = one(doc, "azure-native:machinelearningservices:OnlineEndpoint");
        const autoscale = one(doc, "azure-native:monitor:AutoscaleSetting");
        expect(autoscale.inputs).toMatchObject({ targetResourceUri: deployment.id, enabled: true, location: "eastus" });
        expect(autoscale.options.dependsOn).toContain(deployment.urn);
        const [profile] = (autoscale.inputs as any).profiles;
        expect(profile.capacity).toEqual({ minimum: "1", maximum: "2", default: "1" });
        const [out, cpu, scaleIn] = profile.rules;
        expect(out.metricTrigger).toMatchObject({
            metricResourceUri: endpoint.id,
            metricName: "RequestsPerMinute",
            dividePerInstance: true,
            dimensions: [{ dimensionName: "deployment", operator: "Equals", values: [deployment.outputs.name] }],
            operator: "GreaterThan",
            threshold: 600,
        });
        expect(out.scaleAction).toMatchObject({ direction: "Increase", type: "ChangeCount", value: "1" });
        expect(cpu.metricTrigger).toMatchObject({ metricResourceUri: deployment.id, metricName: "CpuUtilizationPercentage", operator: "GreaterThan", threshold: 70 });
        expect(scaleIn.metricTrigger).toMatchObject({ metricName: "RequestsPerMinute", operator: "LessThan", threshold: 300 });
        expect(scaleIn.scaleAction).toMatchObject({ direction: "Decrease" });
    });

    it("gives the endpoint identity blob read on the model container, nothing else: Azure ML grants it AcrPull itself", () => {
        const principal = (one(doc, "azure-native:machinelearningservices:OnlineEndpoint").outputs.identity as any).principalId;
        const grants = ofType(doc, "azure-native:authorization:RoleAssignment").map((r) => [roleOf(r), r.inputs.scope, r.inputs.principalId]);
        const storage = one(doc, "azure-native:storage:StorageAccount").id;
        expect(grants.sort()).toEqual(
            [
                [ROLE.blobReader, `${storage}/blobServices/default/containers/models`, principal],
            ].sort(),
        );
        // A second AcrPull for the endpoint would fail with RoleAssignmentExists (issue 14 item 6).
        expect(grants.filter(([role]) => role === ROLE.acrPull)).toEqual([]);
    });

    it("moves traffic with the traffic shifter only after the deployment exists, all at once by default", () => {
        const traffic = one(doc, "pulumi-nodejs:dynamic/azure:TrafficShift");
        const deployment = one(doc, "azure-native:machinelearningservices:OnlineDeployment");
        const endpoint = one(doc, "azure-native:machinelearningservices:OnlineEndpoint");
        expect(traffic.options.dependsOn).toContain(deployment.urn);
        expect(traffic.inputs).toMatchObject({ endpointId: endpoint.id, deploymentName: deployment.outputs.name, strategy: "allAtOnce", stepPercent: 10, bakeSeconds: 600, latencyP99Ms: 1000, max5xxPerMinute: 5 });
        expect(traffic.outputs.traffic).toEqual({ [String(deployment.outputs.name)]: 100 });
        expect(endpoint.inputs.properties).not.toHaveProperty("traffic");
        expect(ofType(doc, "azure-native:resources:Deployment")).toEqual([]);
    });
});

describe("Azure ML rollouts", () => {
    const IMAGE_2 = "mcr.microsoft.com/azureml/minimal-ubuntu22.04-py39-cpu-inference:20250101";
    const plan = (...config: string[]) => planJson(["--stack", "dev", "--config", "cloud=azure", "--config", "runtime=azureml", "--config", `image=${IMAGE}`, ...config.flatMap((c) => ["--config", c])]).doc;
    const deploymentOf = (d: PlanDocument) => one(d, "azure-native:machinelearningservices:OnlineDeployment");
    let canary: PlanDocument;
    beforeAll(() => {
        canary = plan("rollout=canary", "rolloutStepPercent=20", "rolloutBakeMinutes=3", "alarmLatencyP99Ms=750");
    });

    it("plans a canary with no error or mandatory violation", () => {
        expect(canary.errors).toEqual([]);
        expect(mandatory(canary)).toEqual([]);
    });

    it("names the deployment, and its environment version, after the release", () => {
        const deployment = deploymentOf(canary);
        const name = String(deployment.inputs.deploymentName);
        expect(name).toMatch(/^v1-[0-9a-f]{8}$/);
        expect(deployment.name).toBe(`iris-azureml-deployment-${name}`);
        const environment = one(canary, "azure-native:machinelearningservices:EnvironmentVersion");
        expect(environment.inputs.version).toBe(name);
        expect(environment.name).toBe(`iris-azureml-environment-${name}`);
        expect((deployment.inputs as any).properties.environmentId).toBe(environment.id);
    });

    it("makes a new image, model version or instance type a new deployment beside the old, and scaling not", () => {
        const name = (d: PlanDocument) => String(deploymentOf(d).inputs.deploymentName);
        const base = name(canary);
        const image = name(plan("rollout=canary", `image=${IMAGE_2}`));
        const version = name(plan("rollout=canary", "modelVersion=2"));
        const instance = name(plan("rollout=canary", "instanceType=Standard_DS3_v2"));
        const scaled = name(plan("rollout=canary", "maxReplicas=5"));
        expect(new Set([base, image, version, instance]).size).toBe(4);
        expect(version).toMatch(/^v2-[0-9a-f]{8}$/);
        expect(scaled).toBe(base);
        // Same settings, same name: the name is a function of the release, not of the run.
        expect(name(plan("rollout=canary", "rolloutStepPercent=20"))).toBe(base);
    });

    it("hands the shifter the rollout settings, the new deployment and the endpoint", () => {
        const traffic = one(canary, "pulumi-nodejs:dynamic/azure:TrafficShift");
        const deployment = deploymentOf(canary);
        expect(traffic.inputs).toMatchObject({
            endpointId: one(canary, "azure-native:machinelearningservices:OnlineEndpoint").id,
            deploymentName: deployment.inputs.deploymentName,
            strategy: "canary",
            stepPercent: 20,
            bakeSeconds: 180,
            latencyP99Ms: 750,
        });
        expect(traffic.options.dependsOn).toContain(deployment.urn);
        expect(traffic.propertyDependencies.deploymentName).toContain(deployment.urn);
        expect(String(traffic.inputs.__provider)).toMatch(/^<serialized dynamic provider, \d+ characters>$/);
    });

    it("passes linear through as well", () => {
        expect(one(plan("rollout=linear", "rolloutStepPercent=25"), "pulumi-nodejs:dynamic/azure:TrafficShift").inputs).toMatchObject({ strategy: "linear", stepPercent: 25 });
    });
});

describe("Azure names and the shared foundation (issue 14 items 7, 9, 15)", () => {
    const planOf = (runtime: string) => planJson(["--stack", "dev", "--config", "cloud=azure", "--config", `runtime=${runtime}`, "--config", `image=${IMAGE}`]).doc;

    it("keeps the foundation's URNs, and so its resources, when the runtime switches; no physical name changes hands", { timeout: 600_000 }, () => {
        const [ml, aks] = [planOf("azureml"), planOf("aks")];
        const azure = (d: PlanDocument) => d.resources.filter((r) => r.custom && r.type.startsWith("azure-native:"));
        const urns = (d: PlanDocument) => new Set(azure(d).map((r) => r.urn));
        for (const type of ["resources:ResourceGroup", "storage:StorageAccount", "containerregistry:Registry", "keyvault:Vault", "operationalinsights:Workspace"]) {
            const [a, b] = [one(ml, `azure-native:${type}`), one(aks, `azure-native:${type}`)];
            expect(a.urn, type).toBe(b.urn);
            expect(a.urn, type).toMatch(/::iris-azure-/);
            expect(a.urn, type).not.toMatch(/AzureMlService|AksService/);
        }
        const owner = new Map(azure(ml).map((r) => [`${r.type}/${String(r.outputs.name)}`, r.urn]));
        for (const r of azure(aks)) {
            const other = owner.get(`${r.type}/${String(r.outputs.name)}`);
            if (other) expect(other, `${r.type} ${String(r.outputs.name)}`).toBe(r.urn);
        }
        expect([...urns(ml)].filter((u) => urns(aks).has(u)).length).toBeGreaterThanOrEqual(5);
    });

    it("leaves the region-unique endpoint, the vault, the workspace and the resource group to azure-native's random suffix", () => {
        const ml = planOf("azureml");
        expect(one(ml, "azure-native:machinelearningservices:OnlineEndpoint").inputs.endpointName).toBeUndefined();
        expect(one(ml, "azure-native:machinelearningservices:Workspace").inputs.workspaceName).toBeUndefined();
        expect(one(ml, "azure-native:keyvault:Vault").inputs.vaultName).toBeUndefined();
        expect(one(ml, "azure-native:resources:ResourceGroup").inputs.resourceGroupName).toBeUndefined();
    });

    it("keeps the endpoint's inputs the same from release to release, so azure-native never PUTs it without its traffic", { timeout: 600_000 }, () => {
        const endpointOf = (...config: string[]) => one(planJson(["--stack", "dev", "--config", "cloud=azure", "--config", `image=${IMAGE}`, ...config.flatMap((c) => ["--config", c])]).doc, "azure-native:machinelearningservices:OnlineEndpoint");
        const [v1, v2] = [endpointOf(), endpointOf("modelVersion=2", "image=mcr.microsoft.com/azureml/minimal-ubuntu22.04-py39-cpu-inference:20250101")];
        expect(v2.urn).toBe(v1.urn);
        expect(v2.inputs).toEqual(v1.inputs);
        expect(v1.inputs.tags).not.toHaveProperty("model-version");
    });
});

describe("AKS on the prod stack, with secrets", () => {
    let doc: PlanDocument;
    const secretValue = "offline-aks-secret-value-58";
    beforeAll(() => {
        doc = planJson(["--stack", "prod", "--config", "cloud=azure", "--config", "runtime=aks", "--config", `image=${IMAGE}`, "--config", 'secrets=["hfToken"]', "--secret", `hfToken=${secretValue}`]).doc;
    });

    it("plans cleanly, protects the stateful resources and turns purge protection on", () => {
        expect(doc.errors).toEqual([]);
        expect(mandatory(doc)).toEqual([]);
        expect(doc.resources.filter((r) => r.options.protect).map((r) => r.type).sort()).toEqual([
            "azure-native:containerregistry:Registry",
            "azure-native:containerservice:ManagedCluster",
            "azure-native:keyvault:Vault",
            "azure-native:operationalinsights:Workspace",
            "azure-native:resources:ResourceGroup",
            "azure-native:storage:BlobContainer",
            "azure-native:storage:StorageAccount",
        ]);
        expect((one(doc, "azure-native:keyvault:Vault").inputs as any).properties.enablePurgeProtection).toBe(true);
        expect(one(doc, "azure-native:operationalinsights:Workspace").inputs.retentionInDays).toBe(365);
    });

    it("lets the deployer delete the secrets it writes: Key Vault Secrets Officer on the vault, granted first, removed last", () => {
        const vault = one(doc, "azure-native:keyvault:Vault");
        const officer = byName(doc, "azure-native:authorization:RoleAssignment", "iris-azure-deployer-manages-secrets");
        expect(officer.inputs).toMatchObject({ scope: vault.id, principalId: "00000000-0000-4000-8000-0000000000d1", roleDefinitionId: expect.stringMatching(/\/b86a8fe4-44ce-4948-aee5-eccb2c155cd7$/) });
        const secret = one(doc, "azure-native:keyvault:Secret");
        expect(secret.options.dependsOn).toContain(officer.urn);
    });

    it("runs a cluster with OIDC issuer, workload identity, Azure RBAC, no local accounts and an autoscaling pool", () => {
        const cluster = one(doc, "azure-native:containerservice:ManagedCluster").inputs as any;
        expect(cluster).toMatchObject({
            oidcIssuerProfile: { enabled: true },
            securityProfile: { workloadIdentity: { enabled: true } },
            aadProfile: { managed: true, enableAzureRBAC: true },
            disableLocalAccounts: true,
            addonProfiles: { azureKeyvaultSecretsProvider: { enabled: true } },
        });
        expect(cluster.agentPoolProfiles[0]).toMatchObject({ enableAutoScaling: true, minCount: 2, maxCount: 6 });
    });

    it("federates the workload identity with the pod's service account and grants it blob read and secret read only", () => {
        const identity = one(doc, "azure-native:managedidentity:UserAssignedIdentity");
        const cluster = one(doc, "azure-native:containerservice:ManagedCluster");
        expect(one(doc, "azure-native:managedidentity:FederatedIdentityCredential").inputs).toMatchObject({
            resourceName: identity.outputs.name,
            issuer: (cluster.outputs.oidcIssuerProfile as any).issuerURL,
            subject: "system:serviceaccount:iris:model-server",
            audiences: ["api://AzureADTokenExchange"],
        });
        const byPrincipal = (p: unknown) => ofType(doc, "azure-native:authorization:RoleAssignment").filter((r) => r.inputs.principalId === p).map(roleOf).sort();
        expect(byPrincipal(identity.outputs.principalId)).toEqual([ROLE.blobReader, ROLE.secretsUser].sort());
        expect(byPrincipal((cluster.outputs.identityProfile as any).kubeletidentity.objectId)).toEqual([ROLE.acrPull]);
        expect((one(doc, "kubernetes:core/v1:ServiceAccount").inputs as any).metadata.annotations).toEqual({ "azure.workload.identity/client-id": identity.outputs.clientId });
        expect((one(doc, "kubernetes:apps/v1:Deployment").inputs as any).spec.template.metadata.labels["azure.workload.identity/use"]).toBe("true");
    });

    it("mounts the Key Vault secret through the CSI driver and never puts its value in the workload", () => {
        expect(one(doc, "azure-native:keyvault:Secret").secretInputs).toContain("properties.value");
        const spc = one(doc, "kubernetes:secrets-store.csi.x-k8s.io/v1:SecretProviderClass").inputs as any;
        expect(spc.spec.provider).toBe("azure");
        expect(spc.spec.parameters).toMatchObject({ usePodIdentity: "false", keyvaultName: one(doc, "azure-native:keyvault:Vault").outputs.name });
        expect(spc.spec.parameters.objects).toContain("objectName: hfToken");
        expect(JSON.stringify(doc.resources.filter((r) => r.type !== "azure-native:keyvault:Secret"))).not.toContain(secretValue);
    });

    it("keeps the API server public unless a private cluster is asked", () => {
        expect((one(doc, "azure-native:containerservice:ManagedCluster").inputs as any).apiServerAccessProfile).toBeUndefined();
        const privateDoc = planJson(["--stack", "dev", "--config", "cloud=azure", "--config", "runtime=aks", "--config", `image=${IMAGE}`, "--config", "azurePrivateCluster=true"]).doc;
        expect((one(privateDoc, "azure-native:containerservice:ManagedCluster").inputs as any).apiServerAccessProfile).toEqual({ enablePrivateCluster: true });
    });

    it("exposes an internal Azure load balancer, reachable from the cluster network only", () => {
        const service = one(doc, "kubernetes:core/v1:Service").inputs as any;
        expect(service.metadata.annotations).toEqual({ "service.beta.kubernetes.io/azure-load-balancer-internal": "true" });
        expect((one(doc, "kubernetes:networking.k8s.io/v1:NetworkPolicy").inputs as any).spec.ingress[0].from).toEqual([{ ipBlock: { cidr: "10.224.0.0/12" } }]);
        expect(byName(doc, "pulumi:providers:kubernetes", "iris-aks-k8s").secretInputs).toContain("kubeconfig");
    });
});

describe("AKS rollouts", () => {
    it("hands the rollout to the guard: the API server and CA from the cluster's kubeconfig, Entra ID tokens, the workspace's Prometheus endpoint", () => {
        const doc = planJson(["--stack", "dev", "--config", "cloud=azure", "--config", "runtime=aks", "--config", `image=${IMAGE}`, "--config", "rollout=linear", "--config", "rolloutStepPercent=25", "--config", "rolloutBakeMinutes=4", "--config", "alarmLatencyP99Ms=700"]).doc;
        expect(mandatory(doc)).toEqual([]);
        const guard = one(doc, "pulumi-nodejs:dynamic/kubernetes:RolloutGuard");
        const deployment = one(doc, "kubernetes:apps/v1:Deployment");
        const workspace = one(doc, "azure-native:monitor:AzureMonitorWorkspace");
        const cluster = one(doc, "azure-native:containerservice:ManagedCluster");
        const g = guard.inputs as any;
        const d = deployment.inputs as any;
        expect(g).toMatchObject({
            apiServer: `https://${cluster.outputs.name}.hcp.offline.azmk8s.io:443`,
            caCertificate: Buffer.from("offline mock CA").toString("base64"),
            credential: "azure",
            prometheusUrl: (workspace.outputs as any).metrics.prometheusQueryEndpoint,
            metricsScope: `namespace="${d.metadata.namespace}"`,
            namespace: d.metadata.namespace,
            deployment: d.metadata.name,
            modelVersion: "1",
            predictRoute: "/invocations",
            bakeSeconds: 240,
            latencyP99Ms: 700,
        });
        expect(g.image).toBe(d.spec.template.spec.containers[0].image);
        expect(g.templateFingerprint).toMatch(/^[0-9a-f]{64}$/);
        // 4 steps of 25%, each up to 10 minutes to start plus the 4-minute hold.
        expect(g.rolloutTimeoutSeconds).toBe(4 * (600 + 240));
        expect(d.metadata.annotations).toEqual({ "pulumi.com/skipAwait": "true", "pulumi.com/patchForce": "true" });
        // The deployer may read the workspace's metrics before the guard reads them.
        const reader = byName(doc, "azure-native:authorization:RoleAssignment", "iris-aks-deployer-reads-metrics");
        expect(reader.inputs).toMatchObject({ scope: workspace.id, roleDefinitionId: expect.stringMatching(/\/b0d8363b-8ddd-447d-831f-62ca05bff136$/) });
        // Azure refuses a grant whose principal type is not the principal's: the offline client id is
        // not the Azure CLI's, so a service principal unless config says otherwise.
        expect((reader.inputs as any).principalType).toBe("ServicePrincipal");
        const user = planJson(["--stack", "dev", "--config", "cloud=azure", "--config", "runtime=aks", "--config", `image=${IMAGE}`, "--config", "azureDeployerPrincipalType=User"]).doc;
        expect(byName(user, "azure-native:authorization:RoleAssignment", "iris-aks-deployer-reads-metrics").inputs).toMatchObject({ principalType: "User" });
        const ci = planJson(["--stack", "dev", "--config", "cloud=azure", "--config", "runtime=aks", "--config", `image=${IMAGE}`, "--config", "azureDeployerPrincipalType=ServicePrincipal"]).doc;
        expect(byName(ci, "azure-native:authorization:RoleAssignment", "iris-aks-deployer-reads-metrics").inputs).toMatchObject({ principalType: "ServicePrincipal" });
        const wrong = planJson(["--stack", "dev", "--config", "cloud=azure", "--config", "runtime=aks", "--config", `image=${IMAGE}`, "--config", "azureDeployerPrincipalType=robot"]);
        expect(wrong.code).toBe(2);
        expect(wrong.doc.errors.join("\n")).toContain('azureDeployerPrincipalType = "robot": is not a principal type. Fix: pulumi config set azureDeployerPrincipalType <User|ServicePrincipal>');
        expect(guard.options.dependsOn).toEqual(expect.arrayContaining([deployment.urn, reader.urn]));
        expect(String(doc.outputs.servingVersion ?? (one(doc, "model-service:azure:AksService").outputs as any).servingVersion)).toBe("model version 1 (Deployment revision 1)");
    });
});

describe("Azure alerts", () => {
    const ALERT = "azure-native:monitor:MetricAlert";
    const criterion = (r: { inputs: Record<string, unknown> }) => (r.inputs as any).criteria.allOf[0];
    const withEmails = (runtime: string) =>
        planJson(["--stack", "dev", "--config", "cloud=azure", "--config", `runtime=${runtime}`, "--config", `image=${IMAGE}`, "--config", 'alarmEmails=["oncall@example.com","ml@example.com"]', "--config", "alarmLatencyP99Ms=300"]).doc;

    it("Azure ML: 5xx answers and p99 latency on the endpoint, instances of the deployment, all to the alarm action group", () => {
        const doc = withEmails("azureml");
        expect(mandatory(doc)).toEqual([]);
        const group = one(doc, "azure-native:monitor:ActionGroup");
        expect(group.inputs).toMatchObject({
            enabled: true,
            groupShortName: "iris",
            emailReceivers: [
                { name: "email-0", emailAddress: "oncall@example.com" },
                { name: "email-1", emailAddress: "ml@example.com" },
            ],
        });
        expect(String(group.inputs.groupShortName).length).toBeLessThanOrEqual(12);
        const endpoint = one(doc, "azure-native:machinelearningservices:OnlineEndpoint");
        const deployment = one(doc, "azure-native:machinelearningservices:OnlineDeployment");
        const alerts = ofType(doc, ALERT);
        expect(alerts.map((a) => criterion(a).metricName).sort()).toEqual(["DeploymentCapacity", "RequestLatency_P99", "RequestsPerMinute"]);
        for (const a of alerts) {
            expect(a.inputs).toMatchObject({ enabled: true, location: "global", evaluationFrequency: "PT1M", windowSize: "PT5M", actions: [{ actionGroupId: group.id }] });
            expect(a.inputs.scopes).toEqual([criterion(a).metricName === "DeploymentCapacity" ? deployment.id : endpoint.id]);
        }
        const metric = (name: string) => criterion(alerts.find((a) => criterion(a).metricName === name)!);
        // One threshold with the traffic shifter's watch and the other runtimes' alarms (issue 14 item 16).
        expect(metric("RequestsPerMinute")).toMatchObject({ dimensions: [{ name: "statusCodeClass", operator: "Include", values: ["5xx"] }], operator: "GreaterThan", threshold: 5 });
        expect(one(doc, "pulumi-nodejs:dynamic/azure:TrafficShift").inputs.max5xxPerMinute).toBe(metric("RequestsPerMinute").threshold);
        expect(metric("RequestLatency_P99")).toMatchObject({ operator: "GreaterThan", threshold: 300 });
        expect(metric("DeploymentCapacity")).toMatchObject({ metricNamespace: "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments", operator: "LessThan", threshold: 1 });
    });

    it("AKS: no ready pod in the service's namespace, on the cluster's platform metrics, after the first rollout", () => {
        const doc = withEmails("aks");
        expect(mandatory(doc)).toEqual([]);
        const group = one(doc, "azure-native:monitor:ActionGroup");
        const cluster = one(doc, "azure-native:containerservice:ManagedCluster");
        const deployment = one(doc, "kubernetes:apps/v1:Deployment");
        const alert = one(doc, ALERT);
        expect(alert.inputs).toMatchObject({ scopes: [cluster.id], actions: [{ actionGroupId: group.id }] });
        expect(criterion(alert)).toMatchObject({
            metricNamespace: "Microsoft.ContainerService/managedClusters",
            metricName: "kube_pod_status_ready",
            dimensions: [
                { name: "namespace", operator: "Include", values: [(deployment.inputs as any).metadata.namespace] },
                { name: "condition", operator: "Include", values: ["true"] },
            ],
            operator: "LessThanOrEqual",
            threshold: 0,
        });
        // Once the guard let the first rollout through: no page for a deployment in progress.
        expect(alert.options.dependsOn).toContain(one(doc, "pulumi-nodejs:dynamic/kubernetes:RolloutGuard").urn);
    });

    it("AKS: the server's 5xx rate and p99 latency through managed Prometheus, scraped in the service's namespace, to the alarm action group", () => {
        const doc = withEmails("aks");
        const group = one(doc, "azure-native:monitor:ActionGroup");
        const cluster = one(doc, "azure-native:containerservice:ManagedCluster");
        expect((cluster.inputs as any).azureMonitorProfile).toEqual({ metrics: { enabled: true } });
        const deployment = one(doc, "kubernetes:apps/v1:Deployment").inputs as any;
        const namespace = deployment.metadata.namespace;
        expect((one(doc, "kubernetes:azmonitoring.coreos.com/v1:PodMonitor").inputs as any)).toMatchObject({
            metadata: { namespace },
            spec: { selector: { matchLabels: deployment.spec.selector.matchLabels }, podMetricsEndpoints: [{ port: deployment.spec.template.spec.containers[0].ports[0].name, path: "/metrics" }] },
        });
        expect((one(doc, "kubernetes:networking.k8s.io/v1:NetworkPolicy").inputs as any).spec.ingress[1]).toEqual({
            from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } } }],
            ports: [{ protocol: "TCP", port: 8080 }],
        });

        const workspace = one(doc, "azure-native:monitor:AzureMonitorWorkspace");
        const dce = one(doc, "azure-native:monitor:DataCollectionEndpoint");
        const dcr = one(doc, "azure-native:monitor:DataCollectionRule").inputs as any;
        expect(dcr).toMatchObject({ dataCollectionEndpointId: dce.id, destinations: { monitoringAccounts: [{ accountResourceId: workspace.id }] }, dataFlows: [{ streams: ["Microsoft-PrometheusMetrics"] }] });
        const associations = ofType(doc, "azure-native:monitor:DataCollectionRuleAssociation").map((a) => a.inputs as any);
        for (const a of associations) expect(a.resourceUri).toBe(cluster.id);
        expect(associations.map((a) => a.dataCollectionRuleId ?? a.dataCollectionEndpointId).sort()).toEqual([dce.id, one(doc, "azure-native:monitor:DataCollectionRule").id].sort());

        const ruleGroup = one(doc, "azure-native:alertsmanagement:PrometheusRuleGroup").inputs as any;
        expect(ruleGroup).toMatchObject({ scopes: [workspace.id, cluster.id], clusterName: cluster.outputs.name, enabled: true });
        expect(ruleGroup.rules.map((r: any) => r.alert)).toEqual(["ModelServerErrors", "ModelServerLatencyP99"]);
        for (const r of ruleGroup.rules) {
            expect(r.expression).toContain(`namespace="${namespace}"`);
            expect(r.actions).toEqual([{ actionGroupId: group.id }]);
        }
        expect(ruleGroup.rules[0].expression).toContain('model_server_requests_total{namespace="iris",status=~"5.."}');
        expect(ruleGroup.rules[1].expression).toMatch(/^count_over_time\(\(histogram_quantile\(0\.99, .*route="\/invocations".*\* 1000 > 300\)\[5m:1m\]\) >= 3$/);
    });

    it("creates no action group when nobody is to be told, and the alerts still exist", () => {
        for (const runtime of ["azureml", "aks"]) {
            const { doc } = planJson(["--stack", "prod", "--config", "cloud=azure", "--config", `runtime=${runtime}`, "--config", `image=${IMAGE}`]);
            expect(mandatory(doc)).toEqual([]);
            expect(ofType(doc, "azure-native:monitor:ActionGroup")).toEqual([]);
            expect(ofType(doc, ALERT).length, runtime).toBeGreaterThan(0);
            for (const a of ofType(doc, ALERT)) expect(a.inputs.actions).toEqual([]);
            for (const g of ofType(doc, "azure-native:alertsmanagement:PrometheusRuleGroup")) for (const r of (g.inputs as any).rules) expect(r.actions).toEqual([]);
            if (runtime === "azureml") expect(ofType(doc, ALERT).map(criterion).find((c) => c.metricName === "RequestLatency_P99").threshold).toBe(1000);
        }
    });
});

describe("Azure image build", () => {
    it("builds into the stack's registry with an exchanged Entra ID token, the deployer holding AcrPush", () => {
        const { doc } = planJson(["--stack", "dev", "--config", "cloud=azure", "--config", "image=", "--config", "imageBuildContext=test/fixtures/server"]);
        expect(doc.errors).toEqual([]);
        const registry = one(doc, "azure-native:containerregistry:Registry");
        const image = one(doc, "docker:index/image:Image");
        expect(image.inputs.imageName).toMatch(new RegExp(`^${registry.outputs.loginServer}/model-server:1-[0-9a-f]{12}$`));
        expect((image.inputs.registry as any).username).toBe("00000000-0000-0000-0000-000000000000");
        expect(image.secretInputs).toContain("registry.password");
        const push = ofType(doc, "azure-native:authorization:RoleAssignment").find((r) => roleOf(r) === "8311e382-0749-4cb8-b61a-304f252e45ec");
        expect(push?.inputs).toMatchObject({ scope: registry.id, principalId: "00000000-0000-4000-8000-0000000000d1" });
        // The offline client id is not the Azure CLI's, so the deployer is taken for a service principal (as in CI).
        expect(push?.inputs.principalType).toBe("ServicePrincipal");
        expect(image.options.dependsOn).toContain(push?.urn);
        expect((one(doc, "azure-native:machinelearningservices:EnvironmentVersion").inputs as any).properties.image).toBe(image.outputs.repoDigest);
    });
});

describe("Azure validation", () => {
    it("refuses an ECR image", () => {
        const ecr = planJson(["--stack", "dev", "--config", "cloud=azure", "--config", "image=123456789012.dkr.ecr.us-east-1.amazonaws.com/server:1"]);
        expect(ecr.doc.errors.join("\n")).toContain("which azure cannot pull from");
    });
});
