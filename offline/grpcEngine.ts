import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { plaintextSecretsInState, type Violation } from "./evaluatePolicies";
import { AUTONAMES } from "../components/cloudRules";
import { emptyDocument, mocksFor, ORGANIZATION, planDocument, sdkModulesOf, type PlanDocument, type PlanOptions } from "./engine";
import { serveLoopbackEngine, type EngineLog, type MonitorBackend } from "./grpcMonitor";
import { PULUMI_COSTS, SHARED_V8_FLAGS } from "./grpcRuntime";
import { MockMonitor } from "./mockMonitor";
import { setMockAccount } from "./mockOutputs/common";
import { startPolicyAnalyzer, type AnalyzedResource, type PolicyAnalyzer } from "./policyAnalyzer";
import { Recorder } from "./recorder";
import { loadStackConfig, StackFileError } from "./stackConfig";

export interface GrpcPlanOptions extends Omit<PlanOptions, "policies"> {
    /** The CrossGuard pack's folder, run as the real analyzer. @default - no policy gate */
    readonly policyPack?: string;
    /**
     * With `preview`: the URNs that the same plan without `preview` registered, every output known, in a run
     * whose program completed (offline/planPool.ts has it memoized). The preview then compares with them
     * instead of running the program a second time. @default - the preview runs it with every output known
     */
    readonly knownUrns?: readonly string[];
}

/** The engine's view of every registered resource (the stack and providers included) for the analyzer. */
function analyzedResources(recorder: Recorder): AnalyzedResource[] {
    const wireOf = (urn: string) => recorder.wire.get(urn) ?? { inputs: {}, outputs: {} };
    return recorder.resources.map((record) => {
        const wire = wireOf(record.urn);
        const autonamed = AUTONAMES.get(record.type)?.property;
        const checkedInputs = autonamed && !(autonamed in wire.inputs) && autonamed in wire.outputs ? { ...wire.inputs, [autonamed]: wire.outputs[autonamed] } : wire.inputs;
        // A provider reference is "<urn>::<id>".
        const providerUrn = record.options.provider?.split("::").slice(0, -1).join("::");
        const provider = providerUrn ? recorder.resources.find((r) => r.urn === providerUrn) : undefined;
        return {
            record,
            checkedInputs,
            outputs: wire.outputs,
            ...(provider ? { provider: { type: provider.type, urn: provider.urn, name: provider.name, inputs: wireOf(provider.urn).inputs } } : {}),
        };
    });
}

const PROGRAM_TIMEOUT_MS = 300_000;

/** The SDK's exit code after it logged the program's error to the engine (sdk/nodejs/cmd/run/index.ts). */
const LOGGED_ERROR_EXIT = 32;

/** Config as pulumi-language-nodejs hands it to the program (constructConfig): "<namespace>:config:<name>" keys. */
function languageHostConfig(values: Record<string, string>): Record<string, string> {
    return Object.fromEntries(
        Object.entries(values).map(([key, value]) => {
            const at = key.indexOf(":");
            return [`${key.slice(0, at)}:config:${key.slice(at + 1)}`, value];
        }),
    );
}

interface ProgramRun {
    readonly code: number | null;
    readonly stderr: string;
    readonly loadedFiles: string[];
}

/**
 * Starts the program as pulumi-language-nodejs does (sdk/nodejs/cmd/pulumi-language-nodejs/main.go,
 * execRuntime and constructArguments): `node @pulumi/pulumi/cmd/run --monitor --engine --organization
 * --project --root-directory --stack --pwd --dry-run --parallel <main>`, with PULUMI_CONFIG,
 * PULUMI_CONFIG_SECRET_KEYS and, for `runtime.options.typescript`, PULUMI_NODEJS_TYPESCRIPT, so ts-node loads
 * the TypeScript with the project's tsconfig.json.
 */
