import * as pulumi from "@pulumi/pulumi";
import { armTokenSource } from "./armCredential";
import { BAD_OF_LAST, MAX_ERRORS_PER_MINUTE, badPointsNeeded } from "../../components/observability";

// The traffic of an Azure ML managed online endpoint moved onto a new deployment, all at once, as a
// canary or in linear steps, each step watched through Azure Monitor metrics, and moved back to the old
// deployment when the new one misbehaves or a traffic change fails. A Pulumi dynamic resource: no
// provider resource rolls traffic out and back.
//
// The provider object is serialized into the stack state together with everything its methods
// capture. So the methods only reach plain functions and constants of this module and globals
// (fetch, setTimeout, AbortSignal, JSON...): no class, no `this`; the credential functions of
// ./armCredential are plain functions too, and @azure/identity is required lazily, inside them.

export type RolloutStrategy = "allAtOnce" | "canary" | "linear";

export interface TrafficShiftInputs {
    /** ARM id of the online endpoint: /subscriptions/S/resourceGroups/G/providers/Microsoft.MachineLearningServices/workspaces/W/onlineEndpoints/E */
    endpointId: pulumi.Input<string>;
    /** The deployment that should end up with all the traffic. */
    deploymentName: pulumi.Input<string>;
    strategy: pulumi.Input<RolloutStrategy>;
    /** Canary size, or linear step, in percent of traffic (1-50). */
    stepPercent: pulumi.Input<number>;
    /** How long each step is watched before the next (and the last before the update succeeds). 0 watches nothing. */
    bakeSeconds: pulumi.Input<number>;
    /** A minute with the new deployment's p99 latency above this is a bad minute. */
    latencyP99Ms: pulumi.Input<number>;
    /** A minute with more 5xx answers than this from the new deployment is a bad minute. Default MAX_ERRORS_PER_MINUTE (components/observability.ts). */
    max5xxPerMinute?: pulumi.Input<number>;
    /**
     * canary and linear: a bake in which no request reached the new deployment passes. Default false:
     * such a bake shows nothing about the new deployment, so it fails and the traffic goes back.
     */
    allowIdleBake?: pulumi.Input<boolean>;
    /** Seconds between metric checks during a bake. Default 60 (Azure Monitor's grain). */
    checkIntervalSeconds?: pulumi.Input<number>;
    /** ARM base URL. Default https://management.azure.com */
    apiEndpoint?: pulumi.Input<string>;
    /** Deadline for each traffic change's long-running operation. Default 1800. */
    operationTimeoutSeconds?: pulumi.Input<number>;
}

export interface TrafficShiftDeps {
    /** Returns an ARM access token. Default: the identity azure-native uses (./armCredential), scope https://management.azure.com/.default. */
    getAccessToken?: () => Promise<string>;
    /** Backoff base in ms for retries and operation polling (tests pass a small number). Default 1000. */
    backoffMs?: number;
}

/** The inputs as the provider receives them: resolved, plain values. */
interface ShiftProps {
    endpointId: string;
    deploymentName: string;
    strategy: RolloutStrategy;
    stepPercent: number;
    bakeSeconds: number;
    latencyP99Ms: number;
    max5xxPerMinute?: number;
    allowIdleBake?: boolean;
    checkIntervalSeconds?: number;
    apiEndpoint?: string;
    operationTimeoutSeconds?: number;
}

/** The resource's outputs: the inputs plus the endpoint's traffic once the rollout finished. */
interface ShiftState extends ShiftProps {
    traffic: Record<string, number>;
}

interface ArmContext {
    api: string;
    token: () => Promise<string>;
    backoffMs: number;
    timeoutMs: number;
}

interface Breach {
    what: string;
}

