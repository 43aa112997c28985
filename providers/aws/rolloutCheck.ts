import * as pulumi from "@pulumi/pulumi";
import type { MetricAlarm } from "@pulumi/aws/cloudwatch/metricAlarm";
import type { Service } from "@pulumi/aws/ecs/service";
import type { Endpoint } from "@pulumi/aws/sagemaker/endpoint";
import type { DescribeEndpointCommandOutput, SageMakerClientConfig } from "@aws-sdk/client-sagemaker";
import type { DescribeServicesCommandOutput, Deployment as EcsDeployment, Service as EcsServiceState } from "@aws-sdk/client-ecs";
import type { ResolvedServiceArgs } from "../../components/contract";
import { awsIdentitySettings } from "./awsProvider";
import { rolloutMinutes } from "./rolloutDuration";

// After an update, the truth. SageMaker (blue/green with auto-rollback alarms) and ECS (circuit breaker and
// alarm rollback) can roll an update back on their own; the aws provider then reports success, because the
// endpoint is InService again, the service stable again, on the OLD version. So once the endpoint or service
// has been updated, the program reads what actually serves with the deployer's own AWS credentials and fails
// `pulumi up` when it is not the requested version.
//
// It runs in the program (an apply on the updated resource's outputs), not as a dynamic resource: Pulumi
// serializes a dynamic provider's closure on every run, preview included, which cost 0.3 s per plan, more
// than the rest of the stack's overhead. In a preview nothing is read.

export interface RolloutCheckDeps {
    /** API endpoint (tests: a loopback fake). Default: the SDK's regional endpoint. */
    endpoint?: string;
    /** Static credentials (tests). Default: the SDK's default chain (environment, AWS_PROFILE, SSO, web identity, instance role), as the aws provider. */
    credentials?: { accessKeyId: string; secretAccessKey: string };
    /** First wait between two reads in ms; each wait is 1.5x the last, up to 6x this. Default 10000. */
    backoffMs?: number;
    /** Where progress lines go. Default: the engine's log (pulumi.log.info). */
    log?: (line: string) => void;
}

export interface CommonProps {
    region: string;
    modelName: string;
    modelVersion: string;
    /** Alarms that roll an update back, named in the failure message. */
    alarmNames: string[];
    /** How long to wait for an update still in progress. */
    timeoutSeconds: number;
    /** The stack's aws:profile, which the provider deploys with: the check reads with the same. */
    profile?: string;
    /** The stack's aws:assumeRoles, assumed in order from the profile's (or the chain's) credentials, as the provider does. */
    assumeRoles?: AssumedRole[];
}

/** One entry of aws:assumeRoles, as STS AssumeRole takes it. */
export interface AssumedRole {
    roleArn: string;
    sessionName?: string;
    externalId?: string;
    durationSeconds?: number;
    policy?: string;
    policyArns?: string[];
    sourceIdentity?: string;
}

export interface SageMakerCheckProps extends CommonProps {
    endpointName: string;
    /** The endpoint configuration this update asked for. */
    endpointConfigName: string;
}

