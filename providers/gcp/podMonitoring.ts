import type * as pulumi from "@pulumi/pulumi";
import { CustomResource } from "@pulumi/kubernetes/apiextensions/customResource";

/**
 * A PodMonitoring (Managed Service for Prometheus, on by default on GKE Autopilot) that scrapes the
 * model server's /metrics every 30 s, so its series become `prometheus.googleapis.com/<metric>/<kind>`, labelled with their pod.
 */
export function createPodMonitoring(name: string, namespace: pulumi.Input<string>, podLabels: Record<string, string>, port: number, opts: pulumi.CustomResourceOptions): CustomResource {
    return new CustomResource(
        `${name}-pod-monitoring`,
        {
            apiVersion: "monitoring.googleapis.com/v1",
            kind: "PodMonitoring",
            metadata: { namespace, name: "model-server" },
            // Each series names its pod, so a rollout's bake can tell the new ReplicaSet's pods from the old.
            spec: { selector: { matchLabels: podLabels }, endpoints: [{ port, path: "/metrics", interval: "30s" }], targetLabels: { metadata: ["pod", "container"] } },
        },
        opts,
    );
}
