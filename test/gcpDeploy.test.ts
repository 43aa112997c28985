import { beforeAll, describe, expect, it } from "vitest";
import { gcpRule } from "../components/cloudRules/gcp";
import { MODEL_NAME_MAX_LENGTH } from "../components/validate";
import { checkContracts } from "../offline/contractCheck";
import type { PlanDocument } from "../offline/engine";
import { budgetDisplayName } from "../providers/gcp/budget";
import { artifactRegionProblem } from "../providers/gcp/vertexAgent";
import { byName, ofType, one, planJson, runPlanCli } from "./helpers/plan";

// Issue 16: what Google Cloud refuses or breaks that the mocks accept.
const LONGEST = "longest-model-name-the-validator-accepts";
const PLAN_TIMEOUT_MS = 120_000;
const gcp = (runtime: string, ...extra: string[]) => ["--config", "cloud=gcp", "--config", `runtime=${runtime}`, ...extra.flatMap((e) => ["--config", e])];
const BUDGET = ["monthlyBudgetUsd=100", "gcpBillingAccount=01A2B3-C4D5E6-F7A8B9"];

describe("names Google Cloud accepts for the longest model name (item 1)", () => {
    let vertex: PlanDocument;
    let gke: PlanDocument;
    beforeAll(() => {
        expect(LONGEST).toHaveLength(MODEL_NAME_MAX_LENGTH);
        vertex = planJson(["--stack", "prod", ...gcp("vertex", `modelName=${LONGEST}`, "rollout=canary", ...BUDGET, 'budgetEmails=["a@example.com"]', 'secrets=["hfToken"]'), "--secret", "hfToken=offline-value-1234567"]).doc;
        gke = planJson(["--stack", "prod", ...gcp("gke", `modelName=${LONGEST}`)]).doc;
    }, PLAN_TIMEOUT_MS);

    it("plans without a contract breach on either runtime", () => {
        for (const doc of [vertex, gke]) {
            expect(doc.errors).toEqual([]);
            expect(doc.contract).toEqual([]);
        }
    });

    it("sends the autonamed endpoint id, letter first and at most 63 characters, and the mock invents no numeric id", () => {
        const endpoint = one(vertex, "gcp:vertex/aiEndpoint:AiEndpoint");
        const id = endpoint.outputs.name as string;
        expect(id).toMatch(/^[a-z][a-z0-9-]*-[0-9a-f]{7}$/);
        expect(id.length).toBeLessThanOrEqual(63);
        expect(endpoint.id).toBe(`projects/my-ml-project-prod/locations/us-central1/endpoints/${id}`);
        // The logical name the runtime used before (`<service>-vertex-endpoint`) overflows: the table says so.
        const before = { ...endpoint, name: `${LONGEST}-vertex-endpoint`, inputs: { ...endpoint.inputs, name: `${LONGEST}-vertex-endpoint-1a2b3c4` } };
        expect(checkContracts([before]).map((b) => b.rule)).toEqual(expect.arrayContaining(["autoname:gcp:vertex/aiEndpoint:AiEndpoint", "gcp.vertex.endpoint.id"]));
    });

    it("keeps the bucket within 3-63 characters and the budget's display name within 60", () => {
        const bucket = one(vertex, "gcp:storage/bucket:Bucket").outputs.name as string;
        expect(bucket.length).toBeLessThanOrEqual(63);
        const budget = one(vertex, "gcp:billing/budget:Budget").inputs as any;
        expect(budget.displayName.length).toBeLessThanOrEqual(60);
        // "model-service <40 characters> (prod)" has 61.
        expect(`model-service ${LONGEST} (prod)`).toHaveLength(61);
        expect(budgetDisplayName(LONGEST, "prod")).toHaveLength(60);
        expect(budgetDisplayName("iris", "dev")).toBe("model-service iris (dev)");
    });
});

