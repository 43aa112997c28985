import type * as pulumi from "@pulumi/pulumi";
import type { inputChecker } from "./inputs";

// Inputs more than one dynamic provider takes, each documented once: the thresholds of a rollout watched
// through metrics (Azure ML traffic shift, Kubernetes rollout guard) and the REST API with long-running
// operations a provider calls (Azure ML traffic shift, Vertex AI deployment). The interfaces are types
// only; the defaults and checks are serialized with the providers that use them: constants and plain
// functions only.

/** How a rollout watcher reads the new version's metrics and when it calls them bad. */
export interface MetricWatchInputs {
    /**
     * Seconds the new version is watched: after each traffic step and after the last before the update
     * succeeds (Azure ML), or after the rollout finished, having been watched during it (Kubernetes). 0 bakes nothing.
     */
    bakeSeconds: pulumi.Input<number>;
    /** A reading of the new version's p99 latency above this is a bad one: a minute (Azure Monitor) or a check (Prometheus). */
    latencyP99Ms: pulumi.Input<number>;
    /** A reading with more 5xx answers a minute than this from the new version is a bad one. Default MAX_ERRORS_PER_MINUTE (components/observability.ts). */
    max5xxPerMinute?: pulumi.Input<number>;
    /** Seconds between metric checks. Default 60 (Azure Monitor's grain). */
    checkIntervalSeconds?: pulumi.Input<number>;
}

/** The cloud REST API a provider calls, and how long its long-running operations may take. */
export interface OperationApiInputs {
    /** The API's base URL. Default the cloud's: https://management.azure.com (ARM), https://{region}-aiplatform.googleapis.com (Vertex AI). */
    apiEndpoint?: pulumi.Input<string>;
    /** Deadline in seconds for each long-running operation (a traffic change, a model upload or deploy). Default 1800. */
    operationTimeoutSeconds?: pulumi.Input<number>;
}

export const DEFAULT_CHECK_INTERVAL_SECONDS = 60;
export const DEFAULT_OPERATION_TIMEOUT_SECONDS = 1800;

/** The checks of MetricWatchInputs, with the `number` check of the provider's inputChecker. */
export function checkMetricWatch(number: ReturnType<typeof inputChecker>["number"]): void {
    number("bakeSeconds", 0, 3600, { required: true });
    number("latencyP99Ms", 1, 3_600_000, { required: true });
    number("max5xxPerMinute", 0, 1_000_000);
    number("checkIntervalSeconds", 0.001, 3600);
}
