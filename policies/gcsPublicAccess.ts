import type { ResourceValidationPolicy } from "@pulumi/policy";
import { jsonDocument, known } from "./unknown";

const PUBLIC_MEMBERS = new Set(["allUsers", "allAuthenticatedUsers"]);
const BUCKET = "gcp:storage/bucket:Bucket";
const IAM_MEMBER = "gcp:storage/bucketIAMMember:BucketIAMMember";
const IAM_BINDING = "gcp:storage/bucketIAMBinding:BucketIAMBinding";
const IAM_POLICY = "gcp:storage/bucketIAMPolicy:BucketIAMPolicy";
const ROLE_ENTITY_ACLS = new Set(["gcp:storage/bucketACL:BucketACL", "gcp:storage/objectACL:ObjectACL", "gcp:storage/defaultObjectACL:DefaultObjectACL"]);
const ENTITY_ACLS = new Set([
    "gcp:storage/bucketAccessControl:BucketAccessControl",
    "gcp:storage/objectAccessControl:ObjectAccessControl",
    "gcp:storage/defaultObjectAccessControl:DefaultObjectAccessControl",
]);
const PUBLIC_PREDEFINED_ACLS = new Set(["publicRead", "publicReadWrite", "authenticatedRead", "public-read", "public-read-write", "authenticated-read"]);

/** IAM that grants a role on a bucket to allUsers or allAuthenticatedUsers. */
export const gcsNoPublicIam: ResourceValidationPolicy = {
    name: "gcs-no-public-iam",
    description: "Cloud Storage bucket IAM never grants a role to allUsers or allAuthenticatedUsers.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        let members: unknown[] = [];
        if (args.type === IAM_MEMBER) members = [known(args.props.member, "member")];
        else if (args.type === IAM_BINDING) members = known(args.props.members, "members") ?? [];
        else if (args.type === IAM_POLICY) {
            const doc = jsonDocument(args.props.policyData, "policyData") as { bindings?: { members?: unknown[] }[] } | undefined;
            members = (doc?.bindings ?? []).flatMap((b) => b.members ?? []);
        } else return;
        const open = [...new Set(members.filter((m): m is string => typeof m === "string" && PUBLIC_MEMBERS.has(m)))];
        if (open.length > 0) reportViolation(`Remove ${open.join(" and ")} from the IAM of '${args.name}': they make the bucket readable by anyone. Grant the role to specific service accounts or groups.`);
    },
};

/** Legacy ACLs with public entities. */
export const gcsNoPublicAcl: ResourceValidationPolicy = {
    name: "gcs-no-public-acl",
    description: "Cloud Storage bucket, object and default object ACLs never include allUsers or allAuthenticatedUsers.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        const found: string[] = [];
        if (ROLE_ENTITY_ACLS.has(args.type)) {
            const predefined = known(args.props.predefinedAcl, "predefinedAcl");
            if (typeof predefined === "string" && PUBLIC_PREDEFINED_ACLS.has(predefined)) found.push(`predefinedAcl ${predefined}`);
            for (const entry of known(args.props.roleEntities, "roleEntities") ?? []) {
                const entity = typeof entry === "string" ? entry.split(":").pop() : undefined;
                if (entity && PUBLIC_MEMBERS.has(entity)) found.push(entry);
            }
        } else if (ENTITY_ACLS.has(args.type)) {
            const entity = known(args.props.entity, "entity");
            if (typeof entity === "string" && PUBLIC_MEMBERS.has(entity)) found.push(entity);
        } else return;
        if (found.length > 0) reportViolation(`Remove ${found.join(", ")} from the ACL of '${args.name}', and prefer uniform bucket-level access with IAM.`);
    },
};

/** Buckets must use uniform access and enforce public access prevention. */
export const gcsBucketLockedDown: ResourceValidationPolicy = {
    name: "gcs-bucket-public-access-prevented",
    description: "Cloud Storage buckets enforce public access prevention and uniform bucket-level access.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (args.type !== BUCKET) return;
        const fixes: string[] = [];
        if (known(args.props.publicAccessPrevention, "publicAccessPrevention") !== "enforced") fixes.push('set publicAccessPrevention to "enforced"');
        if (known(args.props.uniformBucketLevelAccess, "uniformBucketLevelAccess") !== true) fixes.push("set uniformBucketLevelAccess to true");
        if (fixes.length > 0) reportViolation(`On bucket '${args.name}', ${fixes.join(" and ")}: otherwise an ACL or IAM change can make it public.`);
    },
};

export const GCS_POLICIES = [gcsNoPublicIam, gcsNoPublicAcl, gcsBucketLockedDown];
