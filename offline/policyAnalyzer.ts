import { spawn, type ChildProcess } from "node:child_process";
import * as path from "node:path";
import type { Violation } from "./evaluatePolicies";
import { projectRoot } from "./projectRoot";
import { analyzerProto, analyzerRpc, Empty, grpc, PULUMI_COSTS, SHARED_V8_FLAGS, Struct } from "./grpcRuntime";
import type { RecordedResource } from "./recorder";

export interface AnalyzerStack {
    readonly organization: string;
    readonly project: string;
    readonly stack: string;
    readonly dryRun: boolean;
    /** Config as the program saw it, namespaced keys ("model-service:cloud"). */
    readonly config: Record<string, string>;
    readonly secretKeys: readonly string[];
}

/**
 * What the engine hands an analyzer of one resource, properties in wire form: Analyze gets the inputs after
 * the provider's Check (autonamed), AnalyzeStack the outputs (pkg/resource/deploy/step_generator.go).
 */
export interface AnalyzedResource {
    readonly record: RecordedResource;
    readonly checkedInputs: Record<string, unknown>;
    readonly outputs: Record<string, unknown>;
    readonly provider?: { readonly type: string; readonly urn: string; readonly name: string; readonly inputs: Record<string, unknown> };
}

const LEVEL: Record<number, Violation["level"]> = { 0: "advisory", 1: "mandatory", 3: "mandatory" };
const STARTUP_TIMEOUT_MS = 120_000;

/**
 * Starts the policy pack the way `pulumi preview --policy-pack <dir>` does (pulumi-language-nodejs RunPlugin,
 * kind analyzer): `node @pulumi/pulumi/cmd/run-policy-pack <engine> <dir>` in the pack's folder, TypeScript on,
 * the stack's identity and config in the environment. The pack prints the port of its Analyzer service.
 */
async function startPack(packDir: string, engineAddress: string, stack: AnalyzerStack): Promise<{ child: ChildProcess; address: string; stderr: () => string }> {
    const runPolicyPack = path.dirname(require.resolve("@pulumi/pulumi/cmd/run-policy-pack"));
    const config = Object.fromEntries(Object.entries(stack.config).map(([k, v]) => [k, v]));
    const child = spawn(process.execPath, ["--require", path.join(projectRoot(), "offline", "exitWithParent.cjs"), ...PULUMI_COSTS, ...SHARED_V8_FLAGS, runPolicyPack, engineAddress, packDir], {
        cwd: packDir,
        stdio: ["ignore", "pipe", "pipe"],
        env: {
            ...process.env,
            PULUMI_NODEJS_TYPESCRIPT: "true",
            PULUMI_NODEJS_ORGANIZATION: stack.organization,
            PULUMI_NODEJS_PROJECT: stack.project,
            PULUMI_NODEJS_STACK: stack.stack,
            PULUMI_NODEJS_DRY_RUN: String(stack.dryRun),
            PULUMI_CONFIG: JSON.stringify(config),
        },
    });
    const err: Buffer[] = [];
    child.stderr!.on("data", (d: Buffer) => err.push(d));
    const stderr = () => Buffer.concat(err).toString("utf8").trim();
    const port = await new Promise<string>((resolve, reject) => {
        let out = "";
        const timer = setTimeout(() => reject(new Error(`the policy pack printed no port within ${STARTUP_TIMEOUT_MS / 1000} s: ${stderr()}`)), STARTUP_TIMEOUT_MS);
        child.stdout!.on("data", (d: Buffer) => {
            out += d.toString("utf8");
            const line = /^(\d+)\s*$/m.exec(out);
            if (line) {
                clearTimeout(timer);
                resolve(line[1]!);
            }
        });
        child.on("exit", (code) => {
            clearTimeout(timer);
            reject(new Error(`the policy pack exited with ${code} before serving: ${stderr()}`));
        });
    });
    return { child, address: `127.0.0.1:${port}`, stderr };
}

function unaryCall<T>(client: any, method: string, request: unknown): Promise<T> {
    return new Promise((resolve, reject) => client[method](request, (err: unknown, res: T) => (err ? reject(err) : resolve(res))));
}

function resourceOptions(r: RecordedResource): unknown {
    const opts = new analyzerProto.AnalyzerResourceOptions();
    opts.setProtect(r.options.protect);
    opts.setIgnorechangesList(r.options.ignoreChanges);
    opts.setDeletebeforereplace(r.options.deleteBeforeReplace);
    opts.setDeletebeforereplacedefined(r.options.deleteBeforeReplace);
    if (r.parent) opts.setParent(r.parent);
    return opts;
}

/** The fields AnalyzeRequest and AnalyzerResource share. */
interface DescribedResource {
    setType(value: string): void;
    setName(value: string): void;
    setUrn(value: string): void;
    setProperties(value: unknown): void;
    setOptions(value: unknown): void;
}

/** Fills a resource's type, name, URN, options and the given properties (checked inputs or outputs) into `message`. */
function describeResource<T extends DescribedResource>(message: T, record: RecordedResource, properties: Parameters<typeof Struct.fromJavaScript>[0]): T {
    message.setType(record.type);
    message.setName(record.name);
    message.setUrn(record.urn);
    message.setProperties(Struct.fromJavaScript(properties));
    message.setOptions(resourceOptions(record));
    return message;
}

