import { spawn, spawnSync } from "node:child_process";
import * as os from "node:os";
import * as path from "node:path";
import { inject } from "vitest";
import type { PlanDocument } from "../../offline/engine";
import type { RecordedResource } from "../../offline/recorder";
import { requestPlan } from "../../offline/planPool";
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { requestPlanSync } = require("./planClient.cjs") as { requestPlanSync: (socket: string, request: string) => string };

export const PROJECT_DIR = path.resolve(__dirname, "..", "..");
const LAUNCHER = path.join(PROJECT_DIR, "offline", "launch.cjs");

export interface CliRun {
    readonly code: number | null;
    readonly stdout: string;
    readonly stderr: string;
}

/**
 * Plans are memoized by their arguments, in this file and (through the plan pool planPool.globalSetup.ts
 * starts for one `vitest run`) across files: a plan reads only its arguments, the environment and the
 * project's files, none of which a test changes during a run, and every caller parses the output afresh.
 * A run that names a file outside the project (a path under the temp dir, which tests write and rewrite) or
 * writes one (--request-json) is always run.
 */
const memo = new Map<string, CliRun>();

function memoizable(args: readonly string[]): boolean {
    return !args.includes("--request-json") && !args.some((a) => a.includes(os.tmpdir()));
}

function poolSocket(): string {
    return inject("planPoolSocket") ?? "";
}

function remember(args: readonly string[], run: CliRun): CliRun {
    if (memoizable(args)) memo.set(JSON.stringify(args), run);
    return run;
}

function remembered(args: readonly string[]): CliRun | undefined {
    return memoizable(args) ? memo.get(JSON.stringify(args)) : undefined;
}

/** Runs `npm run plan -- ...` as a user would, in its own process (the mock runtime is global). */
export function spawnPlanCli(args: readonly string[]): CliRun {
    const run = spawnSync(process.execPath, [LAUNCHER, "offline/cli", ...args], { cwd: PROJECT_DIR, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** `npm run plan -- ...`: on the run's plan pool (offline/planServer.ts, the same plan in a warm process), or as its own process. */
export function runPlanCli(args: readonly string[]): CliRun {
    const hit = remembered(args);
    if (hit) return hit;
    const socket = poolSocket();
    if (!socket) return remember(args, spawnPlanCli(args));
    let reply: string;
    try {
        reply = requestPlanSync(socket, JSON.stringify({ args, memo: memoizable(args) }));
    } catch (err) {
        throw new Error(`plan ${args.join(" ")}: the plan pool did not answer: ${(err as Error).message}`);
    }
    return remember(args, JSON.parse(reply) as CliRun);
}

/** The same as runPlanCli, without blocking: plans started together run side by side. */
export async function runPlanCliAsync(args: readonly string[]): Promise<CliRun> {
    const hit = remembered(args);
    if (hit) return hit;
    const socket = poolSocket();
    if (socket) return remember(args, await requestPlan(socket, args, memoizable(args)));
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [LAUNCHER, "offline/cli", ...args], { cwd: PROJECT_DIR });
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        child.stdout.on("data", (d: Buffer) => out.push(d));
        child.stderr.on("data", (d: Buffer) => err.push(d));
        child.on("error", reject);
        child.on("close", (code) => resolve(remember(args, { code, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") })));
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
