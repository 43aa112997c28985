import * as pulumi from "@pulumi/pulumi";
import { armTokenSource } from "../azure/armCredential";
import { MAX_ERRORS_PER_MINUTE, POINT_WINDOW, errorsPerMinuteQuery, latencyP99MsQuery, scrapedPodsQuery } from "../../components/observability";
import { type Clock, type TimingDeps, deadlineAfter, timingOf } from "../dynamic/clock";
import { GOOGLE_CREDENTIALS_FIX, googleTokenSource } from "../dynamic/credentials";
import { errorMessage, parsedJson } from "../dynamic/errors";
import { type HttpAnswer, type RetryPolicy, type Transport, callJson, TRANSIENT_STATUSES } from "../dynamic/http";
import { changedKeys, inputChecker, isUnknown } from "../dynamic/inputs";
import { badOfLast } from "../dynamic/metricAnalysis";
import { type ProgressDeps, consoleLog } from "../dynamic/progress";
import { type MetricWatchInputs, DEFAULT_CHECK_INTERVAL_SECONDS, checkMetricWatch } from "../dynamic/sharedInputs";

// The rollout of the model server's Deployment, watched and rolled back like the managed runtimes'
// rollouts. Kubernetes rolls pods by surge and readiness but knows nothing of error rates or latency,
// and a rollout past its progress deadline just stops half way. So this dynamic resource owns the wait
// the kubernetes provider would do (the Deployment carries pulumi.com/skipAwait): it follows the
// rollout, reads the new pods' 5xx rate and p99 latency from the cluster's managed Prometheus (GKE:
// Managed Service for Prometheus; AKS: the Azure Monitor workspace) while they come up and for the bake
// time after, and on a breach or a stalled rollout does what `kubectl rollout undo` does: puts the
// previous ReplicaSet's pod template back, waits for it, and fails the update saying why.
//
// Field ownership: the kubernetes provider applies the Deployment with server-side apply and without
// force, and kube-apiserver refuses (409 Conflict) an apply that changes a field another manager owns.
// The guard's rollback patch makes it the owner of the template fields it restores, so the Deployment
// carries pulumi.com/patchForce: the provider's next apply takes those fields back instead of being
// refused (pulumi-kubernetes provider/pkg/await/await.go patchForce and ssaUpdate; @pulumi/kubernetes
// provider.d.ts enablePatchForce). The guard writes under its own field manager, so
// `kubectl get deployment --show-managed-fields` says who rolled back.
//
// The provider object is serialized into the stack state with everything its methods capture, so
// they only reach plain functions and constants of this module, of the toolkit ../dynamic/ and of
// ../azure/armCredential, and globals; node:https, google-auth-library and @azure/identity are
// required lazily, inside the functions that need them.

export type ClusterCredential = "google" | "azure";

/**
 * Annotations of the Deployment the guard watches: the guard waits for the rollout instead of the
 * provider (skipAwait), and the provider's apply takes back the fields a rollback wrote (patchForce).
 */
export const GUARDED_DEPLOYMENT_ANNOTATIONS: Readonly<Record<string, string>> = { "pulumi.com/skipAwait": "true", "pulumi.com/patchForce": "true" };

export interface RolloutGuardInputs extends MetricWatchInputs {
    /** The API server's URL, https://host[:port]. */
    apiServer: pulumi.Input<string>;
    /** The cluster CA, base64 PEM (a kubeconfig's certificate-authority-data). */
    caCertificate: pulumi.Input<string>;
    /** Whose tokens the API server and the Prometheus API take: Google (GKE) or Microsoft Entra ID (AKS with Azure RBAC). */
    credential: pulumi.Input<ClusterCredential>;
    namespace: pulumi.Input<string>;
    deployment: pulumi.Input<string>;
    /** The image the update asks for: the rollout is done when the Deployment's pods run it. */
    image: pulumi.Input<string>;
    /** The model version the update asks for (the pod template's model-version label). */
    modelVersion: pulumi.Input<string>;
    /** Changes whenever the pod template does: a change is a rollout to watch. */
    templateFingerprint: pulumi.Input<string>;
    /** Base URL of a Prometheus HTTP API holding the model server's metrics (…/api/v1/query is appended). */
    prometheusUrl: pulumi.Input<string>;
    /** PromQL label matchers selecting this workload's series, e.g. cluster="c",namespace="n". */
    metricsScope: pulumi.Input<string>;
    predictRoute: pulumi.Input<string>;
    /** Seconds the rollout (and a rollback) may take before it counts as stalled. Default 1800. */
    rolloutTimeoutSeconds?: pulumi.Input<number>;
}

