import * as pulumi from "@pulumi/pulumi";
import { beforeEach, describe, expect, it } from "vitest";
import { VertexModelDeployment, createVertexDeploymentProvider, vertexDeploymentProvider } from "../providers/gcp/vertexDeployment";
import { CPU_METRIC, ENDPOINT, FakeVertex, PROJECT, REGION, TOKEN, apiError } from "./helpers/fakeVertex";
import { serveDuringTests } from "./helpers/loopbackServer";
import { loadSerializedProvider, serializeProvider } from "./helpers/serializedProvider";
import { mockDynamicResources, outputValue } from "./helpers/unitMocks";
import { virtualClock } from "./helpers/virtualClock";

const fake = new FakeVertex();
const clock = virtualClock();
const provider = createVertexDeploymentProvider({ getAccessToken: async () => TOKEN, backoffMs: 5, clock });

function inputs(overrides: Record<string, unknown> = {}): Record<string, any> {
    return {
        project: PROJECT,
        region: REGION,
        endpointName: ENDPOINT,
        displayName: "iris-classifier",
        artifactUri: "gs://demo-models/iris/v3/",
        imageUri: "us-docker.pkg.dev/demo-project/serving/iris:3",
        port: 8080,
        healthRoute: "/health",
        predictRoute: "/predict",
        env: [
            { name: "MODEL_NAME", value: "iris" },
            { name: "LOG_LEVEL", value: "info" },
        ],
        machineType: "n1-standard-4",
        minReplicas: 1,
        maxReplicas: 3,
        serviceAccount: `serving@${PROJECT}.iam.gserviceaccount.com`,
        apiEndpoint: fake.url,
        ...overrides,
    };
}

async function created(overrides: Record<string, unknown> = {}): Promise<{ id: string; outs: Record<string, any> }> {
    const result = await provider.create(inputs(overrides));
    fake.requests.length = 0;
    return { id: result.id, outs: result.outs as Record<string, any> };
}

const diff = (olds: Record<string, unknown>, news: Record<string, unknown>) => provider.diff!("id", olds, news);

serveDuringTests(fake);

