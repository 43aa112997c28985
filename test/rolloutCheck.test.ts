import * as http from "node:http";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { Service } from "@pulumi/aws/ecs/service";
import { Endpoint } from "@pulumi/aws/sagemaker/endpoint";
import { checkEcsRollout, checkSageMakerRollout, rolloutTimeoutSeconds, verifyEcsRollout, verifySageMakerRollout } from "../providers/aws/rolloutCheck";
import { LoopbackServer, serveDuringTests } from "./helpers/loopbackServer";

// A fake of the two AWS JSON APIs the rollout checks read (awsJson1_1: POST / with X-Amz-Target), on loopback.
// The real SDK clients talk to it over HTTP: signing, serialization, error parsing and retries are the SDK's own.

const REGION = "eu-west-1";
const SAGEMAKER = "SageMaker.DescribeEndpoint";
const ECS = "AmazonEC2ContainerServiceV20141113.DescribeServices";
const ENDPOINT = "iris-prod";
const OLD_CONFIG = "iris-sagemaker-config-0a1b2c3";
const NEW_CONFIG = "iris-sagemaker-config-4d5e6f7";
const CLUSTER = `arn:aws:ecs:${REGION}:123456789012:cluster/iris-ecs-cluster-1234567`;
const SERVICE = "iris-ecs-service-89abcde";
const OLD_TASK = `arn:aws:ecs:${REGION}:123456789012:task-definition/iris-prod:7`;
const NEW_TASK = `arn:aws:ecs:${REGION}:123456789012:task-definition/iris-prod:8`;
const ALARMS = ["iris-5xx-1111111", "iris-latency-p99-2222222"];

interface FakeResponse {
    status?: number;
    body?: unknown;
}

interface Recorded {
    target: string;
    headers: http.IncomingHttpHeaders;
    body: any;
}

function awsError(status: number, type: string, message: string): FakeResponse {
    return { status, body: { __type: type, message } };
}

class FakeAws extends LoopbackServer {
    readonly requests: Recorded[] = [];
    /** Answers given in order per target; when none is left, the target's steady answer. */
    private readonly scripted = new Map<string, FakeResponse[]>();
    private readonly steady = new Map<string, FakeResponse>();
    reset(): void {
        this.requests.length = 0;
        this.scripted.clear();
        this.steady.clear();
    }

    script(target: string, ...responses: FakeResponse[]): void {
        this.scripted.set(target, [...(this.scripted.get(target) ?? []), ...responses]);
    }

    settle(target: string, response: FakeResponse): void {
        this.steady.set(target, response);
    }

    protected handle(req: http.IncomingMessage, res: http.ServerResponse, raw: string): void {
        const target = String(req.headers["x-amz-target"] ?? "");
        this.requests.push({ target, headers: req.headers, body: raw ? JSON.parse(raw) : undefined });
        const r =
            req.method !== "POST" || req.url !== "/" || req.headers["content-type"] !== "application/x-amz-json-1.1"
                ? awsError(400, "SerializationException", `unexpected ${req.method} ${req.url} ${req.headers["content-type"]}`)
                : (this.scripted.get(target)?.shift() ?? this.steady.get(target) ?? awsError(400, "UnknownOperationException", `no answer for ${target}`));
        res.writeHead(r.status ?? 200, { "content-type": "application/x-amz-json-1.1", "x-amzn-requestid": "00000000-0000-4000-8000-000000000000" });
        res.end(r.body === undefined ? "{}" : JSON.stringify(r.body));
    }
}

const fake = new FakeAws();
let logged: string[] = [];
const deps = () => ({ endpoint: fake.url, credentials: { accessKeyId: "AKIDTESTFAKE", secretAccessKey: "test-secret-not-real" }, backoffMs: 5, log: (line: string) => logged.push(line) });
// The checks as the tests call them: what serves, or a rejection saying why not.
const sagemaker = { create: async (p: any) => ({ outs: await verifySageMakerRollout(p, deps()) }) };
const ecs = { create: async (p: any) => ({ outs: await verifyEcsRollout(p, deps()) }) };

