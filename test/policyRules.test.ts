import { describe, expect, it } from "vitest";
import { evaluatePolicies } from "../offline/evaluatePolicies";
import type { RecordedResource } from "../offline/recorder";
import { POLICIES } from "../policies/rules";
import { resource } from "./helpers/resources";

async function violated(...resources: RecordedResource[]): Promise<string[]> {
    return (await evaluatePolicies(POLICIES, resources)).map((v) => `${v.level}:${v.policy}`);
}

async function messages(...resources: RecordedResource[]): Promise<string[]> {
    return (await evaluatePolicies(POLICIES, resources)).map((v) => v.message);
}

async function messagesOf(policy: string, ...resources: RecordedResource[]): Promise<string[]> {
    return (await evaluatePolicies(POLICIES, resources)).filter((v) => v.policy === policy).map((v) => v.message);
}

const ALL_ON = { blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true };
const ACCOUNT_BLOCK = resource("aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock", ALL_ON);
// Tokens assembled at run time: no credential-shaped literal in the repository.
const GITHUB_TOKEN = `ghp_${"aB3dE5gH7jK9mN1pQ3sT5vX7zA9cE1gI3kM5"}`;
const STRIPE_KEY = ["sk", "live", "4eC39HqLyjWDarjtT1zdp7dc9Q"].join("_");

