import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { TestProject } from "vitest/node";
import { PlanPool, poolSocketPath } from "../../offline/planPool";

declare module "vitest" {
    export interface ProvidedContext {
        /** The Unix socket of this run's plan pool (test/helpers/planPool.ts), or "" when plans run as CLI processes. */
        planPoolSocket: string;
    }
}

/**
 * One plan pool for the whole `vitest run`, stopped at its end. MODEL_SERVICE_PLAN_SERVER=off runs every
 * plan as its own `npm run plan` process instead, as the pool's differential test does for a sample.
 */
export default async function setup(project: TestProject): Promise<() => void> {
    // The model check's answers (components/modelCheckCache.ts) are kept for this run only, in a folder of
    // its own that the plan servers, test workers and CLI plans all inherit: every run checks each model once.
    const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), "model-service-test-cache-"));
    process.env.MODEL_SERVICE_CACHE_DIR ??= cacheDir;
    const removeCache = () => fs.rmSync(cacheDir, { recursive: true, force: true });
    if (process.env.MODEL_SERVICE_PLAN_SERVER === "off") {
        project.provide("planPoolSocket", "");
        return removeCache;
    }
    const socket = poolSocketPath();
    const pool = new PlanPool();
    const server = await pool.listen(socket);
    project.provide("planPoolSocket", socket);
    return () => {
        server.close();
        pool.stop();
        fs.rmSync(path.dirname(socket), { recursive: true, force: true });
        removeCache();
    };
}
