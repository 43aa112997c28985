import * as pulumi from "@pulumi/pulumi";
import { MAX_ERRORS_PER_MINUTE } from "../../components/observability";
import { type Clock, type TimingDeps, timingOf } from "../dynamic/clock";
import { GOOGLE_CREDENTIALS_FIX, googleTokenSource } from "../dynamic/credentials";
import { asSentence, errorMessage, parsedJson } from "../dynamic/errors";
import { type HttpAnswer, type RetryPolicy, type Transport, callJson, fetchTransport, TRANSIENT_STATUSES } from "../dynamic/http";
import { definedOnly, inputChecker, isUnknown } from "../dynamic/inputs";
import { watch } from "../dynamic/metricAnalysis";
import { waitForOperation } from "../dynamic/operations";
import { type ProgressDeps, consoleLog } from "../dynamic/progress";
import { type OperationApiInputs, DEFAULT_OPERATION_TIMEOUT_SECONDS } from "../dynamic/sharedInputs";
import { type Split, bakedSteps, othersServing, splitWith, splitWithout } from "../dynamic/traffic";

// A Vertex AI model upload and its deployment to an endpoint, as a Pulumi dynamic resource: the gcp
// provider creates endpoints but can neither upload a Model nor deploy one (`deployedModels` is
// output-only), so this calls the Vertex AI REST API (v1) directly.
//
// The provider object is serialized into the stack state together with everything its methods
// capture. So the methods only reach plain functions and constants (of this module, or the used exports
// of stateless siblings such as the toolkit ../dynamic/ and components/observability.ts, captured by
// value) and globals (fetch, setTimeout, AbortSignal, JSON...): no stateful import, no class, no `this`,
// and google-auth-library is required lazily, inside the function that needs it.
//
// Rollouts: with rolloutStrategy allAtOnce a new model is a replacement (create the new deployment, then
// delete the old). With canary or linear it is an in-place update: the new model is deployed beside the
// old one, takes a growing share of the old one's traffic, and each step is baked while Cloud Monitoring
// is read for the new deployed model's errors and p99 latency; a bad bake or a failed step rolls back to
// the old deployed model and fails the update, so Pulumi keeps the old state.

export interface VertexModelDeploymentInputs extends OperationApiInputs {
    project: pulumi.Input<string>;
    region: pulumi.Input<string>;
    /** Full endpoint resource name: projects/P/locations/R/endpoints/ID (from gcp.vertex.AiEndpoint.id or built from its name). */
    endpointName: pulumi.Input<string>;
    displayName: pulumi.Input<string>;
    /** gs:// prefix (folder) holding the model artifact. */
    artifactUri: pulumi.Input<string>;
    imageUri: pulumi.Input<string>;
    port: pulumi.Input<number>;
    healthRoute: pulumi.Input<string>;
    predictRoute: pulumi.Input<string>;
    env: pulumi.Input<pulumi.Input<{ name: pulumi.Input<string>; value: pulumi.Input<string> }>[]>;
    machineType: pulumi.Input<string>;
    /** e.g. NVIDIA_TESLA_T4 */
    acceleratorType?: pulumi.Input<string>;
    /** Default 1 when acceleratorType is set. */
    acceleratorCount?: pulumi.Input<number>;
    minReplicas: pulumi.Input<number>;
    maxReplicas: pulumi.Input<number>;
    /** Autoscaling target, percent CPU utilization. Default 60. */
    targetCpuUtilization?: pulumi.Input<number>;
    /** Autoscaling target, prediction requests per minute per replica (prediction/online/request_count). Default: CPU only. */
    targetRequestsPerMinute?: pulumi.Input<number>;
    /** Service account email the serving container runs as. */
    serviceAccount: pulumi.Input<string>;
    /** Percent of the endpoint's traffic for this deployed model. Default 100. */
    trafficPercent?: pulumi.Input<number>;
    /** How a new model reaches traffic: allAtOnce (replace the deployment), canary or linear (beside the old one, baked). Default allAtOnce. */
    rolloutStrategy?: pulumi.Input<"allAtOnce" | "canary" | "linear">;
    /** canary: the new model's share of the old one's traffic while baked; linear: the increase per step. Default 10. */
    rolloutStepPercent?: pulumi.Input<number>;
    /** Minutes each canary or linear step is watched before the next; 0 skips the watch. Default 10. */
    rolloutBakeMinutes?: pulumi.Input<number>;
    /** More prediction errors than this from the new deployed model during one bake roll the update back. Default MAX_ERRORS_PER_MINUTE (components/observability.ts). */
    rollbackErrorThreshold?: pulumi.Input<number>;
    /** A p99 prediction latency (ms) of the new deployed model above this during a bake rolls the update back. Default: latency is not checked. */
    rollbackLatencyP99Ms?: pulumi.Input<number>;
    /** Cloud Monitoring API base URL. Default https://monitoring.googleapis.com */
    monitoringApiEndpoint?: pulumi.Input<string>;
    /** The endpoint is reached through Private Service Connect automation: read the forwarding rule's address after each deploy into `privateAddress`. Default false. */
    privateServiceConnect?: pulumi.Input<boolean>;
}

export interface VertexProviderDeps extends TimingDeps, ProgressDeps {
    /** Returns an OAuth access token. Default: google-auth-library's GoogleAuth (application default credentials, scope https://www.googleapis.com/auth/cloud-platform). */
    getAccessToken?: () => Promise<string>;
    /** Length of a bake minute in ms, and the interval of progress lines during long waits (tests pass a small number). Default 60000. */
    minuteMs?: number;
}

/** The inputs as the provider receives them: resolved, plain values. */
type DeploymentProps = pulumi.Unwrap<VertexModelDeploymentInputs>;

/** The resource's outputs: the inputs plus what Vertex AI assigned. */
interface DeploymentState extends DeploymentProps {
    modelName: string;
    deployedModelId: string;
    privateAddress?: string;
}

interface ApiContext {
    api: string;
    monitoringApi: string;
    project: string;
    region: string;
    token: () => Promise<string>;
    backoffMs: number;
    timeoutMs: number;
    minuteMs: number;
    log: (line: string) => void;
    clock: Clock;
    transport: Transport;
    retry: RetryPolicy;
}

/** What the provider gets from its creator: plain values and functions only. */
interface ProviderTools {
    token: () => Promise<string>;
    backoffMs: number;
    minuteMs: number;
    log: (line: string) => void;
    clock: Clock;
}

/** A Cloud Monitoring time series, as much of it as the bake check reads. */
interface TimeSeries {
    points?: { value?: { int64Value?: string | number; doubleValue?: number } }[];
}

/** Where a canary or linear rollout stands when it must roll back. */
interface RollbackPlan {
    strategy: string;
    /** The endpoint's split before the rollout began. */
    original: Split;
    oldId: string;
    oldModel: string;
    newModel: string;
    failure: string;
}

