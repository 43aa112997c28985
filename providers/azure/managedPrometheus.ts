import * as pulumi from "@pulumi/pulumi";
import { PrometheusRuleGroup } from "@pulumi/azure-native/alertsmanagement/prometheusRuleGroup";
import { AzureMonitorWorkspace } from "@pulumi/azure-native/monitor/azureMonitorWorkspace";
import { DataCollectionEndpoint } from "@pulumi/azure-native/monitor/dataCollectionEndpoint";
import { DataCollectionRule } from "@pulumi/azure-native/monitor/dataCollectionRule";
import { DataCollectionRuleAssociation } from "@pulumi/azure-native/monitor/dataCollectionRuleAssociation";
import { CustomResource } from "@pulumi/kubernetes/apiextensions/customResource";
import { AZURE_TYPES } from "../../components/cloudRules/azure";
import type { ResolvedServiceArgs } from "../../components/contract";
import { MAX_ERRORS_PER_MINUTE, POINT_WINDOW, badOfLastAlert, errorsPerMinuteQuery, latencyP99MsQuery } from "../../components/observability";
import { autonamedLogicalName } from "../../components/physicalName";
import type { AzureAlertTarget } from "./alerts";

/** The workload as the scrape and the rules see it. */
export interface ScrapedWorkload {
    readonly namespace: pulumi.Input<string>;
    readonly podSelector: Record<string, string>;
    /** The container port's name: a PodMonitor names its port. */
    readonly portName: string;
}

/**
 * The Azure Monitor workspace the model server's metrics go to (the rollout guard reads it too).
 */
export function createPrometheusWorkspace(name: string, args: ResolvedServiceArgs, target: Pick<AzureAlertTarget, "resourceGroupName" | "tags">, opts: pulumi.CustomResourceOptions): AzureMonitorWorkspace {
    return new AzureMonitorWorkspace(`${name}-prometheus`, { resourceGroupName: target.resourceGroupName, location: args.region, tags: target.tags }, opts);
}

/**
 * Azure Monitor managed Prometheus for an AKS cluster (whose azureMonitorProfile turns the metrics
 * add-on on): into the workspace, the data collection endpoint and rule the add-on sends through, their
 * association with the cluster, a PodMonitor scraping the model server's /metrics, and alert rules on
 * its 5xx rate and p99 latency on the predict route. The internal L4 load balancer reports neither.
 */
export function createAksManagedPrometheus(
    name: string,
    args: ResolvedServiceArgs,
    target: AzureAlertTarget,
    workspace: AzureMonitorWorkspace,
    cluster: { readonly id: pulumi.Input<string>; readonly name: pulumi.Input<string> },
    workload: ScrapedWorkload,
    opts: pulumi.CustomResourceOptions,
    kubernetesOpts: pulumi.CustomResourceOptions,
) {
    const { resourceGroupName, tags } = target;
    const location = args.region;
    // azure-native appends 8 characters to these logical names: fitted to the APIs' 44 and 64 (issue 14 item 8).
    const endpoint = new DataCollectionEndpoint(autonamedLogicalName(AZURE_TYPES.dataCollectionEndpoint, name, "prometheus-dce"), { resourceGroupName, location, kind: "Linux", tags }, opts);
    const rule = new DataCollectionRule(
        autonamedLogicalName(AZURE_TYPES.dataCollectionRule, name, "prometheus-dcr"),
        {
            resourceGroupName,
            location,
            kind: "Linux",
            dataCollectionEndpointId: endpoint.id,
            dataSources: { prometheusForwarder: [{ name: "PrometheusDataSource", streams: ["Microsoft-PrometheusMetrics"], labelIncludeFilter: {} }] },
            destinations: { monitoringAccounts: [{ name: "MonitoringAccount1", accountResourceId: workspace.id }] },
            dataFlows: [{ streams: ["Microsoft-PrometheusMetrics"], destinations: ["MonitoringAccount1"] }],
            tags,
        },
        opts,
    );
    const ruleAssociation = new DataCollectionRuleAssociation(
        `${name}-prometheus-dcra`,
        { resourceUri: cluster.id, associationName: pulumi.interpolate`MSProm-${location}-${cluster.name}`, dataCollectionRuleId: rule.id },
        opts,
    );
    // The add-on reads its configuration through the endpoint; Azure requires this association name.
    const endpointAssociation = new DataCollectionRuleAssociation(
        `${name}-prometheus-dcea`,
        { resourceUri: cluster.id, associationName: "configurationAccessEndpoint", dataCollectionEndpointId: endpoint.id },
        opts,
    );
    const podMonitor = new CustomResource(
        `${name}-pod-monitor`,
        {
            apiVersion: "azmonitoring.coreos.com/v1",
            kind: "PodMonitor",
            metadata: { namespace: workload.namespace, name: "model-server" },
            spec: { selector: { matchLabels: workload.podSelector }, podMetricsEndpoints: [{ port: workload.portName, path: "/metrics", interval: "30s" }] },
        },
        kubernetesOpts,
    );
    const where = pulumi.interpolate`namespace="${workload.namespace}"`;
    const actions = target.actionGroup ? [{ actionGroupId: target.actionGroup.id }] : [];
    const rules = new PrometheusRuleGroup(
        `${name}-prometheus-alerts`,
        {
            resourceGroupName,
            location,
            description: `${args.model.name}: model server errors and latency`,
            scopes: [workspace.id, cluster.id],
            clusterName: cluster.name,
            enabled: true,
            interval: "PT1M",
            rules: [
                {
                    alert: "ModelServerErrors",
                    // No `for`: the expression counts bad points itself (a `for` would ask for consecutive ones).
                    expression: where.apply((w) => badOfLastAlert(`${errorsPerMinuteQuery(w, POINT_WINDOW)} > ${MAX_ERRORS_PER_MINUTE}`)),
                    severity: 1,
                    annotations: { description: `${args.model.name}: more than ${MAX_ERRORS_PER_MINUTE} server errors a minute` },
                    actions,
                    resolveConfiguration: { autoResolved: true, timeToResolve: "PT10M" },
                },
                {
                    alert: "ModelServerLatencyP99",
                    expression: where.apply((w) => badOfLastAlert(`${latencyP99MsQuery(`${w},route="${args.serving.predictRoute}"`, POINT_WINDOW)} > ${args.alarms.latencyP99Ms}`)),
                    severity: 2,
                    annotations: { description: `${args.model.name}: p99 latency above ${args.alarms.latencyP99Ms} ms` },
                    actions,
                    resolveConfiguration: { autoResolved: true, timeToResolve: "PT10M" },
                },
            ],
            tags,
        },
        { ...opts, dependsOn: [ruleAssociation, endpointAssociation, podMonitor] },
    );
    return { endpoint, rule, ruleAssociation, endpointAssociation, podMonitor, rules };
}
