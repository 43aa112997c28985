import * as fs from "node:fs";
import { findEntropySecret, findSecret, findSecretInValue, type SecretFinding } from "../policies/secretPatterns";

/**
 * Evaluates the credential detector on a labelled corpus:
 *
 *   npx tsx scripts/evalSecrets.ts <corpus.json> [--json]
 *   npm run eval:secrets -- <corpus.json> [--json]
 *
 * Corpus: {"about": string, "entries": [{"rule", "text", "expect": "leak"|"clean", "clean_for_all_rules"?, "note"?}]}.
 * Reports recall on expect=leak entries, false alarms on clean_for_all_rules entries and throughput,
 * for the high-confidence detector and for high + entropy. Never prints an entry's text.
 * Exit codes: 0 evaluated, 2 unreadable or malformed corpus (or bad arguments).
 */

interface Entry {
    readonly rule: string;
    readonly text: string;
    readonly expect: "leak" | "clean";
    readonly clean_for_all_rules?: boolean;
    readonly note?: string;
}

interface Corpus {
    readonly about: string;
    readonly entries: readonly Entry[];
}

type Detector = (text: string) => SecretFinding | undefined;

const DETECTORS: Readonly<Record<"high" | "highPlusEntropy", Detector>> = {
    high: (text) => findSecretInValue(text) ?? findSecret("value", text),
    highPlusEntropy: (text) => findSecretInValue(text) ?? findSecret("value", text) ?? findEntropySecret(text),
};

interface Report {
    readonly detector: string;
    readonly recall: { readonly found: number; readonly total: number; readonly rate: number };
    readonly missesByRule: Readonly<Record<string, number>>;
    readonly falseAlarms: { readonly flagged: number; readonly total: number; readonly rate: number };
    readonly falseAlarmsByRule: Readonly<Record<string, number>>;
    readonly throughputMBps: number;
}

const USAGE = "Usage: npx tsx scripts/evalSecrets.ts <corpus.json> [--json]";

class CorpusError extends Error {}

function loadCorpus(file: string): Corpus {
    let raw: string;
    try {
        raw = fs.readFileSync(file, "utf8");
    } catch (err) {
        throw new CorpusError(`cannot read ${file}: ${(err as Error).message}`);
    }
    let doc: unknown;
    try {
        doc = JSON.parse(raw);
    } catch (err) {
        throw new CorpusError(`${file} is not JSON: ${(err as Error).message}`);
    }
    if (!doc || typeof doc !== "object" || Array.isArray(doc)) throw new CorpusError(`${file}: expected an object with "about" and "entries"`);
    const { about, entries } = doc as { about?: unknown; entries?: unknown };
    if (typeof about !== "string") throw new CorpusError(`${file}: "about" must be a string`);
    if (!Array.isArray(entries)) throw new CorpusError(`${file}: "entries" must be an array`);
    entries.forEach((e: unknown, i) => {
        const where = `${file}: entries[${i}]`;
        if (!e || typeof e !== "object") throw new CorpusError(`${where} must be an object`);
        const entry = e as Record<string, unknown>;
        if (typeof entry.rule !== "string") throw new CorpusError(`${where}.rule must be a string`);
        if (typeof entry.text !== "string") throw new CorpusError(`${where}.text must be a string`);
        if (entry.expect !== "leak" && entry.expect !== "clean") throw new CorpusError(`${where}.expect must be "leak" or "clean"`);
        if (entry.clean_for_all_rules !== undefined && typeof entry.clean_for_all_rules !== "boolean") throw new CorpusError(`${where}.clean_for_all_rules must be a boolean`);
        if (entry.note !== undefined && typeof entry.note !== "string") throw new CorpusError(`${where}.note must be a string`);
    });
    return { about, entries: entries as Entry[] };
}

function increment(counts: Record<string, number>, key: string): void {
    counts[key] = (counts[key] ?? 0) + 1;
}

