import { describe, expect, it } from "vitest";
import { createVertexDeploymentProvider } from "../providers/gcp/vertexDeployment";
import { ENDPOINT, ERROR_METRIC, FakeVertex, LATENCY_METRIC, PROJECT, REGION, TOKEN, apiError } from "./helpers/fakeVertex";
import { serveDuringTests } from "./helpers/loopbackServer";
import { virtualClock } from "./helpers/virtualClock";
import { loadSerializedProvider, serializeProvider } from "./helpers/serializedProvider";

// Canary and linear rollouts of the Vertex AI dynamic provider against the loopback fake: the new
// model beside the old one, the traffic splits it goes through, the Cloud Monitoring bake checks,
// and the rollbacks. Bake minutes are real minutes of a virtual clock: they take no time here.

const fake = new FakeVertex();
const logs: string[] = [];
const clock = virtualClock();
const provider = createVertexDeploymentProvider({ getAccessToken: async () => TOKEN, clock, log: (line) => logs.push(line) });
const V2_IMAGE = "us-docker.pkg.dev/demo-project/serving/iris:4";

function inputs(overrides: Record<string, unknown> = {}): Record<string, any> {
    return {
        project: PROJECT,
        region: REGION,
        endpointName: ENDPOINT,
        displayName: "iris-3",
        artifactUri: "gs://demo-models/iris/3/",
        imageUri: "us-docker.pkg.dev/demo-project/serving/iris:3",
        port: 8080,
        healthRoute: "/ping",
        predictRoute: "/invocations",
        env: [{ name: "MODEL_NAME", value: "iris" }],
        machineType: "e2-standard-2",
        minReplicas: 1,
        maxReplicas: 2,
        serviceAccount: `serving@${PROJECT}.iam.gserviceaccount.com`,
        trafficPercent: 100,
        rolloutStrategy: "canary",
        rolloutStepPercent: 10,
        rolloutBakeMinutes: 2,
        rollbackErrorThreshold: 5,
        rollbackLatencyP99Ms: 1000,
        apiEndpoint: fake.url,
        monitoringApiEndpoint: fake.url,
        ...overrides,
    };
}

/** The new version: a new image and artifact, so a new model. */
const v2 = (overrides: Record<string, unknown> = {}) => inputs({ imageUri: V2_IMAGE, artifactUri: "gs://demo-models/iris/4/", displayName: "iris-4", ...overrides });

/** The old version deployed, with the fake's records cleared. */
async function deployedV1(overrides: Record<string, unknown> = {}): Promise<{ id: string; outs: Record<string, any> }> {
    const result = await provider.create(inputs(overrides));
    fake.requests.length = 0;
    fake.splits.length = 0;
    logs.length = 0;
    return { id: result.id, outs: result.outs as Record<string, any> };
}

const endpoint = () => fake.endpoints.get(ENDPOINT)!;
const deployedIds = () => endpoint().deployedModels.map((d) => d.id);
const newModelName = (oldModel: string) => [...fake.models.keys()].find((m) => m !== oldModel && !m.includes("/other-"));

serveDuringTests(fake, () => {
    logs.length = 0;
});

