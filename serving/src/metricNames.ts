/**
 * The names of the server's Prometheus series that the alerts and rollout watchers query. The program
 * reads them from here (components/observability.ts), so a rename here reaches every query.
 */
export const METRIC_NAMES = {
    /** Counter, labels route, method, status. */
    requests: "model_server_requests_total",
    /** Histogram (seconds), label route. */
    requestDuration: "model_server_request_duration_seconds",
} as const;
