import * as pulumi from "@pulumi/pulumi";
import type { MetricAlarm } from "@pulumi/aws/cloudwatch/metricAlarm";
import type { Service } from "@pulumi/aws/ecs/service";
import type { Endpoint } from "@pulumi/aws/sagemaker/endpoint";
import type { DescribeEndpointCommandOutput, SageMakerClientConfig } from "@aws-sdk/client-sagemaker";
import type { DescribeServicesCommandOutput, Deployment as EcsDeployment, Service as EcsServiceState } from "@aws-sdk/client-ecs";
import type { ResolvedServiceArgs } from "../../components/contract";

// After an update, the truth. SageMaker (blue/green with auto-rollback alarms) and ECS (circuit breaker and
// alarm rollback) can roll an update back on their own; the aws provider then reports success, because the
// endpoint is InService again, the service stable again, on the OLD version. These dynamic resources run after
// the endpoint or service, with the requested version as an input (so they run again on every version change),
// read what actually serves with the deployer's own AWS credentials, and fail `pulumi up` when it is not the
// requested version.
//
// The provider objects are serialized into the stack state together with everything their methods capture.
// So the methods only reach plain functions and constants of this module and globals: no imported module, no
// class, no `this`, and the AWS SDK clients are required lazily, inside the functions that call them.

export interface RolloutCheckDeps {
    /** API endpoint (tests: a loopback fake). Default: the SDK's regional endpoint. */
    endpoint?: string;
    /** Static credentials (tests). Default: the SDK's default chain (environment, AWS_PROFILE, SSO, web identity, instance role), as the aws provider. */
    credentials?: { accessKeyId: string; secretAccessKey: string };
    /** First wait between two reads in ms; each wait is 1.5x the last, up to 6x this. Default 10000. */
    backoffMs?: number;
    /** Where progress lines go. Default console.log (the engine shows a dynamic provider's output). */
    log?: (line: string) => void;
}

interface CommonProps {
    region: string;
    modelName: string;
    modelVersion: string;
    /** Alarms that roll an update back, named in the failure message. */
    alarmNames: string[];
    /** How long to wait for an update still in progress. */
    timeoutSeconds: number;
}

interface SageMakerCheckProps extends CommonProps {
    endpointName: string;
    /** The endpoint configuration this update asked for. */
    endpointConfigName: string;
}

interface EcsCheckProps extends CommonProps {
    cluster: string;
    serviceName: string;
    /** The task definition (full ARN with revision) this update asked for. */
    taskDefinitionArn: string;
}

interface Settings {
    endpoint?: string;
    credentials?: { accessKeyId: string; secretAccessKey: string };
    backoffMs: number;
    log: (line: string) => void;
}

const SAGEMAKER_FIELDS = ["region", "endpointName", "endpointConfigName", "modelName", "modelVersion", "alarmNames", "timeoutSeconds"];
const ECS_FIELDS = ["region", "cluster", "serviceName", "taskDefinitionArn", "modelName", "modelVersion", "alarmNames", "timeoutSeconds"];
/** Endpoint states that end by themselves; the check waits them out. */
const SAGEMAKER_TRANSITIONAL = ["Creating", "Updating", "SystemUpdating", "RollingBack"];
const THROTTLING = ["ThrottlingException", "Throttling", "TooManyRequestsException", "RequestLimitExceeded", "ProvisionedThroughputExceededException"];
const NETWORK = ["ECONNRESET", "ECONNREFUSED", "ETIMEDOUT", "EPIPE", "EAI_AGAIN", "TimeoutError", "RequestTimeout"];
const CREDENTIALS = ["CredentialsProviderError", "UnrecognizedClientException", "InvalidClientTokenId", "ExpiredTokenException", "InvalidSignatureException", "AccessDeniedException", "AccessDenied"];
/** The SDK's own retries per read (throttling, 5xx, network), before the check's wait loop retries again. */
const SDK_MAX_ATTEMPTS = 5;
/** The engine's placeholder for a value not known until apply (runtime.unknownValue). */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export function createSageMakerRolloutCheckProvider(deps?: RolloutCheckDeps): pulumi.dynamic.ResourceProvider {
    // Only plain values are captured: the caller's overrides, if any.
    const settings: Settings = { endpoint: deps?.endpoint, credentials: deps?.credentials, backoffMs: deps?.backoffMs ?? 10_000, log: deps?.log ?? defaultLog };
    return {
        async check(_olds: any, news: any) {
            return { inputs: news, failures: requiredStrings(news, ["region", "endpointName", "endpointConfigName", "modelName"]) };
        },
        async diff(_id: string, olds: any, news: any) {
            return { changes: changed(olds, news, SAGEMAKER_FIELDS) };
        },
        async create(inputs: any) {
            return { id: String(inputs.endpointName), outs: await verifyEndpoint(inputs, settings) };
        },
        async update(_id: string, _olds: any, news: any) {
            return { outs: await verifyEndpoint(news, settings) };
        },
    };
}