const ARM_SCOPE = "https://management.azure.com/.default";
const ML_API_VERSION = "2024-10-01";
const METRICS_API_VERSION = "2023-10-01";
/** The engine's placeholder for a value not known until apply (runtime.unknownValue). */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const DEFAULT_API = "https://management.azure.com";
const DEFAULT_CHECK_INTERVAL_SECONDS = 60;
const DEFAULT_OPERATION_TIMEOUT_SECONDS = 1800;
const MAX_ATTEMPTS = 6;
const REQUEST_TIMEOUT_MS = 60_000;
const RETRYABLE_STATUSES = [408, 429, 500, 502, 503, 504];
const ENDPOINT_ID = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.MachineLearningServices\/workspaces\/([^/]+)\/onlineEndpoints\/([^/]+)$/i;
/** Read-only fields of an endpoint that a PUT must not send back. */
const READ_ONLY_PROPERTIES = ["provisioningState", "scoringUri", "swaggerUri"];

export function createTrafficShiftProvider(deps?: TrafficShiftDeps): pulumi.dynamic.ResourceProvider {
    // Only plain values are captured: the caller's token function (if any) and a number.
    const getAccessToken = deps?.getAccessToken;
    const backoffMs = deps?.backoffMs ?? 1000;
    const context = (p: Partial<ShiftProps>): ArmContext => armContext(p, getAccessToken ?? armCredentialTokenSource(), backoffMs);
    return {
        async check(_olds: any, news: any) {
            return { inputs: news, failures: checkProps(news) };
        },
        async diff(_id: string, olds: any, news: any) {
            return diffProps(olds, news);
        },
        async create(inputs: any) {
            const traffic = await shiftTraffic(context(inputs), inputs);
            return { id: `${inputs.endpointId}/traffic`, outs: definedOnly({ ...inputs, traffic }) };
        },
        async read(id: string, props?: any) {
            return readTraffic(context(props ?? {}), id, props ?? {});
        },
        async update(_id: string, olds: any, news: any) {
            const traffic = olds.deploymentName === news.deploymentName && olds.endpointId === news.endpointId ? olds.traffic : await shiftTraffic(context(news), news, olds.traffic);
            return { outs: definedOnly({ ...news, traffic }) };
        },
        async delete() {
            // The traffic belongs to the endpoint: it goes with it, and must not be reset before that.
        },
    };
}

export const trafficShiftProvider: pulumi.dynamic.ResourceProvider = createTrafficShiftProvider();

/** The endpoint's traffic, moved onto `deploymentName` as the strategy says. Its id is `{endpointId}/traffic`. */
export class TrafficShift extends pulumi.dynamic.Resource {
    declare readonly traffic: pulumi.Output<Record<string, number>>;
    declare readonly deploymentName: pulumi.Output<string>;

    constructor(name: string, args: TrafficShiftInputs, opts?: pulumi.CustomResourceOptions) {
        // Its own type token, so plans, policies and mocks tell it from other dynamic resources.
        super(trafficShiftProvider, name, { ...args, traffic: undefined }, opts, "azure", "TrafficShift");
    }
}

// ---------------------------------------------------------------------------------------------
// Everything below runs inside the dynamic provider and is serialized with it: plain functions only.

/** ARM tokens for the identity azure-native deploys as (ARM_* variables, else the Azure CLI), kept while valid. */
function armCredentialTokenSource(): () => Promise<string> {
    const tokens = armTokenSource();
    return async () => {
        try {
            return await tokens(ARM_SCOPE);
        } catch (err) {
            throw new Error(`Azure ML traffic: ${errorMessage(err)}`);
        }
    };
}

function armContext(p: Partial<ShiftProps>, token: () => Promise<string>, backoffMs: number): ArmContext {
    const api = String(p.apiEndpoint || DEFAULT_API).replace(/\/+$/, "");
    const seconds = Number(p.operationTimeoutSeconds ?? DEFAULT_OPERATION_TIMEOUT_SECONDS);
    return { api, token, backoffMs, timeoutMs: seconds * 1000 };
}

function errorMessage(err: unknown): string {
    return err instanceof Error ? err.message : String(err);
}

