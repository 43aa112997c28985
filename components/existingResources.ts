import type * as pulumi from "@pulumi/pulumi";
import { AUTONAMES } from "./cloudRules";
import { awsRule } from "./cloudRules/aws";
import { azureRule } from "./cloudRules/azure";
import { gcpRule } from "./cloudRules/gcp";
import type { ModelServiceArgs, Runtime } from "./contract";

type Report = (field: string, value: unknown, message: string, fix: string) => void;

/**
 * What a caller's id is at plan time: the string itself, or undefined when it is an Output or a promise
 * (another resource's id, known only once that resource exists), which is then taken as given.
 */
export function knownValue(value: pulumi.Input<string> | undefined): string | undefined {
    return typeof value === "string" ? value : undefined;
}

const VPC_ID = /^vpc-[0-9a-f]{8,17}$/;
const SUBNET_ID = /^subnet-[0-9a-f]{8,17}$/;
const BUCKET_NAME = awsRule("aws.s3.bucket.name").check as { pattern: RegExp; description: string };
const BUCKET_SUFFIX = awsRule("aws.s3.bucket.suffix").check as { pattern: RegExp; description: string };
const BUCKET_MAX_LENGTH = AUTONAMES.get("aws:s3/bucket:Bucket")!.maxLength;

/**
 * The resources a caller brings instead of the service creating them: an existing cluster (gke, aks) and
 * the bucket a local model is uploaded to (aws, gcp). The ecs runtime's VPC and subnets are checked by its
 * descriptor (providers/aws/ecs.runtime.ts) through validateExistingNetwork. Plain ids are checked now;
 * Outputs are accepted.
 */
export function validateExistingResources(args: ModelServiceArgs, runtime: Runtime, problem: Report): void {
    validateExistingCluster(args, runtime, problem);
    if (args.cloud === "gcp") validateGcsArtifactBucket(args, problem);
    if (args.cloud === "aws") validateArtifactBucket(args, problem);
}

const GKE_CLUSTER_NAME = gcpRule("gcp.container.cluster.name").check as { pattern: RegExp };
const GKE_CLUSTER_MAX_LENGTH = AUTONAMES.get("gcp:container/cluster:Cluster")!.maxLength;
const AKS_CLUSTER_NAME = azureRule("azure.containerservice.managedCluster.name.pattern").check as { pattern: RegExp };
const AKS_CLUSTER_MAX_LENGTH = (azureRule("azure.containerservice.managedCluster.name.length").check as { max: number }).max;
const clusterNameFits = (cloud: "gcp" | "azure", name: string) =>
    cloud === "gcp" ? name.length <= GKE_CLUSTER_MAX_LENGTH && GKE_CLUSTER_NAME.pattern.test(name) : name.length <= AKS_CLUSTER_MAX_LENGTH && AKS_CLUSTER_NAME.pattern.test(name);

/**
 * An existing Kubernetes cluster (gke: gcp.clusterName, aks: azure.clusterName with its resource group).
 * Its VPC's client ranges are not the service's to know, so a private service on it names its clients.
 */
function validateExistingCluster(args: ModelServiceArgs, runtime: Runtime, problem: Report): void {
    const given = args.cloud === "gcp" ? args.gcp?.clusterName : args.cloud === "azure" ? args.azure?.clusterName : undefined;
    const field = `${args.cloud}.clusterName`;
    const owner = args.cloud === "gcp" ? "gke" : "aks";
    if (args.cloud === "gcp" && args.gcp?.clusterLocation !== undefined && given === undefined) problem("gcp.clusterLocation", args.gcp.clusterLocation, "locates an existing cluster, and gcp.clusterName is not set", "set gcp.clusterName, or remove clusterLocation");
    if (args.cloud === "azure" && args.azure?.clusterResourceGroup !== undefined && given === undefined) problem("azure.clusterResourceGroup", knownValue(args.azure.clusterResourceGroup) ?? "<output>", "locates an existing cluster, and azure.clusterName is not set", "set azure.clusterName, or remove clusterResourceGroup");
    if (given === undefined) return;
    const name = knownValue(given);
    if (runtime !== owner) {
        problem(field, name ?? "<output>", `is an existing ${owner} cluster, and the runtime is ${runtime}`, `remove it, or use runtime ${owner}`);
        return;
    }
    if (name !== undefined && !clusterNameFits(args.cloud as "gcp" | "azure", name)) {
        problem(field, name, "is not a cluster name", args.cloud === "gcp" ? `give the cluster's name (1-${GKE_CLUSTER_MAX_LENGTH} lowercase letters, digits and hyphens), not its id or self link` : `give the cluster's name (1-${AKS_CLUSTER_MAX_LENGTH} letters, digits, - and _), not its resource id`);
    }
    if (args.cloud === "azure" && args.azure?.clusterResourceGroup === undefined) problem("azure.clusterResourceGroup", undefined, "is required with azure.clusterName", "set it to the resource group the cluster is in");
    if (!(args.network?.public ?? false) && (args.network?.allowedCidrs ?? []).length === 0) {
        problem("network.allowedCidrs", [], "is empty, and the internal load balancer on an existing cluster admits only the clients you name", "list your clients' ranges (e.g. the cluster's VPC range, 10.0.0.0/8), or set public to true");
    }
}