export function createEcsRolloutCheckProvider(deps?: RolloutCheckDeps): pulumi.dynamic.ResourceProvider {
    const settings: Settings = { endpoint: deps?.endpoint, credentials: deps?.credentials, backoffMs: deps?.backoffMs ?? 10_000, log: deps?.log ?? defaultLog };
    return {
        async check(_olds: any, news: any) {
            return { inputs: news, failures: requiredStrings(news, ["region", "cluster", "serviceName", "taskDefinitionArn", "modelName"]) };
        },
        async diff(_id: string, olds: any, news: any) {
            return { changes: changed(olds, news, ECS_FIELDS) };
        },
        async create(inputs: any) {
            return { id: `${inputs.cluster}/${inputs.serviceName}`, outs: await verifyService(inputs, settings) };
        },
        async update(_id: string, _olds: any, news: any) {
            return { outs: await verifyService(news, settings) };
        },
    };
}

export const sageMakerRolloutCheckProvider = createSageMakerRolloutCheckProvider();
export const ecsRolloutCheckProvider = createEcsRolloutCheckProvider();

interface CommonArgs {
    region: pulumi.Input<string>;
    modelName: pulumi.Input<string>;
    modelVersion: pulumi.Input<string>;
    alarmNames: pulumi.Input<pulumi.Input<string>[]>;
    timeoutSeconds: pulumi.Input<number>;
}

export interface SageMakerRolloutCheckArgs extends CommonArgs {
    endpointName: pulumi.Input<string>;
    /** The requested configuration: the EndpointConfiguration's own name, never the endpoint's output (which reads back what serves). */
    endpointConfigName: pulumi.Input<string>;
}

export interface EcsRolloutCheckArgs extends CommonArgs {
    cluster: pulumi.Input<string>;
    serviceName: pulumi.Input<string>;
    /** The requested task definition: the TaskDefinition's own ARN, never the service's output. */
    taskDefinitionArn: pulumi.Input<string>;
}

/** Fails the update when the SageMaker endpoint does not end InService on the requested endpoint configuration. */
export class SageMakerRolloutCheck extends pulumi.dynamic.Resource {
    /** The endpoint configuration found serving: the requested one, or the update failed. */
    declare readonly servingEndpointConfigName: pulumi.Output<string>;

    constructor(name: string, args: SageMakerRolloutCheckArgs, opts?: pulumi.CustomResourceOptions) {
        super(sageMakerRolloutCheckProvider, name, { ...args, servingEndpointConfigName: undefined }, opts, "aws", "SageMakerRolloutCheck");
    }
}

/** Fails the update when the ECS service's primary deployment is not the requested task definition, rolled out. */
export class EcsRolloutCheck extends pulumi.dynamic.Resource {
    /** The task definition found serving: the requested one, or the update failed. */
    declare readonly servingTaskDefinitionArn: pulumi.Output<string>;

    constructor(name: string, args: EcsRolloutCheckArgs, opts?: pulumi.CustomResourceOptions) {
        super(ecsRolloutCheckProvider, name, { ...args, servingTaskDefinitionArn: undefined }, opts, "aws", "EcsRolloutCheck");
    }
}

