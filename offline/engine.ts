import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { Policies } from "@pulumi/policy";
import { checkContracts, type ContractBreach } from "./contractCheck";
import { evaluatePolicies, type Violation } from "./evaluatePolicies";
import { setMockAccount } from "./mockOutputs/common";
import { RealisticMocks } from "./mocks";
import { Recorder, unwire, type RecordedResource } from "./recorder";
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
}

export type ExitCode = 0 | 1 | 2;

export function exitCodeOf(doc: PlanDocument): ExitCode {
    if (doc.errors.length > 0) return 2;
    return doc.contract.length > 0 || doc.violations.some((v) => v.level === "mandatory") ? 1 : 0;
}

const SDK_MODULE = /node_modules[\\/](@pulumi[\\/](?:aws|gcp|azure-native|kubernetes|docker|docker-build|random))[\\/](.*?)(?:[\\/]index)?\.js$/;

/** Cloud SDK modules now loaded in this process, as package/submodule paths. */
export function loadedSdkModules(): string[] {
    const modules = new Set<string>();
    for (const file of Object.keys(require.cache)) {
        const m = SDK_MODULE.exec(file);
        if (m) modules.add(`${m[1]!.replace(/\\/g, "/")}/${m[2]!.replace(/\\/g, "/")}`.replace(/\/index$/, ""));
    }
    return [...modules].sort();
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
    const region = loaded.values["aws:region"] ?? "us-east-1";
    const mocks = new RealisticMocks({ region, project: loaded.values["gcp:project"] ?? "offline-project" }, options.stack);
    await pulumi.runtime.setMocks(mocks, loaded.project, options.stack, true, "organization");
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
        const program = options.program ? path.resolve(options.projectDir, options.program) : path.join(__dirname, "..", "index");
        // Loaded the way Pulumi's Node host loads a program: a CommonJS require inside the stack.
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const exported = await pulumi.runtime.runInPulumiStack(async () => require(program));
        stackOutputs = await resolveOutputs(exported ?? {});
        // Children whose inputs wait on other outputs register after the stack's outputs resolve.
        await pulumi.runtime.disconnect();
    } catch (err) {
        onRejection(err);
    }

    const secretSet = new Set(loaded.secretKeys);
    // A secret stack output is shown the way `pulumi stack output` shows it, never in plaintext.
    for (const at of recorder.resources.find((r) => r.type === "pulumi:pulumi:Stack")?.secretOutputs ?? []) stackOutputs[at.split(/[.[]/)[0]!] = "[secret]";
    const resources = recorder.resources.filter((r) => r.type !== "pulumi:pulumi:Stack");
    const violations = errors.length === 0 && options.policies ? await evaluatePolicies(options.policies, resources) : [];
    return {
        project: loaded.project,
        stack: options.stack,
        config: Object.fromEntries(Object.entries(loaded.values).sort().map(([k, v]) => [k, secretSet.has(k) ? "[secret]" : v])),
        resources: errors.length === 0 ? resources : [],
        outputs: stackOutputs,
        violations,
        contract: errors.length === 0 ? checkContracts(resources) : [],
        errors,
        sdkModules: loadedSdkModules(),
    };
}

async function resolveOutputs(exported: Record<string, unknown>): Promise<Record<string, unknown>> {
    const resolved = await new Promise<Record<string, unknown>>((resolve) => pulumi.output(exported).apply((v) => resolve(v as Record<string, unknown>)));
    return unwire(JSON.parse(JSON.stringify(resolved)), "", []) as Record<string, unknown>;
}

function describeError(err: unknown): string {
    if (err instanceof pulumi.RunError) return err.message;
    if (err instanceof Error) return `${err.name}: ${err.message}${err.stack ? `\n${err.stack.split("\n").slice(1, 6).join("\n")}` : ""}`;
    return String(err);
}

function emptyDocument(project: string, stack: string, errors: string[]): PlanDocument {
    return { project, stack, config: {}, resources: [], outputs: {}, violations: [], contract: [], errors, sdkModules: loadedSdkModules() };
}
