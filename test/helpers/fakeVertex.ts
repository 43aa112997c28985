import * as http from "node:http";
import { type CannedResponse, LoopbackServer, sendCanned } from "./loopbackServer";

// A fake Vertex AI REST API (v1) on loopback: in-memory models, endpoints and long-running
// operations, with failures injected per test, and Cloud Monitoring's projects.timeSeries.list (v3)
// answering from metrics a test sets. The provider under test talks to it over real HTTP.

export const PROJECT = "demo-project";
export const REGION = "us-central1";
export const ENDPOINT = `projects/${PROJECT}/locations/${REGION}/endpoints/4242`;
export const TOKEN = "test-token";
export const CPU_METRIC = "aiplatform.googleapis.com/prediction/online/cpu/utilization";
export const ERROR_METRIC = "aiplatform.googleapis.com/prediction/online/error_count";
export const LATENCY_METRIC = "aiplatform.googleapis.com/prediction/online/prediction_latencies";

/** Points of each series a timeSeries.list returns for a metric and a deployed model, or undefined for none. */
export type MetricSource = (metricType: string, deployedModelId: string) => number[][] | undefined;

export interface Recorded {
    method: string;
    path: string;
    query: string;
    headers: http.IncomingHttpHeaders;
    body: any;
}

export interface FakeResponse extends CannedResponse {
    /** Runs before answering: state changes behind the provider's back. */
    effect?: () => void;
}

export type OperationKind = "upload" | "deploy" | "mutate" | "undeploy" | "delete";

export interface OperationOutcome {
    error?: { code: number; message: string };
    neverDone?: boolean;
}

export interface FakeOperation {
    name: string;
    polls: number;
    neverDone: boolean;
    error?: { code: number; message: string };
    response: unknown;
    onDone: () => void;
    finished: boolean;
}

export interface FakeDeployedModel {
    id: string;
    model: string;
    displayName?: string;
    serviceAccount?: string;
    dedicatedResources?: any;
}

export interface FakeEndpoint {
    name: string;
    deployedModels: FakeDeployedModel[];
    trafficSplit: Record<string, number>;
}

export function apiError(code: number, status: string, message: string): FakeResponse {
    return { status: code, body: { error: { code, status, message } } };
}

export class FakeVertex extends LoopbackServer {
    readonly requests: Recorded[] = [];
    readonly models = new Map<string, any>();
    readonly endpoints = new Map<string, FakeEndpoint>();
    readonly operations = new Map<string, FakeOperation>();
    /** How many polls an operation takes to finish. */
    pollsToComplete = 2;
    /** Every traffic split the endpoint took, in order (a change only). */
    readonly splits: Record<string, number>[] = [];
    /** What Cloud Monitoring holds; by default no data at all. */
    metricSource: MetricSource = () => undefined;
    private injected: { method: string; pattern: RegExp; responses: FakeResponse[] }[] = [];
    private outcomes: { kind: OperationKind; outcome: OperationOutcome }[] = [];
    private seq = 0;
    reset(): void {
        this.requests.length = 0;
        this.splits.length = 0;
        this.metricSource = () => undefined;
        this.models.clear();
        this.endpoints.clear();
        this.operations.clear();
        this.injected = [];
        this.outcomes = [];
        this.pollsToComplete = 2;
        this.endpoints.set(ENDPOINT, { name: ENDPOINT, deployedModels: [], trafficSplit: {} });
    }

    /** The next requests matching method and path (the part after /v1/) get these answers, in order. */
    inject(method: string, pattern: RegExp, ...responses: FakeResponse[]): void {
        this.injected.push({ method, pattern, responses });
    }

    /** The next operation of this kind ends this way. */
    nextOperation(kind: OperationKind, outcome: OperationOutcome): void {
        this.outcomes.push({ kind, outcome });
    }