/** backoffMs also bounds the pause between rollout status reads (ten times it). */
export interface RolloutGuardDeps extends TimingDeps, ProgressDeps {
    /** Returns a bearer token for the API server or the Prometheus API. Default: the credential input's library. */
    getAccessToken?: (audience: "kubernetes" | "prometheus") => Promise<string>;
}

/** The inputs as the provider receives them: resolved, plain values. */
type GuardProps = pulumi.Unwrap<RolloutGuardInputs>;

interface GuardContext {
    token: (audience: "kubernetes" | "prometheus") => Promise<string>;
    backoffMs: number;
    log: (line: string) => void;
    clock: Clock;
    retry: RetryPolicy;
}

interface KubeObject {
    metadata?: { name?: string; uid?: string; generation?: number; annotations?: Record<string, string>; labels?: Record<string, string>; ownerReferences?: { uid?: string }[] };
    spec?: any;
    status?: any;
}

/** One metric check of the new pods: undefined where no series exists (no 5xx, no predictions). */
interface Check {
    /** How many of the new pods have series at all (every request, probes included, is counted). */
    scrapedPods?: number;
    errorsPerMinute?: number;
    latencyP99Ms?: number;
    unreadable?: string;
}

const REVISION = "deployment.kubernetes.io/revision";
/** The name the guard's writes are recorded under in the Deployment's managedFields. */
const FIELD_MANAGER = "model-service-rollout-guard";
/**
 * Annotations `kubectl rollout undo` keeps from the Deployment instead of taking them from the
 * ReplicaSet (kubectl pkg/polymorphichelpers/rollback.go annotationsToSkip).
 */
const UNDO_KEEPS = ["kubectl.kubernetes.io/last-applied-configuration", REVISION, "deployment.kubernetes.io/revision-history", "deployment.kubernetes.io/desired-replicas", "deployment.kubernetes.io/max-replicas", "deprecated.deployment.rollback.to"];
const AKS_SCOPE = "6dae42f8-4368-4678-94ff-3960e28e3630/.default";
const AZURE_PROMETHEUS_SCOPE = "https://prometheus.monitor.azure.com/.default";
/** What gke-gcloud-auth-plugin asks for: GKE maps the token to the caller by its email. */
const GOOGLE_SCOPES = ["https://www.googleapis.com/auth/cloud-platform", "https://www.googleapis.com/auth/userinfo.email"];
const DEFAULT_ROLLOUT_TIMEOUT_SECONDS = 1800;
const MAX_ATTEMPTS = 5;
const REQUEST_TIMEOUT_MS = 30_000;
const STATUS_POLL_MS = 10_000;
const PROGRESS_EVERY_MS = 60_000;
/** Inputs whose change is a rollout to follow; the rest only steer the guard. */
const WATCHED_FIELDS = ["apiServer", "namespace", "deployment", "image", "modelVersion", "templateFingerprint"];
const SETTING_FIELDS = ["caCertificate", "credential", "prometheusUrl", "metricsScope", "predictRoute", "bakeSeconds", "latencyP99Ms", "max5xxPerMinute", "checkIntervalSeconds", "rolloutTimeoutSeconds"];

