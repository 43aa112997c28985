import * as pulumi from "@pulumi/pulumi";
import { Policy as ScalingPolicy } from "@pulumi/aws/appautoscaling/policy";
import { Target as ScalingTarget } from "@pulumi/aws/appautoscaling/target";
import { LogGroup } from "@pulumi/aws/cloudwatch/logGroup";
import type { MetricAlarm } from "@pulumi/aws/cloudwatch/metricAlarm";
import { Policy as IamPolicy } from "@pulumi/aws/iam/policy";
import { Endpoint } from "@pulumi/aws/sagemaker/endpoint";
import { EndpointConfiguration } from "@pulumi/aws/sagemaker/endpointConfiguration";
import { Model } from "@pulumi/aws/sagemaker/model";
import type { FoundationPlacement, ImplementationFactory, ResolvedServiceArgs } from "../../components/contract";
import { ServiceComponent } from "../../components/serviceComponent";
import { autonamedLogicalName, serviceKey, stackUniqueName } from "../../components/physicalName";
import { SAGEMAKER_RUNTIME } from "./sagemaker.runtime";
import { MAX_ERRORS_PER_MINUTE } from "../../components/observability";
import type { Topic } from "@pulumi/aws/sns/topic";
import { createAlarmTopic } from "./alarmTopic";
import { type AlarmMetric, createRollbackAlarm } from "./rollbackAlarm";
import { awsFoundationChildren, createAwsFoundation } from "./foundation";
import { checkSageMakerRollout } from "./rolloutCheck";
import { SAGEMAKER_MAX_EXECUTION_SECONDS } from "./rolloutDuration";
import { awsDnsSuffix } from "./partition";
import { invokerStatements } from "./invokerPolicy";
import { createVariantScalingGuard, guardedResourceId } from "./variantScalingGuard";
import { secretEnvironment, servingEnvironment } from "../../components/servingContract";
import { createServingRole, describeAlarms, pullImage, putMetrics, readArtifact, readSecrets, writeLogs } from "./servingRole";

const VARIANT = "primary";

/**
 * ModelService on Amazon SageMaker: Model -> EndpointConfiguration (autonamed, so a change creates a
 * new one before the endpoint switches to it) -> Endpoint, with variant autoscaling on invocations.
 */
export class SageMakerService extends ServiceComponent {
    readonly runtime = "sagemaker" as const;
    readonly endpoint: Endpoint;
    readonly model: Model;
    readonly invokerPolicy: IamPolicy;