    /** An already deployed model of someone else's on the endpoint, with its share of traffic. */
    seedDeployedModel(id: string, traffic: number): void {
        const model = `projects/${PROJECT}/locations/${REGION}/models/other-${id}`;
        this.models.set(model, { name: model, displayName: `other-${id}` });
        const endpoint = this.endpoints.get(ENDPOINT)!;
        endpoint.deployedModels.push({ id, model, dedicatedResources: { minReplicaCount: 1, maxReplicaCount: 1 } });
        if (traffic > 0) endpoint.trafficSplit[id] = traffic;
    }

    /** The timeSeries.list queries, as parameters. */
    monitoringQueries(): URLSearchParams[] {
        return this.requests.filter((r) => r.path.endsWith("/timeSeries")).map((r) => new URLSearchParams(r.query));
    }

    calls(): string[] {
        return this.requests.map((r) => `${r.method} ${r.path}${r.query}`);
    }

    bodiesOf(method: string, pattern: RegExp): any[] {
        return this.requests.filter((r) => r.method === method && pattern.test(r.path)).map((r) => r.body);
    }

    countOf(method: string, pattern: RegExp): number {
        return this.bodiesOf(method, pattern).length;
    }

    private send(res: http.ServerResponse, r: FakeResponse): void {
        sendCanned(res, r);
    }

    private operation(parent: string, kind: OperationKind, response: unknown, onDone: () => void): FakeResponse {
        const index = this.outcomes.findIndex((o) => o.kind === kind);
        const outcome = index >= 0 ? this.outcomes.splice(index, 1)[0]!.outcome : {};
        const name = `${parent}/operations/${++this.seq}`;
        this.operations.set(name, { name, polls: 0, neverDone: Boolean(outcome.neverDone), error: outcome.error, response, onDone, finished: false });
        return { body: { name, metadata: { "@type": `type.googleapis.com/fake.${kind}` } } };
    }