interface Operation {
    name: string;
    done?: boolean;
    error?: { code?: number; message?: string };
    response?: any;
}

interface VertexDeployedModel {
    id: string;
    model?: string;
    dedicatedResources?: {
        minReplicaCount?: number;
        maxReplicaCount?: number;
        autoscalingMetricSpecs?: { metricName?: string; target?: number }[];
    };
}

interface VertexEndpoint {
    name?: string;
    deployedModels?: VertexDeployedModel[];
    trafficSplit?: Split;
    privateServiceConnectConfig?: { pscAutomationConfigs?: { ipAddress?: string; state?: string; errorMessage?: string }[] };
}

const CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform";
const VERTEX = "Vertex AI";
const MONITORING = "Cloud Monitoring";
const CPU_METRIC = "aiplatform.googleapis.com/prediction/online/cpu/utilization";
/** An autoscaling metric of the v1 API (AutoscalingMetricSpec.metricName); the target is requests per replica. */
const REQUEST_COUNT_METRIC = "aiplatform.googleapis.com/prediction/online/request_count";
const ERROR_METRIC = "aiplatform.googleapis.com/prediction/online/error_count";
const LATENCY_METRIC = "aiplatform.googleapis.com/prediction/online/prediction_latencies";
const DEFAULT_MONITORING_API = "https://monitoring.googleapis.com";
const DEFAULT_TARGET_CPU = 60;
const DEFAULT_TRAFFIC = 100;
const DEFAULT_ROLLOUT = "allAtOnce";
const DEFAULT_STEP_PERCENT = 10;
const DEFAULT_BAKE_MINUTES = 10;
const DEFAULT_MINUTE_MS = 60_000;
const MAX_ATTEMPTS = 6;
const REQUEST_TIMEOUT_MS = 60_000;
/** Where the deployment lives: a change always replaces it. */
const PLACEMENT_FIELDS = ["project", "region", "endpointName"];
/** Inputs baked into the uploaded model or the deployment: a change uploads and deploys anew (a replacement, or a canary/linear rollout in place). */
const REPLACE_FIELDS = [
    "project",
    "region",
    "endpointName",
    "displayName",
    "artifactUri",
    "imageUri",
    "port",
    "healthRoute",
    "predictRoute",
    "env",
    "serviceAccount",
    "machineType",
    "acceleratorType",
    "acceleratorCount",
];
/** Inputs Vertex AI changes on the live deployment. */
const SCALING_FIELDS = ["minReplicas", "maxReplicas", "targetCpuUtilization", "targetRequestsPerMinute"];
const TRAFFIC_FIELDS = ["trafficPercent"];
/** Inputs that only steer this provider (no API call needed when they change). */
const PROVIDER_FIELDS = [
    "apiEndpoint",
    "operationTimeoutSeconds",
    "rolloutStrategy",
    "rolloutStepPercent",
    "rolloutBakeMinutes",
    "rollbackErrorThreshold",
    "rollbackLatencyP99Ms",
    "monitoringApiEndpoint",
    "privateServiceConnect",
];
const RPC_CODES = [
    "OK",
    "CANCELLED",
    "UNKNOWN",
    "INVALID_ARGUMENT",
    "DEADLINE_EXCEEDED",
    "NOT_FOUND",
    "ALREADY_EXISTS",
    "PERMISSION_DENIED",
    "RESOURCE_EXHAUSTED",
    "FAILED_PRECONDITION",
    "ABORTED",
    "OUT_OF_RANGE",
    "UNIMPLEMENTED",
    "INTERNAL",
    "UNAVAILABLE",
    "DATA_LOSS",
    "UNAUTHENTICATED",
];

export function createVertexDeploymentProvider(deps?: VertexProviderDeps): pulumi.dynamic.ResourceProvider {
    // Only plain values are captured: the caller's functions (if any) and numbers.
    const getAccessToken = deps?.getAccessToken;
    const { backoffMs, clock } = timingOf(deps);
    const minuteMs = deps?.minuteMs ?? DEFAULT_MINUTE_MS;
    const log = deps?.log ?? consoleLog;
    const context = (p: Partial<DeploymentProps>): ApiContext => apiContext(p, { token: getAccessToken ?? adcTokenSource(), backoffMs, minuteMs, log, clock });
    return {
        async check(_olds: any, news: any) {
            return { inputs: news, failures: checkProps(news) };
        },
        async diff(_id: string, olds: any, news: any) {
            return diffProps(olds, news);
        },
        async create(inputs: any) {
            return createDeployment(context(inputs), inputs);
        },
        async read(id: string, props?: any) {
            const state = stateFromId(id, props ?? {});
            return readDeployment(context(state), id, state);
        },
        async update(_id: string, olds: any, news: any) {
            return updateDeployment(context(news), olds, news);
        },
        async delete(id: string, props: any) {
            const state = stateFromId(id, props ?? {});
            await deleteDeployment(context(state), state);
        },
    };
}

export const vertexDeploymentProvider: pulumi.dynamic.ResourceProvider = createVertexDeploymentProvider();

/**
 * A model uploaded to Vertex AI and deployed to an existing endpoint. Its id is
 * `{endpointName}/deployedModels/{deployedModelId}` as first created; a canary or linear rollout
 * keeps the id (an update cannot change it), so `deployedModelId` and `modelName` name what serves.
 */
export class VertexModelDeployment extends pulumi.dynamic.Resource {
    declare readonly modelName: pulumi.Output<string>;
    declare readonly deployedModelId: pulumi.Output<string>;
    declare readonly endpointName: pulumi.Output<string>;
    /** With privateServiceConnect: the address of the forwarding rule Vertex AI's PSC automation created in the consumer network. */
    declare readonly privateAddress: pulumi.Output<string | undefined>;

    constructor(name: string, args: VertexModelDeploymentInputs, opts?: pulumi.CustomResourceOptions) {
        // The default type token (pulumi-nodejs:dynamic:Resource) is the one the offline mocks know.
        super(vertexDeploymentProvider, name, { ...args, modelName: undefined, deployedModelId: undefined, privateAddress: undefined }, opts);
    }
}

// ---------------------------------------------------------------------------------------------
// Everything below runs inside the dynamic provider and is serialized with it: plain functions only.

/** Application default credentials, loaded on first use and kept for one provider call. */
function adcTokenSource(): () => Promise<string> {
    const tokens = googleTokenSource([CLOUD_PLATFORM_SCOPE]);
    return async () => {
        try {
            return await tokens();
        } catch (err) {
            throw new Error(`Vertex AI: could not get Google Cloud credentials: ${errorMessage(err)}. Fix: ${GOOGLE_CREDENTIALS_FIX}.`);
        }
    };
}