describe("create", { timeout: 10_000 }, () => {
    it("uploads the model, polls the operation, deploys it with all traffic, and returns the ids", async () => {
        const result = await provider.create(inputs());
        const deployedModelId = fake.endpoints.get(ENDPOINT)!.deployedModels[0]!.id;
        const modelName = [...fake.models.keys()][0]!;

        expect(result.id).toBe(`${ENDPOINT}/deployedModels/${deployedModelId}`);
        expect(result.outs).toEqual({ ...inputs(), modelName, deployedModelId });
        expect(Object.values(result.outs as object)).not.toContain(undefined);

        expect(fake.calls()).toEqual([
            `POST projects/${PROJECT}/locations/${REGION}/models:upload`,
            expect.stringMatching(/^GET .*\/models\/\d+\/operations\/\d+$/),
            expect.stringMatching(/^GET .*\/models\/\d+\/operations\/\d+$/),
            `POST ${ENDPOINT}:deployModel`,
            expect.stringMatching(/^GET .*\/endpoints\/4242\/operations\/\d+$/),
            expect.stringMatching(/^GET .*\/endpoints\/4242\/operations\/\d+$/),
        ]);
        expect(fake.bodiesOf("POST", /models:upload$/)).toEqual([
            {
                model: {
                    displayName: "iris-classifier",
                    artifactUri: "gs://demo-models/iris/v3/",
                    containerSpec: {
                        imageUri: "us-docker.pkg.dev/demo-project/serving/iris:3",
                        env: [
                            { name: "MODEL_NAME", value: "iris" },
                            { name: "LOG_LEVEL", value: "info" },
                        ],
                        ports: [{ containerPort: 8080 }],
                        predictRoute: "/predict",
                        healthRoute: "/health",
                    },
                },
            },
        ]);
        expect(fake.bodiesOf("POST", /:deployModel$/)).toEqual([
            {
                deployedModel: {
                    model: modelName,
                    displayName: "iris-classifier",
                    serviceAccount: `serving@${PROJECT}.iam.gserviceaccount.com`,
                    dedicatedResources: {
                        machineSpec: { machineType: "n1-standard-4" },
                        minReplicaCount: 1,
                        maxReplicaCount: 3,
                        autoscalingMetricSpecs: [{ metricName: CPU_METRIC, target: 60 }],
                    },
                },
                trafficSplit: { "0": 100 },
            },
        ]);
        for (const r of fake.requests) {
            expect(r.headers.authorization).toBe("Bearer test-token");
            if (r.method === "POST") expect(r.headers["content-type"]).toBe("application/json");
        }
        expect(fake.endpoints.get(ENDPOINT)!.trafficSplit).toEqual({ [deployedModelId]: 100 });
    });

    it("sends accelerators and the CPU target, and keeps the rest of the traffic on the models already serving", async () => {
        fake.seedDeployedModel("111", 60);
        fake.seedDeployedModel("222", 40);
        fake.seedDeployedModel("333", 0);
        await provider.create(
            inputs({ machineType: "n1-standard-8", acceleratorType: "NVIDIA_TESLA_T4", acceleratorCount: 2, targetCpuUtilization: 75, trafficPercent: 50 }),
        );
        const calls = fake.calls();
        expect(calls.indexOf(`GET ${ENDPOINT}`)).toBeGreaterThan(-1);
        expect(calls.indexOf(`GET ${ENDPOINT}`)).toBeLessThan(calls.indexOf(`POST ${ENDPOINT}:deployModel`));
        const [deploy] = fake.bodiesOf("POST", /:deployModel$/);
        expect(deploy.deployedModel.dedicatedResources).toEqual({
            machineSpec: { machineType: "n1-standard-8", acceleratorType: "NVIDIA_TESLA_T4", acceleratorCount: 2 },
            minReplicaCount: 1,
            maxReplicaCount: 3,
            autoscalingMetricSpecs: [{ metricName: CPU_METRIC, target: 75 }],
        });
        expect(deploy.trafficSplit).toEqual({ "0": 50, "111": 30, "222": 20 });
    });

    it("scales on prediction requests per replica beside CPU when targetRequestsPerMinute is set (issue 16 item 13)", async () => {
        await provider.create(inputs({ targetRequestsPerMinute: 1200 }));
        const [deploy] = fake.bodiesOf("POST", /:deployModel$/);
        expect(deploy.deployedModel.dedicatedResources.autoscalingMetricSpecs).toEqual([
            { metricName: CPU_METRIC, target: 60 },
            { metricName: "aiplatform.googleapis.com/prediction/online/request_count", target: 1200 },
        ]);
    });

    it("reads the Private Service Connect address back after the deploy, and says when there is none yet (issue 16 item 11)", async () => {
        const endpoint = fake.endpoints.get(ENDPOINT)! as any;
        endpoint.privateServiceConnectConfig = { pscAutomationConfigs: [{ projectId: PROJECT, network: "projects/p/global/networks/n", ipAddress: "10.10.0.7", state: "PSC_AUTOMATION_STATE_SUCCESSFUL" }] };
        expect((await provider.create(inputs({ privateServiceConnect: true }))).outs).toMatchObject({ privateAddress: "10.10.0.7" });
        endpoint.privateServiceConnectConfig = { pscAutomationConfigs: [{ state: "PSC_AUTOMATION_STATE_FAILED", errorMessage: "no service connection policy" }] };
        const lines: string[] = [];
        const logging = createVertexDeploymentProvider({ getAccessToken: async () => TOKEN, backoffMs: 5, clock, log: (l) => lines.push(l) });
        expect((await logging.create(inputs({ privateServiceConnect: true }))).outs.privateAddress).toBeUndefined();
        expect(lines.join("\n")).toContain("PSC_AUTOMATION_STATE_FAILED: no service connection policy");
    });

    it("rounds the scaled shares to whole percent that still sum to 100", async () => {
        fake.seedDeployedModel("111", 50);
        fake.seedDeployedModel("222", 50);
        await provider.create(inputs({ trafficPercent: 33 }));
        const [deploy] = fake.bodiesOf("POST", /:deployModel$/);
        expect(deploy.trafficSplit).toEqual({ "0": 33, "111": 34, "222": 33 });
    });

    it("gives this model all traffic when no other model serves any (the split must sum to 100)", async () => {
        await provider.create(inputs({ trafficPercent: 40 }));
        expect(fake.bodiesOf("POST", /:deployModel$/)[0].trafficSplit).toEqual({ "0": 100 });
    });
});

