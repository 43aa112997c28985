import type * as pulumi from "@pulumi/pulumi";

/** Clouds and runtimes; `components/runtimes.ts` says which are built and how each loads. */
export type Cloud = "aws" | "gcp" | "azure";
export type Runtime = "sagemaker" | "ecs" | "vertex" | "gke" | "azureml" | "aks";
export type Size = "small" | "medium" | "large" | "xlarge";
export type Gpu = "none" | "t4" | "a10g" | "l4" | "a100";
export type RolloutStrategy = "allAtOnce" | "canary" | "linear";

/** The trained model: a local file/folder that the service uploads, or an artifact already in the cloud. */
export type ModelArtifact =
    | {
          readonly kind: "local";
          /** Relative to projectDir; must resolve inside it, or inside allowedRoot. */
          readonly path: string;
          /** One folder outside the project that local artifacts may also come from. @default - the project only */
          readonly allowedRoot?: string;
      }
    | { readonly kind: "uri"; readonly uri: string };

/** The serving image: an existing URI, or a Docker build context pushed to a private registry. */
export type ImageSource =
    | { readonly kind: "uri"; readonly uri: string }
    | { readonly kind: "build"; readonly context: string; readonly dockerfile?: string };

/** The one serving contract every runtime honours. */
export interface ServingContract {
    readonly port: number;
    readonly healthRoute: string;
    readonly predictRoute: string;
}

export interface ModelServiceArgs {
    readonly cloud: Cloud;
    /** @default - the cloud's managed ML runtime (sagemaker, vertex, azureml) */
    readonly runtime?: Runtime;
    /** Region (aws, gcp) or location (azure) the service runs in. */
    readonly region: string;
    readonly model: {
        /** Lowercase letters, digits and hyphens; names the service's resources. */
        readonly name: string;
        readonly version: string;
        readonly artifact: ModelArtifact;
    };
    readonly image: ImageSource;
    /** @default - port 8080, /ping, /invocations (what SageMaker requires) */
    readonly serving?: Partial<ServingContract>;
    readonly compute?: {
        /** @default "small" */
        readonly size?: Size;
        /** Instance type of the chosen cloud; overrides size. @default - derived from size and gpu */
        readonly instanceType?: string;
        /** @default "none" */
        readonly gpu?: Gpu;
    };
    readonly scaling?: {
        /** @default 1 */
        readonly minReplicas?: number;
        /** @default - the larger of 2 and minReplicas */
        readonly maxReplicas?: number;
        /** Requests per minute per replica that autoscaling aims for. @default 600 */
        readonly targetRequestsPerMinute?: number;
    };
    readonly network?: {
        /** @default false - private (authenticated on sagemaker, vertex and azureml only; see the feature table) */
        readonly public?: boolean;
        /** Client networks allowed to call the endpoint. @default - none beyond the private network */
        readonly allowedCidrs?: readonly string[];
        /** The most of an address space (IPv4 or IPv6) allowedCidrs may cover together. @default 1/256 - one /8 */
        readonly allowedCidrsMaxShare?: number;
    };
    /** Plain (non-secret) environment variables for the serving container. @default - none */
    readonly environment?: Readonly<Record<string, string>>;
    /** Secret values handed to the container through the cloud's secret store, by name. @default - none */
    readonly secrets?: Readonly<Record<string, pulumi.Input<string>>>;
    /** Tags (labels on gcp) on every resource. @default - only the service's standard tags */
    readonly tags?: Readonly<Record<string, string>>;
    /** Protect stateful resources from deletion. @default false */
    readonly protect?: boolean;
    /** @default 30 */
    readonly logRetentionDays?: number;
    /** How a model update reaches traffic. @default - all at once, after a bake period watched by alarms */
    readonly rollout?: {
        /** @default "allAtOnce" */
        readonly strategy?: RolloutStrategy;
        /** Canary size, or linear step, in percent of capacity. @default 10 */
        readonly stepPercent?: number;
        /** Minutes each step is watched by the alarms before the next. @default 10 */
        readonly bakeMinutes?: number;
    };
    /** A monthly cost budget with alerts at 50, 80 and 100 percent. @default - no budget */
    readonly budget?: {
        /** US dollars a month. */
        readonly monthlyUsd: number;
        /** Who gets the alerts. */
        readonly emails: readonly string[];
        /** gcp: the billing account the budget belongs to (billingAccounts/XXXXXX-XXXXXX-XXXXXX or the id). */
        readonly gcpBillingAccount?: string;
    };
    /** Alarm thresholds; the alarms trigger rollbacks where the runtime can roll back. */
    readonly alarms?: {
        /** p99 latency above this, in milliseconds, alarms. @default 1000 */
        readonly latencyP99Ms?: number;
        /** Who is told when an alarm fires. @default - nobody; the alarms still roll back */
        readonly emails?: readonly string[];
    };
    /** Root folder for local artifact and build-context paths. @default - the working directory */
    readonly projectDir?: string;
    /** AWS-only settings: the ecs network and certificate, and a bucket of your own for the model (both runtimes). */
    readonly aws?: AwsServiceArgs;
    /** Google Cloud settings: the project to deploy into (required on gcp). */
    readonly gcp?: GcpServiceArgs;
    /** Azure settings. */
    readonly azure?: AzureServiceArgs;
}