describe("budgets (items 2 and 3)", () => {
    let doc: PlanDocument;
    beforeAll(() => {
        doc = planJson(["--stack", "dev", ...gcp("vertex", ...BUDGET, 'budgetEmails=["a@example.com","b@example.com"]')]).doc;
    }, PLAN_TIMEOUT_MS);

    it("enables the Billing Budgets API and creates the budget through a provider with a quota project", () => {
        expect(ofType(doc, "gcp:projects/service:Service").map((s) => s.inputs.service)).toContain("billingbudgets.googleapis.com");
        const budget = one(doc, "gcp:billing/budget:Budget");
        const billing = ofType(doc, "pulumi:providers:gcp").find((p) => budget.options.provider?.startsWith(`${p.urn}::`));
        expect(billing?.inputs).toMatchObject({ billingProject: "my-ml-project-dev", userProjectOverride: "true" });
        const api = byName(doc, "gcp:projects/service:Service", "iris-gcp-api-billingbudgets");
        expect(budget.options.dependsOn).toContain(api.urn);
    });

    it("refuses more budget emails than a budget takes channels, naming the key", () => {
        const emails = JSON.stringify(Array.from({ length: 6 }, (_, i) => `p${i}@example.com`));
        const { code, doc: refused } = planJson(["--stack", "dev", ...gcp("vertex", ...BUDGET, `budgetEmails=${emails}`)]);
        expect(code).toBe(2);
        expect(refused.errors.join("\n")).toMatch(/model-service:budgetEmails = "6 addresses": are more than the 5 notification channels/);
        expect((gcpRule("gcp.billing.budget.channels").check as { max: number }).max).toBe(5);
    });
});

describe("validation on Google Cloud (items 4 and 7)", () => {
    it("refuses a model name that puts google in the bucket name", () => {
        for (const name of ["google-ranker", "goog-model", "my-g00gle-model"]) {
            const { code, doc } = planJson(["--stack", "dev", ...gcp("vertex", `modelName=${name}`)]);
            expect(code, name).toBe(2);
            expect(doc.errors.join("\n")).toContain(`model-service:modelName = "${name}"`);
        }
        // Only on gcp: the name is fine elsewhere.
        expect(planJson(["--stack", "dev", "--config", "modelName=google-ranker"]).code).toBe(0);
    });

    it("refuses an image outside Google's registries on vertex and on gke, and takes Artifact Registry and Container Registry", () => {
        for (const runtime of ["vertex", "gke"]) {
            const { code, doc } = planJson(["--stack", "dev", ...gcp(runtime, "image=ghcr.io/acme/model:1")]);
            expect(code, runtime).toBe(2);
            expect(doc.errors.join("\n")).toMatch(/model-service:image = "ghcr\.io\/acme\/model:1": is not in Artifact Registry or Container Registry/);
        }
        expect(planJson(["--stack", "dev", ...gcp("gke", "image=gcr.io/my-ml-project-dev/model:1")]).code).toBe(0);
        expect(planJson(["--stack", "dev", ...gcp("vertex", "image=europe-docker.pkg.dev/my-ml-project-dev/serving/model:1")]).code).toBe(0);
    });
});

describe("what both runtimes stand on (item 5)", () => {
    let vertex: PlanDocument;
    let gke: PlanDocument;
    let other: PlanDocument;
    const secret = ["--config", 'secrets=["hfToken"]', "--secret", "hfToken=offline-value-1234567"];
    beforeAll(() => {
        vertex = planJson(["--stack", "dev", ...gcp("vertex"), ...secret]).doc;
        gke = planJson(["--stack", "dev", ...gcp("gke"), ...secret]).doc;
        other = planJson(["--stack", "prod", ...gcp("vertex", "gcp:project=my-ml-project-dev"), ...secret]).doc;
    }, PLAN_TIMEOUT_MS);

    const ids = (doc: PlanDocument) => ({
        account: byName(doc, "gcp:serviceaccount/account:Account", "iris-gcp-serving-sa").inputs.accountId,
        repository: one(doc, "gcp:artifactregistry/repository:Repository").inputs.repositoryId,
        secret: one(doc, "gcp:secretmanager/secret:Secret").inputs.secretId,
        urns: ["gcp:serviceaccount/account:Account", "gcp:artifactregistry/repository:Repository", "gcp:secretmanager/secret:Secret", "gcp:storage/bucket:Bucket", "gcp:logging/projectBucketConfig:ProjectBucketConfig", "gcp:compute/network:Network"].map(
            (t) => ofType(doc, t).filter((r) => !r.name.includes("nodes"))[0]!.urn,
        ),
    });

    it("keeps the service account, repository and secret ids and URNs when the runtime switches", () => {
        expect(ids(gke)).toEqual(ids(vertex));
        // Under the ModelService, not under the runtime.
        for (const urn of ids(vertex).urns) expect(urn).toMatch(/::model-service:index:ModelService\$gcp:/);
    });

    it("gives another stack in the same project other ids", () => {
        const [mine, theirs] = [ids(vertex), ids(other)];
        expect(theirs.account).not.toBe(mine.account);
        expect(theirs.repository).not.toBe(mine.repository);
        expect(theirs.secret).not.toBe(mine.secret);
    });
});