describe("diff", () => {
    let olds: Record<string, any>;
    beforeEach(() => {
        olds = { ...inputs(), modelName: "projects/p/locations/r/models/1", deployedModelId: "77" };
    });

    it.each<[string, unknown]>([
        ["artifactUri", "gs://demo-models/iris/v4/"],
        ["imageUri", "us-docker.pkg.dev/demo-project/serving/iris:4"],
        ["port", 9000],
        ["healthRoute", "/ready"],
        ["predictRoute", "/v2/predict"],
        ["env", [{ name: "MODEL_NAME", value: "iris2" }]],
        ["displayName", "iris-v4"],
        ["project", "other-project"],
        ["region", "europe-west4"],
        ["endpointName", `projects/${PROJECT}/locations/${REGION}/endpoints/99`],
        ["serviceAccount", `other@${PROJECT}.iam.gserviceaccount.com`],
        ["machineType", "n1-standard-8"],
        ["acceleratorType", "NVIDIA_L4"],
    ])("replaces the deployment when %s changes, new one first", async (field, value) => {
        expect(await diff(olds, { ...inputs(), [field]: value })).toEqual({ changes: true, replaces: [field], deleteBeforeReplace: false });
    });

    it("replaces on an accelerator count change", async () => {
        const gpu = { acceleratorType: "NVIDIA_TESLA_T4", acceleratorCount: 1 };
        expect(await diff({ ...olds, ...gpu }, { ...inputs(gpu), acceleratorCount: 2 })).toMatchObject({ changes: true, replaces: ["acceleratorCount"] });
    });

    it("replaces on a changed env value or order", async () => {
        const env = olds.env as { name: string; value: string }[];
        expect((await diff(olds, inputs({ env: [...env].reverse() }))).replaces).toEqual(["env"]);
        expect((await diff(olds, inputs({ env: [env[0], { name: "LOG_LEVEL", value: "debug" }] }))).replaces).toEqual(["env"]);
    });

    it.each<[string, unknown]>([
        ["minReplicas", 2],
        ["maxReplicas", 10],
        ["targetCpuUtilization", 80],
        ["trafficPercent", 50],
        ["operationTimeoutSeconds", 3600],
    ])("updates in place when only %s changes", async (field, value) => {
        expect(await diff(olds, { ...inputs(), [field]: value })).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
    });

    it("reports no change for identical inputs or explicit defaults", async () => {
        expect(await diff(olds, inputs())).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false });
        expect((await diff(olds, inputs({ targetCpuUtilization: 60, trafficPercent: 100 }))).changes).toBe(false);
        expect((await diff({ ...olds, acceleratorType: "NVIDIA_TESLA_T4" }, inputs({ acceleratorType: "NVIDIA_TESLA_T4", acceleratorCount: 1 }))).changes).toBe(false);
    });

    it("lists every replacing field together with in-place ones", async () => {
        const result = await diff(olds, inputs({ imageUri: "x:2", port: 9000, minReplicas: 2 }));
        expect(result).toEqual({ changes: true, replaces: ["imageUri", "port"], deleteBeforeReplace: false });
    });

    it("treats an unknown (preview) value of a replacing field as a replacement", async () => {
        const result = await diff(olds, inputs({ imageUri: "04da6b54-80e4-46f7-96ec-b56ff0331ba9" }));
        expect(result.replaces).toEqual(["imageUri"]);
    });
});