function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

/** Drops undefined values: the engine's wire format (protobuf Struct) rejects them. */
function definedOnly<T extends object>(obj: T): T {
    return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as T;
}

function isUnknown(value: unknown): boolean {
    if (value === UNKNOWN) return true;
    if (Array.isArray(value)) return value.some(isUnknown);
    if (value && typeof value === "object") return Object.values(value).some(isUnknown);
    return false;
}

/** `a=90, b=10` */
function describeTraffic(traffic: Record<string, number>): string {
    const entries = Object.entries(traffic).filter(([, v]) => v > 0);
    return entries.length === 0 ? "no traffic" : entries.map(([k, v]) => `${k}=${v}%`).join(", ");
}

// --- check and diff ----------------------------------------------------------------------------

function checkProps(p: any): { property: string; reason: string }[] {
    const failures: { property: string; reason: string }[] = [];
    const fail = (property: string, reason: string) => failures.push({ property, reason });
    const known = (key: string) => p[key] !== undefined && !isUnknown(p[key]);
    for (const key of ["endpointId", "deploymentName"]) {
        if (p[key] === undefined || p[key] === null || p[key] === "") fail(key, "is required");
        else if (!isUnknown(p[key]) && typeof p[key] !== "string") fail(key, "must be a string");
    }
    if (known("endpointId") && typeof p.endpointId === "string" && !ENDPOINT_ID.test(p.endpointId)) {
        fail("endpointId", `"${p.endpointId}" is not an online endpoint's ARM id; use the id of an azure-native OnlineEndpoint`);
    }
    if (known("strategy") && !["allAtOnce", "canary", "linear"].includes(p.strategy)) fail("strategy", "must be allAtOnce, canary or linear");
    if (p.strategy === undefined) fail("strategy", "is required");
    const number = (key: string, min: number, max: number, required: boolean, whole: boolean) => {
        if (p[key] === undefined || p[key] === null) {
            if (required) fail(key, "is required");
        } else if (!isUnknown(p[key]) && (typeof p[key] !== "number" || (whole && !Number.isInteger(p[key])) || p[key] < min || p[key] > max)) {
            fail(key, `must be a ${whole ? "whole " : ""}number from ${min} to ${max}`);
        }
    };
    if (p.allowIdleBake !== undefined && !isUnknown(p.allowIdleBake) && typeof p.allowIdleBake !== "boolean") fail("allowIdleBake", "must be true or false");
    number("stepPercent", 1, 50, true, true);
    number("bakeSeconds", 0, 3600, true, false);
    number("latencyP99Ms", 1, 3_600_000, true, false);
    number("max5xxPerMinute", 0, 1_000_000, false, false);
    number("checkIntervalSeconds", 0.001, 3600, false, false);
    number("operationTimeoutSeconds", 0.001, 86_400, false, false);
    return failures;
}

/** A new endpoint starts from nothing; anything else changes in place (a new deployment is a rollout). */
function diffProps(olds: any, news: any): pulumi.dynamic.DiffResult {
    const keys = ["endpointId", "deploymentName", "strategy", "stepPercent", "bakeSeconds", "latencyP99Ms", "max5xxPerMinute", "allowIdleBake", "checkIntervalSeconds", "apiEndpoint", "operationTimeoutSeconds"];
    const changed = keys.filter((key) => JSON.stringify(olds[key] ?? null) !== JSON.stringify(news[key] ?? null));
    return { changes: changed.length > 0, replaces: changed.includes("endpointId") ? ["endpointId"] : [], deleteBeforeReplace: false };
}

// --- HTTP --------------------------------------------------------------------------------------

