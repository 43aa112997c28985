import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { TestProject } from "vitest/node";

declare module "vitest" {
    export interface ProvidedContext {
        /** Where test/helpers/plan.ts shares plans between the files of one `vitest run`. */
        planCacheDir: string;
    }
}

/** A directory of plans for this run only: made fresh at the start, removed at the end. */
export default function setup(project: TestProject): () => void {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-cache-"));
    project.provide("planCacheDir", dir);
    return () => fs.rmSync(dir, { recursive: true, force: true });
}
