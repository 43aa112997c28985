import * as http from "node:http";
import { describe, expect, it } from "vitest";
import { TrafficShift, createTrafficShiftProvider, trafficShiftProvider } from "../providers/azure/trafficShift";
import { type CannedResponse, LoopbackServer, sendCanned, serveDuringTests } from "./helpers/loopbackServer";
import { installFakeAzCli, withArmEnv } from "./helpers/fakeAzCli";
import { loadSerializedProvider, serializeProvider } from "./helpers/serializedProvider";
import { mockDynamicResources, outputValue } from "./helpers/unitMocks";
import { virtualClock } from "./helpers/virtualClock";

// A fake Azure Resource Manager on loopback: one Azure ML online endpoint (GET, PUT with an
// Azure-AsyncOperation or Location long-running operation) and Azure Monitor metrics per deployment,
// with failures injected per test. The provider under test talks to it over real HTTP.

const SUB = "00000000-0000-4000-8000-000000000001";
const ENDPOINT_ID = `/subscriptions/${SUB}/resourceGroups/iris-dev/providers/Microsoft.MachineLearningServices/workspaces/iris-dev/onlineEndpoints/iris-dev`;
const TOKEN = "test-arm-token";

interface Recorded {
    method: string;
    path: string;
    query: URLSearchParams;
    headers: http.IncomingHttpHeaders;
    body: any;
    /** When it arrived, on the provider's clock. */
    at: number;
}

type FakeResponse = CannedResponse;

interface FakeOperation {
    polls: number;
    error?: { code: string; message: string };
    apply: () => void;
    done: boolean;
}

function armError(status: number, code: string, message: string): FakeResponse {
    return { status, body: { error: { code, message } } };
}

class FakeArm extends LoopbackServer {
    readonly requests: Recorded[] = [];
    constructor(private readonly now: () => number) {
        super();
    }
    readonly deployments = new Set<string>();
    traffic: Record<string, number> = {};
    /** Per deployment: 5xx answers per minute and p99 latency per minute (null: no data that minute). */
    readonly metrics = new Map<string, { fivexx: (number | null)[]; p99: (number | null)[] }>();
    /** Per deployment: requests answered per minute, any status (unset: 30 a minute, a deployment that is called). */
    readonly callsPerMinute = new Map<string, (number | null)[]>();
    /** Per deployment: the metrics once it serves all the traffic (else `metrics`). */
    readonly metricsAtFullTraffic = new Map<string, { fivexx: (number | null)[]; p99: (number | null)[] }>();
    pollsToComplete = 2;
    /** Answer PUTs with a Location header (202) instead of Azure-AsyncOperation. */
    useLocation = false;
    private injected: { method: string; pattern: RegExp; responses: FakeResponse[] }[] = [];
    private failNextOperations: ({ code: string; message: string } | undefined)[] = [];
    private readonly operations = new Map<string, FakeOperation>();
    private seq = 0;
    reset(): void {
        this.requests.length = 0;
        this.deployments.clear();
        this.traffic = {};
        this.metrics.clear();
        this.callsPerMinute.clear();
        this.metricsAtFullTraffic.clear();
        this.pollsToComplete = 2;
        this.useLocation = false;
        this.injected = [];
        this.failNextOperations = [];
        this.operations.clear();
    }

    /** A deployment on the endpoint, serving `traffic` percent. */
    seed(name: string, traffic = 0): void {
        this.deployments.add(name);
        if (traffic > 0) this.traffic[name] = traffic;
    }

    inject(method: string, pattern: RegExp, ...responses: FakeResponse[]): void {
        this.injected.push({ method, pattern, responses });
    }

    /** The traffic operations to come, in order: undefined succeeds, an error fails. */
    operationOutcomes(...outcomes: ({ code: string; message: string } | undefined)[]): void {
        this.failNextOperations.push(...outcomes);
    }

    trafficPuts(): Record<string, number>[] {
        return this.requests.filter((r) => r.method === "PUT").map((r) => r.body.properties.traffic);
    }

    metricQueries(): { metric: string; filter: string; aggregation: string; interval: string; timespan: string; apiVersion: string; at: number }[] {
        return this.requests
            .filter((r) => r.path.endsWith("/providers/Microsoft.Insights/metrics"))
            .map((r) => ({
                metric: r.query.get("metricnames")!,
                filter: r.query.get("$filter")!,
                aggregation: r.query.get("aggregation")!,
                interval: r.query.get("interval")!,
                timespan: r.query.get("timespan")!,
                apiVersion: r.query.get("api-version")!,
                at: r.at,
            }));
    }

    private send(res: http.ServerResponse, r: FakeResponse): void {
        sendCanned(res, r);
    }