export interface EcsCheckProps extends CommonProps {
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

/** Endpoint states that end by themselves; the check waits them out. */
const SAGEMAKER_TRANSITIONAL = ["Creating", "Updating", "SystemUpdating", "RollingBack"];
const THROTTLING = ["ThrottlingException", "Throttling", "TooManyRequestsException", "RequestLimitExceeded", "ProvisionedThroughputExceededException"];
const NETWORK = ["ECONNRESET", "ECONNREFUSED", "ETIMEDOUT", "EPIPE", "EAI_AGAIN", "TimeoutError", "RequestTimeout"];
const CREDENTIALS = ["CredentialsProviderError", "UnrecognizedClientException", "InvalidClientTokenId", "ExpiredTokenException", "InvalidSignatureException", "AccessDeniedException", "AccessDenied"];
/** The SDK's own retries per read (throttling, 5xx, network), before the check's wait loop retries again. */
const SDK_MAX_ATTEMPTS = 5;

function settingsOf(deps?: RolloutCheckDeps): Settings {
    return { endpoint: deps?.endpoint, credentials: deps?.credentials, backoffMs: deps?.backoffMs ?? 10_000, log: deps?.log ?? defaultLog };
}

/** Reads the endpoint until it settles; resolves with what serves when it is the requested config, else rejects saying why. */
export async function verifySageMakerRollout(props: SageMakerCheckProps, deps?: RolloutCheckDeps): Promise<{ servingEndpointConfigName: string }> {
    return (await verifyEndpoint(props, settingsOf(deps))) as { servingEndpointConfigName: string };
}

/** Reads the service until its rollout ends; resolves with what serves when it is the requested task definition, else rejects. */
export async function verifyEcsRollout(props: EcsCheckProps, deps?: RolloutCheckDeps): Promise<{ servingTaskDefinitionArn: string }> {
    return (await verifyService(props, settingsOf(deps))) as { servingTaskDefinitionArn: string };
}

/** Runs a check once its inputs are known in a real update; a failure fails `pulumi up` with the check's message alone. */
function afterUpdate<T>(inputs: pulumi.Input<T>, requested: (t: T) => string, verify: (t: T) => Promise<string>): pulumi.Output<string> {
    return pulumi.output(inputs).apply(async (t) => {
        if (pulumi.runtime.isDryRun()) return requested(t as T);
        try {
            return await verify(t as T);
        } catch (err) {
            throw new pulumi.RunError(err instanceof Error ? err.message : String(err));
        }
    });
}

/**
 * How long an update may still be in progress when the check starts: the rollout's worst case
 * (providers/aws/rolloutDuration.ts). The provider has waited it out already (ecs: customTimeouts from the
 * same worst case; sagemaker: a config that fits the provider's fixed hour), so this deadline is rarely met.
 */
export function rolloutTimeoutSeconds(runtime: "sagemaker" | "ecs", rollout: ResolvedServiceArgs["rollout"]): number {
    return rolloutMinutes(runtime, rollout) * 60;
}

/**
 * The check of a SageMaker update: once the endpoint is updated, the endpoint configuration that serves.
 * `endpointConfigName` is the EndpointConfiguration's own name, never the endpoint's output (which reads back what serves).
 */
export function checkSageMakerRollout(
    args: ResolvedServiceArgs,
    target: { endpoint: Endpoint; endpointConfigName: pulumi.Input<string>; alarms: MetricAlarm[] },
    deps?: RolloutCheckDeps,
): pulumi.Output<string> {
    // The endpoint's own config output resolves only once its update is done.
    const inputs = pulumi.all([target.endpoint.name, target.endpointConfigName, pulumi.all(target.alarms.map((a) => a.name)), target.endpoint.endpointConfigName]);
    return afterUpdate(
        inputs,
        ([, endpointConfigName]) => endpointConfigName,
        async ([endpointName, endpointConfigName, alarmNames]) =>
            (await verifySageMakerRollout({ ...common(args, "sagemaker"), endpointName, endpointConfigName, alarmNames }, deps)).servingEndpointConfigName,
    );
}

/**
 * The check of an ECS update: once the service is updated, the task definition that serves.
 * `taskDefinitionArn` is the TaskDefinition's own ARN, never the service's output.
 */
export function checkEcsRollout(
    args: ResolvedServiceArgs,
    target: { service: Service; cluster: pulumi.Input<string>; taskDefinitionArn: pulumi.Input<string>; alarms: MetricAlarm[] },
    deps?: RolloutCheckDeps,
): pulumi.Output<string> {
    // The service's own task definition output resolves only once its update is done.
    const inputs = pulumi.all([target.cluster, target.service.name, target.taskDefinitionArn, pulumi.all(target.alarms.map((a) => a.name)), target.service.taskDefinition]);
    return afterUpdate(
        inputs,
        ([, , taskDefinitionArn]) => taskDefinitionArn,
        async ([cluster, serviceName, taskDefinitionArn, alarmNames]) =>
            (await verifyEcsRollout({ ...common(args, "ecs"), cluster, serviceName, taskDefinitionArn, alarmNames }, deps)).servingTaskDefinitionArn,
    );
}

function common(args: ResolvedServiceArgs, runtime: "sagemaker" | "ecs"): CommonProps {
    // The same reading of the stack's aws: settings as the service's provider gets.
    const identity = awsIdentitySettings();
    const profile = identity.profile as string | undefined;
    const assumeRoles = assumedRoles(identity.assumeRoles as unknown[] | undefined);
    return {
        region: args.region,
        modelName: args.model.name,
        modelVersion: args.model.version,
        alarmNames: [],
        timeoutSeconds: rolloutTimeoutSeconds(runtime, args.rollout),
        ...(profile ? { profile } : {}),
        ...(assumeRoles.length > 0 ? { assumeRoles } : {}),
    };
}

/** aws:assumeRoles as the provider reads it (roleArn, sessionName, externalId, duration "1h30m", policy, policyArns, sourceIdentity). */
export function assumedRoles(entries: unknown[] | undefined): AssumedRole[] {
    return (entries ?? []).flatMap((entry) => {
        const e = (entry ?? {}) as Record<string, unknown>;
        if (typeof e.roleArn !== "string" || e.roleArn === "") return [];
        const text = (key: string) => (typeof e[key] === "string" && e[key] !== "" ? { [key]: e[key] as string } : {});
        const seconds = typeof e.duration === "string" ? goDurationSeconds(e.duration) : undefined;
        return [
            {
                roleArn: e.roleArn,
                ...text("sessionName"),
                ...text("externalId"),
                ...text("policy"),
                ...text("sourceIdentity"),
                ...(Array.isArray(e.policyArns) ? { policyArns: e.policyArns.map(String) } : {}),
                ...(seconds ? { durationSeconds: seconds } : {}),
            },
        ];
    });
}

/** A Go duration ("1h", "15m", "1h30m45s") in whole seconds; undefined when it is not one. */
function goDurationSeconds(text: string): number | undefined {
    if (!/^(\d+(\.\d+)?[hms])+$/.test(text)) return undefined;
    let seconds = 0;
    for (const [, n, unit] of text.matchAll(/(\d+(?:\.\d+)?)([hms])/g)) seconds += Number(n) * (unit === "h" ? 3600 : unit === "m" ? 60 : 1);
    return Math.round(seconds);
}

// ---------------------------------------------------------------------------------------------

function defaultLog(line: string): void {
    void pulumi.log.info(line);
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

type Credentials = NonNullable<SageMakerClientConfig["credentials"]>;

function clientConfig(p: CommonProps, s: Settings): { region: string; maxAttempts: number; profile?: string; endpoint?: string; credentials?: Credentials } {
    const base = { region: p.region, maxAttempts: SDK_MAX_ATTEMPTS, ...(s.endpoint ? { endpoint: s.endpoint } : {}) };
    if (!p.assumeRoles?.length) return { ...base, ...(p.profile ? { profile: p.profile } : {}), ...(s.credentials ? { credentials: s.credentials } : {}) };
    // Each role is assumed with the credentials of the one before, starting from the profile's (or the default chain's).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { fromNodeProviderChain, fromTemporaryCredentials } = require("@aws-sdk/credential-providers") as typeof import("@aws-sdk/credential-providers");
    let credentials: Credentials = s.credentials ?? fromNodeProviderChain(p.profile ? { profile: p.profile } : {});
    for (const role of p.assumeRoles) {
        credentials = fromTemporaryCredentials({
            masterCredentials: credentials,
            params: {
                RoleArn: role.roleArn,
                RoleSessionName: role.sessionName ?? `model-service-rollout-check-${p.modelName}`.slice(0, 64),
                ...(role.externalId ? { ExternalId: role.externalId } : {}),
                ...(role.durationSeconds ? { DurationSeconds: role.durationSeconds } : {}),
                ...(role.policy ? { Policy: role.policy } : {}),
                ...(role.policyArns ? { PolicyArns: role.policyArns.map((arn) => ({ arn })) } : {}),
                ...(role.sourceIdentity ? { SourceIdentity: role.sourceIdentity } : {}),
            },
            clientConfig: { region: p.region, ...(s.endpoint ? { endpoint: s.endpoint } : {}) },
        });
    }
    return { ...base, credentials };
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
    // Required here, not at module top, so a plan or preview never loads the SDK.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { SageMakerClient, DescribeEndpointCommand } = require("@aws-sdk/client-sagemaker") as typeof import("@aws-sdk/client-sagemaker");
    const config: SageMakerClientConfig = clientConfig(p, s);
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
    const client = new ECSClient(clientConfig(p, s));
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
