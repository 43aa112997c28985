import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { projectRoot } from "../offline/projectRoot";
import { detectorBench } from "./detector";
import { policyBench } from "./policies";

/**
 * `npm run bench`: for each stack, the offline plan's wall time and peak memory in both engines (in-process
 * mocks; Pulumi's runner against the loopback gRPC engine, with the pack as the analyzer) beside the floor
 * (a bare node process loading @pulumi/pulumi and the same SDK submodules the plan loaded), and the
 * type-check time of the whole project. Median of RUNS runs each. Memory is the sum of the peaks of every
 * process a run starts (the gRPC engine starts the program and the pack in processes of their own).
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
    const run = spawnSync(process.execPath, args, {
        cwd: projectDir,
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
        env: { ...process.env, BENCH_PEAK_FILE: peakFile, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --require ${peakHook}`.trim() },
    });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (run.status !== 0 && run.status !== 1) throw new Error(`${args.join(" ")} exited ${run.status}: ${run.stderr}`);
    const prefix = `${path.basename(peakFile)}.`;
    let peakKiB = 0;
    for (const f of fs.readdirSync(path.dirname(peakFile)).filter((name) => name.startsWith(prefix))) {
        peakKiB += Number(fs.readFileSync(path.join(path.dirname(peakFile), f), "utf8"));
        fs.rmSync(path.join(path.dirname(peakFile), f), { force: true });
    }
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
    const grpcPlans = Array.from({ length: RUNS }, () => measure([...planArgs, "--engine", "grpc"]));
    const floorScript = `require("@pulumi/pulumi"); for (const m of ${JSON.stringify(modules)}) require(m);`;
    const floors = Array.from({ length: RUNS }, () => measure(["-e", floorScript]));
    const plan = median(plans);
    const grpc = median(grpcPlans);
    const floor = median(floors);
    rows.push([
        stack,
        floor.ms.toFixed(0),
        plan.ms.toFixed(0),
        (plan.ms / floor.ms).toFixed(2),
        grpc.ms.toFixed(0),
        (grpc.ms / floor.ms).toFixed(2),
        floor.peakMiB.toFixed(0),
        plan.peakMiB.toFixed(0),
        (plan.peakMiB / floor.peakMiB).toFixed(2),
        grpc.peakMiB.toFixed(0),
        (grpc.peakMiB / floor.peakMiB).toFixed(2),
        String(modules.length),
    ]);
}

const typecheck = median(Array.from({ length: Math.max(1, Math.min(RUNS, 3)) }, () => measure([path.join(projectDir, "node_modules", "typescript", "bin", "tsc"), "-p", ".", "--noCheck", "false"])));

const header = ["stack", "floor ms", "in-process ms", "x floor", "grpc ms", "x floor", "floor MiB", "in-process MiB", "x floor", "grpc MiB", "x floor", "SDK modules"];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: readonly string[]) => cells.map((c, i) => c.padStart(widths[i]!)).join("  ");
process.stdout.write(
    `Offline plan, both engines, vs floor (median of ${RUNS}; floor = node loading @pulumi/pulumi and the plan's SDK submodules; grpc = Pulumi's runner, loopback engine, pack as analyzer), ${os.cpus().length} cores\n`,
);
process.stdout.write(`${line(header)}\n${rows.map(line).join("\n")}\n`);
process.stdout.write(`\ntsc type-check of the project: ${(typecheck.ms / 1000).toFixed(1)} s, peak ${typecheck.peakMiB.toFixed(0)} MiB (target: under 10 s)\n\n`);
policyBench().then((report) => process.stdout.write(`${report}\n${detectorBench()}\n`));
