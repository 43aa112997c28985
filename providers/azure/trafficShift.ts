import * as pulumi from "@pulumi/pulumi";
import { armTokenSource } from "./armCredential";
import { MAX_ERRORS_PER_MINUTE } from "../../components/observability";
import { type Clock, type TimingDeps, timingOf } from "../dynamic/clock";
import { asSentence, errorMessage, parsedJson } from "../dynamic/errors";
import { type HttpAnswer, type JsonAnswer, type RetryPolicy, type Transport, callJson, fetchTransport, retryAfterMs, TRANSIENT_STATUSES } from "../dynamic/http";
import { changedKeys, definedOnly, inputChecker } from "../dynamic/inputs";
import { badOfLast, watch } from "../dynamic/metricAnalysis";
import { waitForOperation } from "../dynamic/operations";
import { type MetricWatchInputs, type OperationApiInputs, DEFAULT_CHECK_INTERVAL_SECONDS, DEFAULT_OPERATION_TIMEOUT_SECONDS, checkMetricWatch } from "../dynamic/sharedInputs";
import { type RolloutStrategy, type Split, apportion, bakedSteps, describeSplit, othersServing, sameSplit, splitWith } from "../dynamic/traffic";

// The traffic of an Azure ML managed online endpoint moved onto a new deployment, all at once, as a
// canary or in linear steps, each step watched through Azure Monitor metrics, and moved back to the old
// deployment when the new one misbehaves or a traffic change fails. A Pulumi dynamic resource: no
// provider resource rolls traffic out and back.
//
// The provider object is serialized into the stack state together with everything its methods
// capture: plain functions and constants of this module, of the toolkit ../dynamic/ and of
// ./armCredential (whose @azure/identity is required lazily, inside them), and globals. No class, no `this`.

export type { RolloutStrategy };

export interface TrafficShiftInputs extends MetricWatchInputs, OperationApiInputs {
    /** ARM id of the online endpoint: /subscriptions/S/resourceGroups/G/providers/Microsoft.MachineLearningServices/workspaces/W/onlineEndpoints/E */
    endpointId: pulumi.Input<string>;
    /** The deployment that should end up with all the traffic. */
    deploymentName: pulumi.Input<string>;
    strategy: pulumi.Input<RolloutStrategy>;
    /** Canary size, or linear step, in percent of traffic (1-50). */
    stepPercent: pulumi.Input<number>;
    /**
     * canary and linear: a bake in which no request reached the new deployment passes. Default false:
     * such a bake shows nothing about the new deployment, so it fails and the traffic goes back.
     */
    allowIdleBake?: pulumi.Input<boolean>;
}

export interface TrafficShiftDeps extends TimingDeps {
    /** Returns an ARM access token. Default: the identity azure-native uses (./armCredential), scope https://management.azure.com/.default. */
    getAccessToken?: () => Promise<string>;
}

/** The inputs as the provider receives them: resolved, plain values. */
type ShiftProps = pulumi.Unwrap<TrafficShiftInputs>;

/** The resource's outputs: the inputs plus the endpoint's traffic once the rollout finished. */
interface ShiftState extends ShiftProps {
    traffic: Split;
}

interface ArmContext {
    api: string;
    token: () => Promise<string>;
    clock: Clock;
    backoffMs: number;
    timeoutMs: number;
    transport: Transport;
    retry: RetryPolicy;
}

interface Breach {
    what: string;
}

const ARM_SCOPE = "https://management.azure.com/.default";
const ML_API_VERSION = "2024-10-01";
const METRICS_API_VERSION = "2023-10-01";
const DEFAULT_API = "https://management.azure.com";
const MAX_ATTEMPTS = 6;
const REQUEST_TIMEOUT_MS = 60_000;
// Azure's retry guidance also counts 408 (request timeout) as transient.
const RETRYABLE_STATUSES = [408, ...TRANSIENT_STATUSES];
const ENDPOINT_ID = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.MachineLearningServices\/workspaces\/([^/]+)\/onlineEndpoints\/([^/]+)$/i;
/** Read-only fields of an endpoint that a PUT must not send back. */
const READ_ONLY_PROPERTIES = ["provisioningState", "scoringUri", "swaggerUri"];

