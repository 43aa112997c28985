import * as pulumi from "@pulumi/pulumi";
import { AlertPolicy } from "@pulumi/gcp/monitoring/alertPolicy";
import { NotificationChannel } from "@pulumi/gcp/monitoring/notificationChannel";
import type { ResolvedServiceArgs } from "../../components/contract";

/** Prediction errors above which the errors alert fires (per minute) and a rollout's bake rolls back (per bake). */
export const VERTEX_ERROR_THRESHOLD = 5;

/** Email channels for the configured addresses; a GCP alert without channels still shows in the console. */
export function emailChannels(name: string, args: ResolvedServiceArgs, purpose: string, emails: readonly string[], opts: pulumi.CustomResourceOptions): NotificationChannel[] {
    return emails.map((email, i) => new NotificationChannel(`${name}-${purpose}-email-${i}`, { type: "email", displayName: `${purpose}: ${email}`, labels: { email_address: email }, project: args.gcp.project }, opts));
}

/**
 * Cloud Monitoring alerts for a Vertex AI endpoint: prediction errors, p99 latency over the threshold,
 * and no replica serving.
 */
export function createVertexAlerts(name: string, args: ResolvedServiceArgs, endpointId: pulumi.Input<string>, opts: pulumi.CustomResourceOptions): AlertPolicy[] {
    const channels = emailChannels(name, args, "alarms", args.alarms.emails, opts).map((c) => c.id);
    const scope = pulumi.interpolate`resource.type = "aiplatform.googleapis.com/Endpoint" AND resource.labels.endpoint_id = "${endpointId}"`;
    const policy = (suffix: string, displayName: string, metric: string, aligner: string, comparison: string, thresholdValue: number) =>
        new AlertPolicy(
            `${name}-${suffix}`,
            {
                project: args.gcp.project,
                displayName: `${args.model.name}: ${displayName}`,
                combiner: "OR",
                notificationChannels: channels,
                conditions: [
                    {
                        displayName,
                        conditionThreshold: {
                            filter: pulumi.interpolate`metric.type = "${metric}" AND ${scope}`,
                            aggregations: [{ alignmentPeriod: "60s", perSeriesAligner: aligner }],
                            comparison,
                            thresholdValue,
                            duration: "180s",
                        },
                    },
                ],
            },
            opts,
        );
    return [
        policy("errors", "prediction errors", "aiplatform.googleapis.com/prediction/online/error_count", "ALIGN_SUM", "COMPARISON_GT", VERTEX_ERROR_THRESHOLD),
        policy("latency-p99", `p99 latency above ${args.alarms.latencyP99Ms} ms`, "aiplatform.googleapis.com/prediction/online/prediction_latencies", "ALIGN_PERCENTILE_99", "COMPARISON_GT", args.alarms.latencyP99Ms),
        policy("no-replicas", "no replica serving", "aiplatform.googleapis.com/prediction/online/replicas", "ALIGN_MEAN", "COMPARISON_LT", 1),
    ];
}
