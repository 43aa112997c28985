/**
 * The reference model server: one node:http server answering every runtime's contract at once.
 *
 *   SageMaker        GET /ping, POST /invocations (port 8080)
 *   Vertex AI        AIP_HEALTH_ROUTE, AIP_PREDICT_ROUTE on AIP_HTTP_PORT
 *   ECS/GKE/AKS      HEALTH_ROUTE, PREDICT_ROUTE on PORT (set by ModelService)
 *   Azure ML         the inference config's routes (ModelService's defaults: /ping, /invocations)
 *   KServe/Triton    Open Inference Protocol v2: /v2/health/{live,ready}, /v2/models/{name}[/ready|/infer]
 *   Prometheus       GET /metrics
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import { decodeRows, decodeV2, encodeV2, FeatureBuffers, PredictionEncoder, RequestError, type Batch } from "./codec";
import { Batcher } from "./batcher";
import { ConnectionLimiter } from "./connections";
import { configFromEnv, type ServerConfig } from "./config";
import type { HttpFetch } from "./download";
import { createLogger, type Logger } from "./log";
import { ServerMetrics } from "./metrics";
import { loadModel, type BatchResult, type LoadedModel } from "./model";
import { redactSecrets } from "./redact";
import { locateModel, resolveModelDir } from "./source";

export interface ServerOptions {
    /** Settings; anything not given comes from `env`. */
    readonly config?: Partial<ServerConfig>;
    /** @default process.env */
    readonly env?: NodeJS.ProcessEnv;
    /** Load the model from this folder instead of the location the environment names. */
    readonly modelDir?: string;
    /** Replaces model loading altogether (tests delay or fail it). */
    readonly loadModel?: () => Promise<LoadedModel>;
    readonly logger?: Logger;
    /** Also export Node's process metrics (CPU, memory, event-loop lag) on /metrics. */
    readonly defaultMetrics?: boolean;
    /** HTTP client for downloading the model from object storage. @default fetch */
    readonly fetch?: HttpFetch;
}

export interface ServerHandle {
    readonly host: string;
    readonly port: number;
    readonly config: ServerConfig;
    readonly metrics: ServerMetrics;
    /** Resolves once the model is loaded (readiness turns 200); rejects if loading fails. */
    readonly ready: Promise<LoadedModel>;
    /** Stops accepting, lets in-flight requests finish (at most `graceMs`), then releases the model. */
    close(graceMs?: number): Promise<void>;
}

type Kind = "ready" | "live" | "predict" | "metrics";
interface Route {
    readonly kind: Kind;
    /** The metrics/log label: the configured path, never the raw URL. */
    readonly label: string;
}

const JSON_TYPE = "application/json";

/** True when every %-escape in `path` is two hex digits and the bytes they spell are UTF-8 (RFC 3986 section 2.1, decodeURIComponent's rule). */
export function isWellEscaped(path: string): boolean {
    try {
        decodeURIComponent(path);
        return true;
    } catch {
        return false;
    }
}
const UNMATCHED = "unmatched";

