import * as pulumi from "@pulumi/pulumi";
import { Bucket } from "@pulumi/gcp/storage/bucket";
import { BucketObject } from "@pulumi/gcp/storage/bucketObject";
import { GCP_TYPES } from "../../components/cloudRules/gcp";
import type { ResolvedServiceArgs } from "../../components/contract";
import { autonamedLogicalName, serviceKey, stackUniqueName } from "../../components/physicalName";
import { localArtifactFiles, uploadName } from "../../components/naming";

export interface GcsArtifact {
    readonly bucketName: pulumi.Output<string>;
    /** Object prefix (ending in /) the serving identity may read. */
    readonly prefix: string;
    /** gs:// URI of the artifact folder. */
    readonly uri: pulumi.Output<string>;
    readonly bucket?: Bucket;
    readonly uploads: readonly pulumi.Resource[];
}

/**
 * A private bucket (uniform bucket-level access, public access prevention enforced, versioned) with
 * the model uploaded under models/<name>/<version>/ (or the caller's bucket, `gcp.artifactBucket`, under a
 * folder of this service's own); or, for an existing gs:// URI, its location.
 */
export function createGcsArtifactStore(name: string, args: ResolvedServiceArgs, opts: pulumi.CustomResourceOptions): GcsArtifact {
    const artifact = args.model.artifact;
    if (artifact.kind === "uri") {
        const [, bucketName = "", key = ""] = /^gs:\/\/([^/]+)\/?(.*)$/.exec(artifact.uri) ?? [];
        const prefix = key === "" ? "" : key.replace(/\/?$/, "/");
        return { bucketName: pulumi.output(bucketName), prefix, uri: pulumi.output(`gs://${bucketName}/${prefix}`), uploads: [] };
    }
    const given = args.gcp.artifactBucket;
    const bucket = given !== undefined ? undefined : new Bucket(
        // Autonamed (world-unique with the random part); the logical name leaves room for it within 63 characters.
        autonamedLogicalName(GCP_TYPES.bucket, name, "artifacts"),
        {
            location: args.region.toUpperCase(),
            uniformBucketLevelAccess: true,
            publicAccessPrevention: "enforced",
            versioning: { enabled: true },
            forceDestroy: !args.protect,
        },
        { ...opts, protect: args.protect, retainOnDelete: args.protect },
    );
    const local = localArtifactFiles(args, artifact);
    // A bucket of the caller's may hold other services' and stacks' models: a folder of this one's own.
    const prefix = bucket ? `models/${local.prefix}` : `models/${stackUniqueName([serviceKey(args)], 63)}/${local.prefix}`;
    const bucketName = bucket ? bucket.name : pulumi.output(given!);
    const uploads = local.files.map((file) => new BucketObject(uploadName(name, file.key), { bucket: bucketName, name: `${prefix}${file.key}`, source: new pulumi.asset.FileAsset(file.source) }, opts));
    return { bucketName, prefix, uri: pulumi.interpolate`gs://${bucketName}/${prefix}`, bucket, uploads };
}