/**
 * How long an update may still be in progress when the check starts: half an hour to provision, plus a bake
 * for each traffic step and one for the final wait. The aws provider usually waits this out already.
 */
export function rolloutTimeoutSeconds(rollout: ResolvedServiceArgs["rollout"]): number {
    const steps = rollout.strategy === "allAtOnce" ? 1 : rollout.strategy === "canary" ? 2 : Math.ceil(100 / rollout.stepPercent);
    return 1800 + (steps + 1) * rollout.bakeMinutes * 60;
}

/** The check of a SageMaker update: after the endpoint, with the requested endpoint configuration as input. */
export function checkSageMakerRollout(
    name: string,
    args: ResolvedServiceArgs,
    target: { endpoint: Endpoint; endpointConfigName: pulumi.Input<string>; alarms: MetricAlarm[] },
    parent: pulumi.Resource,
): SageMakerRolloutCheck {
    return new SageMakerRolloutCheck(
        `${name}-rollout-check`,
        {
            region: args.region,
            endpointName: target.endpoint.name,
            endpointConfigName: target.endpointConfigName,
            modelName: args.model.name,
            modelVersion: args.model.version,
            alarmNames: target.alarms.map((a) => a.name),
            timeoutSeconds: rolloutTimeoutSeconds(args.rollout),
        },
        // No aws provider: this resource is not the aws package's; it reads with the deployer's credentials.
        { parent, dependsOn: [target.endpoint] },
    );
}

/** The check of an ECS update: after the service, with the requested task definition as input. */
export function checkEcsRollout(
    name: string,
    args: ResolvedServiceArgs,
    target: { service: Service; cluster: pulumi.Input<string>; taskDefinitionArn: pulumi.Input<string>; alarms: MetricAlarm[] },
    parent: pulumi.Resource,
): EcsRolloutCheck {
    return new EcsRolloutCheck(
        `${name}-rollout-check`,
        {
            region: args.region,
            cluster: target.cluster,
            serviceName: target.service.name,
            taskDefinitionArn: target.taskDefinitionArn,
            modelName: args.model.name,
            modelVersion: args.model.version,
            alarmNames: target.alarms.map((a) => a.name),
            timeoutSeconds: rolloutTimeoutSeconds(args.rollout),
        },
        { parent, dependsOn: [target.service] },
    );
}

// ---------------------------------------------------------------------------------------------
// Everything below runs inside the dynamic providers and is serialized with them: plain functions only.

function defaultLog(line: string): void {
    console.log(line);
}

function isUnknown(value: unknown): boolean {
    if (value === UNKNOWN) return true;
    if (Array.isArray(value)) return value.some(isUnknown);
    return false;
}

function requiredStrings(p: any, keys: string[]): { property: string; reason: string }[] {
    return keys
        .filter((key) => !isUnknown(p[key]) && (typeof p[key] !== "string" || p[key] === ""))
        .map((property) => ({ property, reason: "is required (a non-empty string)" }));
}

function changed(olds: any, news: any, keys: string[]): boolean {
    return keys.some((key) => JSON.stringify(olds?.[key] ?? null) !== JSON.stringify(news?.[key] ?? null));
}

function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

function errorText(err: unknown): string {
    if (err instanceof Error) return err.name && err.name !== "Error" ? `${err.name}: ${err.message}` : err.message;
    return String(err);
}

/** A message to embed mid-sentence: without its own closing full stop. */
function clause(text: string): string {
    return text.trim().replace(/\.+$/, "");
}

/** Worth another read: throttling, a server fault, no answer at all. The SDK has already retried these. */
function isTransient(err: any): boolean {
    if (!err || typeof err !== "object") return false;
    if (THROTTLING.includes(err.name) || err.$fault === "server" || err.$retryable) return true;
    const status = err.$metadata?.httpStatusCode;
    if (typeof status === "number") return status === 429 || status >= 500;
    return NETWORK.includes(err.code) || NETWORK.includes(err.name) || NETWORK.includes(err.cause?.code);
}