function retryAfterMs(header: string | null): number | undefined {
    if (header === null || header.trim() === "") return undefined;
    const seconds = Number(header);
    if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
    const date = Date.parse(header);
    return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function backoffDelay(base: number, attempt: number): number {
    // Exponential with jitter: base * 2^(attempt-1), scaled by a random factor in [0.5, 1).
    return base * 2 ** (attempt - 1) * (0.5 + Math.random() / 2);
}

function hintFor(status: number): string {
    if (status === 401) return " Fix: the access token was rejected; run `az login` again or check the ARM_* credentials.";
    if (status === 403) return " Fix: give the identity running pulumi Contributor on the workspace (it reads and writes the endpoint, and reads its metrics).";
    if (status === 404) return " Fix: check that the endpoint exists (pulumi refresh).";
    return "";
}

async function armError(op: string, res: Response): Promise<Error> {
    const text = await res.text().catch(() => "");
    let code = "";
    let message = text.slice(0, 500);
    try {
        const parsed = JSON.parse(text) as { error?: { code?: string; message?: string } };
        if (parsed.error) {
            code = parsed.error.code ?? "";
            message = parsed.error.message ?? message;
        }
    } catch {
        // Not JSON: keep the start of the body.
    }
    const sentence = /[.!?]$/.test(message.trim()) ? message.trim() : `${message.trim()}.`;
    return Object.assign(new Error(`Azure ${op} failed: ${res.status}${code ? ` ${code}` : ""}: ${sentence}${hintFor(res.status)}`), { status: res.status });
}

/** An absolute URL on the ARM host: the bearer token is never sent anywhere else. */
function armUrl(ctx: ArmContext, pathOrUrl: string): string {
    if (!/^https?:\/\//i.test(pathOrUrl)) return `${ctx.api}/${pathOrUrl.replace(/^\/+/, "")}`;
    if (new URL(pathOrUrl).origin !== new URL(ctx.api).origin) throw new Error(`Azure returned an operation URL on another host (${new URL(pathOrUrl).origin}); refusing to send credentials there.`);
    return pathOrUrl;
}

/** One ARM call with retries on 408/429/5xx and network errors, honouring Retry-After. */
async function request(ctx: ArmContext, op: string, method: string, pathOrUrl: string, body?: unknown): Promise<{ status: number; data: any; headers: Headers }> {
    const url = armUrl(ctx, pathOrUrl);
    let lastProblem = "";
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
        const token = await ctx.token();
        let res: Response;
        try {
            res = await fetch(url, {
                method,
                headers: { authorization: `Bearer ${token}`, accept: "application/json", ...(body === undefined ? {} : { "content-type": "application/json" }) },
                body: body === undefined ? undefined : JSON.stringify(body),
                signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
            });
        } catch (err) {
            const cause = (err as { cause?: unknown }).cause;
            lastProblem = `network error: ${errorMessage(err)}${cause ? ` (${errorMessage(cause)})` : ""}`;
            if (attempt < MAX_ATTEMPTS) await sleep(backoffDelay(ctx.backoffMs, attempt));
            continue;
        }
        if (res.ok) {
            const text = await res.text();
            let data: any = {};
            if (text.trim() !== "") {
                try {
                    data = JSON.parse(text);
                } catch {
                    throw new Error(`Azure ${op} returned a response that is not JSON (status ${res.status}): ${text.slice(0, 200)}`);
                }
            }
            return { status: res.status, data, headers: res.headers };
        }
        const error = await armError(op, res);
        if (!RETRYABLE_STATUSES.includes(res.status)) throw error;
        lastProblem = error.message.replace(`Azure ${op} failed: `, "");
        if (attempt < MAX_ATTEMPTS) {
            const hinted = retryAfterMs(res.headers.get("retry-after"));
            await sleep(hinted !== undefined ? Math.min(hinted, 120_000) : backoffDelay(ctx.backoffMs, attempt));
        }
    }
    throw new Error(`Azure ${op} failed after ${MAX_ATTEMPTS} attempts; last: ${lastProblem}`);
}

/**
 * Waits for an ARM long-running operation started by a response: through its Azure-AsyncOperation
 * status (Succeeded, Failed, Canceled) or else its Location (202 until done), within the deadline.
 */
async function waitForArmOperation(ctx: ArmContext, op: string, started: { status: number; headers: Headers }): Promise<void> {
    const asyncUrl = started.headers.get("azure-asyncoperation");
    const location = started.headers.get("location");
    if (!asyncUrl && !(location && started.status === 202)) return;
    const deadline = Date.now() + ctx.timeoutMs;
    let interval = ctx.backoffMs;
    let wait = retryAfterMs(started.headers.get("retry-after"));
    for (;;) {
        const remaining = deadline - Date.now();
        if (remaining <= 0) {
            throw new Error(`Azure ${op}: the operation did not finish within ${ctx.timeoutMs / 1000}s (${asyncUrl ?? location}); it may still be running.`);
        }
        await sleep(Math.min(wait ?? interval, remaining));
        interval = Math.min(interval * 1.5, ctx.backoffMs * 15);
        const polled = await request(ctx, `${op} operation`, "GET", (asyncUrl ?? location)!);
        wait = retryAfterMs(polled.headers.get("retry-after"));
        if (asyncUrl) {
            const status = String(polled.data?.status ?? "");
            if (status === "Succeeded") return;
            if (status === "Failed" || status === "Canceled") {
                const error = polled.data?.error ?? {};
                throw new Error(`Azure ${op} operation ${status.toLowerCase()}: ${error.code ?? "no code"}: ${error.message ?? "no message"}`);
            }
        } else if (polled.status !== 202) {
            return;
        }
    }
}

// --- the endpoint's traffic ------------------------------------------------------------------

interface Endpoint {
    location?: string;
    kind?: string;
    tags?: Record<string, string>;
    identity?: { type?: string; userAssignedIdentities?: Record<string, unknown> };
    sku?: unknown;
    properties?: Record<string, any> & { traffic?: Record<string, number> };
}

function endpointPath(endpointId: string): string {
    return `${endpointId}?api-version=${ML_API_VERSION}`;
}

async function getEndpoint(ctx: ArmContext, endpointId: string): Promise<Endpoint> {
    return (await request(ctx, "online endpoint read", "GET", endpointPath(endpointId))).data as Endpoint;
}

function trafficOf(endpoint: Endpoint): Record<string, number> {
    return Object.fromEntries(Object.entries(endpoint.properties?.traffic ?? {}).map(([k, v]) => [k, Number(v)]));
}

/** The same split, ignoring deployments at 0% and key order. */
function sameTraffic(a: Record<string, number>, b: Record<string, number>): boolean {
    const served = (t: Record<string, number>) => JSON.stringify(Object.entries(t).filter(([, v]) => v > 0).sort(([x], [y]) => x.localeCompare(y)));
    return served(a) === served(b);
}

/**
 * Sets the endpoint's traffic: the endpoint as it is now, PUT back with the new split (the PATCH of
 * an online endpoint takes only tags and identity), then the operation awaited and the result checked.
 */
async function setTraffic(ctx: ArmContext, endpointId: string, traffic: Record<string, number>): Promise<void> {
    const current = await getEndpoint(ctx, endpointId);
    const properties = Object.fromEntries(Object.entries(current.properties ?? {}).filter(([k]) => !READ_ONLY_PROPERTIES.includes(k)));
    const identity = current.identity?.type
        ? definedOnly({ type: current.identity.type, userAssignedIdentities: current.identity.userAssignedIdentities ? Object.fromEntries(Object.keys(current.identity.userAssignedIdentities).map((k) => [k, {}])) : undefined })
        : undefined;
    const body = definedOnly({ location: current.location, kind: current.kind, tags: current.tags, identity, sku: current.sku, properties: { ...properties, traffic } });
    const started = await request(ctx, "online endpoint traffic update", "PUT", endpointPath(endpointId), body);
    await waitForArmOperation(ctx, "online endpoint traffic update", started);
    const after = trafficOf(await getEndpoint(ctx, endpointId));
    if (!sameTraffic(after, traffic)) throw new Error(`the endpoint reports ${describeTraffic(after)} after the update, not ${describeTraffic(traffic)}`);
}

/** Splits `total` percent across keys in proportion to their weights, in whole numbers (largest remainder). */
function apportion(total: number, weights: [string, number][]): Record<string, number> {
    const sum = weights.reduce((acc, [, w]) => acc + w, 0);
    const shares = weights.map(([key, w]) => {
        const exact = (total * w) / sum;
        return { key, floor: Math.floor(exact), rest: exact - Math.floor(exact) };
    });
    let left = total - shares.reduce((acc, s) => acc + s.floor, 0);
    for (const share of [...shares].sort((a, b) => b.rest - a.rest || a.key.localeCompare(b.key))) {
        if (left <= 0) break;
        share.floor += 1;
        left -= 1;
    }
    return Object.fromEntries(shares.map((s) => [s.key, s.floor]));
}

/** The deployments other than `key` that serve traffic now, with their shares. */
function othersServing(traffic: Record<string, number>, key: string): [string, number][] {
    return Object.entries(traffic).filter(([k, v]) => k !== key && v > 0);
}

/** `key` at `percent`, the rest kept on the deployments serving before, in their proportions. */
function splitWith(before: Record<string, number>, key: string, percent: number): Record<string, number> {
    const others = othersServing(before, key);
    if (percent >= 100 || others.length === 0) return { [key]: 100 };
    return { [key]: percent, ...apportion(100 - percent, others) };
}

/** The percentages the new deployment takes, one step after the other. */
function stepsOf(strategy: RolloutStrategy, stepPercent: number): number[] {
    if (strategy === "canary") return [stepPercent, 100];
    if (strategy === "linear") {
        const steps: number[] = [];
        for (let p = stepPercent; p < 100; p += stepPercent) steps.push(p);
        return [...steps, 100];
    }
    return [100];
}

// --- health, from Azure Monitor ----------------------------------------------------------------

/** One point per minute of a metric of the endpoint, filtered to one deployment; null where no value was recorded. */
async function metricPoints(ctx: ArmContext, endpointId: string, metric: string, filter: string, fromMs: number, toMs: number): Promise<(number | null)[]> {
    const timespan = `${new Date(fromMs).toISOString()}/${new Date(toMs).toISOString()}`;
    const query = `api-version=${METRICS_API_VERSION}&metricnames=${metric}&aggregation=Average&interval=PT1M&timespan=${encodeURIComponent(timespan)}&$filter=${encodeURIComponent(filter)}`;
    const { data } = await request(ctx, `metrics read (${metric})`, "GET", `${endpointId}/providers/Microsoft.Insights/metrics?${query}`);
    const byMinute = new Map<string, number | null>();
    for (const series of data?.value?.[0]?.timeseries ?? []) {
        for (const point of series?.data ?? []) {
            const value = typeof point?.average === "number" ? point.average : null;
            const previous = byMinute.get(point.timeStamp) ?? null;
            // 5xx counts add up across series (status codes); a latency has one series per deployment.
            byMinute.set(point.timeStamp, value === null ? previous : (previous ?? 0) + value);
        }
    }
    return [...byMinute.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, v]) => v);
}