function endpoint(status: string, config: string, extra: Record<string, unknown> = {}): FakeResponse {
    return {
        body: {
            EndpointName: ENDPOINT,
            EndpointArn: `arn:aws:sagemaker:${REGION}:123456789012:endpoint/${ENDPOINT}`,
            EndpointConfigName: config,
            EndpointStatus: status,
            CreationTime: 1_700_000_000,
            LastModifiedTime: 1_700_000_600,
            ...extra,
        },
    };
}

const updating = (extra: Record<string, unknown> = {}) => endpoint("Updating", OLD_CONFIG, { PendingDeploymentSummary: { EndpointConfigName: NEW_CONFIG, StartTime: 1_700_000_300 }, ...extra });

function sageMakerInputs(overrides: Record<string, unknown> = {}): Record<string, any> {
    return { region: REGION, endpointName: ENDPOINT, endpointConfigName: NEW_CONFIG, modelName: "iris", modelVersion: "8", alarmNames: ALARMS, timeoutSeconds: 30, ...overrides };
}

interface FakeDeployment {
    status: "PRIMARY" | "ACTIVE" | "INACTIVE";
    taskDefinition: string;
    rolloutState?: "IN_PROGRESS" | "COMPLETED" | "FAILED";
    rolloutStateReason?: string;
    runningCount?: number;
    desiredCount?: number;
}

function service(deployments: FakeDeployment[], events: string[] = [], status = "ACTIVE"): FakeResponse {
    const primary = deployments.find((d) => d.status === "PRIMARY");
    return {
        body: {
            services: [
                {
                    serviceArn: `arn:aws:ecs:${REGION}:123456789012:service/iris-ecs-cluster-1234567/${SERVICE}`,
                    serviceName: SERVICE,
                    clusterArn: CLUSTER,
                    status,
                    taskDefinition: primary?.taskDefinition,
                    desiredCount: 2,
                    runningCount: 2,
                    deployments: deployments.map((d, i) => ({ id: `ecs-svc/${1000 + i}`, desiredCount: 2, runningCount: 2, createdAt: 1_700_000_000 + i, ...d })),
                    events: events.map((message, i) => ({ id: `e${i}`, createdAt: 1_700_000_900 - i, message })),
                },
            ],
            failures: [],
        },
    };
}

function ecsInputs(overrides: Record<string, unknown> = {}): Record<string, any> {
    return { region: REGION, cluster: CLUSTER, serviceName: SERVICE, taskDefinitionArn: NEW_TASK, modelName: "iris", modelVersion: "8", alarmNames: ALARMS, timeoutSeconds: 30, ...overrides };
}

serveDuringTests(fake, () => {
    logged = [];
});