function apiContext(p: Partial<DeploymentProps>, tools: ProviderTools): ApiContext {
    const region = String(p.region ?? regionOf(p.endpointName) ?? "");
    const api = String(p.apiEndpoint || `https://${region}-aiplatform.googleapis.com`).replace(/\/+$/, "");
    const monitoringApi = String(p.monitoringApiEndpoint || DEFAULT_MONITORING_API).replace(/\/+$/, "");
    const seconds = Number(p.operationTimeoutSeconds ?? DEFAULT_OPERATION_TIMEOUT_SECONDS);
    const retry = { clock: tools.clock, attempts: MAX_ATTEMPTS, backoffMs: tools.backoffMs, retryableStatuses: TRANSIENT_STATUSES };
    const project = String(p.project ?? projectOf(p.endpointName) ?? "");
    return { ...tools, api, monitoringApi, project, region, timeoutMs: seconds * 1000, transport: fetchTransport(REQUEST_TIMEOUT_MS), retry };
}

function projectOf(name: string | undefined): string | undefined {
    return /^projects\/([^/]+)\//.exec(name ?? "")?.[1];
}

function regionOf(name: string | undefined): string | undefined {
    return /^projects\/[^/]+\/locations\/([^/]+)\//.exec(name ?? "")?.[1];
}

/** Fills endpointName and deployedModelId from the id when the state lacks them (import, a bare Get). */
function stateFromId(id: string, props: Partial<DeploymentState>): Partial<DeploymentState> {
    const match = /^(projects\/[^/]+\/locations\/[^/]+\/endpoints\/[^/]+)\/deployedModels\/([^/]+)$/.exec(id ?? "");
    if (!match) return props;
    return { ...props, endpointName: props.endpointName ?? match[1], deployedModelId: props.deployedModelId ?? match[2] };
}

// --- check and diff ----------------------------------------------------------------------------

