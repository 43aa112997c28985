import { describe, expect, it } from "vitest";
import { RolloutGuard, createRolloutGuardProvider, rolloutGuardProvider } from "../providers/kubernetes/rolloutGuard";
import { ConflictError, DEPLOYMENT, FakeKubernetes, KUBE_TOKEN, NAMESPACE, PROM_TOKEN, PULUMI_MANAGER, podTemplate } from "./helpers/fakeKubernetes";
import { serveDuringTests } from "./helpers/loopbackServer";
import { mockDynamicResources, outputValue } from "./helpers/unitMocks";
import { loadSerializedProvider, serializeProvider } from "./helpers/serializedProvider";
import { virtualClock } from "./helpers/virtualClock";

// The Kubernetes rollout guard against a fake API server and Prometheus on loopback, over real HTTP:
// the fake's controller rolls one pod per read, and each ReplicaSet's pods answer queries with the
// error rate and latency a test gives them.

const fake = new FakeKubernetes();
serveDuringTests(fake);
const lines: string[] = [];
const clock = virtualClock();
const provider = createRolloutGuardProvider({ getAccessToken: async (audience) => (audience === "kubernetes" ? KUBE_TOKEN : PROM_TOKEN), backoffMs: 1, clock, log: (l) => lines.push(l) });

function inputs(version: string, overrides: Record<string, unknown> = {}): any {
    return {
        apiServer: fake.url,
        caCertificate: Buffer.from("-----BEGIN CERTIFICATE-----\nunused over http\n-----END CERTIFICATE-----\n").toString("base64"),
        credential: "google",
        namespace: NAMESPACE,
        deployment: DEPLOYMENT,
        image: `registry.example/model-server:${version}`,
        modelVersion: version,
        templateFingerprint: `fp-${version}`,
        prometheusUrl: `${fake.url}/prometheus`,
        metricsScope: `cluster="c1",namespace="${NAMESPACE}"`,
        predictRoute: "/predict",
        bakeSeconds: 0.08,
        latencyP99Ms: 500,
        checkIntervalSeconds: 0.02,
        rolloutTimeoutSeconds: 5,
        ...overrides,
    };
}

const IMAGE_FIELD = `.spec.template.spec.containers[name="${DEPLOYMENT}"].image`;

/** Version 1 rolled out and recorded, as after a first `pulumi up`; returns its state. */
async function servingV1(apply: Parameters<FakeKubernetes["apply"]>[1] = {}): Promise<any> {
    fake.apply(podTemplate("1"), { complete: true, ...apply });
    const { outs } = await provider.create!(inputs("1"));
    fake.requests.length = 0;
    lines.length = 0;
    return outs;
}

describe("first rollout", () => {
    it("follows the Deployment until every pod runs the new template, without baking or reading metrics", async () => {
        fake.apply(podTemplate("1"));
        const { id, outs } = await provider.create!(inputs("1"));
        expect(id).toBe(`${NAMESPACE}/${DEPLOYMENT}`);
        expect(outs).toMatchObject({ servingRevision: "1", servingModelVersion: "1" });
        expect(fake.requests.filter((r) => r.path.endsWith(`/deployments/${DEPLOYMENT}`)).length).toBeGreaterThanOrEqual(2);
        expect(fake.queries()).toEqual([]);
        expect(fake.patches()).toEqual([]);
    });

    it("fails a stalled first rollout and rolls nothing back", async () => {
        fake.apply(podTemplate("1"));
        fake.stallAfterReads = 1;
        await expect(provider.create!(inputs("1"))).rejects.toThrow(/ProgressDeadlineExceeded.*Nothing was rolled back.*kubectl describe deployment model-server -n iris/s);
        expect(fake.patches()).toEqual([]);
    });
});