describe("diff under each strategy", () => {
    const olds = () => ({ ...inputs(), modelName: "projects/p/locations/r/models/1", deployedModelId: "77" });

    it("canary and linear update a new model in place; allAtOnce replaces the deployment as before", async () => {
        expect(await provider.diff!("id", olds(), v2())).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
        expect(await provider.diff!("id", olds(), v2({ rolloutStrategy: "linear" }))).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
        expect(await provider.diff!("id", olds(), v2({ rolloutStrategy: "allAtOnce" }))).toEqual({
            changes: true,
            replaces: ["displayName", "artifactUri", "imageUri"],
            deleteBeforeReplace: false,
        });
    });

    it("still replaces a deployment that moves to another endpoint, project or region", async () => {
        const other = `projects/${PROJECT}/locations/${REGION}/endpoints/99`;
        expect((await provider.diff!("id", olds(), v2({ endpointName: other }))).replaces).toEqual(["endpointName"]);
    });

    it("treats rollout settings as provider settings: an update with no call", async () => {
        const { id, outs } = await deployedV1();
        expect(await provider.diff!(id, outs, inputs({ rolloutStepPercent: 20, rolloutBakeMinutes: 5, rollbackLatencyP99Ms: 300 }))).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
        const result = await provider.update!(id, outs, inputs({ rolloutStepPercent: 20, rolloutBakeMinutes: 5 }));
        expect(fake.requests).toEqual([]);
        expect(result.outs).toMatchObject({ rolloutStepPercent: 20, rolloutBakeMinutes: 5, deployedModelId: outs.deployedModelId });
    });

    it("checks the rollout inputs", async () => {
        const { failures } = await provider.check!({}, inputs({ rolloutStrategy: "blueGreen", rolloutStepPercent: 100, rolloutBakeMinutes: -1, rollbackErrorThreshold: 1.5, monitoringApiEndpoint: "monitoring" }));
        expect(failures!.map((f) => f.property).sort()).toEqual(["monitoringApiEndpoint", "rollbackErrorThreshold", "rolloutBakeMinutes", "rolloutStepPercent", "rolloutStrategy"]);
    });
});