    private endpoint(): Record<string, unknown> {
        return {
            id: ENDPOINT_ID,
            name: "iris-dev",
            type: "Microsoft.MachineLearningServices/workspaces/onlineEndpoints",
            location: "eastus",
            kind: "Managed",
            tags: { "managed-by": "pulumi" },
            identity: { type: "SystemAssigned", principalId: "11111111-0000-4000-8000-000000000000", tenantId: "22222222-0000-4000-8000-000000000000" },
            properties: {
                authMode: "Key",
                publicNetworkAccess: "Disabled",
                description: "Model service iris",
                provisioningState: "Succeeded",
                scoringUri: "https://iris-dev.eastus.inference.ml.azure.com/score",
                swaggerUri: "https://iris-dev.eastus.inference.ml.azure.com/swagger.json",
                traffic: { ...this.traffic },
            },
        };
    }

    protected handle(req: http.IncomingMessage, res: http.ServerResponse, raw: string): void {
        const url = new URL(req.url ?? "/", "http://127.0.0.1");
        const method = req.method ?? "GET";
        const body = raw ? JSON.parse(raw) : undefined;
        this.requests.push({ method, path: url.pathname, query: url.searchParams, headers: req.headers, body, at: this.now() });
        const injection = this.injected.find((i) => i.method === method && i.pattern.test(url.pathname) && i.responses.length > 0);
        if (injection) {
            this.send(res, injection.responses.shift()!);
            return;
        }
        if (req.headers.authorization !== `Bearer ${TOKEN}`) {
            this.send(res, armError(401, "InvalidAuthenticationToken", "The access token is invalid."));
            return;
        }
        this.send(res, this.route(method, url, body));
    }

    private route(method: string, url: URL, body: any): FakeResponse {
        const route = url.pathname;
        if (route === ENDPOINT_ID) {
            if (url.searchParams.get("api-version") !== "2024-10-01") return armError(400, "InvalidApiVersion", "bad api-version");
            if (method === "GET") return { body: this.endpoint() };
            if (method === "PUT") return this.put(body);
            return armError(405, "MethodNotAllowed", `${method} is not supported`);
        }
        if (method === "GET" && route === `${ENDPOINT_ID}/providers/Microsoft.Insights/metrics`) return this.metricsOf(url.searchParams);
        const op = /\/mfeOperations(Status|Results)\/(\d+)$/.exec(route);
        if (method === "GET" && op) {
            const operation = this.operations.get(op[2]!);
            if (!operation) return armError(404, "NotFound", "no such operation");
            operation.polls += 1;
            const finished = operation.polls >= this.pollsToComplete;
            if (finished && !operation.done) {
                operation.done = true;
                if (!operation.error) operation.apply();
            }
            if (op[1] === "Results") return finished ? { status: 200 } : { status: 202, headers: { location: url.href, "retry-after": "0" } };
            if (!finished) return { body: { status: "InProgress" } };
            return { body: operation.error ? { status: "Failed", error: operation.error } : { status: "Succeeded" } };
        }
        return armError(404, "NotFound", `No route for ${method} ${route}.`);
    }

    private put(body: any): FakeResponse {
        const traffic = (body?.properties?.traffic ?? {}) as Record<string, number>;
        const sum = Object.values(traffic).reduce((a, b) => a + b, 0);
        if (Object.keys(traffic).length > 0 && sum !== 100) return armError(400, "BadArgument", `Traffic values must add up to 100, not ${sum}.`);
        const unknown = Object.keys(traffic).find((d) => !this.deployments.has(d));
        if (unknown) return armError(400, "BadArgument", `Deployment ${unknown} does not exist.`);
        for (const readOnly of ["provisioningState", "scoringUri", "swaggerUri"]) {
            if (readOnly in (body.properties ?? {})) return armError(400, "BadArgument", `${readOnly} is read-only.`);
        }
        const id = String(++this.seq);
        this.operations.set(id, { polls: 0, error: this.failNextOperations.shift(), apply: () => (this.traffic = { ...traffic }), done: false });
        const base = `${this.url}/subscriptions/${SUB}/providers/Microsoft.MachineLearningServices/locations/eastus`;
        if (this.useLocation) return { status: 202, headers: { location: `${base}/mfeOperationsResults/${id}?api-version=2024-10-01`, "retry-after": "0" } };
        return { status: 201, body: { ...this.endpoint(), properties: { ...(this.endpoint().properties as object), provisioningState: "Updating" } }, headers: { "azure-asyncoperation": `${base}/mfeOperationsStatus/${id}?api-version=2024-10-01` } };
    }

