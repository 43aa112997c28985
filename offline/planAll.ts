import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { RUNTIMES } from "../components/runtimes";
import { MODEL_NAME_MAX_LENGTH } from "../components/validate";
import { projectRoot } from "./projectRoot";

/**
 * The credential-free gate: plans every stack file, and every built runtime on each stack, also with a
 * canary rollout on prod, each with the stack's model name and with the longest one the validator
 * accepts, in fresh processes (the mock runtime is global), and fails unless each plan is valid with no
 * cloud contract breach and no mandatory violation.
 */
const projectDir = projectRoot();
const stacks = fs.readdirSync(projectDir).flatMap((f) => /^Pulumi\.([^.]+)\.yaml$/.exec(f)?.[1] ?? []).sort();
const runtimes = (Object.keys(RUNTIMES) as (keyof typeof RUNTIMES)[]).filter((r) => RUNTIMES[r].load);
const launcher = path.join(projectDir, "offline", "launch.cjs");

/** The longest accepted model name, hyphens included: "longest-model-name-the-validator-accepts" at 40. */
const LONGEST_MODEL_NAME = "longest-model-name-the-validator-accepts-and-then-some".slice(0, MODEL_NAME_MAX_LENGTH).replace(/-+$/, "x");

interface Job {
    readonly label: string;
    readonly args: readonly string[];
}

const jobs: Job[] = [];
for (const stack of stacks) {
    const variants: [string, string[]][] = [["", []]];
    if (stack === "prod") variants.push([", canary", ["--config", "rollout=canary"]]);
    for (const [variantLabel, variantArgs] of variants) {
        for (const runtime of runtimes) {
            for (const longName of [false, true]) {
                const label = `${stack} (${RUNTIMES[runtime].cloud}/${runtime}${variantLabel}${longName ? `, modelName=${LONGEST_MODEL_NAME}` : ""})`;
                const args = ["--stack", stack, "--config", `cloud=${RUNTIMES[runtime].cloud}`, "--config", `runtime=${runtime}`, ...variantArgs, ...(longName ? ["--config", `modelName=${LONGEST_MODEL_NAME}`] : [])];
                jobs.push({ label, args });
            }
        }
    }
}

function run(job: Job): Promise<{ status: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
        const child = spawn(process.execPath, [launcher, "offline/cli", ...job.args, "--json"], { cwd: projectDir });
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        child.stdout.on("data", (d: Buffer) => out.push(d));
        child.stderr.on("data", (d: Buffer) => err.push(d));
        child.on("close", (status) => resolve({ status, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") }));
    });
}

function report(job: Job, result: { status: number | null; stdout: string; stderr: string }): boolean {
    if (result.status !== 0) {
        let detail = result.stderr.trim();
        try {
            const doc = JSON.parse(result.stdout) as { errors: string[]; contract: { rule: string; message: string }[]; violations: { level: string; policy: string; message: string }[] };
            detail = [...doc.errors, ...doc.contract.map((b) => `contract ${b.rule}: ${b.message}`), ...doc.violations.filter((v) => v.level === "mandatory").map((v) => `${v.policy}: ${v.message}`)].join("\n") || detail;
        } catch {
            // Not JSON: the CLI failed before printing a plan; stderr says why.
        }
        process.stdout.write(`FAIL ${job.label}: exit ${result.status}\n${detail}\n`);
        return false;
    }
    const doc = JSON.parse(result.stdout) as { resources: unknown[]; violations: unknown[] };
    process.stdout.write(`ok   ${job.label}: ${doc.resources.length} resources, 0 contract breaches, ${doc.violations.length} advisory violations\n`);
    return true;
}

async function main(): Promise<void> {
    // One plan per core: each is a separate node process, mostly CPU-bound.
    const width = Math.max(1, os.availableParallelism());
    let next = 0;
    let failed = 0;
    const worker = async () => {
        while (next < jobs.length) {
            const job = jobs[next++]!;
            if (!report(job, await run(job))) failed++;
        }
    };
    await Promise.all(Array.from({ length: width }, worker));
    process.stdout.write(`plans: ${jobs.length - failed} passed, ${failed} failed\n`);
    process.exitCode = failed > 0 ? 1 : 0;
}

void main();
