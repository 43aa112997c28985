import * as fs from "node:fs";
import { usableCpus } from "./cpus";
import { SecretError, secretSourcesFromEnv, type SecretSource } from "./secrets";

/** Server settings, read once from the environment of whichever runtime starts the container. */
export interface ServerConfig {
    readonly host: string;
    /** AIP_HTTP_PORT (Vertex) > SAGEMAKER_BIND_TO_PORT > PORT > 8080 (SageMaker's fixed port). */
    readonly port: number;
    /** Exact paths answering readiness: /ping always, plus HEALTH_ROUTE and AIP_HEALTH_ROUTE. */
    readonly healthRoutes: readonly string[];
    /** Exact paths answering predictions: /invocations always, plus PREDICT_ROUTE and AIP_PREDICT_ROUTE. */
    readonly predictRoutes: readonly string[];
    /** Name for the Open Inference Protocol routes; defaults to the model's metadata name. */
    readonly modelName?: string;
    readonly modelVersion?: string;
    readonly maxBodyBytes: number;
    readonly logRequests: boolean;
    /** How long close() waits for in-flight requests before cutting connections. */
    readonly shutdownGraceMs: number;
    /** Above the load balancers' idle timeouts (ALB 60 s), so the server never closes a connection they reuse. */
    readonly keepAliveTimeoutMs: number;
    /** Time to receive a request's headers, from its first byte (or the connection's start). */
    readonly headersTimeoutMs: number;
    /** Time to receive a whole request, headers and body. */
    readonly requestTimeoutMs: number;
    /** A connection with a request open and no traffic either way this long is closed (stalled readers, endless inference). */
    readonly idleTimeoutMs: number;
    /** Open connections at most; beyond it the connection idle longest is closed (see connections.ts). */
    readonly maxConnections: number;
    /** CPUs the container may use (affinity and CFS quota, see cpus.ts); the thread defaults derive from it. */
    readonly cpus: number;
    /** ONNX Runtime intra-op threads per session. */
    readonly intraOpThreads: number;
    /** Worker threads running inference, one ONNX Runtime session each; 0 runs it on the event loop. */
    readonly inferenceWorkers: number;
    /** Rows from concurrent requests that one session.run may take together. */
    readonly maxBatchRows: number;
    /** The service's secrets: SECRET_<NAME> (value), SECRET_<NAME>_FILE or SECRET_<NAME>_REF (components/servingContract.ts). */
    readonly secrets: readonly SecretSource[];
}

export const DEFAULTS = {
    port: 8080,
    healthRoute: "/ping",
    predictRoute: "/invocations",
    maxBodyBytes: 1024 * 1024,
    shutdownGraceMs: 20_000,
    keepAliveTimeoutMs: 65_000,
    headersTimeoutMs: 10_000,
    requestTimeoutMs: 30_000,
    idleTimeoutMs: 120_000,
    maxConnections: 1000,
} as const;

/** File descriptors kept for everything but client connections: stdio, the model, downloads, the event loop. */
export const RESERVED_FDS = 64;

/** The soft RLIMIT_NOFILE from /proc/self/limits ("Max open files  1024  1048576  files"), or undefined off Linux. */
export function openFileLimit(limits?: string): number | undefined {
    let text = limits;
    if (text === undefined) {
        try {
            text = fs.readFileSync("/proc/self/limits", "utf8");
        } catch {
            return undefined;
        }
    }
    const m = /^Max open files\s+(\d+|unlimited)\s/m.exec(text);
    if (!m || m[1] === "unlimited") return undefined;
    return Number(m[1]);
}

export class ConfigError extends Error {}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number, why?: string): number {
    const raw = env[name]?.trim();
    if (!raw) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) throw new ConfigError(`${name} must be an integer from ${min} to ${max}; got "${raw}"${why ? ` (${why})` : ""}`);
    return value;
}