export interface AzureServiceArgs {
    /** aks: a private API server, reachable only from the cluster's network. @default false */
    readonly privateCluster?: boolean;
    /**
     * aks: an existing AKS cluster (its name, or a ManagedCluster's `name` output) the workload is deployed to;
     * no cluster or node pool is created. Required of it: the OIDC issuer and workload identity, Entra ID with
     * Azure RBAC, the managed Prometheus metrics add-on (azureMonitorProfile.metrics), and the Key Vault secrets
     * provider add-on when there are secrets. Still created against it: the kubelet's AcrPull on the service's
     * registry, the deployer's cluster-admin data role, the workspace's data collection links and the alerts.
     * A `kubernetes` provider given to the ModelService is used for the workload objects.
     * @default - a cluster of the service's own
     */
    readonly clusterName?: pulumi.Input<string>;
    /** aks: the resource group of clusterName; required with it. @default - none */
    readonly clusterResourceGroup?: pulumi.Input<string>;
    /** The kind of principal running pulumi, for the roles granted to it. @default - User with the Azure CLI's token, else ServicePrincipal */
    readonly deployerPrincipalType?: "User" | "ServicePrincipal";
    /** azureml, private: the subnet (ARM id) for the workspace's private endpoint, in the service's region and subscription. @default - a virtual network is created */
    readonly privateEndpointSubnetId?: string;
    /** azureml, canary or linear: a bake in which no request reached the new deployment passes. @default false - it fails and the traffic goes back */
    readonly allowIdleBake?: boolean;
}

export interface GcpServiceArgs {
    readonly project?: string;
    /** gke: the internal load balancer takes clients from every region of the VPC (global access), not only the cluster's. @default false */
    readonly internalGlobalAccess?: boolean;
    /**
     * gke: an existing GKE cluster in `project` (its name, or a Cluster's `name` output) the workload is deployed
     * to; no cluster, node service account or node roles are created. Required of it: workload identity with the
     * pool <project>.svc.id.goog, Managed Service for Prometheus, the Secret Manager add-on when there are secrets,
     * and nodes that can pull from the service's image repository. Still created against it: the workload
     * identity binding, the PodMonitoring, the log sink and the alerts. A `kubernetes` provider given to the
     * ModelService is used for the workload objects.
     * @default - an Autopilot cluster of the service's own
     */
    readonly clusterName?: pulumi.Input<string>;
    /** gke: the existing cluster's location (a region or zone). @default - region */
    readonly clusterLocation?: string;
    /**
     * vertex, gke: an existing Cloud Storage bucket (its name, or a Bucket's `name` output) a local model is
     * uploaded to, under models/<service>-<stack hash>/<model>/<version>/ so services and stacks sharing it never
     * overwrite each other; its location, versioning and access settings are the owner's, and the deployer needs
     * to set IAM on it (the serving identity gets object read under that folder). Only with a local model artifact.
     * @default - a private, versioned bucket of the service's own
     */
    readonly artifactBucket?: pulumi.Input<string>;
}

