import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { RUNTIMES } from "../components/runtimes";
import { projectRoot } from "./projectRoot";

/**
 * The credential-free gate: plans every stack file, and every built runtime on each stack, in fresh
 * processes (the mock runtime is global), and fails unless each plan is valid with no mandatory violation.
 */
const projectDir = projectRoot();
const stacks = fs.readdirSync(projectDir).flatMap((f) => /^Pulumi\.([^.]+)\.yaml$/.exec(f)?.[1] ?? []).sort();
const runtimes = (Object.keys(RUNTIMES) as (keyof typeof RUNTIMES)[]).filter((r) => RUNTIMES[r].load);
const launcher = path.join(projectDir, "offline", "launch.cjs");

let failed = 0;
for (const stack of stacks) {
    for (const runtime of runtimes) {
        const label = `${stack} (${RUNTIMES[runtime].cloud}/${runtime})`;
        const run = spawnSync(process.execPath, [launcher, "offline/cli", "--stack", stack, "--config", `cloud=${RUNTIMES[runtime].cloud}`, "--config", `runtime=${runtime}`, "--json"], {
            cwd: projectDir,
            encoding: "utf8",
            maxBuffer: 64 * 1024 * 1024,
        });
        if (run.status !== 0) {
            failed++;
            let detail = run.stderr.trim();
            try {
                const doc = JSON.parse(run.stdout) as { errors: string[]; violations: { level: string; policy: string; message: string }[] };
                detail = [...doc.errors, ...doc.violations.filter((v) => v.level === "mandatory").map((v) => `${v.policy}: ${v.message}`)].join("\n") || detail;
            } catch {
                // Not JSON: the CLI failed before printing a plan; stderr says why.
            }
            process.stdout.write(`FAIL ${label}: exit ${run.status}\n${detail}\n`);
        } else {
            const doc = JSON.parse(run.stdout) as { resources: unknown[]; violations: unknown[] };
            process.stdout.write(`ok   ${label}: ${doc.resources.length} resources, ${doc.violations.length} advisory violations\n`);
        }
    }
}
process.stdout.write(`plans: ${stacks.length * runtimes.length - failed} passed, ${failed} failed\n`);
process.exitCode = failed > 0 ? 1 : 0;
