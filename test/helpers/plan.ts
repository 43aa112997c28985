import { spawnSync } from "node:child_process";
import * as path from "node:path";
import type { PlanDocument } from "../../offline/engine";
import type { RecordedResource } from "../../offline/recorder";

export const PROJECT_DIR = path.resolve(__dirname, "..", "..");
const LAUNCHER = path.join(PROJECT_DIR, "offline", "launch.cjs");

export interface CliRun {
    readonly code: number | null;
    readonly stdout: string;
    readonly stderr: string;
}

/** Runs `npm run plan -- ...` as a user would (its own process: the mock runtime is global). */
export function runPlanCli(args: readonly string[]): CliRun {
    const run = spawnSync(process.execPath, [LAUNCHER, "offline/cli", ...args], { cwd: PROJECT_DIR, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** A plan as a JSON document; throws with the CLI's output when it did not print one. */
export function planJson(args: readonly string[]): { code: number | null; doc: PlanDocument } {
    const run = runPlanCli([...args, "--json"]);
    try {
        return { code: run.code, doc: JSON.parse(run.stdout) as PlanDocument };
    } catch {
        throw new Error(`plan ${args.join(" ")} printed no JSON (exit ${run.code}):\n${run.stdout}\n${run.stderr}`);
    }
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
    const { spawn } = await import("node:child_process");
    const { availableParallelism } = await import("node:os");
    const results: { code: number | null; doc: PlanDocument }[] = new Array(runs.length);
    let next = 0;
    const one = (args: readonly string[]) =>
        new Promise<{ code: number | null; doc: PlanDocument }>((resolve, reject) => {
            const child = spawn(process.execPath, [LAUNCHER, "offline/cli", ...args, "--json"], { cwd: PROJECT_DIR });
            const out: Buffer[] = [];
            const err: Buffer[] = [];
            child.stdout.on("data", (d: Buffer) => out.push(d));
            child.stderr.on("data", (d: Buffer) => err.push(d));
            child.on("close", (code) => {
                const stdout = Buffer.concat(out).toString("utf8");
                try {
                    resolve({ code, doc: JSON.parse(stdout) as PlanDocument });
                } catch {
                    reject(new Error(`plan ${args.join(" ")} printed no JSON (exit ${code}):\n${stdout}\n${Buffer.concat(err).toString("utf8")}`));
                }
            });
        });
    const worker = async () => {
        while (next < runs.length) {
            const i = next++;
            results[i] = await one(runs[i]!);
        }
    };
    await Promise.all(Array.from({ length: Math.max(1, availableParallelism()) }, worker));
    return results;
}
