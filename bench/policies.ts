import { evaluatePolicies } from "../offline/evaluatePolicies";
import type { RecordedResource } from "../offline/recorder";
import { POLICIES } from "../policies/rules";

const OPTIONS = { protect: false, dependsOn: [], deleteBeforeReplace: false, retainOnDelete: false, ignoreChanges: [] };

/** A stack of n resources in the mix a real multi-cloud program has, every one of them compliant. */
export function syntheticStack(n: number): RecordedResource[] {
    const resources: RecordedResource[] = [];
    const add = (type: string, name: string, inputs: Record<string, unknown>, propertyDependencies: Record<string, string[]> = {}) => {
        const urn = `urn:pulumi:bench::p::${type}::${name}`;
        resources.push({ urn, type, name, custom: true, inputs, secretInputs: [], propertyDependencies, options: OPTIONS, outputs: {}, secretOutputs: [] });
        return urn;
    };
    for (let i = 0; resources.length < n; i++) {
        const bucket = add("aws:s3/bucket:Bucket", `bucket-${i}`, { tags: { team: "ml", index: String(i) } });
        add("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", `block-${i}`, { bucket: `bucket-${i}`, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true }, { bucket: [bucket] });
        add("aws:lambda/function:Function", `fn-${i}`, { environment: { variables: { LOG_LEVEL: "info", TABLE_ARN: `arn:aws:dynamodb:us-east-1:123456789012:table/t${i}` } } });
        add("aws:ecs/taskDefinition:TaskDefinition", `task-${i}`, {
            containerDefinitions: JSON.stringify([{ name: "app", image: `123456789012.dkr.ecr.us-east-1.amazonaws.com/app@sha256:${"ab".repeat(32)}`, environment: [{ name: "PORT", value: "8080" }], secrets: [{ name: "DB_PASSWORD", valueFrom: "arn:aws:secretsmanager:us-east-1:123456789012:secret:db" }] }]),
        });
        add("gcp:storage/bucket:Bucket", `gcs-${i}`, { uniformBucketLevelAccess: true, publicAccessPrevention: "enforced", labels: { team: "ml" } });
        add("kubernetes:apps/v1:Deployment", `deploy-${i}`, { metadata: { labels: { app: "server" } }, spec: { template: { spec: { containers: [{ name: "s", env: [{ name: "MODEL_URI", value: `gs://models/${i}/` }] }] } } } });
        add("azure-native:storage:StorageAccount", `sa${i}`, { allowBlobPublicAccess: false, allowSharedKeyAccess: false, networkRuleSet: { defaultAction: "Deny" } });
        add("azure-native:storage:BlobContainer", `c${i}`, { publicAccess: "None" });
    }
    return resources.slice(0, n);
}

async function timeEvaluation(n: number): Promise<{ ms: number; heapMiB: number; violations: number }> {
    const stack = syntheticStack(n);
    global.gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    const start = process.hrtime.bigint();
    const violations = await evaluatePolicies(POLICIES, stack);
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    return { ms, heapMiB: (process.memoryUsage().heapUsed - heapBefore) / 1048576, violations: violations.length };
}

export async function policyBench(): Promise<string> {
    const rows: { n: number; ms: number; heapMiB: number; violations: number }[] = [];
    for (const n of [1000, 5000, 10000]) {
        await timeEvaluation(n); // warm-up
        rows.push({ n, ...(await timeEvaluation(n)) });
    }
    const per = (r: (typeof rows)[number]) => (r.ms / r.n) * 1000;
    return [
        "Policy pack over a synthetic stack (all rules, offline evaluator):",
        ...rows.map((r) => `  ${String(r.n).padStart(6)} resources: ${r.ms.toFixed(0).padStart(5)} ms (${per(r).toFixed(1)} us/resource), heap +${r.heapMiB.toFixed(0)} MiB, ${r.violations} violations`),
        `  10,000 resources under 2 s: ${rows[2]!.ms < 2000 ? "yes" : "NO"}; us/resource at 10k vs 1k: ${(per(rows[2]!) / per(rows[0]!)).toFixed(2)}x (1.0 = linear)`,
    ].join("\n");
}