/** The ecs runtime's own VPC and subnets. */
export function validateExistingNetwork(args: ModelServiceArgs, problem: Report): void {
    const aws = args.aws ?? {};
    if (aws.vpcId === undefined) {
        if ((aws.privateSubnetIds ?? []).length > 0 || (aws.publicSubnetIds ?? []).length > 0) {
            problem("aws.vpcId", undefined, "is not set, but subnets are", "set awsVpcId to the VPC of those subnets, or remove the subnets to create a VPC");
        }
        return;
    }
    const vpcId = knownValue(aws.vpcId);
    if (vpcId !== undefined && !VPC_ID.test(vpcId)) problem("aws.vpcId", vpcId, "is not a VPC id", "use vpc-xxxxxxxx (or a Vpc's id output), or remove it to create a VPC");
    const subnets = (field: "privateSubnetIds" | "publicSubnetIds") => {
        const ids = aws[field] ?? [];
        if (ids.length < 2) problem(`aws.${field}`, ids.map((id) => knownValue(id) ?? "<output>"), "needs at least two subnets (two availability zones) with vpcId", `list two or more subnet ids in aws${field[0]!.toUpperCase()}${field.slice(1)}`);
        ids.map(knownValue).filter((id): id is string => id !== undefined && !SUBNET_ID.test(id)).forEach((id) => problem(`aws.${field}`, id, "is not a subnet id", "use subnet-xxxxxxxx (or a Subnet's id output)"));
    };
    subnets("privateSubnetIds");
    if (args.network?.public ?? false) subnets("publicSubnetIds");
}

/** A bucket the caller brings for a local model: its plain name, or undefined when there is nothing (more) to check. */
function givenUploadBucket(args: ModelServiceArgs, field: string, given: pulumi.Input<string> | undefined, problem: Report): string | undefined {
    if (given === undefined) return undefined;
    const bucket = knownValue(given);
    if (args.model.artifact.kind !== "local") {
        problem(field, bucket ?? "<output>", `is where a local model is uploaded, and the model is already at ${args.model.artifact.uri}`, "remove artifactBucket, or give model.artifact a local path to upload");
        return undefined;
    }
    return bucket;
}

const GCS_BUCKET_NAME = gcpRule("gcp.storage.bucket.name").check as { pattern: RegExp; description: string };
const GCS_BUCKET_GOOGLE = gcpRule("gcp.storage.bucket.google").check as { pattern: RegExp; description: string };

function validateGcsArtifactBucket(args: ModelServiceArgs, problem: Report): void {
    const bucket = givenUploadBucket(args, "gcp.artifactBucket", args.gcp?.artifactBucket, problem);
    if (bucket === undefined) return;
    if (!GCS_BUCKET_NAME.pattern.test(bucket) || GCS_BUCKET_GOOGLE.pattern.test(bucket)) {
        problem("gcp.artifactBucket", bucket, `is not a Cloud Storage bucket name: ${GCS_BUCKET_NAME.description}, without ${GCS_BUCKET_GOOGLE.description}`, "give the bucket's name (not a gs:// URI), e.g. my-team-models, or a Bucket's name output");
    }
}

function validateArtifactBucket(args: ModelServiceArgs, problem: Report): void {
    const bucket = givenUploadBucket(args, "aws.artifactBucket", args.aws?.artifactBucket, problem);
    if (bucket === undefined) return;
    // https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html: 3 to 63 characters.
    if (bucket.length < 3 || bucket.length > BUCKET_MAX_LENGTH || !BUCKET_NAME.pattern.test(bucket) || BUCKET_SUFFIX.pattern.test(bucket) || bucket.includes("..")) {
        problem(
            "aws.artifactBucket",
            bucket,
            `is not an S3 bucket name: 3-${BUCKET_MAX_LENGTH} ${BUCKET_NAME.description}, without ${BUCKET_SUFFIX.description}`,
            "give the bucket's name (not an s3:// URI or ARN), e.g. my-team-models, or a Bucket's bucket output",
        );
    }
}
