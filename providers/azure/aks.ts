import * as pulumi from "@pulumi/pulumi";
import { listManagedClusterUserCredentialsOutput } from "@pulumi/azure-native/containerservice/listManagedClusterUserCredentials";
import { ManagedCluster } from "@pulumi/azure-native/containerservice/managedCluster";
import { FederatedIdentityCredential } from "@pulumi/azure-native/managedidentity/federatedIdentityCredential";
import { UserAssignedIdentity } from "@pulumi/azure-native/managedidentity/userAssignedIdentity";
import { Provider as KubernetesProvider } from "@pulumi/kubernetes/provider";
import { parse as parseYaml } from "yaml";
import type { FoundationPlacement, ImplementationFactory, ResolvedServiceArgs } from "../../components/contract";
import { resourceName } from "../../components/naming";
import { ServiceComponent } from "../../components/serviceComponent";
import { createWorkload, workloadChildren, workloadInvoke } from "../kubernetes/workload";
import { aksNodeVmSize } from "./aksNodeSize";
import { createActionGroup, createAksPlatformAlerts } from "./alerts";
import { createAksManagedPrometheus, createPrometheusWorkspace } from "./managedPrometheus";
import { callerKubernetesProvider } from "../kubernetes/callerProvider";
import { ClusterAccess } from "./clusterAccess";
import { aksClusterRef, existingAksCluster } from "./existingCluster";
import { containerScope, createFoundation, deployerPrincipalType, foundationChildren, grant } from "./foundation";
import { nonInteractiveKubeconfig } from "./kubeconfig";
import { createAzureServingImage } from "./registryImage";

/** AKS's default node network with Azure CNI overlay: where internal load balancer clients live. */
const CLUSTER_NETWORK_RANGE = "10.224.0.0/12";
const NAMESPACE_SERVICE_ACCOUNT = (namespace: string) => `system:serviceaccount:${namespace}:model-server`;

/**
 * ModelService on AKS: a managed cluster (or the caller's, azure.clusterName) with OIDC issuer, workload identity, Azure RBAC and no local
 * accounts, an autoscaling system pool, the Key Vault CSI provider, and the shared Kubernetes workload
 * running as a user-assigned identity federated with its service account.
 */
export class AksService extends ServiceComponent {
    readonly runtime = "aks" as const;
    /** The service's own cluster; undefined on the caller's (azure.clusterName). */
    readonly cluster?: ManagedCluster;

