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
    readonly intraOpThreads: number;
    /** Rows from concurrent requests that one session.run may take together. */
    readonly maxBatchRows: number;
}

export const DEFAULTS = {
    port: 8080,
    healthRoute: "/ping",
    predictRoute: "/invocations",
    maxBodyBytes: 1024 * 1024,
    shutdownGraceMs: 20_000,
    keepAliveTimeoutMs: 65_000,
} as const;

export class ConfigError extends Error {}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
    const raw = env[name]?.trim();
    if (!raw) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) throw new ConfigError(`${name} must be an integer from ${min} to ${max}; got "${raw}"`);
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

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): ServerConfig {
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
        intraOpThreads: integer(env, "ORT_INTRA_OP_THREADS", 1, 1, 256),
        maxBatchRows: integer(env, "MAX_BATCH_ROWS", 1024, 1, 1_000_000),
    };
}
