import * as pulumi from "@pulumi/pulumi";
import { Bucket } from "@pulumi/aws/s3/bucket";
import { BucketObjectv2 } from "@pulumi/aws/s3/bucketObjectv2";
import { BucketOwnershipControls } from "@pulumi/aws/s3/bucketOwnershipControls";
import { BucketPolicy } from "@pulumi/aws/s3/bucketPolicy";
import { BucketPublicAccessBlock } from "@pulumi/aws/s3/bucketPublicAccessBlock";
import { BucketServerSideEncryptionConfiguration } from "@pulumi/aws/s3/bucketServerSideEncryptionConfiguration";
import { BucketVersioning } from "@pulumi/aws/s3/bucketVersioning";
import type { ResolvedServiceArgs } from "../../components/contract";
import { localArtifactFiles, uploadName } from "../../components/naming";
import { autonamedLogicalName, serviceKey, stackUniqueName } from "../../components/physicalName";
import { awsPartition } from "./partition";

/** Where the model lives in S3, and how SageMaker should read it. */
export interface ModelArtifactLocation {
    /** Bucket ARN and object-key prefix the serving role may read. */
    readonly bucketArn: pulumi.Output<string>;
    readonly prefix: string;
    /** s3:// URI of the artifact: the .tar.gz object, or the prefix of uncompressed files. */
    readonly uri: pulumi.Output<string>;
    readonly compressed: boolean;
    /** One object (an archive or a single model file) rather than a prefix of files. */
    readonly singleObject: boolean;
    /** Created only when the artifact is uploaded from a local path into a bucket of the service's own. */
    readonly bucket?: Bucket;
    readonly uploads: readonly pulumi.Resource[];
}

/**
 * A private, encrypted, versioned bucket that only TLS clients can reach, with the model uploaded
 * under models/<name>/<version>/ (or the caller's bucket, `aws.artifactBucket`, under a folder of this
 * service's own); or, for an existing s3:// URI, just the location of that artifact.
 */
export function createArtifactStore(name: string, args: ResolvedServiceArgs, opts: pulumi.CustomResourceOptions): ModelArtifactLocation {
    const artifact = args.model.artifact;
    if (artifact.kind === "uri") {
        const existing = parseS3Artifact(artifact.uri);
        return {
            bucketArn: pulumi.output(`arn:${awsPartition(args.region)}:s3:::${existing.bucket}`),
            prefix: existing.key,
            uri: pulumi.output(existing.uri),
            compressed: existing.kind === "archive",
            singleObject: existing.kind !== "prefix",
            uploads: [],
        };
    }

    const own = args.aws.artifactBucket === undefined ? createOwnBucket(name, args, opts) : undefined;
    const bucketName = own ? own.bucket.bucket : pulumi.output(args.aws.artifactBucket!);
    const bucketArn = own ? own.bucket.arn : pulumi.interpolate`arn:${awsPartition(args.region)}:s3:::${bucketName}`;
    const local = localArtifactFiles(args, artifact);
    // A bucket of the caller's may hold other services' and stacks' models: a folder of this one's own.
    const prefix = own ? `models/${local.prefix}` : `models/${stackUniqueName([serviceKey(args)], 63)}/${local.prefix}`;
    const compressed = local.files.length === 1 && local.files[0]!.key.endsWith(".tar.gz");
    const uploads = local.files.map(
        (file) =>
            new BucketObjectv2(
                uploadName(name, file.key),
                { bucket: own ? own.bucket.id : bucketName, key: `${prefix}${file.key}`, source: new pulumi.asset.FileAsset(file.source), serverSideEncryption: "aws:kms" },
                { ...opts, dependsOn: own ? [own.encryption] : [] },
            ),
    );
    const key = compressed ? `${prefix}${local.files[0]!.key}` : prefix;
    return { bucket: own?.bucket, bucketArn, prefix: key, uri: pulumi.interpolate`s3://${bucketName}/${key}`, compressed, singleObject: compressed, uploads };
}

/** The service's own bucket: private, KMS-encrypted, versioned, TLS-only; protected and retained in prod. */
function createOwnBucket(name: string, args: ResolvedServiceArgs, opts: pulumi.CustomResourceOptions): { bucket: Bucket; encryption: BucketServerSideEncryptionConfiguration } {
    // In prod the bucket is protected, and kept even if the stack is destroyed with protection lifted.
    const bucket = new Bucket(autonamedLogicalName("aws:s3/bucket:Bucket", name, "artifacts"), { forceDestroy: !args.protect }, { ...opts, protect: args.protect, retainOnDelete: args.protect });
    const access = new BucketPublicAccessBlock(
        `${name}-artifacts-public-access`,
        { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
        opts,
    );
    new BucketOwnershipControls(`${name}-artifacts-ownership`, { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } }, opts);
    const encryption = new BucketServerSideEncryptionConfiguration(
        `${name}-artifacts-encryption`,
        { bucket: bucket.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" }, bucketKeyEnabled: true }] },
        opts,
    );
    new BucketVersioning(`${name}-artifacts-versioning`, { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } }, opts);
    new BucketPolicy(
        `${name}-artifacts-tls-only`,
        {
            bucket: bucket.id,
            policy: pulumi.jsonStringify({
                Version: "2012-10-17",
                Statement: [
                    {
                        Sid: "DenyInsecureTransport",
                        Effect: "Deny",
                        Principal: "*",
                        Action: "s3:*",
                        Resource: [bucket.arn, pulumi.interpolate`${bucket.arn}/*`],
                        Condition: { Bool: { "aws:SecureTransport": "false" } },
                    },
                ],
            }),
        },
        { ...opts, dependsOn: [access] },
    );
    return { bucket, encryption };
}

/**
 * An existing s3:// artifact, normalised: a .tar.gz archive (SageMaker's ModelDataUrl), a single model file
 * (a key whose last segment has an extension: S3Object), or a prefix of files, which then ends in "/" as
 * SageMaker's S3Prefix data type requires; a bare bucket is the prefix "" (the whole bucket).
 * (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_S3ModelDataSource.html)
 */
export function parseS3Artifact(uri: string): { bucket: string; key: string; uri: string; kind: "archive" | "object" | "prefix" } {
    const [, bucket = "", rawKey = ""] = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri) ?? [];
    if (rawKey.endsWith(".tar.gz")) return { bucket, key: rawKey, uri: `s3://${bucket}/${rawKey}`, kind: "archive" };
    const last = rawKey.split("/").pop() ?? "";
    if (!rawKey.endsWith("/") && /\.[A-Za-z0-9]+$/.test(last)) return { bucket, key: rawKey, uri: `s3://${bucket}/${rawKey}`, kind: "object" };
    const key = rawKey === "" || rawKey.endsWith("/") ? rawKey : `${rawKey}/`;
    return { bucket, key, uri: `s3://${bucket}/${key}`, kind: "prefix" };
}