/** Bad by the alarms' bad-of-last rule (BAD_OF_LAST) over one-minute points. */
function breached(points: (number | null)[], threshold: number): number[] | undefined {
    const recent = points.slice(-BAD_OF_LAST.of);
    if (recent.length === 0) return undefined;
    const needed = badPointsNeeded(recent.length);
    const bad = recent.filter((v): v is number => v !== null && v > threshold);
    return bad.length >= needed ? bad : undefined;
}

/** What is wrong with the new deployment since `fromMs`, from the endpoint's RequestsPerMinute and RequestLatency_P99. */
async function healthBreach(ctx: ArmContext, p: ShiftProps, fromMs: number): Promise<Breach | undefined> {
    const to = Date.now();
    // Whole minutes: Azure Monitor aligns points to the minute.
    const from = Math.floor(fromMs / 60_000) * 60_000;
    const deployment = `deployment eq '${p.deploymentName}'`;
    const max5xx = p.max5xxPerMinute ?? MAX_ERRORS_PER_MINUTE;
    const errors = breached(await metricPoints(ctx, p.endpointId, "RequestsPerMinute", `${deployment} and statusCodeClass eq '5xx'`, from, to), max5xx);
    if (errors) return { what: `${errors.length} of the last minutes had more than ${max5xx} requests answered 5xx (${errors.map((v) => Math.round(v)).join(", ")} per minute)` };
    const latency = breached(await metricPoints(ctx, p.endpointId, "RequestLatency_P99", deployment, from, to), p.latencyP99Ms);
    if (latency) return { what: `${latency.length} of the last minutes had a p99 latency above ${p.latencyP99Ms} ms (${latency.map((v) => `${Math.round(v)} ms`).join(", ")})` };
    return undefined;
}

