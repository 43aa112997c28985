import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { inject } from "vitest";
import type { PlanDocument } from "../../offline/engine";
import type { RecordedResource } from "../../offline/recorder";

export const PROJECT_DIR = path.resolve(__dirname, "..", "..");
const LAUNCHER = path.join(PROJECT_DIR, "offline", "launch.cjs");

export interface CliRun {
    readonly code: number | null;
    readonly stdout: string;
    readonly stderr: string;
}

/**
 * Plans are memoized by their arguments, in this file and (through the directory planCache.globalSetup.ts
 * provides for one `vitest run`) across files: a plan reads only its arguments, the environment and the
 * project's files, none of which a test changes during a run, and every caller parses the output afresh.
 * A run that names a file outside the project (a path under the temp dir, which tests write and rewrite) or
 * writes one (--request-json) is always run.
 */
const memo = new Map<string, CliRun>();

function cacheKey(args: readonly string[]): string | undefined {
    if (args.includes("--request-json") || args.some((a) => a.includes(os.tmpdir()))) return undefined;
    return createHash("sha256").update(JSON.stringify(args)).digest("hex");
}

function sharedFile(key: string): string | undefined {
    const dir = inject("planCacheDir");
    return dir ? path.join(dir, `${key}.json`) : undefined;
}

function cached(key: string | undefined): CliRun | undefined {
    if (key === undefined) return undefined;
    const hit = memo.get(key);
    if (hit) return hit;
    const file = sharedFile(key);
    if (!file || !fs.existsSync(file)) return undefined;
    const run = JSON.parse(fs.readFileSync(file, "utf8")) as CliRun;
    memo.set(key, run);
    return run;
}

function remember(key: string | undefined, run: CliRun): CliRun {
    if (key === undefined) return run;
    memo.set(key, run);
    const file = sharedFile(key);
    if (file) {
        // Written whole, then renamed: a file planning the same arguments at the same moment reads all or nothing.
        const partial = `${file}.${process.pid}`;
        fs.writeFileSync(partial, JSON.stringify(run));
        fs.renameSync(partial, file);
    }
    return run;
}

/** Runs `npm run plan -- ...` as a user would (its own process: the mock runtime is global). */
export function runPlanCli(args: readonly string[]): CliRun {
    const key = cacheKey(args);
    const hit = cached(key);
    if (hit) return hit;
    const run = spawnSync(process.execPath, [LAUNCHER, "offline/cli", ...args], { cwd: PROJECT_DIR, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    return remember(key, { code: run.status, stdout: run.stdout, stderr: run.stderr });
}

/** The same as runPlanCli, without blocking: plans started together run side by side. */
export function runPlanCliAsync(args: readonly string[]): Promise<CliRun> {
    const key = cacheKey(args);
    const hit = cached(key);
    if (hit) return Promise.resolve(hit);
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [LAUNCHER, "offline/cli", ...args], { cwd: PROJECT_DIR });
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        child.stdout.on("data", (d: Buffer) => out.push(d));
        child.stderr.on("data", (d: Buffer) => err.push(d));
        child.on("error", reject);
        child.on("close", (code) => resolve(remember(key, { code, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") })));
    });
}

function parsed(args: readonly string[], run: CliRun): { code: number | null; doc: PlanDocument } {
    try {
        return { code: run.code, doc: JSON.parse(run.stdout) as PlanDocument };
    } catch {
        throw new Error(`plan ${args.join(" ")} printed no JSON (exit ${run.code}):\n${run.stdout}\n${run.stderr}`);
    }
}

/** A plan as a JSON document; throws with the CLI's output when it did not print one. */
export function planJson(args: readonly string[]): { code: number | null; doc: PlanDocument } {
    return parsed(args, runPlanCli([...args, "--json"]));
}

export function ofType(doc: PlanDocument, type: string): RecordedResource[] {
    return doc.resources.filter((r) => r.type === type);
}

export function one(doc: PlanDocument, type: string): RecordedResource {
    const found = ofType(doc, type);
    if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
    return found[0]!;
}

export function byName(doc: PlanDocument, type: string, name: string): RecordedResource {
    const found = ofType(doc, type).find((r) => r.name === name);
    if (!found) throw new Error(`no ${type} named ${name}`);
    return found;
}

/** An IAM policy statement as the tests read it. */
export interface Statement {
    Sid?: string;
    Effect: string;
    Action: string | string[];
    Resource: unknown;
    Principal?: unknown;
    Condition?: Record<string, Record<string, unknown>>;
}

/** The statements of an IAM policy document given as JSON text. */
export function statementsOf(policy: unknown): Statement[] {
    return (JSON.parse(String(policy)) as { Statement: Statement[] }).Statement;
}

/** Plans in parallel, one process per core: the same as planJson, for suites that need many plans. */
export async function planJsonMany(runs: readonly (readonly string[])[]): Promise<{ code: number | null; doc: PlanDocument }[]> {
    const results: { code: number | null; doc: PlanDocument }[] = new Array(runs.length);
    let next = 0;
    const worker = async () => {
        while (next < runs.length) {
            const i = next++;
            results[i] = parsed(runs[i]!, await runPlanCliAsync([...runs[i]!, "--json"]));
        }
    };
    await Promise.all(Array.from({ length: Math.max(1, os.availableParallelism()) }, worker));
    return results;
}