    private metricsOf(query: URLSearchParams): FakeResponse {
        const metric = query.get("metricnames")!;
        const filter = query.get("$filter") ?? "";
        const deployment = /deployment eq '([^']+)'/.exec(filter)?.[1] ?? "";
        const series = (this.traffic[deployment] === 100 ? this.metricsAtFullTraffic.get(deployment) : undefined) ?? this.metrics.get(deployment) ?? { fivexx: [], p99: [] };
        const values =
            metric === "RequestsPerMinute" && /statusCodeClass eq '5xx'/.test(filter)
                ? series.fivexx
                : metric === "RequestsPerMinute"
                  ? (this.callsPerMinute.get(deployment) ?? [30])
                  : metric === "RequestLatency_P99"
                    ? series.p99
                    : [];
        const start = Date.parse(query.get("timespan")!.split("/")[0]!);
        const data = values.map((v, i) => ({ timeStamp: new Date(start + i * 60_000).toISOString(), ...(v === null ? {} : { average: v }) }));
        return { body: { value: [{ name: { value: metric }, unit: "Count", timeseries: [{ metadatavalues: [], data }] }], namespace: "Microsoft.MachineLearningServices/workspaces/onlineEndpoints" } };
    }
}

const clock = virtualClock();
const fake = new FakeArm(() => clock.now());
const provider = createTrafficShiftProvider({ getAccessToken: async () => TOKEN, backoffMs: 2, clock });

function inputs(overrides: Record<string, unknown> = {}): Record<string, any> {
    return {
        endpointId: ENDPOINT_ID,
        deploymentName: "v2-bbbbbbbb",
        strategy: "canary",
        stepPercent: 10,
        // Five-minute bakes checked every minute, on a virtual clock: the whole sequence runs without waiting.
        bakeSeconds: 300,
        checkIntervalSeconds: 60,
        latencyP99Ms: 1000,
        apiEndpoint: fake.url,
        ...overrides,
    };
}

/** The shifter's state after a rollout onto v1-aaaaaaaa. */
function stateOnV1(overrides: Record<string, unknown> = {}): Record<string, any> {
    return { ...inputs({ deploymentName: "v1-aaaaaaaa", ...overrides }), traffic: { "v1-aaaaaaaa": 100 } };
}

serveDuringTests(fake);

describe("first create", { timeout: 10_000 }, () => {
    it("gives a new endpoint's only deployment all the traffic, without a bake or metrics", async () => {
        fake.seed("v2-bbbbbbbb");
        const result = await provider.create(inputs());
        expect(result.id).toBe(`${ENDPOINT_ID}/traffic`);
        expect(result.outs).toEqual({ ...inputs(), traffic: { "v2-bbbbbbbb": 100 } });
        expect(fake.traffic).toEqual({ "v2-bbbbbbbb": 100 });
        expect(fake.trafficPuts()).toEqual([{ "v2-bbbbbbbb": 100 }]);
        expect(fake.metricQueries()).toEqual([]);
        const put = fake.requests.find((r) => r.method === "PUT")!;
        // The endpoint goes back as it was, read-only fields left out, identity without its ids.
        expect(put.body).toEqual({
            location: "eastus",
            kind: "Managed",
            tags: { "managed-by": "pulumi" },
            identity: { type: "SystemAssigned" },
            properties: { authMode: "Key", publicNetworkAccess: "Disabled", description: "Model service iris", traffic: { "v2-bbbbbbbb": 100 } },
        });
        expect(put.headers.authorization).toBe(`Bearer ${TOKEN}`);
    });

    it("rolls out from a deployment that already serves (a stack moving from the single 'primary' deployment)", async () => {
        fake.seed("primary", 100);
        fake.seed("v2-bbbbbbbb");
        await provider.create(inputs());
        expect(fake.trafficPuts()).toEqual([{ "v2-bbbbbbbb": 10, primary: 90 }, { "v2-bbbbbbbb": 100 }]);
        expect(fake.metricQueries().length).toBeGreaterThan(0);
    });
});

describe("an endpoint whose traffic was reset (issue 14 item 11)", { timeout: 10_000 }, () => {
    it("refuses to roll out when nothing serves though the old deployment did: no unwatched 100% to the new one", async () => {
        // An endpoint PUT without `traffic` sets every deployment to 0%.
        fake.seed("v1-aaaaaaaa", 0);
        fake.seed("v2-bbbbbbbb");
        const err = await provider.update!("id", stateOnV1(), inputs()).catch((e: Error) => e);
        expect(String(err)).toMatch(/refused: the endpoint serves no deployment, though v1-aaaaaaaa=100% served after the last rollout/);
        expect(String(err)).toContain('--traffic "v1-aaaaaaaa=100"');
        expect(fake.trafficPuts()).toEqual([]);
    });

    it("still gives a new endpoint's first deployment everything", async () => {
        fake.seed("v2-bbbbbbbb");
        await provider.create(inputs());
        expect(fake.trafficPuts()).toEqual([{ "v2-bbbbbbbb": 100 }]);
    });
});