describe("canary", { timeout: 15_000 }, () => {
    it("deploys the new model beside the old with 10% of the traffic, bakes it, moves all traffic, then removes the old", async () => {
        const { id, outs } = await deployedV1();
        const oldId = outs.deployedModelId as string;
        const result = await provider.update!(id, outs, v2());
        const newId = result.outs!.deployedModelId as string;
        const newModel = newModelName(outs.modelName)!;

        expect(newId).not.toBe(oldId);
        expect(fake.splits).toEqual([{ [oldId]: 90, [newId]: 10 }, { [newId]: 100 }]);
        expect(fake.bodiesOf("POST", /:deployModel$/)).toEqual([expect.objectContaining({ trafficSplit: { [oldId]: 90, "0": 10 } })]);
        expect(fake.bodiesOf("POST", /:deployModel$/)[0].deployedModel).toMatchObject({ model: newModel, displayName: "iris-4" });
        expect(fake.bodiesOf("POST", /models:upload$/)[0].model.containerSpec.imageUri).toBe(V2_IMAGE);
        expect(deployedIds()).toEqual([newId]);
        expect(fake.models.has(outs.modelName)).toBe(false);
        expect(fake.models.has(newModel)).toBe(true);

        // The state describes the new model only.
        expect(result.outs).toEqual({ ...v2(), modelName: newModel, deployedModelId: newId });
        expect(await provider.diff!(id, result.outs, v2())).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false });
        // read keeps the id (an update cannot change it) and follows the state's deployed model; it fills in the live CPU target.
        expect(await provider.read!(id, result.outs)).toEqual({ id, props: { ...result.outs, targetCpuUtilization: 60 } });
    });

    it("bakes with Cloud Monitoring: errors and p99 latency of the new deployed model, each minute over the bake so far", async () => {
        const { id, outs } = await deployedV1();
        const result = await provider.update!(id, outs, v2());
        const newId = result.outs!.deployedModelId as string;
        const queries = fake.monitoringQueries();
        expect(queries).toHaveLength(4);
        expect(queries.map((q) => q.get("aggregation.perSeriesAligner"))).toEqual(["ALIGN_SUM", "ALIGN_PERCENTILE_99", "ALIGN_SUM", "ALIGN_PERCENTILE_99"]);
        for (const q of queries) {
            expect(q.get("filter")).toContain('resource.labels.endpoint_id = "4242"');
            expect(q.get("filter")).toContain(`metric.labels.deployed_model_id = "${newId}"`);
        }
        // One alignment period over the bake so far, 60 s at least: a minute, then two.
        expect(queries.map((q) => q.get("aggregation.alignmentPeriod"))).toEqual(["60s", "60s", "120s", "120s"]);
        expect(queries[0]!.get("filter")).toContain(`metric.type = "${ERROR_METRIC}"`);
        expect(queries[1]!.get("filter")).toContain(`metric.type = "${LATENCY_METRIC}"`);
        // Both checks cover the bake from its start; the second reaches later.
        expect(queries[2]!.get("interval.startTime")).toBe(queries[0]!.get("interval.startTime"));
        expect(Date.parse(queries[2]!.get("interval.endTime")!)).toBeGreaterThan(Date.parse(queries[0]!.get("interval.endTime")!));
        expect(fake.requests.every((r) => r.headers.authorization === `Bearer ${TOKEN}`)).toBe(true);

        // All traffic moves only after the last check, and the old deployment goes only after that.
        const calls = fake.calls();
        const lastCheck = calls.map((c) => c.includes("/timeSeries")).lastIndexOf(true);
        const allTraffic = calls.indexOf(`PATCH ${ENDPOINT}?updateMask=trafficSplit`);
        expect(allTraffic).toBeGreaterThan(lastCheck);
        expect(calls.indexOf(`POST ${ENDPOINT}:undeployModel`)).toBeGreaterThan(allTraffic);
        expect(calls.indexOf(`DELETE ${outs.modelName}`)).toBeGreaterThan(calls.indexOf(`POST ${ENDPOINT}:undeployModel`));
        expect(fake.bodiesOf("POST", /:undeployModel$/)).toEqual([{ deployedModelId: outs.deployedModelId, trafficSplit: { [newId]: 100 } }]);
    });

    it("says what it is doing while it waits", async () => {
        const { id, outs } = await deployedV1();
        await provider.update!(id, outs, v2());
        expect(logs[0]).toMatch(/^Vertex AI canary rollout of iris-4 beside deployed model \d+: 10% of its traffic, 2 min each, then all of it$/);
        expect(logs).toEqual(
            expect.arrayContaining([
                expect.stringMatching(/baking 10% for 2 min; rolling back above 5 prediction errors or a p99 latency above 1000 ms$/),
                "Vertex AI rollout: minute 1/2 at 10%: 0 prediction errors",
                "Vertex AI rollout: minute 2/2 at 10%: 0 prediction errors",
                expect.stringMatching(/the new deployed model \d+ serves; removing deployed model \d+/),
            ]),
        );
    });

    it("takes its share from the old deployed model only: other models on the endpoint keep theirs", async () => {
        fake.seedDeployedModel("111", 100);
        const { id, outs } = await deployedV1({ trafficPercent: 60 });
        const oldId = outs.deployedModelId as string;
        const result = await provider.update!(id, outs, v2({ trafficPercent: 60 }));
        const newId = result.outs!.deployedModelId as string;
        expect(fake.splits).toEqual([{ [oldId]: 54, [newId]: 6, "111": 40 }, { [newId]: 60, "111": 40 }]);
        expect(deployedIds().sort()).toEqual(["111", newId].sort());
    });

    it("without a bake, moves straight on and reads no metrics", async () => {
        const { id, outs } = await deployedV1({ rolloutBakeMinutes: 0 });
        const result = await provider.update!(id, outs, v2({ rolloutBakeMinutes: 0 }));
        const newId = result.outs!.deployedModelId as string;
        expect(fake.splits).toEqual([{ [outs.deployedModelId]: 90, [newId]: 10 }, { [newId]: 100 }]);
        expect(fake.monitoringQueries()).toEqual([]);
    });

    it("changes replicas with the model: the new deployed model gets the new resources", async () => {
        const { id, outs } = await deployedV1();
        await provider.update!(id, outs, v2({ minReplicas: 2, maxReplicas: 4 }));
        expect(fake.bodiesOf("POST", /:deployModel$/)[0].deployedModel.dedicatedResources).toMatchObject({ minReplicaCount: 2, maxReplicaCount: 4 });
        expect(fake.countOf("POST", /:mutateDeployedModel$/)).toBe(0);
    });

    it("reports, without failing, an old deployment it could not remove once the new one serves", async () => {
        const { id, outs } = await deployedV1();
        fake.inject("POST", /:undeployModel$/, apiError(400, "FAILED_PRECONDITION", "Endpoint is busy."));
        const result = await provider.update!(id, outs, v2());
        expect(result.outs!.deployedModelId).not.toBe(outs.deployedModelId);
        expect(endpoint().trafficSplit).toEqual({ [result.outs!.deployedModelId]: 100 });
        expect(logs.find((l) => l.startsWith("Warning:"))).toContain(`gcloud ai endpoints undeploy-model 4242 --deployed-model-id=${outs.deployedModelId} --region=us-central1 --project=demo-project`);
    });
});