describe("SageMaker rollout check", { timeout: 20_000 }, () => {
    it("waits out Updating, then passes when the endpoint is InService on the requested config", async () => {
        fake.script(SAGEMAKER, updating(), updating());
        fake.settle(SAGEMAKER, endpoint("InService", NEW_CONFIG));
        const result = await sagemaker.create(sageMakerInputs());
        expect(result.outs).toEqual({ ...sageMakerInputs(), servingEndpointConfigName: NEW_CONFIG });
        expect(fake.requests.map((r) => r.target)).toEqual([SAGEMAKER, SAGEMAKER, SAGEMAKER]);
        expect(fake.requests[0]!.body).toEqual({ EndpointName: ENDPOINT });
        // Signed by the SDK for this region and service, with the credentials it was given.
        expect(fake.requests[0]!.headers.authorization).toMatch(new RegExp(`^AWS4-HMAC-SHA256 Credential=AKIDTESTFAKE/\\d{8}/${REGION}/sagemaker/aws4_request`));
        // One progress line per state, not per read.
        expect(logged).toEqual([
            `SageMaker endpoint ${ENDPOINT}: Updating, deploying config ${NEW_CONFIG}; waiting for it to settle on config ${NEW_CONFIG}`,
            `SageMaker endpoint ${ENDPOINT}: InService on config ${NEW_CONFIG}, as requested`,
        ]);
    });

    it("fails when SageMaker rolled the endpoint back to the old config, naming both configs, the reason and the alarms", async () => {
        fake.script(SAGEMAKER, updating(), endpoint("RollingBack", OLD_CONFIG));
        fake.settle(SAGEMAKER, endpoint("InService", OLD_CONFIG, { FailureReason: "Auto-rollback triggered by alarm iris-5xx-1111111" }));
        const update = sagemaker.create(sageMakerInputs());
        await expect(update).rejects.toThrow(
            `model service iris (version 8): SageMaker rolled the endpoint ${ENDPOINT} back to config ${OLD_CONFIG} (requested ${NEW_CONFIG}): Auto-rollback triggered by alarm iris-5xx-1111111. ` +
                `SageMaker rolls back when one of the alarms "iris-5xx-1111111", "iris-latency-p99-2222222" fires; see which fired with: aws cloudwatch describe-alarm-history --region ${REGION} --history-item-type StateUpdate --alarm-name NAME. ` +
                "The old model still serves. Fix the model or image (or the alarm thresholds), then run pulumi up again.",
        );
        expect(fake.requests).toHaveLength(3);
        expect(logged).toContain(`SageMaker endpoint ${ENDPOINT}: RollingBack; waiting for it to settle on config ${NEW_CONFIG}`);
    });

    it("fails when the rollback itself failed, and when the endpoint failed", async () => {
        fake.settle(SAGEMAKER, endpoint("UpdateRollbackFailed", OLD_CONFIG, { FailureReason: "Unable to provision instances" }));
        await expect(sagemaker.create(sageMakerInputs())).rejects.toThrow(
            new RegExp(`the update of SageMaker endpoint ${ENDPOINT} to config ${NEW_CONFIG} failed and so did the rollback to config ${OLD_CONFIG}: Unable to provision instances\\..*may serve neither version fully`),
        );
        fake.settle(SAGEMAKER, endpoint("Failed", NEW_CONFIG, { FailureReason: "The primary container did not pass the ping health check." }));
        await expect(sagemaker.create(sageMakerInputs())).rejects.toThrow(
            `model service iris (version 8): SageMaker endpoint ${ENDPOINT} is Failed on config ${NEW_CONFIG} (requested ${NEW_CONFIG}): The primary container did not pass the ping health check.`,
        );
    });

    it("gives up at the deadline with what it last saw and how to look", async () => {
        fake.settle(SAGEMAKER, updating());
        const started = Date.now();
        await expect(sagemaker.create(sageMakerInputs({ timeoutSeconds: 0.2 }))).rejects.toThrow(
            `model service iris (version 8): the SageMaker endpoint ${ENDPOINT} was still Updating after 0.2s, so whether config ${NEW_CONFIG} serves is unknown. ` +
                `Check it with: aws sagemaker describe-endpoint --region ${REGION} --endpoint-name ${ENDPOINT}; once it settles, run pulumi up again.`,
        );
        expect(Date.now() - started).toBeLessThan(5_000);
        expect(fake.requests.length).toBeGreaterThan(3);
    });

    it("reads again when throttled", async () => {
        fake.script(SAGEMAKER, awsError(400, "ThrottlingException", "Rate exceeded"), awsError(400, "ThrottlingException", "Rate exceeded"));
        fake.settle(SAGEMAKER, endpoint("InService", NEW_CONFIG));
        const result = await sagemaker.create(sageMakerInputs());
        expect(result.outs.servingEndpointConfigName).toBe(NEW_CONFIG);
        expect(fake.requests).toHaveLength(3);
    });

    it("fails at once, naming the credentials it used and the permission, when access is denied", async () => {
        fake.settle(SAGEMAKER, awsError(400, "AccessDeniedException", "User: arn:aws:iam::123456789012:user/ci is not authorized to perform: sagemaker:DescribeEndpoint"));
        await expect(sagemaker.create(sageMakerInputs())).rejects.toThrow(
            /^model service iris \(version 8\): could not verify the rollout, sagemaker:DescribeEndpoint in eu-west-1 failed: AccessDeniedException: User: .* is not authorized.*your own AWS credentials during pulumi up.*allow sagemaker:DescribeEndpoint to the deployer\.$/,
        );
        expect(fake.requests).toHaveLength(1);
    });

    it("fails at once when the endpoint does not exist", async () => {
        fake.settle(SAGEMAKER, awsError(400, "ValidationException", `Could not find endpoint "${ENDPOINT}".`));
        await expect(sagemaker.create(sageMakerInputs())).rejects.toThrow(/ValidationException: Could not find endpoint "iris-prod"\. Fix: check the region and that the resource still exists \(pulumi refresh\)/);
        expect(fake.requests).toHaveLength(1);
    });

});

