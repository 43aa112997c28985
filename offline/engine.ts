import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { Policies } from "@pulumi/policy";
import { checkContracts, type ContractBreach } from "./contractCheck";
import { evaluatePolicies, type Violation } from "./evaluatePolicies";
import { setMockAccount } from "./mockOutputs/common";
import { RealisticMocks } from "./mocks";
import { PreviewMocks } from "./previewMocks";
import { Recorder, UNKNOWN_MARK, unwire, type RecordedResource } from "./recorder";
import { loadStackConfig, StackFileError } from "./stackConfig";

export interface PlanOptions {
    readonly stack: string;
    readonly projectDir: string;
    readonly config?: readonly string[];
    readonly secretConfig?: readonly string[];
    /** Program entry point, relative to projectDir. @default - the project's index, beside offline/ */
    readonly program?: string;
    readonly policies?: Policies;
    /** Plan as another customer: the 12-digit account the mocks answer with. @default - 123456789012 */
    readonly mockAccount?: string;
    /** Answer as a dry run does: ids and provider-computed outputs unknown. @default - every output known */
    readonly preview?: boolean;
}

/** Which engine ran the program: Pulumi's mock runtime in this process, or Pulumi's runner against the loopback gRPC engine. */
export type EngineKind = "in-process" | "grpc";

/** Where a resource held values unknown at preview: input and output paths, as the policies saw them. */
export interface UnknownValues {
    readonly urn: string;
    readonly inputs: string[];
    readonly outputs: string[];
}

export interface PlanDocument {
    readonly project: string;
    readonly stack: string;
    /** Config the program saw; secret values are shown as [secret]. */
    readonly config: Record<string, string>;
    readonly resources: RecordedResource[];
    readonly outputs: Record<string, unknown>;
    readonly violations: Violation[];
    /** Planned values the clouds' APIs would refuse (components/cloudRules): `pulumi up` would fail on each. */
    readonly contract: ContractBreach[];
    /** Problems that stopped the program (invalid config, program errors). */
    readonly errors: string[];
    /** Cloud SDK modules the program loaded: evidence that only the chosen cloud is loaded. */
    readonly sdkModules: string[];
    readonly engine: EngineKind;
    /** True when outputs the providers compute were answered unknown, as in `pulumi preview`. */
    readonly preview: boolean;
    /** Every resource with a value unknown at plan time (none unless preview). */
    readonly unknowns: UnknownValues[];
}

export type ExitCode = 0 | 1 | 2;

export function exitCodeOf(doc: PlanDocument): ExitCode {
    if (doc.errors.length > 0) return 2;
    return doc.contract.length > 0 || doc.violations.some((v) => v.level === "mandatory") ? 1 : 0;
}

/** The cloud SDK packages a plan may load (the evidence sdkModules gives); offline/planServer unloads them between plans. */
export const CLOUD_SDK_PACKAGE = /node_modules[\\/]@pulumi[\\/](?:aws|gcp|azure-native|kubernetes|docker|docker-build|random)[\\/]/;
const SDK_MODULE = /node_modules[\\/](@pulumi[\\/](?:aws|gcp|azure-native|kubernetes|docker|docker-build|random))[\\/](.*?)(?:[\\/]index)?\.js$/;

/** The cloud SDK modules among these files, as package/submodule paths. */
export function sdkModulesOf(files: readonly string[]): string[] {
    const modules = new Set<string>();
    for (const file of files) {
        const m = SDK_MODULE.exec(file);
        if (m) modules.add(`${m[1]!.replace(/\\/g, "/")}/${m[2]!.replace(/\\/g, "/")}`.replace(/\/index$/, ""));
    }
    return [...modules].sort();
}

/** Cloud SDK modules now loaded in this process, as package/submodule paths. */
export function loadedSdkModules(): string[] {
    return sdkModulesOf(Object.keys(require.cache));
}

/** The organization a DIY backend gives every stack (and `pulumi.getOrganization()` returns). */
export const ORGANIZATION = "organization";

/** The mocks both engines answer with: realistic provider outputs, or those of a dry run. */
export function mocksFor(config: Record<string, string>, options: Pick<PlanOptions, "stack" | "preview">): pulumi.runtime.Mocks {
    const mocks = new RealisticMocks({ region: config["aws:region"] ?? "us-east-1", project: config["gcp:project"] ?? "offline-project" }, options.stack);
    return options.preview ? new PreviewMocks(mocks) : mocks;
}

/**
 * Runs the program under Pulumi's mock runtime with the stack's config and records what it would
 * register. One plan per process: the runtime's settings are global.
 */