function clientConfig(region: string, s: Settings): { region: string; maxAttempts: number; endpoint?: string; credentials?: { accessKeyId: string; secretAccessKey: string } } {
    return { region, maxAttempts: SDK_MAX_ATTEMPTS, ...(s.endpoint ? { endpoint: s.endpoint } : {}), ...(s.credentials ? { credentials: s.credentials } : {}) };
}

function label(p: CommonProps): string {
    return `model service ${p.modelName} (version ${p.modelVersion})`;
}

function listed(names: string[]): string {
    return names.map((n) => `"${n}"`).join(", ");
}

/** A read of the API that cannot succeed by waiting: say which call, and how to fix the usual causes. */
function readFailure(p: CommonProps, call: string, permission: string, err: any): Error {
    const fix = CREDENTIALS.includes(err?.name)
        ? `This check calls ${call} with your own AWS credentials during pulumi up (the SDK's default chain: environment, AWS_PROFILE, SSO, instance role, as the aws provider does). ` +
          `Fix: sign in (e.g. aws sso login, or export AWS_PROFILE), and allow ${permission} to the deployer.`
        : "Fix: check the region and that the resource still exists (pulumi refresh), then run pulumi up again.";
    return new Error(`${label(p)}: could not verify the rollout, ${call} in ${p.region} failed: ${clause(errorText(err))}. ${fix}`);
}

/**
 * Reads until `busy` is false or the deadline passes, logging each new state. Transient errors are read again
 * (the SDK has retried them already); any other error ends the wait through `fail`.
 */
async function waitWhile<T>(
    s: Settings,
    timeoutMs: number,
    read: () => Promise<T>,
    busy: (value: T) => boolean,
    progress: (value: T) => string,
    fail: (err: unknown) => Error,
    timedOut: (last: T | undefined, problem: string) => Error,
): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let interval = s.backoffMs;
    let lastLine = "";
    let last: T | undefined;
    for (;;) {
        let problem = "";
        try {
            last = await read();
            if (!busy(last)) return last;
            const line = progress(last);
            if (line !== lastLine) s.log(line);
            lastLine = line;
        } catch (err) {
            if (!isTransient(err)) throw fail(err);
            problem = errorText(err);
            s.log(`${problem}; reading again`);
        }
        const remaining = deadline - Date.now();
        if (remaining <= 0) throw timedOut(last, problem);
        await sleep(Math.min(interval, remaining));
        interval = Math.min(interval * 1.5, s.backoffMs * 6);
    }
}

// --- SageMaker ---------------------------------------------------------------------------------

