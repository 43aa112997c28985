import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { projectRoot } from "../offline/projectRoot";
import { detectorBench } from "./detector";
import { policyBench } from "./policies";

/**
 * `npm run bench`: for each stack, the offline plan's wall time and peak memory beside the floor
 * (a bare node process loading @pulumi/pulumi and the same SDK submodules the plan loaded), and
 * the type-check time of the whole project. Median of RUNS runs each.
 */
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const projectDir = projectRoot();
const peakHook = path.join(projectDir, "bench", "peakMemory.cjs");
const stacks = fs.readdirSync(projectDir).flatMap((f) => /^Pulumi\.([^.]+)\.yaml$/.exec(f)?.[1] ?? []).sort();

interface Sample {
    readonly ms: number;
    readonly peakMiB: number;
}

function measure(args: readonly string[]): Sample & { stdout: string } {
    const peakFile = path.join(os.tmpdir(), `bench-peak-${process.pid}-${Math.random().toString(36).slice(2)}`);
    const start = process.hrtime.bigint();
    const run = spawnSync(process.execPath, ["--require", peakHook, ...args], {
        cwd: projectDir,
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
        env: { ...process.env, BENCH_PEAK_FILE: peakFile },
    });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (run.status !== 0 && run.status !== 1) throw new Error(`${args.join(" ")} exited ${run.status}: ${run.stderr}`);
    const peakKiB = Number(fs.readFileSync(peakFile, "utf8"));
    fs.rmSync(peakFile, { force: true });
    return { ms, peakMiB: peakKiB / 1024, stdout: run.stdout };
}

function median(samples: readonly Sample[]): Sample {
    const pick = (key: keyof Sample) => [...samples.map((s) => s[key])].sort((a, b) => a - b)[Math.floor(samples.length / 2)]!;
    return { ms: pick("ms"), peakMiB: pick("peakMiB") };
}

const rows: string[][] = [];
for (const stack of stacks) {
    const planArgs = [path.join(projectDir, "offline", "launch.cjs"), "offline/cli", "--stack", stack, "--json"];
    const first = measure(planArgs);
    const modules = (JSON.parse(first.stdout) as { sdkModules: string[] }).sdkModules;
    const plans = [first, ...Array.from({ length: RUNS - 1 }, () => measure(planArgs))];
    const floorScript = `require("@pulumi/pulumi"); for (const m of ${JSON.stringify(modules)}) require(m);`;
    const floors = Array.from({ length: RUNS }, () => measure(["-e", floorScript]));
    const plan = median(plans);
    const floor = median(floors);
    rows.push([stack, plan.ms.toFixed(0), floor.ms.toFixed(0), (plan.ms / floor.ms).toFixed(2), plan.peakMiB.toFixed(0), floor.peakMiB.toFixed(0), (plan.peakMiB / floor.peakMiB).toFixed(2), String(modules.length)]);
}

const typecheck = median(Array.from({ length: Math.max(1, Math.min(RUNS, 3)) }, () => measure([path.join(projectDir, "node_modules", "typescript", "bin", "tsc"), "-p", ".", "--noCheck", "false"])));

const header = ["stack", "plan ms", "floor ms", "x floor", "plan MiB", "floor MiB", "x floor", "SDK modules"];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: readonly string[]) => cells.map((c, i) => c.padStart(widths[i]!)).join("  ");
process.stdout.write(`Offline plan vs floor (median of ${RUNS}; floor = node loading @pulumi/pulumi and the plan's SDK submodules), ${os.cpus().length} cores\n`);
process.stdout.write(`${line(header)}\n${rows.map(line).join("\n")}\n`);
process.stdout.write(`\ntsc type-check of the project: ${(typecheck.ms / 1000).toFixed(1)} s, peak ${typecheck.peakMiB.toFixed(0)} MiB (target: under 10 s)\n\n`);
policyBench().then((report) => process.stdout.write(`${report}\n${detectorBench()}\n`));