describe("canary and linear rollouts", { timeout: 10_000 }, () => {
    it("canary: 10% to the new deployment, a watched bake, then all of it", async () => {
        fake.seed("v1-aaaaaaaa", 100);
        fake.seed("v2-bbbbbbbb");
        fake.metrics.set("v2-bbbbbbbb", { fivexx: [0, 2, null], p99: [180, 240, null] });
        const result = await provider.update!("id", stateOnV1(), inputs());
        expect(result.outs).toEqual({ ...inputs(), traffic: { "v2-bbbbbbbb": 100 } });
        expect(fake.trafficPuts()).toEqual([{ "v2-bbbbbbbb": 10, "v1-aaaaaaaa": 90 }, { "v2-bbbbbbbb": 100 }]);
        expect(fake.traffic).toEqual({ "v2-bbbbbbbb": 100 });

        const queries = fake.metricQueries();
        expect(queries.length).toBeGreaterThanOrEqual(4);
        expect(new Set(queries.map((q) => `${q.metric} | ${q.filter}`))).toEqual(
            new Set([
                "RequestsPerMinute | deployment eq 'v2-bbbbbbbb' and statusCodeClass eq '5xx'",
                "RequestLatency_P99 | deployment eq 'v2-bbbbbbbb'",
                // Every request of the new deployment, at the end of each step's bake: an idle bake proves nothing.
                "RequestsPerMinute | deployment eq 'v2-bbbbbbbb'",
            ]),
        );
        for (const q of queries) expect(q).toMatchObject({ aggregation: "Average", interval: "PT1M", apiVersion: "2023-10-01" });
        // The window starts on a whole minute, before the first step, and ends when it is read.
        const [from, to] = queries[0]!.timespan.split("/").map((t) => Date.parse(t));
        expect(from! % 60_000).toBe(0);
        expect(queries[0]!.at - to!).toBeGreaterThanOrEqual(0);
        expect(queries[0]!.at - to!).toBeLessThan(5_000);

        // Metrics are read between the two steps: the canary is watched before it takes everything.
        const puts = fake.requests.map((r, i) => [r, i] as const).filter(([r]) => r.method === "PUT").map(([, i]) => i);
        const metricIndexes = fake.requests.map((r, i) => [r, i] as const).filter(([r]) => r.path.endsWith("/metrics")).map(([, i]) => i);
        expect(metricIndexes.some((i) => i > puts[0]! && i < puts[1]!)).toBe(true);
        expect(metricIndexes.some((i) => i > puts[1]!)).toBe(true);
    });

    it("linear: steps of stepPercent, each baked, then 100", async () => {
        fake.seed("v1-aaaaaaaa", 100);
        fake.seed("v2-bbbbbbbb");
        await provider.update!("id", stateOnV1(), inputs({ strategy: "linear", stepPercent: 30 }));
        expect(fake.trafficPuts()).toEqual([
            { "v2-bbbbbbbb": 30, "v1-aaaaaaaa": 70 },
            { "v2-bbbbbbbb": 60, "v1-aaaaaaaa": 40 },
            { "v2-bbbbbbbb": 90, "v1-aaaaaaaa": 10 },
            { "v2-bbbbbbbb": 100 },
        ]);
    });

    it("allAtOnce: all the traffic in one step, still baked so it can roll back", async () => {
        fake.seed("v1-aaaaaaaa", 100);
        fake.seed("v2-bbbbbbbb");
        await provider.update!("id", stateOnV1(), inputs({ strategy: "allAtOnce" }));
        expect(fake.trafficPuts()).toEqual([{ "v2-bbbbbbbb": 100 }]);
        expect(fake.metricQueries().length).toBeGreaterThan(0);
    });

    it("keeps the other deployments' proportions while the new one grows", async () => {
        fake.seed("v1-aaaaaaaa", 75);
        fake.seed("shadow", 25);
        fake.seed("v2-bbbbbbbb");
        await provider.update!("id", stateOnV1(), inputs({ stepPercent: 20 }));
        expect(fake.trafficPuts()[0]).toEqual({ "v2-bbbbbbbb": 20, "v1-aaaaaaaa": 60, shadow: 20 });
    });

    it("does nothing when the deployment did not change (a rollout setting did)", async () => {
        fake.seed("v1-aaaaaaaa", 100);
        const result = await provider.update!("id", stateOnV1(), inputs({ deploymentName: "v1-aaaaaaaa", stepPercent: 25 }));
        expect(result.outs).toEqual({ ...inputs({ deploymentName: "v1-aaaaaaaa", stepPercent: 25 }), traffic: { "v1-aaaaaaaa": 100 } });
        expect(fake.requests).toEqual([]);
    });

    it("bakes nothing when bakeSeconds is 0", async () => {
        fake.seed("v1-aaaaaaaa", 100);
        fake.seed("v2-bbbbbbbb");
        await provider.update!("id", stateOnV1(), inputs({ bakeSeconds: 0 }));
        expect(fake.trafficPuts()).toHaveLength(2);
        expect(fake.metricQueries()).toEqual([]);
    });

    it("tolerates a single bad minute among healthy ones", async () => {
        fake.seed("v1-aaaaaaaa", 100);
        fake.seed("v2-bbbbbbbb");
        fake.metrics.set("v2-bbbbbbbb", { fivexx: [40, 0, 0, 1, 0], p99: [3000, 200, 210, 190, 205] });
        await provider.update!("id", stateOnV1(), inputs());
        expect(fake.traffic).toEqual({ "v2-bbbbbbbb": 100 });
    });
});

