import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { POLICIES } from "../policies/rules";
import { PROCESS_OUTPUT, type CliOutput } from "./cliOutput";
import { evaluatePolicies } from "./evaluatePolicies";
import { PolicyInputError, resourcesFromDocument } from "./policyInput";

const USAGE = `Usage: npm run policy -- <file> [--json]

Evaluates the policy pack, without credentials, against the resources in <file>: the offline plan's
--json output, a \`pulumi stack export\` file, or {"resources":[{"type","name","inputs"}]}.
Exit codes: 0 no mandatory violation, 1 mandatory violations, 2 unreadable file.`;

/** Larger than any plan or stack export of a real program; past it the file is refused, not read into memory. */
const MAX_INPUT_BYTES = 256 * 1024 * 1024;

/**
 * The file's text, or a PolicyInputError: FIFOs, devices and directories are refused before a read
 * can block or never end (opened non-blocking, judged by fstat), and so is a file over the cap.
 */
function readInput(file: string): string {
    let fd: number;
    try {
        fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    } catch (err) {
        throw new PolicyInputError((err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (err as Error).message);
    }
    try {
        const stat = fs.fstatSync(fd);
        if (stat.isDirectory()) throw new PolicyInputError("a directory, not a file");
        if (!stat.isFile()) throw new PolicyInputError("not a regular file (a FIFO, socket or device); give the plan's JSON as a file");
        if (stat.size > MAX_INPUT_BYTES) throw new PolicyInputError(`${stat.size} bytes, over the ${MAX_INPUT_BYTES / 1048576} MiB limit`);
        return fs.readFileSync(fd, "utf8");
    } finally {
        fs.closeSync(fd);
    }
}

/** Control characters and terminal escape sequences of names and messages, shown as \xNN so they cannot drive the terminal. */
export function printable(text: string): string {
    return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}

/** One `npm run policy -- <args>`: prints the verdicts and resolves to the exit code. */
export async function runPolicyCli(args: readonly string[], out: CliOutput = PROCESS_OUTPUT): Promise<number> {
    let parsed;
    try {
        parsed = parseArgs({ args: [...args], allowPositionals: true, options: { json: { type: "boolean" }, help: { type: "boolean", short: "h" } } });
    } catch (err) {
        out.stderr(`${(err as Error).message}\n\n${USAGE}\n`);
        return 2;
    }
    if (parsed.values.help) {
        out.stdout(`${USAGE}\n`);
        return 0;
    }
    const [file, ...extra] = parsed.positionals;
    if (!file || extra.length > 0) {
        out.stderr(`Give exactly one file.\n\n${USAGE}\n`);
        return 2;
    }
    let resources;
    try {
        resources = resourcesFromDocument(JSON.parse(readInput(file)));
    } catch (err) {
        const why = err instanceof PolicyInputError ? err.message : err instanceof SyntaxError ? `not JSON (${err.message})` : (err as Error).message;
        out.stderr(`Cannot read ${printable(file)}: ${printable(why)}\n`);
        return 2;
    }
    const byUrn = new Map(resources.map((r) => [r.urn, r.name]));
    const violations = (await evaluatePolicies(POLICIES, resources)).map((v) => ({ ...v, name: byUrn.get(v.urn) ?? "" }));
    const mandatory = violations.filter((v) => v.level === "mandatory").length;
    if (parsed.values.json) {
        out.stdout(`${JSON.stringify({ violations }, null, 2)}\n`);
    } else {
        for (const v of violations) out.stdout(`[${v.level}] ${v.policy} on ${printable(v.name || "the stack")}: ${printable(v.message)}\n`);
        out.stdout(`${resources.length} resources checked: ${mandatory} mandatory, ${violations.length - mandatory} advisory violations\n`);
    }
    return mandatory > 0 ? 1 : 0;
}

/** runPolicyCli, with a failure of the tool itself reported in one line and exit code 2, never a stack trace. */
export function runPolicyCliSafely(args: readonly string[], out: CliOutput = PROCESS_OUTPUT): Promise<number> {
    return runPolicyCli(args, out).catch((err: unknown) => {
        out.stderr(`policy check failed: ${printable(err instanceof Error ? err.message : String(err))}\n`);
        return 2;
    });
}

// Run as a tool (offline/launch.cjs points argv[1] at this file), not when a test requires it.
if (path.resolve(process.argv[1] ?? "") === __filename) {
    void runPolicyCliSafely(process.argv.slice(2)).then((code) => {
        process.exitCode = code;
    });
}