describe("update", () => {
    it("watches the new pods through the rollout and the bake, then records the new revision", async () => {
        const olds = await servingV1();
        const v2 = fake.apply(podTemplate("2"));
        fake.metrics.set(v2, { errorsPerMinute: [0.5], latencyP99Ms: [120] });
        const { outs } = await provider.update!("id", olds, inputs("2"));
        expect(outs).toMatchObject({ servingRevision: "2", servingModelVersion: "2" });
        expect(fake.patches()).toEqual([]);
        const queries = fake.queries();
        expect(queries.length).toBeGreaterThanOrEqual(4);
        // Only the new ReplicaSet's pods, within the workload's scope.
        for (const q of queries) expect(q).toContain(`cluster="c1",namespace="iris",pod=~"model-server-${v2}-.+"`);
        expect(queries.some((q) => q.includes('status=~"5.."'))).toBe(true);
        expect(queries.some((q) => q.startsWith("histogram_quantile(0.99") && q.includes('route="/predict"'))).toBe(true);
        expect(lines.some((l) => l.includes("baked") && l.includes("0.5 5xx/min, p99 120 ms"))).toBe(true);
        // Tokens go where they belong.
        for (const r of fake.requests) expect(r.authorization).toBe(`Bearer ${r.path.startsWith("/prometheus") ? PROM_TOKEN : KUBE_TOKEN}`);
    });

    it("does not roll back on a single bad check among good ones", async () => {
        const olds = await servingV1();
        const v2 = fake.apply(podTemplate("2"));
        fake.metrics.set(v2, { errorsPerMinute: [0, 0, 50, 0, 0, 0], latencyP99Ms: [100] });
        await expect(provider.update!("id", olds, inputs("2", { bakeSeconds: 0.15 }))).resolves.toMatchObject({ outs: { servingRevision: "2" } });
        expect(fake.patches()).toEqual([]);
    });

    it("treats new pods that are scraped but see no predictions yet (no 5xx or latency series) as healthy", async () => {
        const olds = await servingV1();
        const v2 = fake.apply(podTemplate("2"));
        fake.metrics.set(v2, { errorsPerMinute: [], latencyP99Ms: [] });
        await expect(provider.update!("id", olds, inputs("2"))).resolves.toMatchObject({ outs: { servingModelVersion: "2" } });
        expect(fake.queries().some((q) => q === `count(count by (pod) (model_server_requests_total{cluster="c1",namespace="iris",pod=~"model-server-${v2}-.+"}))`)).toBe(true);
    });

    it("fails the bake and rolls back when no series of the new pods reach Prometheus (collectors blocked)", async () => {
        const olds = await servingV1();
        const v2 = fake.apply(podTemplate("2"));
        fake.metrics.set(v2, { errorsPerMinute: [], latencyP99Ms: [], scraped: false });
        await expect(provider.update!("id", olds, inputs("2"))).rejects.toThrow(new RegExp(`rolled back: during the bake, no series of the new pods \\(model-server-${v2}-\\*\\) reached Prometheus in \\d+ checks`));
        expect(fake.currentHash).not.toBe(v2);
    });

    it("rolls back to the previous template when the new pods answer 5xx, and fails saying why and what serves", async () => {
        const olds = await servingV1();
        const v1 = fake.currentHash;
        const v2 = fake.apply(podTemplate("2"));
        fake.metrics.set(v2, { errorsPerMinute: [42], latencyP99Ms: [100] });
        const error = await provider.update!("id", olds, inputs("2")).then(
            () => undefined,
            (e: Error) => e,
        );
        expect(error?.message).toMatch(/model version 2 to Deployment iris\/model-server rolled back: .*more than 5 answers a minute with status 5xx \(42\)/);
        // The controller gives the template that came back the next revision: the message names that one.
        expect(fake.deployment.metadata.annotations["deployment.kubernetes.io/revision"]).toBe("3");
        expect(error?.message).toContain(`Model version 1 serves again on every pod, as revision 3 (ReplicaSet model-server-${v1}, revision 1 before the controller renumbered it)`);
        expect(error?.message).toContain("pulumi up --refresh");
        // kubectl rollout undo: the old template without its pod-template-hash and the old annotations, as a JSON patch.
        const [undo] = fake.patches();
        expect(undo[0]).toEqual({ op: "replace", path: "/spec/template", value: podTemplate("1") });
        expect(undo[1]).toMatchObject({ op: "replace", path: "/metadata/annotations" });
        expect(fake.currentHash).toBe(v1);
        expect(fake.deployment.status.updatedReplicas).toBe(2);
        expect(lines.some((l) => l.includes(`rolling back to ReplicaSet model-server-${v1} (revision 1, model version 1)`))).toBe(true);
    });

    it("restores the annotations as kubectl rollout undo does, keeping the Deployment's revision bookkeeping", async () => {
        const annotations = (cause: string) => ({ "pulumi.com/skipAwait": "true", "pulumi.com/patchForce": "true", "kubernetes.io/change-cause": cause });
        const olds = await servingV1({ annotations: annotations("release 1") });
        const v2 = fake.apply(podTemplate("2"), { annotations: annotations("release 2") });
        fake.metrics.set(v2, { errorsPerMinute: [42], latencyP99Ms: [] });
        await expect(provider.update!("id", olds, inputs("2"))).rejects.toThrow("rolled back");
        const restored = fake.patches()[0][1].value;
        expect(restored).toEqual({ ...annotations("release 1"), "deployment.kubernetes.io/revision": "2" });
        expect(fake.deployment.metadata.annotations).toEqual({ ...annotations("release 1"), "deployment.kubernetes.io/revision": "3" });
    });

    it("refuses a paused Deployment with the command that resumes it, and rolls nothing back", async () => {
        const olds = await servingV1();
        fake.apply(podTemplate("2"));
        fake.update("kubectl-rollout", (d) => (d.spec.paused = true));
        await expect(provider.update!("id", olds, inputs("2"))).rejects.toThrow(
            /Deployment iris\/model-server is paused \(spec.paused\): .*does not roll back a paused Deployment\. Fix: `kubectl rollout resume deployment\/model-server -n iris`/,
        );
        expect(fake.patches()).toEqual([]);
    });

    it("rolls back without the bake hold (minReadySeconds 0), then puts the hold back", async () => {
        const olds = await servingV1({ minReadySeconds: 180 });
        const v2 = fake.apply(podTemplate("2"), { minReadySeconds: 180 });
        // Held pods never become available within the test: only a rollback without the hold finishes.
        fake.holdReads = 1_000_000;
        fake.metrics.set(v2, { errorsPerMinute: [42], latencyP99Ms: [] });
        await expect(provider.update!("id", olds, inputs("2", { rolloutTimeoutSeconds: 1 }))).rejects.toThrow(/rolled back: .*Model version 1 serves again on every pod/s);
        const [undo, putBack] = fake.patches();
        expect(undo).toContainEqual({ op: "add", path: "/spec/minReadySeconds", value: 0 });
        expect(putBack).toEqual([{ op: "add", path: "/spec/minReadySeconds", value: 180 }]);
        expect(fake.deployment.spec.minReadySeconds).toBe(180);
        expect(fake.minReadyAtSteps.at(-1)).toBe(0);
        expect(lines.some((l) => l.includes("without the 180s hold per pod"))).toBe(true);
    });

    it("rolls back on p99 latency above the threshold", async () => {
        const olds = await servingV1();
        const v2 = fake.apply(podTemplate("2"));
        fake.metrics.set(v2, { errorsPerMinute: [0], latencyP99Ms: [2400] });
        await expect(provider.update!("id", olds, inputs("2"))).rejects.toThrow(/p99 latency above 500 ms \(2400 ms\)/);
        expect(fake.patches()).toHaveLength(1);
    });

    it("rolls back a rollout that stalls (ProgressDeadlineExceeded)", async () => {
        const olds = await servingV1();
        fake.apply(podTemplate("2"));
        fake.stallAfterReads = 2;
        await expect(provider.update!("id", olds, inputs("2"))).rejects.toThrow(/rolled back: the rollout stopped making progress \(ProgressDeadlineExceeded/);
        expect(fake.patches()[0][0].value).toEqual(podTemplate("1"));
    });

    it("rolls back a rollout that outlives its deadline", async () => {
        const olds = await servingV1();
        fake.apply(podTemplate("2"));
        fake.stallAfterReads = 1_000_000;
        await expect(provider.update!("id", olds, inputs("2", { rolloutTimeoutSeconds: 0.1 }))).rejects.toThrow(/rolled back: the rollout did not finish within 0s/);
        expect(fake.patches()).toHaveLength(1);
    });

    it("rolls back when the metrics cannot be read, with the permission to grant", async () => {
        const olds = await servingV1();
        fake.apply(podTemplate("2"));
        fake.inject("GET", /^\/prometheus\//, 403, "forbidden", 100);
        await expect(provider.update!("id", olds, inputs("2"))).rejects.toThrow(/their metrics could not be read \(Prometheus query failed: 403: forbidden Fix: .*roles\/monitoring\.viewer/);
        expect(fake.patches()).toHaveLength(1);
    });

    it("says how to undo by hand when the rollback itself fails", async () => {
        const olds = await servingV1();
        const v2 = fake.apply(podTemplate("2"));
        fake.metrics.set(v2, { errorsPerMinute: [42], latencyP99Ms: [] });
        fake.inject("PATCH", /deployments/, 422, "admission webhook denied the request");
        await expect(provider.update!("id", olds, inputs("2"))).rejects.toThrow(
            /Rolling back to model version 1 ALSO FAILED \(.*422: admission webhook denied the request\).*Fix now: kubectl rollout undo deployment\/model-server -n iris --to-revision=1/s,
        );
        expect(fake.currentHash).toBe(v2);
    });

    it("fails with the fix when the Deployment does not run the requested version (an earlier rollback)", async () => {
        const olds = await servingV1();
        await expect(provider.update!("id", olds, inputs("2"))).rejects.toThrow(/runs model version 1 \(registry.example\/model-server:1\), not the requested 2 .*pulumi up --refresh/s);
        expect(fake.patches()).toEqual([]);
    });

    it("watches nothing and undoes nothing when the revision did not change", async () => {
        const olds = await servingV1();
        await expect(provider.update!("id", olds, inputs("1", { templateFingerprint: "fp-1-reordered" }))).resolves.toMatchObject({ outs: { servingRevision: "1" } });
        expect(fake.queries()).toEqual([]);
        expect(fake.patches()).toEqual([]);
    });

    it("moves no pod and calls nothing when only thresholds or timings change", async () => {
        const olds = await servingV1();
        const { outs } = await provider.update!("id", olds, inputs("1", { latencyP99Ms: 900, bakeSeconds: 60 }));
        expect(outs).toMatchObject({ latencyP99Ms: 900, servingRevision: "1" });
        expect(fake.requests).toEqual([]);
    });

    it("retries throttled and failing API calls", async () => {
        const olds = await servingV1();
        const v2 = fake.apply(podTemplate("2"));
        fake.metrics.set(v2, { errorsPerMinute: [0], latencyP99Ms: [10] });
        fake.inject("GET", /deployments/, 429, "too many requests", 2);
        fake.inject("GET", /^\/prometheus\//, 503, "unavailable", 1);
        await expect(provider.update!("id", olds, inputs("2"))).resolves.toMatchObject({ outs: { servingRevision: "2" } });
    });

    it("names the fix when the API server refuses the identity", async () => {
        fake.apply(podTemplate("1"));
        fake.inject("GET", /deployments/, 403, 'deployments.apps "model-server" is forbidden');
        await expect(provider.create!(inputs("1", { credential: "azure" }))).rejects.toThrow(/403: .*forbidden Fix: .*Azure Kubernetes Service RBAC Writer/);
    });
});

describe("field ownership with the kubernetes provider's server-side apply", () => {
    it("the fake API server refuses, as kube-apiserver does, an apply without force that changes a field another manager owns", () => {
        fake.apply(podTemplate("1"), { complete: true });
        expect(fake.ownersOf(IMAGE_FIELD)).toEqual([`${PULUMI_MANAGER}/Apply`]);
        fake.update("kubectl-edit", (d) => (d.spec.template.spec.containers[0].image = "registry.example/model-server:hotfix"));
        expect(fake.ownersOf(IMAGE_FIELD)).toEqual(["kubectl-edit/Update"]);
        const withoutForce = { "pulumi.com/skipAwait": "true" };
        const refused = (() => {
            try {
                fake.apply(podTemplate("2"), { annotations: withoutForce });
            } catch (err) {
                return err;
            }
        })();
        expect(refused).toBeInstanceOf(ConflictError);
        expect((refused as Error).message).toBe(`Apply failed with 1 conflict: conflict with "kubectl-edit" using apps/v1: ${IMAGE_FIELD}`);
        expect((refused as ConflictError).status.details.causes).toContainEqual({ field: IMAGE_FIELD, message: 'conflict with "kubectl-edit" using apps/v1' });
        // The refused apply changed nothing; an unchanged value is shared, not a conflict.
        expect(fake.deployment.spec.template.spec.containers[0].image).toBe("registry.example/model-server:hotfix");
        fake.apply(podTemplate("2"), { annotations: withoutForce, enablePatchForce: true });
        expect(fake.ownersOf(IMAGE_FIELD)).toEqual([`${PULUMI_MANAGER}/Apply`]);
    });

    it("after a rollback, Pulumi's next apply takes back the fields the guard restored instead of a 409", async () => {
        const olds = await servingV1();
        const v2 = fake.apply(podTemplate("2"));
        fake.metrics.set(v2, { errorsPerMinute: [42], latencyP99Ms: [] });
        await expect(provider.update!("id", olds, inputs("2"))).rejects.toThrow("rolled back");
        // The guard's writes are its own, by name.
        const patch = fake.requests.find((r) => r.method === "PATCH")!;
        expect(patch.query.get("fieldManager")).toBe("model-service-rollout-guard");
        expect(fake.ownersOf(IMAGE_FIELD)).toEqual(["model-service-rollout-guard/Update"]);
        // Without patchForce the provider's apply (pulumi up --refresh, or the fixed release) is refused.
        expect(() => fake.apply(podTemplate("2"), { annotations: { "pulumi.com/skipAwait": "true" } })).toThrow(/conflict with "model-service-rollout-guard" using apps\/v1: .*containers\[name="model-server"\]\.image/);
        // The Deployment as the program declares it carries patchForce: the same apply goes through.
        const v3 = fake.apply(podTemplate("3"));
        expect(fake.ownersOf(IMAGE_FIELD)).toEqual([`${PULUMI_MANAGER}/Apply`]);
        expect(fake.currentHash).toBe(v3);
        expect(fake.managers()).not.toContain("model-service-rollout-guard/Update");
    });
});

describe("check and diff", () => {
    it("reports every bad input by name", async () => {
        const { failures } = await provider.check!({}, inputs("1", { apiServer: "cluster.local", credential: "aws", bakeSeconds: -1, latencyP99Ms: "fast", namespace: "" }));
        expect(failures?.map((f) => f.property).sort()).toEqual(["apiServer", "bakeSeconds", "credential", "latencyP99Ms", "namespace"]);
        expect((await provider.check!({}, inputs("1"))).failures).toEqual([]);
    });

    it("updates in place, never replaces", async () => {
        expect(await provider.diff!("id", inputs("1"), inputs("2"))).toMatchObject({ changes: true, replaces: [] });
        expect(await provider.diff!("id", inputs("1"), inputs("1"))).toMatchObject({ changes: false });
    });
});

describe("closure serialization", { timeout: 30_000 }, () => {
    it("serializes the default provider with require() calls instead of copies of the credential libraries", async () => {
        const serialized = await serializeProvider(rolloutGuardProvider);
        expect(serialized.text).toContain('require("google-auth-library")');
        expect(serialized.text).toContain('require("@azure/identity")');
        expect(serialized.text).not.toMatch(/class GoogleAuth|class DefaultAzureCredential/);
        expect(serialized.text.length).toBeLessThan(100_000);
        expect(Object.keys(loadSerializedProvider(serialized.text)).sort()).toEqual(["check", "create", "delete", "diff", "read", "update"]);
    });

    it("rolls back from its serialized form", async () => {
        const serialized = await serializeProvider(provider);
        const loaded = loadSerializedProvider(serialized.text);
        const olds = await servingV1();
        const v2 = fake.apply(podTemplate("2"));
        fake.metrics.set(v2, { errorsPerMinute: [42], latencyP99Ms: [] });
        await expect(loaded.update!("id", olds, inputs("2"))).rejects.toThrow("rolled back");
        expect(fake.patches()).toHaveLength(1);
    });
});

describe("RolloutGuard", () => {
    it("registers its own dynamic type with the serialized provider", async () => {
        const registered = await mockDynamicResources((given) => ({ id: "iris/model-server", state: { ...given, servingRevision: "1", servingModelVersion: given.modelVersion } }));
        const guard = new RolloutGuard("svc", inputs("3"));
        const version = await outputValue(guard.servingModelVersion);
        expect(version).toBe("3");
        expect(registered[0]!.type).toBe("pulumi-nodejs:dynamic/kubernetes:RolloutGuard");
        expect(typeof registered[0]!.inputs.__provider).toBe("string");
    });
});
