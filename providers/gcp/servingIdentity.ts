import * as pulumi from "@pulumi/pulumi";
import { RepositoryIamMember } from "@pulumi/gcp/artifactregistry/repositoryIamMember";
import { Account } from "@pulumi/gcp/serviceaccount/account";
import { BucketIAMMember } from "@pulumi/gcp/storage/bucketIAMMember";
import type { ResolvedServiceArgs } from "../../components/contract";
import { serviceKey, stackUniqueName } from "../../components/physicalName";
import type { GcsArtifact } from "./artifactStore";
import type { GcpServingImage } from "./registry";

/**
 * A dedicated service account for serving: object read on the model prefix only (an IAM condition),
 * object listing on the bucket, and read on the image's repository. Nothing project-wide.
 */
export function createServingAccount(name: string, args: ResolvedServiceArgs, artifact: GcsArtifact, image: GcpServingImage, opts: pulumi.CustomResourceOptions) {
    const account = new Account(
        `${name}-serving-sa`,
        { accountId: stackUniqueName([serviceKey(args), "serve"], 30), displayName: `Serving identity of model service ${args.model.name}`, project: args.gcp.project },
        opts,
    );
    const member = pulumi.interpolate`serviceAccount:${account.email}`;
    const grants: pulumi.Resource[] = [
        new BucketIAMMember(
            `${name}-read-model`,
            {
                bucket: artifact.bucketName,
                role: "roles/storage.objectViewer",
                member,
                condition: {
                    title: "model-prefix-only",
                    description: `Objects under ${artifact.prefix || "the bucket"} only`,
                    expression: pulumi.interpolate`resource.name.startsWith("projects/_/buckets/${artifact.bucketName}/objects/${artifact.prefix}")`,
                },
            },
            opts,
        ),
        // Listing happens on the bucket, which a condition on object names would never match.
        new BucketIAMMember(`${name}-list-model`, { bucket: artifact.bucketName, role: "roles/storage.legacyBucketReader", member }, opts),
    ];
    if (image.repository) {
        grants.push(
            new RepositoryIamMember(`${name}-read-images`, { project: args.gcp.project, location: image.repository.location, repository: image.repository.name, role: "roles/artifactregistry.reader", member }, opts),
        );
    }
    return { account, member, grants };
}