describe("check", () => {
    it("accepts valid inputs, and unknown values during preview", async () => {
        expect((await provider.check!({}, inputs())).failures).toEqual([]);
        const unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
        expect((await provider.check!({}, inputs({ endpointName: unknown, env: unknown, port: unknown }))).failures).toEqual([]);
    });

    it("names each bad input and why", async () => {
        const { failures } = await provider.check!(
            {},
            inputs({ endpointName: "4242", minReplicas: 3, maxReplicas: 2, port: 0, acceleratorCount: 1, trafficPercent: 120, artifactUri: "s3://x", healthRoute: "health" }),
        );
        expect(failures!.map((f) => f.property).sort()).toEqual(
            ["acceleratorCount", "artifactUri", "endpointName", "healthRoute", "maxReplicas", "port", "trafficPercent"].sort(),
        );
        const { failures: region } = await provider.check!({}, inputs({ endpointName: `projects/${PROJECT}/locations/europe-west4/endpoints/1` }));
        expect(region).toEqual([{ property: "endpointName", reason: expect.stringContaining("is in europe-west4, but region is us-central1") }]);
    });
});

describe("update", { timeout: 10_000 }, () => {
    it("changes only the traffic with a PATCH of the endpoint's split, the others scaled", async () => {
        fake.seedDeployedModel("111", 100);
        const { outs } = await created({ trafficPercent: 20 });
        const id = outs.deployedModelId as string;
        expect(fake.endpoints.get(ENDPOINT)!.trafficSplit).toEqual({ [id]: 20, "111": 80 });

        const result = await provider.update!("id", outs, inputs({ trafficPercent: 50 }));
        expect(fake.calls()).toEqual([`GET ${ENDPOINT}`, `PATCH ${ENDPOINT}?updateMask=trafficSplit`]);
        expect(fake.bodiesOf("PATCH", /endpoints\/4242$/)).toEqual([{ trafficSplit: { [id]: 50, "111": 50 } }]);
        expect(fake.endpoints.get(ENDPOINT)!.trafficSplit).toEqual({ [id]: 50, "111": 50 });
        expect(result.outs).toMatchObject({ trafficPercent: 50, deployedModelId: id, modelName: outs.modelName });
    });

    it("changes replicas and the CPU target with mutateDeployedModel and waits for it", async () => {
        const { outs } = await created();
        const id = outs.deployedModelId as string;
        const result = await provider.update!("id", outs, inputs({ minReplicas: 2, maxReplicas: 6, targetCpuUtilization: 70 }));

        expect(fake.calls()).toEqual([
            `POST ${ENDPOINT}:mutateDeployedModel`,
            expect.stringMatching(/^GET .*\/endpoints\/4242\/operations\/\d+$/),
            expect.stringMatching(/^GET .*\/endpoints\/4242\/operations\/\d+$/),
        ]);
        expect(fake.bodiesOf("POST", /:mutateDeployedModel$/)).toEqual([
            {
                deployedModel: {
                    id,
                    model: outs.modelName,
                    dedicatedResources: {
                        machineSpec: { machineType: "n1-standard-4" },
                        minReplicaCount: 2,
                        maxReplicaCount: 6,
                        autoscalingMetricSpecs: [{ metricName: CPU_METRIC, target: 70 }],
                    },
                },
                updateMask: "dedicatedResources.minReplicaCount,dedicatedResources.maxReplicaCount,dedicatedResources.autoscalingMetricSpecs",
            },
        ]);
        expect(fake.endpoints.get(ENDPOINT)!.deployedModels[0]!.dedicatedResources).toMatchObject({ minReplicaCount: 2, maxReplicaCount: 6 });
        expect(result.outs).toEqual({ ...inputs({ minReplicas: 2, maxReplicas: 6, targetCpuUtilization: 70 }), modelName: outs.modelName, deployedModelId: id });
    });

    it("changes the requests-per-replica target in place, with mutateDeployedModel", async () => {
        const { outs } = await created({ targetRequestsPerMinute: 600 });
        expect((await diff(outs, inputs({ targetRequestsPerMinute: 900 }))).replaces).toEqual([]);
        await provider.update!("id", outs, inputs({ targetRequestsPerMinute: 900 }));
        const [mutate] = fake.bodiesOf("POST", /:mutateDeployedModel$/);
        expect(mutate.deployedModel.dedicatedResources.autoscalingMetricSpecs).toContainEqual({ metricName: "aiplatform.googleapis.com/prediction/online/request_count", target: 900 });
    });

    it("makes no call when only a provider setting changes", async () => {
        const { outs } = await created();
        const result = await provider.update!("id", outs, inputs({ operationTimeoutSeconds: 3600 }));
        expect(fake.requests).toEqual([]);
        expect(result.outs).toMatchObject({ operationTimeoutSeconds: 3600 });
    });

    it("refuses a change that needs a replacement", async () => {
        const { outs } = await created();
        await expect(provider.update!("id", outs, inputs({ imageUri: "x:2" }))).rejects.toThrow(/imageUri can only change by replacing/);
        expect(fake.requests).toEqual([]);
    });
});

