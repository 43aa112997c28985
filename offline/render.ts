import type { PlanDocument } from "./engine";
import { exitCodeOf } from "./engine";
import { rolloutSummary } from "./rolloutSummary";

const FLAGS: readonly [keyof PlanDocument["resources"][number]["options"], string][] = [
    ["protect", "protected"],
    ["retainOnDelete", "retained on delete"],
    ["deleteBeforeReplace", "delete before replace"],
];

/** The plan as a person reads it: a tree of resources, the rollout and alarms, outputs, violations and a one-line verdict. */
export function renderPlan(doc: PlanDocument): string {
    const how = doc.engine === "grpc" ? `Pulumi's runner against a loopback gRPC engine${doc.preview ? ", preview unknowns" : ""}` : `mock runtime${doc.preview ? ", preview unknowns" : ""}`;
    const lines: string[] = [`Offline plan of ${doc.project}/${doc.stack} (${how}: nothing was deployed)`];
    if (doc.errors.length > 0) {
        lines.push("", "The program stopped before registering any resource:", ...doc.errors.map((e) => e.split("\n").map((l) => `  ${l}`).join("\n")));
        lines.push("", "Result: invalid (exit 2)");
        return lines.join("\n");
    }
    const children = new Map<string | undefined, PlanDocument["resources"]>();
    const urns = new Set(doc.resources.map((r) => r.urn));
    for (const r of doc.resources) {
        const parent = r.parent && urns.has(r.parent) ? r.parent : undefined;
        children.set(parent, [...(children.get(parent) ?? []), r]);
    }
    const flagged = new Map<string, string[]>();
    for (const v of doc.violations) flagged.set(v.urn, [...(flagged.get(v.urn) ?? []), `${v.level}: ${v.policy}`]);
    const walk = (parent: string | undefined, indent: string) => {
        for (const r of children.get(parent) ?? []) {
            const flags = FLAGS.filter(([key]) => r.options[key]).map(([, label]) => label);
            const secret = r.secretInputs.length > 0 ? [`secret: ${r.secretInputs.join(", ")}`] : [];
            const notes = [...flags, ...secret, ...(flagged.get(r.urn) ?? [])];
            lines.push(`${indent}+ ${r.type}  ${r.name}${notes.length ? `  [${notes.join("; ")}]` : ""}`);
            walk(r.urn, `${indent}    `);
        }
    };
    lines.push("");
    walk(undefined, "  ");
    lines.push(...rolloutSummary(doc.resources));
    lines.push("", "Outputs:");
    for (const [key, value] of Object.entries(doc.outputs)) lines.push(`  ${key}: ${typeof value === "string" ? value : JSON.stringify(value)}`);
    const stackWide = doc.violations.filter((v) => v.urn === "");
    if (doc.violations.length > 0) {
        lines.push("", "Policy violations:");
        for (const v of doc.violations) lines.push(`  [${v.level}] ${v.policy}: ${v.message}${v.urn ? `\n      at ${v.urn}` : ""}`);
    }
    if (doc.contract.length > 0) {
        lines.push("", "Cloud contract breaches (the cloud's API would refuse these at pulumi up):");
        for (const b of doc.contract) lines.push(`  [${b.rule}] ${b.message}\n      at ${b.urn}\n      source: ${b.source}`);
    }
    const mandatory = doc.violations.filter((v) => v.level === "mandatory").length;
    const counts = `${doc.resources.length} resources (${doc.resources.filter((r) => r.custom).length} cloud resources, ${doc.resources.filter((r) => r.options.protect).length} protected)`;
    lines.push("", `Result: ${counts}; ${doc.contract.length} contract breaches; ${mandatory} mandatory and ${doc.violations.length - mandatory} advisory violations${stackWide.length ? "" : ""} (exit ${exitCodeOf(doc)})`);
    return lines.join("\n");
}