describe("GKE nodes, network and credentials (items 6, 9, 10)", () => {
    let doc: PlanDocument;
    beforeAll(() => {
        doc = planJson(["--stack", "dev", ...gcp("gke")]).doc;
    }, PLAN_TIMEOUT_MS);

    it("authenticates the Kubernetes provider with application default credentials", () => {
        const kubeconfig = JSON.parse(String(one(doc, "pulumi:providers:kubernetes").inputs.kubeconfig));
        expect(kubeconfig.users[0].user.exec).toMatchObject({ command: "gke-gcloud-auth-plugin", args: ["--use_application_default_credentials"] });
    });

    it("puts the cluster on the service's own network and subnet, VPC-native with named ranges, never the default network", () => {
        const network = one(doc, "gcp:compute/network:Network");
        const subnet = one(doc, "gcp:compute/subnetwork:Subnetwork");
        expect(network.inputs).toMatchObject({ autoCreateSubnetworks: false });
        expect(subnet.inputs).toMatchObject({ network: network.id, region: "us-central1", privateIpGoogleAccess: true, ipCidrRange: "10.10.0.0/20" });
        expect(one(doc, "gcp:container/cluster:Cluster").inputs).toMatchObject({
            network: network.id,
            subnetwork: subnet.id,
            ipAllocationPolicy: { clusterSecondaryRangeName: "pods", servicesSecondaryRangeName: "services" },
        });
    });

    it("runs the nodes as their own service account with the node role and read on the image repository, granted before the cluster", () => {
        const nodes = byName(doc, "gcp:serviceaccount/account:Account", "iris-gke-nodes-sa");
        const member = `serviceAccount:${nodes.outputs.email}`;
        const cluster = one(doc, "gcp:container/cluster:Cluster");
        expect((cluster.inputs as any).clusterAutoscaling.autoProvisioningDefaults.serviceAccount).toBe(nodes.outputs.email);
        const role = one(doc, "gcp:projects/iAMMember:IAMMember");
        expect(role.inputs).toMatchObject({ project: "my-ml-project-dev", role: "roles/container.defaultNodeServiceAccount", member });
        const pull = byName(doc, "gcp:artifactregistry/repositoryIamMember:RepositoryIamMember", "iris-gke-nodes-pull");
        expect(pull.inputs).toMatchObject({ role: "roles/artifactregistry.reader", member, repository: one(doc, "gcp:artifactregistry/repository:Repository").inputs.repositoryId });
        expect(cluster.options.dependsOn).toEqual(expect.arrayContaining([role.urn, pull.urn]));
    });
});