describe("AWS public buckets", () => {
    it("accepts a bucket covered by an account-level block", async () => {
        expect(await violated(ACCOUNT_BLOCK, resource("aws:s3/bucket:Bucket", { bucket: "b" }))).toEqual([]);
    });

    it("flags an account-level block with a setting off", async () => {
        const block = resource("aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock", { ...ALL_ON, blockPublicPolicy: false });
        expect(await violated(block)).toEqual(["mandatory:s3-public-access-block-complete"]);
    });

    it("flags BucketAcl grants to AllUsers and public canned ACLs", async () => {
        const grant = resource("aws:s3/bucketAclV2:BucketAclV2", {
            accessControlPolicy: { grants: [{ grantee: { type: "Group", uri: "http://acs.amazonaws.com/groups/global/AllUsers" }, permission: "READ" }], owner: { id: "x" } },
        });
        const canned = resource("aws:s3/bucketAcl:BucketAcl", { acl: "public-read-write" });
        const privateAcl = resource("aws:s3/bucketAcl:BucketAcl", { acl: "private" });
        expect(await violated(ACCOUNT_BLOCK, grant, canned, privateAcl)).toEqual(["mandatory:s3-no-public-acl", "mandatory:s3-no-public-acl"]);
        expect((await messages(ACCOUNT_BLOCK, grant))[0]).toContain("Remove the grants to AllUsers");
    });

    it("flags a bucket policy that allows everyone, on BucketPolicy and on the bucket itself", async () => {
        const open = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: "*" }, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" }] });
        expect(await violated(ACCOUNT_BLOCK, resource("aws:s3/bucketPolicy:BucketPolicy", { bucket: "b", policy: open }))).toEqual(["mandatory:s3-no-public-bucket-policy"]);
        expect(await violated(ACCOUNT_BLOCK, resource("aws:s3/bucket:Bucket", { bucket: "b", policy: JSON.parse(open) }))).toEqual(["mandatory:s3-no-public-bucket-policy"]);
    });

    it("accepts policies narrowed by a VPC endpoint or organisation, deny statements and named principals", async () => {
        const policy = JSON.stringify({
            Statement: [
                { Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "*", Condition: { StringEquals: { "aws:SourceVpce": "vpce-1" } } },
                { Effect: "Allow", Principal: { AWS: "*" }, Action: "s3:GetObject", Resource: "*", Condition: { StringEquals: { "aws:PrincipalOrgID": "o-1" } } },
                { Effect: "Deny", Principal: "*", Action: "s3:*", Resource: "*", Condition: { Bool: { "aws:SecureTransport": "false" } } },
                { Effect: "Allow", Principal: { AWS: "arn:aws:iam::123456789012:role/reader" }, Action: "s3:GetObject", Resource: "*" },
            ],
        });
        expect(await violated(ACCOUNT_BLOCK, resource("aws:s3/bucketPolicy:BucketPolicy", { bucket: "b", policy }))).toEqual([]);
    });

    describe("counts a condition as narrowing only with a positive operator and concrete values", () => {
        const statement = (Condition: unknown) => ({ Statement: [{ Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*", Condition }] });
        const verdict = async (Condition: unknown) => violated(ACCOUNT_BLOCK, resource("aws:s3/bucketPolicy:BucketPolicy", { policy: JSON.stringify(statement(Condition)) }));
        it.each([
            ["StringEquals on a VPC endpoint", { StringEquals: { "aws:SourceVpce": "vpce-0a1b2c3d" } }],
            ["StringEquals on an organisation, several values", { StringEquals: { "aws:PrincipalOrgID": ["o-abc123", "o-def456"] } }],
            ["StringEqualsIgnoreCase on an account", { StringEqualsIgnoreCase: { "aws:PrincipalAccount": "123456789012" } }],
            ["StringLike on a VPC with a prefix", { StringLike: { "aws:SourceVpc": "vpc-0a1b*" } }],
            ["ArnEquals on one source", { ArnEquals: { "aws:SourceArn": "arn:aws:cloudfront::123456789012:distribution/E1" } }],
            ["ArnLike with a concrete account", { ArnLike: { "aws:PrincipalArn": "arn:aws:iam::123456789012:role/*" } }],
            ["ArnLike on one S3 bucket (no account field)", { ArnLike: { "aws:SourceArn": "arn:aws:s3:::logs-bucket" } }],
            ["IpAddress with a private range", { IpAddress: { "aws:SourceIp": ["10.0.0.0/8", "192.0.2.7"] } }],
            ["ForAnyValue:StringEquals", { "ForAnyValue:StringEquals": { "aws:PrincipalOrgID": "o-abc123" } }],
            ["a narrowing clause beside an unrelated one", { Bool: { "aws:SecureTransport": "true" }, StringEquals: { "aws:SourceVpce": "vpce-1" } }],
        ])("accepts %s", async (_what, condition) => {
            expect(await verdict(condition)).toEqual([]);
        });
        it.each([
            ["Null", { Null: { "aws:SourceVpce": "false" } }],
            ["StringNotEquals", { StringNotEquals: { "aws:SourceVpce": "vpce-0a1b2c3d" } }],
            ["StringNotLike", { StringNotLike: { "aws:PrincipalOrgID": "o-abc123" } }],
            ["ArnNotLike", { ArnNotLike: { "aws:SourceArn": "arn:aws:iam::123456789012:role/x" } }],
            ["NotIpAddress", { NotIpAddress: { "aws:SourceIp": "10.0.0.0/8" } }],
            ["StringEqualsIfExists", { StringEqualsIfExists: { "aws:SourceVpce": "vpce-0a1b2c3d" } }],
            ["ArnLikeIfExists", { ArnLikeIfExists: { "aws:SourceArn": "arn:aws:iam::123456789012:role/x" } }],
            ["ForAllValues:StringEquals", { "ForAllValues:StringEquals": { "aws:PrincipalOrgID": "o-abc123" } }],
            ["a wildcard value", { StringLike: { "aws:SourceVpce": "*" } }],
            ["a wildcard among the values", { StringEquals: { "aws:PrincipalAccount": ["123456789012", "*"] } }],
            ["ArnLike matching every ARN", { ArnLike: { "aws:SourceArn": "arn:aws:*:*:*" } }],
            ["ArnLike matching any account", { ArnLike: { "aws:PrincipalArn": "arn:aws:iam::*:role/deploy" } }],
            ["StringLike on an ARN of any account", { StringLike: { "aws:SourceArn": "arn:aws:sns:us-east-1:*:topic" } }],
            ["IpAddress of the whole IPv4 space", { IpAddress: { "aws:SourceIp": "0.0.0.0/0" } }],
            ["IpAddress of the whole IPv6 space", { IpAddress: { "aws:SourceIp": ["10.0.0.0/8", "::/0"] } }],
            ["an empty list of values", { StringEquals: { "aws:SourceVpce": [] } }],
            ["an ARN operator on an ID key", { ArnEquals: { "aws:SourceVpce": "vpce-1" } }],
        ])("flags %s", async (_what, condition) => {
            expect(await verdict(condition)).toEqual(["mandatory:s3-no-public-bucket-policy"]);
        });
    });

    it("does not count an unrelated condition as narrowing", async () => {
        const policy = { Statement: [{ Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "*", Condition: { Bool: { "aws:SecureTransport": "true" } } }] };
        expect(await violated(ACCOUNT_BLOCK, resource("aws:s3/bucketPolicy:BucketPolicy", { policy }))).toEqual(["mandatory:s3-no-public-bucket-policy"]);
    });

    it("skips, with an advisory notice, a policy document unknown until deploy", async () => {
        const v = await evaluatePolicies(POLICIES, [ACCOUNT_BLOCK, resource("aws:s3/bucketPolicy:BucketPolicy", { policy: "<unknown>" })]);
        expect(v.map((x) => [x.level, x.policy])).toEqual([["advisory", "s3-no-public-bucket-policy"]]);
        expect(v[0]?.message).toMatch(/^Skipped during the plan: policy is unknown until deploy/);
    });
});

describe("GCP public buckets", () => {
    const locked = { uniformBucketLevelAccess: true, publicAccessPrevention: "enforced" };

    it("accepts a bucket with enforced prevention and uniform access", async () => {
        expect(await violated(resource("gcp:storage/bucket:Bucket", locked))).toEqual([]);
    });

    it("flags a bucket without enforced prevention or uniform access, naming both fixes", async () => {
        const m = await messages(resource("gcp:storage/bucket:Bucket", { publicAccessPrevention: "inherited" }, { name: "data" }));
        expect(m).toEqual([`On bucket 'data', set publicAccessPrevention to "enforced" and set uniformBucketLevelAccess to true: otherwise an ACL or IAM change can make it public.`]);
    });

    it("flags IAM members, bindings and policies that grant allUsers or allAuthenticatedUsers", async () => {
        expect(
            await violated(
                resource("gcp:storage/bucketIAMMember:BucketIAMMember", { bucket: "b", role: "roles/storage.objectViewer", member: "allUsers" }),
                resource("gcp:storage/bucketIAMBinding:BucketIAMBinding", { bucket: "b", role: "roles/storage.objectViewer", members: ["group:ml@example.com", "allAuthenticatedUsers"] }),
                resource("gcp:storage/bucketIAMPolicy:BucketIAMPolicy", { bucket: "b", policyData: JSON.stringify({ bindings: [{ role: "roles/storage.admin", members: ["allUsers"] }] }) }),
                resource("gcp:storage/bucketIAMMember:BucketIAMMember", { bucket: "b", role: "roles/storage.objectViewer", member: "serviceAccount:serve@p.iam.gserviceaccount.com" }),
            ),
        ).toEqual(["mandatory:gcs-no-public-iam", "mandatory:gcs-no-public-iam", "mandatory:gcs-no-public-iam"]);
    });

    it("flags bucket and object ACLs with public entities or public predefined ACLs", async () => {
        expect(
            await violated(
                resource("gcp:storage/bucketACL:BucketACL", { bucket: "b", roleEntities: ["READER:allUsers", "OWNER:user-me@example.com"] }),
                resource("gcp:storage/objectACL:ObjectACL", { bucket: "b", object: "o", predefinedAcl: "publicRead" }),
                resource("gcp:storage/objectAccessControl:ObjectAccessControl", { bucket: "b", object: "o", entity: "allAuthenticatedUsers", role: "READER" }),
                resource("gcp:storage/bucketACL:BucketACL", { bucket: "b", roleEntities: ["OWNER:user-me@example.com"] }),
            ),
        ).toEqual(["mandatory:gcs-no-public-acl", "mandatory:gcs-no-public-acl", "mandatory:gcs-no-public-acl"]);
    });
});

describe("Azure public blobs", () => {
    const hardened = { allowBlobPublicAccess: false, allowSharedKeyAccess: false, networkRuleSet: { defaultAction: "Deny" } };

    it("accepts a hardened storage account and a private container", async () => {
        expect(await violated(resource("azure-native:storage:StorageAccount", hardened), resource("azure-native:storage:BlobContainer", { publicAccess: "None" }))).toEqual([]);
    });

    it("flags blob public access that is on or left to the default", async () => {
        expect(await violated(resource("azure-native:storage:StorageAccount", { ...hardened, allowBlobPublicAccess: true }))).toEqual(["mandatory:azure-storage-no-blob-public-access"]);
        expect(await violated(resource("azure-native:storage:StorageAccount", { allowSharedKeyAccess: false, networkRuleSet: { defaultAction: "Deny" } }))).toEqual([
            "mandatory:azure-storage-no-blob-public-access",
        ]);
    });

    it("flags public containers", async () => {
        expect(await violated(resource("azure-native:storage:BlobContainer", { publicAccess: "Container" }), resource("azure-native:storage:BlobContainer", { publicAccess: "Blob" }))).toEqual([
            "mandatory:azure-blob-container-not-public",
            "mandatory:azure-blob-container-not-public",
        ]);
    });

    it("advises a network default of Deny and no shared keys", async () => {
        expect(await violated(resource("azure-native:storage:StorageAccount", { allowBlobPublicAccess: false }))).toEqual([
            "advisory:azure-storage-network-deny-and-no-shared-key",
            "advisory:azure-storage-network-deny-and-no-shared-key",
        ]);
    });
});

describe("public Kubernetes load balancers", () => {
    const service = (annotations: Record<string, string>, spec: Record<string, unknown>) =>
        resource("kubernetes:core/v1:Service", { metadata: { name: "server", annotations }, spec: { type: "LoadBalancer", ports: [{ port: 80 }], ...spec } }, { name: "server" });

    it.each([
        ["internal on GKE", { "networking.gke.io/load-balancer-type": "Internal" }, {}],
        ["internal on GKE (legacy key)", { "cloud.google.com/load-balancer-type": "Internal" }, {}],
        ["internal on AKS", { "service.beta.kubernetes.io/azure-load-balancer-internal": "true" }, {}],
        ["internal on EKS (load balancer controller)", { "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal" }, {}],
        ["internal on EKS (in-tree)", { "service.beta.kubernetes.io/aws-load-balancer-internal": "true" }, {}],
        ["public with source ranges", {}, { loadBalancerSourceRanges: ["203.0.113.0/24", "2001:db8::/32"] }],
        ["public with source ranges in the annotation", { "service.beta.kubernetes.io/load-balancer-source-ranges": "203.0.113.0/24" }, {}],
        ["a ClusterIP Service", {}, { type: "ClusterIP" }],
    ])("accepts a Service %s", async (_what, annotations, spec) => {
        expect(await violated(service(annotations, spec))).toEqual([]);
    });

    it.each([
        ["without source ranges", {}, {}],
        ["with empty source ranges", {}, { loadBalancerSourceRanges: [] }],
        ["open to 0.0.0.0/0", {}, { loadBalancerSourceRanges: ["10.0.0.0/8", "0.0.0.0/0"] }],
        ["open to ::/0", {}, { loadBalancerSourceRanges: ["::/0"] }],
        ["open to every source in the annotation", { "service.beta.kubernetes.io/load-balancer-source-ranges": "0.0.0.0/0" }, {}],
        ["whose internal annotation is off", { "service.beta.kubernetes.io/azure-load-balancer-internal": "false" }, {}],
        ["with an EKS scheme of internet-facing", { "service.beta.kubernetes.io/aws-load-balancer-scheme": "internet-facing" }, {}],
    ])("flags a public Service %s", async (_what, annotations, spec) => {
        const m = await messagesOf("k8s-no-open-load-balancer", service(annotations, spec));
        expect(m).toHaveLength(1);
        expect(m[0]).toMatch(/^Restrict the public load balancer of Service 'server'/);
    });
});

describe("leaked secrets in resource inputs", () => {
    it("flags literal credentials in an ECS container definition, but not secrets.valueFrom", async () => {
        const containerDefinitions = JSON.stringify([
            {
                name: "server",
                environment: [
                    { name: "GITHUB_TOKEN", value: GITHUB_TOKEN },
                    { name: "LOG_LEVEL", value: "info" },
                ],
                secrets: [{ name: "DB_PASSWORD", valueFrom: "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf" }],
            },
        ]);
        const task = resource("aws:ecs/taskDefinition:TaskDefinition", { family: "f", containerDefinitions }, { name: "task" });
        const m = await messagesOf("no-secret-literals", task);
        expect(m).toHaveLength(1);
        expect(m[0]).toMatch(/^Move 'containerDefinitions\[0\]\.environment\[0\]\(GITHUB_TOKEN\)' on 'task' out of plain text/);
        expect(m.join(" ")).not.toContain(GITHUB_TOKEN);
    });

    it("flags SageMaker, Lambda, Cloud Run, Azure container and Azure ML environments", async () => {
        const found = await violated(
            resource("aws:sagemaker/model:Model", { primaryContainer: { environment: { API_TOKEN: "tok-8f3k2m9x7q1w5e6r" } } }),
            resource("aws:lambda/function:Function", { environment: { variables: { STRIPE: STRIPE_KEY } } }),
            resource("gcp:cloudrunv2/service:Service", { template: { containers: [{ envs: [{ name: "CLIENT_SECRET", value: "cs-91xk2m3n4b5v6c7x" }] }] } }),
            resource("azure-native:containerinstance:ContainerGroup", { containers: [{ environmentVariables: [{ name: "ADMIN_PASSWORD", value: "Adm1n-Pa55word-77" }] }] }),
            resource("azure-native:machinelearningservices:OnlineDeployment", { onlineDeploymentProperties: { environmentVariables: { GH: GITHUB_TOKEN } } }),
        );
        expect(found.filter((v) => v === "mandatory:no-secret-literals")).toHaveLength(5);
    });

    it("accepts references: secretKeyRef, secureValue, Key Vault and Secret Manager names, ARNs", async () => {
        expect(
            await violated(
                resource("kubernetes:apps/v1:Deployment", {
                    spec: { template: { spec: { containers: [{ env: [{ name: "API_TOKEN", valueFrom: { secretKeyRef: { name: "s", key: "token" } } }, { name: "MAX_TOKENS", value: "4096" }] }] } } },
                }),
                resource("azure-native:containerinstance:ContainerGroup", { containers: [{ environmentVariables: [{ name: "DB_PASSWORD", secureValue: "whatever-it-is" }] }] }),
                resource("aws:sagemaker/model:Model", { primaryContainer: { environment: { SECRET_HF_TOKEN_ARN: "arn:aws:secretsmanager:us-east-1:123456789012:secret:hf-AbCdEf" } } }),
            ),
        ).toEqual([]);
    });

    it("flags literal Kubernetes env values and ConfigMap data", async () => {
        const found = await violated(
            resource("kubernetes:apps/v1:Deployment", { spec: { template: { spec: { containers: [{ env: [{ name: "DB_PASSWORD", value: "plain-text-pass-99" }] }] } } } }),
            resource("kubernetes:core/v1:ConfigMap", { data: { "settings.token": GITHUB_TOKEN } }),
        );
        expect(found.filter((v) => v === "mandatory:no-secret-literals")).toHaveLength(2);
    });

    it("flags credentials in tags, labels and annotations", async () => {
        const found = await violated(
            resource("aws:sagemaker/endpoint:Endpoint", { tags: { deployKey: GITHUB_TOKEN } }),
            resource("kubernetes:core/v1:Service", { metadata: { annotations: { "ci/token": GITHUB_TOKEN }, labels: { app: "server" } } }),
        );
        expect(found.filter((v) => v === "mandatory:no-secret-literals")).toHaveLength(2);
    });

    it("flags credentials in user data (plain or base64) and startup scripts", async () => {
        const script = `#!/bin/bash\nexport DB_PASSWORD=hunter2-is-long-enough\necho ok\n`;
        const found = await violated(
            resource("aws:ec2/instance:Instance", { userData: script }),
            resource("aws:ec2/launchTemplate:LaunchTemplate", { userData: Buffer.from(`#!/bin/bash\ncurl -H "Authorization: token ${GITHUB_TOKEN}" x\n`).toString("base64") }),
            resource("gcp:compute/instance:Instance", { metadataStartupScript: "#!/bin/bash\necho starting\n" }),
        );
        expect(found.filter((v) => v === "mandatory:no-secret-literals")).toHaveLength(2);
    });

    it("only advises on random-looking values of no known format", async () => {
        const found = await violated(resource("aws:lambda/function:Function", { environment: { variables: { SIGNING_SEED: "q8Zr3Lx0Vb7Nw2Kp5Ts9Yh4Jd6Fg1Cm" } } }));
        expect(found).toEqual(["advisory:no-high-entropy-literals"]);
    });
});