interface AnalyzerInfo {
    getSupportsconfig(): boolean;
    getPoliciesList(): { getName(): string; getEnforcementlevel(): number }[];
    getInitialconfigMap(): { get(key: string): unknown };
}

interface Diagnostic {
    getPolicyname(): string;
    getDescription(): string;
    getMessage(): string;
    getEnforcementlevel(): number;
    getUrn(): string;
}

/** A diagnostic as the offline gate reports it: CrossGuard prefixes the policy's description, which the plan shows once, in the table. */
function toViolation(d: Diagnostic, urn: string): Violation {
    const description = d.getDescription();
    const message = description && d.getMessage().startsWith(`${description}\n`) ? d.getMessage().slice(description.length + 1) : d.getMessage();
    return { policy: d.getPolicyname(), level: LEVEL[d.getEnforcementlevel()] ?? "advisory", urn: d.getUrn() || urn, message };
}

export interface PolicyAnalyzer {
    /**
     * ConfigureStack, then Analyze for each resource (resource policies) and AnalyzeStack once (stack
     * policies), as the engine calls them, with unknowns and secrets in their wire form.
     */
    analyze(resources: readonly AnalyzedResource[]): Promise<Violation[]>;
    close(): void;
}

/** Starts the policy pack as the real analyzer; started before the program runs, as the engine does, so both load at once. */
export function startPolicyAnalyzer(packDir: string, engineAddress: string, stack: AnalyzerStack): PolicyAnalyzer {
    const started = startPack(packDir, engineAddress, stack);
    // Reported by analyze(); a pack that never gets asked (the program failed) must not crash the plan.
    started.catch(() => undefined);
    return {
        analyze: async (resources) => {
            const pack = await started.catch((err: Error) => {
                throw new Error(`the policy pack did not start as an analyzer: ${err.message}`);
            });
            const client = new analyzerRpc.AnalyzerClient(pack.address, grpc.credentials.createInsecure(), { "grpc.max_receive_message_length": 400 * 1024 * 1024 });
            try {
                return await analyzeOver(client, stack, resources);
            } catch (err) {
                const details = (err as { details?: string }).details ?? (err as Error).message;
                throw new Error(`the policy pack failed under the analyzer: ${details}${pack.stderr() ? `\n${pack.stderr()}` : ""}`);
            } finally {
                client.close();
            }
        },
        close: () => {
            void started.then((pack) => pack.child.kill(), () => undefined);
        },
    };
}

async function analyzeOver(client: unknown, stack: AnalyzerStack, resources: readonly AnalyzedResource[]): Promise<Violation[]> {
    const configure = new analyzerProto.AnalyzerStackConfigureRequest();
    configure.setStack(stack.stack);
    configure.setProject(stack.project);
    configure.setOrganization(stack.organization);
    configure.setDryRun(stack.dryRun);
    configure.setConfigSecretKeysList([...stack.secretKeys]);
    for (const [k, v] of Object.entries(stack.config)) configure.getConfigMap().set(k, v);
    await unaryCall(client, "configureStack", configure);

    // As the engine does before the first Analyze (pkg/engine/update.go): read the pack's policies, then
    // Configure each with its own enforcement level and initial config when there is no config file.
    const info = await unaryCall<AnalyzerInfo>(client, "getAnalyzerInfo", new Empty());
    if (info.getSupportsconfig()) {
        const request = new analyzerProto.ConfigureAnalyzerRequest();
        for (const policy of info.getPoliciesList()) {
            const config = new analyzerProto.PolicyConfig();
            config.setEnforcementlevel(policy.getEnforcementlevel());
            const initial = info.getInitialconfigMap().get(policy.getName()) as { getProperties(): unknown } | undefined;
            config.setProperties(initial?.getProperties() ?? Struct.fromJavaScript({}));
            request.getPolicyconfigMap().set(policy.getName(), config);
        }
        await unaryCall(client, "configure", request);
    }

    const violations: Violation[] = [];
    const stackRequest = new analyzerProto.AnalyzeStackRequest();
    for (const { record, checkedInputs, outputs, provider } of resources) {
        const request = describeResource(new analyzerProto.AnalyzeRequest(), record, checkedInputs);
        if (provider) {
            const p = new analyzerProto.AnalyzerProviderResource();
            p.setType(provider.type);
            p.setUrn(provider.urn);
            p.setName(provider.name);
            p.setProperties(Struct.fromJavaScript(provider.inputs));
            request.setProvider(p);
        }
        const response = await unaryCall<{ getDiagnosticsList(): Diagnostic[] }>(client, "analyze", request);
        violations.push(...response.getDiagnosticsList().map((d) => toViolation(d, record.urn)));

        const resource = describeResource(new analyzerProto.AnalyzerResource(), record, outputs);
        if (record.parent) resource.setParent(record.parent);
        resource.setDependenciesList(record.options.dependsOn);
        for (const [key, urns] of Object.entries(record.propertyDependencies)) {
            const deps = new analyzerProto.AnalyzerPropertyDependencies();
            deps.setUrnsList(urns);
            resource.getPropertydependenciesMap().set(key, deps);
        }
        stackRequest.addResources(resource);
    }
    const response = await unaryCall<{ getDiagnosticsList(): Diagnostic[] }>(client, "analyzeStack", stackRequest);
    violations.push(...response.getDiagnosticsList().map((d) => toViolation(d, "")));
    return violations;
}