describe("a bake nobody called (issue 14 item 12)", { timeout: 10_000 }, () => {
    it("canary: no request reached the new deployment, so the traffic goes back and the update fails saying so", async () => {
        fake.seed("v1-aaaaaaaa", 100);
        fake.seed("v2-bbbbbbbb");
        fake.callsPerMinute.set("v2-bbbbbbbb", [null, 0, null]);
        const error = (await provider.update!("id", stateOnV1(), inputs()).catch((e: Error) => e)) as Error;
        expect(error.message).toContain("rolled back: at 10% of traffic, no request reached it during the 5-minute bake, so nothing shows it works.");
        expect(error.message).toContain("set azureAllowIdleBake to let a bake without requests pass");
        expect(fake.trafficPuts()).toEqual([{ "v2-bbbbbbbb": 10, "v1-aaaaaaaa": 90 }, { "v1-aaaaaaaa": 100 }]);
        expect(fake.traffic).toEqual({ "v1-aaaaaaaa": 100 });
    });

    it("linear: the same for every step", async () => {
        fake.seed("v1-aaaaaaaa", 100);
        fake.seed("v2-bbbbbbbb");
        fake.callsPerMinute.set("v2-bbbbbbbb", []);
        await expect(provider.update!("id", stateOnV1(), inputs({ strategy: "linear", stepPercent: 25 }))).rejects.toThrow("rolled back: at 25% of traffic, no request reached it");
        expect(fake.traffic).toEqual({ "v1-aaaaaaaa": 100 });
    });

    it("passes when explicitly allowed (allowIdleBake), and reads no request count then", async () => {
        fake.seed("v1-aaaaaaaa", 100);
        fake.seed("v2-bbbbbbbb");
        fake.callsPerMinute.set("v2-bbbbbbbb", []);
        await provider.update!("id", stateOnV1(), inputs({ allowIdleBake: true }));
        expect(fake.traffic).toEqual({ "v2-bbbbbbbb": 100 });
        expect(fake.metricQueries().filter((q) => q.filter === "deployment eq 'v2-bbbbbbbb'" && q.metric === "RequestsPerMinute")).toEqual([]);
    });

    it("allAtOnce (no canary asked): its bake watches errors and latency, and needs no requests", async () => {
        fake.seed("v1-aaaaaaaa", 100);
        fake.seed("v2-bbbbbbbb");
        fake.callsPerMinute.set("v2-bbbbbbbb", []);
        await provider.update!("id", stateOnV1(), inputs({ strategy: "allAtOnce" }));
        expect(fake.traffic).toEqual({ "v2-bbbbbbbb": 100 });
    });

    it("refuses an allowIdleBake that is not a boolean", async () => {
        const { failures } = await provider.check!({}, inputs({ allowIdleBake: "yes" }));
        expect(failures).toEqual([{ property: "allowIdleBake", reason: "must be true or false" }]);
    });
});

