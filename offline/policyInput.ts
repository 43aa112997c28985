import { unwire, type RecordedResource } from "./recorder";

export class PolicyInputError extends Error {}

interface LooseResource {
    urn?: string;
    type?: string;
    name?: string;
    parent?: string;
    custom?: boolean;
    inputs?: Record<string, unknown>;
    outputs?: Record<string, unknown>;
    secretInputs?: string[];
    protect?: boolean;
    dependencies?: string[];
    propertyDependencies?: Record<string, string[]>;
    options?: RecordedResource["options"];
}

const STRING_FIELDS = ["urn", "name", "parent"] as const;
const OBJECT_FIELDS = ["inputs", "outputs", "propertyDependencies", "options"] as const;
const STRING_LIST_FIELDS = ["secretInputs", "dependencies"] as const;

/** Refuses fields of the wrong type, naming the resource and the field, before anything reads them. */
function checkFields(entry: LooseResource, i: number): void {
    const fields = entry as Record<string, unknown>;
    const wrong = (field: string, what: string) => new PolicyInputError(`resource #${i + 1} ("${String(entry.type)}"): "${field}" must be ${what}`);
    for (const f of STRING_FIELDS) if (fields[f] !== undefined && typeof fields[f] !== "string") throw wrong(f, "a string");
    for (const f of OBJECT_FIELDS) {
        const v = fields[f];
        if (v !== undefined && (v === null || typeof v !== "object" || Array.isArray(v))) throw wrong(f, "an object");
    }
    for (const f of STRING_LIST_FIELDS) {
        const v = fields[f];
        if (v !== undefined && !(Array.isArray(v) && v.every((x) => typeof x === "string"))) throw wrong(f, "a list of strings");
    }
    for (const [key, urns] of Object.entries(entry.propertyDependencies ?? {})) {
        if (!(Array.isArray(urns) && urns.every((x) => typeof x === "string"))) throw wrong(`propertyDependencies.${key}`, "a list of URNs");
    }
    if (entry.custom !== undefined && typeof entry.custom !== "boolean") throw wrong("custom", "true or false");
    if (entry.protect !== undefined && typeof entry.protect !== "boolean") throw wrong("protect", "true or false");
    const options = entry.options as Record<string, unknown> | undefined;
    if (options) {
        for (const f of ["dependsOn", "ignoreChanges"]) if (options[f] !== undefined && !(Array.isArray(options[f]) && (options[f] as unknown[]).every((x) => typeof x === "string"))) throw wrong(`options.${f}`, "a list of strings");
    }
}

/**
 * Resources from any of the documents `npm run policy` accepts: the offline plan's --json output,
 * `pulumi stack export`, or a minimal {"resources":[{"type","name","inputs"}]}.
 */
export function resourcesFromDocument(doc: unknown): RecordedResource[] {
    const root = doc as { resources?: unknown; deployment?: { resources?: unknown } } | null;
    const list = root?.deployment?.resources ?? root?.resources;
    if (!Array.isArray(list)) throw new PolicyInputError('no resources found: expected the offline plan\'s JSON, a `pulumi stack export` file, or {"resources":[{"type","name","inputs"}]}');
    return list.map((entry: LooseResource, i) => {
        if (!entry || typeof entry !== "object" || Array.isArray(entry)) throw new PolicyInputError(`resource #${i + 1} is not an object`);
        if (typeof entry.type !== "string") throw new PolicyInputError(`resource #${i + 1} has no "type" string`);
        checkFields(entry, i);
        const name = entry.name ?? entry.urn?.split("::").pop() ?? `resource-${i + 1}`;
        const secretInputs = [...(entry.secretInputs ?? [])];
        const inputs = unwire(entry.inputs ?? {}, "", secretInputs) as Record<string, unknown>;
        const secretOutputs: string[] = [];
        return {
            urn: entry.urn ?? `urn:pulumi:file::policy::${entry.type}::${name}`,
            type: entry.type,
            name,
            parent: entry.parent,
            custom: entry.custom ?? !entry.type.startsWith("pulumi:pulumi:"),
            inputs,
            secretInputs,
            propertyDependencies: entry.propertyDependencies ?? {},
            options: { protect: Boolean(entry.protect), dependsOn: entry.dependencies ?? [], deleteBeforeReplace: false, retainOnDelete: false, ignoreChanges: [], ...entry.options },
            outputs: unwire(entry.outputs ?? {}, "", secretOutputs) as Record<string, unknown>,
            secretOutputs,
        };
    });
}