    constructor(name: string, args: ResolvedServiceArgs, placement: FoundationPlacement, opts?: pulumi.ComponentResourceOptions) {
        super("model-service:azure:AksService", name, {}, opts);
        const child: pulumi.CustomResourceOptions = { parent: this };
        const f = createFoundation(placement, args);
        const { resourceGroupName, tags } = f;
        const image = createAzureServingImage(placement.name, args, f, { parent: placement.parent });

        const given = args.azure.clusterName !== undefined;
        const callerK8s = callerKubernetesProvider(this, given, "azure.clusterName");
        this.cluster = given ? undefined : new ManagedCluster(
            `${name}-cluster`,
            {
                resourceGroupName,
                resourceName: resourceName([args.model.name, pulumi.getStack()], 63),
                location: args.region,
                dnsPrefix: resourceName([args.model.name, pulumi.getStack()], 54),
                identity: { type: "SystemAssigned" },
                oidcIssuerProfile: { enabled: true },
                securityProfile: { workloadIdentity: { enabled: true } },
                aadProfile: { managed: true, enableAzureRBAC: true },
                disableLocalAccounts: true,
                // A private API server is reachable only from the cluster's network, so `pulumi up` must run there too.
                ...(args.azure.privateCluster ? { apiServerAccessProfile: { enablePrivateCluster: true } } : {}),
                enableRBAC: true,
                autoUpgradeProfile: { upgradeChannel: "stable" },
                networkProfile: { networkPlugin: "azure", networkPluginMode: "overlay", networkPolicy: "cilium", networkDataplane: "cilium" },
                // The managed Prometheus add-on (ama-metrics) scrapes the model server for the error and latency alerts.
                azureMonitorProfile: { metrics: { enabled: true } },
                addonProfiles: { azureKeyvaultSecretsProvider: { enabled: true, config: { enableSecretRotation: "true" } } },
                agentPoolProfiles: [
                    {
                        name: "system",
                        mode: "System",
                        // The smallest size whose allocatable fits one model-server pod beside the system pods.
                        vmSize: aksNodeVmSize(args.compute.size).name,
                        osType: "Linux",
                        type: "VirtualMachineScaleSets",
                        enableAutoScaling: true,
                        count: 2,
                        minCount: 2,
                        maxCount: Math.max(3, args.scaling.maxReplicas),
                    },
                ],
                tags,
            },
            { ...child, protect: args.protect },
        );
        const cluster = this.cluster ? aksClusterRef(this.cluster, resourceGroupName) : existingAksCluster(args, { parent: this });
        const pull = grant(`${name}-kubelet-pulls-images`, f, "acrPull", cluster.kubeletObjectId, f.registry.id, child);

        const identity = new UserAssignedIdentity(`${name}-workload-identity`, { resourceGroupName, location: args.region, tags }, child);
        const namespace = args.model.name;
        const federation = new FederatedIdentityCredential(
            `${name}-federation`,
            {
                resourceGroupName,
                resourceName: identity.name,
                issuer: cluster.issuerUrl,
                subject: NAMESPACE_SERVICE_ACCOUNT(namespace),
                audiences: ["api://AzureADTokenExchange"],
            },
            child,
        );
        const grants = [
            grant(`${name}-workload-reads-models`, f, "storageBlobDataReader", identity.principalId, containerScope(f), child),
            ...(Object.keys(f.secrets).length > 0 ? [grant(`${name}-workload-reads-secrets`, f, "keyVaultSecretsUser", identity.principalId, f.vault.id, child)] : []),
        ];

        // Entra ID users authenticate through kubelogin (the cluster has no local accounts), here as the
        // identity pulumi deploys as: AKS's own kubeconfig would ask for a device-code login in a browser.
        const kubeconfig = listManagedClusterUserCredentialsOutput({ resourceGroupName: cluster.resourceGroupName, resourceName: cluster.name, format: "exec" }, { parent: this }).apply((c) =>
            nonInteractiveKubeconfig(Buffer.from(c.kubeconfigs[0]?.value ?? "", "base64").toString("utf8"), process.env),
        );
        const { server: apiServer, caCertificate } = kubeconfig.apply(kubeconfigCluster);
        // With Azure RBAC and no local accounts, the deployer needs a Kubernetes data role of its own, and
        // Kubernetes calls wait until the assignment has propagated to the cluster (issue 14 item 3).
        const deployerType = deployerPrincipalType(args, f);
        const deployerAdmin = grant(`${name}-deployer-administers-cluster`, f, "aksRbacClusterAdmin", f.client.objectId, cluster.id, child, deployerType);
        const access = new ClusterAccess(`${name}-deployer-access`, { apiServer, caCertificate, roleAssignmentId: deployerAdmin.id }, child);
        const k8s = callerK8s ?? new KubernetesProvider(`${name}-k8s`, { kubeconfig: pulumi.secret(kubeconfig) }, { parent: this, dependsOn: [access] });
        // The rollout guard reads the pods' metrics from the workspace as whoever runs pulumi.
        const workspace = createPrometheusWorkspace(name, args, { resourceGroupName, tags }, child);
        const deployerReadsMetrics = grant(`${name}-deployer-reads-metrics`, f, "monitoringDataReader", f.client.objectId, workspace.id, child, deployerType);
        const secretKeys = Object.keys(f.secrets);
        const workload = createWorkload(
            name,
            args,
            {
                image: image.uri,
                modelUri: f.artifactUri,
                serviceAccountAnnotations: { "azure.workload.identity/client-id": identity.clientId },
                podLabels: { "azure.workload.identity/use": "true" },
                internalLoadBalancerAnnotations: { "service.beta.kubernetes.io/azure-load-balancer-internal": "true" },
                privateClientCidrs: [CLUSTER_NETWORK_RANGE],
                // The managed Prometheus add-on's collectors run in kube-system.
                metricsScraperNamespaces: ["kube-system"],
                // Entra ID tokens for the AKS server application and the workspace's query endpoint.
                rolloutGuard: {
                    apiServer,
                    caCertificate,
                    credential: "azure",
                    prometheusUrl: workspace.metrics.apply((m) => m.prometheusQueryEndpoint),
                    metricsScope: `namespace="${namespace}"`,
                    dependsOn: [deployerReadsMetrics],
                },
                environment: { AZURE_CLIENT_ID: identity.clientId },
                secretStore: {
                    provider: "azure",
                    parameters: {
                        usePodIdentity: "false",
                        clientID: identity.clientId,
                        keyvaultName: f.vault.name,
                        tenantId: f.client.tenantId,
                        objects: `array:\n${secretKeys.map((key) => `  - |\n    objectName: ${key.replace(/[^A-Za-z0-9-]/g, "-")}\n    objectType: secret\n    objectAlias: ${key}\n`).join("")}`,
                    },
                    files: Object.fromEntries(secretKeys.map((key) => [key, key])),
                },
            },
            { parent: this, provider: k8s, dependsOn: [pull, federation, ...grants, ...f.uploads, ...(callerK8s ? [access] : [])] },
        );

        const actionGroup = createActionGroup(name, args, resourceGroupName, tags, child);
        // Created once the rollout guard let the first rollout through, so a rollout in progress pages nobody.
        const target = { resourceGroupName, tags, actionGroup };
        const alerts = createAksPlatformAlerts(name, args, target, cluster.id, workload.namespace.metadata.name, { ...child, dependsOn: [workload.rolloutGuard] });
        const prometheus = createAksManagedPrometheus(
            name,
            args,
            target,
            workspace,
            cluster,
            { namespace: workload.namespace.metadata.name, podSelector: workload.podSelector, portName: workload.portName },
            { ...child, dependsOn: [workload.rolloutGuard] },
            { parent: this, provider: k8s },
        );

        this.publish({
            endpointUrl: workload.url,
            servingVersion: workload.servingVersion,
            invoke: workloadInvoke(workload.url, args, "Internal load balancer: reachable only from the cluster's virtual network; the service does not authenticate callers. kubectl access needs kubelogin."),
            artifactUri: f.artifactUri,
            imageUri: image.uri,
            children: { ...foundationChildren(f), ...workloadChildren(workload), ...(this.cluster ? { cluster: this.cluster } : {}), workloadIdentity: identity, kubernetesProvider: k8s, deployerAdministersCluster: deployerAdmin, deployerAccess: access, ...(actionGroup ? { actionGroup } : {}), ...Object.fromEntries(alerts.map((a, i) => [`alert:${i}`, a])), prometheusWorkspace: workspace, deployerReadsMetrics, prometheusAlerts: prometheus.rules },
        });
    }
}

/** The API server and its CA from a kubeconfig (listManagedClusterUserCredentials writes one cluster). */
function kubeconfigCluster(text: string): { server: string; caCertificate: string } {
    const cluster = (parseYaml(text) as { clusters?: { cluster?: { server?: string; "certificate-authority-data"?: string } }[] } | null)?.clusters?.[0]?.cluster;
    return { server: cluster?.server ?? "", caCertificate: cluster?.["certificate-authority-data"] ?? "" };
}

export const createAksService: ImplementationFactory = (name, args, opts, foundation) => new AksService(name, args, foundation, opts);