async function verifyEndpoint(p: SageMakerCheckProps, s: Settings): Promise<Record<string, unknown>> {
    // Required here, not at module top, so the serialized provider holds a require() call instead of a copy of the SDK.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { SageMakerClient, DescribeEndpointCommand } = require("@aws-sdk/client-sagemaker") as typeof import("@aws-sdk/client-sagemaker");
    const config: SageMakerClientConfig = clientConfig(p.region, s);
    const client = new SageMakerClient(config);
    const requested = p.endpointConfigName;
    const where = `SageMaker endpoint ${p.endpointName}`;
    try {
        const endpoint = await waitWhile<DescribeEndpointCommandOutput>(
            s,
            p.timeoutSeconds * 1000,
            () => client.send(new DescribeEndpointCommand({ EndpointName: p.endpointName })),
            (e) => SAGEMAKER_TRANSITIONAL.includes(String(e.EndpointStatus)),
            (e) => `${where}: ${e.EndpointStatus}${e.PendingDeploymentSummary?.EndpointConfigName ? `, deploying config ${e.PendingDeploymentSummary.EndpointConfigName}` : ""}; waiting for it to settle on config ${requested}`,
            (err) => readFailure(p, "sagemaker:DescribeEndpoint", "sagemaker:DescribeEndpoint", err),
            (last, problem) =>
                new Error(
                    `${label(p)}: the ${where} was still ${last?.EndpointStatus ?? "unreadable"} after ${p.timeoutSeconds}s${problem ? ` (last read: ${problem})` : ""}, so whether config ${requested} serves is unknown. ` +
                        `Check it with: aws sagemaker describe-endpoint --region ${p.region} --endpoint-name ${p.endpointName}; once it settles, run pulumi up again.`,
                ),
        );
        const status = String(endpoint.EndpointStatus);
        const serving = String(endpoint.EndpointConfigName ?? "");
        const reason = endpoint.FailureReason ? `: ${clause(endpoint.FailureReason)}` : "";
        if (status === "InService" && serving === requested) {
            s.log(`${where}: InService on config ${requested}, as requested`);
            return { ...p, servingEndpointConfigName: serving };
        }
        const alarms = p.alarmNames.length > 0
            ? ` SageMaker rolls back when one of the alarms ${listed(p.alarmNames)} fires; see which fired with: aws cloudwatch describe-alarm-history --region ${p.region} --history-item-type StateUpdate --alarm-name NAME.`
            : "";
        if (status === "InService") {
            throw new Error(
                `${label(p)}: SageMaker rolled the endpoint ${p.endpointName} back to config ${serving} (requested ${requested})${reason}.${alarms} ` +
                    "The old model still serves. Fix the model or image (or the alarm thresholds), then run pulumi up again.",
            );
        }
        if (status === "UpdateRollbackFailed") {
            throw new Error(
                `${label(p)}: the update of SageMaker endpoint ${p.endpointName} to config ${requested} failed and so did the rollback to config ${serving}${reason}.${alarms} ` +
                    `The endpoint may serve neither version fully. Check it with: aws sagemaker describe-endpoint --region ${p.region} --endpoint-name ${p.endpointName}, then run pulumi up again.`,
            );
        }
        throw new Error(
            `${label(p)}: SageMaker endpoint ${p.endpointName} is ${status} on config ${serving || "(none)"} (requested ${requested})${reason}. ` +
                `Check it with: aws sagemaker describe-endpoint --region ${p.region} --endpoint-name ${p.endpointName}, fix the cause, then run pulumi up again.`,
        );
    } finally {
        client.destroy();
    }
}

// --- ECS ---------------------------------------------------------------------------------------

interface EcsRead {
    service?: EcsServiceState;
    failure?: string;
}