describe("registry cleanup and logs (items 12 and 14)", () => {
    let doc: PlanDocument;
    beforeAll(() => {
        doc = planJson(["--stack", "dev", ...gcp("vertex")]).doc;
    }, PLAN_TIMEOUT_MS);

    it("deletes old images past the newest it keeps", () => {
        const repo = one(doc, "gcp:artifactregistry/repository:Repository").inputs as any;
        expect(repo.cleanupPolicyDryRun).toBe(false);
        expect(repo.cleanupPolicies).toEqual([
            { id: "keep-newest", action: "KEEP", mostRecentVersions: { keepCount: 20 } },
            { id: "delete-old", action: "DELETE", condition: { tagState: "ANY", olderThan: "2592000s" } },
        ]);
    });

    it("keeps the endpoint's logs logRetentionDays in the service's log bucket, and out of _Default", () => {
        const bucket = one(doc, "gcp:logging/projectBucketConfig:ProjectBucketConfig");
        expect(bucket.inputs).toMatchObject({ retentionDays: 7, location: "global" });
        const endpointId = one(doc, "gcp:vertex/aiEndpoint:AiEndpoint").outputs.name;
        const filter = `resource.type="aiplatform.googleapis.com/Endpoint" AND resource.labels.endpoint_id="${endpointId}"`;
        expect(one(doc, "gcp:logging/projectSink:ProjectSink").inputs).toMatchObject({ destination: `logging.googleapis.com/${bucket.id}`, filter });
        expect(one(doc, "gcp:logging/projectExclusion:ProjectExclusion").inputs).toMatchObject({ filter });
    });

    it("refuses a retention Cloud Logging does not offer", () => {
        const { code, doc: refused } = planJson(["--stack", "dev", ...gcp("vertex", "logRetentionDays=4000")]);
        expect(code).toBe(1);
        expect(refused.contract.map((b) => b.rule)).toEqual(["gcp.logging.bucket.retentionDays"]);
    });
});

describe("an existing artifact or an image in another project on vertex (item 8)", () => {
    let doc: PlanDocument;
    beforeAll(() => {
        doc = planJson(["--stack", "dev", ...gcp("vertex", "modelArtifact=gs://shared-models/iris/1/", "image=europe-docker.pkg.dev/other-project/serving/iris:1")]).doc;
    }, PLAN_TIMEOUT_MS);

    it("lets the Vertex AI service agent, which runs the upload, read the model prefix and pull the image, before the upload", () => {
        expect(doc.errors).toEqual([]);
        const agent = one(doc, "gcp:projects/serviceIdentity:ServiceIdentity");
        expect(agent.inputs).toMatchObject({ project: "my-ml-project-dev", service: "aiplatform.googleapis.com" });
        const member = agent.outputs.member;
        expect(byName(doc, "gcp:storage/bucketIAMMember:BucketIAMMember", "iris-vertex-agent-read-model").inputs).toMatchObject({
            bucket: "shared-models",
            role: "roles/storage.objectViewer",
            member,
            condition: { expression: 'resource.name.startsWith("projects/_/buckets/shared-models/objects/iris/1/")' },
        });
        const pull = byName(doc, "gcp:artifactregistry/repositoryIamMember:RepositoryIamMember", "iris-vertex-agent-pull-image");
        expect(pull.inputs).toMatchObject({ project: "other-project", location: "europe", repository: "serving", role: "roles/artifactregistry.reader", member });
        expect(one(doc, "pulumi-nodejs:dynamic:Resource").options.dependsOn).toEqual(expect.arrayContaining([pull.urn]));
    });

    it("grants nothing for the stack's own bucket and Google's public prediction images", () => {
        const own = planJson(["--stack", "dev", ...gcp("vertex", "image=us-docker.pkg.dev/vertex-ai/prediction/sklearn-cpu.1-3:latest")]).doc;
        expect(ofType(own, "gcp:projects/serviceIdentity:ServiceIdentity")).toEqual([]);
    });

    it("refuses, before the upload, a bucket outside the endpoint's region", () => {
        expect(artifactRegionProblem("shared-models", "US-CENTRAL1", "us-central1")).toBeUndefined();
        expect(artifactRegionProblem("shared-models", "EU", "us-central1")).toMatch(/^model-service:modelArtifact: bucket shared-models is in EU, but the Vertex AI endpoint is in us-central1.*Fix: copy the artifact/);
    });
});

describe("quota during a Vertex AI rollout (item 15)", () => {
    it("says in the plan's rollout section that old and new deployed models reserve their maxReplicas at once", () => {
        const run = runPlanCli(["--stack", "prod", ...gcp("vertex", "rollout=canary")]);
        expect(run.stdout).toMatch(/iris-vertex-deployment: Vertex AI canary .*; quota for 12 e2-standard-4 replicas while the old and new models are both deployed/);
    });
});