describe("delete", { timeout: 10_000 }, () => {
    it("undeploys, then deletes the model, waiting for each operation; the other models get the traffic back", async () => {
        fake.seedDeployedModel("111", 100);
        const { id, outs } = await created({ trafficPercent: 40 });
        await provider.delete!(id, outs);

        const calls = fake.calls();
        const undeploy = calls.indexOf(`POST ${ENDPOINT}:undeployModel`);
        const modelDelete = calls.indexOf(`DELETE ${outs.modelName}`);
        expect(calls[0]).toBe(`GET ${ENDPOINT}`);
        expect(undeploy).toBe(1);
        expect(calls.slice(undeploy + 1, modelDelete).every((c) => /\/endpoints\/4242\/operations\/\d+$/.test(c))).toBe(true);
        expect(modelDelete).toBeGreaterThan(undeploy + 1);
        expect(calls.slice(modelDelete + 1).every((c) => /\/models\/\d+\/operations\/\d+$/.test(c))).toBe(true);
        expect(fake.bodiesOf("POST", /:undeployModel$/)).toEqual([{ deployedModelId: outs.deployedModelId, trafficSplit: { "111": 100 } }]);
        expect(fake.models.has(outs.modelName)).toBe(false);
        expect(fake.endpoints.get(ENDPOINT)!.deployedModels.map((d) => d.id)).toEqual(["111"]);
        expect(fake.endpoints.get(ENDPOINT)!.trafficSplit).toEqual({ "111": 100 });
    });

    it("leaves an empty split when the last model goes", async () => {
        const { id, outs } = await created();
        await provider.delete!(id, outs);
        expect(fake.bodiesOf("POST", /:undeployModel$/)).toEqual([{ deployedModelId: outs.deployedModelId, trafficSplit: {} }]);
        expect(fake.endpoints.get(ENDPOINT)).toMatchObject({ deployedModels: [], trafficSplit: {} });
        expect(fake.models.size).toBe(0);
    });

    it("stops the endpoint's traffic first when only idle models would remain", async () => {
        fake.seedDeployedModel("111", 0);
        const { id, outs } = await created();
        await provider.delete!(id, outs);
        const calls = fake.calls();
        expect(calls.indexOf(`PATCH ${ENDPOINT}?updateMask=trafficSplit`)).toBeLessThan(calls.indexOf(`POST ${ENDPOINT}:undeployModel`));
        expect(fake.bodiesOf("PATCH", /endpoints\/4242$/)).toEqual([{ trafficSplit: {} }]);
        expect(fake.endpoints.get(ENDPOINT)!.deployedModels.map((d) => d.id)).toEqual(["111"]);
        expect(fake.models.has(outs.modelName)).toBe(false);
    });

    it("treats what is already gone as deleted: a second delete, a 404 on undeploy, a deleted endpoint", async () => {
        const first = await created();
        await provider.delete!(first.id, first.outs);
        fake.requests.length = 0;
        await provider.delete!(first.id, first.outs);
        expect(fake.calls()).toEqual([`GET ${ENDPOINT}`, `DELETE ${first.outs.modelName}`]);

        const second = await created();
        fake.inject("POST", /:undeployModel$/, {
            ...apiError(404, "NOT_FOUND", "DeployedModel not found."),
            effect: () => {
                const endpoint = fake.endpoints.get(ENDPOINT)!;
                endpoint.deployedModels = [];
                endpoint.trafficSplit = {};
            },
        });
        await provider.delete!(second.id, second.outs);
        expect(fake.models.has(second.outs.modelName)).toBe(false);

        const third = await created();
        fake.endpoints.delete(ENDPOINT);
        await provider.delete!(third.id, third.outs);
        expect(fake.models.has(third.outs.modelName)).toBe(false);
    });
});

