import * as pulumi from "@pulumi/pulumi";
import { Cluster } from "@pulumi/gcp/container/cluster";
import { RepositoryIamMember } from "@pulumi/gcp/artifactregistry/repositoryIamMember";
import { IAMMember as ProjectIAMMember } from "@pulumi/gcp/projects/iammember";
import { Account } from "@pulumi/gcp/serviceaccount/account";
import { IAMMember } from "@pulumi/gcp/serviceaccount/iammember";
import { Provider as KubernetesProvider } from "@pulumi/kubernetes/provider";
import type { FoundationPlacement, ImplementationFactory, ResolvedServiceArgs } from "../../components/contract";
import { serviceKey, stackUniqueName } from "../../components/physicalName";
import { ServiceComponent } from "../../components/serviceComponent";
import { resourceName } from "../../components/naming";
import { createWorkload, workloadChildren, workloadInvoke } from "../kubernetes/workload";
import { createGkeAlerts } from "./alerts";
import { createGcpFoundation, gcpFoundationChildren, type GcpFoundation } from "./foundation";
import { callerKubernetesProvider } from "../kubernetes/callerProvider";
import { existingGkeCluster, type GkeClusterRef } from "./existingCluster";
import { routeServingLogs } from "./logs";
import { POD_RANGE_NAME, SERVICE_RANGE_NAME, SUBNET_RANGES } from "./network";
import { createPodMonitoring } from "./podMonitoring";

// Beside the foundation's (./foundation.ts SHARED_APIS).
const APIS = ["container.googleapis.com"];

/**
 * The roles a GKE node's own service account needs (https://cloud.google.com/kubernetes-engine/docs/how-to/service-accounts#default-gke-service-agent:
 * roles/container.defaultNodeServiceAccount: logs, metrics, and the rest of what the kubelet reports).
 */
export const NODE_ROLES = ["roles/container.defaultNodeServiceAccount"] as const;

/**
 * A kubeconfig that authenticates through gke-gcloud-auth-plugin, as `gcloud container clusters get-credentials`
 * writes, but with `--use_application_default_credentials`: without it the plugin shells out to the gcloud
 * CLI's own login, which a key file or workload identity federation in CI (application default
 * credentials alone) does not give it (https://cloud.google.com/kubernetes-engine/docs/how-to/cluster-access-for-kubectl#install_plugin).
 */
export const GKE_AUTH_PLUGIN_ARGS = ["--use_application_default_credentials"] as const;

/** The Kubernetes provider's kubeconfig for the cluster. */
function kubeconfig(cluster: GkeClusterRef): pulumi.Output<string> {
    return pulumi.all([cluster.name, cluster.endpoint, cluster.caCertificate]).apply(([name, endpoint, caCertificate]) =>
        JSON.stringify({
            apiVersion: "v1",
            kind: "Config",
            clusters: [{ name, cluster: { server: `https://${endpoint}`, "certificate-authority-data": caCertificate } }],
            contexts: [{ name, context: { cluster: name, user: name } }],
            "current-context": name,
            users: [{ name, user: { exec: { apiVersion: "client.authentication.k8s.io/v1beta1", command: "gke-gcloud-auth-plugin", args: [...GKE_AUTH_PLUGIN_ARGS], provideClusterInfo: true, installHint: "Install gke-gcloud-auth-plugin: gcloud components install gke-gcloud-auth-plugin" } } }],
        }),
    );
}

/**
 * ModelService on GKE Autopilot: a private-node cluster with workload identity on a release channel
 * (or the caller's cluster, gcp.clusterName), and the shared Kubernetes workload running as a dedicated
 * Google service account.
 */
export class GkeService extends ServiceComponent {
    readonly runtime = "gke" as const;
    /** The service's own cluster; undefined on the caller's (gcp.clusterName). */
    readonly cluster?: Cluster;