    constructor(name: string, args: ResolvedServiceArgs, opts: pulumi.ComponentResourceOptions, foundation: FoundationPlacement) {
        super("model-service:aws:SageMakerService", name, {}, opts);
        const f = createAwsFoundation(foundation, args, this);
        const { child, artifact, image, secrets } = f;

        const endpointName = stackUniqueName([serviceKey(args), pulumi.getStack()], 63);
        const logGroup = new LogGroup(
            `${name}-logs`,
            { name: `/aws/sagemaker/Endpoints/${endpointName}`, retentionInDays: args.logRetentionDays },
            { ...child, protect: args.protect },
        );
        const { role, policy } = createServingRole(
            `${name}-serving-role`,
            "sagemaker.amazonaws.com",
            [
                ...readArtifact(artifact.bucketArn, artifact.prefix),
                // Validation admits only ECR images for SageMaker, so the repository is always known here.
                ...pullImage(image.repositoryArn!),
                ...writeLogs(logGroup.arn),
                ...putMetrics(["/aws/sagemaker/*", "model-service/*"]),
                ...describeAlarms(),
                ...readSecrets(Object.values(secrets).map((s) => s.arn)),
            ],
            child,
        );

        // SageMaker mounts the model at /opt/ml/model, and its Environment takes plain strings only: the server
        // fetches each secret by its ARN (components/servingContract.ts).
        const environment = { ...servingEnvironment(args), ...secretEnvironment("reference", Object.fromEntries(Object.entries(secrets).map(([key, s]) => [key, s.arn]))) };

        this.model = new Model(
            autonamedLogicalName("aws:sagemaker/model:Model", name, "model"),
            {
                executionRoleArn: role.arn,
                primaryContainer: {
                    image: image.uri,
                    mode: "SingleModel",
                    environment,
                    ...(artifact.compressed
                        ? { modelDataUrl: artifact.uri }
                        : { modelDataSource: { s3DataSources: [{ s3Uri: artifact.uri, s3DataType: artifact.singleObject ? "S3Object" : "S3Prefix", compressionType: "None" }] } }),
                },
                // Without secrets to fetch, the container needs no network at all.
                enableNetworkIsolation: Object.keys(secrets).length === 0,
            },
            { ...child, dependsOn: [policy, ...artifact.uploads] },
        );
        const instanceType = args.compute.instanceType ?? SAGEMAKER_RUNTIME.instanceTypeFor!(args.compute.size, args.compute.gpu)!;
        const guard = createVariantScalingGuard(name, instanceType, child);
        const config = new EndpointConfiguration(
            autonamedLogicalName("aws:sagemaker/endpointConfiguration:EndpointConfiguration", name, "config"),
            {
                productionVariants: [
                    {
                        variantName: VARIANT,
                        modelName: this.model.name,
                        instanceType,
                        initialInstanceCount: args.scaling.minReplicas,
                        initialVariantWeight: 1,
                    },
                ],
            },
            child,
        );
        const alarms = createEndpointAlarms(name, args, endpointName, createAlarmTopic(name, args, child), child);
        const bakeSeconds = args.rollout.bakeMinutes * 60;
        const step = { type: "CAPACITY_PERCENT", value: args.rollout.stepPercent };
        this.endpoint = new Endpoint(
            `${name}-endpoint`,
            {
                name: endpointName,
                endpointConfigName: config.name,
                // Blue/green on every update: the new fleet takes traffic as the rollout says, watched by the
                // alarms through each bake period, and SageMaker rolls back to the old fleet if one fires.
                deploymentConfig: {
                    blueGreenUpdatePolicy: {
                        trafficRoutingConfiguration: {
                            type: { allAtOnce: "ALL_AT_ONCE", canary: "CANARY", linear: "LINEAR" }[args.rollout.strategy],
                            waitIntervalInSeconds: bakeSeconds,
                            ...(args.rollout.strategy === "canary" ? { canarySize: step } : {}),
                            ...(args.rollout.strategy === "linear" ? { linearStepSize: step } : {}),
                        },
                        terminationWaitInSeconds: bakeSeconds,
                        // SageMaker gives up and rolls back before the provider's fixed hour runs out.
                        maximumExecutionTimeoutInSeconds: SAGEMAKER_MAX_EXECUTION_SECONDS,
                    },
                    autoRollbackConfiguration: { alarms: alarms.map((alarm) => ({ alarmName: alarm.name })) },
                },
            },
            { ...child, dependsOn: [logGroup, guard] },
        );
        // The endpoint is InService again after an automatic rollback: fail the update unless the requested config serves.
        const servingVersion = checkSageMakerRollout(args, { endpoint: this.endpoint, endpointConfigName: config.name, alarms });

        const target = new ScalingTarget(
            `${name}-scaling-target`,
            {
                serviceNamespace: "sagemaker",
                resourceId: guardedResourceId(this.endpoint.name, VARIANT, guard),
                scalableDimension: "sagemaker:variant:DesiredInstanceCount",
                minCapacity: args.scaling.minReplicas,
                maxCapacity: args.scaling.maxReplicas,
            },
            { ...child, dependsOn: [this.endpoint] },
        );
        const scaling = new ScalingPolicy(
            `${name}-scaling-policy`,
            {
                policyType: "TargetTrackingScaling",
                serviceNamespace: target.serviceNamespace,
                resourceId: target.resourceId,
                scalableDimension: target.scalableDimension,
                targetTrackingScalingPolicyConfiguration: {
                    targetValue: args.scaling.targetRequestsPerMinute,
                    predefinedMetricSpecification: { predefinedMetricType: "SageMakerVariantInvocationsPerInstance" },
                    scaleInCooldown: 300,
                    scaleOutCooldown: 60,
                },
            },
            child,
        );

        // Callers get this policy; public and allowedCidrs decide which networks they may call from.
        this.invokerPolicy = new IamPolicy(
            `${name}-invoker`,
            {
                description: `Lets a caller invoke the ${endpointName} endpoint`,
                policy: pulumi.jsonStringify({ Version: "2012-10-17", Statement: invokerStatements(args, this.endpoint.arn) }),
            },
            child,
        );

        const domain = awsDnsSuffix(args.region);
        const invoke = pulumi.all([this.endpoint.name, this.invokerPolicy.arn]).apply(([endpoint, policyArn]) => ({
            auth: "aws-sigv4",
            reachability: args.network.public ? ("internet" as const) : ("private-network" as const),
            example: `aws sagemaker-runtime invoke-endpoint --region ${args.region} --endpoint-name ${endpoint} --content-type application/json --body fileb://request.json response.json`,
            note: args.network.public
                ? `Callers sign requests with IAM credentials that have ${policyArn} attached${args.network.allowedCidrs.length > 0 ? `, from ${args.network.allowedCidrs.join(", ")} (private addresses through an interface VPC endpoint)` : ""}.`
                : `Callers sign requests with IAM credentials that have ${policyArn} attached, and call through an interface VPC endpoint for com.amazonaws.${args.region}.sagemaker.runtime${args.network.allowedCidrs.length > 0 ? ` from ${args.network.allowedCidrs.join(", ")}` : ""}: the policy admits no other path.`,
        }));
        this.publish({
            endpointUrl: pulumi.interpolate`https://runtime.sagemaker.${args.region}.${domain}/endpoints/${this.endpoint.name}/invocations`,
            invoke,
            artifactUri: artifact.uri,
            imageUri: image.uri,
            servingVersion,
            children: {
                ...awsFoundationChildren(f),
                logGroup,
                role,
                model: this.model,
                endpointConfiguration: config,
                endpoint: this.endpoint,
                scalingTarget: target,
                scalingPolicy: scaling,
                invokerPolicy: this.invokerPolicy,
            },
        });
    }
}

