import type { RecordedResource } from "../../offline/recorder";

let counter = 0;

/** A recorded resource as the offline engine would produce it, for rule tests. */
export function resource(type: string, inputs: Record<string, unknown>, extra: Partial<RecordedResource> = {}): RecordedResource {
    const name = extra.name ?? `r${counter++}`;
    return {
        urn: `urn:pulumi:test::p::${type}::${name}`,
        type,
        name,
        custom: true,
        inputs,
        secretInputs: [],
        propertyDependencies: {},
        options: { protect: false, dependsOn: [], deleteBeforeReplace: false, retainOnDelete: false, ignoreChanges: [] },
        outputs: {},
        secretOutputs: [],
        ...extra,
    };
}
