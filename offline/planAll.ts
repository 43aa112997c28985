import { gateVerdict, planAllJobs } from "./planAllJobs";
import { PlanPool } from "./planPool";
import { projectRoot } from "./projectRoot";

/**
 * The credential-free gate (offline/planAllJobs.ts lists its plans), each plan as `npm run plan` would
 * make it (on warm plan servers, offline/planServer.ts): fails unless each plan is valid with no cloud
 * contract breach and no mandatory violation.
 */
async function main(): Promise<void> {
    const jobs = planAllJobs(projectRoot());
    // One plan server per core; reported in order.
    const pool = new PlanPool();
    let failed = 0;
    const runs = jobs.map((job) => pool.plan({ args: job.args, memo: false }));
    for (const [i, job] of jobs.entries()) {
        const verdict = gateVerdict(await runs[i]!);
        if (verdict.passed) process.stdout.write(`ok   ${job.label}: ${verdict.summary}\n`);
        else {
            failed++;
            process.stdout.write(`FAIL ${job.label}: ${verdict.detail}\n`);
        }
    }
    pool.stop();
    process.stdout.write(`plans: ${jobs.length - failed} passed, ${failed} failed\n`);
    process.exitCode = failed > 0 ? 1 : 0;
}

void main();
