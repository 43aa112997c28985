import * as pulumi from "@pulumi/pulumi";
import { Policy as ScalingPolicy } from "@pulumi/aws/appautoscaling/policy";
import type { Target as ScalingTarget } from "@pulumi/aws/appautoscaling/target";
import { MetricAlarm } from "@pulumi/aws/cloudwatch/metricAlarm";

/**
 * The way out of zero tasks. Target tracking cannot scale out from zero: with no task there is no CPU and no
 * request count per target to track (https://docs.aws.amazon.com/autoscaling/application/userguide/application-auto-scaling-target-tracking.html).
 * The load balancer still counts the requests it answers with 503, so an alarm on "requests arrive and no task
 * runs" starts one task through a step policy; target tracking takes over from there.
 */
export function createScaleFromZero(
    name: string,
    target: ScalingTarget,
    metrics: { loadBalancer: pulumi.Input<string>; clusterName: pulumi.Input<string>; serviceName: pulumi.Input<string> },
    opts: pulumi.CustomResourceOptions,
): { policy: ScalingPolicy; alarm: MetricAlarm } {
    const policy = new ScalingPolicy(
        `${name}-scale-from-zero`,
        {
            policyType: "StepScaling",
            serviceNamespace: target.serviceNamespace,
            resourceId: target.resourceId,
            scalableDimension: target.scalableDimension,
            stepScalingPolicyConfiguration: {
                // Exactly one task: the alarm breaches only while none runs, and target tracking sizes the fleet after.
                adjustmentType: "ExactCapacity",
                cooldown: 120,
                metricAggregationType: "Maximum",
                stepAdjustments: [{ metricIntervalLowerBound: "0", scalingAdjustment: 1 }],
            },
        },
        opts,
    );
    const alarm = new MetricAlarm(
        `${name}-requests-while-idle`,
        {
            alarmDescription: "Requests reach the load balancer while no task runs: start one",
            comparisonOperator: "GreaterThanOrEqualToThreshold",
            threshold: 1,
            evaluationPeriods: 1,
            datapointsToAlarm: 1,
            treatMissingData: "notBreaching",
            metricQueries: [
                { id: "requests", metric: { namespace: "AWS/ApplicationELB", metricName: "RequestCount", dimensions: { LoadBalancer: metrics.loadBalancer }, stat: "Sum", period: 60 }, returnData: false },
                {
                    id: "tasks",
                    metric: { namespace: "ECS/ContainerInsights", metricName: "RunningTaskCount", dimensions: { ClusterName: metrics.clusterName, ServiceName: metrics.serviceName }, stat: "Maximum", period: 60 },
                    returnData: false,
                },
                { id: "idleWithRequests", expression: "IF(FILL(requests, 0) > 0 AND FILL(tasks, 0) < 1, 1, 0)", label: "Requests while no task runs", returnData: true },
            ],
            alarmActions: [policy.arn],
        },
        opts,
    );
    return { policy, alarm };
}