export function createRolloutGuardProvider(deps?: RolloutGuardDeps): pulumi.dynamic.ResourceProvider {
    // Only plain values are captured: the caller's functions (if any) and a number.
    const getAccessToken = deps?.getAccessToken;
    const { backoffMs, clock } = timingOf(deps);
    const log = deps?.log ?? consoleLog;
    const retry = { clock, attempts: MAX_ATTEMPTS, backoffMs, retryableStatuses: TRANSIENT_STATUSES };
    const context = (p: GuardProps): GuardContext => ({ token: getAccessToken ?? tokenSource(p.credential), backoffMs, log, clock, retry });
    return {
        async check(_olds: any, news: any) {
            return { inputs: news, failures: checkProps(news) };
        },
        async diff(_id: string, olds: any, news: any) {
            const changed = changedKeys(olds, news, [...WATCHED_FIELDS, ...SETTING_FIELDS]);
            return { changes: changed.length > 0, replaces: [], deleteBeforeReplace: false };
        },
        async create(inputs: any) {
            // A first rollout has nothing to go back to: it is followed to the end, not baked.
            const serving = await guardRollout(context(inputs), inputs, false);
            return { id: `${inputs.namespace}/${inputs.deployment}`, outs: { ...inputs, ...serving } };
        },
        async read(id: string, props?: any) {
            return { id, props: props ?? {} };
        },
        async update(_id: string, olds: any, news: any) {
            const rollout = changedKeys(olds, news, WATCHED_FIELDS).length > 0;
            // A change of thresholds or timings alone moves no pod.
            if (!rollout) return { outs: { ...news, servingRevision: olds.servingRevision, servingModelVersion: olds.servingModelVersion } };
            return { outs: { ...news, ...(await guardRollout(context(news), news, true, olds.servingRevision)) } };
        },
        async delete() {
            // Nothing of its own: the Deployment goes with its own resource.
        },
    };
}

export const rolloutGuardProvider: pulumi.dynamic.ResourceProvider = createRolloutGuardProvider();

/**
 * The Deployment's rollout, followed, baked against the new pods' metrics and rolled back on a breach.
 * Its id is `{namespace}/{deployment}`; `servingRevision` is the Deployment revision that serves.
 */
export class RolloutGuard extends pulumi.dynamic.Resource {
    declare readonly servingRevision: pulumi.Output<string>;
    declare readonly servingModelVersion: pulumi.Output<string>;

    constructor(name: string, args: RolloutGuardInputs, opts?: pulumi.CustomResourceOptions) {
        // Its own type token, so plans, policies and mocks tell it from other dynamic resources.
        super(rolloutGuardProvider, name, { ...args, servingRevision: undefined, servingModelVersion: undefined }, opts, "kubernetes", "RolloutGuard");
    }
}

// ---------------------------------------------------------------------------------------------
// Everything below runs inside the dynamic provider and is serialized with it: plain functions only.

/** Tokens from the cloud's own library, loaded on first use and kept while valid. */
function tokenSource(credential: ClusterCredential): (audience: "kubernetes" | "prometheus") => Promise<string> {
    let google: (() => Promise<string>) | undefined;
    let azure: ((scope: string) => Promise<string>) | undefined;
    return async (audience) => {
        try {
            if (credential === "google") {
                google ??= googleTokenSource(GOOGLE_SCOPES);
                return await google();
            }
            // The identity azure-native deploys as (ARM_* variables, else the Azure CLI), not AZURE_*.
            azure ??= armTokenSource();
            return await azure(audience === "kubernetes" ? AKS_SCOPE : AZURE_PROMETHEUS_SCOPE);
        } catch (err) {
            const fix =
                credential === "google"
                    ? GOOGLE_CREDENTIALS_FIX
                    : "run `az login`, or set the ARM_* variables the azure-native provider reads (see the README's Azure section)";
            throw new Error(`Kubernetes rollout guard: could not get ${credential === "google" ? "Google Cloud" : "Azure"} credentials for the ${audience} API: ${errorMessage(err)}. Fix: ${fix}.`);
        }
    };
}

// --- check -------------------------------------------------------------------------------------

function checkProps(p: any): { property: string; reason: string }[] {
    const { failures, fail, requiredStrings, number } = inputChecker(p);
    requiredStrings(["apiServer", "caCertificate", "namespace", "deployment", "image", "modelVersion", "templateFingerprint", "prometheusUrl", "metricsScope", "predictRoute"]);
    for (const key of ["apiServer", "prometheusUrl"]) {
        if (typeof p[key] === "string" && !isUnknown(p[key]) && !/^https?:\/\/[^/]+/.test(p[key])) fail(key, `"${p[key]}" is not an http(s) URL`);
    }
    if (!isUnknown(p.credential) && !["google", "azure"].includes(p.credential)) fail("credential", "must be google or azure");
    checkMetricWatch(number);
    number("rolloutTimeoutSeconds", 0.001, 86_400);
    return failures;
}

