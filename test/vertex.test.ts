import { beforeAll, describe, expect, it } from "vitest";
import type { PlanDocument } from "../offline/engine";
import { ofType, one, planJson } from "./helpers/plan";

const IMAGE = "us-docker.pkg.dev/vertex-ai/prediction/sklearn-cpu.1-3:latest";
const DYNAMIC = "pulumi-nodejs:dynamic:Resource";

describe("Vertex AI on the dev stack (the cloud's default runtime)", () => {
    let doc: PlanDocument;
    let code: number | null;
    beforeAll(() => {
        ({ doc, code } = planJson(["--stack", "dev", "--config", "cloud=gcp", "--config", `image=${IMAGE}`]));
    });

    it("plans cleanly with vertex as the default runtime of gcp", () => {
        expect(doc.errors).toEqual([]);
        expect(code).toBe(0);
        expect(doc.violations).toEqual([]);
        expect(doc.outputs).toMatchObject({ cloud: "gcp", runtime: "vertex", region: "us-central1" });
    });

    it("creates a Private Service Connect endpoint allow-listed to the project, IAM-authorized, with its consumer side in the service's network (issue 16 item 11)", () => {
        const network = one(doc, "gcp:compute/network:Network");
        const endpoint = one(doc, "gcp:vertex/aiEndpoint:AiEndpoint");
        expect(endpoint.inputs).toMatchObject({
            location: "us-central1",
            project: "my-ml-project-dev",
            privateServiceConnectConfig: {
                enablePrivateServiceConnect: true,
                projectAllowlists: ["my-ml-project-dev"],
                enableSecurePrivateServiceConnect: true,
                pscAutomationConfigs: [{ projectId: "my-ml-project-dev", network: network.id }],
            },
        });
        // PSC automation creates the forwarding rule through a service connection policy on the subnet.
        const policy = one(doc, "gcp:networkconnectivity/serviceConnectionPolicy:ServiceConnectionPolicy");
        expect(policy.inputs).toMatchObject({ network: network.id, location: "us-central1", serviceClass: "gcp-vertexai", pscConfig: { subnetworks: [one(doc, "gcp:compute/subnetwork:Subnetwork").id] } });
        expect(endpoint.options.dependsOn).toContain(policy.urn);
        expect(ofType(doc, "gcp:projects/service:Service").map((s) => s.inputs.service)).toContain("networkconnectivity.googleapis.com");
        expect(doc.outputs.invoke).toMatchObject({ auth: "gcp-oauth", reachability: "private-network" });
        // The URL that works: the forwarding rule's address the deployment read back, not the shared regional host.
        const address = one(doc, DYNAMIC).outputs.privateAddress;
        expect(address).toMatch(/^10\.10\.0\.\d+$/);
        expect(one(doc, DYNAMIC).inputs.privateServiceConnect).toBe(true);
        expect(doc.outputs.endpointUrl).toBe(`http://${address}/v1/${endpoint.id}:predict`);
    });

    it("uploads and deploys the model through the dynamic provider with dedicated, autoscaled resources", () => {
        const deployment = one(doc, DYNAMIC);
        const sa = one(doc, "gcp:serviceaccount/account:Account");
        expect(deployment.inputs).toMatchObject({
            project: "my-ml-project-dev",
            region: "us-central1",
            endpointName: one(doc, "gcp:vertex/aiEndpoint:AiEndpoint").id,
            artifactUri: doc.outputs.artifactUri,
            imageUri: IMAGE,
            port: 8080,
            healthRoute: "/ping",
            predictRoute: "/invocations",
            machineType: "e2-standard-2",
            minReplicas: 1,
            maxReplicas: 2,
            targetCpuUtilization: 60,
            // Vertex AI scales on requests per replica too (prediction/online/request_count), not on CPU alone.
            targetRequestsPerMinute: 600,
            serviceAccount: sa.outputs.email,
            trafficPercent: 100,
        });
        expect(deployment.inputs.acceleratorType).toBeUndefined();
        expect(deployment.inputs.__provider).toMatch(/^<serialized dynamic provider, \d+ characters>$/);
        expect(deployment.inputs.env).toEqual(expect.arrayContaining([{ name: "MODEL_NAME", value: "iris" }]));
        const grants = doc.resources.filter((r) => r.type === "gcp:storage/bucketIAMMember:BucketIAMMember").map((r) => r.urn);
        for (const urn of grants) expect(deployment.options.dependsOn).toContain(urn);
    });
});

describe("Vertex AI alerts", () => {
    it("watches the endpoint's errors, p99 latency and serving replicas, mailing the alarm recipients", () => {
        const { doc } = planJson(["--stack", "dev", "--config", "cloud=gcp", "--config", `image=${IMAGE}`, "--config", 'alarmEmails=["oncall@example.com"]', "--config", "alarmLatencyP99Ms=300"]);
        const endpointId = one(doc, "gcp:vertex/aiEndpoint:AiEndpoint").outputs.name;
        const channel = one(doc, "gcp:monitoring/notificationChannel:NotificationChannel");
        const policies = doc.resources.filter((r) => r.type === "gcp:monitoring/alertPolicy:AlertPolicy").map((r) => r.inputs as any);
        expect(policies.map((p) => p.conditions[0].conditionThreshold.filter.match(/metric\.type = "([^"]+)"/)[1]).sort()).toEqual([
            "aiplatform.googleapis.com/prediction/online/error_count",
            "aiplatform.googleapis.com/prediction/online/prediction_latencies",
            "aiplatform.googleapis.com/prediction/online/replicas",
        ]);
        for (const p of policies) {
            expect(p.conditions[0].conditionThreshold.filter).toContain(`resource.labels.endpoint_id = "${endpointId}"`);
            expect(p.notificationChannels).toEqual([channel.id]);
        }
        expect(policies.find((p) => p.conditions[0].conditionThreshold.aggregations[0].perSeriesAligner === "ALIGN_PERCENTILE_99").conditions[0].conditionThreshold.thresholdValue).toBe(300);
    });
});