/** Requests the new deployment answered (any status) since `fromMs`, from the endpoint's RequestsPerMinute. */
async function requestsSince(ctx: ArmContext, p: ShiftProps, fromMs: number): Promise<number> {
    const from = Math.floor(fromMs / 60_000) * 60_000;
    const points = await metricPoints(ctx, p.endpointId, "RequestsPerMinute", `deployment eq '${p.deploymentName}'`, from, Date.now());
    return points.reduce<number>((sum, v) => sum + (v ?? 0), 0);
}

/**
 * Watches the new deployment for the bake time; returns the first breach seen. A canary or linear step
 * whose bake saw no request at all is a breach too, unless allowIdleBake: no errors from no traffic
 * prove nothing (issue 14 item 12).
 */
async function bake(ctx: ArmContext, p: ShiftProps, since: number, stepStart: number): Promise<Breach | undefined> {
    const end = Date.now() + p.bakeSeconds * 1000;
    const every = (p.checkIntervalSeconds ?? DEFAULT_CHECK_INTERVAL_SECONDS) * 1000;
    for (;;) {
        await sleep(Math.min(every, end - Date.now()));
        let breach: Breach | undefined;
        try {
            breach = await healthBreach(ctx, p, since);
            if (!breach && Date.now() >= end && p.strategy !== "allAtOnce" && !p.allowIdleBake && (await requestsSince(ctx, p, stepStart)) === 0) {
                breach = {
                    what:
                        `no request reached it during the ${p.bakeSeconds >= 60 ? `${Math.round(p.bakeSeconds / 60)}-minute` : `${p.bakeSeconds}-second`} bake, so nothing shows it works. ` +
                        "Send traffic during rollouts, or set azureAllowIdleBake to let a bake without requests pass",
                };
            }
        } catch (err) {
            // Without metrics nothing says the new deployment is healthy: treat it as a failed check.
            breach = { what: `its metrics could not be read (${errorMessage(err)})` };
        }
        if (breach || Date.now() >= end) return breach;
    }
}

