import * as pulumi from "@pulumi/pulumi";
import { Policy as ScalingPolicy } from "@pulumi/aws/appautoscaling/policy";
import { Target as ScalingTarget } from "@pulumi/aws/appautoscaling/target";
import type { appautoscaling } from "@pulumi/aws/types/input";
import { LogGroup } from "@pulumi/aws/cloudwatch/logGroup";
import { MetricAlarm } from "@pulumi/aws/cloudwatch/metricAlarm";
import { SecurityGroup } from "@pulumi/aws/ec2/securityGroup";
import { Cluster } from "@pulumi/aws/ecs/cluster";
import { Service } from "@pulumi/aws/ecs/service";
import { TaskDefinition } from "@pulumi/aws/ecs/taskDefinition";
import { Listener, type ListenerArgs } from "@pulumi/aws/lb/listener";
import { LoadBalancer } from "@pulumi/aws/lb/loadBalancer";
import { TargetGroup } from "@pulumi/aws/lb/targetGroup";
import { SecurityGroupEgressRule } from "@pulumi/aws/vpc/securityGroupEgressRule";
import { SecurityGroupIngressRule } from "@pulumi/aws/vpc/securityGroupIngressRule";
import type { FoundationPlacement, ImplementationFactory, ResolvedServiceArgs } from "../../components/contract";
import { ServiceComponent } from "../../components/serviceComponent";
import { autonamedLogicalName, serviceKey, stackUniqueName } from "../../components/physicalName";
import { SIZES } from "../../components/sizes";
import { MAX_ERRORS_PER_MINUTE } from "../../components/observability";
import { alarmActions, createAlarmTopic } from "./alarmTopic";
import { createRollbackAlarm } from "./rollbackAlarm";
import { awsFoundationChildren, createAwsFoundation } from "./foundation";
import { createTrafficShifting, deploymentConfiguration, shiftsTraffic } from "./ecsRollout";
import { createNetwork } from "./network";
import { createScaleFromZero } from "./scaleFromZero";
import { checkEcsRollout } from "./rolloutCheck";
import { ecsServiceTimeouts } from "./rolloutDuration";
import { secretEnvironment, servingEnvironment } from "../../components/servingContract";
import { createServingRole, pullImage, putMetrics, readArtifact, readSecrets, writeLogs } from "./servingRole";

const CONTAINER = "model-server";
/**
 * The only writable path under the read-only root filesystem. Fargate creates a bind mount root-owned 0755
 * unless the image declares the path a VOLUME (then the image's ownership and mode are kept), so a non-root
 * image must declare it, as serving/Dockerfile does (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/bind-mounts.html).
 */
export const WRITABLE_PATH = "/tmp";
const TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06";

/**
 * ModelService on ECS Fargate: tasks in private subnets behind a load balancer that is internal unless
 * public is asked (then open to the allowed CIDRs only), zero-downtime rolling deployments that roll
 * back on failure, autoscaling on CPU and requests per target, and alarms on 5xx and latency.
 */
export class EcsService extends ServiceComponent {
    readonly runtime = "ecs" as const;
    readonly service: Service;
    readonly loadBalancer: LoadBalancer;