describe("Vertex AI public, on a GPU, with a secret", () => {
    let doc: PlanDocument;
    const secretValue = "offline-vertex-secret-value-12";
    beforeAll(() => {
        doc = planJson(["--stack", "prod", "--config", "cloud=gcp", "--config", `image=${IMAGE}`, "--config", "public=true", "--config", "gpu=t4", "--config", 'secrets=["hfToken"]', "--secret", `hfToken=${secretValue}`]).doc;
    });

    it("uses a standard (IAM-authenticated) endpoint when public", () => {
        expect(doc.violations).toEqual([]);
        expect(one(doc, "gcp:vertex/aiEndpoint:AiEndpoint").inputs.privateServiceConnectConfig).toBeUndefined();
        expect(doc.outputs.invoke).toMatchObject({ auth: "gcp-oauth", reachability: "internet" });
    });

    it("maps the T4 to its machine type and accelerator, and prod's replicas", () => {
        expect(one(doc, DYNAMIC).inputs).toMatchObject({ machineType: "n1-standard-4", acceleratorType: "NVIDIA_TESLA_T4", acceleratorCount: 1, minReplicas: 2, maxReplicas: 6 });
    });

    it("hands the container the secret's Secret Manager name, never its value", () => {
        const secret = one(doc, "gcp:secretmanager/secret:Secret");
        expect(one(doc, DYNAMIC).inputs.env).toEqual(expect.arrayContaining([{ name: "SECRET_HF_TOKEN_REF", value: `${secret.id}/versions/latest` }]));
        expect(JSON.stringify(doc.resources.filter((r) => r.type !== "gcp:secretmanager/secretVersion:SecretVersion"))).not.toContain(secretValue);
    });
});

describe("Vertex AI rollouts", () => {
    it("passes a canary's step, bake and the alarms' thresholds to the deployment, which rolls out beside the old model", () => {
        const { doc, code } = planJson(["--stack", "dev", "--config", "cloud=gcp", "--config", `image=${IMAGE}`, "--config", "rollout=canary", "--config", "rolloutStepPercent=20", "--config", "rolloutBakeMinutes=5", "--config", "alarmLatencyP99Ms=400"]);
        expect(doc.errors).toEqual([]);
        expect(code).toBe(0);
        expect(one(doc, DYNAMIC).inputs).toMatchObject({ rolloutStrategy: "canary", rolloutStepPercent: 20, rolloutBakeMinutes: 5, rollbackErrorThreshold: 5, rollbackLatencyP99Ms: 400 });
        // The bake reads Cloud Monitoring, so its API is enabled beside Vertex AI's.
        expect(doc.resources.filter((r) => r.type === "gcp:projects/service:Service").map((r) => r.inputs.service)).toEqual(expect.arrayContaining(["aiplatform.googleapis.com", "monitoring.googleapis.com"]));
    });

    it("takes linear, and keeps allAtOnce (a replacement) as the default", () => {
        const linear = planJson(["--stack", "prod", "--config", "cloud=gcp", "--config", `image=${IMAGE}`, "--config", "rollout=linear", "--config", "rolloutStepPercent=25"]).doc;
        expect(linear.errors).toEqual([]);
        expect(one(linear, DYNAMIC).inputs).toMatchObject({ rolloutStrategy: "linear", rolloutStepPercent: 25, rolloutBakeMinutes: 10 });
        const plain = planJson(["--stack", "dev", "--config", "cloud=gcp", "--config", `image=${IMAGE}`]).doc;
        expect(one(plain, DYNAMIC).inputs).toMatchObject({ rolloutStrategy: "allAtOnce", rollbackLatencyP99Ms: 1000 });
    });

    it("still refuses a step the rollout cannot take, naming the key", () => {
        const { doc } = planJson(["--stack", "dev", "--config", "cloud=gcp", "--config", `image=${IMAGE}`, "--config", "rollout=linear", "--config", "rolloutStepPercent=75"]);
        expect(doc.errors.join("\n")).toContain("rolloutStepPercent");
        expect(doc.resources.filter((r) => r.type === DYNAMIC)).toEqual([]);
    });
});

describe("Vertex AI validation", () => {
    it("keeps one replica at least and refuses a GPU Google Cloud does not offer", () => {
        const zero = planJson(["--stack", "dev", "--config", "cloud=gcp", "--config", `image=${IMAGE}`, "--config", "minReplicas=0"]);
        expect(zero.doc.errors.join("\n")).toContain("must be a whole number of at least 1 on vertex");
        const a10g = planJson(["--stack", "dev", "--config", "cloud=gcp", "--config", `image=${IMAGE}`, "--config", "gpu=a10g"]);
        expect(a10g.doc.errors.join("\n")).toContain('gpu = "a10g": is not offered on gcp');
    });
});