// --- the rollout -------------------------------------------------------------------------------

/**
 * Moves the endpoint's traffic onto p.deploymentName step by step, baking after each step. On a bad
 * minute count or a failed traffic change, puts the traffic back where it was and fails.
 */
async function shiftTraffic(ctx: ArmContext, p: ShiftProps, expected?: Record<string, number>): Promise<Record<string, number>> {
    const before = trafficOf(await getEndpoint(ctx, p.endpointId));
    const old = othersServing(before, p.deploymentName);
    const wasServing = othersServing(expected ?? {}, p.deploymentName);
    if (old.length === 0 && wasServing.length > 0 && othersServing(before, "").length === 0) {
        // The last rollout left traffic on the old deployment and now nothing serves: something reset the
        // endpoint's traffic (a PUT of the endpoint without it sets every deployment to 0%). Moving all of
        // it to an unwatched new deployment would skip the canary; putting it back is the operator's call.
        const [, subscription, group, workspace, endpoint] = ENDPOINT_ID.exec(p.endpointId) ?? [];
        const restore = Object.entries(apportion(100, wasServing)).map(([k, v]) => `${k}=${v}`).join(" ");
        throw new Error(
            `Azure ML rollout of deployment ${p.deploymentName} refused: the endpoint serves no deployment, though ${describeTraffic(expected ?? {})} served after the last rollout ` +
                `(an update of the endpoint resets its traffic). Fix: az ml online-endpoint update --name ${endpoint} --workspace-name ${workspace} --resource-group ${group} --subscription ${subscription} --traffic "${restore}", then run pulumi up again.`,
        );
    }
    if (old.length === 0) {
        // Nothing else serves (a new endpoint): nothing to compare with or go back to.
        const all = { [p.deploymentName]: 100 };
        if (!sameTraffic(before, all)) await setTraffic(ctx, p.endpointId, all);
        return all;
    }
    const restore = apportion(100, old);
    const since = Date.now();
    let current = before;
    for (const percent of stepsOf(p.strategy, p.stepPercent)) {
        const stepStart = Date.now();
        const target = splitWith(before, p.deploymentName, percent);
        try {
            await setTraffic(ctx, p.endpointId, target);
        } catch (err) {
            await rollBack(ctx, p, restore, `setting traffic to ${describeTraffic(target)} failed (${errorMessage(err)})`, current);
        }
        current = target;
        if (p.bakeSeconds > 0) {
            const breach = await bake(ctx, p, since, stepStart);
            if (breach) await rollBack(ctx, p, restore, `at ${percent}% of traffic, ${breach.what}`, current);
        }
    }
    return current;
}