describe("ECS rollout check", { timeout: 20_000 }, () => {
    it("waits while the primary deployment is IN_PROGRESS, then passes when it COMPLETED on the requested task definition", async () => {
        const rolling: FakeDeployment[] = [
            { status: "PRIMARY", taskDefinition: NEW_TASK, rolloutState: "IN_PROGRESS", rolloutStateReason: "ECS deployment ecs-svc/1001 in progress.", runningCount: 1 },
            { status: "ACTIVE", taskDefinition: OLD_TASK, rolloutState: "COMPLETED" },
        ];
        fake.script(ECS, service(rolling), service(rolling));
        fake.settle(ECS, service([{ status: "PRIMARY", taskDefinition: NEW_TASK, rolloutState: "COMPLETED", rolloutStateReason: "ECS deployment ecs-svc/1001 completed." }]));
        const result = await ecs.create(ecsInputs());
        expect(result.outs).toEqual({ ...ecsInputs(), servingTaskDefinitionArn: NEW_TASK });
        expect(fake.requests.map((r) => r.target)).toEqual([ECS, ECS, ECS]);
        expect(fake.requests[0]!.body).toEqual({ cluster: CLUSTER, services: [SERVICE] });
        expect(fake.requests[0]!.headers.authorization).toMatch(new RegExp(`Credential=AKIDTESTFAKE/\\d{8}/${REGION}/ecs/aws4_request`));
        expect(logged).toEqual([
            `ECS service ${SERVICE}: deploying task definition iris-prod:8 (IN_PROGRESS, 1/2 running); waiting for iris-prod:8`,
            `ECS service ${SERVICE}: task definition iris-prod:8 rolled out, as requested`,
        ]);
    });

    it("fails when the requested deployment FAILED and was not rolled back", async () => {
        fake.settle(
            ECS,
            service([{ status: "PRIMARY", taskDefinition: NEW_TASK, rolloutState: "FAILED", rolloutStateReason: "ECS deployment circuit breaker: tasks failed to start.", runningCount: 0 }]),
        );
        await expect(ecs.create(ecsInputs())).rejects.toThrow(
            `model service iris (version 8): the ECS deployment of task definition iris-prod:8 to service ${SERVICE} failed: ECS deployment circuit breaker: tasks failed to start, and ECS did not roll it back. 0 of 2 tasks run.`,
        );
    });

    it("fails when ECS rolled the service back to the old task definition, with the reason and the alarms", async () => {
        fake.script(
            ECS,
            service([
                { status: "PRIMARY", taskDefinition: NEW_TASK, rolloutState: "IN_PROGRESS" },
                { status: "ACTIVE", taskDefinition: OLD_TASK, rolloutState: "COMPLETED" },
            ]),
            // The rollback is a new PRIMARY deployment of the old task definition.
            service([
                { status: "PRIMARY", taskDefinition: OLD_TASK, rolloutState: "IN_PROGRESS", rolloutStateReason: "ECS deployment circuit breaker: rolling back to deploymentId ecs-svc/1000." },
                { status: "ACTIVE", taskDefinition: NEW_TASK, rolloutState: "FAILED", rolloutStateReason: "Service deployment rolled back because of alarm iris-5xx-1111111." },
            ]),
        );
        fake.settle(
            ECS,
            service(
                [{ status: "PRIMARY", taskDefinition: OLD_TASK, rolloutState: "COMPLETED", rolloutStateReason: "ECS deployment circuit breaker: rolling back to deploymentId ecs-svc/1000." }],
                [`(service ${SERVICE}) has reached a steady state.`, `(service ${SERVICE}) rolling back to deployment ecs-svc/1000.`, `(service ${SERVICE}) deployment ecs-svc/1001 deployment failed: alarm detected.`],
            ),
        );
        const error = await ecs.create(ecsInputs()).then(
            () => undefined,
            (e: Error) => e,
        );
        expect(error?.message).toBe(
            `model service iris (version 8): ECS rolled the service ${SERVICE} back to task definition iris-prod:7 (requested iris-prod:8): ` +
                `ECS deployment circuit breaker: rolling back to deploymentId ecs-svc/1000; (service ${SERVICE}) rolling back to deployment ecs-svc/1000; (service ${SERVICE}) deployment ecs-svc/1001 deployment failed: alarm detected. ` +
                `ECS rolls back when its deployment circuit breaker trips (tasks that fail to start or to pass health checks) or one of the alarms "iris-5xx-1111111", "iris-latency-p99-2222222" fires. ` +
                "The old version still serves. Fix the model or image (or the alarm thresholds), then run pulumi up again.",
        );
        expect(fake.requests).toHaveLength(3);
    });

    it("names the failed deployment's own reason when ECS still lists it", async () => {
        fake.settle(
            ECS,
            service([
                { status: "PRIMARY", taskDefinition: OLD_TASK, rolloutState: "COMPLETED" },
                { status: "ACTIVE", taskDefinition: NEW_TASK, rolloutState: "FAILED", rolloutStateReason: "Service deployment rolled back because of alarm iris-5xx-1111111.", runningCount: 0, desiredCount: 0 },
            ]),
        );
        await expect(ecs.create(ecsInputs())).rejects.toThrow(/back to task definition iris-prod:7 \(requested iris-prod:8\): Service deployment rolled back because of alarm iris-5xx-1111111\. ECS rolls back/);
    });

    it("waits for older deployments to drain where ECS reports no rollout state", async () => {
        fake.script(ECS, service([{ status: "PRIMARY", taskDefinition: NEW_TASK }, { status: "ACTIVE", taskDefinition: OLD_TASK }]));
        fake.settle(ECS, service([{ status: "PRIMARY", taskDefinition: NEW_TASK }]));
        expect((await ecs.create(ecsInputs())).outs.servingTaskDefinitionArn).toBe(NEW_TASK);
        expect(fake.requests).toHaveLength(2);
    });

    it("fails when the service is missing or draining", async () => {
        fake.settle(ECS, { body: { services: [], failures: [{ arn: `arn:aws:ecs:${REGION}:123456789012:service/${SERVICE}`, reason: "MISSING" }] } });
        await expect(ecs.create(ecsInputs())).rejects.toThrow(`ECS service ${SERVICE} is not found in cluster ${CLUSTER} (MISSING), so the requested task definition iris-prod:8 does not serve.`);
        fake.settle(ECS, service([{ status: "PRIMARY", taskDefinition: NEW_TASK, rolloutState: "COMPLETED" }], [], "DRAINING"));
        await expect(ecs.create(ecsInputs())).rejects.toThrow(`ECS service ${SERVICE} is DRAINING in cluster`);
    });

    it("gives up at the deadline", async () => {
        fake.settle(ECS, service([{ status: "PRIMARY", taskDefinition: NEW_TASK, rolloutState: "IN_PROGRESS" }, { status: "ACTIVE", taskDefinition: OLD_TASK }]));
        await expect(ecs.create(ecsInputs({ timeoutSeconds: 0.2 }))).rejects.toThrow(
            `model service iris (version 8): the ECS service ${SERVICE} was still deploying task definition iris-prod:8 (IN_PROGRESS) after 0.2s, so whether iris-prod:8 serves is unknown. ` +
                `Check it with: aws ecs describe-services --region ${REGION} --cluster ${CLUSTER} --services ${SERVICE}; once it settles, run pulumi up again.`,
        );
    });

    it("reads again when throttled", async () => {
        fake.script(ECS, awsError(400, "ThrottlingException", "Rate exceeded"));
        fake.settle(ECS, service([{ status: "PRIMARY", taskDefinition: NEW_TASK, rolloutState: "COMPLETED" }]));
        expect((await ecs.create(ecsInputs())).outs.servingTaskDefinitionArn).toBe(NEW_TASK);
        expect(fake.requests).toHaveLength(2);
    });

});