function checkProps(p: any): { property: string; reason: string }[] {
    const { failures, fail, known, requiredStrings, number } = inputChecker(p);
    requiredStrings(["project", "region", "endpointName", "displayName", "artifactUri", "imageUri", "healthRoute", "predictRoute", "machineType", "serviceAccount"]);
    if (known("endpointName") && typeof p.endpointName === "string") {
        const region = regionOf(p.endpointName);
        if (!/^projects\/[^/]+\/locations\/[^/]+\/endpoints\/[^/]+$/.test(p.endpointName)) {
            fail("endpointName", `"${p.endpointName}" is not an endpoint resource name; use projects/PROJECT/locations/REGION/endpoints/ID (the id of a gcp.vertex.AiEndpoint)`);
        } else if (known("region") && region !== p.region) {
            fail("endpointName", `is in ${region}, but region is ${p.region}; the model must be uploaded to the endpoint's region`);
        }
    }
    if (known("artifactUri") && typeof p.artifactUri === "string" && !p.artifactUri.startsWith("gs://")) fail("artifactUri", "must be a gs:// URI");
    for (const key of ["healthRoute", "predictRoute"]) {
        if (known(key) && typeof p[key] === "string" && !p[key].startsWith("/")) fail(key, "must start with /");
    }
    const integer = (key: string, min: number, max: number, required: boolean) => number(key, min, max, { required, whole: true });
    integer("port", 1, 65535, true);
    integer("minReplicas", 1, 1000, true);
    integer("maxReplicas", 1, 1000, true);
    integer("targetCpuUtilization", 1, 100, false);
    integer("targetRequestsPerMinute", 1, 1_000_000_000, false);
    integer("trafficPercent", 0, 100, false);
    integer("acceleratorCount", 1, 16, false);
    if (known("minReplicas") && known("maxReplicas") && p.maxReplicas < p.minReplicas) fail("maxReplicas", `(${p.maxReplicas}) is less than minReplicas (${p.minReplicas})`);
    if (p.acceleratorCount !== undefined && !p.acceleratorType) fail("acceleratorCount", "is set without acceleratorType");
    if (known("operationTimeoutSeconds") && !(typeof p.operationTimeoutSeconds === "number" && p.operationTimeoutSeconds > 0)) fail("operationTimeoutSeconds", "must be a positive number");
    if (known("rolloutStrategy") && !["allAtOnce", "canary", "linear"].includes(p.rolloutStrategy)) fail("rolloutStrategy", `"${p.rolloutStrategy}" is not allAtOnce, canary or linear`);
    integer("rolloutStepPercent", 1, 99, false);
    integer("rolloutBakeMinutes", 0, 1440, false);
    integer("rollbackErrorThreshold", 0, 1_000_000_000, false);
    integer("rollbackLatencyP99Ms", 1, 3_600_000, false);
    for (const key of ["apiEndpoint", "monitoringApiEndpoint"]) {
        if (known(key) && p[key] !== "" && !(typeof p[key] === "string" && /^https?:\/\//.test(p[key]))) fail(key, "must be an http(s) URL");
    }
    if (p.env === undefined || p.env === null) fail("env", "is required (use [] for none)");
    else if (!isUnknown(p.env) && (!Array.isArray(p.env) || p.env.some((e: any) => !e || typeof e.name !== "string" || e.name === "" || typeof e.value !== "string"))) {
        fail("env", "must be a list of {name, value} strings");
    }
    return failures;
}

/** The defaults diff applies to the plain inputs that have one (the rest compare as given, unset as null). */
const DIFF_DEFAULTS: Readonly<Record<string, unknown>> = {
    targetCpuUtilization: DEFAULT_TARGET_CPU,
    trafficPercent: DEFAULT_TRAFFIC,
    operationTimeoutSeconds: DEFAULT_OPERATION_TIMEOUT_SECONDS,
    rolloutStrategy: DEFAULT_ROLLOUT,
    rolloutStepPercent: DEFAULT_STEP_PERCENT,
    rolloutBakeMinutes: DEFAULT_BAKE_MINUTES,
    rollbackErrorThreshold: MAX_ERRORS_PER_MINUTE,
};

/** Each input as compared by diff: defaults applied, so an explicit default is no change. */
function comparable(p: any, key: string): string {
    switch (key) {
        case "env":
            return JSON.stringify(Array.isArray(p.env) ? p.env.map((e: any) => [e?.name, e?.value]) : p.env);
        case "acceleratorType":
            return JSON.stringify(p.acceleratorType || "");
        case "acceleratorCount":
            // Without an accelerator the count means nothing; with one it defaults to 1.
            return JSON.stringify(p.acceleratorType ? (p.acceleratorCount ?? 1) : 1);
        case "apiEndpoint":
            return JSON.stringify(String(p.apiEndpoint || `https://${p.region}-aiplatform.googleapis.com`).replace(/\/+$/, ""));
        case "monitoringApiEndpoint":
            return JSON.stringify(String(p.monitoringApiEndpoint || DEFAULT_MONITORING_API).replace(/\/+$/, ""));
        default:
            return JSON.stringify(p[key] ?? DIFF_DEFAULTS[key] ?? null);
    }
}

function changedFields(olds: any, news: any, keys: string[]): string[] {
    return keys.filter((key) => comparable(olds, key) !== comparable(news, key));
}

/** canary and linear roll a new model out inside an update, beside the old one; allAtOnce replaces the deployment. */
function rollsOutInPlace(p: any): boolean {
    return p?.rolloutStrategy === "canary" || p?.rolloutStrategy === "linear";
}

function diffProps(olds: any, news: any): pulumi.dynamic.DiffResult {
    const modelChanges = changedFields(olds, news, REPLACE_FIELDS);
    const replaces = rollsOutInPlace(news) ? changedFields(olds, news, PLACEMENT_FIELDS) : modelChanges;
    const updates = changedFields(olds, news, [...SCALING_FIELDS, ...TRAFFIC_FIELDS, ...PROVIDER_FIELDS]);
    // A replacement uploads and deploys the new model before the old deployment is removed.
    return { changes: modelChanges.length + updates.length > 0, replaces, deleteBeforeReplace: false };
}

// --- HTTP --------------------------------------------------------------------------------------

function hintFor(service: string, status: number, apiStatus: string, message: string): string {
    if (service === MONITORING) {
        if (status === 403) return " Fix: grant roles/monitoring.viewer to the deploying identity and enable the API: gcloud services enable monitoring.googleapis.com.";
        if (status === 404) return " Fix: check the project id.";
    }
    if (status === 401) return " Fix: the access token was rejected; refresh the credentials (gcloud auth application-default login) or check GOOGLE_APPLICATION_CREDENTIALS.";
    if (status === 403) {
        if (/iam\.serviceAccounts\.actAs/i.test(message)) {
            return " Fix: grant roles/iam.serviceAccountUser on the serving service account to the deploying identity.";
        }
        if (apiStatus === "SERVICE_DISABLED" || /has not been used|is disabled|SERVICE_DISABLED/i.test(message)) {
            return " Fix: enable the API: gcloud services enable aiplatform.googleapis.com.";
        }
        return " Fix: grant roles/aiplatform.user to the deploying identity and enable aiplatform.googleapis.com in the project.";
    }
    if (status === 404) return " Fix: check project, region and the resource name (the endpoint must exist in the same region).";
    if (status === 429) return " Fix: the project's Vertex AI quota is exhausted; retry later or request more quota.";
    return "";
}

/** `403 PERMISSION_DENIED: message. Fix: ...` from a Google API's error body. */
function googleFailure(service: string): (answer: HttpAnswer) => string {
    return (answer) => {
        const error = parsedJson(answer.text)?.error as { status?: string; message?: string; details?: { reason?: string }[] } | undefined;
        const reason = error?.details?.find((d) => d?.reason)?.reason;
        const apiStatus = reason === "SERVICE_DISABLED" ? reason : (error?.status ?? "");
        const message = error?.message ?? answer.text.slice(0, 500);
        const status = apiStatus ? `${answer.status} ${apiStatus}` : `${answer.status}${answer.statusText ? ` ${answer.statusText}` : ""}`;
        return `${status}: ${asSentence(message)}${hintFor(service, answer.status, apiStatus, message)}`;
    };
}

/**
 * One Vertex AI REST call with retries on 429/5xx and network errors. Statuses listed in `tolerate`
 * are returned instead of thrown (e.g. 404 where "already gone" is fine).
 */
async function request(ctx: ApiContext, op: string, method: string, path: string, body?: unknown, tolerate: number[] = []): Promise<{ status: number; data: any }> {
    return send(ctx, VERTEX, op, method, `${ctx.api}/v1/${path.replace(/^\/+/, "")}`, body, tolerate);
}

/** A REST call to a Google API with retries on 429/5xx and network errors, honouring Retry-After; `service` names it in errors. */
async function send(ctx: ApiContext, service: string, op: string, method: string, url: string, body?: unknown, tolerate: number[] = []): Promise<{ status: number; data: any }> {
    const headers = async () => ({ authorization: `Bearer ${await ctx.token()}` });
    return callJson(ctx.transport, ctx.retry, { label: `${service} ${op}`, url, method, body, tolerate, headers, describeFailure: googleFailure(service) });
}

/** Polls a long-running operation until done, within the context's deadline; returns its response. */
async function waitForVertexOperation(ctx: ApiContext, op: string, operation: Operation): Promise<any> {
    const name = operation.name;
    const finished = operation.done
        ? operation
        : await waitForOperation<Operation>({
              clock: ctx.clock,
              timeoutMs: ctx.timeoutMs,
              backoffMs: ctx.backoffMs,
              progress: { everyMs: ctx.minuteMs, report: (waited) => ctx.log(`Vertex AI ${op}: still waiting for operation ${name} (${Math.round(waited / 1000)}s so far)`) },
              timedOut: () =>
                  new Error(
                      `Vertex AI ${op} operation ${name} did not finish within ${ctx.timeoutMs / 1000}s; it may still be running. ` +
                          `Check it with: gcloud ai operations describe ${name.split("/").pop()} --region=${ctx.region} --project=${ctx.project} ` +
                          `(or GET ${ctx.api}/v1/${name}); raise operationTimeoutSeconds if it needs longer, then run pulumi refresh and up again.`,
                  ),
              poll: async () => {
                  const polled = (await request(ctx, `${op} operation`, "GET", name)).data as Operation;
                  return polled.done ? { done: true, value: { ...polled, name: polled.name || name } } : { done: false };
              },
          });
    if (finished.error) {
        const code = finished.error.code ?? 2;
        const codeName = RPC_CODES[code] ?? "";
        throw new Error(`Vertex AI ${op} operation ${finished.name} failed: ${code}${codeName ? ` ${codeName}` : ""}: ${finished.error.message ?? "no message"}`);
    }
    return finished.response ?? {};
}

/** A call that starts a long-running operation, awaited. Returns undefined for a tolerated status. */
async function callAndWait(ctx: ApiContext, op: string, method: string, path: string, body?: unknown, tolerate: number[] = []): Promise<any> {
    const { status, data } = await request(ctx, op, method, path, body, tolerate);
    if (tolerate.includes(status)) return undefined;
    const operation = data as Operation;
    if (!operation.name) {
        if (operation.done) return operation.response ?? {};
        throw new Error(`Vertex AI ${op} did not return a long-running operation: ${JSON.stringify(data).slice(0, 200)}`);
    }
    return waitForVertexOperation(ctx, op, operation);
}

// --- traffic -----------------------------------------------------------------------------------

// --- requests ----------------------------------------------------------------------------------

function dedicatedResources(p: DeploymentProps): Record<string, unknown> {
    const machineSpec: Record<string, unknown> = { machineType: p.machineType };
    if (p.acceleratorType) {
        machineSpec.acceleratorType = p.acceleratorType;
        machineSpec.acceleratorCount = p.acceleratorCount ?? 1;
    }
    return {
        machineSpec,
        minReplicaCount: p.minReplicas,
        maxReplicaCount: p.maxReplicas,
        // Vertex AI scales to the largest replica count any of the metrics asks for.
        autoscalingMetricSpecs: [
            { metricName: CPU_METRIC, target: p.targetCpuUtilization ?? DEFAULT_TARGET_CPU },
            ...(p.targetRequestsPerMinute !== undefined ? [{ metricName: REQUEST_COUNT_METRIC, target: p.targetRequestsPerMinute }] : []),
        ],
    };
}

async function getEndpoint(ctx: ApiContext, endpointName: string): Promise<VertexEndpoint | undefined> {
    const { status, data } = await request(ctx, "endpoints.get", "GET", endpointName, undefined, [404]);
    return status === 404 ? undefined : (data as VertexEndpoint);
}

async function setTraffic(ctx: ApiContext, endpointName: string, split: Split): Promise<void> {
    await request(ctx, "endpoints.patch", "PATCH", `${endpointName}?updateMask=trafficSplit`, { trafficSplit: split });
}

async function deleteModel(ctx: ApiContext, modelName: string): Promise<void> {
    await callAndWait(ctx, "models.delete", "DELETE", modelName, undefined, [404]);
}

/** Uploads the model (artifact and serving container) and returns its resource name. */
async function uploadModel(ctx: ApiContext, p: DeploymentProps): Promise<string> {
    const uploaded = await callAndWait(ctx, "models.upload", "POST", `projects/${p.project}/locations/${p.region}/models:upload`, {
        model: {
            displayName: p.displayName,
            artifactUri: p.artifactUri,
            containerSpec: {
                imageUri: p.imageUri,
                env: (p.env ?? []).map((e) => ({ name: e.name, value: e.value })),
                ports: [{ containerPort: p.port }],
                predictRoute: p.predictRoute,
                healthRoute: p.healthRoute,
            },
        },
    });
    const modelName = typeof uploaded?.model === "string" ? uploaded.model : "";
    if (!modelName) throw new Error(`Vertex AI models.upload finished without a model name: ${JSON.stringify(uploaded).slice(0, 200)}`);
    return modelName;
}

/** Deploys an uploaded model to the endpoint with the given split ("0" is this model) and returns its deployed model id. */
/**
 * What a deployed model reserves of the region's serving quota: its maxReplicaCount machines, reserved
 * for as long as it is deployed, so during a rollout the old and the new deployed model hold theirs at once.
 */
export function quotaNeeded(p: Pick<DeploymentProps, "machineType" | "maxReplicas" | "acceleratorType" | "acceleratorCount">, besides = 0): string {
    const vcpus = Number(/-(\d+)$/.exec(p.machineType)?.[1] ?? NaN);
    const replicas = p.maxReplicas + besides;
    const cpu = Number.isFinite(vcpus) ? `${replicas * vcpus} vCPUs of "Custom model serving CPUs" for ${p.machineType}` : `${replicas} ${p.machineType} machines of "Custom model serving" quota`;
    const gpu = p.acceleratorType ? ` and ${replicas * (p.acceleratorCount ?? 1)} ${p.acceleratorType} of its GPU quota` : "";
    return `${replicas} replicas (${besides > 0 ? `${besides} of the deployed model already serving plus ` : ""}maxReplicas ${p.maxReplicas} of the new one): ${cpu}${gpu} in the region`;
}

async function deployModel(ctx: ApiContext, p: DeploymentProps, modelName: string, trafficSplit: Split, besides = 0): Promise<string> {
    let deployed: any;
    try {
        deployed = await callAndWait(ctx, "endpoints.deployModel", "POST", `${p.endpointName}:deployModel`, {
            deployedModel: {
                model: modelName,
                displayName: p.displayName,
                serviceAccount: p.serviceAccount,
                dedicatedResources: dedicatedResources(p),
            },
            trafficSplit,
        });
    } catch (err) {
        const message = errorMessage(err);
        if (/quota|RESOURCE_EXHAUSTED/i.test(message)) throw new Error(`${message} Deploying needs ${quotaNeeded(p, besides)}. Fix: request that quota (IAM & Admin > Quotas), or lower maxReplicas.`);
        throw err;
    }
    const deployedModelId = String(deployed?.deployedModel?.id ?? "");
    if (!deployedModelId) throw new Error(`Vertex AI endpoints.deployModel finished without a deployed model id: ${JSON.stringify(deployed).slice(0, 200)}`);
    return deployedModelId;
}

/** A model's name without its version suffix (deployed models may name `.../models/ID@1`). */
function unversioned(modelName: string | undefined): string {
    return (modelName ?? "").replace(/@[^/]*$/, "");
}

function lastSegment(name: string): string {
    return name.split("/").pop() ?? name;
}

function deleteModelCommand(ctx: ApiContext, modelName: string): string {
    return `gcloud ai models delete ${lastSegment(modelName)} --region=${ctx.region} --project=${ctx.project}`;
}

function undeployCommand(ctx: ApiContext, endpointName: string, deployedModelId: string): string {
    return `gcloud ai endpoints undeploy-model ${lastSegment(endpointName)} --deployed-model-id=${deployedModelId} --region=${ctx.region} --project=${ctx.project}`;
}

function trafficCommand(ctx: ApiContext, endpointName: string, split: Split): string {
    const pairs = Object.entries(split).map(([id, percent]) => `${id}=${percent}`).join(",");
    return `gcloud ai endpoints update ${lastSegment(endpointName)} --traffic-split=${pairs} --region=${ctx.region} --project=${ctx.project}`;
}

// --- rollouts ----------------------------------------------------------------------------------

/** The split without zero shares (a model not named gets no traffic). */
function positiveShares(split: Split): Split {
    return Object.fromEntries(othersServing(split, ""));
}

/** The original split with `percent` of the old deployed model's share moved to `newKey`; other models keep theirs. */
function stepSplit(original: Split, oldId: string, newKey: string, percent: number): Split {
    const oldShare = Number(original[oldId] ?? 0);
    const moved = Math.min(oldShare, Math.max(1, Math.round((oldShare * percent) / 100)));
    return positiveShares({ ...original, [oldId]: oldShare - moved, [newKey]: moved });
}

/** The split once the old deployed model is out: `newKey` at the deployment's traffic percent, the others scaled. */
function finalSplit(original: Split, oldId: string, newKey: string, percent: number): Split {
    return splitWith(Object.fromEntries(Object.entries(original).filter(([id]) => id !== oldId)), newKey, percent);
}

function describeSplit(split: Split, names: Record<string, string>): string {
    return Object.entries(split)
        .map(([id, percent]) => `${names[id] ?? `deployed model ${id}`} ${percent}%`)
        .join(", ");
}

/**
 * A canary or linear rollout of a new model over the old deployed model, inside one update: upload,
 * deploy beside the old one with the first step's share, bake, step up, then all the traffic; the old
 * deployed model and model go last. Any failure before all traffic has moved rolls back and throws.
 */
async function rollOut(ctx: ApiContext, olds: DeploymentState, news: DeploymentProps): Promise<pulumi.dynamic.UpdateResult> {
    const strategy = news.rolloutStrategy ?? DEFAULT_ROLLOUT;
    const oldId = olds.deployedModelId;
    const endpoint = await getEndpoint(ctx, news.endpointName);
    if (!endpoint?.deployedModels?.some((d) => String(d.id) === oldId)) {
        throw new Error(`Vertex AI ${strategy} rollout: deployed model ${oldId} is no longer on ${news.endpointName}; no change was made. Fix: run pulumi refresh, then pulumi up.`);
    }
    const original = positiveShares(endpoint.trafficSplit ?? {});
    // With no traffic on the old deployed model there is nothing to compare against: the new one goes straight in.
    // The new model's percent of the old deployed model's traffic at each baked step; all of it follows the last.
    const steps = Number(original[oldId] ?? 0) > 0 ? bakedSteps(strategy, news.rolloutStepPercent ?? DEFAULT_STEP_PERCENT) : [];
    const finalPercent = news.trafficPercent ?? DEFAULT_TRAFFIC;
    ctx.log(
        `Vertex AI ${strategy} rollout of ${news.displayName} beside deployed model ${oldId}: ` +
            (steps.length > 0 ? `${steps.join("%, ")}% of its traffic, ${news.rolloutBakeMinutes ?? DEFAULT_BAKE_MINUTES} min each, then all of it` : "no traffic to shift, deploying straight in"),
    );
    let newModel: string;
    try {
        newModel = await uploadModel(ctx, news);
    } catch (err) {
        throw new Error(`${errorMessage(err)} Nothing was deployed: deployed model ${oldId} (${olds.modelName}) still serves.`);
    }
    let newId = "";
    let phase = "deploying the new model";
    let failure: string | undefined;
    try {
        const oldMax = Number(endpoint.deployedModels?.find((d) => String(d.id) === oldId)?.dedicatedResources?.maxReplicaCount ?? olds.maxReplicas ?? 0);
        newId = await deployModel(ctx, news, newModel, steps.length > 0 ? stepSplit(original, oldId, "0", steps[0]!) : finalSplit(original, oldId, "0", finalPercent), oldMax);
        for (const [i, percent] of steps.entries()) {
            const split = stepSplit(original, oldId, newId, percent);
            if (i > 0) {
                phase = `moving ${percent}% of the traffic to the new deployed model ${newId}`;
                await setTraffic(ctx, news.endpointName, split);
            }
            ctx.log(`Vertex AI ${strategy} rollout: traffic is ${describeSplit(split, { [oldId]: `old ${oldId}`, [newId]: `new ${newId}` })}`);
            phase = `checking the health of the new deployed model ${newId}`;
            failure = await bake(ctx, news, newId, percent);
            if (failure) break;
        }
        if (!failure && steps.length > 0) {
            phase = `moving all of the traffic to the new deployed model ${newId}`;
            await setTraffic(ctx, news.endpointName, finalSplit(original, oldId, newId, finalPercent));
        }
    } catch (err) {
        failure = `${phase} failed: ${errorMessage(err)}`;
    }
    if (failure) throw new Error(await rollBack(ctx, news, { strategy, original, oldId, oldModel: olds.modelName, newModel, failure }));
    ctx.log(`Vertex AI ${strategy} rollout: the new deployed model ${newId} serves; removing deployed model ${oldId} and model ${olds.modelName}`);
    await retire(ctx, news.endpointName, oldId, olds.modelName);
    return { outs: definedOnly({ ...news, modelName: newModel, deployedModelId: newId, privateAddress: await privateAddressOf(ctx, news) }) };
}

/**
 * Watches the new deployed model for the bake time, reading its health from Cloud Monitoring each
 * minute over the bake so far. Returns why it is unhealthy, or undefined when it baked cleanly.
 */
async function bake(ctx: ApiContext, p: DeploymentProps, newId: string, percent: number): Promise<string | undefined> {
    const minutes = p.rolloutBakeMinutes ?? DEFAULT_BAKE_MINUTES;
    if (minutes <= 0) return undefined;
    const started = ctx.clock.now();
    const errorLimit = p.rollbackErrorThreshold ?? MAX_ERRORS_PER_MINUTE;
    const latencyLimit = p.rollbackLatencyP99Ms;
    ctx.log(
        `Vertex AI rollout: baking ${percent}% for ${minutes} min; rolling back above ${errorLimit} prediction errors` +
            (latencyLimit ? ` or a p99 latency above ${latencyLimit} ms` : ""),
    );
    return watch<string>({
        clock: ctx.clock,
        durationMs: minutes * ctx.minuteMs,
        everyMs: ctx.minuteMs,
        check: async (minute) => {
            const health = await observeHealth(ctx, p, newId, started, ctx.clock.now());
            const during = `in ${minute} of ${minutes} bake minute(s) at ${percent}% of the traffic`;
            if (health.errors > errorLimit) {
                return `the new deployed model ${newId} had ${health.errors} prediction errors ${during} (threshold: ${errorLimit})`;
            }
            if (latencyLimit && health.p99Ms !== undefined && health.p99Ms > latencyLimit) {
                return `the new deployed model ${newId} had a p99 latency of ${Math.round(health.p99Ms)} ms ${during} (threshold: ${latencyLimit} ms)`;
            }
            ctx.log(
                `Vertex AI rollout: minute ${minute}/${minutes} at ${percent}%: ${health.errors} prediction errors` +
                    (health.p99Ms !== undefined ? `, p99 latency ${Math.round(health.p99Ms)} ms` : ""),
            );
            return undefined;
        },
    });
}

/** The new deployed model's prediction errors (sum) and p99 latency (worst series) between two instants. */
async function observeHealth(ctx: ApiContext, p: DeploymentProps, deployedModelId: string, startMs: number, endMs: number): Promise<{ errors: number; p99Ms?: number }> {
    const scope =
        `resource.type = "aiplatform.googleapis.com/Endpoint" AND resource.labels.endpoint_id = "${lastSegment(p.endpointName)}" ` +
        `AND metric.labels.deployed_model_id = "${deployedModelId}"`;
    const values = (series: TimeSeries[]) => series.flatMap((t) => (t.points ?? []).map((point) => Number(point.value?.int64Value ?? point.value?.doubleValue ?? 0)));
    const errors = values(await listTimeSeries(ctx, p.project, `metric.type = "${ERROR_METRIC}" AND ${scope}`, "ALIGN_SUM", startMs, endMs)).reduce((a, b) => a + b, 0);
    if (!p.rollbackLatencyP99Ms) return { errors };
    // One series per latency type (model, overhead, total): the worst is the total.
    const latencies = values(await listTimeSeries(ctx, p.project, `metric.type = "${LATENCY_METRIC}" AND ${scope}`, "ALIGN_PERCENTILE_99", startMs, endMs));
    return { errors, p99Ms: latencies.length > 0 ? Math.max(...latencies) : undefined };
}

/** Cloud Monitoring projects.timeSeries.list over [startMs, endMs], aligned over the whole window, all pages. */
async function listTimeSeries(ctx: ApiContext, project: string, filter: string, aligner: string, startMs: number, endMs: number): Promise<TimeSeries[]> {
    // The API takes alignment periods of 60 s at least; one period covers the whole window.
    const periodSeconds = Math.max(60, Math.ceil((endMs - startMs) / 1000));
    const series: TimeSeries[] = [];
    let pageToken = "";
    do {
        const query = new URLSearchParams({
            filter,
            "interval.startTime": new Date(startMs).toISOString(),
            "interval.endTime": new Date(endMs).toISOString(),
            "aggregation.alignmentPeriod": `${periodSeconds}s`,
            "aggregation.perSeriesAligner": aligner,
        });
        if (pageToken) query.set("pageToken", pageToken);
        const { data } = await send(ctx, MONITORING, "timeSeries.list", "GET", `${ctx.monitoringApi}/v3/projects/${project}/timeSeries?${query.toString()}`);
        series.push(...((data?.timeSeries ?? []) as TimeSeries[]));
        pageToken = String(data?.nextPageToken ?? "");
    } while (pageToken);
    return series;
}

/**
 * Puts the endpoint back as it was before the rollout: the original split, the new model's deployed
 * models undeployed, the new model deleted. Returns the message the failed update throws: what failed,
 * what serves now, and any step left to do by hand.
 */
async function rollBack(ctx: ApiContext, p: DeploymentProps, plan: RollbackPlan): Promise<string> {
    ctx.log(`Vertex AI ${plan.strategy} rollout: rolling back: ${plan.failure}`);
    const left: string[] = [];
    const undeployed: string[] = [];
    let trafficRestored = true;
    let mine: string[] = [];
    try {
        const endpoint = await getEndpoint(ctx, p.endpointName);
        mine = (endpoint?.deployedModels ?? []).filter((d) => unversioned(d.model) === plan.newModel).map((d) => String(d.id));
    } catch (err) {
        trafficRestored = false;
        left.push(`reading the endpoint failed (${errorMessage(err)}): run ${trafficCommand(ctx, p.endpointName, plan.original)} and undeploy any deployed model of ${plan.newModel}`);
    }
    if (mine.length > 0) {
        try {
            await setTraffic(ctx, p.endpointName, plan.original);
        } catch (err) {
            // undeployModel below sets the same split: the traffic gets a second chance there.
            trafficRestored = false;
            ctx.log(`Vertex AI rollback: moving the traffic back failed (${errorMessage(err)}); undeploying with the original split instead`);
        }
    }
    for (const id of mine) {
        try {
            await callAndWait(ctx, "endpoints.undeployModel", "POST", `${p.endpointName}:undeployModel`, { deployedModelId: id, trafficSplit: plan.original }, [404]);
            undeployed.push(id);
        } catch (err) {
            left.push(`undeploying the new deployed model ${id} failed (${errorMessage(err)}): run ${trafficCommand(ctx, p.endpointName, plan.original)}, then ${undeployCommand(ctx, p.endpointName, id)}`);
        }
    }
    if (mine.length > 0 && undeployed.length === mine.length) trafficRestored = true;
    if (left.length === 0) {
        try {
            await deleteModel(ctx, plan.newModel);
        } catch (err) {
            left.push(`deleting the new model failed (${errorMessage(err)}): run ${deleteModelCommand(ctx, plan.newModel)}`);
        }
    } else {
        left.push(`then delete the new model: ${deleteModelCommand(ctx, plan.newModel)}`);
    }
    const share = plan.original[plan.oldId] ?? 0;
    const serves = trafficRestored
        ? `The old model ${plan.oldModel} (deployed model ${plan.oldId}) still serves, with ${share}% of the endpoint's traffic as before`
        : `The old model ${plan.oldModel} (deployed model ${plan.oldId}) is still deployed, but the traffic may not be back on it`;
    const cleanup =
        left.length === 0
            ? `${undeployed.length > 0 ? `the new deployed model ${undeployed.join(", ")} was undeployed and ` : ""}the new model ${plan.newModel} was deleted.`
            : `left to do by hand: ${left.join("; ")}.`;
    return `Vertex AI ${plan.strategy} rollout of ${p.displayName} rolled back: ${plan.failure}. ${serves}; ${cleanup} Fix the model, image or settings and run pulumi up again.`;
}

/** Removes the old deployed model and model after a rollout; a failure is reported, not thrown (the new model serves). */
async function retire(ctx: ApiContext, endpointName: string, oldId: string, oldModel: string): Promise<void> {
    try {
        await deleteDeployment(ctx, { endpointName, deployedModelId: oldId, modelName: oldModel });
    } catch (err) {
        ctx.log(
            `Warning: Vertex AI rollout succeeded, but removing the old deployment failed (${errorMessage(err)}); it still costs its replicas. ` +
                `Remove it with: ${undeployCommand(ctx, endpointName, oldId)}, then ${deleteModelCommand(ctx, oldModel)}`,
        );
    }
}

// --- CRUD --------------------------------------------------------------------------------------

async function createDeployment(ctx: ApiContext, p: DeploymentProps): Promise<pulumi.dynamic.CreateResult> {
    const modelName = await uploadModel(ctx, p);
    let deployedModelId: string;
    try {
        const percent = p.trafficPercent ?? DEFAULT_TRAFFIC;
        // "0" stands for the model being deployed; the others keep the rest of the traffic.
        const trafficSplit = percent >= 100 ? { "0": 100 } : splitWith((await getEndpoint(ctx, p.endpointName))?.trafficSplit ?? {}, "0", percent);
        deployedModelId = await deployModel(ctx, p, modelName, trafficSplit);
    } catch (err) {
        // Leave nothing half-created: the uploaded model goes when its deployment fails.
        let cleanup: string;
        try {
            await deleteModel(ctx, modelName);
            cleanup = `The uploaded model ${modelName} was deleted.`;
        } catch (cleanupErr) {
            cleanup = `Deleting the uploaded model ${modelName} also failed (${errorMessage(cleanupErr)}); delete it with: ${deleteModelCommand(ctx, modelName)}.`;
        }
        throw new Error(`${errorMessage(err)} ${cleanup}`);
    }
    return {
        id: `${p.endpointName}/deployedModels/${deployedModelId}`,
        outs: definedOnly({ ...p, modelName, deployedModelId, privateAddress: await privateAddressOf(ctx, p) }),
    };
}

async function updateDeployment(ctx: ApiContext, olds: DeploymentState, news: DeploymentProps): Promise<pulumi.dynamic.UpdateResult> {
    const replaced = changedFields(olds, news, rollsOutInPlace(news) ? PLACEMENT_FIELDS : REPLACE_FIELDS);
    if (replaced.length > 0) {
        throw new Error(`Vertex AI deployment: ${replaced.join(", ")} can only change by replacing the deployment (the diff reports that); no change was made.`);
    }
    if (changedFields(olds, news, REPLACE_FIELDS).length > 0) return rollOut(ctx, olds, news);
    const { modelName, deployedModelId } = olds;
    const scalingChanged = changedFields(olds, news, SCALING_FIELDS).length > 0;
    const trafficChanged = changedFields(olds, news, TRAFFIC_FIELDS).length > 0;
    const newPercent = news.trafficPercent ?? DEFAULT_TRAFFIC;
    const shiftTraffic = async () => {
        const endpoint = await getEndpoint(ctx, news.endpointName);
        if (!endpoint) throw new Error(`Vertex AI endpoints.get: endpoint ${news.endpointName} was not found; run pulumi refresh.`);
        await setTraffic(ctx, news.endpointName, splitWith(endpoint.trafficSplit ?? {}, deployedModelId, newPercent));
    };
    // Less traffic first, then fewer replicas; more replicas first, then more traffic.
    const trafficFirst = trafficChanged && newPercent < (olds.trafficPercent ?? DEFAULT_TRAFFIC);
    if (trafficFirst) await shiftTraffic();
    if (scalingChanged) {
        // Only the updatable fields are named in the mask; machineSpec goes along unchanged.
        await callAndWait(ctx, "endpoints.mutateDeployedModel", "POST", `${news.endpointName}:mutateDeployedModel`, {
            deployedModel: { id: deployedModelId, model: modelName, dedicatedResources: dedicatedResources(news) },
            updateMask: "dedicatedResources.minReplicaCount,dedicatedResources.maxReplicaCount,dedicatedResources.autoscalingMetricSpecs",
        });
    }
    if (trafficChanged && !trafficFirst) await shiftTraffic();
    return { outs: definedOnly({ ...news, modelName, deployedModelId, privateAddress: news.privateServiceConnect ? (olds.privateAddress ?? (await privateAddressOf(ctx, news))) : undefined }) };
}

/**
 * The address of the forwarding rule Vertex AI's PSC automation created for the endpoint
 * (Endpoint.privateServiceConnectConfig.pscAutomationConfigs[].ipAddress, set once a model is deployed).
 */
async function privateAddressOf(ctx: ApiContext, p: DeploymentProps): Promise<string | undefined> {
    if (!p.privateServiceConnect) return undefined;
    const configs = (await getEndpoint(ctx, p.endpointName))?.privateServiceConnectConfig?.pscAutomationConfigs ?? [];
    const address = configs.find((c) => c?.ipAddress)?.ipAddress;
    if (!address) {
        const why = configs.map((c) => [c?.state, c?.errorMessage].filter(Boolean).join(": ")).filter(Boolean).join("; ") || "no PSC automation config on the endpoint";
        ctx.log(`Warning: Vertex AI created no Private Service Connect address for ${p.endpointName} yet (${why}); run pulumi refresh once it exists to publish endpointUrl.`);
    }
    return address;
}

async function deleteDeployment(ctx: ApiContext, s: Partial<DeploymentState>): Promise<void> {
    const endpointName = s.endpointName;
    const deployedModelId = s.deployedModelId;
    if (endpointName && deployedModelId) {
        const endpoint = await getEndpoint(ctx, endpointName);
        const deployedModels = endpoint?.deployedModels ?? [];
        if (endpoint && deployedModels.some((d) => String(d.id) === deployedModelId)) {
            const current = endpoint.trafficSplit ?? {};
            const remaining = splitWithout(current, deployedModelId);
            if (Number(current[deployedModelId] ?? 0) > 0 && Object.keys(remaining).length === 0 && deployedModels.length > 1) {
                // The other models serve no traffic: the endpoint stops taking traffic rather than silently
                // routing it to them (an empty split in undeployModel would leave this model's share in place).
                await setTraffic(ctx, endpointName, {});
            }
            await callAndWait(ctx, "endpoints.undeployModel", "POST", `${endpointName}:undeployModel`, { deployedModelId, trafficSplit: remaining }, [404]);
        }
    }
    if (s.modelName) await deleteModel(ctx, s.modelName);
}

async function readDeployment(ctx: ApiContext, id: string, s: Partial<DeploymentState>): Promise<pulumi.dynamic.ReadResult> {
    if (!s.endpointName || !s.deployedModelId) return { id: "" };
    const endpoint = await getEndpoint(ctx, s.endpointName);
    const deployed = endpoint?.deployedModels?.find((d) => String(d.id) === s.deployedModelId);
    // A blank id tells the engine the resource is gone.
    if (!endpoint || !deployed) return { id: "" };
    const resources = deployed.dedicatedResources ?? {};
    const cpu = resources.autoscalingMetricSpecs?.find((m) => m?.metricName === CPU_METRIC);
    const requests = resources.autoscalingMetricSpecs?.find((m) => m?.metricName === REQUEST_COUNT_METRIC);
    const props: Partial<DeploymentState> = {
        ...s,
        project: s.project ?? projectOf(s.endpointName),
        region: s.region ?? regionOf(s.endpointName),
        modelName: s.modelName ?? (unversioned(deployed.model) || undefined),
        minReplicas: resources.minReplicaCount !== undefined ? Number(resources.minReplicaCount) : s.minReplicas,
        maxReplicas: resources.maxReplicaCount !== undefined ? Number(resources.maxReplicaCount) : s.maxReplicas,
        targetCpuUtilization: cpu?.target !== undefined ? Number(cpu.target) : s.targetCpuUtilization,
        targetRequestsPerMinute: requests?.target !== undefined ? Number(requests.target) : undefined,
        trafficPercent: Number(endpoint.trafficSplit?.[s.deployedModelId] ?? 0),
        privateAddress: s.privateServiceConnect ? (endpoint.privateServiceConnectConfig?.pscAutomationConfigs?.find((c) => c?.ipAddress)?.ipAddress ?? s.privateAddress) : undefined,
    };
    return { id, props: definedOnly(props) };
}