    constructor(name: string, args: ResolvedServiceArgs, opts: pulumi.ComponentResourceOptions, foundation: FoundationPlacement) {
        super("model-service:aws:EcsService", name, {}, opts);
        const f = createAwsFoundation(foundation, args, this);
        const { child, artifact, image, secrets } = f;
        const { port, healthRoute, predictRoute } = args.serving;
        const https = args.aws.certificateArn !== undefined;

        const network = createNetwork(name, args, child);
        const logGroup = new LogGroup(`${name}-logs`, { name: `/model-service/${stackUniqueName([serviceKey(args), pulumi.getStack()], 63)}`, retentionInDays: args.logRetentionDays }, { ...child, protect: args.protect });

        const task = createServingRole(`${name}-task-role`, "ecs-tasks.amazonaws.com", [...readArtifact(artifact.bucketArn, artifact.prefix), ...putMetrics(["model-service/*"])], child, "Model server task: reads only its model artifact");
        const execution = createServingRole(
            `${name}-execution-role`,
            "ecs-tasks.amazonaws.com",
            [...(image.repositoryArn ? pullImage(image.repositoryArn) : []), ...writeLogs(logGroup.arn), ...readSecrets(Object.values(secrets).map((s) => s.arn))],
            child,
            "ECS agent for the model server: pulls its image, writes its logs, reads its secrets",
        );

        // Load balancer -> tasks on the container port only; clients -> load balancer on its listener ports only.
        const lbSg = new SecurityGroup(`${name}-lb`, { vpcId: network.vpcId, description: "Model service load balancer" }, child);
        const taskSg = new SecurityGroup(`${name}-tasks`, { vpcId: network.vpcId, description: "Model service tasks: only the load balancer may connect" }, child);
        const clients = args.network.public ? [...args.network.allowedCidrs] : args.network.allowedCidrs.length > 0 ? [...args.network.allowedCidrs] : [network.vpcCidr];
        const listenerPorts = https ? [443, 80] : [80];
        const rules: pulumi.Resource[] = [];
        clients.forEach((cidr, i) =>
            listenerPorts.forEach((listenerPort) =>
                rules.push(new SecurityGroupIngressRule(`${name}-lb-in-${listenerPort}-${i}`, { securityGroupId: lbSg.id, cidrIpv4: cidr, ipProtocol: "tcp", fromPort: listenerPort, toPort: listenerPort, description: "Clients to the load balancer" }, child)),
            ),
        );
        rules.push(
            new SecurityGroupEgressRule(`${name}-lb-out`, { securityGroupId: lbSg.id, referencedSecurityGroupId: taskSg.id, ipProtocol: "tcp", fromPort: port, toPort: port, description: "Load balancer to tasks" }, child),
            new SecurityGroupIngressRule(`${name}-tasks-in`, { securityGroupId: taskSg.id, referencedSecurityGroupId: lbSg.id, ipProtocol: "tcp", fromPort: port, toPort: port, description: "Load balancer to tasks" }, child),
            // Tasks call AWS APIs (ECR, S3, logs, secrets) over HTTPS, through NAT or VPC endpoints.
            new SecurityGroupEgressRule(`${name}-tasks-out`, { securityGroupId: taskSg.id, cidrIpv4: "0.0.0.0/0", ipProtocol: "tcp", fromPort: 443, toPort: 443, description: "HTTPS to AWS APIs" }, child),
        );

        this.loadBalancer = new LoadBalancer(
            autonamedLogicalName("aws:lb/loadBalancer:LoadBalancer", name, "lb"),
            {
                internal: !args.network.public,
                loadBalancerType: "application",
                securityGroups: [lbSg.id],
                subnets: args.network.public ? network.publicSubnetIds : network.privateSubnetIds,
                dropInvalidHeaderFields: true,
                enableDeletionProtection: args.protect,
                idleTimeout: 120,
            },
            // `internal` cannot change in place: toggling public replaces the load balancer, and AWS refuses to delete
            // one with deletion protection. Protected, the old one is left behind (and named in the README) instead.
            { ...child, dependsOn: network.ready, retainOnDelete: args.protect },
        );
        const targetGroup = (suffix: string) =>
            new TargetGroup(
                autonamedLogicalName("aws:lb/targetGroup:TargetGroup", name, suffix),
                {
                    vpcId: network.vpcId,
                    targetType: "ip",
                    port,
                    protocol: "HTTP",
                    deregistrationDelay: 30,
                    healthCheck: { path: healthRoute, port: "traffic-port", matcher: "200", interval: 15, healthyThreshold: 2, unhealthyThreshold: 3, timeout: 5 },
                },
                child,
            );
        const targets = targetGroup("targets");
        const alternate = shiftsTraffic(args) ? targetGroup("targets-alt") : undefined;
        // With ECS shifting traffic, the production rule forwards everything; the listener's default answers nothing.
        const serve: ListenerArgs["defaultActions"] = alternate
            ? [{ type: "fixed-response", fixedResponse: { contentType: "text/plain", messageBody: "Not found", statusCode: "404" } }]
            : [{ type: "forward", targetGroupArn: targets.arn }];
        // The listener that serves: HTTPS when a certificate is configured (plain HTTP then only redirects), else HTTP.
        const serving = https
            ? new Listener(`${name}-https`, { loadBalancerArn: this.loadBalancer.arn, port: 443, protocol: "HTTPS", sslPolicy: TLS_POLICY, certificateArn: args.aws.certificateArn, defaultActions: serve }, child)
            : new Listener(`${name}-http`, { loadBalancerArn: this.loadBalancer.arn, port: 80, protocol: "HTTP", defaultActions: serve }, child);
        const listeners = https
            ? [serving, new Listener(`${name}-http-redirect`, { loadBalancerArn: this.loadBalancer.arn, port: 80, protocol: "HTTP", defaultActions: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }] }, child)]
            : [serving];

        const shifting = alternate ? createTrafficShifting(name, args.region, serving.arn, targets, alternate, child) : undefined;

        const size = SIZES[args.compute.size];
        const containerDefinitions = pulumi
            .all([image.uri, artifact.uri, logGroup.name, pulumi.all(Object.fromEntries(Object.entries(secrets).map(([k, s]) => [k, s.arn])))])
            .apply(([imageUri, modelUri, logGroupName, secretArns]) =>
                JSON.stringify([
                    {
                        name: CONTAINER,
                        image: imageUri,
                        essential: true,
                        portMappings: [{ containerPort: port, protocol: "tcp" }],
                        readonlyRootFilesystem: true,
                        mountPoints: [{ sourceVolume: "tmp", containerPath: WRITABLE_PATH, readOnly: false }],
                        environment: Object.entries(servingEnvironment(args, modelUri) as Record<string, string>)
                            .sort(([a], [b]) => a.localeCompare(b))
                            .map(([key, value]) => ({ name: key, value })),
                        // Values stay in Secrets Manager; the agent injects them at start.
                        secrets: Object.entries(secretEnvironment("value", secretArns)).map(([name, arn]) => ({ name, valueFrom: arn })),
                        logConfiguration: { logDriver: "awslogs", options: { "awslogs-group": logGroupName, "awslogs-region": args.region, "awslogs-stream-prefix": CONTAINER } },
                    },
                ]),
            );
        const taskDefinition = new TaskDefinition(
            `${name}-task`,
            {
                family: stackUniqueName([serviceKey(args), pulumi.getStack()], 255),
                requiresCompatibilities: ["FARGATE"],
                networkMode: "awsvpc",
                cpu: String(size.vcpu * 1024),
                memory: String(size.memoryMiB),
                runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: "X86_64" },
                taskRoleArn: task.role.arn,
                executionRoleArn: execution.role.arn,
                volumes: [{ name: "tmp" }],
                containerDefinitions,
            },
            { ...child, dependsOn: [task.policy, execution.policy] },
        );
        const cluster = new Cluster(`${name}-cluster`, { settings: [{ name: "containerInsights", value: "enabled" }] }, child);
        // The load balancer serves this service only: its metrics cover the old and the new tasks during a canary.
        const dimensions = { LoadBalancer: this.loadBalancer.arnSuffix };
        const topic = createAlarmTopic(name, args, child);
        const notify = alarmActions(topic);
        const errors = createRollbackAlarm(`${name}-5xx`, args, "targets answer with 5xx", { namespace: "AWS/ApplicationELB", metricName: "HTTPCode_Target_5XX_Count", dimensions, statistic: "Sum", threshold: MAX_ERRORS_PER_MINUTE }, topic, child);
        const latency = createRollbackAlarm(
            `${name}-latency-p99`,
            args,
            `p99 target response time above ${args.alarms.latencyP99Ms} ms`,
            // TargetResponseTime is reported in seconds.
            { namespace: "AWS/ApplicationELB", metricName: "TargetResponseTime", dimensions, extendedStatistic: "p99", threshold: args.alarms.latencyP99Ms / 1000 },
            topic,
            child,
        );

        this.service = new Service(
            `${name}-service`,
            {
                cluster: cluster.arn,
                taskDefinition: taskDefinition.arn,
                launchType: "FARGATE",
                desiredCount: args.scaling.minReplicas,
                deploymentCircuitBreaker: { enable: true, rollback: true },
                deploymentConfiguration: deploymentConfiguration(args),
                // A deployment that trips the 5xx or latency alarm is rolled back, not only one that fails to start.
                alarms: { alarmNames: [errors.name, latency.name], enable: true, rollback: true },
                deploymentMinimumHealthyPercent: 100,
                deploymentMaximumPercent: 200,
                healthCheckGracePeriodSeconds: 60,
                networkConfiguration: { subnets: network.privateSubnetIds, securityGroups: [taskSg.id], assignPublicIp: false },
                loadBalancers: [
                    {
                        targetGroupArn: targets.arn,
                        containerName: CONTAINER,
                        containerPort: port,
                        advancedConfiguration: shifting && { alternateTargetGroupArn: shifting.alternate.arn, productionListenerRule: shifting.productionRule.arn, roleArn: shifting.role.arn },
                    },
                ],
                propagateTags: "SERVICE",
                enableEcsManagedTags: true,
                waitForSteadyState: true,
            },
            // Autoscaling owns the running count after the first deployment; with traffic shifting, ECS swaps
            // which target group is the primary one after each deployment.
            // The provider waits for a steady state 20 minutes by default; a canary or linear rollout bakes longer.
            {
                ...child,
                dependsOn: [...listeners, ...rules, ...network.ready, ...(shifting?.ready ?? [])],
                ignoreChanges: shifting ? ["desiredCount", "loadBalancers"] : ["desiredCount"],
                customTimeouts: ecsServiceTimeouts(args.rollout),
                // ignoreChanges keeps a live service's loadBalancers, so a switch between rolling and traffic shifting
                // could never add or drop the alternate target group: it replaces the service (a new one first).
                // Rolling services carry no trigger, so their existing stacks see no change.
                ...(shifting ? { replacementTrigger: "ecs-traffic-shifting" } : {}),
            },
        );
        // A rolled-back deployment is a steady state too: fail the update unless the requested task definition serves.
        const servingVersion = checkEcsRollout(args, { service: this.service, cluster: cluster.arn, taskDefinitionArn: taskDefinition.arn, alarms: [errors, latency] });

        // Watched, not a rollback trigger: a deployment never drops the running count. Scaled to zero, none is expected.
        const noTasks =
            args.scaling.minReplicas > 0
                ? new MetricAlarm(
                      `${name}-no-tasks`,
                      {
                          alarmDescription: `Model service ${args.model.name}: no task running`,
                          namespace: "ECS/ContainerInsights",
                          metricName: "RunningTaskCount",
                          dimensions: { ClusterName: cluster.name, ServiceName: this.service.name },
                          statistic: "Maximum",
                          period: 60,
                          evaluationPeriods: 3,
                          threshold: 1,
                          comparisonOperator: "LessThanThreshold",
                          treatMissingData: "breaching",
                          ...notify,
                      },
                      child,
                  )
                : undefined;

        const scaling = new ScalingTarget(
            `${name}-scaling-target`,
            {
                serviceNamespace: "ecs",
                resourceId: pulumi.interpolate`service/${cluster.name}/${this.service.name}`,
                scalableDimension: "ecs:service:DesiredCount",
                minCapacity: args.scaling.minReplicas,
                maxCapacity: args.scaling.maxReplicas,
            },
            child,
        );
        type Tracking = Pick<appautoscaling.PolicyTargetTrackingScalingPolicyConfiguration, "predefinedMetricSpecification" | "customizedMetricSpecification">;
        const track = (suffix: string, targetValue: number, metric: Tracking) =>
            new ScalingPolicy(
                `${name}-scale-on-${suffix}`,
                {
                    policyType: "TargetTrackingScaling",
                    serviceNamespace: scaling.serviceNamespace,
                    resourceId: scaling.resourceId,
                    scalableDimension: scaling.scalableDimension,
                    targetTrackingScalingPolicyConfiguration: { targetValue, ...metric, scaleInCooldown: 300, scaleOutCooldown: 60 },
                },
                child,
            );
        const cpuPolicy = track("cpu", 60, { predefinedMetricSpecification: { predefinedMetricType: "ECSServiceAverageCPUUtilization" } });
        const requestPolicy = track(
            "requests",
            args.scaling.targetRequestsPerMinute,
            shifting
                ? // The primary target group changes with every deployment: count the load balancer's requests per running task.
                  { customizedMetricSpecification: requestsPerTask(this.loadBalancer.arnSuffix, cluster.name, this.service.name) }
                : { predefinedMetricSpecification: { predefinedMetricType: "ALBRequestCountPerTarget", resourceLabel: pulumi.interpolate`${this.loadBalancer.arnSuffix}/${targets.arnSuffix}` } },
        );

        const fromZero = args.scaling.minReplicas === 0 ? createScaleFromZero(name, scaling, { loadBalancer: this.loadBalancer.arnSuffix, clusterName: cluster.name, serviceName: this.service.name }, child) : undefined;

        const scheme = https ? "https" : "http";
        const endpointUrl = pulumi.interpolate`${scheme}://${this.loadBalancer.dnsName}${predictRoute}`;
        const invoke = endpointUrl.apply((url) => ({
            auth: "none",
            reachability: args.network.public ? ("internet" as const) : ("private-network" as const),
            example: `curl -sS -X POST -H 'Content-Type: application/json' --data @request.json ${url}`,
            note: args.network.public
                ? `Reachable from ${args.network.allowedCidrs.join(", ")} only; the load balancer does not authenticate callers.`
                : "Reachable only from inside the VPC (internal load balancer); the load balancer does not authenticate callers.",
        }));
        this.publish({
            endpointUrl,
            invoke,
            artifactUri: artifact.uri,
            imageUri: image.uri,
            servingVersion,
            children: {
                ...awsFoundationChildren(f),
                logGroup,
                taskRole: task.role,
                executionRole: execution.role,
                loadBalancer: this.loadBalancer,
                targetGroup: targets,
                cluster,
                taskDefinition,
                service: this.service,
                scalingTarget: scaling,
                cpuScalingPolicy: cpuPolicy,
                requestScalingPolicy: requestPolicy,
                errorAlarm: errors,
                latencyAlarm: latency,
                ...(noTasks ? { noTasksAlarm: noTasks } : {}),
                ...(fromZero ? { scaleFromZeroPolicy: fromZero.policy, scaleFromZeroAlarm: fromZero.alarm } : {}),
            },
        });
    }
}

/** Requests per minute per running task, from the load balancer's count and Container Insights' task count. */
function requestsPerTask(loadBalancer: pulumi.Input<string>, clusterName: pulumi.Input<string>, serviceName: pulumi.Input<string>): appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationCustomizedMetricSpecification {
    return {
        metrics: [
            { id: "requests", metricStat: { metric: { namespace: "AWS/ApplicationELB", metricName: "RequestCount", dimensions: [{ name: "LoadBalancer", value: loadBalancer }] }, stat: "Sum" }, returnData: false },
            {
                id: "tasks",
                metricStat: {
                    metric: { namespace: "ECS/ContainerInsights", metricName: "RunningTaskCount", dimensions: [{ name: "ClusterName", value: clusterName }, { name: "ServiceName", value: serviceName }] },
                    stat: "Average",
                },
                returnData: false,
            },
            { id: "perTask", expression: "requests / tasks", label: "Requests per task per minute", returnData: true },
        ],
    };
}

export const createEcsService: ImplementationFactory = (name, args, opts, foundation) => new EcsService(name, args, opts, foundation);