/** family:revision, the part of a task definition ARN people recognise. */
function shortTaskDefinition(arn: string | undefined): string {
    return String(arn ?? "").replace(/^arn:[^:]+:ecs:[^:]*:[^:]*:task-definition\//, "");
}

function primaryOf(service: EcsServiceState | undefined): EcsDeployment | undefined {
    return service?.deployments?.find((d) => d.status === "PRIMARY");
}

/** Still deploying: the primary rollout is in progress or, where ECS reports no rollout state, older deployments still drain. */
function deploying(r: EcsRead): boolean {
    const primary = primaryOf(r.service);
    if (!r.service || !primary) return false;
    if (primary.rolloutState) return primary.rolloutState === "IN_PROGRESS";
    return (r.service.deployments?.length ?? 0) > 1;
}

/** Why ECS gave up: the failed deployment's reason, the primary's, and the service events that mention it. */
function ecsReasons(service: EcsServiceState, requested: string): string {
    const failed = service.deployments?.find((d) => d.taskDefinition === requested && d.rolloutState === "FAILED");
    const primary = primaryOf(service);
    const reasons = [failed?.rolloutStateReason, primary?.taskDefinition !== requested ? primary?.rolloutStateReason : undefined];
    const events = (service.events ?? []).map((e) => e.message ?? "").filter((m) => /roll|circuit breaker|alarm|fail/i.test(m));
    return [...new Set([...reasons, ...events.slice(0, 2)].filter((r): r is string => Boolean(r)).map(clause))].join("; ");
}

async function verifyService(p: EcsCheckProps, s: Settings): Promise<Record<string, unknown>> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { ECSClient, DescribeServicesCommand } = require("@aws-sdk/client-ecs") as typeof import("@aws-sdk/client-ecs");
    const client = new ECSClient(clientConfig(p.region, s));
    const requested = p.taskDefinitionArn;
    const where = `ECS service ${p.serviceName}`;
    try {
        const read = async (): Promise<EcsRead> => {
            const out: DescribeServicesCommandOutput = await client.send(new DescribeServicesCommand({ cluster: p.cluster, services: [p.serviceName] }));
            const service = out.services?.find((x) => x.serviceName === p.serviceName || x.serviceArn === p.serviceName);
            const failure = out.failures?.map((f) => [f.reason, f.detail].filter(Boolean).join(": ")).join("; ");
            return { service, failure };
        };
        const { service, failure } = await waitWhile<EcsRead>(
            s,
            p.timeoutSeconds * 1000,
            read,
            deploying,
            (r) => {
                const primary = primaryOf(r.service);
                return `${where}: deploying task definition ${shortTaskDefinition(primary?.taskDefinition)} (${primary?.rolloutState ?? `${r.service?.deployments?.length} deployments`}, ${primary?.runningCount ?? 0}/${primary?.desiredCount ?? 0} running); waiting for ${shortTaskDefinition(requested)}`;
            },
            (err) => readFailure(p, "ecs:DescribeServices", "ecs:DescribeServices", err),
            (last, problem) => {
                const primary = primaryOf(last?.service);
                return new Error(
                    `${label(p)}: the ${where} was still deploying task definition ${shortTaskDefinition(primary?.taskDefinition) || "(unknown)"} (${primary?.rolloutState ?? "no rollout state"}) after ${p.timeoutSeconds}s` +
                        `${problem ? ` (last read: ${problem})` : ""}, so whether ${shortTaskDefinition(requested)} serves is unknown. ` +
                        `Check it with: aws ecs describe-services --region ${p.region} --cluster ${p.cluster} --services ${p.serviceName}; once it settles, run pulumi up again.`,
                );
            },
        );
        if (!service || service.status !== "ACTIVE") {
            throw new Error(
                `${label(p)}: ${where} is ${service ? String(service.status) : "not found"} in cluster ${p.cluster}${failure ? ` (${failure})` : ""}, so the requested task definition ${shortTaskDefinition(requested)} does not serve. ` +
                    "Run pulumi refresh, then pulumi up again.",
            );
        }
        const primary = primaryOf(service);
        const serving = String(primary?.taskDefinition ?? service.taskDefinition ?? "");
        const why = ecsReasons(service, requested);
        const triggers = `ECS rolls back when its deployment circuit breaker trips (tasks that fail to start or to pass health checks)${
            p.alarmNames.length > 0 ? ` or one of the alarms ${listed(p.alarmNames)} fires` : ""
        }.`;
        if (serving !== requested) {
            throw new Error(
                `${label(p)}: ECS rolled the service ${p.serviceName} back to task definition ${shortTaskDefinition(serving)} (requested ${shortTaskDefinition(requested)})${why ? `: ${why}` : ""}. ${triggers} ` +
                    "The old version still serves. Fix the model or image (or the alarm thresholds), then run pulumi up again.",
            );
        }
        if (primary?.rolloutState === "FAILED") {
            throw new Error(
                `${label(p)}: the ECS deployment of task definition ${shortTaskDefinition(requested)} to service ${p.serviceName} failed${why ? `: ${why}` : ""}, and ECS did not roll it back. ` +
                    `${primary.runningCount ?? 0} of ${primary.desiredCount ?? 0} tasks run. Check: aws ecs describe-services --region ${p.region} --cluster ${p.cluster} --services ${p.serviceName}; fix the cause, then run pulumi up again.`,
            );
        }
        s.log(`${where}: task definition ${shortTaskDefinition(requested)} rolled out, as requested`);
        return { ...p, servingTaskDefinitionArn: serving };
    } finally {
        client.destroy();
    }
}