export interface AwsServiceArgs {
    /**
     * ecs: an existing VPC the service runs in (an id, or a Vpc's `id` output); no VPC, subnets, gateways or
     * routes are created, and the tasks reach ECR, logs and secrets through whatever egress it has.
     * @default - a VPC with two availability zones is created, with NAT gateways or endpoints (`egress`)
     */
    readonly vpcId?: pulumi.Input<string>;
    /** ecs: subnets of vpcId for the tasks (and an internal load balancer); at least two, required with vpcId. @default - the created VPC's private subnets */
    readonly privateSubnetIds?: readonly pulumi.Input<string>[];
    /** ecs: subnets of vpcId for a public load balancer; at least two, required with vpcId when public. @default - the created VPC's public subnets */
    readonly publicSubnetIds?: readonly pulumi.Input<string>[];
    /**
     * An existing S3 bucket (its name, or a Bucket's `bucket` output) a local model is uploaded to, under
     * models/<service>-<stack hash>/<model>/<version>/ so services and stacks sharing it never overwrite each
     * other; its encryption, versioning and access settings are the owner's. Only with a local model artifact.
     * @default - a private, encrypted, versioned, TLS-only bucket of the service's own
     */
    readonly artifactBucket?: pulumi.Input<string>;
    /** ACM certificate for HTTPS on the load balancer. @default - HTTP on port 80 */
    readonly certificateArn?: string;
    /** How tasks reach AWS APIs from a created VPC: NAT gateways, or VPC endpoints only. @default "nat" */
    readonly egress?: "nat" | "endpoints";
    /** NAT gateways in a created VPC: 1, or one per zone (2). @default 1 */
    readonly natGateways?: number;
}

/** Args after defaults: what every implementation receives. */
export interface ResolvedServiceArgs {
    readonly cloud: Cloud;
    readonly runtime: Runtime;
    readonly region: string;
    readonly model: ModelServiceArgs["model"];
    readonly image: ImageSource;
    readonly serving: ServingContract;
    readonly compute: { readonly size: Size; readonly instanceType?: string; readonly gpu: Gpu };
    readonly scaling: { readonly minReplicas: number; readonly maxReplicas: number; readonly targetRequestsPerMinute: number };
    readonly network: { readonly public: boolean; readonly allowedCidrs: readonly string[] };
    readonly environment: Readonly<Record<string, string>>;
    readonly secrets: Readonly<Record<string, pulumi.Input<string>>>;
    readonly tags: Readonly<Record<string, string>>;
    /**
     * The ModelService's own name. Names that must be unique per stack derive from it, so two services in
     * one stack never claim one name. Unset (args resolved outside a ModelService): the model name.
     */
    readonly service?: string;
    readonly protect: boolean;
    readonly logRetentionDays: number;
    readonly rollout: { readonly strategy: RolloutStrategy; readonly stepPercent: number; readonly bakeMinutes: number };
    readonly alarms: { readonly latencyP99Ms: number; readonly emails: readonly string[] };
    readonly budget?: ModelServiceArgs["budget"];
    readonly projectDir: string;
    readonly aws: AwsServiceArgs;
    readonly gcp: GcpServiceArgs;
    readonly azure: AzureServiceArgs;
}

/** How a client calls the endpoint. */
export interface InvokeInfo {
    /** aws-sigv4 | gcp-oauth | azure-key | none */
    readonly auth: string;
    /** Whether the endpoint is reachable from the internet, or only from inside the private network. */
    readonly reachability: "internet" | "private-network";
    /** A command that calls the endpoint with a JSON body in request.json. */
    readonly example: string;
    /** Anything else the caller must know, in one sentence. */
    readonly note: string;
    /** Where private callers must be, when the endpoint is reachable only through a private endpoint. */
    readonly privateNetwork?: { readonly virtualNetworkId: string; readonly subnetId: string; readonly privateDnsZones: readonly string[] };
}

/** What every implementation provides; ModelService re-exports these as its outputs. */
export interface ServiceOutputs {
    readonly endpointUrl: pulumi.Output<string>;
    readonly invoke: pulumi.Output<InvokeInfo>;
    readonly artifactUri: pulumi.Output<string>;
    readonly imageUri: pulumi.Output<string>;
}

/** An implementation: a ComponentResource with the shared outputs and its cloud-specific children. */
export interface ServiceImplementation extends ServiceOutputs {
    readonly runtime: Runtime;
    /** Cloud-specific children by role (bucket, role, endpoint, ...): the escape hatch. */
    readonly children: Readonly<Record<string, pulumi.Resource>>;
}

/**
 * Where a cloud's shared foundation (artifact store, registry, secrets, budget, ...) lives: named after
 * the service and the cloud, parented to the ModelService itself, so switching runtime inside one cloud
 * keeps its URNs, and so its physical names, instead of creating a second one under the same names.
 */
export interface FoundationPlacement {
    /** `<service>-<cloud>`: the base of every foundation child's logical name. */
    readonly name: string;
    /** The ModelService: the parent of the foundation's children. */
    readonly parent: pulumi.Resource;
}

/** A runtime module exports one factory of this shape; the registry loads it on demand. */
export type ImplementationFactory = (
    name: string,
    args: ResolvedServiceArgs,
    opts: pulumi.ComponentResourceOptions,
    foundation: FoundationPlacement,
) => ServiceImplementation;