function route(env: NodeJS.ProcessEnv, name: string): string | undefined {
    const raw = env[name]?.trim();
    if (!raw) return undefined;
    if (!raw.startsWith("/") || /[\s?#]/.test(raw)) throw new ConfigError(`${name} must be a path starting with "/" (no spaces, query or fragment); got "${raw}"`);
    return raw;
}

function bool(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
    const raw = env[name]?.trim().toLowerCase();
    if (!raw) return fallback;
    if (["1", "true", "yes", "on"].includes(raw)) return true;
    if (["0", "false", "no", "off"].includes(raw)) return false;
    throw new ConfigError(`${name} must be true or false; got "${raw}"`);
}

const unique = (values: readonly (string | undefined)[]): string[] => [...new Set(values.filter((v): v is string => v !== undefined))];

/**
 * `fdLimit`: the process's open-file limit (read from /proc when not given); MAX_CONNECTIONS must leave RESERVED_FDS of it.
 * `cpus`: the CPUs the container may use (cpus.ts when not given).
 */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env, fdLimit: number | undefined = openFileLimit(), cpus: number = usableCpus()): ServerConfig {
    // One CPU for the event loop (HTTP, decoding, encoding), the others for inference workers.
    const workersRaw = env.INFERENCE_WORKERS?.trim().toLowerCase();
    const inferenceWorkers = !workersRaw || workersRaw === "auto" ? (cpus >= 2 ? cpus - 1 : 0) : integer(env, "INFERENCE_WORKERS", 0, 0, 256, 'or "auto"');
    const inferenceCpus = inferenceWorkers > 0 ? cpus - 1 : cpus;
    const intraOpThreads = integer(env, "ORT_INTRA_OP_THREADS", Math.max(1, Math.floor(inferenceCpus / Math.max(1, inferenceWorkers))), 1, 256);
    const connectionCeiling = fdLimit === undefined ? 1_000_000 : Math.max(1, fdLimit - RESERVED_FDS);
    const headersTimeoutMs = integer(env, "HEADERS_TIMEOUT_MS", DEFAULTS.headersTimeoutMs, 100, 3_600_000);
    // node refuses headersTimeout > requestTimeout (lib/_http_server.js, ERR_OUT_OF_RANGE).
    const requestTimeoutMs = integer(env, "REQUEST_TIMEOUT_MS", Math.max(DEFAULTS.requestTimeoutMs, headersTimeoutMs), headersTimeoutMs, 3_600_000, "at least HEADERS_TIMEOUT_MS");
    let secrets: SecretSource[];
    try {
        secrets = secretSourcesFromEnv(env);
    } catch (err) {
        throw err instanceof SecretError ? new ConfigError(err.message) : err;
    }
    const portVar = ["AIP_HTTP_PORT", "SAGEMAKER_BIND_TO_PORT", "PORT"].find((name) => env[name]?.trim());
    return {
        host: env.HOST?.trim() || "0.0.0.0",
        port: portVar ? integer(env, portVar, DEFAULTS.port, 0, 65535) : DEFAULTS.port,
        healthRoutes: unique([DEFAULTS.healthRoute, route(env, "HEALTH_ROUTE"), route(env, "AIP_HEALTH_ROUTE")]),
        predictRoutes: unique([DEFAULTS.predictRoute, route(env, "PREDICT_ROUTE"), route(env, "AIP_PREDICT_ROUTE")]),
        modelName: env.MODEL_NAME?.trim() || undefined,
        modelVersion: env.MODEL_VERSION?.trim() || undefined,
        maxBodyBytes: integer(env, "MAX_BODY_BYTES", DEFAULTS.maxBodyBytes, 1, 1024 ** 3),
        logRequests: bool(env, "LOG_REQUESTS", true),
        shutdownGraceMs: integer(env, "SHUTDOWN_GRACE_MS", DEFAULTS.shutdownGraceMs, 0, 3_600_000),
        keepAliveTimeoutMs: integer(env, "KEEP_ALIVE_TIMEOUT_MS", DEFAULTS.keepAliveTimeoutMs, 1000, 3_600_000),
        headersTimeoutMs,
        requestTimeoutMs,
        idleTimeoutMs: integer(env, "IDLE_TIMEOUT_MS", DEFAULTS.idleTimeoutMs, 100, 3_600_000),
        maxConnections: integer(env, "MAX_CONNECTIONS", Math.min(DEFAULTS.maxConnections, connectionCeiling), 1, connectionCeiling, fdLimit === undefined ? undefined : `the open-file limit is ${fdLimit} and ${RESERVED_FDS} are kept for the server; raise \`ulimit -n\` or lower MAX_CONNECTIONS`),
        cpus,
        intraOpThreads,
        inferenceWorkers,
        maxBatchRows: integer(env, "MAX_BATCH_ROWS", 1024, 1, 1_000_000),
        secrets,
    };
}