export async function plan(options: PlanOptions): Promise<PlanDocument> {
    const errors: string[] = [];
    let loaded;
    try {
        loaded = loadStackConfig(options.projectDir, options.stack, options.config, options.secretConfig);
    } catch (err) {
        if (err instanceof StackFileError) return emptyDocument(path.basename(options.projectDir), options.stack, [err.message]);
        throw err;
    }
    if (options.mockAccount !== undefined) setMockAccount(options.mockAccount);
    await pulumi.runtime.setMocks(mocksFor(loaded.values, options), loaded.project, options.stack, true, ORGANIZATION);
    pulumi.runtime.setAllConfig(loaded.values, loaded.secretKeys);
    const recorder = new Recorder();
    recorder.attach();

    // Left installed: the runtime re-raises a program's error after the stack settles, and one plan owns its process.
    const onRejection = (reason: unknown) => {
        const message = describeError(reason);
        if (!errors.some((e) => e.split("\n")[0] === message.split("\n")[0])) errors.push(message);
    };
    process.on("unhandledRejection", onRejection);
    process.on("uncaughtException", onRejection);
    let stackOutputs: Record<string, unknown> = {};
    try {
        // The program beside this engine: compiled JavaScript under offline/launch.cjs, TypeScript under a loader.
        const program = programModule(options.projectDir, options.program);
        // Loaded the way Pulumi's Node host loads a program: a CommonJS require inside the stack.
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const exported = await pulumi.runtime.runInPulumiStack(async () => require(program));
        stackOutputs = await resolveOutputs(exported ?? {});
        // Children whose inputs wait on other outputs register after the stack's outputs resolve.
        await pulumi.runtime.disconnect();
    } catch (err) {
        onRejection(err);
    }

    const resources = recorder.resources.filter((r) => r.type !== "pulumi:pulumi:Stack");
    const violations = errors.length === 0 && options.policies ? await evaluatePolicies(options.policies, resources) : [];
    return planDocument({ loaded, options, recorder, stackOutputs, violations, errors, sdkModules: loadedSdkModules(), engine: "in-process" });
}

/**
 * The module the plan requires: index.ts's, or `program`'s. A TypeScript program of the project (an
 * example) is loaded as its twin beside this engine, compiled by offline/launch.cjs or run by a loader.
 */
function programModule(projectDir: string, program: string | undefined): string {
    if (program === undefined) return path.join(__dirname, "..", "index");
    const full = path.resolve(projectDir, program);
    if (!full.endsWith(".ts")) return full;
    return path.join(__dirname, "..", path.relative(projectDir, full).slice(0, -".ts".length));
}

/** The plan document of a finished run, the same for both engines. */
export function planDocument(run: {
    loaded: { project: string; values: Record<string, string>; secretKeys: readonly string[] };
    options: Pick<PlanOptions, "stack" | "preview">;
    recorder: Recorder;
    stackOutputs: Record<string, unknown>;
    violations: Violation[];
    errors: string[];
    sdkModules: string[];
    engine: EngineKind;
}): PlanDocument {
    const { loaded, options, recorder, stackOutputs, errors } = run;
    const secretSet = new Set(loaded.secretKeys);
    // A secret stack output is shown the way `pulumi stack output` shows it, never in plaintext.
    for (const at of recorder.resources.find((r) => r.type === "pulumi:pulumi:Stack")?.secretOutputs ?? []) stackOutputs[at.split(/[.[]/)[0]!] = "[secret]";
    const resources = recorder.resources.filter((r) => r.type !== "pulumi:pulumi:Stack");
    return {
        project: loaded.project,
        stack: options.stack,
        config: Object.fromEntries(Object.entries(loaded.values).sort().map(([k, v]) => [k, secretSet.has(k) ? "[secret]" : v])),
        resources: errors.length === 0 ? resources : [],
        outputs: stackOutputs,
        violations: run.violations,
        contract: errors.length === 0 ? checkContracts(resources) : [],
        errors,
        sdkModules: run.sdkModules,
        engine: run.engine,
        preview: Boolean(options.preview),
        unknowns: errors.length === 0 ? unknownValues(resources) : [],
    };
}

/** Paths of every value marked unknown, in each resource's inputs and outputs. */
export function unknownValues(resources: readonly RecordedResource[]): UnknownValues[] {
    const paths = (value: unknown, at: string, found: string[]): string[] => {
        if (value === UNKNOWN_MARK) found.push(at);
        else if (Array.isArray(value)) value.forEach((v, i) => paths(v, `${at}[${i}]`, found));
        else if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) paths(v, at ? `${at}.${k}` : k, found);
        return found;
    };
    return resources.flatMap((r) => {
        const inputs = paths(r.inputs, "", []);
        const outputs = paths(r.outputs, "", []);
        return inputs.length + outputs.length > 0 ? [{ urn: r.urn, inputs, outputs }] : [];
    });
}

async function resolveOutputs(exported: Record<string, unknown>): Promise<Record<string, unknown>> {
    const resolved = await new Promise<Record<string, unknown>>((resolve) => pulumi.output(exported).apply((v) => resolve(v as Record<string, unknown>)));
    return unwire(JSON.parse(JSON.stringify(resolved)), "", []) as Record<string, unknown>;
}

export function describeError(err: unknown): string {
    if (err instanceof pulumi.RunError) return err.message;
    if (err instanceof Error) return `${err.name}: ${err.message}${err.stack ? `\n${err.stack.split("\n").slice(1, 6).join("\n")}` : ""}`;
    return String(err);
}

export function emptyDocument(project: string, stack: string, errors: string[], engine: EngineKind = "in-process"): PlanDocument {
    return { project, stack, config: {}, resources: [], outputs: {}, violations: [], contract: [], errors, sdkModules: loadedSdkModules(), engine, preview: false, unknowns: [] };
}
