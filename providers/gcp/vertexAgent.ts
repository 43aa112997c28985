import * as pulumi from "@pulumi/pulumi";
import { RepositoryIamMember } from "@pulumi/gcp/artifactregistry/repositoryIamMember";
import { ServiceIdentity } from "@pulumi/gcp/projects/serviceIdentity";
import { getBucketOutput } from "@pulumi/gcp/storage/getBucket";
import { BucketIAMMember } from "@pulumi/gcp/storage/bucketIAMMember";
import type { ResolvedServiceArgs } from "../../components/contract";
import type { GcsArtifact } from "./artifactStore";
import type { GcpServingImage } from "./registry";

/** Google's public prediction containers (us-docker.pkg.dev/vertex-ai/prediction/...): readable by everyone. */
const PUBLIC_IMAGE_PROJECTS = /^vertex-ai(-restricted)?$/;

/**
 * Why Vertex AI cannot import a model from a bucket in `location`, or undefined. The bucket must be in the
 * region of the endpoint the model is uploaded to (https://cloud.google.com/vertex-ai/docs/general/import-model#upload_model_artifacts_to).
 */
export function artifactRegionProblem(bucket: string, location: string, region: string): string | undefined {
    if (location.toLowerCase() === region.toLowerCase()) return undefined;
    return `model-service:modelArtifact: bucket ${bucket} is in ${location}, but the Vertex AI endpoint is in ${region}; Vertex AI imports a model only from a bucket in its own region. Fix: copy the artifact to a bucket in ${region} (gcloud storage cp -r), or deploy to ${location.toLowerCase()}.`;
}

/**
 * The upload (models.upload) and the image pull run as the project's Vertex AI service agent, not as the
 * serving account: an existing gs:// artifact or an image in another project's Artifact Registry must
 * be readable by the agent (https://cloud.google.com/vertex-ai/docs/general/access-control#foreign-project).
 * A bucket this stack creates, in this project, is readable by the agent already (roles/aiplatform.serviceAgent).
 */
export function grantVertexServiceAgent(name: string, args: ResolvedServiceArgs, artifact: GcsArtifact, image: GcpServingImage, opts: pulumi.CustomResourceOptions) {
    const grants: pulumi.Resource[] = [];
    const foreignImage = image.foreign && !PUBLIC_IMAGE_PROJECTS.test(image.foreign.project) ? image.foreign : undefined;
    if (artifact.bucket && !foreignImage) return { grants, regionCheck: pulumi.output(true) };
    const agent = new ServiceIdentity(`${name}-service-agent`, { project: args.gcp.project, service: "aiplatform.googleapis.com" }, opts);
    const member = agent.member;
    let regionCheck: pulumi.Output<boolean> = pulumi.output(true);
    if (!artifact.bucket) {
        grants.push(
            new BucketIAMMember(
                `${name}-agent-read-model`,
                {
                    bucket: artifact.bucketName,
                    role: "roles/storage.objectViewer",
                    member,
                    condition: { title: "model-prefix-only", description: `Objects under ${artifact.prefix || "the bucket"} only`, expression: pulumi.interpolate`resource.name.startsWith("projects/_/buckets/${artifact.bucketName}/objects/${artifact.prefix}")` },
                },
                opts,
            ),
            new BucketIAMMember(`${name}-agent-list-model`, { bucket: artifact.bucketName, role: "roles/storage.legacyBucketReader", member }, opts),
        );
        const bucket = getBucketOutput({ name: artifact.bucketName }, { parent: opts.parent, provider: opts.provider });
        regionCheck = pulumi.all([bucket.name, bucket.location]).apply(([b, location]) => {
            const problem = artifactRegionProblem(b, location, args.region);
            if (problem) throw new Error(problem);
            return true;
        });
    }
    if (foreignImage) {
        grants.push(new RepositoryIamMember(`${name}-agent-pull-image`, { project: foreignImage.project, location: foreignImage.location, repository: foreignImage.name, role: "roles/artifactregistry.reader", member }, opts));
    }
    return { agent, grants, regionCheck };
}