describe("linear", { timeout: 15_000 }, () => {
    it("moves rolloutStepPercent more of the traffic after each bake until all of it", async () => {
        const { id, outs } = await deployedV1({ rolloutStrategy: "linear", rolloutStepPercent: 25, rolloutBakeMinutes: 1 });
        const oldId = outs.deployedModelId as string;
        const result = await provider.update!(id, outs, v2({ rolloutStrategy: "linear", rolloutStepPercent: 25, rolloutBakeMinutes: 1 }));
        const newId = result.outs!.deployedModelId as string;
        expect(fake.splits).toEqual([
            { [oldId]: 75, [newId]: 25 },
            { [oldId]: 50, [newId]: 50 },
            { [oldId]: 25, [newId]: 75 },
            { [newId]: 100 },
        ]);
        // One bake of one minute per step, each with its error and latency check.
        expect(fake.monitoringQueries()).toHaveLength(6);
        expect(deployedIds()).toEqual([newId]);
        expect(fake.models.has(outs.modelName)).toBe(false);
    });

    it("uneven steps stop short of 100 and then take the rest", async () => {
        const { id, outs } = await deployedV1({ rolloutBakeMinutes: 0 });
        const result = await provider.update!(id, outs, v2({ rolloutStrategy: "linear", rolloutStepPercent: 40, rolloutBakeMinutes: 0 }));
        const newId = result.outs!.deployedModelId as string;
        expect(fake.splits.map((s) => s[newId])).toEqual([40, 80, 100]);
    });
});