/** Runs the detector over every entry's text, repeatedly, for about a second; returns MB/s. */
function throughput(detector: Detector, texts: readonly string[], seconds = 1): number {
    const bytes = texts.reduce((sum, t) => sum + Buffer.byteLength(t, "utf8"), 0);
    for (const t of texts) detector(t); // warm up
    let passes = 0;
    const start = process.hrtime.bigint();
    let elapsed = 0;
    do {
        for (const t of texts) detector(t);
        passes++;
        elapsed = Number(process.hrtime.bigint() - start) / 1e9;
    } while (elapsed < seconds);
    return (bytes * passes) / elapsed / 1e6;
}

function evaluate(name: string, detector: Detector, corpus: Corpus): Report {
    const leaks = corpus.entries.filter((e) => e.expect === "leak");
    const clean = corpus.entries.filter((e) => e.clean_for_all_rules === true);
    const missesByRule: Record<string, number> = {};
    const falseAlarmsByRule: Record<string, number> = {};
    let found = 0;
    for (const e of leaks) {
        if (detector(e.text)) found++;
        else increment(missesByRule, e.rule);
    }
    let flagged = 0;
    for (const e of clean) {
        if (detector(e.text)) {
            flagged++;
            increment(falseAlarmsByRule, e.rule);
        }
    }
    return {
        detector: name,
        recall: { found, total: leaks.length, rate: leaks.length ? found / leaks.length : 0 },
        missesByRule,
        falseAlarms: { flagged, total: clean.length, rate: clean.length ? flagged / clean.length : 0 },
        falseAlarmsByRule,
        throughputMBps: throughput(detector, corpus.entries.map((e) => e.text)),
    };
}

const pct = (rate: number) => `${(rate * 100).toFixed(1)}%`;

function renderTable(file: string, corpus: Corpus, reports: readonly Report[]): string {
    const lines = [`Corpus: ${file} (${corpus.entries.length} entries)`, ""];
    const header = ["detector", "recall (leak)", "false alarms (clean for all rules)", "MB/s"];
    const rows = reports.map((r) => [r.detector, `${r.recall.found}/${r.recall.total} ${pct(r.recall.rate)}`, `${r.falseAlarms.flagged}/${r.falseAlarms.total} ${pct(r.falseAlarms.rate)}`, r.throughputMBps.toFixed(1)]);
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? "").length)));
    const fmt = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ").trimEnd();
    lines.push(fmt(header), fmt(widths.map((w) => "-".repeat(w))), ...rows.map(fmt));
    for (const r of reports) {
        const misses = Object.entries(r.missesByRule).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
        const alarms = Object.entries(r.falseAlarmsByRule).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
        lines.push("", `${r.detector}: misses by rule${misses.length ? "" : ": none"}`);
        for (const [rule, n] of misses) lines.push(`  ${String(n).padStart(4)}  ${rule}`);
        lines.push(`${r.detector}: false alarms by rule${alarms.length ? "" : ": none"}`);
        for (const [rule, n] of alarms) lines.push(`  ${String(n).padStart(4)}  ${rule}`);
    }
    return lines.join("\n");
}

function main(argv: readonly string[]): number {
    const json = argv.includes("--json");
    const files = argv.filter((a) => a !== "--json");
    const unknown = files.filter((a) => a.startsWith("-"));
    if (unknown.length > 0 || files.length !== 1) {
        process.stderr.write(`${unknown.length ? `unknown option ${unknown.join(" ")}\n` : ""}${USAGE}\n`);
        return 2;
    }
    const file = files[0] ?? "";
    let corpus: Corpus;
    try {
        corpus = loadCorpus(file);
    } catch (err) {
        if (!(err instanceof CorpusError)) throw err;
        process.stderr.write(`evalSecrets: ${err.message}\n${USAGE}\n`);
        return 2;
    }
    const reports = (Object.keys(DETECTORS) as (keyof typeof DETECTORS)[]).map((name) => evaluate(name, DETECTORS[name], corpus));
    if (json) process.stdout.write(`${JSON.stringify({ corpus: file, entries: corpus.entries.length, reports }, null, 2)}\n`);
    else process.stdout.write(`${renderTable(file, corpus, reports)}\n`);
    return 0;
}

process.exitCode = main(process.argv.slice(2));