describe("rollback", { timeout: 10_000 }, () => {
    it("on 5xx answers from the canary: the old deployment gets everything back, and the update fails naming the figures", async () => {
        fake.seed("v1-aaaaaaaa", 100);
        fake.seed("v2-bbbbbbbb");
        fake.metrics.set("v2-bbbbbbbb", { fivexx: [12, 9, 7], p99: [200, 210, 220] });
        const error = (await provider.update!("id", stateOnV1(), inputs()).catch((e: Error) => e)) as Error;
        expect(error.message).toBe(
            "Azure ML rollout of deployment v2-bbbbbbbb rolled back: at 10% of traffic, 3 of the last minutes had more than 5 requests answered 5xx (12, 9, 7 per minute). " +
                "The old deployment v1-aaaaaaaa serves v1-aaaaaaaa=100% again and is kept; v2-bbbbbbbb serves nothing. Fix the new version or revert the change, then run pulumi up again.",
        );
        expect(fake.trafficPuts()).toEqual([{ "v2-bbbbbbbb": 10, "v1-aaaaaaaa": 90 }, { "v1-aaaaaaaa": 100 }]);
        expect(fake.traffic).toEqual({ "v1-aaaaaaaa": 100 });
    });

    it("on p99 latency above alarmLatencyP99Ms", async () => {
        fake.seed("v1-aaaaaaaa", 100);
        fake.seed("v2-bbbbbbbb");
        fake.metrics.set("v2-bbbbbbbb", { fivexx: [0, 0], p99: [1450.4, 1800] });
        await expect(provider.update!("id", stateOnV1(), inputs({ strategy: "linear", stepPercent: 25 }))).rejects.toThrow(
            "rolled back: at 25% of traffic, 2 of the last minutes had a p99 latency above 1000 ms (1450 ms, 1800 ms).",
        );
        expect(fake.traffic).toEqual({ "v1-aaaaaaaa": 100 });
    });

    it("in the final bake, after the new deployment took all the traffic", async () => {
        fake.seed("v1-aaaaaaaa", 100);
        fake.seed("v2-bbbbbbbb");
        // Healthy while it serves 10%; its errors climb once it serves everything.
        fake.metrics.set("v2-bbbbbbbb", { fivexx: [0, 0, 0], p99: [] });
        fake.metricsAtFullTraffic.set("v2-bbbbbbbb", { fivexx: [50, 60, 70], p99: [] });
        await expect(provider.update!("id", stateOnV1(), inputs())).rejects.toThrow("rolled back: at 100% of traffic, 3 of the last minutes had more than 5 requests answered 5xx (50, 60, 70 per minute)");
        expect(fake.trafficPuts()).toEqual([{ "v2-bbbbbbbb": 10, "v1-aaaaaaaa": 90 }, { "v2-bbbbbbbb": 100 }, { "v1-aaaaaaaa": 100 }]);
        expect(fake.traffic).toEqual({ "v1-aaaaaaaa": 100 });
    });

    it("when a traffic operation fails: the traffic goes back and the failure is named", async () => {
        fake.seed("v1-aaaaaaaa", 100);
        fake.seed("v2-bbbbbbbb");
        fake.operationOutcomes(undefined, { code: "InternalServerError", message: "Deployment v2-bbbbbbbb is not ready to take traffic." });
        const error = (await provider.update!("id", stateOnV1(), inputs()).catch((e: Error) => e)) as Error;
        expect(error.message).toBe(
            "Azure ML rollout of deployment v2-bbbbbbbb rolled back: setting traffic to v2-bbbbbbbb=100% failed " +
                "(Azure online endpoint traffic update operation failed: InternalServerError: Deployment v2-bbbbbbbb is not ready to take traffic.). " +
                "The old deployment v1-aaaaaaaa serves v1-aaaaaaaa=100% again and is kept; v2-bbbbbbbb serves nothing. Fix the new version or revert the change, then run pulumi up again.",
        );
        expect(fake.trafficPuts()).toEqual([{ "v2-bbbbbbbb": 10, "v1-aaaaaaaa": 90 }, { "v2-bbbbbbbb": 100 }, { "v1-aaaaaaaa": 100 }]);
        expect(fake.traffic).toEqual({ "v1-aaaaaaaa": 100 });
    });

    it("when a traffic change is refused outright", async () => {
        fake.seed("v1-aaaaaaaa", 100);
        fake.seed("v2-bbbbbbbb");
        fake.inject("PUT", /onlineEndpoints\/iris-dev$/, armError(400, "BadArgument", "Instance capacity is exhausted"));
        await expect(provider.update!("id", stateOnV1(), inputs())).rejects.toThrow(
            "rolled back: setting traffic to v2-bbbbbbbb=10%, v1-aaaaaaaa=90% failed (Azure online endpoint traffic update failed: 400 BadArgument: Instance capacity is exhausted.)",
        );
        expect(fake.traffic).toEqual({ "v1-aaaaaaaa": 100 });
    });

    it("when the new deployment's metrics cannot be read", async () => {
        fake.seed("v1-aaaaaaaa", 100);
        fake.seed("v2-bbbbbbbb");
        fake.inject("GET", /\/metrics$/, armError(403, "AuthorizationFailed", "The client does not have authorization to perform action 'microsoft.insights/metrics/read'"));
        await expect(provider.update!("id", stateOnV1(), inputs())).rejects.toThrow(
            "rolled back: at 10% of traffic, its metrics could not be read (Azure metrics read (RequestsPerMinute) failed: 403 AuthorizationFailed:",
        );
        expect(fake.traffic).toEqual({ "v1-aaaaaaaa": 100 });
    });

    it("says loudly, with the command that fixes it, when the rollback itself fails", async () => {
        fake.seed("v1-aaaaaaaa", 100);
        fake.seed("v2-bbbbbbbb");
        fake.metrics.set("v2-bbbbbbbb", { fivexx: [30, 30, 30], p99: [] });
        fake.operationOutcomes(undefined, { code: "Conflict", message: "Another operation is in progress." });
        const error = (await provider.update!("id", stateOnV1(), inputs()).catch((e: Error) => e)) as Error;
        expect(error.message).toContain("Rolling back to v1-aaaaaaaa ALSO FAILED");
        expect(error.message).toContain("the endpoint may still send traffic to v2-bbbbbbbb (last set: v2-bbbbbbbb=10%, v1-aaaaaaaa=90%)");
        expect(error.message).toContain(`az ml online-endpoint update --name iris-dev --workspace-name iris-dev --resource-group iris-dev --subscription ${SUB} --traffic "v1-aaaaaaaa=100"`);
    });
});

