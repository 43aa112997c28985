import * as pulumi from "@pulumi/pulumi";

/** Pulumi's wire signatures (sdk/nodejs/runtime/rpc.ts): how secrets, assets and references travel. */
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SIG = {
    secret: "1b47061264138c4ac30d75fd1eb44270",
    asset: "c44067f5952c0a294b673a41bacd8c17",
    archive: "0def7320c3a5731c473e5ecbe6d01bc7",
    resource: "5cf8f73096256a8f31e491e813e4eb8e",
    output: "d0e6a833031e9bbcd3f4e8bde6ca49a4",
};
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
export const UNKNOWN_MARK = "<unknown>";

export interface RecordedOptions {
    readonly protect: boolean;
    readonly dependsOn: string[];
    readonly deleteBeforeReplace: boolean;
    readonly retainOnDelete: boolean;
    readonly ignoreChanges: string[];
    readonly provider?: string;
    /** customTimeouts as Pulumi passes them to the provider ("90m"), where set. */
    readonly customTimeouts?: { readonly create?: string; readonly update?: string; readonly delete?: string };
    /** replaceOnChanges: input paths whose change replaces the resource, where set. */
    readonly replaceOnChanges?: string[];
    /** replacementTrigger, where set: a change of it from the last deployment replaces the resource. */
    readonly replacementTrigger?: unknown;
}

export interface RecordedResource {
    urn: string;
    readonly type: string;
    readonly name: string;
    readonly parent?: string;
    readonly custom: boolean;
    id?: string;
    readonly inputs: Record<string, unknown>;
    /** Input paths whose values are marked secret (and so encrypted in state). */
    readonly secretInputs: string[];
    readonly propertyDependencies: Record<string, string[]>;
    readonly options: RecordedOptions;
    outputs: Record<string, unknown>;
    secretOutputs: string[];
}

/** Turns the wire form into plain values, noting the path of every secret on the way. */
export function unwire(value: unknown, at: string, secrets: string[]): unknown {
    if (value === UNKNOWN) return UNKNOWN_MARK;
    if (Array.isArray(value)) return value.map((v, i) => unwire(v, `${at}[${i}]`, secrets));
    if (value === null || typeof value !== "object") return value;
    const obj = value as Record<string, unknown>;
    switch (obj[SIG_KEY]) {
        case SIG.secret:
            secrets.push(at);
            return unwire(obj.value, at, []);
        case SIG.asset:
            return { asset: obj.path ?? obj.uri ?? "<text>" };
        case SIG.archive:
            return { archive: obj.path ?? obj.uri ?? "<assets>" };
        case SIG.resource:
            return { resource: obj.urn };
        case SIG.output:
            if (obj.secret) secrets.push(at);
            return "value" in obj ? unwire(obj.value, at, []) : UNKNOWN_MARK;
    }
    return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, unwire(v, at ? `${at}.${k}` : k, secrets)]));
}

function timeoutsOf(t: { getCreate(): string; getUpdate(): string; getDelete(): string } | undefined): RecordedOptions["customTimeouts"] {
    if (!t || !(t.getCreate() || t.getUpdate() || t.getDelete())) return undefined;
    return { ...(t.getCreate() ? { create: t.getCreate() } : {}), ...(t.getUpdate() ? { update: t.getUpdate() } : {}), ...(t.getDelete() ? { delete: t.getDelete() } : {}) };
}

interface WireStruct {
    toJavaScript(): Record<string, unknown>;
}

/** Records every registration the program makes, exactly as the engine would receive it. */
export class Recorder {
    readonly resources: RecordedResource[] = [];
    /** Inputs and outputs of each resource as they travelled (secrets, assets and unknowns in wire form), by urn: what an analyzer is sent. */
    readonly wire = new Map<string, { inputs: Record<string, unknown>; outputs: Record<string, unknown> }>();
    /** Urns whose outputs were registered: the stack's come last, when the program has finished. */
    readonly outputsRegistered = new Set<string>();
    private readonly byUrn = new Map<string, RecordedResource>();

    /** Wraps a mock monitor, by default the one installed by setMocks; call once, right after setMocks. */
    attach(target: object = pulumi.runtime.getMonitor()!): void {
        const monitor = target as unknown as Record<string, (req: any, cb: (err: unknown, res: any) => void) => unknown>;
        const register = monitor.registerResource!.bind(monitor);
        const registerOutputs = monitor.registerResourceOutputs!.bind(monitor);
        monitor.registerResource = (req, callback) => {
            const secretInputs: string[] = [];
            const propertyDependencies: Record<string, string[]> = {};
            req.getPropertydependenciesMap().forEach((deps: { getUrnsList(): string[] }, key: string) => {
                propertyDependencies[key] = deps.getUrnsList();
            });
            const wireInputs = (req.getObject() as WireStruct | undefined)?.toJavaScript() ?? {};
            const inputs = unwire(wireInputs, "", secretInputs) as Record<string, unknown>;
            // A dynamic resource carries its provider's serialized source; keep its size, not its text.
            if (typeof inputs.__provider === "string") inputs.__provider = `<serialized dynamic provider, ${inputs.__provider.length} characters>`;
            const record: RecordedResource = {
                urn: "",
                type: req.getType(),
                name: req.getName(),
                parent: req.getParent() || undefined,
                custom: req.getCustom(),
                inputs,
                secretInputs,
                propertyDependencies,
                options: {
                    protect: Boolean(req.getProtect()),
                    dependsOn: req.getDependenciesList(),
                    deleteBeforeReplace: Boolean(req.getDeletebeforereplace()),
                    retainOnDelete: Boolean(req.getRetainondelete()),
                    ignoreChanges: req.getIgnorechangesList(),
                    provider: req.getProvider() || undefined,
                    customTimeouts: timeoutsOf(req.getCustomtimeouts()),
                    ...(req.hasReplacementTrigger() ? { replacementTrigger: req.getReplacementTrigger()!.toJavaScript() } : {}),
                    ...(req.getReplaceonchangesList().length > 0 ? { replaceOnChanges: req.getReplaceonchangesList() } : {}),
                },
                outputs: {},
                secretOutputs: [],
            };
            return register(req, (err, response) => {
                if (!err && response) {
                    record.urn = response.getUrn();
                    record.id = response.getId() || undefined;
                    const wireOutputs = (response.getObject() as WireStruct | undefined)?.toJavaScript() ?? {};
                    record.outputs = unwire(wireOutputs, "", record.secretOutputs) as Record<string, unknown>;
                    this.wire.set(record.urn, { inputs: wireInputs, outputs: wireOutputs });
                    this.resources.push(record);
                    this.byUrn.set(record.urn, record);
                }
                callback(err, response);
            });
        };
        monitor.registerResourceOutputs = (req, callback) => {
            this.outputsRegistered.add(req.getUrn());
            const record = this.byUrn.get(req.getUrn());
            if (record) {
                const secrets: string[] = [];
                const wireOutputs = (req.getOutputs() as WireStruct | undefined)?.toJavaScript() ?? {};
                record.outputs = unwire(wireOutputs, "", secrets) as Record<string, unknown>;
                const wire = this.wire.get(record.urn);
                if (wire) wire.outputs = wireOutputs;
                record.secretOutputs = secrets;
            }
            return registerOutputs(req, callback);
        };
    }
}