/** Puts the old split back, then fails the update, saying why and who serves. */
async function rollBack(ctx: ArmContext, p: ShiftProps, restore: Record<string, number>, reason: string, current: Record<string, number>): Promise<never> {
    const olds = Object.keys(restore).join(", ");
    const [, subscription, group, workspace, endpoint] = ENDPOINT_ID.exec(p.endpointId) ?? [];
    try {
        await setTraffic(ctx, p.endpointId, restore);
    } catch (err) {
        const fix = `az ml online-endpoint update --name ${endpoint} --workspace-name ${workspace} --resource-group ${group} --subscription ${subscription} --traffic "${Object.entries(restore).map(([k, v]) => `${k}=${v}`).join(" ")}"`;
        throw new Error(
            `Azure ML rollout of deployment ${p.deploymentName} stopped: ${reason}. Rolling back to ${olds} ALSO FAILED (${errorMessage(err)}); ` +
                `the endpoint may still send traffic to ${p.deploymentName} (last set: ${describeTraffic(current)}). Fix now: ${fix}`,
        );
    }
    throw new Error(
        `Azure ML rollout of deployment ${p.deploymentName} rolled back: ${reason}. ` +
            `The old deployment ${olds} serves ${describeTraffic(restore)} again and is kept; ${p.deploymentName} serves nothing. ` +
            "Fix the new version or revert the change, then run pulumi up again.",
    );
}

async function readTraffic(ctx: ArmContext, id: string, s: Partial<ShiftState>): Promise<pulumi.dynamic.ReadResult> {
    const endpointId = s.endpointId ?? id.replace(/\/traffic$/, "");
    let endpoint: Endpoint;
    try {
        endpoint = await getEndpoint(ctx, endpointId);
    } catch (err) {
        // A blank id tells the engine the resource is gone.
        if ((err as { status?: number }).status === 404) return { id: "" };
        throw err;
    }
    return { id, props: definedOnly({ ...s, endpointId, traffic: trafficOf(endpoint) }) };
}