function runProgram(args: { address: string; projectDir: string; project: string; stack: string; main: string; config: Record<string, string>; secretKeys: readonly string[] }): Promise<ProgramRun> {
    const runner = path.dirname(require.resolve("@pulumi/pulumi/cmd/run"));
    const modulesFile = path.join(os.tmpdir(), `model-service-modules-${process.pid}-${Date.now()}.json`);
    const argv = [
        // Not the language host's: list the modules the program loaded, end it if the plan dies, and skip work no plan reads (see the files).
        ...["--require", path.join(args.projectDir, "offline", "sdkModulesReport.cjs")],
        ...["--require", path.join(args.projectDir, "offline", "exitWithParent.cjs")],
        ...PULUMI_COSTS,
        ...SHARED_V8_FLAGS,
        runner,
        ...["--monitor", args.address, "--engine", args.address, "--organization", ORGANIZATION, "--project", args.project],
        ...["--root-directory", args.projectDir, "--stack", args.stack, "--pwd", args.projectDir, "--dry-run"],
        // The CLI's default --parallel: GOMAXPROCS x 4 (pkg/cmd/pulumi/operations/up.go, defaultParallel).
        ...["--parallel", String(os.availableParallelism() * 4)],
        args.main,
    ];
    const child = spawn(process.execPath, argv, {
        cwd: args.projectDir,
        stdio: ["ignore", "pipe", "pipe"],
        env: {
            ...process.env,
            PULUMI_CONFIG: JSON.stringify(languageHostConfig(args.config)),
            PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(args.secretKeys),
            PULUMI_NODEJS_TYPESCRIPT: "true",
            MODEL_SERVICE_LOADED_MODULES: modulesFile,
        },
    });
    const err: Buffer[] = [];
    child.stderr!.on("data", (d: Buffer) => err.push(d));
    // The program's console output goes to the engine's event stream in `pulumi preview`; the plan does not print it.
    child.stdout!.resume();
    return new Promise((resolve) => {
        const timer = setTimeout(() => child.kill(), PROGRAM_TIMEOUT_MS);
        child.on("close", (code) => {
            clearTimeout(timer);
            let loadedFiles: string[] = [];
            try {
                loadedFiles = JSON.parse(fs.readFileSync(modulesFile, "utf8")) as string[];
                fs.rmSync(modulesFile, { force: true });
            } catch {
                // The program died before its exit hook ran: no module list.
            }
            resolve({ code, stderr: Buffer.concat(err).toString("utf8").trim(), loadedFiles });
        });
    });
}

/** What the program reported as errors: the engine log's errors, or the runner's stderr when it failed before logging. */
function programErrors(logs: readonly EngineLog[], run: ProgramRun): string[] {
    const errors: string[] = [];
    for (const log of logs) {
        if (log.severity !== "error") continue;
        const message = log.message.trim();
        if (!errors.some((e) => e.split("\n")[0] === message.split("\n")[0])) errors.push(message);
    }
    if (run.code !== 0 && errors.length === 0) errors.push(`The program exited with ${run.code === null ? "a signal" : `code ${run.code}`}${run.code === LOGGED_ERROR_EXIT ? "" : `: ${run.stderr || "no output"}`}`);
    return errors;
}

interface LoopbackRun {
    readonly recorder: Recorder;
    readonly run: ProgramRun;
    readonly logs: readonly EngineLog[];
}

/** One run of the program through Pulumi's runner against its own loopback engine answering with `monitor`. */
async function runOnLoopback(monitor: MonitorBackend, program: Omit<Parameters<typeof runProgram>[0], "address">, onServing?: (address: string) => void): Promise<LoopbackRun> {
    const recorder = new Recorder();
    recorder.attach(monitor);
    const engine = await serveLoopbackEngine(monitor);
    try {
        onServing?.(engine.address);
        return { recorder, run: await runProgram({ ...program, address: engine.address }), logs: engine.logs };
    } finally {
        await engine.close();
    }
}

/**
 * What a preview hides and the mocks do not: a program that never finished (it awaited an output that is
 * unknown until deploy, so the stack's outputs were never registered) and resources registered only once
 * outputs are known (inside an apply), which neither `pulumi preview` nor the policy pack sees.
 */