describe("ARM calls", { timeout: 10_000 }, () => {
    it("retries 429 (honouring Retry-After), 503 and a dropped connection, then succeeds", async () => {
        fake.seed("v1-aaaaaaaa", 100);
        fake.seed("v2-bbbbbbbb");
        fake.inject("PUT", /onlineEndpoints\/iris-dev$/, { ...armError(429, "TooManyRequests", "Too many requests."), headers: { "retry-after": "0" } }, { destroy: true });
        fake.inject("GET", /mfeOperationsStatus/, armError(503, "ServiceUnavailable", "Try again."));
        fake.inject("GET", /\/metrics$/, { ...armError(429, "TooManyRequests", "Throttled."), headers: { "retry-after": "0" } });
        await provider.update!("id", stateOnV1(), inputs());
        expect(fake.traffic).toEqual({ "v2-bbbbbbbb": 100 });
        expect(fake.requests.filter((r) => r.method === "PUT")).toHaveLength(4);
    });

    it("gives up after 6 attempts with the last error (and rolls back)", async () => {
        fake.seed("v1-aaaaaaaa", 100);
        fake.seed("v2-bbbbbbbb");
        const busy = armError(503, "ServiceUnavailable", "The service is unavailable.");
        fake.inject("PUT", /onlineEndpoints\/iris-dev$/, ...Array.from({ length: 6 }, () => busy));
        await expect(provider.update!("id", stateOnV1(), inputs())).rejects.toThrow(
            "failed (Azure online endpoint traffic update failed after 6 attempts; last: 503 ServiceUnavailable: The service is unavailable.)",
        );
        expect(fake.traffic).toEqual({ "v1-aaaaaaaa": 100 });
    });

    it("follows a Location header (202 until done)", async () => {
        fake.useLocation = true;
        fake.seed("v1-aaaaaaaa", 100);
        fake.seed("v2-bbbbbbbb");
        await provider.update!("id", stateOnV1(), inputs({ strategy: "allAtOnce" }));
        expect(fake.traffic).toEqual({ "v2-bbbbbbbb": 100 });
        expect(fake.requests.filter((r) => /mfeOperationsResults/.test(r.path)).length).toBeGreaterThanOrEqual(2);
    });

    it("stops waiting at the operation deadline", async () => {
        fake.pollsToComplete = 1_000_000;
        fake.seed("v2-bbbbbbbb");
        const started = clock.now();
        await expect(provider.create(inputs({ operationTimeoutSeconds: 0.1 }))).rejects.toThrow(/the operation did not finish within 0\.1s \(http:\/\/127\.0\.0\.1:\d+\/.*mfeOperationsStatus\/\d+/);
        expect(clock.now() - started).toBeGreaterThanOrEqual(100);
        expect(clock.now() - started).toBeLessThan(3_000);
    });

    it("does not retry a 403, and says how to fix it", async () => {
        fake.inject("GET", /onlineEndpoints\/iris-dev$/, armError(403, "AuthorizationFailed", "No access."));
        await expect(provider.create(inputs())).rejects.toThrow(
            "Azure online endpoint read failed: 403 AuthorizationFailed: No access. Fix: give the identity running pulumi Contributor on the workspace",
        );
        expect(fake.requests).toHaveLength(1);
    });

    it("never sends the token to another host named by an operation header", async () => {
        fake.seed("v2-bbbbbbbb");
        fake.inject("PUT", /onlineEndpoints\/iris-dev$/, { status: 201, body: {}, headers: { "azure-asyncoperation": "https://attacker.example/op/1" } });
        await expect(provider.create(inputs())).rejects.toThrow("refusing to send credentials there");
    });
});

describe("check, diff and read", () => {
    it("checks the endpoint id, strategy and numbers", async () => {
        const { failures } = await provider.check!({}, inputs({ endpointId: "iris-dev", strategy: "blue-green", stepPercent: 80, bakeSeconds: -1 }));
        expect(failures!.map((f) => f.property).sort()).toEqual(["bakeSeconds", "endpointId", "stepPercent", "strategy"]);
        expect((await provider.check!({}, inputs())).failures).toEqual([]);
    });

    it("rolls out in place when the deployment changes, and starts over only on a new endpoint", async () => {
        expect(await provider.diff!("id", stateOnV1(), inputs())).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
        expect(await provider.diff!("id", stateOnV1(), inputs({ deploymentName: "v1-aaaaaaaa" }))).toMatchObject({ changes: false });
        expect(await provider.diff!("id", stateOnV1(), inputs({ endpointId: ENDPOINT_ID.replace(/iris-dev$/, "other") }))).toMatchObject({ changes: true, replaces: ["endpointId"] });
    });

    it("reads the endpoint's traffic; a missing endpoint is gone", async () => {
        fake.seed("v1-aaaaaaaa", 60);
        fake.seed("v2-bbbbbbbb", 40);
        expect(await provider.read!(`${ENDPOINT_ID}/traffic`, stateOnV1())).toEqual({ id: `${ENDPOINT_ID}/traffic`, props: { ...stateOnV1(), traffic: { "v1-aaaaaaaa": 60, "v2-bbbbbbbb": 40 } } });
        fake.inject("GET", /onlineEndpoints\/iris-dev$/, armError(404, "ResourceNotFound", "gone"));
        expect(await provider.read!(`${ENDPOINT_ID}/traffic`, stateOnV1())).toEqual({ id: "" });
    });

    it("leaves the traffic alone on delete", async () => {
        fake.seed("v1-aaaaaaaa", 100);
        await provider.delete!(`${ENDPOINT_ID}/traffic`, stateOnV1());
        expect(fake.requests).toEqual([]);
    });
});

describe("closure serialization", { timeout: 30_000 }, () => {
    it("serializes the default provider without a copy of @azure/identity", async () => {
        const serialized = await serializeProvider(trafficShiftProvider);
        expect(serialized.containsSecrets).toBe(false);
        expect(serialized.text).toContain('require("@azure/identity")');
        expect(serialized.text).not.toMatch(/class \w*Credential\b|@azure\/msal/);
        expect(serialized.text.length).toBeLessThan(100_000);
        const loaded = loadSerializedProvider(serialized.text);
        expect(Object.keys(loaded).sort()).toEqual(["check", "create", "delete", "diff", "read", "update"]);
    });

    it("runs a canary with rollback from its serialized form", async () => {
        const serialized = await serializeProvider(provider);
        const loaded = loadSerializedProvider(serialized.text);
        fake.seed("v1-aaaaaaaa", 100);
        fake.seed("v2-bbbbbbbb");
        fake.metrics.set("v2-bbbbbbbb", { fivexx: [9, 9], p99: [] });
        await expect(loaded.update!("id", stateOnV1(), inputs())).rejects.toThrow("rolled back");
        expect(fake.trafficPuts()).toEqual([{ "v2-bbbbbbbb": 10, "v1-aaaaaaaa": 90 }, { "v1-aaaaaaaa": 100 }]);
    });
});

describe("credentials, as azure-native reads them (issue 14 item 5)", { timeout: 30_000 }, () => {
    it("the serialized default provider authenticates as the Azure CLI's account when no ARM_* is set", async () => {
        const restoreEnv = withArmEnv({});
        const az = installFakeAzCli(TOKEN);
        try {
            const loaded = loadSerializedProvider((await serializeProvider(createTrafficShiftProvider({ backoffMs: 2 }))).text);
            fake.seed("v2-bbbbbbbb");
            await loaded.create!(inputs());
            expect(fake.traffic).toEqual({ "v2-bbbbbbbb": 100 });
            expect(new Set(fake.requests.map((r) => r.headers.authorization))).toEqual(new Set([`Bearer ${TOKEN}`]));
            expect(az.calls()[0]).toBe("account get-access-token --output json --resource https://management.azure.com");
        } finally {
            az.restore();
            restoreEnv();
        }
    });

    it("as a service principal from ARM_* (not AZURE_*), and says what is missing before any call", async () => {
        const restoreEnv = withArmEnv({ ARM_CLIENT_ID: "client-1", ARM_CLIENT_SECRET: "s3cret" });
        const az = installFakeAzCli(TOKEN);
        try {
            const loaded = loadSerializedProvider((await serializeProvider(createTrafficShiftProvider({ backoffMs: 2 }))).text);
            fake.seed("v2-bbbbbbbb");
            const err = await loaded.create!(inputs()).catch((e: Error) => e);
            expect(String(err)).toMatch(/Azure ML traffic: could not get an Azure token as service principal client-1 with a client secret .*needs ARM_TENANT_ID/);
            expect(String(err)).not.toContain("s3cret");
            // Neither the CLI nor ARM was asked: the service principal is who deploys, not the CLI's account.
            expect(az.calls()).toEqual([]);
            expect(fake.requests).toEqual([]);
        } finally {
            az.restore();
            restoreEnv();
        }
    });
});

describe("TrafficShift", () => {
    it("registers its own dynamic type with the serialized provider and exposes the traffic", async () => {
        const registered = await mockDynamicResources((given) => ({ id: `${given.endpointId}/traffic`, state: { ...given, traffic: { [given.deploymentName]: 100 } } }));
        const shift = new TrafficShift("svc", inputs() as any);
        expect(await outputValue(shift.traffic)).toEqual({ "v2-bbbbbbbb": 100 });
        expect(registered[0]!.type).toBe("pulumi-nodejs:dynamic/azure:TrafficShift");
        expect(typeof registered[0]!.inputs.__provider).toBe("string");
    });
});
