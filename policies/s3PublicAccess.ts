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
/** Condition keys that can narrow "anyone" to a network, an account or an organisation the owner controls, by the kind of value they take. */
const NARROWING_CONDITION_KEYS: Readonly<Record<string, "id" | "arn" | "ip">> = {
    "aws:sourcevpce": "id",
    "aws:sourcevpc": "id",
    "aws:principalorgid": "id",
    "aws:principalaccount": "id",
    "aws:sourceaccount": "id",
    "aws:sourceorgid": "id",
    "aws:sourcearn": "arn",
    "aws:principalarn": "arn",
    "aws:sourceip": "ip",
    "aws:vpcsourceip": "ip",
};

/**
 * Operators that narrow when the key matches: only positive matches do. Null tests presence,
 * ...Not... operators allow everything else, ...IfExists passes when the key is absent, and
 * ForAllValues: passes on an empty set, so none of those narrows.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
 */
const NARROWING_OPERATORS: Readonly<Record<string, readonly ("id" | "arn" | "ip")[]>> = {
    stringequals: ["id", "arn"],
    stringequalsignorecase: ["id", "arn"],
    stringlike: ["id", "arn"],
    arnequals: ["arn"],
    arnlike: ["arn"],
    ipaddress: ["ip"],
};

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

/** A value that matches anything: "*", "?*", "" (wildcards only). */
const WILDCARD_ONLY = /^[*?]*$/;

/** An ARN pattern that names one account (ARN fields: arn:partition:service:region:account:resource); S3 ARNs, which have no account field, must name their resource without wildcards. */
function arnNamesOneAccount(value: string): boolean {
    const fields = value.split(":");
    if (fields.length < 6 || fields[0] !== "arn") return false;
    const account = fields[4] ?? "";
    if (account === "") return !/[*?]/.test(value) && fields[2] === "s3";
    return /^\d{12}$/.test(account);
}

/** A CIDR or address that is not the whole address space (a /0). */
function isNarrowRange(value: string): boolean {
    const slash = value.indexOf("/");
    if (WILDCARD_ONLY.test(value)) return false;
    return slash < 0 || Number(value.slice(slash + 1)) > 0;
}

function valueNarrows(kind: "id" | "arn" | "ip", value: unknown): boolean {
    if (typeof value !== "string") return false;
    if (kind === "ip") return isNarrowRange(value);
    if (kind === "arn") return arnNamesOneAccount(value);
    return !WILDCARD_ONLY.test(value);
}

/** Whether one operator's clause ({key: value(s)}) narrows: a narrowing key, an operator that matches positively, and every value concrete. */
function clauseNarrows(operator: string, clause: unknown): boolean {
    if (!clause || typeof clause !== "object") return false;
    let op = operator.toLowerCase();
    if (op.startsWith("forallvalues:") || op.endsWith("ifexists")) return false;
    if (op.startsWith("foranyvalue:")) op = op.slice("foranyvalue:".length);
    const kinds = NARROWING_OPERATORS[op];
    if (!kinds) return false;
    return Object.entries(clause as Record<string, unknown>).some(([key, value]) => {
        const kind = NARROWING_CONDITION_KEYS[key.toLowerCase()];
        if (!kind || !kinds.includes(kind)) return false;
        const values = [value].flat();
        return values.length > 0 && values.every((v) => valueNarrows(kind, v));
    });
}

/** Conditions hold together: one narrowing clause narrows the statement. */
function isNarrowed(condition: unknown): boolean {
    if (!condition || typeof condition !== "object") return false;
    return Object.entries(condition as Record<string, unknown>).some(([operator, clause]) => clauseNarrows(operator, clause));
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
                `Narrow statement ${open.map((i) => `#${i + 1}`).join(", ")} of the policy on '${args.name}': it allows everyone. Name the principals, or add a StringEquals condition on aws:SourceVpce, aws:SourceVpc, aws:PrincipalOrgID or aws:PrincipalAccount (Null, ...Not..., ...IfExists and wildcard values do not narrow).`,
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