describe("read", { timeout: 10_000 }, () => {
    it("refreshes replicas, CPU target and traffic from the service", async () => {
        fake.seedDeployedModel("111", 100);
        const { id, outs } = await created({ trafficPercent: 50 });
        const endpoint = fake.endpoints.get(ENDPOINT)!;
        const mine = endpoint.deployedModels.find((d) => d.id === outs.deployedModelId)!;
        mine.dedicatedResources = { ...mine.dedicatedResources, minReplicaCount: 4, maxReplicaCount: 8, autoscalingMetricSpecs: [{ metricName: CPU_METRIC, target: 55 }] };
        endpoint.trafficSplit = { [mine.id]: 70, "111": 30 };

        const result = await provider.read!(id, outs);
        expect(result.id).toBe(id);
        expect(result.props).toEqual({ ...outs, minReplicas: 4, maxReplicas: 8, targetCpuUtilization: 55, trafficPercent: 70 });
        expect(fake.calls()).toEqual([`GET ${ENDPOINT}`]);
    });

    it("rebuilds the state from the id alone (import)", async () => {
        const { id, outs } = await created();
        const result = await provider.read!(id, { apiEndpoint: fake.url });
        expect(result.id).toBe(id);
        expect(result.props).toMatchObject({
            endpointName: ENDPOINT,
            deployedModelId: outs.deployedModelId,
            modelName: outs.modelName,
            project: PROJECT,
            region: REGION,
            minReplicas: 1,
            maxReplicas: 3,
            trafficPercent: 100,
        });
    });

    it("returns a blank id when the deployment or the endpoint is gone", async () => {
        const { id, outs } = await created();
        fake.endpoints.get(ENDPOINT)!.deployedModels = [];
        expect(await provider.read!(id, outs)).toEqual({ id: "" });
        fake.endpoints.delete(ENDPOINT);
        expect(await provider.read!(id, outs)).toEqual({ id: "" });
    });
});