// --- HTTP --------------------------------------------------------------------------------------

/** HTTPS trusting only the cluster CA when one is given (plain HTTP for a loopback test server). */
function nodeTransport(caPem: string | undefined): Transport {
    return (url, request) => nodeRequest(url, request.method, request.headers, request.body, caPem);
}

function nodeRequest(url: string, method: string, headers: Record<string, string>, body: string | undefined, caPem: string | undefined): Promise<HttpAnswer> {
    const parsed = new URL(url);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const transport = (parsed.protocol === "https:" ? require("node:https") : require("node:http")) as typeof import("node:https");
    return new Promise((resolve, reject) => {
        const req = transport.request(parsed, { method, headers: { ...headers, ...(body === undefined ? {} : { "content-length": String(Buffer.byteLength(body)) }) }, timeout: REQUEST_TIMEOUT_MS, ...(caPem ? { ca: caPem } : {}) }, (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("end", () => {
                const header = (name: string) => res.headers[name];
                resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8"), headers: { get: (name) => [header(name.toLowerCase())].flat()[0] ?? null } });
            });
            res.on("error", reject);
        });
        req.on("timeout", () => req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS / 1000}s`)));
        req.on("error", reject);
        if (body !== undefined) req.write(body);
        req.end();
    });
}

function hintFor(api: "kubernetes" | "prometheus", status: number, p: GuardProps): string {
    const google = p.credential === "google";
    if (status === 401) return ` Fix: the token was rejected; ${google ? "run `gcloud auth application-default login` again" : "run `az login` again or check the ARM_* credentials"}.`;
    if (status === 403 && api === "kubernetes") {
        return ` Fix: let the identity running pulumi read and patch Deployments and list ReplicaSets in namespace ${p.namespace} (${google ? "roles/container.developer" : "Azure Kubernetes Service RBAC Writer"}).`;
    }
    if (status === 403) return ` Fix: let the identity running pulumi read the metrics (${google ? "roles/monitoring.viewer on the project" : "Monitoring Data Reader on the Azure Monitor workspace; the program grants it to the deployer"}).`;
    if (status === 404 && api === "kubernetes") return ` Fix: check that Deployment ${p.namespace}/${p.deployment} exists (pulumi refresh).`;
    return "";
}

/** A JSON call with retries on 429/5xx and network errors, honouring Retry-After. */
async function call(ctx: GuardContext, p: GuardProps, api: "kubernetes" | "prometheus", op: string, method: string, url: string, body?: unknown, contentType = "application/json"): Promise<any> {
    const transport = nodeTransport(api === "kubernetes" ? Buffer.from(p.caCertificate, "base64").toString("utf8") : undefined);
    const describeFailure = (answer: HttpAnswer) => {
        const parsed = parsedJson(answer.text) as { message?: string; error?: string } | undefined;
        return `${answer.status}: ${parsed?.message ?? parsed?.error ?? answer.text.slice(0, 300).trim()}${hintFor(api, answer.status, p)}`;
    };
    const headers = async () => ({ authorization: `Bearer ${await ctx.token(api)}` });
    return (await callJson(transport, ctx.retry, { label: op, url, method, body, contentType, headers, describeFailure })).data;
}

// --- the Deployment ----------------------------------------------------------------------------

function deploymentUrl(p: GuardProps): string {
    return `${p.apiServer.replace(/\/+$/, "")}/apis/apps/v1/namespaces/${encodeURIComponent(p.namespace)}/deployments/${encodeURIComponent(p.deployment)}`;
}

/** Where the guard's patches go: under its own field manager. */
function patchUrl(p: GuardProps): string {
    return `${deploymentUrl(p)}?fieldManager=${FIELD_MANAGER}`;
}

async function getDeployment(ctx: GuardContext, p: GuardProps): Promise<KubeObject> {
    return call(ctx, p, "kubernetes", `Reading Deployment ${p.namespace}/${p.deployment}`, "GET", deploymentUrl(p));
}

/** The Deployment's ReplicaSets, newest revision first. */
async function replicaSets(ctx: GuardContext, p: GuardProps, deployment: KubeObject): Promise<KubeObject[]> {
    const selector = Object.entries(deployment.spec?.selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`).join(",");
    const url = `${p.apiServer.replace(/\/+$/, "")}/apis/apps/v1/namespaces/${encodeURIComponent(p.namespace)}/replicasets?labelSelector=${encodeURIComponent(selector)}`;
    const list = await call(ctx, p, "kubernetes", `Listing the ReplicaSets of ${p.namespace}/${p.deployment}`, "GET", url);
    const owned = ((list.items ?? []) as KubeObject[]).filter((rs) => (rs.metadata?.ownerReferences ?? []).some((o) => o.uid === deployment.metadata?.uid));
    return owned.sort((a, b) => revisionOf(b) - revisionOf(a));
}

function revisionOf(o: KubeObject): number {
    return Number(o.metadata?.annotations?.[REVISION] ?? 0);
}

function imagesOf(template: any): string[] {
    return ((template?.spec?.containers ?? []) as { image?: string }[]).map((c) => String(c.image ?? ""));
}

function modelVersionOf(template: any): string {
    return String(template?.metadata?.labels?.["model-version"] ?? "?");
}

/** Where a rollout stands, as `kubectl rollout status` reads it. */
function rolloutState(d: KubeObject): { done: boolean; stalled?: string; line: string } {
    const desired = Number(d.spec?.replicas ?? 1);
    const s = d.status ?? {};
    const updated = Number(s.updatedReplicas ?? 0);
    const total = Number(s.replicas ?? 0);
    const available = Number(s.availableReplicas ?? 0);
    const observed = Number(s.observedGeneration ?? 0) >= Number(d.metadata?.generation ?? 0);
    const progressing = ((s.conditions ?? []) as { type?: string; reason?: string; message?: string }[]).find((c) => c.type === "Progressing");
    const line = `${updated} of ${desired} pods updated, ${available} available, ${Math.max(0, total - updated)} old`;
    if (observed && progressing?.reason === "ProgressDeadlineExceeded") return { done: false, stalled: `the rollout stopped making progress (ProgressDeadlineExceeded: ${progressing.message ?? "no message"})`, line };
    return { done: observed && updated >= desired && total <= updated && available >= updated, line };
}

// --- health, from Prometheus -------------------------------------------------------------------

async function instantQuery(ctx: GuardContext, p: GuardProps, query: string): Promise<number | undefined> {
    const url = `${p.prometheusUrl.replace(/\/+$/, "")}/api/v1/query?query=${encodeURIComponent(query)}`;
    const data = await call(ctx, p, "prometheus", "Prometheus query", "GET", url);
    if (data.status !== "success") throw new Error(`Prometheus query failed: ${data.error ?? "no status"}`);
    const value = Number(data.data?.result?.[0]?.value?.[1]);
    return Number.isFinite(value) ? value : undefined;
}

/** The new pods' 5xx a minute and p99 latency, over the last two minutes. */
async function checkPods(ctx: GuardContext, p: GuardProps, podPrefix: string): Promise<Check> {
    const pods = `${p.metricsScope},pod=~"${podPrefix}-.+"`;
    try {
        // The kubelet's probes alone create these series, so their absence means no scrape reached the pods.
        const scrapedPods = await instantQuery(ctx, p, scrapedPodsQuery(pods));
        const errorsPerMinute = await instantQuery(ctx, p, errorsPerMinuteQuery(pods, POINT_WINDOW));
        const latencyP99Ms = await instantQuery(ctx, p, latencyP99MsQuery(`${pods},route="${p.predictRoute}"`, POINT_WINDOW));
        return { scrapedPods, errorsPerMinute, latencyP99Ms };
    } catch (err) {
        return { unreadable: errorMessage(err) };
    }
}

/** What is wrong with the new pods, from the recent checks: the alarms' bad-of-last rule (BAD_OF_LAST). */
function breachOf(p: GuardProps, checks: Check[]): string | undefined {
    // Without metrics nothing says the new pods are healthy.
    const unreadable = badOfLast(checks, (c) => Boolean(c.unreadable));
    if (unreadable) return `their metrics could not be read (${unreadable.bad[unreadable.bad.length - 1]!.unreadable})`;
    const max5xx = p.max5xxPerMinute ?? MAX_ERRORS_PER_MINUTE;
    const errors = badOfLast(checks, (c) => c.errorsPerMinute !== undefined && c.errorsPerMinute > max5xx);
    if (errors) return `${errors.bad.length} of the last ${errors.of} checks saw more than ${max5xx} answers a minute with status 5xx (${errors.bad.map((c) => Math.round(c.errorsPerMinute!)).join(", ")})`;
    const slow = badOfLast(checks, (c) => c.latencyP99Ms !== undefined && c.latencyP99Ms > p.latencyP99Ms);
    if (slow) return `${slow.bad.length} of the last ${slow.of} checks saw a p99 latency above ${p.latencyP99Ms} ms (${slow.bad.map((c) => `${Math.round(c.latencyP99Ms!)} ms`).join(", ")})`;
    return undefined;
}

function describeCheck(c: Check | undefined): string {
    if (!c) return "no metrics checked yet";
    if (c.unreadable) return "metrics unreadable";
    if (!c.scrapedPods) return "no series from the new pods";
    const errors = c.errorsPerMinute === undefined ? "no traffic" : `${c.errorsPerMinute.toFixed(1)} 5xx/min`;
    return `${errors}, p99 ${c.latencyP99Ms === undefined ? "n/a" : `${Math.round(c.latencyP99Ms)} ms`}`;
}

// --- the rollout -------------------------------------------------------------------------------

/**
 * Follows the Deployment until the requested template serves on every pod, checking the new pods'
 * metrics meanwhile, then bakes; rolls back (when there is something to go back to) on a breach, a
 * stalled rollout or the deadline.
 */
async function guardRollout(ctx: GuardContext, p: GuardProps, canRollBack: boolean, servedBefore?: string): Promise<{ servingRevision: string; servingModelVersion: string }> {
    const what = `Deployment ${p.namespace}/${p.deployment}`;
    const started = ctx.clock.now();
    const deadline = started + (p.rolloutTimeoutSeconds ?? DEFAULT_ROLLOUT_TIMEOUT_SECONDS) * 1000;
    const every = (p.checkIntervalSeconds ?? DEFAULT_CHECK_INTERVAL_SECONDS) * 1000;
    const poll = Math.min(STATUS_POLL_MS, ctx.backoffMs * 10, every);
    const checks: Check[] = [];
    let nextCheck = started + every;
    let nextProgress = started + PROGRESS_EVERY_MS;
    let bakeEnd: number | undefined;
    let bakeChecksFrom = 0;
    let newPods: string | undefined;
    for (;;) {
        const d = await getDeployment(ctx, p);
        const template = d.spec?.template;
        if (!imagesOf(template).includes(p.image) || modelVersionOf(template) !== p.modelVersion) {
            throw new Error(
                `${what} runs model version ${modelVersionOf(template)} (${imagesOf(template).join(", ") || "no image"}), not the requested ${p.modelVersion} (${p.image}): ` +
                    "its pod template was changed outside this update, or an earlier update was rolled back while Pulumi's state kept the new template. " +
                    "Fix: run `pulumi up --refresh` so Pulumi sees the live template and applies the requested one again.",
            );
        }
        if (d.spec?.paused) throw new Error(pausedMessage(p, `its rollout of model version ${p.modelVersion} does not progress while it is`));
        const state = rolloutState(d);
        const revision = String(revisionOf(d));
        // The same revision as before: nothing new rolled out, so nothing to watch or undo.
        const watching = canRollBack && revision !== servedBefore;
        const now = ctx.clock.now();
        const bakeOver = bakeEnd !== undefined && now >= bakeEnd;
        if (watching && (now >= nextCheck || bakeOver)) {
            newPods ??= `${p.deployment}-${(await replicaSets(ctx, p, d)).find((rs) => String(revisionOf(rs)) === revision)?.metadata?.labels?.["pod-template-hash"] ?? "unknown"}`;
            checks.push(await checkPods(ctx, p, newPods));
            nextCheck = ctx.clock.now() + every;
            const breach = breachOf(p, checks);
            if (breach) return rollBack(ctx, p, d, `${bakeEnd === undefined ? "during the rollout" : "during the bake"}, the new pods (${newPods}-*) misbehaved: ${breach}`);
        }
        if (bakeOver) {
            // Without series from the new pods nothing says they are healthy: the collectors do not reach them.
            if (!checks.slice(bakeChecksFrom).some((c) => c.scrapedPods)) {
                return rollBack(ctx, p, d, `during the bake, no series of the new pods (${newPods}-*) reached Prometheus in ${checks.length - bakeChecksFrom} checks, so nothing says they are healthy. Check that the metrics collectors scrape them (PodMonitoring or scrape config, and the NetworkPolicy's scraper namespaces)`);
            }
            ctx.log(`${what}: model version ${p.modelVersion} baked ${p.bakeSeconds}s without a breach (${describeCheck(checks[checks.length - 1])})`);
            return { servingRevision: revision, servingModelVersion: p.modelVersion };
        }
        if (bakeEnd === undefined && (state.stalled || now >= deadline)) {
            const reason = state.stalled ?? `the rollout did not finish within ${Math.round((deadline - started) / 1000)}s (${state.line})`;
            if (watching) return rollBack(ctx, p, d, reason);
            throw new Error(`${what}: ${reason}. Nothing was rolled back. Fix: \`kubectl describe deployment ${p.deployment} -n ${p.namespace}\` and its pods' events tell why; then run pulumi up again.`);
        }
        if (state.done && bakeEnd === undefined) {
            if (!watching || p.bakeSeconds <= 0) return { servingRevision: revision, servingModelVersion: p.modelVersion };
            bakeEnd = ctx.clock.now() + p.bakeSeconds * 1000;
            bakeChecksFrom = checks.length;
            ctx.log(`${what}: model version ${p.modelVersion} runs on every pod (revision ${revision}); baking ${p.bakeSeconds}s against its metrics`);
        }
        if (now >= nextProgress) {
            nextProgress = now + PROGRESS_EVERY_MS;
            const phase = bakeEnd === undefined ? `rolling out: ${state.line}` : `baking, ${Math.max(0, Math.round((bakeEnd - now) / 1000))}s to go`;
            ctx.log(`${what}: model version ${p.modelVersion} ${phase}; ${describeCheck(checks[checks.length - 1])}`);
        }
        const until = Math.min(ctx.clock.now() + poll, watching ? nextCheck : Infinity, bakeEnd ?? Infinity, bakeEnd === undefined ? deadline : Infinity);
        await ctx.clock.sleep(Math.max(1, until - ctx.clock.now()));
    }
}

/**
 * `kubectl rollout undo`: the previous revision's pod template and annotations put back on the
 * Deployment (refused while it is paused), its rollout awaited without the bake hold
 * (minReadySeconds 0, put back afterwards); then the update fails saying why and what serves.
 */
async function rollBack(ctx: GuardContext, p: GuardProps, d: KubeObject, reason: string): Promise<never> {
    const what = `Deployment ${p.namespace}/${p.deployment}`;
    const failed = `Kubernetes rollout of model version ${p.modelVersion} to ${what} failed: ${reason}.`;
    if (d.spec?.paused) throw new Error(`${failed} ${pausedMessage(p, "nothing was rolled back")}`);
    const current = revisionOf(d);
    const previous = (await replicaSets(ctx, p, d)).find((rs) => revisionOf(rs) < current);
    if (!previous) throw new Error(`${failed} There is no earlier revision to roll back to. Fix the new version, then run pulumi up again.`);
    const template = JSON.parse(JSON.stringify(previous.spec?.template ?? {}));
    delete template.metadata?.labels?.["pod-template-hash"];
    const oldVersion = modelVersionOf(template);
    const replicaSet = `ReplicaSet ${previous.metadata?.name ?? "?"}`;
    const oldRevision = revisionOf(previous);
    // The bake hold (minReadySeconds) is for new versions: the version going back is known good.
    const hold = Number(d.spec?.minReadySeconds ?? 0);
    ctx.log(`${what}: rolling back to ${replicaSet} (revision ${oldRevision}, model version ${oldVersion})${hold > 0 ? `, without the ${hold}s hold per pod` : ""}: ${reason}`);
    const undo = [
        { op: "replace", path: "/spec/template", value: template },
        { op: "replace", path: "/metadata/annotations", value: undoAnnotations(d, previous) },
        ...(hold > 0 ? [{ op: "add", path: "/spec/minReadySeconds", value: 0 }] : []),
    ];
    let patched = false;
    let serving: KubeObject | undefined;
    let failure: string | undefined;
    try {
        await call(ctx, p, "kubernetes", `Rolling back ${what}`, "PATCH", patchUrl(p), undo, "application/json-patch+json");
        patched = true;
        const deadline = deadlineAfter(ctx.clock, (p.rolloutTimeoutSeconds ?? DEFAULT_ROLLOUT_TIMEOUT_SECONDS) * 1000);
        for (;;) {
            const live = await getDeployment(ctx, p);
            const state = rolloutState(live);
            if (state.done) {
                serving = live;
                break;
            }
            if (state.stalled || deadline.passed()) throw new Error(state.stalled ?? `it did not finish in time (${state.line})`);
            await ctx.clock.sleep(Math.min(STATUS_POLL_MS, ctx.backoffMs * 10));
        }
    } catch (err) {
        failure = errorMessage(err);
    }
    let holdNote = "";
    if (patched && hold > 0) {
        try {
            await call(ctx, p, "kubernetes", `Putting minReadySeconds of ${what} back`, "PATCH", patchUrl(p), [{ op: "add", path: "/spec/minReadySeconds", value: hold }], "application/json-patch+json");
        } catch (err) {
            holdNote = ` Its minReadySeconds was left at 0 (${errorMessage(err)}); \`pulumi up --refresh\` sets it back to ${hold}.`;
        }
    }
    if (failure !== undefined) {
        // Once the template is back, the controller has renumbered its revision: name the ReplicaSet instead.
        const fix = patched
            ? `the previous template (${replicaSet}) is back on the Deployment but its pods did not all become available. Fix now: \`kubectl rollout status deployment/${p.deployment} -n ${p.namespace}\` and \`kubectl describe deployment ${p.deployment} -n ${p.namespace}\``
            : `Fix now: kubectl rollout undo deployment/${p.deployment} -n ${p.namespace} --to-revision=${oldRevision}`;
        throw new Error(
            `Kubernetes rollout of model version ${p.modelVersion} to ${what} stopped: ${reason}. Rolling back to model version ${oldVersion} ALSO FAILED (${failure}); ` +
                `pods of the new version may still serve; ${fix}.${holdNote}`,
        );
    }
    throw new Error(
        `Kubernetes rollout of model version ${p.modelVersion} to ${what} rolled back: ${reason}. ` +
            `Model version ${oldVersion} serves again on every pod, as revision ${revisionOf(serving!)} (${replicaSet}, revision ${oldRevision} before the controller renumbered it).${holdNote} ` +
            "Pulumi's state still holds the new pod template: fix the new version or revert the change, then run `pulumi up --refresh`.",
    );
}

/** The Deployment's annotations after `kubectl rollout undo`: the ReplicaSet's, but the Deployment's own bookkeeping kept. */
function undoAnnotations(d: KubeObject, rs: KubeObject): Record<string, string> {
    const kept = Object.entries(d.metadata?.annotations ?? {}).filter(([k]) => UNDO_KEEPS.includes(k));
    const restored = Object.entries(rs.metadata?.annotations ?? {}).filter(([k]) => !UNDO_KEEPS.includes(k));
    return Object.fromEntries([...kept, ...restored]);
}

function pausedMessage(p: GuardProps, consequence: string): string {
    return (
        `Deployment ${p.namespace}/${p.deployment} is paused (spec.paused): ${consequence}, and like \`kubectl rollout undo\` the guard does not roll back a paused Deployment. ` +
        `Fix: \`kubectl rollout resume deployment/${p.deployment} -n ${p.namespace}\`, then run pulumi up again.`
    );
}
