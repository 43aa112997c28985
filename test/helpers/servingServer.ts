import * as path from "node:path";
import { afterAll } from "vitest";
import type { Logger } from "../../serving/src/log";
import { startServer, type ServerHandle, type ServerOptions } from "../../serving/src/server";

export const ROOT = path.resolve(__dirname, "..", "..");
export const IRIS_MODEL_DIR = path.join(ROOT, "examples", "iris-onnx");

/** A logger that keeps every line as JSON in `lines`: requests as {method, route, path, status, ms}, the rest as {msg, ...fields}. */
export function quietLogger(lines: string[] = []): Logger {
    return {
        request: (method, route, p, status, ms) => lines.push(JSON.stringify({ method, route, path: p, status, ms })),
        info: (msg, fields) => lines.push(JSON.stringify({ msg, ...fields })),
        error: (msg, fields) => lines.push(JSON.stringify({ msg, ...fields })),
        flush: () => undefined,
    };
}

/**
 * Returns `serve`, which starts the reference server on a loopback port (the iris model, a quiet logger,
 * no environment unless given) and closes every server it started after the file's tests.
 */
export function loopbackServers(defaults: ServerOptions = {}): (options?: ServerOptions) => Promise<ServerHandle> {
    const servers: ServerHandle[] = [];
    afterAll(async () => {
        await Promise.all(servers.map((s) => s.close(1000)));
    });
    return async (options = {}) => {
        const merged = { modelDir: IRIS_MODEL_DIR, env: {}, logger: quietLogger(), ...defaults, ...options };
        const s = await startServer({ ...merged, config: { host: "127.0.0.1", port: 0, ...defaults.config, ...options.config } });
        servers.push(s);
        return s;
    };
}