export async function startServer(options: ServerOptions = {}): Promise<ServerHandle> {
    const env = options.env ?? process.env;
    const config: ServerConfig = { ...configFromEnv(env), ...options.config };
    const logger = options.logger ?? createLogger();
    let inFlight = 0;
    const metrics = new ServerMetrics({ defaultMetrics: options.defaultMetrics, inFlight: () => inFlight, openConnections: () => limiter.open });
    const logRequests = config.logRequests;

    // Exact routes by "METHOD path"; the v2 model routes are matched by prefix below.
    const routes = new Map<string, Route>();
    const methodsByPath = new Map<string, Set<string>>();
    const add = (method: string, path: string, kind: Kind, label = path): void => {
        const key = `${method} ${path}`;
        if (!routes.has(key)) routes.set(key, { kind, label });
        methodsByPath.set(path, (methodsByPath.get(path) ?? new Set()).add(method));
    };
    for (const p of config.predictRoutes) add("POST", p, "predict");
    for (const p of config.healthRoutes) add("GET", p, "ready");
    add("GET", "/v2/health/ready", "ready");
    add("GET", "/v2/health/live", "live");
    add("GET", "/metrics", "metrics");
    add("GET", "/v2", "live", "/v2");

    let model: LoadedModel | undefined;
    let encoder: PredictionEncoder | undefined;
    let buffers: FeatureBuffers | undefined;
    let batcher: Batcher | undefined;
    let modelNames = new Set<string>();
    let loadError: Error | undefined;
    let draining = false;
    let onIdle: (() => void) | undefined;

    const finish = (res: http.ServerResponse, method: string, label: string, path: string, status: number, body: string, type: string, start: number, extra?: http.OutgoingHttpHeaders): void => {
        const headers: http.OutgoingHttpHeaders = { "Content-Type": type, "Content-Length": Buffer.byteLength(body), ...extra };
        if (draining) headers.Connection = "close";
        if (!res.headersSent && !res.destroyed) {
            res.writeHead(status, headers);
            res.end(body);
        }
        const ms = performance.now() - start;
        metrics.observe(label, method, status, ms / 1000);
        if (logRequests) logger.request(method, label, path, status, ms);
        inFlight--;
        if (inFlight === 0 && onIdle) onIdle();
    };
    const error = (message: string): string => JSON.stringify({ error: message });

    /** Reads the body up to the limit; a larger body is answered 413 and the connection closed. */
    const readBody = (req: http.IncomingMessage, done: (err: RequestError | undefined, body: Buffer) => void): void => {
        const limit = config.maxBodyBytes;
        const tooLarge = (): RequestError => new RequestError(`body is larger than the limit of ${limit} bytes (MAX_BODY_BYTES); send fewer rows per request`, 413);
        const declared = Number(req.headers["content-length"]);
        if (declared > limit) {
            req.resume();
            done(tooLarge(), Buffer.alloc(0));
            return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        let settled = false;
        const settle = (err: RequestError | undefined, body: Buffer): void => {
            if (settled) return;
            settled = true;
            done(err, body);
        };
        req.on("data", (chunk: Buffer) => {
            if (settled) return;
            size += chunk.length;
            if (size > limit) {
                chunks.length = 0;
                settle(tooLarge(), Buffer.alloc(0));
                return;
            }
            chunks.push(chunk);
        });
        req.on("end", () => settle(undefined, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)));
        const aborted = (): void => settle(new RequestError("request body was not received completely"), Buffer.alloc(0));
        req.on("error", aborted);
        req.on("close", () => {
            if (!req.complete) aborted();
        });
    };

    const notReady = (): string => (draining ? "shutting down" : loadError ? `model failed to load: ${loadError.message}` : "model is loading");

    /** Runs a decoded batch alone (v2) and answers with what `encode` makes of the result. */
    const runBatch = (res: http.ServerResponse, method: string, label: string, path: string, start: number, batch: Batch, encode: (m: LoadedModel, r: BatchResult) => [string, string]): void => {
        const m = model!;
        m.predict(batch.features, batch.rows).then(
            (result) => answer(res, method, label, path, start, batch, undefined, () => encode(m, result)),
            (err: unknown) => answer(res, method, label, path, start, batch, err as Error, () => ["", ""]),
        );
    };

    const answer = (res: http.ServerResponse, method: string, label: string, path: string, start: number, batch: Batch, err: Error | undefined, encode: () => [string, string]): void => {
        buffers!.release(batch.features);
        if (err) {
            logger.error("inference failed", { route: label, error: err.message });
            return finish(res, method, label, path, 500, error(`inference failed: ${err.message}`), JSON_TYPE, start);
        }
        metrics.rows.inc(batch.rows);
        let body: [string, string];
        try {
            body = encode();
        } catch (e) {
            const status = e instanceof RequestError ? e.status : 500;
            return finish(res, method, label, path, status, error((e as Error).message), JSON_TYPE, start);
        }
        finish(res, method, label, path, 200, body[0], body[1], start);
    };

    const predictRows = (req: http.IncomingMessage, res: http.ServerResponse, method: string, label: string, path: string, start: number): void => {
        readBody(req, (err, body) => {
            if (err) return finish(res, method, label, path, err.status, error(err.message), JSON_TYPE, start, err.status === 413 ? { Connection: "close" } : undefined);
            if (!model || !batcher) return finish(res, method, label, path, 503, error(notReady()), JSON_TYPE, start, { "Retry-After": "1" });
            let batch: Batch;
            try {
                batch = decodeRows(body, req.headers["content-type"], model, buffers!);
            } catch (e) {
                const status = e instanceof RequestError ? e.status : 400;
                return finish(res, method, label, path, status, error((e as Error).message), JSON_TYPE, start);
            }
            const csv = req.headers.accept?.includes("text/csv") === true;
            const enc = encoder!;
            // Requests decoded in the same event-loop turn share one session.run.
            batcher.submit(batch.features, batch.rows, (e, result, offset) =>
                answer(res, method, label, path, start, batch, e, () => (csv ? [enc.csv(result!, offset, batch.rows), "text/csv"] : [enc.json(result!, offset, batch.rows), JSON_TYPE])),
            );
        });
    };

    const predictV2 = (req: http.IncomingMessage, res: http.ServerResponse, method: string, label: string, path: string, start: number): void => {
        readBody(req, (err, body) => {
            if (err) return finish(res, method, label, path, err.status, error(err.message), JSON_TYPE, start, err.status === 413 ? { Connection: "close" } : undefined);
            const m = model!;
            let parsed: ReturnType<typeof decodeV2>;
            try {
                parsed = decodeV2(body, m, buffers!);
                const unknown = parsed.outputs?.find((name) => !m.outputs.some((o) => o.name === name));
                if (unknown !== undefined) {
                    buffers!.release(parsed.batch.features);
                    throw new RequestError(`unknown output "${unknown}"; the model has ${m.outputs.map((o) => `"${o.name}"`).join(", ")}`);
                }
            } catch (e) {
                const status = e instanceof RequestError ? e.status : 400;
                return finish(res, method, label, path, status, error((e as Error).message), JSON_TYPE, start);
            }
            const { id, outputs } = parsed;
            runBatch(res, method, label, path, start, parsed.batch, (mm, result) => [encodeV2({ name: modelNameFor(mm), version: mm.version }, result, id, outputs), JSON_TYPE]);
        });
    };

    const modelNameFor = (m: LoadedModel): string => config.modelName ?? m.name;

    const v2ModelMetadata = (m: LoadedModel): string =>
        JSON.stringify({
            name: modelNameFor(m),
            versions: [m.version],
            platform: "onnxruntime_onnx",
            inputs: [{ name: m.inputName, datatype: "FP32", shape: [-1, m.featureCount] }],
            outputs: m.outputs,
            parameters: { task: m.task, features: m.featureNames, classes: m.classes },
        });

    /** /v2/models/{name}[/versions/{v}][/ready|/infer] */
    const v2Model = (req: http.IncomingMessage, res: http.ServerResponse, method: string, path: string, start: number): void => {
        const parts = path.split("/"); // ["", "v2", "models", name, ...]
        let rest = parts.slice(4);
        // handle() has refused malformed escapes, so this cannot throw.
        const name = decodeURIComponent(parts[3] ?? "");
        if (rest[0] === "versions" && rest.length >= 2) rest = rest.slice(2);
        const action = rest.length === 0 ? "metadata" : rest.length === 1 && (rest[0] === "ready" || rest[0] === "infer") ? rest[0] : undefined;
        const label = action === undefined ? UNMATCHED : `/v2/models/{name}${action === "metadata" ? "" : `/${action}`}`;
        if (action === undefined) return finish(res, method, label, path, 404, error(`no route ${path}`), JSON_TYPE, start);
        const wantMethod = action === "infer" ? "POST" : "GET";
        if (method !== wantMethod) return finish(res, method, label, path, 405, error(`${path} takes ${wantMethod}`), JSON_TYPE, start, { Allow: wantMethod });
        if (!model) {
            if (action === "infer") req.resume();
            return finish(res, method, label, path, 503, error(notReady()), JSON_TYPE, start, { "Retry-After": "1" });
        }
        if (!modelNames.has(name)) {
            if (action === "infer") req.resume();
            return finish(res, method, label, path, 404, error(`unknown model "${name}"; this server serves "${modelNameFor(model)}"`), JSON_TYPE, start);
        }
        if (action === "infer") return predictV2(req, res, method, label, path, start);
        if (action === "ready") {
            const ok = !draining;
            return finish(res, method, label, path, ok ? 200 : 503, JSON.stringify({ name: modelNameFor(model), ready: ok }), JSON_TYPE, start);
        }
        return finish(res, method, label, path, 200, v2ModelMetadata(model), JSON_TYPE, start);
    };

    const handle = (req: http.IncomingMessage, res: http.ServerResponse): void => {
        const start = performance.now();
        inFlight++;
        const method = req.method ?? "GET";
        const url = req.url ?? "/";
        const q = url.indexOf("?");
        const path = q === -1 ? url : url.slice(0, q);
        // decodeURIComponent throws URIError on "%", "%zz" or an escape that is not UTF-8 ("%C0%AF"); refuse them all here.
        if (path.includes("%") && !isWellEscaped(path)) {
            if (method === "POST" || method === "PUT") req.resume();
            return finish(res, method, UNMATCHED, path, 400, error(`malformed percent-escape in path ${JSON.stringify(path)}: use %XX escapes of UTF-8 bytes`), JSON_TYPE, start);
        }
        let route = routes.get(`${method} ${path}`);
        // Load balancers may probe with HEAD: answer it like GET for the health routes (node drops the body).
        if (!route && method === "HEAD") {
            const get = routes.get(`GET ${path}`);
            if (get && (get.kind === "ready" || get.kind === "live")) route = get;
        }
        if (route) {
            switch (route.kind) {
                case "predict":
                    return predictRows(req, res, method, route.label, path, start);
                case "ready": {
                    const ok = model !== undefined && !draining;
                    const body = ok ? '{"status":"ready"}' : JSON.stringify({ status: draining ? "draining" : loadError ? "failed" : "loading", error: ok ? undefined : notReady() });
                    return finish(res, method, route.label, path, ok ? 200 : 503, body, JSON_TYPE, start);
                }
                case "live":
                    return finish(res, method, route.label, path, 200, path === "/v2" ? JSON.stringify({ name: "model-server", version: "1", extensions: [] }) : '{"live":true}', JSON_TYPE, start);
                case "metrics":
                    metrics.registry.metrics().then(
                        (text) => finish(res, method, route.label, path, 200, text, metrics.registry.contentType, start),
                        (err: unknown) => finish(res, method, route.label, path, 500, error((err as Error).message), JSON_TYPE, start),
                    );
                    return;
            }
        }
        if (path.startsWith("/v2/models/")) return v2Model(req, res, method, path, start);
        if (method === "POST" || method === "PUT") req.resume();
        const allowed = methodsByPath.get(path);
        if (allowed) return finish(res, method, UNMATCHED, path, 405, error(`${path} takes ${[...allowed].join(", ")}`), JSON_TYPE, start, { Allow: [...allowed].join(", ") });
        finish(res, method, UNMATCHED, path, 404, error(`no route ${method} ${path}; try POST ${config.predictRoutes.join(" or ")}, or POST /v2/models/{name}/infer`), JSON_TYPE, start);
    };

    const server = http.createServer(
        {
            headersTimeout: config.headersTimeoutMs,
            requestTimeout: config.requestTimeoutMs,
            // node enforces both timeouts only on this tick (default 30 s, which let idle sockets live ~81 s).
            connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor(config.headersTimeoutMs / 4))),
            noDelay: true,
        },
        handle,
    );
    server.keepAliveTimeout = config.keepAliveTimeoutMs;
    // Socket inactivity while a request is open; between requests node uses keepAliveTimeout instead.
    server.timeout = config.idleTimeoutMs;
    const limiter = new ConnectionLimiter(config.maxConnections, (reason) => metrics.connectionsDropped.labels(reason).inc());
    limiter.attach(server);

    await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(config.port, config.host, () => {
            server.off("error", reject);
            resolve();
        });
    });
    const address = server.address() as AddressInfo;

    const ready = (async () => {
        const started = performance.now();
        let m: LoadedModel;
        if (options.loadModel) m = await options.loadModel();
        else {
            const location = options.modelDir ? { kind: "dir" as const, path: options.modelDir, from: "modelDir" } : locateModel(env);
            if (location.kind === "uri") logger.info("downloading model", { from: location.from, uri: redactSecrets(location.uri) });
            const dir = await resolveModelDir(location, { env, fetch: options.fetch });
            m = await loadModel(dir, { name: config.modelName, version: config.modelVersion, intraOpThreads: config.intraOpThreads, workers: config.inferenceWorkers });
        }
        return { m, ms: performance.now() - started };
    })().then(
        ({ m, ms }) => {
            if (draining) {
                void m.release();
                throw new Error("server closed before the model loaded");
            }
            model = m;
            encoder = new PredictionEncoder(m);
            buffers = new FeatureBuffers(m.featureCount);
            batcher = new Batcher(m, config.maxBatchRows);
            modelNames = new Set([modelNameFor(m), m.name]);
            metrics.modelLoaded.set(1);
            logger.info("model loaded", { file: m.file, name: modelNameFor(m), version: m.version, task: m.task, features: m.featureCount, classes: m.classes, outputs: m.outputs.map((o) => o.name), ms: Math.round(ms) });
            return m;
        },
        (err: unknown) => {
            // Readiness answers carry this message to any client: no credential may be in it.
            loadError = err instanceof Error ? err : new Error(String(err));
            loadError.message = redactSecrets(loadError.message);
            if (loadError.stack) loadError.stack = redactSecrets(loadError.stack);
            logger.error("model load failed", { error: loadError.message });
            throw loadError;
        },
    );
    // The caller decides what a failed load means (main exits); readiness reports it meanwhile.
    ready.catch(() => undefined);

    logger.info("listening", { host: config.host, port: address.port, predictRoutes: config.predictRoutes, healthRoutes: config.healthRoutes, maxBodyBytes: config.maxBodyBytes, maxConnections: config.maxConnections, cpus: config.cpus, inferenceWorkers: config.inferenceWorkers, intraOpThreads: config.intraOpThreads });

    let closing: Promise<void> | undefined;
    const close = (graceMs = config.shutdownGraceMs): Promise<void> => {
        closing ??= (async () => {
            draining = true;
            metrics.modelLoaded.set(0);
            logger.info("draining", { inFlight, graceMs });
            const closed = new Promise<void>((resolve) => server.close(() => resolve()));
            server.closeIdleConnections();
            const idle = new Promise<void>((resolve) => {
                if (inFlight === 0) resolve();
                else onIdle = resolve;
            });
            let timer: NodeJS.Timeout | undefined;
            const timeout = new Promise<"timeout">((resolve) => {
                timer = setTimeout(() => resolve("timeout"), graceMs);
            });
            const outcome = await Promise.race([idle.then(() => "drained" as const), timeout]);
            if (outcome === "timeout") logger.error("grace period over; closing connections", { inFlight });
            // Responses sent while draining carry "Connection: close"; anything left is cut now.
            server.closeIdleConnections();
            if (outcome === "timeout") server.closeAllConnections();
            await Promise.race([closed, timeout]);
            server.closeAllConnections();
            clearTimeout(timer);
            if (model) await model.release();
            model = undefined;
            logger.info("stopped", { outcome });
            logger.flush();
        })();
        return closing;
    };

    return { host: config.host, port: address.port, config, metrics, ready, close };
}
