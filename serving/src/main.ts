/**
 * Container entry point: `node dist/main.js [serve]` (SageMaker appends "serve"; it is accepted and ignored).
 * Exits 0 after a graceful shutdown on SIGTERM/SIGINT, 1 when the model cannot be loaded, 2 on bad settings.
 */
import { ConfigError, configFromEnv } from "./config";
import { createLogger } from "./log";
import { redactSecrets } from "./redact";
import { loadSecrets } from "./secrets";
import { startServer } from "./server";

async function main(): Promise<void> {
    const logger = createLogger();
    const extra = process.argv.slice(2).filter((a) => a !== "serve");
    if (extra.length > 0) logger.info("ignoring arguments", { args: extra });
    let config;
    try {
        config = configFromEnv(process.env);
    } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        logger.error("bad configuration", { error: err.message });
        logger.flush();
        process.exit(2);
    }
    try {
        // Every secret ends up in SECRET_<NAME>, however the runtime delivered it.
        const values = await loadSecrets(config.secrets, { fetch: (url, init) => fetch(url, init), env: process.env });
        for (const [name, value] of Object.entries(values)) {
            delete process.env[`SECRET_${name}_FILE`];
            delete process.env[`SECRET_${name}_REF`];
            process.env[`SECRET_${name}`] = value;
        }
        if (config.secrets.length > 0) logger.info("secrets read", { secrets: config.secrets.map((s) => `${s.name} (${s.delivery})`) });
    } catch (err) {
        logger.error("secrets could not be read", { error: redactSecrets((err as Error).message) });
        logger.flush();
        process.exit(2);
    }
    const server = await startServer({ config, logger, defaultMetrics: true });

    let stopping = false;
    const stop = (signal: string): void => {
        if (stopping) {
            logger.error("second signal; exiting now", { signal });
            logger.flush();
            process.exit(1);
        }
        stopping = true;
        logger.info("shutting down", { signal });
        server.close().then(
            () => process.exit(0),
            (err: unknown) => {
                logger.error("shutdown failed", { error: (err as Error).message });
                logger.flush();
                process.exit(1);
            },
        );
    };
    process.on("SIGTERM", () => stop("SIGTERM"));
    process.on("SIGINT", () => stop("SIGINT"));

    try {
        await server.ready;
    } catch {
        // Logged by the server; a restart by the orchestrator is the remedy.
        if (!stopping) {
            await server.close(0);
            process.exit(1);
        }
    }
}

main().catch((err: unknown) => {
    process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level: "error", msg: "fatal", error: redactSecrets((err as Error).stack ?? String(err)) })}\n`);
    process.exit(1);
});
