import { createRequire } from "node:module";
import * as path from "node:path";
import * as thisTree from "../policies/secretPatterns";

/**
 * The credential detector's throughput on 1, 10 and 50 MB inputs of the shapes that used to make it
 * quadratic or overflow the stack (PEM, JWT, runs of token characters, a URL query only at the end of many lines) and of the shape it mostly
 * sees (infrastructure values). Each input goes through both detectors, as the policy pack and the
 * config check call them. `npm run bench` prints these rows; `node offline/launch.cjs bench/detector
 * [MB ...] [--only <part of an input's name>]` prints them alone.
 *
 * Each row is the median of RUNS runs or more (ROW_MB a row at least) on inputs of its size made afresh,
 * after a warm-up of WARM_UP_MB on the same input: a throughput, not V8 compiling the detector (the first
 * MiB of a process ran at about a third of the speed of the third). What that first call costs is
 * printed on its own line, measured before anything else runs.
 *
 * DETECTOR_MODULE=<path to a secretPatterns.js> measures that build of the detector instead of this
 * tree's, so that two versions are compared under one measure (see the README's Performance section).
 */

type Detector = Pick<typeof thisTree, "findSecret" | "findEntropySecret">;

let measured: Detector | undefined;

/** The detector the rows measure: this tree's, or the build DETECTOR_MODULE names. */
function detector(): Detector {
    const other = process.env.DETECTOR_MODULE;
    return (measured ??= other ? (createRequire(__filename)(path.resolve(other)) as Detector) : thisTree);
}

const MiB = 1024 * 1024;
const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const URLSAFE = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** Deterministic pseudo-random characters (an LCG): the same input on every run. */
function randomText(alphabet: string, length: number, seed = 20261202): string {
    const parts: string[] = [];
    let x = seed;
    for (let done = 0; done < length; ) {
        const n = Math.min(65536, length - done);
        const chunk = new Array<string>(n);
        for (let i = 0; i < n; i++) {
            x = (Math.imul(x, 1103515245) + 12345) >>> 0;
            chunk[i] = alphabet.charAt((x >>> 8) % alphabet.length);
        }
        parts.push(chunk.join(""));
        done += n;
    }
    return parts.join("");
}

/** One line of what infrastructure inputs are made of: names, ARNs, digests, URLs, IDs, some encoded seeds. */
export function infrastructureValue(i: number): { name: string; value: string } {
    const kind = i % 6;
    if (kind === 0) return { name: "TABLE_ARN", value: `arn:aws:dynamodb:us-east-1:123456789012:table/orders-${i}` };
    if (kind === 1) return { name: "IMAGE", value: `123456789012.dkr.ecr.us-east-1.amazonaws.com/app@sha256:${(i * 2654435761).toString(16).padStart(64, "0")}` };
    if (kind === 2) return { name: "DESCRIPTION", value: `Serving endpoint number ${i} for the churn model, owned by the ML platform team` };
    if (kind === 3) return { name: "MODEL_URI", value: `s3://models-bucket/churn/${i}/model.tar.gz` };
    if (kind === 4) return { name: "REQUEST_ID", value: `${(i * 7919).toString(16)}-4b1e-4c2a-9f3d-${(i * 104729).toString(16).padStart(12, "0")}` };
    return { name: "SEED", value: Buffer.from(`${i}-${i * 31}-${i * 131}-bench`).toString("base64") };
}

interface Input {
    readonly name: string;
    /** Named values that together hold about `bytes` characters. */
    readonly make: (bytes: number) => { name: string; value: string }[];
}

function infrastructureValues(bytes: number): { name: string; value: string }[] {
    const out: { name: string; value: string }[] = [];
    for (let i = 0, total = 0; total < bytes; i++) {
        const entry = infrastructureValue(i);
        out.push(entry);
        total += entry.name.length + entry.value.length;
    }
    return out;
}

export const DETECTOR_INPUTS: readonly Input[] = [
    { name: "infrastructure-like values (many)", make: infrastructureValues },
    {
        name: "infrastructure-like, one value",
        make: (bytes) => [{ name: "config", value: infrastructureValues(bytes).map((e) => `${e.name}=${e.value}`).join("\n") }],
    },
    {
        name: "PEM-like (key header, no END)",
        make: (bytes) => [{ name: "tls", value: `-----BEGIN PRIVATE KEY-----\n${randomText(BASE64, bytes).replace(/.{64}/g, "$&\n")}` }],
    },
    {
        name: "JWT-like (ey-runs, one .ey)",
        make: (bytes) => {
            const segments = randomText(URLSAFE.slice(0, 62), bytes).match(/.{1,30}/g) ?? [];
            return [{ name: "auth", value: `${segments.map((s) => `ey${s}`).join("-")}.ey${randomText(URLSAFE, 40)}` }];
        },
    },
    { name: "token-character run", make: (bytes) => [{ name: "blob", value: randomText(URLSAFE, bytes) }] },
    // Short lines and one URL query at the end: the entropy detector must not look for that URL afresh from every line.
    {
        name: "short lines, one URL at the end",
        make: (bytes) => [{ name: "env", value: `${"LOG_LEVEL=info\n".repeat(Math.ceil(bytes / 15))}see https://example.com/?q=1` }],
    },
];

export interface DetectorRow {
    readonly input: string;
    readonly mb: number;
    readonly seconds: number;
    readonly cpuSeconds: number;
    readonly findings: number;
    readonly kinds: readonly string[];
}

/** Runs measured per row, at least; the median is reported. */
const RUNS = 3;
/** MiB a row reads in all, at least: a 1 MiB run takes about 15 ms, and a median of three of those moved by 20%. */
const ROW_MB = 10;
/** MiB of each input run before its rows, unmeasured. */
const WARM_UP_MB = 2;

