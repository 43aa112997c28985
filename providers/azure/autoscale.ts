import type * as pulumi from "@pulumi/pulumi";
import { AutoscaleSetting } from "@pulumi/azure-native/monitor/autoscaleSetting";
import type { ResolvedServiceArgs } from "../../components/contract";

/** CPU above this, averaged over the deployment's instances for 5 minutes, adds an instance. */
export const SCALE_OUT_CPU_PERCENT = 70;

/**
 * Azure Monitor autoscale for a managed online deployment, which Azure ML itself scales only to its
 * fixed instance count (managed deployments take scaleType Default alone; TargetUtilization is for
 * Kubernetes online deployments): https://learn.microsoft.com/azure/machine-learning/how-to-autoscale-endpoints.
 * Between minReplicas and maxReplicas: one more instance when the deployment's requests per instance
 * pass targetRequestsPerMinute or its CPU passes 70%, one fewer when requests fall under half the target.
 */
export function createAzureMlAutoscale(
    name: string,
    args: ResolvedServiceArgs,
    target: { resourceGroupName: pulumi.Input<string>; tags: Record<string, string> },
    endpointId: pulumi.Input<string>,
    deployment: { id: pulumi.Input<string>; name: pulumi.Input<string> },
    opts: pulumi.CustomResourceOptions,
): AutoscaleSetting {
    const endpointMetric = { metricResourceUri: endpointId, metricNamespace: "Microsoft.MachineLearningServices/workspaces/onlineEndpoints", metricName: "RequestsPerMinute" };
    const requests = {
        ...endpointMetric,
        dimensions: [{ dimensionName: "deployment", operator: "Equals" as const, values: [deployment.name] }],
        dividePerInstance: true,
        statistic: "Average" as const,
        timeAggregation: "Average" as const,
        timeGrain: "PT1M",
        timeWindow: "PT5M",
    };
    const step = (direction: "Increase" | "Decrease", cooldown: string) => ({ direction, type: "ChangeCount" as const, value: "1", cooldown });
    return new AutoscaleSetting(
        name,
        {
            resourceGroupName: target.resourceGroupName,
            location: args.region,
            targetResourceUri: deployment.id,
            enabled: true,
            profiles: [
                {
                    name: "replicas",
                    capacity: { minimum: String(args.scaling.minReplicas), maximum: String(args.scaling.maxReplicas), default: String(args.scaling.minReplicas) },
                    rules: [
                        { metricTrigger: { ...requests, operator: "GreaterThan", threshold: args.scaling.targetRequestsPerMinute }, scaleAction: step("Increase", "PT5M") },
                        {
                            metricTrigger: {
                                metricResourceUri: deployment.id,
                                metricNamespace: "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments",
                                metricName: "CpuUtilizationPercentage",
                                statistic: "Average",
                                timeAggregation: "Average",
                                timeGrain: "PT1M",
                                timeWindow: "PT5M",
                                operator: "GreaterThan",
                                threshold: SCALE_OUT_CPU_PERCENT,
                            },
                            scaleAction: step("Increase", "PT5M"),
                        },
                        { metricTrigger: { ...requests, timeWindow: "PT10M", operator: "LessThan", threshold: Math.floor(args.scaling.targetRequestsPerMinute / 2) }, scaleAction: step("Decrease", "PT10M") },
                    ],
                },
            ],
            tags: target.tags,
        },
        opts,
    );
}
