import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { METRIC_NAMES } from "./metricNames";

type CounterChild = ReturnType<Counter<string>["labels"]>;
type HistogramChild = ReturnType<Histogram<string>["labels"]>;

/** A gauge set from `read` at scrape time (left at 0 without one), so the hot path never touches it. */
function scrapedGauge(name: string, help: string, registers: Registry[], read: (() => number) | undefined): Gauge {
    return new Gauge({
        name,
        help,
        registers,
        collect() {
            if (read) this.set(read());
        },
    });
}

/**
 * Prometheus metrics on a registry of the server's own (several servers can share a process in tests).
 * Label children are cached by key so a request costs a map lookup, not prom-client's label hashing.
 */
export class ServerMetrics {
    readonly registry = new Registry();
    private readonly requests: Counter<"route" | "method" | "status">;
    private readonly duration: Histogram<"route">;
    private readonly errors: Counter<"route" | "kind">;
    readonly rows: Counter;
    readonly modelLoaded: Gauge;
    readonly inFlight: Gauge;
    readonly openConnections: Gauge;
    readonly connectionsDropped: Counter<"reason">;
    private readonly requestChildren = new Map<string, CounterChild>();
    private readonly durationChildren = new Map<string, HistogramChild>();
    private readonly errorChildren = new Map<string, CounterChild>();

    /** `inFlight` and `openConnections` are read at scrape time, so the hot path does not touch their gauges. */
    constructor(options: { defaultMetrics?: boolean; inFlight?: () => number; openConnections?: () => number } = {}) {
        const registers = [this.registry];
        this.requests = new Counter({ name: METRIC_NAMES.requests, help: "HTTP requests by route, method and status", labelNames: ["route", "method", "status"], registers });
        this.duration = new Histogram({
            name: METRIC_NAMES.requestDuration,
            help: "HTTP request latency (body read to response written) by route",
            labelNames: ["route"],
            buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
            registers,
        });
        this.errors = new Counter({ name: "model_server_errors_total", help: "Failed requests by route and kind (client: 4xx, server: 5xx)", labelNames: ["route", "kind"], registers });
        this.rows = new Counter({ name: "model_server_predicted_rows_total", help: "Rows predicted", registers });
        this.modelLoaded = new Gauge({ name: "model_server_model_loaded", help: "1 once the model is loaded and ready", registers });
        this.inFlight = scrapedGauge("model_server_in_flight_requests", "Requests being handled", registers, options.inFlight);
        this.openConnections = scrapedGauge("model_server_open_connections", "Client connections open (at most MAX_CONNECTIONS)", registers, options.openConnections);
        this.connectionsDropped = new Counter({
            name: "model_server_connections_dropped_total",
            help: "Connections closed at MAX_CONNECTIONS: evicted_idle (the one idle longest made room) or refused_busy (all were handling requests)",
            labelNames: ["reason"],
            registers,
        });
        if (options.defaultMetrics) collectDefaultMetrics({ register: this.registry });
    }

    observe(route: string, method: string, status: number, seconds: number): void {
        const key = route + "\0" + method + "\0" + status;
        let counter = this.requestChildren.get(key);
        if (!counter) {
            counter = this.requests.labels(route, method, String(status));
            this.requestChildren.set(key, counter);
        }
        counter.inc();
        let hist = this.durationChildren.get(route);
        if (!hist) {
            hist = this.duration.labels(route);
            this.durationChildren.set(route, hist);
        }
        hist.observe(seconds);
        if (status >= 400) {
            const kind = status >= 500 ? "server" : "client";
            const ekey = route + "\0" + kind;
            let err = this.errorChildren.get(ekey);
            if (!err) {
                err = this.errors.labels(route, kind);
                this.errorChildren.set(ekey, err);
            }
            err.inc();
        }
    }
}
