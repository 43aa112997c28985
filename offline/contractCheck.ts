import { AUTONAMES, CONTRACT_RULES, type AutonameRule, type Check, type ContractRule } from "../components/cloudRules";
import { UNKNOWN_MARK, type RecordedResource } from "./recorder";

/** One planned value a cloud's API would refuse: `pulumi up` would fail on it. */
export interface ContractBreach {
    /** The rule's id, or `autoname:<type>` for a physical name too long after the provider's autonaming. */
    readonly rule: string;
    readonly urn: string;
    readonly path: string;
    /** The value (redacted when it is a secret input). */
    readonly value: unknown;
    readonly message: string;
    readonly source: string;
}

/** A resource's inputs as the provider sends them: with the physical name it autonamed, where it did. */
export function sentInputs(r: RecordedResource): Record<string, unknown> {
    const rule = AUTONAMES.get(r.type);
    if (!rule || r.inputs[rule.property] !== undefined || r.outputs[rule.property] === undefined) return r.inputs;
    return { ...r.inputs, [rule.property]: r.outputs[rule.property] };
}

/** Every value at a dotted path; `a[].b` steps into each item of the array at `a`. */
export function valuesAt(value: unknown, path: string): { path: string; value: unknown }[] {
    let found: { path: string; value: unknown }[] = [{ path: "", value }];
    for (const step of path.split(".")) {
        const each = step.endsWith("[]");
        const key = each ? step.slice(0, -2) : step;
        found = found.flatMap(({ path: at, value: v }) => {
            if (v === null || typeof v !== "object" || Array.isArray(v)) return [];
            const next = (v as Record<string, unknown>)[key];
            const nextPath = at ? `${at}.${key}` : key;
            if (next === undefined) return [];
            if (!each) return [{ path: nextPath, value: next }];
            return Array.isArray(next) ? next.map((item, i) => ({ path: `${nextPath}[${i}]`, value: item })) : [];
        });
    }
    return found;
}

/** Why `value` breaks `check`, or undefined when it passes (or cannot be judged: unknown until deploy). */
export function breachOf(check: Check, value: unknown): string | undefined {
    if (value === UNKNOWN_MARK) return undefined;
    switch (check.kind) {
        case "pattern":
            return typeof value === "string" && !check.pattern.test(value) ? `must be ${check.description}` : undefined;
        case "forbidden":
            return typeof value === "string" && check.pattern.test(value) ? `must not contain ${check.description}` : undefined;
        case "length": {
            if (typeof value !== "string") return undefined;
            if (value.length > check.max) return `has ${value.length} characters; at most ${check.max} are allowed`;
            if (check.min !== undefined && value.length < check.min) return `has ${value.length} characters; at least ${check.min} are needed`;
            return undefined;
        }
        case "enum":
            return typeof value === "string" || typeof value === "number" ? (check.values.includes(value) ? undefined : `must be one of ${check.values.join(", ")}`) : undefined;
        case "range": {
            const n = typeof value === "number" ? value : typeof value === "string" && value.trim() !== "" ? Number(value) : NaN;
            if (Number.isNaN(n)) return undefined;
            if (check.min !== undefined && n < check.min) return `must be at least ${check.min}`;
            if (check.max !== undefined && n > check.max) return `must be at most ${check.max}`;
            return undefined;
        }
        case "count": {
            const n = Array.isArray(value) ? value.length : value !== null && typeof value === "object" ? Object.keys(value).length : undefined;
            if (n === undefined) return undefined;
            if (n > check.max) return `has ${n} items; at most ${check.max} are allowed`;
            if (check.min !== undefined && n < check.min) return `has ${n} items; at least ${check.min} are needed`;
            return undefined;
        }
    }
}

function shown(value: unknown, path: string, secrets: readonly string[]): unknown {
    if (secrets.some((s) => s === path || path.startsWith(`${s}.`) || path.startsWith(`${s}[`))) return "[secret]";
    if (typeof value === "string" && value.length > 200) return `${value.slice(0, 200)}... (${value.length} characters)`;
    if (Array.isArray(value) || (value !== null && typeof value === "object")) {
        const text = JSON.stringify(value);
        return text.length > 200 ? `${text.slice(0, 200)}...` : value;
    }
    return value;
}

