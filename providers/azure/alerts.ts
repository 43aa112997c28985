import * as pulumi from "@pulumi/pulumi";
import { ActionGroup } from "@pulumi/azure-native/monitor/actionGroup";
import { MetricAlert } from "@pulumi/azure-native/monitor/metricAlert";
import type * as inputs from "@pulumi/azure-native/types/input";
import type { ResolvedServiceArgs } from "../../components/contract";
import { MAX_ERRORS_PER_MINUTE } from "../../components/observability";

type Criterion = inputs.monitor.MetricCriteriaArgs;

/** Where the alerts live and whom they tell. */
export interface AzureAlertTarget {
    readonly resourceGroupName: pulumi.Input<string>;
    readonly tags: Record<string, string>;
    /** The action group mailing `alarmEmails`; none when nobody is to be told. */
    readonly actionGroup?: ActionGroup;
}

/** An action group mailing the alarm recipients, or none when there are none. */
export function createActionGroup(name: string, args: ResolvedServiceArgs, resourceGroupName: pulumi.Input<string>, tags: Record<string, string>, opts: pulumi.CustomResourceOptions): ActionGroup | undefined {
    if (args.alarms.emails.length === 0) return undefined;
    return new ActionGroup(
        `${name}-alarms`,
        {
            resourceGroupName,
            location: "Global",
            enabled: true,
            // At most 12 characters: it prefixes SMS and push messages.
            groupShortName: args.model.name.slice(0, 12),
            emailReceivers: args.alarms.emails.map((emailAddress, i) => ({ name: `email-${i}`, emailAddress, useCommonAlertSchema: true })),
            tags,
        },
        opts,
    );
}

/** One Azure Monitor metric alert on one resource, evaluated every minute over five. */
export function metricAlert(name: string, target: AzureAlertTarget, scope: pulumi.Input<string>, description: string, severity: number, criterion: Omit<Criterion, "criterionType" | "name">, opts: pulumi.CustomResourceOptions): MetricAlert {
    return new MetricAlert(
        name,
        {
            resourceGroupName: target.resourceGroupName,
            location: "global",
            description,
            severity,
            enabled: true,
            scopes: [scope],
            evaluationFrequency: "PT1M",
            windowSize: "PT5M",
            autoMitigate: true,
            criteria: { odataType: "Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria", allOf: [{ ...criterion, criterionType: "StaticThresholdCriterion", name: "condition" }] },
            actions: target.actionGroup ? [{ actionGroupId: target.actionGroup.id }] : [],
            tags: target.tags,
        },
        opts,
    );
}

/**
 * Azure Monitor alerts for an Azure ML managed online endpoint: 5xx answers and p99 latency on the
 * endpoint, and no instance in the deployment.
 */
export function createAzureMlAlerts(name: string, args: ResolvedServiceArgs, target: AzureAlertTarget, endpointId: pulumi.Input<string>, deploymentId: pulumi.Input<string>, opts: pulumi.CustomResourceOptions): MetricAlert[] {
    const endpoints = "Microsoft.MachineLearningServices/workspaces/onlineEndpoints";
    return [
        metricAlert(`${name}-errors`, target, endpointId, `${args.model.name}: the endpoint answers with 5xx`, 1, {
            metricNamespace: endpoints,
            metricName: "RequestsPerMinute",
            dimensions: [{ name: "statusCodeClass", operator: "Include", values: ["5xx"] }],
            timeAggregation: "Average",
            operator: "GreaterThan",
            threshold: MAX_ERRORS_PER_MINUTE,
        }, opts),
        metricAlert(`${name}-latency-p99`, target, endpointId, `${args.model.name}: p99 latency above ${args.alarms.latencyP99Ms} ms`, 2, {
            metricNamespace: endpoints,
            metricName: "RequestLatency_P99",
            timeAggregation: "Average",
            operator: "GreaterThan",
            threshold: args.alarms.latencyP99Ms,
        }, opts),
        metricAlert(`${name}-no-instances`, target, deploymentId, `${args.model.name}: no instance in the deployment`, 0, {
            metricNamespace: `${endpoints}/deployments`,
            metricName: "DeploymentCapacity",
            timeAggregation: "Minimum",
            operator: "LessThan",
            threshold: 1,
        }, opts),
    ];
}

/**
 * Azure Monitor alert for the workload on AKS from the cluster's platform metrics: no pod of the
 * service's namespace ready (the ready condition's average over the pods is the ready fraction).
 */
export function createAksPlatformAlerts(name: string, args: ResolvedServiceArgs, target: AzureAlertTarget, clusterId: pulumi.Input<string>, namespace: pulumi.Input<string>, opts: pulumi.CustomResourceOptions): MetricAlert[] {
    return [
        metricAlert(`${name}-no-ready-pods`, target, clusterId, `${args.model.name}: no ready pod in namespace ${args.model.name}`, 0, {
            metricNamespace: "Microsoft.ContainerService/managedClusters",
            metricName: "kube_pod_status_ready",
            dimensions: [
                { name: "namespace", operator: "Include", values: [namespace] },
                { name: "condition", operator: "Include", values: ["true"] },
            ],
            timeAggregation: "Average",
            operator: "LessThanOrEqual",
            threshold: 0,
        }, opts),
    ];
}
