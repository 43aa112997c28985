import * as pulumi from "@pulumi/pulumi";
import { AlertPolicy } from "@pulumi/gcp/monitoring/alertPolicy";
import { NotificationChannel } from "@pulumi/gcp/monitoring/notificationChannel";
import type { monitoring } from "@pulumi/gcp/types/input";
import type { ResolvedServiceArgs } from "../../components/contract";
import { MAX_ERRORS_PER_MINUTE, POINT_WINDOW, badOfLastAlert, errorsPerMinuteQuery, latencyP99MsQuery } from "../../components/observability";

/** Email channels for the configured addresses; a GCP alert without channels still shows in the console. */
export function emailChannels(name: string, args: ResolvedServiceArgs, purpose: string, emails: readonly string[], opts: pulumi.CustomResourceOptions): NotificationChannel[] {
    return emails.map((email, i) => new NotificationChannel(`${name}-${purpose}-email-${i}`, { type: "email", displayName: `${purpose}: ${email}`, labels: { email_address: email }, project: args.gcp.project }, opts));
}

/**
 * Cloud Monitoring alerts for a Vertex AI endpoint: prediction errors, p99 latency over the threshold,
 * and no replica serving.
 */
export function createVertexAlerts(name: string, args: ResolvedServiceArgs, endpointId: pulumi.Input<string>, opts: pulumi.CustomResourceOptions): AlertPolicy[] {
    const alert = alerter(name, args, opts);
    const scope = pulumi.interpolate`resource.type = "aiplatform.googleapis.com/Endpoint" AND resource.labels.endpoint_id = "${endpointId}"`;
    const policy = (suffix: string, displayName: string, metric: string, aligner: string, comparison: string, thresholdValue: number) =>
        alert(suffix, displayName, {
            conditionThreshold: {
                filter: pulumi.interpolate`metric.type = "${metric}" AND ${scope}`,
                aggregations: [{ alignmentPeriod: "60s", perSeriesAligner: aligner }],
                comparison,
                thresholdValue,
                duration: "180s",
            },
        });
    return [
        policy("errors", "prediction errors", "aiplatform.googleapis.com/prediction/online/error_count", "ALIGN_SUM", "COMPARISON_GT", MAX_ERRORS_PER_MINUTE),
        policy("latency-p99", `p99 latency above ${args.alarms.latencyP99Ms} ms`, "aiplatform.googleapis.com/prediction/online/prediction_latencies", "ALIGN_PERCENTILE_99", "COMPARISON_GT", args.alarms.latencyP99Ms),
        policy("no-replicas", "no replica serving", "aiplatform.googleapis.com/prediction/online/replicas", "ALIGN_MEAN", "COMPARISON_LT", 1),
    ];
}

/** Where a GKE workload's Prometheus series live: the labels Managed Service for Prometheus puts on them. */
export interface GkeAlertScope {
    readonly cluster: pulumi.Input<string>;
    readonly namespace: pulumi.Input<string>;
    readonly deployment: pulumi.Input<string>;
}

/**
 * Cloud Monitoring PromQL alerts for the workload on GKE: no available replica of the Deployment (GKE's
 * kube state metrics, on by default on Autopilot), and the model server's own 5xx rate and p99 latency
 * on the predict route (its /metrics, scraped by Managed Service for Prometheus through a PodMonitoring).
 * The internal passthrough load balancer in front of the pods reports neither.
 */
export function createGkeAlerts(name: string, args: ResolvedServiceArgs, scope: GkeAlertScope, opts: pulumi.CustomResourceOptions): AlertPolicy[] {
    const alert = alerter(name, args, opts);
    const where = pulumi.interpolate`cluster="${scope.cluster}",namespace="${scope.namespace}"`;
    // `duration` absent: the bad-of-last expressions count their own points; a duration would ask for consecutive ones.
    const policy = (suffix: string, displayName: string, query: pulumi.Input<string>, duration?: string) =>
        alert(suffix, displayName, {
            conditionPrometheusQueryLanguage: {
                query,
                ...(duration ? { duration } : {}),
                evaluationInterval: "60s",
                // The server's series exist only once it has been scraped; the policy is created before.
                disableMetricValidation: true,
            },
        });
    const predict = pulumi.interpolate`${where},route="${args.serving.predictRoute}"`;
    return [
        policy("errors", "server errors", where.apply((w) => badOfLastAlert(`${errorsPerMinuteQuery(w, POINT_WINDOW)} > ${MAX_ERRORS_PER_MINUTE}`))),
        policy("latency-p99", `p99 latency above ${args.alarms.latencyP99Ms} ms`, predict.apply((w) => badOfLastAlert(`${latencyP99MsQuery(w, POINT_WINDOW)} > ${args.alarms.latencyP99Ms}`))),
        // `or vector(0)`: a Deployment that vanished, or series that stopped, alarms too.
        policy(
            "no-replicas",
            "no replica available",
            pulumi.interpolate`(sum(kube_deployment_status_replicas_available{${where},deployment="${scope.deployment}"}) or vector(0)) < 1`,
            "300s",
        ),
    ];
}

/** One alert policy of this service per condition, to the alarm recipients' email channels. */
function alerter(name: string, args: ResolvedServiceArgs, opts: pulumi.CustomResourceOptions) {
    const channels = emailChannels(name, args, "alarms", args.alarms.emails, opts).map((c) => c.id);
    return (suffix: string, displayName: string, condition: Omit<monitoring.AlertPolicyCondition, "displayName">) =>
        new AlertPolicy(
            `${name}-${suffix}`,
            { project: args.gcp.project, displayName: `${args.model.name}: ${displayName}`, combiner: "OR", notificationChannels: channels, conditions: [{ displayName, ...condition }] },
            opts,
        );
}
