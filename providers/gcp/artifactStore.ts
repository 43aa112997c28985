import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { Bucket } from "@pulumi/gcp/storage/bucket";
import { BucketObject } from "@pulumi/gcp/storage/bucketObject";
import type { ResolvedServiceArgs } from "../../components/contract";
import { listFiles } from "../../components/naming";

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
 * the model uploaded under models/<name>/<version>/; or, for an existing gs:// URI, its location.
 */
export function createGcsArtifactStore(name: string, args: ResolvedServiceArgs, opts: pulumi.CustomResourceOptions): GcsArtifact {
    const artifact = args.model.artifact;
    if (artifact.kind === "uri") {
        const [, bucketName = "", key = ""] = /^gs:\/\/([^/]+)\/?(.*)$/.exec(artifact.uri) ?? [];
        const prefix = key === "" ? "" : key.replace(/\/?$/, "/");
        return { bucketName: pulumi.output(bucketName), prefix, uri: pulumi.output(`gs://${bucketName}/${prefix}`), uploads: [] };
    }
    const bucket = new Bucket(
        `${name}-artifacts`,
        {
            location: args.region.toUpperCase(),
            uniformBucketLevelAccess: true,
            publicAccessPrevention: "enforced",
            versioning: { enabled: true },
            forceDestroy: !args.protect,
        },
        { ...opts, protect: args.protect },
    );
    const source = path.resolve(args.projectDir, artifact.path);
    const files = listFiles(source);
    const base = files.length === 1 && files[0] === path.basename(source) ? path.dirname(source) : source;
    const prefix = `models/${args.model.name}/${args.model.version}/`;
    const uploads = files.map(
        (file) => new BucketObject(`${name}-artifact-${file.replace(/[^A-Za-z0-9.-]+/g, "-")}`, { bucket: bucket.name, name: `${prefix}${file}`, source: new pulumi.asset.FileAsset(path.join(base, file)) }, opts),
    );
    return { bucketName: bucket.name, prefix, uri: pulumi.interpolate`gs://${bucket.name}/${prefix}`, bucket, uploads };
}