/** The alarms that matter for a SageMaker variant: server errors, model errors, p99 latency. */
function createEndpointAlarms(name: string, args: ResolvedServiceArgs, endpointName: string, topic: Topic | undefined, opts: pulumi.CustomResourceOptions): MetricAlarm[] {
    const dimensions = { EndpointName: endpointName, VariantName: VARIANT };
    const alarm = (suffix: string, description: string, metric: AlarmMetric) => createRollbackAlarm(`${name}-${suffix}`, args, description, { namespace: "AWS/SageMaker", dimensions, ...metric }, topic, opts);
    return [
        alarm("5xx", "the variant answers with 5xx", { metricName: "Invocation5XXErrors", statistic: "Sum", threshold: MAX_ERRORS_PER_MINUTE }),
        alarm("model-errors", "the model container fails invocations", { metricName: "InvocationModelErrors", statistic: "Sum", threshold: MAX_ERRORS_PER_MINUTE }),
        // ModelLatency is reported in microseconds.
        alarm("latency-p99", `p99 model latency above ${args.alarms.latencyP99Ms} ms`, { metricName: "ModelLatency", extendedStatistic: "p99", threshold: args.alarms.latencyP99Ms * 1000 }),
    ];
}

export const createSageMakerService: ImplementationFactory = (name, args, opts, foundation) => new SageMakerService(name, args, opts, foundation);