/**
 * The input's values as the detector receives them: parsed (from the analyzer's protobuf Struct, a
 * stack file's YAML, a JSON document), which makes flat strings. The generators' template literals
 * make rope strings, which V8 flattens on the first regex that reads them, a cost no parsed value has
 * (about 15% of the "many values" row).
 */
function asParsed(entries: { name: string; value: string }[]): { name: string; value: string }[] {
    return JSON.parse(JSON.stringify(entries)) as { name: string; value: string }[];
}

export function measureDetector(input: Input, mb: number): DetectorRow {
    const entries = asParsed(input.make(Math.floor(mb * MiB)));
    const bytes = entries.reduce((sum, e) => sum + e.name.length + e.value.length, 0);
    const { findSecret, findEntropySecret } = detector();
    const kinds = new Set<string>();
    let findings = 0;
    const cpu = process.cpuUsage();
    const start = process.hrtime.bigint();
    for (const { name, value } of entries) {
        const finding = findSecret(name, value) ?? findEntropySecret(value);
        if (finding) {
            findings++;
            kinds.add(finding.kind.replace(/ \(.*\)$/, ""));
        }
    }
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const used = process.cpuUsage(cpu);
    return { input: input.name, mb: bytes / MiB, seconds, cpuSeconds: (used.user + used.system) / 1e6, findings, kinds: [...kinds] };
}

function median(rows: readonly DetectorRow[], by: (r: DetectorRow) => number): number {
    const sorted = rows.map(by).sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)]!;
}

/** A row's input and size, as every row starts. */
const rowLabel = (input: string, mb: number) => `  ${input.padEnd(36)} ${mb.toFixed(0).padStart(3)} MiB:`;

/** The inputs whose names contain `only` (every input without it). */
function inputsNamed(only: string | undefined): readonly Input[] {
    return only === undefined ? DETECTOR_INPUTS : DETECTOR_INPUTS.filter((i) => i.name.includes(only));
}

/** The row of `input` at `mb`: the median of its runs, or what made the detector throw (an older build's stack overflow). */
function benchRow(input: Input, mb: number): string {
    let runs: DetectorRow[];
    try {
        runs = Array.from({ length: Math.max(RUNS, Math.ceil(ROW_MB / mb)) }, () => measureDetector(input, mb));
    } catch (error) {
        return `${rowLabel(input.name, mb)} the detector threw: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
    }
    const r = runs[0]!;
    const seconds = median(runs, (x) => x.seconds);
    const cpuSeconds = median(runs, (x) => x.cpuSeconds);
    const found = r.findings === 0 ? "no finding" : `${r.findings} finding${r.findings === 1 ? "" : "s"}: ${r.kinds.join(", ")}`;
    return `${rowLabel(r.input, r.mb)} ${seconds.toFixed(2).padStart(6)} s, ${(r.mb / seconds).toFixed(1).padStart(6)} MiB/s (CPU ${(r.mb / cpuSeconds).toFixed(1)} MiB/s), ${found}`;
}

export interface DetectorBenchOptions {
    /** Only the inputs whose names contain this. */
    readonly only?: string;
    /** Handed each line as it is measured. */
    readonly onLine?: (line: string) => void;
    /** The process has not run the detector yet: its first MiB (V8 compiling the detector as it reads) gets a line of its own. */
    readonly fresh?: boolean;
}

/** The rows at each size of the inputs. */
export function detectorBench(sizesMb: readonly number[] = [1, 10, 50], { only, onLine, fresh = false }: DetectorBenchOptions = {}): string {
    // Before anything else runs: the first MiB a process reads includes V8 compiling the detector.
    const first = fresh ? measureDetector(DETECTOR_INPUTS[0]!, 1) : undefined;
    const lines = [
        ...(process.env.DETECTOR_MODULE ? [`Measuring the detector in ${process.env.DETECTOR_MODULE} (DETECTOR_MODULE), not this tree's.`] : []),
        `Detector (findSecret, then findEntropySecret, on each value), MiB/s by wall clock and by CPU time, median of ${RUNS} runs or more (${ROW_MB} MiB a row at least) after ${WARM_UP_MB} MiB of warm-up:`,
        ...(first ? [`  first MiB of a fresh process (${first.input}, V8 compiling as it reads): ${first.seconds.toFixed(3)} s, ${(first.mb / first.seconds).toFixed(1)} MiB/s`] : []),
    ];
    lines.forEach((line) => onLine?.(line));
    for (const input of inputsNamed(only)) {
        try {
            measureDetector(input, WARM_UP_MB);
        } catch {
            // The rows say what it threw.
        }
        for (const mb of sizesMb) {
            const line = benchRow(input, mb);
            lines.push(line);
            onLine?.(line);
        }
    }
    return lines.join("\n");
}

if (process.argv[1]?.replace(/\\/g, "/").endsWith("bench/detector.js")) {
    // node offline/launch.cjs bench/detector [MiB ...] [--only <part of an input's name>]
    const args = process.argv.slice(2);
    const onlyAt = args.indexOf("--only");
    const only = onlyAt >= 0 ? args.splice(onlyAt, 2)[1] : undefined;
    const sizes = args.map(Number).filter((n) => n > 0);
    if (onlyAt >= 0 && (only === undefined || inputsNamed(only).length === 0)) {
        process.stderr.write(`--only ${only ?? "(no value)"}: no input's name contains it; the inputs are ${DETECTOR_INPUTS.map((i) => `"${i.name}"`).join(", ")}\n`);
        process.exit(2);
    }
    detectorBench(sizes.length > 0 ? sizes : undefined, { only, fresh: true, onLine: (line) => process.stdout.write(`${line}\n`) });
}