export function createTrafficShiftProvider(deps?: TrafficShiftDeps): pulumi.dynamic.ResourceProvider {
    // Only plain values are captured: the caller's token function (if any) and a number.
    const getAccessToken = deps?.getAccessToken;
    const { backoffMs, clock } = timingOf(deps);
    const context = (p: Partial<ShiftProps>): ArmContext => armContext(p, getAccessToken ?? armCredentialTokenSource(), backoffMs, clock);
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
    declare readonly traffic: pulumi.Output<Split>;
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

function armContext(p: Partial<ShiftProps>, token: () => Promise<string>, backoffMs: number, clock: Clock): ArmContext {
    const api = String(p.apiEndpoint || DEFAULT_API).replace(/\/+$/, "");
    const seconds = Number(p.operationTimeoutSeconds ?? DEFAULT_OPERATION_TIMEOUT_SECONDS);
    const retry = { clock, attempts: MAX_ATTEMPTS, backoffMs, retryableStatuses: RETRYABLE_STATUSES };
    return { api, token, clock, backoffMs, timeoutMs: seconds * 1000, transport: fetchTransport(REQUEST_TIMEOUT_MS), retry };
}

// --- check and diff ----------------------------------------------------------------------------

function checkProps(p: any): { property: string; reason: string }[] {
    const { failures, fail, known, requiredStrings, number } = inputChecker(p);
    requiredStrings(["endpointId", "deploymentName"]);
    if (known("endpointId") && typeof p.endpointId === "string" && !ENDPOINT_ID.test(p.endpointId)) {
        fail("endpointId", `"${p.endpointId}" is not an online endpoint's ARM id; use the id of an azure-native OnlineEndpoint`);
    }
    if (known("strategy") && !["allAtOnce", "canary", "linear"].includes(p.strategy)) fail("strategy", "must be allAtOnce, canary or linear");
    if (p.strategy === undefined) fail("strategy", "is required");
    if (known("allowIdleBake") && typeof p.allowIdleBake !== "boolean") fail("allowIdleBake", "must be true or false");
    number("stepPercent", 1, 50, { required: true, whole: true });
    checkMetricWatch(number);
    number("operationTimeoutSeconds", 0.001, 86_400);
    return failures;
}

/** A new endpoint starts from nothing; anything else changes in place (a new deployment is a rollout). */
function diffProps(olds: any, news: any): pulumi.dynamic.DiffResult {
    const keys = ["endpointId", "deploymentName", "strategy", "stepPercent", "bakeSeconds", "latencyP99Ms", "max5xxPerMinute", "allowIdleBake", "checkIntervalSeconds", "apiEndpoint", "operationTimeoutSeconds"];
    const changed = changedKeys(olds, news, keys);
    return { changes: changed.length > 0, replaces: changed.includes("endpointId") ? ["endpointId"] : [], deleteBeforeReplace: false };
}

// --- HTTP --------------------------------------------------------------------------------------

function hintFor(status: number): string {
    if (status === 401) return " Fix: the access token was rejected; run `az login` again or check the ARM_* credentials.";
    if (status === 403) return " Fix: give the identity running pulumi Contributor on the workspace (it reads and writes the endpoint, and reads its metrics).";
    if (status === 404) return " Fix: check that the endpoint exists (pulumi refresh).";
    return "";
}

/** `403 AuthorizationFailed: No access. Fix: ...` from ARM's error body. */
function armFailure(answer: HttpAnswer): string {
    const error = parsedJson(answer.text)?.error as { code?: string; message?: string } | undefined;
    const code = error?.code ?? "";
    return `${answer.status}${code ? ` ${code}` : ""}: ${asSentence(error?.message ?? answer.text.slice(0, 500))}${hintFor(answer.status)}`;
}

/** An absolute URL on the ARM host: the bearer token is never sent anywhere else. */
function armUrl(ctx: ArmContext, pathOrUrl: string): string {
    if (!/^https?:\/\//i.test(pathOrUrl)) return `${ctx.api}/${pathOrUrl.replace(/^\/+/, "")}`;
    if (new URL(pathOrUrl).origin !== new URL(ctx.api).origin) throw new Error(`Azure returned an operation URL on another host (${new URL(pathOrUrl).origin}); refusing to send credentials there.`);
    return pathOrUrl;
}

/** One ARM call with retries on 408/429/5xx and network errors, honouring Retry-After. */
async function request(ctx: ArmContext, op: string, method: string, pathOrUrl: string, body?: unknown): Promise<JsonAnswer> {
    const url = armUrl(ctx, pathOrUrl);
    return callJson(ctx.transport, ctx.retry, { label: `Azure ${op}`, url, method, body, headers: async () => ({ authorization: `Bearer ${await ctx.token()}` }), describeFailure: armFailure });
}

/**
 * Waits for an ARM long-running operation started by a response: through its Azure-AsyncOperation
 * status (Succeeded, Failed, Canceled) or else its Location (202 until done), within the deadline.
 */
async function waitForArmOperation(ctx: ArmContext, op: string, started: { status: number; headers: JsonAnswer["headers"] }): Promise<void> {
    const asyncUrl = started.headers.get("azure-asyncoperation");
    const location = started.headers.get("location");
    if (!asyncUrl && !(location && started.status === 202)) return;
    const url = (asyncUrl ?? location)!;
    await waitForOperation<void>({
        clock: ctx.clock,
        timeoutMs: ctx.timeoutMs,
        backoffMs: ctx.backoffMs,
        firstWaitMs: retryAfterMs(started.headers.get("retry-after"), ctx.clock.now()),
        timedOut: () => new Error(`Azure ${op}: the operation did not finish within ${ctx.timeoutMs / 1000}s (${url}); it may still be running.`),
        poll: async () => {
            const polled = await request(ctx, `${op} operation`, "GET", url);
            if (asyncUrl) {
                const status = String(polled.data?.status ?? "");
                if (status === "Succeeded") return { done: true, value: undefined };
                if (status === "Failed" || status === "Canceled") {
                    const error = polled.data?.error ?? {};
                    throw new Error(`Azure ${op} operation ${status.toLowerCase()}: ${error.code ?? "no code"}: ${error.message ?? "no message"}`);
                }
            } else if (polled.status !== 202) {
                return { done: true, value: undefined };
            }
            return { done: false, retryAfterMs: retryAfterMs(polled.headers.get("retry-after"), ctx.clock.now()) };
        },
    });
}

// --- the endpoint's traffic ------------------------------------------------------------------

interface Endpoint {
    location?: string;
    kind?: string;
    tags?: Record<string, string>;
    identity?: { type?: string; userAssignedIdentities?: Record<string, unknown> };
    sku?: unknown;
    properties?: Record<string, any> & { traffic?: Split };
}

function endpointPath(endpointId: string): string {
    return `${endpointId}?api-version=${ML_API_VERSION}`;
}

async function getEndpoint(ctx: ArmContext, endpointId: string): Promise<Endpoint> {
    return (await request(ctx, "online endpoint read", "GET", endpointPath(endpointId))).data as Endpoint;
}

function trafficOf(endpoint: Endpoint): Split {
    return Object.fromEntries(Object.entries(endpoint.properties?.traffic ?? {}).map(([k, v]) => [k, Number(v)]));
}

/**
 * Sets the endpoint's traffic: the endpoint as it is now, PUT back with the new split (the PATCH of
 * an online endpoint takes only tags and identity), then the operation awaited and the result checked.
 */
async function setTraffic(ctx: ArmContext, endpointId: string, traffic: Split): Promise<void> {
    const current = await getEndpoint(ctx, endpointId);
    const properties = Object.fromEntries(Object.entries(current.properties ?? {}).filter(([k]) => !READ_ONLY_PROPERTIES.includes(k)));
    const identity = current.identity?.type
        ? definedOnly({ type: current.identity.type, userAssignedIdentities: current.identity.userAssignedIdentities ? Object.fromEntries(Object.keys(current.identity.userAssignedIdentities).map((k) => [k, {}])) : undefined })
        : undefined;
    const body = definedOnly({ location: current.location, kind: current.kind, tags: current.tags, identity, sku: current.sku, properties: { ...properties, traffic } });
    const started = await request(ctx, "online endpoint traffic update", "PUT", endpointPath(endpointId), body);
    await waitForArmOperation(ctx, "online endpoint traffic update", started);
    const after = trafficOf(await getEndpoint(ctx, endpointId));
    if (!sameSplit(after, traffic)) throw new Error(`the endpoint reports ${describeSplit(after)} after the update, not ${describeSplit(traffic)}`);
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

/** The bad minutes by the alarms' bad-of-last rule over one-minute points, if it calls them bad. */
function breached(points: (number | null)[], threshold: number): number[] | undefined {
    return badOfLast(points, (v) => v !== null && v > threshold)?.bad as number[] | undefined;
}

/** What is wrong with the new deployment since `fromMs`, from the endpoint's RequestsPerMinute and RequestLatency_P99. */
async function healthBreach(ctx: ArmContext, p: ShiftProps, fromMs: number): Promise<Breach | undefined> {
    const to = ctx.clock.now();
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
    const points = await metricPoints(ctx, p.endpointId, "RequestsPerMinute", `deployment eq '${p.deploymentName}'`, from, ctx.clock.now());
    return points.reduce<number>((sum, v) => sum + (v ?? 0), 0);
}

/**
 * Watches the new deployment for the bake time; returns the first breach seen. A canary or linear step
 * whose bake saw no request at all is a breach too, unless allowIdleBake: no errors from no traffic
 * prove nothing (issue 14 item 12).
 */
async function bake(ctx: ArmContext, p: ShiftProps, since: number, stepStart: number): Promise<Breach | undefined> {
    return watch<Breach>({
        clock: ctx.clock,
        durationMs: p.bakeSeconds * 1000,
        everyMs: (p.checkIntervalSeconds ?? DEFAULT_CHECK_INTERVAL_SECONDS) * 1000,
        check: async (_n, last) => {
            try {
                const breach = await healthBreach(ctx, p, since);
                if (!breach && last && p.strategy !== "allAtOnce" && !p.allowIdleBake && (await requestsSince(ctx, p, stepStart)) === 0) {
                    return {
                        what:
                            `no request reached it during the ${p.bakeSeconds >= 60 ? `${Math.round(p.bakeSeconds / 60)}-minute` : `${p.bakeSeconds}-second`} bake, so nothing shows it works. ` +
                            "Send traffic during rollouts, or set azureAllowIdleBake to let a bake without requests pass",
                    };
                }
                return breach;
            } catch (err) {
                // Without metrics nothing says the new deployment is healthy: treat it as a failed check.
                return { what: `its metrics could not be read (${errorMessage(err)})` };
            }
        },
    });
}

// --- the rollout -------------------------------------------------------------------------------

/**
 * Moves the endpoint's traffic onto p.deploymentName step by step, baking after each step. On a bad
 * minute count or a failed traffic change, puts the traffic back where it was and fails.
 */
async function shiftTraffic(ctx: ArmContext, p: ShiftProps, expected?: Split): Promise<Split> {
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
            `Azure ML rollout of deployment ${p.deploymentName} refused: the endpoint serves no deployment, though ${describeSplit(expected ?? {})} served after the last rollout ` +
                `(an update of the endpoint resets its traffic). Fix: az ml online-endpoint update --name ${endpoint} --workspace-name ${workspace} --resource-group ${group} --subscription ${subscription} --traffic "${restore}", then run pulumi up again.`,
        );
    }
    if (old.length === 0) {
        // Nothing else serves (a new endpoint): nothing to compare with or go back to.
        const all = { [p.deploymentName]: 100 };
        if (!sameSplit(before, all)) await setTraffic(ctx, p.endpointId, all);
        return all;
    }
    const restore = apportion(100, old);
    const since = ctx.clock.now();
    let current = before;
    for (const percent of [...bakedSteps(p.strategy, p.stepPercent), 100]) {
        const stepStart = ctx.clock.now();
        const target = splitWith(before, p.deploymentName, percent);
        try {
            await setTraffic(ctx, p.endpointId, target);
        } catch (err) {
            await rollBack(ctx, p, restore, `setting traffic to ${describeSplit(target)} failed (${errorMessage(err)})`, current);
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
async function rollBack(ctx: ArmContext, p: ShiftProps, restore: Split, reason: string, current: Split): Promise<never> {
    const olds = Object.keys(restore).join(", ");
    const [, subscription, group, workspace, endpoint] = ENDPOINT_ID.exec(p.endpointId) ?? [];
    try {
        await setTraffic(ctx, p.endpointId, restore);
    } catch (err) {
        const fix = `az ml online-endpoint update --name ${endpoint} --workspace-name ${workspace} --resource-group ${group} --subscription ${subscription} --traffic "${Object.entries(restore).map(([k, v]) => `${k}=${v}`).join(" ")}"`;
        throw new Error(
            `Azure ML rollout of deployment ${p.deploymentName} stopped: ${reason}. Rolling back to ${olds} ALSO FAILED (${errorMessage(err)}); ` +
                `the endpoint may still send traffic to ${p.deploymentName} (last set: ${describeSplit(current)}). Fix now: ${fix}`,
        );
    }
    throw new Error(
        `Azure ML rollout of deployment ${p.deploymentName} rolled back: ${reason}. ` +
            `The old deployment ${olds} serves ${describeSplit(restore)} again and is kept; ${p.deploymentName} serves nothing. ` +
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