    protected handle(req: http.IncomingMessage, res: http.ServerResponse, raw: string): void {
        const url = new URL(req.url ?? "/", "http://127.0.0.1");
        const route = decodeURIComponent(url.pathname).replace(/^\/v1\//, "").replace(/^\/v3\//, "v3/");
        const method = req.method ?? "GET";
        let body: any;
        try {
            body = raw ? JSON.parse(raw) : undefined;
        } catch {
            body = raw;
        }
        this.requests.push({ method, path: route, query: url.search, headers: req.headers, body });

        const injection = this.injected.find((i) => i.method === method && i.pattern.test(route) && i.responses.length > 0);
        if (injection) {
            const r = injection.responses.shift()!;
            r.effect?.();
            this.send(res, r);
            return;
        }
        if (req.headers.authorization !== `Bearer ${TOKEN}`) {
            this.send(res, apiError(401, "UNAUTHENTICATED", "Request had invalid authentication credentials."));
            return;
        }
        this.send(res, this.route(method, route, url.searchParams, body));
    }

    private setSplit(endpoint: FakeEndpoint, split: Record<string, number>): void {
        const previous = JSON.stringify(endpoint.trafficSplit);
        endpoint.trafficSplit = { ...split };
        if (JSON.stringify(endpoint.trafficSplit) !== previous) this.splits.push({ ...split });
    }

    /** The real API refuses a split naming a deployed model the endpoint does not have, or not summing to 100. */
    private badSplit(endpoint: FakeEndpoint, split: Record<string, number>, allowed: string[]): FakeResponse | undefined {
        const unknown = Object.keys(split).filter((k) => !allowed.includes(k));
        if (unknown.length > 0) return apiError(400, "INVALID_ARGUMENT", `Traffic split names ${unknown.join(", ")}, which is not deployed on ${endpoint.name}.`);
        const sum = Object.values(split).reduce((a, b) => a + b, 0);
        if (Object.keys(split).length > 0 && sum !== 100) return apiError(400, "INVALID_ARGUMENT", `traffic split sums to ${sum}`);
        return undefined;
    }

    /** projects.timeSeries.list: checks what the real API requires, then answers from metricSource. */
    private timeSeries(query: URLSearchParams): FakeResponse {
        const filter = query.get("filter") ?? "";
        const field = (name: string) => new RegExp(`${name.replace(/\./g, "\\.")} = "([^"]+)"`).exec(filter)?.[1];
        const [metricType, endpointId, deployedModelId] = [field("metric.type"), field("resource.labels.endpoint_id"), field("metric.labels.deployed_model_id")];
        const start = Date.parse(query.get("interval.startTime") ?? "");
        const end = Date.parse(query.get("interval.endTime") ?? "");
        const period = /^(\d+)s$/.exec(query.get("aggregation.alignmentPeriod") ?? "");
        const aligner = query.get("aggregation.perSeriesAligner");
        if (!metricType) return apiError(400, "INVALID_ARGUMENT", "The filter names no metric.type.");
        if (Number.isNaN(start) || Number.isNaN(end) || start > end) return apiError(400, "INVALID_ARGUMENT", "The interval is missing or ends before it starts.");
        if (!period || Number(period[1]) < 60) return apiError(400, "INVALID_ARGUMENT", "The alignment period must be at least 60 seconds.");
        if (metricType === LATENCY_METRIC && aligner !== "ALIGN_PERCENTILE_99") return apiError(400, "INVALID_ARGUMENT", "This fake reads prediction latencies with ALIGN_PERCENTILE_99 only.");
        if (metricType === ERROR_METRIC && aligner !== "ALIGN_SUM") return apiError(400, "INVALID_ARGUMENT", "This fake counts errors with ALIGN_SUM only.");
        if (!endpointId || !deployedModelId || ![...this.endpoints.keys()].some((name) => name.endsWith(`/endpoints/${endpointId}`))) return { body: {} };
        const series = this.metricSource(metricType, deployedModelId) ?? [];
        const value = (v: number) => (metricType === LATENCY_METRIC ? { doubleValue: v } : { int64Value: String(v) });
        return {
            body: {
                timeSeries: series.map((points) => ({
                    metric: { type: metricType, labels: { deployed_model_id: deployedModelId } },
                    resource: { type: "aiplatform.googleapis.com/Endpoint", labels: { endpoint_id: endpointId } },
                    points: points.map((v) => ({ interval: { startTime: query.get("interval.startTime"), endTime: query.get("interval.endTime") }, value: value(v) })),
                })),
            },
        };
    }

    private route(method: string, route: string, query: URLSearchParams, body: any): FakeResponse {
        let m: RegExpExecArray | null;
        if (method === "GET" && /^v3\/projects\/[^/]+\/timeSeries$/.test(route)) return this.timeSeries(query);
        if (method === "GET" && /\/operations\/\d+$/.test(route)) {
            const op = this.operations.get(route);
            if (!op) return apiError(404, "NOT_FOUND", `Operation ${route} not found.`);
            op.polls += 1;
            if (op.neverDone || op.polls < this.pollsToComplete) return { body: { name: op.name, metadata: {} } };
            if (!op.finished && !op.error) op.onDone();
            op.finished = true;
            return { body: op.error ? { name: op.name, done: true, error: op.error } : { name: op.name, done: true, response: op.response } };
        }
        if (method === "POST" && (m = /^projects\/([^/]+)\/locations\/([^/]+)\/models:upload$/.exec(route))) {
            const modelName = `projects/${m[1]}/locations/${m[2]}/models/${++this.seq}`;
            return this.operation(modelName, "upload", { "@type": "UploadModelResponse", model: modelName }, () =>
                this.models.set(modelName, { ...body.model, name: modelName }),
            );
        }
        if ((m = /^(projects\/[^/]+\/locations\/[^/]+\/endpoints\/[^/:]+)(?::(\w+))?$/.exec(route))) {
            const endpoint = this.endpoints.get(m[1]!);
            if (!endpoint) return apiError(404, "NOT_FOUND", `Endpoint ${m[1]} not found.`);
            return this.endpointMethod(method, endpoint, m[2], query, body);
        }
        if (method === "DELETE" && /^projects\/[^/]+\/locations\/[^/]+\/models\/[^/]+$/.test(route)) {
            if (!this.models.has(route)) return apiError(404, "NOT_FOUND", `Model ${route} not found.`);
            const deployedOn = [...this.endpoints.values()].find((e) => e.deployedModels.some((d) => d.model === route));
            if (deployedOn) return apiError(400, "FAILED_PRECONDITION", `Model ${route} is deployed on ${deployedOn.name}; undeploy it first.`);
            return this.operation(route, "delete", { "@type": "google.protobuf.Empty" }, () => this.models.delete(route));
        }
        return apiError(404, "NOT_FOUND", `No route for ${method} ${route}.`);
    }

    private endpointMethod(method: string, endpoint: FakeEndpoint, verb: string | undefined, query: URLSearchParams, body: any): FakeResponse {
        if (method === "GET" && !verb) return { body: structuredClone(endpoint) };
        if (method === "PATCH" && !verb) {
            if (query.get("updateMask") !== "trafficSplit") return apiError(400, "INVALID_ARGUMENT", "unsupported updateMask");
            const split = body.trafficSplit as Record<string, number>;
            const bad = this.badSplit(endpoint, split, endpoint.deployedModels.map((d) => d.id));
            if (bad) return bad;
            this.setSplit(endpoint, split);
            return { body: structuredClone(endpoint) };
        }
        if (method !== "POST") return apiError(404, "NOT_FOUND", "no such method");
        const find = (id: string) => endpoint.deployedModels.find((d) => d.id === id);
        switch (verb) {
            case "deployModel": {
                const dm = body.deployedModel;
                if (!this.models.has(dm.model)) return apiError(400, "INVALID_ARGUMENT", `Model ${dm.model} does not exist.`);
                const bad = this.badSplit(endpoint, body.trafficSplit ?? {}, ["0", ...endpoint.deployedModels.map((d) => d.id)]);
                if (bad) return bad;
                const id = String(++this.seq * 1000);
                return this.operation(endpoint.name, "deploy", { deployedModel: { id } }, () => {
                    endpoint.deployedModels.push({ ...structuredClone(dm), id });
                    const split = body.trafficSplit as Record<string, number> | undefined;
                    if (split && Object.keys(split).length > 0) {
                        this.setSplit(endpoint, Object.fromEntries(Object.entries(split).map(([k, v]) => [k === "0" ? id : k, v])));
                    }
                });
            }
            case "mutateDeployedModel": {
                const dm = find(body.deployedModel.id);
                if (!dm) return apiError(404, "NOT_FOUND", `DeployedModel ${body.deployedModel.id} not found.`);
                return this.operation(endpoint.name, "mutate", { deployedModel: { id: dm.id } }, () => {
                    const r = body.deployedModel.dedicatedResources;
                    dm.dedicatedResources = { ...dm.dedicatedResources, minReplicaCount: r.minReplicaCount, maxReplicaCount: r.maxReplicaCount, autoscalingMetricSpecs: r.autoscalingMetricSpecs };
                });
            }
            case "undeployModel": {
                const dm = find(body.deployedModelId);
                if (!dm) return apiError(404, "NOT_FOUND", `DeployedModel ${body.deployedModelId} not found.`);
                const split = (body.trafficSplit ?? {}) as Record<string, number>;
                const bad = this.badSplit(endpoint, split, endpoint.deployedModels.filter((d) => d !== dm).map((d) => d.id));
                if (bad) return bad;
                const others = endpoint.deployedModels.length > 1;
                if (Object.keys(split).length === 0 && others && (endpoint.trafficSplit[dm.id] ?? 0) > 0) {
                    return apiError(400, "FAILED_PRECONDITION", `DeployedModel ${dm.id} still has traffic.`);
                }
                return this.operation(endpoint.name, "undeploy", {}, () => {
                    endpoint.deployedModels = endpoint.deployedModels.filter((d) => d !== dm);
                    if (Object.keys(split).length > 0) this.setSplit(endpoint, split);
                    else if (!others) this.setSplit(endpoint, {});
                });
            }
            default:
                return apiError(404, "NOT_FOUND", `no such method ${verb}`);
        }
    }
}
