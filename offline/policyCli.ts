import * as fs from "node:fs";
import { parseArgs } from "node:util";
import { POLICIES } from "../policies/rules";
import { evaluatePolicies } from "./evaluatePolicies";
import { PolicyInputError, resourcesFromDocument } from "./policyInput";

const USAGE = `Usage: npm run policy -- <file> [--json]

Evaluates the policy pack, without credentials, against the resources in <file>: the offline plan's
--json output, a \`pulumi stack export\` file, or {"resources":[{"type","name","inputs"}]}.
Exit codes: 0 no mandatory violation, 1 mandatory violations, 2 unreadable file.`;

async function main(): Promise<number> {
    let parsed;
    try {
        parsed = parseArgs({ allowPositionals: true, options: { json: { type: "boolean" }, help: { type: "boolean", short: "h" } } });
    } catch (err) {
        process.stderr.write(`${(err as Error).message}\n\n${USAGE}\n`);
        return 2;
    }
    if (parsed.values.help) {
        process.stdout.write(`${USAGE}\n`);
        return 0;
    }
    const [file, ...extra] = parsed.positionals;
    if (!file || extra.length > 0) {
        process.stderr.write(`Give exactly one file.\n\n${USAGE}\n`);
        return 2;
    }
    let resources;
    try {
        resources = resourcesFromDocument(JSON.parse(fs.readFileSync(file, "utf8")));
    } catch (err) {
        const why = err instanceof PolicyInputError ? err.message : err instanceof SyntaxError ? `not JSON (${err.message})` : (err as Error).message;
        process.stderr.write(`Cannot read ${file}: ${why}\n`);
        return 2;
    }
    const byUrn = new Map(resources.map((r) => [r.urn, r.name]));
    const violations = (await evaluatePolicies(POLICIES, resources)).map((v) => ({ ...v, name: byUrn.get(v.urn) ?? "" }));
    const mandatory = violations.filter((v) => v.level === "mandatory").length;
    if (parsed.values.json) {
        process.stdout.write(`${JSON.stringify({ violations }, null, 2)}\n`);
    } else {
        for (const v of violations) process.stdout.write(`[${v.level}] ${v.policy} on ${v.name || "the stack"}: ${v.message}\n`);
        process.stdout.write(`${resources.length} resources checked: ${mandatory} mandatory, ${violations.length - mandatory} advisory violations\n`);
    }
    return mandatory > 0 ? 1 : 0;
}

main().then(
    (code) => {
        process.exitCode = code;
    },
    (err: unknown) => {
        process.stderr.write(`policy check failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
        process.exitCode = 2;
    },
);
