import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { RolloutGuard, createRolloutGuardProvider, rolloutGuardProvider } from "../providers/kubernetes/rolloutGuard";
import { DEPLOYMENT, FakeKubernetes, KUBE_TOKEN, NAMESPACE, PROM_TOKEN, podTemplate } from "./helpers/fakeKubernetes";
import { serveDuringTests } from "./helpers/loopbackServer";
import { loadSerializedProvider, serializeProvider } from "./helpers/serializedProvider";

// The Kubernetes rollout guard against a fake API server and Prometheus on loopback, over real HTTP:
// the fake's controller rolls one pod per read, and each ReplicaSet's pods answer queries with the
// error rate and latency a test gives them.

const fake = new FakeKubernetes();
serveDuringTests(fake);
const lines: string[] = [];
const provider = createRolloutGuardProvider({ getAccessToken: async (audience) => (audience === "kubernetes" ? KUBE_TOKEN : PROM_TOKEN), backoffMs: 1, log: (l) => lines.push(l) });

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

/** Version 1 rolled out and recorded, as after a first `pulumi up`; returns its state. */
async function servingV1(): Promise<any> {
    fake.apply(podTemplate("1"), { complete: true });
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

    it("treats no series (no traffic yet) as healthy", async () => {
        const olds = await servingV1();
        fake.apply(podTemplate("2"));
        await expect(provider.update!("id", olds, inputs("2"))).resolves.toMatchObject({ outs: { servingModelVersion: "2" } });
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
        expect(error?.message).toContain("Model version 1 (revision 1) serves again on every pod");
        expect(error?.message).toContain("pulumi up --refresh");
        // kubectl rollout undo: the old template without its pod-template-hash, as a JSON patch.
        expect(fake.patches()).toEqual([[{ op: "replace", path: "/spec/template", value: podTemplate("1") }]]);
        expect(fake.currentHash).toBe(v1);
        expect(fake.deployment.status.updatedReplicas).toBe(2);
        expect(lines.some((l) => l.includes("rolling back to revision 1 (model version 1)"))).toBe(true);
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
        const registered: { type: string; inputs: Record<string, any> }[] = [];
        await pulumi.runtime.setMocks(
            {
                newResource: (args) => {
                    registered.push({ type: args.type, inputs: args.inputs });
                    return { id: "iris/model-server", state: { ...args.inputs, servingRevision: "1", servingModelVersion: args.inputs.modelVersion } };
                },
                call: (args) => args.inputs,
            },
            "project",
            "stack",
            false,
        );
        const guard = new RolloutGuard("svc", inputs("3"));
        const version = await new Promise((resolve) => guard.servingModelVersion.apply(resolve));
        expect(version).toBe("3");
        expect(registered[0]!.type).toBe("pulumi-nodejs:dynamic/kubernetes:RolloutGuard");
        expect(typeof registered[0]!.inputs.__provider).toBe("string");
    });
});