function autonameBreach(r: RecordedResource, rule: AutonameRule, inputs: Record<string, unknown>): ContractBreach | undefined {
    const name = inputs[rule.property];
    if (typeof name !== "string" || name === UNKNOWN_MARK || name.length <= rule.maxLength) return undefined;
    const autonamedHere = r.inputs[rule.property] === undefined;
    return {
        rule: `autoname:${rule.type}`,
        urn: r.urn,
        path: rule.property,
        value: name,
        message: autonamedHere
            ? `the provider names it "${name}" (${name.length} characters: the logical name "${r.name}", "${rule.separator}" and ${rule.randomLength} random characters); the API takes at most ${rule.maxLength}. Fix: shorten the logical name (components/physicalName.ts autonamedLogicalName)`
            : `"${name}" has ${name.length} characters; the API takes at most ${rule.maxLength}`,
        source: rule.source,
    };
}

function ruleBreaches(r: RecordedResource, rule: ContractRule, inputs: Record<string, unknown>): ContractBreach[] {
    return valuesAt(inputs, rule.path).flatMap(({ path, value }) => {
        const why = breachOf(rule.check, value);
        if (!why) return [];
        const counted = rule.check.kind === "count" && value !== null && typeof value === "object";
        const v = counted ? `${Array.isArray(value) ? value.length : Object.keys(value).length} items` : shown(value, path, r.secretInputs);
        return [{ rule: rule.id, urn: r.urn, path, value: v, message: `${path} = ${JSON.stringify(v)} ${why}${rule.fix ? `. Fix: ${rule.fix}` : ""}`, source: rule.source }];
    });
}

/** Every planned value that breaks a rule of the cloud tables (components/cloudRules). */
export function checkContracts(resources: readonly RecordedResource[]): ContractBreach[] {
    return resources.flatMap((r) => {
        const inputs = sentInputs(r);
        const naming = AUTONAMES.get(r.type);
        const named = naming ? autonameBreach(r, naming, inputs) : undefined;
        return [...(named ? [named] : []), ...(CONTRACT_RULES.get(r.type) ?? []).flatMap((rule) => ruleBreaches(r, rule, inputs))];
    });
}

/** A physical name and the scope it must be unique in, as one comparable key. */
export interface PhysicalName {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    readonly uniqueness: AutonameRule["uniqueness"];
    /** Type, scope and name: two resources with one key claim one physical name. */
    readonly key: string;
}

/** The physical names a plan claims: one per resource whose type names it in the cloud tables. */
export function physicalNames(resources: readonly RecordedResource[]): PhysicalName[] {
    return resources.flatMap((r) => {
        const rule = AUTONAMES.get(r.type);
        if (!rule) return [];
        const inputs = sentInputs(r);
        const name = inputs[rule.property];
        if (typeof name !== "string" || name === UNKNOWN_MARK) return [];
        const scope = (rule.scopeProperties ?? (rule.uniqueness === "resource-group" ? ["resourceGroupName"] : [])).map((p) => JSON.stringify(inputs[p] ?? null));
        return [{ urn: r.urn, type: r.type, name, uniqueness: rule.uniqueness, key: [r.type, ...scope, name].join("|") }];
    });
}

/** Pairs of different URNs claiming one physical name: `pulumi up` creates the second before deleting the first, and fails. */
export function nameCollisions(...plans: readonly (readonly RecordedResource[])[]): { key: string; urns: string[] }[] {
    const byKey = new Map<string, Set<string>>();
    for (const resources of plans) for (const n of physicalNames(resources)) byKey.set(n.key, (byKey.get(n.key) ?? new Set()).add(n.urn));
    return [...byKey].filter(([, urns]) => urns.size > 1).map(([key, urns]) => ({ key, urns: [...urns].sort() }));
}