export function previewBreaches(preview: Recorder, knownUrns: readonly string[] | undefined): string[] {
    const problems: string[] = [];
    const stack = preview.resources.find((r) => r.type === "pulumi:pulumi:Stack");
    if (stack && !preview.outputsRegistered.has(stack.urn)) {
        problems.push(
            "The program never finished at preview: the stack's outputs were never registered, so it waits on a value that is unknown until deploy (an await of an output, or JSON.parse and the like on a value taken out of apply). Fix: keep the value an Output and transform it with apply or pulumi.jsonParse, never await it",
        );
    }
    const seen = new Set(preview.resources.map((r) => r.urn));
    for (const urn of knownUrns ?? []) {
        if (!seen.has(urn)) {
            problems.push(
                `${urn} is registered only once outputs are known (inside an apply), so \`pulumi preview\` and the policy pack never see it. Fix: create it at the top level of the program and pass the outputs to it as inputs`,
            );
        }
    }
    return problems;
}

/**
 * The plan through Pulumi's own runner: the program runs in its own process under @pulumi/pulumi/cmd/run and
 * registers over gRPC with a loopback ResourceMonitor that answers with the same mocks as the in-process
 * engine (or, with `preview`, with a dry run's unknowns, beside a second run with every output known to find
 * what the preview hides); the policy pack runs as the real analyzer.
 */
export async function planWithGrpcEngine(options: GrpcPlanOptions): Promise<PlanDocument> {
    let loaded;
    try {
        loaded = loadStackConfig(options.projectDir, options.stack, options.config, options.secretConfig);
    } catch (err) {
        if (err instanceof StackFileError) return emptyDocument(path.basename(options.projectDir), options.stack, [err.message], "grpc");
        throw err;
    }
    if (options.mockAccount !== undefined) setMockAccount(options.mockAccount);
    // Configures this process's copy of the runtime (urns, dry-run decoding) and builds the mock monitor the loopback serves.
    await pulumi.runtime.setMocks(mocksFor(loaded.values, options), loaded.project, options.stack, true, ORGANIZATION);
    const program = { projectDir: options.projectDir, project: loaded.project, stack: options.stack, main: options.program ?? "index.ts", config: loaded.values, secretKeys: loaded.secretKeys };
    const stackIdentity = { organization: ORGANIZATION, project: loaded.project, stack: options.stack, dryRun: true, config: loaded.values, secretKeys: loaded.secretKeys };
    let analyzer: PolicyAnalyzer | undefined;
    try {
        const runs = [
            runOnLoopback(pulumi.runtime.getMonitor() as unknown as MonitorBackend, program, (address) => {
                analyzer = options.policyPack ? startPolicyAnalyzer(options.policyPack, address, stackIdentity) : undefined;
            }),
        ];
        if (options.preview && !options.knownUrns) runs.push(runOnLoopback(new MockMonitor(mocksFor(loaded.values, { ...options, preview: false })) as MonitorBackend, program));
        const [main, known] = await Promise.all(runs);
        const { recorder, run, logs } = main!;
        const errors = programErrors(logs, run);
        if (errors.length === 0 && options.preview) errors.push(...previewBreaches(recorder, options.knownUrns ?? (known?.run.code === 0 ? known.recorder.resources.map((r) => r.urn) : undefined)));
        const stack = recorder.resources.find((r) => r.type === "pulumi:pulumi:Stack");
        const stackOutputs = { ...stack?.outputs };
        const resources = recorder.resources.filter((r) => r.type !== "pulumi:pulumi:Stack");
        let violations: Violation[] = [];
        if (errors.length === 0 && analyzer) {
            try {
                violations = [...(await analyzer.analyze(analyzedResources(recorder))), ...plaintextSecretsInState(resources)];
            } catch (err) {
                errors.push((err as Error).message);
            }
        }
        return planDocument({ loaded, options, recorder, stackOutputs, violations, errors, sdkModules: sdkModulesOf(run.loadedFiles), engine: "grpc" });
    } finally {
        analyzer?.close();
    }
}
