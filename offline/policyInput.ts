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

/**
 * Resources from any of the documents `npm run policy` accepts: the offline plan's --json output,
 * `pulumi stack export`, or a minimal {"resources":[{"type","name","inputs"}]}.
 */
export function resourcesFromDocument(doc: unknown): RecordedResource[] {
    const root = doc as { resources?: unknown; deployment?: { resources?: unknown } } | null;
    const list = root?.deployment?.resources ?? root?.resources;
    if (!Array.isArray(list)) throw new PolicyInputError('no resources found: expected the offline plan\'s JSON, a `pulumi stack export` file, or {"resources":[{"type","name","inputs"}]}');
    return list.map((entry: LooseResource, i) => {
        if (!entry || typeof entry.type !== "string") throw new PolicyInputError(`resource #${i + 1} has no "type"`);
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
            options: entry.options ?? { protect: Boolean(entry.protect), dependsOn: entry.dependencies ?? [], deleteBeforeReplace: false, retainOnDelete: false, ignoreChanges: [] },
            outputs: unwire(entry.outputs ?? {}, "", secretOutputs) as Record<string, unknown>,
            secretOutputs,
        };
    });
}
