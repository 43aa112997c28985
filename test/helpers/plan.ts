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
