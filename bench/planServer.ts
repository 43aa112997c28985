import { CLOUDS, runtimesOf } from "../components/runtimes";
import { PlanPool } from "../offline/planPool";

/**
 * `node offline/launch.cjs bench/planServer`: the time of one plan of each runtime on a warm plan server
 * (offline/planServer.ts, as plan:all and the test suite use it), median of RUNS after one warm-up round.
 */
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const RUNTIMES = CLOUDS.flatMap((cloud) => runtimesOf(cloud).map((runtime) => [cloud, runtime] as const));

async function main(): Promise<void> {
    const pool = new PlanPool(1);
    const times = new Map<string, number[]>(RUNTIMES.map(([, runtime]) => [runtime, []]));
    try {
        for (let round = 0; round <= RUNS; round++) {
            for (const [cloud, runtime] of RUNTIMES) {
                const start = process.hrtime.bigint();
                const run = await pool.plan({ args: ["--stack", "dev", "--config", `cloud=${cloud}`, "--config", `runtime=${runtime}`, "--json"], memo: false });
                if (run.code !== 0) throw new Error(`${cloud}/${runtime} exited ${run.code}: ${run.stderr}`);
                if (round > 0) times.get(runtime)!.push(Number(process.hrtime.bigint() - start) / 1e6);
            }
        }
    } finally {
        pool.stop();
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    process.stdout.write(`One dev plan on a warm plan server, median of ${RUNS} (ms)\n`);
    for (const [cloud, runtime] of RUNTIMES) process.stdout.write(`${`${cloud}/${runtime}`.padEnd(16)}${median(times.get(runtime)!).toFixed(0).padStart(6)}\n`);
}

void main();