describe("rollback", { timeout: 15_000 }, () => {
    /** Checks the endpoint is as before the update: the old deployed model alone with all traffic, the new model gone. */
    function expectOldServing(outs: Record<string, any>) {
        expect(deployedIds()).toEqual([outs.deployedModelId]);
        expect(endpoint().trafficSplit).toEqual({ [outs.deployedModelId]: 100 });
        expect([...fake.models.keys()]).toEqual([outs.modelName]);
    }

    it("on too many prediction errors: traffic back to the old model, the new one undeployed and deleted, the figure in the error", async () => {
        const { id, outs } = await deployedV1();
        const oldId = outs.deployedModelId as string;
        fake.metricSource = (metric, deployedModelId) => (metric === ERROR_METRIC && deployedModelId !== oldId ? [[4], [3]] : undefined);
        const error = (await provider.update!(id, outs, v2()).catch((e: Error) => e)) as Error;

        expect(error).toBeInstanceOf(Error);
        const [newId] = fake.bodiesOf("POST", /:undeployModel$/).map((b) => b.deployedModelId);
        const newModel = fake.requests.find((r) => r.method === "DELETE")!.path;
        expect(error.message).toBe(
            `Vertex AI canary rollout of iris-4 rolled back: the new deployed model ${newId} had 7 prediction errors in 1 of 2 bake minute(s) at 10% of the traffic (threshold: 5). ` +
                `The old model ${outs.modelName} (deployed model ${oldId}) still serves, with 100% of the endpoint's traffic as before; ` +
                `the new deployed model ${newId} was undeployed and the new model ${newModel} was deleted. Fix the model, image or settings and run pulumi up again.`,
        );
        expect(fake.splits).toEqual([{ [oldId]: 90, [newId]: 10 }, { [oldId]: 100 }]);
        expect(fake.bodiesOf("POST", /:undeployModel$/)).toEqual([{ deployedModelId: newId, trafficSplit: { [oldId]: 100 } }]);
        expect(fake.countOf("DELETE", /\/models\/\d+$/)).toBe(1);
        expectOldServing(outs);
        // One check (errors, then latency) was enough: the bake stopped at the first bad minute.
        expect(fake.monitoringQueries().map((q) => q.get("aggregation.perSeriesAligner"))).toEqual(["ALIGN_SUM", "ALIGN_PERCENTILE_99"]);

        // Pulumi keeps the old state when update throws: it still reads and diffs right.
        expect(await provider.read!(id, outs)).toEqual({ id, props: { ...outs, targetCpuUtilization: 60 } });
        expect(await provider.diff!(id, outs, v2())).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
    });

    it("on a p99 latency above the alarm's threshold, reading the worst series", async () => {
        const { id, outs } = await deployedV1();
        const oldId = outs.deployedModelId as string;
        fake.metricSource = (metric, deployedModelId) => (metric === LATENCY_METRIC && deployedModelId !== oldId ? [[120.5], [1840.2]] : undefined);
        await expect(provider.update!(id, outs, v2())).rejects.toThrow(
            /rolled back: the new deployed model \d+ had a p99 latency of 1840 ms in 1 of 2 bake minute\(s\) at 10% of the traffic \(threshold: 1000 ms\)\. The old model .* still serves, with 100% of the endpoint's traffic as before/,
        );
        expectOldServing(outs);
    });

    it("on errors that appear in a later linear step, from the traffic it had reached", async () => {
        const { id, outs } = await deployedV1();
        const oldId = outs.deployedModelId as string;
        let checks = 0;
        fake.metricSource = (metric) => (metric === ERROR_METRIC && ++checks >= 3 ? [[9]] : undefined);
        const error = (await provider.update!(id, outs, v2({ rolloutStrategy: "linear", rolloutStepPercent: 20, rolloutBakeMinutes: 1 })).catch((e: Error) => e)) as Error;
        expect(error.message).toMatch(/had 9 prediction errors in 1 of 1 bake minute\(s\) at 60% of the traffic \(threshold: 5\)/);
        const newId = Object.keys(fake.splits[0]!).find((k) => k !== oldId)!;
        expect(fake.splits).toEqual([
            { [oldId]: 80, [newId]: 20 },
            { [oldId]: 60, [newId]: 40 },
            { [oldId]: 40, [newId]: 60 },
            { [oldId]: 100 },
        ]);
        expectOldServing(outs);
    });

    it("when the new model fails to deploy: the new model deleted, the old one untouched", async () => {
        const { id, outs } = await deployedV1();
        fake.nextOperation("deploy", { error: { code: 9, message: "Model server never became ready." } });
        const error = (await provider.update!(id, outs, v2()).catch((e: Error) => e)) as Error;
        expect(error.message).toMatch(
            /^Vertex AI canary rollout of iris-4 rolled back: deploying the new model failed: Vertex AI endpoints\.deployModel operation .* failed: 9 FAILED_PRECONDITION: Model server never became ready\.\. The old model .* still serves, with 100% of the endpoint's traffic as before; the new model projects\/demo-project\/locations\/us-central1\/models\/\d+ was deleted\./,
        );
        expect(fake.splits).toEqual([]);
        expect(fake.countOf("POST", /:undeployModel$/)).toBe(0);
        expectOldServing(outs);
        expect(fake.monitoringQueries()).toEqual([]);
    });

    it("when the region's serving quota cannot hold both deployed models: says how much the rollout needs (issue 16 item 15)", async () => {
        const { id, outs } = await deployedV1();
        fake.nextOperation("deploy", { error: { code: 8, message: "The following quota metrics exceed quota limits: aiplatform.googleapis.com/custom_model_serving_cpus" } });
        const error = (await provider.update!(id, outs, v2()).catch((e: Error) => e)) as Error;
        const max = Number(outs.maxReplicas);
        const vcpus = Number(/-(\d+)$/.exec(String(outs.machineType))![1]);
        expect(error.message).toContain(`Deploying needs ${2 * max} replicas (${max} of the deployed model already serving plus maxReplicas ${max} of the new one): ${2 * max * vcpus} vCPUs of "Custom model serving CPUs" for ${outs.machineType} in the region.`);
        expectOldServing(outs);
    });

    it("when Cloud Monitoring cannot be read: the health is unknown, so it rolls back and says how to grant access", async () => {
        const { id, outs } = await deployedV1();
        fake.inject("GET", /timeSeries$/, apiError(403, "PERMISSION_DENIED", "Permission monitoring.timeSeries.list denied."));
        await expect(provider.update!(id, outs, v2())).rejects.toThrow(
            /rolled back: checking the health of the new deployed model \d+ failed: Cloud Monitoring timeSeries\.list failed: 403 PERMISSION_DENIED: Permission monitoring\.timeSeries\.list denied\. Fix: grant roles\/monitoring\.viewer/,
        );
        expectOldServing(outs);
    });

    it("when a traffic step is refused", async () => {
        const { id, outs } = await deployedV1();
        fake.inject("PATCH", /endpoints\/4242$/, apiError(400, "INVALID_ARGUMENT", "Traffic split is invalid."));
        await expect(provider.update!(id, outs, v2({ rolloutStrategy: "linear", rolloutStepPercent: 50, rolloutBakeMinutes: 0 }))).rejects.toThrow(
            /rolled back: moving all of the traffic to the new deployed model \d+ failed: Vertex AI endpoints\.patch failed: 400 INVALID_ARGUMENT: Traffic split is invalid\./,
        );
        expectOldServing(outs);
    });

    it("names what is left to do by hand when the rollback itself cannot finish", async () => {
        const { id, outs } = await deployedV1();
        fake.metricSource = (metric, deployedModelId) => (metric === ERROR_METRIC && deployedModelId !== outs.deployedModelId ? [[50]] : undefined);
        const busy = apiError(400, "FAILED_PRECONDITION", "Endpoint is busy.");
        fake.inject("POST", /:undeployModel$/, busy);
        const error = (await provider.update!(id, outs, v2()).catch((e: Error) => e)) as Error;
        expect(error.message).toMatch(/had 50 prediction errors/);
        // The traffic did go back (the PATCH worked), so the old model serves; the new one is still deployed.
        expect(error.message).toContain("still serves, with 100% of the endpoint's traffic as before; left to do by hand: undeploying the new deployed model");
        expect(error.message).toContain("gcloud ai endpoints undeploy-model 4242 --deployed-model-id=");
        expect(error.message).toMatch(/then delete the new model: gcloud ai models delete \d+ --region=us-central1 --project=demo-project\./);
        expect(endpoint().trafficSplit).toEqual({ [outs.deployedModelId]: 100 });
    });

    it("when the upload fails, nothing is deployed and the old model still serves", async () => {
        const { id, outs } = await deployedV1();
        fake.nextOperation("upload", { error: { code: 3, message: "artifactUri holds no model file." } });
        await expect(provider.update!(id, outs, v2())).rejects.toThrow(/artifactUri holds no model file\. Nothing was deployed: deployed model \d+ \(.*\) still serves\.$/);
        expectOldServing(outs);
    });

    it("refuses to start when the old deployed model is gone, and says to refresh", async () => {
        const { id, outs } = await deployedV1();
        endpoint().deployedModels = [];
        await expect(provider.update!(id, outs, v2())).rejects.toThrow(/deployed model \d+ is no longer on .*; no change was made\. Fix: run pulumi refresh, then pulumi up\./);
        expect(fake.countOf("POST", /models:upload$/)).toBe(0);
    });
});

describe("allAtOnce is unchanged", () => {
    it("refuses a new model in an update (the diff replaces it) and reads no metrics", async () => {
        const { id, outs } = await deployedV1({ rolloutStrategy: "allAtOnce" });
        await expect(provider.update!(id, outs, v2({ rolloutStrategy: "allAtOnce" }))).rejects.toThrow(/displayName, artifactUri, imageUri can only change by replacing/);
        expect(fake.requests).toEqual([]);
    });
});

describe("closure serialization", { timeout: 30_000 }, () => {
    it("runs a canary rollout from the provider's serialized form", async () => {
        const loaded = loadSerializedProvider((await serializeProvider(provider)).text);

        const { id, outs } = await deployedV1();
        const result = await loaded.update!(id, outs, v2());
        expect(fake.splits).toEqual([{ [outs.deployedModelId]: 90, [result.outs!.deployedModelId]: 10 }, { [result.outs!.deployedModelId]: 100 }]);
        expect(fake.monitoringQueries()).toHaveLength(4);
    });
});