describe("deadline", () => {
    it("is the rollout's worst case, the same the provider is given to wait (issue 15 item 21)", () => {
        // ecs: task start, bakes (none when rolling), a rollback that starts tasks again.
        expect(rolloutTimeoutSeconds("ecs", { strategy: "allAtOnce", stepPercent: 10, bakeMinutes: 10 })).toBe((10 + 10) * 60);
        expect(rolloutTimeoutSeconds("ecs", { strategy: "canary", stepPercent: 10, bakeMinutes: 5 })).toBe((10 + 3 * 5 + 10) * 60);
        expect(rolloutTimeoutSeconds("ecs", { strategy: "linear", stepPercent: 30, bakeMinutes: 10 })).toBe((10 + 5 * 10 + 10) * 60);
        // sagemaker: provision the new fleet, bakes (the final wait too), a rollback.
        expect(rolloutTimeoutSeconds("sagemaker", { strategy: "allAtOnce", stepPercent: 10, bakeMinutes: 10 })).toBe((15 + 2 * 10 + 5) * 60);
        expect(rolloutTimeoutSeconds("sagemaker", { strategy: "linear", stepPercent: 50, bakeMinutes: 10 })).toBe((15 + 3 * 10 + 5) * 60);
    });
});

describe("in the program, after the update", { timeout: 20_000 }, () => {
    const ARGS = { region: REGION, model: { name: "iris", version: "8" }, rollout: { strategy: "allAtOnce", stepPercent: 10, bakeMinutes: 0 } } as any;

    async function underMocks(preview: boolean) {
        await pulumi.runtime.setMocks(
            { newResource: (args) => ({ id: `${args.name}-id`, state: { ...args.inputs, name: args.inputs.name ?? args.name, arn: `arn:${args.name}` } }), call: (args) => args.inputs },
            "project",
            "stack",
            preview,
        );
    }
    /** An Output's value, or its rejection (the Output's other promises settle with it, and are handled here). */
    const settled = (o: pulumi.Output<string>) => {
        const internal = o as unknown as { promise(): Promise<string>; isKnown: Promise<boolean>; isSecret: Promise<boolean>; allResources?: () => Promise<unknown> };
        for (const p of [internal.isKnown, internal.isSecret, internal.allResources?.()]) p?.catch(() => undefined);
        return internal.promise();
    };

    it("reads nothing in a preview and answers with the requested version", async () => {
        await underMocks(true);
        const endpoint = new Endpoint("e", { name: ENDPOINT, endpointConfigName: NEW_CONFIG });
        expect(await settled(checkSageMakerRollout(ARGS, { endpoint, endpointConfigName: NEW_CONFIG, alarms: [] }, deps()))).toBe(NEW_CONFIG);
        expect(fake.requests).toHaveLength(0);
    });

    it("fails the update with the check's message when SageMaker rolled back, once the endpoint is updated", async () => {
        await underMocks(false);
        fake.settle(SAGEMAKER, endpoint("InService", OLD_CONFIG));
        const endpointResource = new Endpoint("e", { name: ENDPOINT, endpointConfigName: NEW_CONFIG });
        const error = await settled(checkSageMakerRollout(ARGS, { endpoint: endpointResource, endpointConfigName: NEW_CONFIG, alarms: [] }, deps())).then(
            () => undefined,
            (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(pulumi.RunError);
        expect((error as Error).message).toContain(`back to config ${OLD_CONFIG} (requested ${NEW_CONFIG})`);
        expect(fake.requests).toHaveLength(1);
    });

    it("answers with the serving task definition when ECS rolled out what was asked", async () => {
        await underMocks(false);
        fake.settle(ECS, service([{ status: "PRIMARY", taskDefinition: NEW_TASK, rolloutState: "COMPLETED" }]));
        const svc = new Service("s", { name: SERVICE, taskDefinition: NEW_TASK });
        expect(await settled(checkEcsRollout(ARGS, { service: svc, cluster: CLUSTER, taskDefinitionArn: NEW_TASK, alarms: [] }, deps()))).toBe(NEW_TASK);
    });
});