describe("failures", { timeout: 10_000 }, () => {
    it("surfaces a failed operation with its name, code and message, and creates nothing", async () => {
        fake.nextOperation("upload", { error: { code: 3, message: "artifactUri holds no model file." } });
        const error = await provider.create(inputs()).catch((e: Error) => e);
        expect(error).toBeInstanceOf(Error);
        expect((error as Error).message).toMatch(
            /^Vertex AI models\.upload operation projects\/demo-project\/locations\/us-central1\/models\/\d+\/operations\/\d+ failed: 3 INVALID_ARGUMENT: artifactUri holds no model file\.$/,
        );
        expect(fake.countOf("POST", /:deployModel$/)).toBe(0);
        expect(fake.models.size).toBe(0);
    });

    it("deletes the uploaded model when its deployment operation fails", async () => {
        fake.nextOperation("deploy", { error: { code: 9, message: "Model server never became ready." } });
        const error = (await provider.create(inputs()).catch((e: Error) => e)) as Error;
        expect(error.message).toMatch(
            /^Vertex AI endpoints\.deployModel operation projects\/demo-project\/locations\/us-central1\/endpoints\/4242\/operations\/\d+ failed: 9 FAILED_PRECONDITION: Model server never became ready\. The uploaded model projects\/.*\/models\/\d+ was deleted\.$/,
        );
        const calls = fake.calls();
        expect(calls.findIndex((c) => c.startsWith("DELETE projects/demo-project/locations/us-central1/models/"))).toBeGreaterThan(calls.indexOf(`POST ${ENDPOINT}:deployModel`));
        expect(fake.models.size).toBe(0);
        expect(fake.endpoints.get(ENDPOINT)!.deployedModels).toEqual([]);
    });

    it("deletes the uploaded model when deployModel is rejected outright", async () => {
        fake.inject("POST", /:deployModel$/, apiError(400, "INVALID_ARGUMENT", "Machine type n1-standard-4 does not support accelerators."));
        await expect(provider.create(inputs())).rejects.toThrow(
            /^Vertex AI endpoints\.deployModel failed: 400 INVALID_ARGUMENT: Machine type n1-standard-4 does not support accelerators\. The uploaded model .* was deleted\.$/,
        );
        expect(fake.models.size).toBe(0);
        expect(fake.countOf("POST", /:deployModel$/)).toBe(1);
    });

    it("retries 503, 429 (honouring Retry-After), 500 on a poll and a dropped connection, then succeeds", async () => {
        fake.inject("POST", /models:upload$/, apiError(503, "UNAVAILABLE", "The service is currently unavailable."), { destroy: true });
        fake.inject("POST", /:deployModel$/, { ...apiError(429, "RESOURCE_EXHAUSTED", "Quota exceeded."), headers: { "retry-after": "0" } });
        fake.inject("GET", /\/operations\/\d+$/, apiError(500, "INTERNAL", "Internal error."));
        const result = await provider.create(inputs());
        expect(result.id).toMatch(/\/deployedModels\/\d+$/);
        expect(fake.countOf("POST", /models:upload$/)).toBe(3);
        expect(fake.countOf("POST", /:deployModel$/)).toBe(2);
        expect(fake.models.size).toBe(1);
        expect(fake.endpoints.get(ENDPOINT)!.deployedModels).toHaveLength(1);
    });

    it("waits as long as Retry-After says, not the (tiny) backoff", async () => {
        fake.inject("POST", /models:upload$/, { ...apiError(429, "RESOURCE_EXHAUSTED", "Quota exceeded."), headers: { "retry-after": "1" } });
        const started = clock.now();
        await provider.create(inputs());
        expect(clock.now() - started).toBeGreaterThanOrEqual(1000);
        expect(fake.countOf("POST", /models:upload$/)).toBe(2);
    });

    it("gives up after 6 attempts with the last error", async () => {
        const unavailable = apiError(503, "UNAVAILABLE", "The service is currently unavailable.");
        fake.inject("POST", /models:upload$/, ...Array.from({ length: 10 }, () => unavailable));
        await expect(provider.create(inputs())).rejects.toThrow(
            "Vertex AI models.upload failed after 6 attempts; last: 503 UNAVAILABLE: The service is currently unavailable.",
        );
        expect(fake.countOf("POST", /models:upload$/)).toBe(6);
    });

    it("does not retry a 403, and says how to fix it", async () => {
        fake.inject("POST", /models:upload$/, apiError(403, "PERMISSION_DENIED", "Permission 'aiplatform.models.upload' denied on resource."));
        const error = (await provider.create(inputs()).catch((e: Error) => e)) as Error;
        expect(error.message).toBe(
            "Vertex AI models.upload failed: 403 PERMISSION_DENIED: Permission 'aiplatform.models.upload' denied on resource. " +
                "Fix: grant roles/aiplatform.user to the deploying identity and enable aiplatform.googleapis.com in the project.",
        );
        expect(fake.countOf("POST", /models:upload$/)).toBe(1);
    });

    it("stops waiting at the operation deadline with the operation's name and how to check it", async () => {
        fake.nextOperation("upload", { neverDone: true });
        const started = clock.now();
        const error = (await provider.create(inputs({ operationTimeoutSeconds: 0.2 })).catch((e: Error) => e)) as Error;
        // Polled until the deadline, and no longer.
        expect(clock.now() - started).toBeGreaterThanOrEqual(200);
        expect(clock.now() - started).toBeLessThan(3000);
        expect(error.message).toMatch(/^Vertex AI models\.upload operation projects\/demo-project\/locations\/us-central1\/models\/\d+\/operations\/(\d+) did not finish within 0\.2s/);
        const opId = /operations\/(\d+)/.exec(error.message)![1];
        expect(error.message).toContain(`gcloud ai operations describe ${opId} --region=us-central1 --project=demo-project`);
        expect(fake.countOf("GET", /\/operations\/\d+$/)).toBeGreaterThan(1);
        expect(fake.countOf("POST", /:deployModel$/)).toBe(0);
    });

    it("names the endpoint problem on a 404", async () => {
        const missing = `projects/${PROJECT}/locations/${REGION}/endpoints/404`;
        await expect(provider.create(inputs({ endpointName: missing }))).rejects.toThrow(
            /^Vertex AI endpoints\.deployModel failed: 404 NOT_FOUND: Endpoint .*endpoints\/404 not found\. Fix: check project, region and the resource name/,
        );
        expect(fake.models.size).toBe(0);
    });
});

