import type { Runtime } from "../components/contract";
import { builtRuntimes, RUNTIMES } from "../components/runtimes";
import { MODEL_NAME_MAX_LENGTH } from "../components/validate";
import type { PlanRun } from "./planPool";
import { stackNames } from "./stackConfig";

/**
 * The credential-free gate's plans: every stack file, and every built runtime on each stack, also with a
 * canary rollout on prod, each with the stack's model name and with the longest one the validator
 * accepts. `npm run plan:all` (offline/planAll.ts) plans them on its own pool; `npm test` plans them in the
 * vitest run (test/planAll.test.ts), where the plans other tests made already are not made again.
 */
export interface PlanAllJob {
    readonly label: string;
    /** The plan's arguments, `--json` included. */
    readonly args: readonly string[];
}

/** The longest accepted model name, hyphens included: "longest-model-name-the-validator-accepts" at 40. */
export const LONGEST_MODEL_NAME = "longest-model-name-the-validator-accepts-and-then-some".slice(0, MODEL_NAME_MAX_LENGTH).replace(/-+$/, "x");

/**
 * A plan of one runtime on one stack, as the gate and the tests spell it: the run's plan pool memoizes by
 * arguments, so plans spelled alike are made once.
 */
export function runtimePlanArgs(stack: string, runtime: Runtime, extra: readonly string[] = []): string[] {
    return ["--stack", stack, "--config", `cloud=${RUNTIMES[runtime].cloud}`, "--config", `runtime=${runtime}`, ...extra];
}

export function planAllJobs(projectDir: string): PlanAllJob[] {
    const stacks = stackNames(projectDir);
    const runtimes = builtRuntimes();
    const jobs: PlanAllJob[] = [];
    for (const stack of stacks) {
        const variants: [string, string[]][] = [["", []]];
        if (stack === "prod") variants.push([", canary", ["--config", "rollout=canary"]]);
        for (const [variantLabel, variantArgs] of variants) {
            for (const runtime of runtimes) {
                for (const longName of [false, true]) {
                    const label = `${stack} (${RUNTIMES[runtime].cloud}/${runtime}${variantLabel}${longName ? `, modelName=${LONGEST_MODEL_NAME}` : ""})`;
                    const args = runtimePlanArgs(stack, runtime, [...variantArgs, ...(longName ? ["--config", `modelName=${LONGEST_MODEL_NAME}`] : [])]);
                    jobs.push({ label, args: [...args, "--json"] });
                }
            }
        }
    }
    return jobs;
}

interface GateDocument {
    readonly resources: unknown[];
    readonly errors: string[];
    readonly contract: { rule: string; message: string }[];
    readonly violations: { level: string; policy: string; message: string }[];
}

/** A plan's verdict at the gate: passed (exit 0, with its counts) or failed, with every reason the plan gave. */
export function gateVerdict(result: PlanRun): { passed: true; summary: string } | { passed: false; detail: string } {
    let doc: GateDocument | undefined;
    try {
        doc = JSON.parse(result.stdout) as GateDocument;
    } catch {
        // Not JSON: the CLI failed before printing a plan; stderr says why.
    }
    if (result.code !== 0 || !doc) {
        const reasons = doc ? [...doc.errors, ...doc.contract.map((b) => `contract ${b.rule}: ${b.message}`), ...doc.violations.filter((v) => v.level === "mandatory").map((v) => `${v.policy}: ${v.message}`)] : [];
        return { passed: false, detail: `exit ${result.code}\n${reasons.join("\n") || result.stderr.trim()}` };
    }
    return { passed: true, summary: `${doc.resources.length} resources, ${doc.contract.length} contract breaches, ${doc.violations.length} advisory violations` };
}
