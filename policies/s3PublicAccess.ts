import type { PolicyResource, ReportViolation, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { jsonDocument, known } from "./unknown";

/** Type tokens matched as strings, so the pack never loads a cloud SDK. */
const S3_BUCKETS = new Set(["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"]);
const S3_BUCKET_ACLS = new Set(["aws:s3/bucketAcl:BucketAcl", "aws:s3/bucketAclV2:BucketAclV2"]);
const S3_OBJECTS = new Set(["aws:s3/bucketObject:BucketObject", "aws:s3/bucketObjectv2:BucketObjectv2"]);
const S3_BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy";
const S3_PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock";
const S3_ACCOUNT_PUBLIC_ACCESS_BLOCK = "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock";
const BLOCKS = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"] as const;
const PUBLIC_ACLS = new Set(["public-read", "public-read-write", "authenticated-read"]);
const PUBLIC_GROUPS = /acs\.amazonaws\.com\/groups\/global\/(AllUsers|AuthenticatedUsers)$/;
/** Conditions that narrow "anyone" to a network or an organisation the owner controls. */
const NARROWING_CONDITION_KEYS = new Set(
    ["aws:SourceVpce", "aws:SourceVpc", "aws:PrincipalOrgID", "aws:PrincipalAccount", "aws:SourceAccount", "aws:SourceArn", "aws:SourceOrgID", "aws:PrincipalArn"].map((k) => k.toLowerCase()),
);

/** A block that turns any of the four settings off is a public bucket waiting to happen. */
export const s3PublicAccessBlockComplete: ResourceValidationPolicy = {
    name: "s3-public-access-block-complete",
    description: "S3 public access blocks (bucket and account) keep all four settings on.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (args.type !== S3_PUBLIC_ACCESS_BLOCK && args.type !== S3_ACCOUNT_PUBLIC_ACCESS_BLOCK) return;
        const off = BLOCKS.filter((setting) => known(args.props[setting], setting) !== true);
        if (off.length > 0) reportViolation(`Set ${off.join(", ")} to true on public access block '${args.name}': with them off, buckets can be made public.`);
    },
};

function publicGrants(grants: unknown): string[] {
    if (!Array.isArray(grants)) return [];
    return grants.flatMap((g: any) => {
        const uri = g?.uri ?? g?.grantee?.uri;
        return typeof uri === "string" && PUBLIC_GROUPS.test(uri) ? [uri.split("/").pop()!] : [];
    });
}

/** Canned ACLs and grants that give read or write to everyone. */
export const s3NoPublicAcl: ResourceValidationPolicy = {
    name: "s3-no-public-acl",
    description: "S3 buckets, bucket ACLs and objects never grant access to AllUsers or AuthenticatedUsers.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (!S3_BUCKETS.has(args.type) && !S3_BUCKET_ACLS.has(args.type) && !S3_OBJECTS.has(args.type)) return;
        const acl = known(args.props.acl, "acl");
        if (typeof acl === "string" && PUBLIC_ACLS.has(acl)) {
            reportViolation(`Remove the '${acl}' ACL from '${args.name}': it makes the data readable by anyone. Grant access to specific principals instead.`);
        }
        const groups = [...publicGrants(args.props.grants), ...publicGrants(args.props.accessControlPolicy?.grants)];
        if (groups.length > 0) reportViolation(`Remove the grants to ${[...new Set(groups)].join(" and ")} from '${args.name}': they open the bucket to everyone.`);
    },
};

function isEveryone(principal: unknown): boolean {
    if (principal === "*") return true;
    if (principal && typeof principal === "object") {
        const aws = (principal as Record<string, unknown>).AWS;
        return aws === "*" || (Array.isArray(aws) && aws.includes("*"));
    }
    return false;
}

function isNarrowed(condition: unknown): boolean {
    if (!condition || typeof condition !== "object") return false;
    return Object.values(condition as Record<string, unknown>).some(
        (clause) => clause && typeof clause === "object" && Object.keys(clause).some((key) => NARROWING_CONDITION_KEYS.has(key.toLowerCase())),
    );
}

/** Statements of a bucket policy that allow anyone without a narrowing condition. */
export function publicStatements(policy: unknown): number[] {
    const doc = jsonDocument(policy, "policy") as { Statement?: unknown } | undefined;
    const statements = doc ? [doc.Statement ?? []].flat() : [];
    return statements.flatMap((s: any, i) => (s?.Effect === "Allow" && (isEveryone(s.Principal) || s.NotPrincipal !== undefined) && !isNarrowed(s.Condition) ? [i] : []));
}

/** A bucket policy that allows "*" makes the bucket public, whatever its ACLs say. */
export const s3NoPublicBucketPolicy: ResourceValidationPolicy = {
    name: "s3-no-public-bucket-policy",
    description: "S3 bucket policies never allow everyone (Principal \"*\") without a condition that narrows it to a VPC, an account or an organisation.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (args.type !== S3_BUCKET_POLICY && !S3_BUCKETS.has(args.type)) return;
        const open = publicStatements(args.props.policy);
        if (open.length > 0) {
            reportViolation(
                `Narrow statement ${open.map((i) => `#${i + 1}`).join(", ")} of the policy on '${args.name}': it allows everyone. Name the principals, or add a condition on aws:SourceVpce, aws:SourceVpc, aws:PrincipalOrgID or aws:PrincipalAccount.`,
            );
        }
    },
};

/** Every bucket has a public access block, with all four settings on, that refers to it (or the account has one). */
export const s3BucketHasPublicAccessBlock: StackValidationPolicy = {
    name: "s3-bucket-public-access-blocked",
    description: "Every S3 bucket has a public access block with all four settings on, unless the stack sets a complete account-level block.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation: ReportViolation) => {
        const accountBlocked = args.resources.some((r) => r.type === S3_ACCOUNT_PUBLIC_ACCESS_BLOCK && BLOCKS.every((s) => r.props[s] === true));
        if (accountBlocked) return;
        const blocked = new Set<string>();
        for (const block of args.resources.filter((r) => r.type === S3_PUBLIC_ACCESS_BLOCK)) {
            if (!BLOCKS.every((setting) => block.props[setting] === true)) continue;
            for (const bucket of bucketsReferencedBy(block, args.resources)) blocked.add(bucket.urn);
        }
        for (const bucket of args.resources.filter((r) => S3_BUCKETS.has(r.type))) {
            if (!blocked.has(bucket.urn)) {
                reportViolation(`Add an aws.s3.BucketPublicAccessBlock for bucket '${bucket.name}' with blockPublicAcls, blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets all true.`, bucket.urn);
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

export const S3_POLICIES = [s3PublicAccessBlockComplete, s3NoPublicAcl, s3NoPublicBucketPolicy, s3BucketHasPublicAccessBlock];
