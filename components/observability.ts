import { METRIC_NAMES } from "../serving/src/metricNames";

/**
 * The observability contract: the model server's series, the PromQL over them, and the thresholds that
 * the alarms, alerts and rollout watchers of every runtime share.
 *
 * The dynamic providers (rollout guard, traffic shifter, Vertex deployment) import these, so this module
 * holds only constants and pure functions: Pulumi's closure serializer captures the used exports by value,
 * and nothing here may import an SDK, keep mutable state or bind `this`.
 */
export { METRIC_NAMES };

/** More errors than this in a minute (5xx answers; Vertex AI: prediction errors) alarms, and is a bad check for a watcher. */
export const MAX_ERRORS_PER_MINUTE = 5;

/** p99 latency (ms) above which alarms fire and watchers count a bad check, unless `alarms.latencyP99Ms` says otherwise. */
export const DEFAULT_LATENCY_P99_MS = 1000;

/** Alarms and watchers judge the last `of` one-minute points and call it bad when `bad` of them breach. */
export const BAD_OF_LAST = { bad: 3, of: 5 } as const;

/**
 * The rate window of one point: two minutes, so a 30-second scrape gives each point four samples.
 * Alerts and the rollout guard read points of this window, one a minute.
 */
export const POINT_WINDOW = "2m";

/**
 * A PromQL alert expression true when BAD_OF_LAST.bad of the last BAD_OF_LAST.of one-minute points of `breach`
 * (a PromQL comparison such as `errors > 5`) hold: a subquery samples `breach` once a minute and
 * `count_over_time` counts the points that breached (a comparison drops the others). The alert then fires on the
 * first evaluation that sees it, with no `for` or `duration` (which would ask for consecutive breaches instead).
 * Subqueries are standard PromQL (prometheus.io/docs/prometheus/latest/querying/basics/#subquery), which both
 * Cloud Monitoring's PromQL alerting and Azure Monitor's Prometheus rule groups evaluate.
 */
export function badOfLastAlert(breach: string): string {
    return `count_over_time((${breach})[${BAD_OF_LAST.of}m:1m]) >= ${BAD_OF_LAST.bad}`;
}

/** Bad points needed among the most recent `count` (at most BAD_OF_LAST.of): `bad`, or a majority while fewer exist. */
export function badPointsNeeded(count: number): number {
    return Math.min(BAD_OF_LAST.bad, Math.floor(Math.min(count, BAD_OF_LAST.of) / 2) + 1);
}

/** The server's 5xx answers a minute over `window` (a PromQL duration) for the series `selector` picks. */
export function errorsPerMinuteQuery(selector: string, window: string): string {
    return `sum(rate(${METRIC_NAMES.requests}{${selector},status=~"5.."}[${window}])) * 60`;
}

/** The server's p99 latency in milliseconds over `window` on the series `selector` picks (include the route). */
export function latencyP99MsQuery(selector: string, window: string): string {
    return `histogram_quantile(0.99, sum by (le) (rate(${METRIC_NAMES.requestDuration}_bucket{${selector}}[${window}]))) * 1000`;
}

/** How many pods `selector` picks have any request series: the kubelet's probes alone create them. */
export function scrapedPodsQuery(selector: string): string {
    return `count(count by (pod) (${METRIC_NAMES.requests}{${selector}}))`;
}