    constructor(name: string, args: ResolvedServiceArgs, opts: pulumi.ComponentResourceOptions, foundation: FoundationPlacement) {
        super("model-service:gcp:GkeService", name, {}, opts);
        const f = createGcpFoundation(foundation, args, APIS, this);
        const { child, project, artifact, image, identity, secrets, apis } = f;
        const given = args.gcp.clusterName !== undefined;
        const callerK8s = callerKubernetesProvider(this, given, "gcp.clusterName");
        const nodes = given ? undefined : createNodeAccount(name, args, f);
        this.cluster = nodes && new Cluster(
            `${name}-cluster`,
            {
                name: resourceName([serviceKey(args), pulumi.getStack()], 40),
                location: args.region,
                enableAutopilot: true,
                releaseChannel: { channel: "REGULAR" },
                privateClusterConfig: { enablePrivateNodes: true, enablePrivateEndpoint: false },
                network: f.network.network.id,
                subnetwork: f.network.subnet.id,
                ipAllocationPolicy: { clusterSecondaryRangeName: POD_RANGE_NAME, servicesSecondaryRangeName: SERVICE_RANGE_NAME },
                // Autopilot nodes run as the service's node account, not the Compute Engine default account
                // (which has no roles where the organization disables automatic grants, the default since 2024).
                clusterAutoscaling: { autoProvisioningDefaults: { serviceAccount: nodes.account.email, oauthScopes: ["https://www.googleapis.com/auth/cloud-platform"] } },
                workloadIdentityConfig: { workloadPool: `${project}.svc.id.goog` },
                // Mounts Secret Manager secrets into pods through the Secrets Store CSI driver.
                secretManagerConfig: { enabled: true },
                // Managed Service for Prometheus collects the server's metrics and GKE's kube state metrics the alerts read.
                monitoringConfig: { managedPrometheus: { enabled: true } },
                deletionProtection: args.protect,
            },
            { ...child, protect: args.protect, dependsOn: [...apis, ...nodes.grants] },
        );
        const cluster: GkeClusterRef = this.cluster
            ? { name: this.cluster.name, endpoint: this.cluster.endpoint, caCertificate: this.cluster.masterAuth.clusterCaCertificate }
            : existingGkeCluster(args, { parent: this, provider: f.provider, dependsOn: apis });
        const k8s = callerK8s ?? new KubernetesProvider(`${name}-k8s`, { kubeconfig: kubeconfig(cluster) }, { parent: this });

        const namespace = args.model.name;
        const workloadIdentity = new IAMMember(
            `${name}-workload-identity`,
            { serviceAccountId: identity.account.name, role: "roles/iam.workloadIdentityUser", member: `serviceAccount:${project}.svc.id.goog[${namespace}/model-server]` },
            { ...child, dependsOn: [...apis, ...(this.cluster ? [this.cluster] : [])] },
        );
        const files = Object.fromEntries(Object.keys(secrets).map((key) => [key, key]));
        const workload = createWorkload(
            name,
            args,
            {
                image: image.uri,
                modelUri: artifact.uri,
                serviceAccountAnnotations: { "iam.gke.io/gcp-service-account": identity.account.email },
                // Without global access only clients in the cluster's region reach an internal load balancer
                // (https://cloud.google.com/kubernetes-engine/docs/concepts/service-load-balancer-parameters#global_access).
                internalLoadBalancerAnnotations: {
                    "networking.gke.io/load-balancer-type": "Internal",
                    ...(args.gcp.internalGlobalAccess ? { "networking.gke.io/internal-load-balancer-allow-global-access": "true" } : {}),
                },
                privateClientCidrs: [SUBNET_RANGES.primary],
                // On Autopilot, Managed Service for Prometheus's managed collectors run in gke-gmp-system
                // (https://cloud.google.com/stackdriver/docs/managed-prometheus/setup-managed#gmp-system).
                metricsScraperNamespaces: ["gke-gmp-system"],
                // The guard talks to the API server with the deployer's Google token (as gke-gcloud-auth-plugin
                // does) and reads the pods' metrics from Managed Service for Prometheus's query API.
                rolloutGuard: {
                    apiServer: pulumi.interpolate`https://${cluster.endpoint}`,
                    caCertificate: cluster.caCertificate,
                    credential: "google",
                    prometheusUrl: `https://monitoring.googleapis.com/v1/projects/${project}/location/global/prometheus`,
                    metricsScope: pulumi.interpolate`cluster="${cluster.name}",namespace="${namespace}"`,
                    dependsOn: apis,
                },
                secretStore: {
                    provider: "gke",
                    parameters: {
                        secrets: pulumi
                            .all(Object.entries(secrets).map(([key, s]) => s.secret.id.apply((id) => `- resourceName: "${id}/versions/latest"\n  path: "${key}"`)))
                            .apply((lines) => lines.join("\n")),
                    },
                    files,
                },
            },
            { parent: this, provider: k8s, dependsOn: [workloadIdentity, ...identity.grants, ...artifact.uploads] },
        );
        const podMonitoring = createPodMonitoring(name, workload.namespace.metadata.name, workload.podSelector, args.serving.port, { parent: this, provider: k8s });
        // Created once the rollout guard let the first rollout through, so a rollout in progress pages nobody.
        const alerts = createGkeAlerts(
            name,
            args,
            { cluster: cluster.name, namespace: workload.namespace.metadata.name, deployment: workload.deployment.metadata.name },
            { ...child, dependsOn: [...apis, workload.rolloutGuard, podMonitoring] },
        );

        const logs = routeServingLogs(
            name,
            args,
            f.logBucket,
            pulumi.interpolate`resource.type="k8s_container" AND resource.labels.cluster_name="${cluster.name}" AND resource.labels.namespace_name="${namespace}"`,
            child,
        );

        const invoke = workloadInvoke(workload.url, args, "Internal load balancer: reachable only from the VPC; the service does not authenticate callers. kubectl access needs gke-gcloud-auth-plugin.");
        this.publish({
            endpointUrl: workload.url,
            servingVersion: workload.servingVersion,
            invoke,
            artifactUri: artifact.uri,
            imageUri: image.uri,
            children: { ...gcpFoundationChildren(f), ...workloadChildren(workload), kubernetesProvider: k8s, ...(this.cluster && nodes ? { cluster: this.cluster, nodeServiceAccount: nodes.account } : {}), logSink: logs.sink, podMonitoring, ...Object.fromEntries(alerts.map((a, i) => [`alert:${i}`, a])) },
        });
    }
}

/**
 * The nodes' service account: the minimal node roles on the project and read on the service's image
 * repository, so the kubelet can pull the image (the workload's own account does not pull images).
 */
function createNodeAccount(name: string, args: ResolvedServiceArgs, f: GcpFoundation) {
    const account = new Account(`${name}-nodes-sa`, { accountId: stackUniqueName([serviceKey(args), "nodes"], 30), displayName: `GKE nodes of model service ${args.model.name}`, project: args.gcp.project }, f.child);
    const member = pulumi.interpolate`serviceAccount:${account.email}`;
    const grants: pulumi.Resource[] = NODE_ROLES.map((role) => new ProjectIAMMember(`${name}-nodes-${role.split("/")[1]!.replace(/\./g, "-").toLowerCase()}`, { project: args.gcp.project!, role, member }, f.child));
    const repository = f.image.repository;
    if (repository) {
        grants.push(new RepositoryIamMember(`${name}-nodes-pull`, { project: args.gcp.project, location: repository.location, repository: repository.name, role: "roles/artifactregistry.reader", member }, f.child));
    }
    return { account, grants };
}

export const createGkeService: ImplementationFactory = (name, args, opts, foundation) => new GkeService(name, args, opts, foundation);
