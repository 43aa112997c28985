import type { PolicyResource, ReportViolation, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";

/** Type tokens matched as strings, so the pack never loads a cloud SDK. */
const S3_BUCKETS = new Set(["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"]);
const S3_PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock";
const BLOCKS = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"] as const;
const PUBLIC_ACLS = new Set(["public-read", "public-read-write", "authenticated-read"]);

/** A block that turns any of the four settings off is a public bucket waiting to happen. */
export const s3PublicAccessBlockComplete: ResourceValidationPolicy = {
    name: "s3-public-access-block-complete",
    description: "S3 public access blocks keep all four settings on.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (args.type !== S3_PUBLIC_ACCESS_BLOCK) return;
        // Values unknown at preview (undefined here) are left to the real run.
        const off = BLOCKS.filter((setting) => args.props[setting] === false || (args.props[setting] === undefined && !(setting in args.props)));
        if (off.length > 0) reportViolation(`Set ${off.join(", ")} to true on this public access block: with them off, the bucket can be made public.`);
    },
};

/** Canned ACLs that grant read or write to everyone. */
export const s3NoPublicAcl: ResourceValidationPolicy = {
    name: "s3-no-public-acl",
    description: "S3 buckets and objects never carry a public canned ACL.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (!S3_BUCKETS.has(args.type) && args.type !== "aws:s3/bucketObjectv2:BucketObjectv2" && args.type !== "aws:s3/bucketAclV2:BucketAclV2") return;
        const acl = args.props.acl;
        if (typeof acl === "string" && PUBLIC_ACLS.has(acl)) reportViolation(`Remove the '${acl}' ACL: it makes the data readable by anyone. Grant access to specific principals instead.`);
    },
};

/** Every bucket has a public access block, with all four settings on, that refers to it. */
export const s3BucketHasPublicAccessBlock: StackValidationPolicy = {
    name: "s3-bucket-public-access-blocked",
    description: "Every S3 bucket has a public access block with all four settings on.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation: ReportViolation) => {
        const blocked = new Set<string>();
        for (const block of args.resources.filter((r) => r.type === S3_PUBLIC_ACCESS_BLOCK)) {
            if (!BLOCKS.every((setting) => block.props[setting] === true)) continue;
            for (const bucket of bucketsReferencedBy(block, args.resources)) blocked.add(bucket.urn);
        }
        for (const bucket of args.resources.filter((r) => S3_BUCKETS.has(r.type))) {
            if (!blocked.has(bucket.urn)) {
                reportViolation("Add an aws.s3.BucketPublicAccessBlock for this bucket with blockPublicAcls, blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets all true.", bucket.urn);
            }
        }
    },
};

/** The bucket a block protects: by property dependency (works at preview), else by name. */
function bucketsReferencedBy(block: PolicyResource, resources: readonly PolicyResource[]): PolicyResource[] {
    const byDependency = (block.propertyDependencies["bucket"] ?? []).filter((r) => S3_BUCKETS.has(r.type));
    if (byDependency.length > 0) return byDependency;
    const name = block.props["bucket"];
    return typeof name === "string" ? resources.filter((r) => S3_BUCKETS.has(r.type) && (r.props["bucket"] === name || r.props["id"] === name)) : [];
}
