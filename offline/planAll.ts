import * as fs from "node:fs";
import { RUNTIMES } from "../components/runtimes";
import { MODEL_NAME_MAX_LENGTH } from "../components/validate";
import { PlanPool, type PlanRun } from "./planPool";
import { projectRoot } from "./projectRoot";

/**
 * The credential-free gate: plans every stack file, and every built runtime on each stack, also with a
 * canary rollout on prod, each with the stack's model name and with the longest one the validator
 * accepts, each as `npm run plan` would make it (on warm plan servers, offline/planServer.ts), and fails unless each plan is valid with no
 * cloud contract breach and no mandatory violation.
 */
const projectDir = projectRoot();
const stacks = fs.readdirSync(projectDir).flatMap((f) => /^Pulumi\.([^.]+)\.yaml$/.exec(f)?.[1] ?? []).sort();
const runtimes = (Object.keys(RUNTIMES) as (keyof typeof RUNTIMES)[]).filter((r) => RUNTIMES[r].load);

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

function report(job: Job, result: PlanRun): boolean {
    if (result.code !== 0) {
        let detail = result.stderr.trim();
        try {
            const doc = JSON.parse(result.stdout) as { errors: string[]; contract: { rule: string; message: string }[]; violations: { level: string; policy: string; message: string }[] };
            detail = [...doc.errors, ...doc.contract.map((b) => `contract ${b.rule}: ${b.message}`), ...doc.violations.filter((v) => v.level === "mandatory").map((v) => `${v.policy}: ${v.message}`)].join("\n") || detail;
        } catch {
            // Not JSON: the CLI failed before printing a plan; stderr says why.
        }
        process.stdout.write(`FAIL ${job.label}: exit ${result.code}\n${detail}\n`);
        return false;
    }
    const doc = JSON.parse(result.stdout) as { resources: unknown[]; violations: unknown[] };
    process.stdout.write(`ok   ${job.label}: ${doc.resources.length} resources, 0 contract breaches, ${doc.violations.length} advisory violations\n`);
    return true;
}

async function main(): Promise<void> {
    // One plan server per core, each plan as `npm run plan` would make it (offline/planServer.ts); reported in order.
    const pool = new PlanPool();
    let failed = 0;
    const runs = jobs.map((job) => pool.plan({ args: [...job.args, "--json"], memo: false }));
    for (const [i, job] of jobs.entries()) if (!report(job, await runs[i]!)) failed++;
    pool.stop();
    process.stdout.write(`plans: ${jobs.length - failed} passed, ${failed} failed\n`);
    process.exitCode = failed > 0 ? 1 : 0;
}

void main();