describe("closure serialization", { timeout: 30_000 }, () => {
    it("serializes the default provider as dynamic.Resource does, without a copy of google-auth-library", async () => {
        const serialized = await serializeProvider(vertexDeploymentProvider);
        expect(serialized.containsSecrets).toBe(false);
        expect(serialized.text).toContain('require("google-auth-library")');
        expect(serialized.text).not.toMatch(/class GoogleAuth|gcp-metadata|gtoken|OAuth2Client/);
        expect(serialized.text.length).toBeLessThan(100_000);
        const loaded = loadSerializedProvider(serialized.text);
        expect(Object.keys(loaded).sort()).toEqual(["check", "create", "delete", "diff", "read", "update"]);
        expect(await loaded.diff!("id", inputs(), inputs({ port: 9000 }))).toEqual({ changes: true, replaces: ["port"], deleteBeforeReplace: false });
    });

    it("runs create and delete from its serialized form", async () => {
        const serialized = await serializeProvider(provider);
        const loaded = loadSerializedProvider(serialized.text);
        const result = await loaded.create(inputs());
        expect(fake.endpoints.get(ENDPOINT)!.deployedModels).toHaveLength(1);
        await loaded.delete!(result.id, result.outs);
        expect(fake.endpoints.get(ENDPOINT)!.deployedModels).toHaveLength(0);
        expect(fake.models.size).toBe(0);
    });
});

describe("VertexModelDeployment", () => {
    it("registers a dynamic resource with the serialized provider, exposing modelName, deployedModelId and endpointName", async () => {
        const registered = await mockDynamicResources((given) => ({ id: `${given.endpointName}/deployedModels/9`, state: { ...given, modelName: "projects/p/locations/r/models/5", deployedModelId: "9" } }));
        const env = [{ name: "API_TOKEN", value: pulumi.secret("not-a-real-token") }];
        const deployment = new VertexModelDeployment("svc", { ...inputs(), env } as any);
        expect(await outputValue(deployment.modelName)).toBe("projects/p/locations/r/models/5");
        expect(await outputValue(deployment.deployedModelId)).toBe("9");
        expect(await outputValue(deployment.endpointName)).toBe(ENDPOINT);
        expect(registered[0]!.type).toBe("pulumi-nodejs:dynamic:Resource");
        expect(typeof registered[0]!.inputs.__provider).toBe("string");
    });
});
