import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { POLICIES } from "../policies/rules";
import { PROCESS_OUTPUT, type CliOutput } from "./cliOutput";
import { exitCodeOf, plan } from "./engine";
import { planWithGrpcEngine } from "./grpcEngine";
import { projectRoot } from "./projectRoot";
import { renderPlan } from "./render";

const USAGE = `Usage: npm run plan -- --stack <name> [--config key=value]... [--secret key=value]... [--json] [--mock-account <12 digits>] [--request-json <file>] [--program <file>] [--engine in-process|grpc] [--preview]

Runs the program offline under Pulumi's mock runtime with Pulumi.<name>.yaml, checks every planned
resource against the clouds' API rules, evaluates the policy pack, and prints the resources it would
create. --mock-account plans as another customer (account, project number, subscription); --program
plans another program of the project instead of index.ts (a CommonJS fixture or a TypeScript example);
--request-json writes a request body that fits the model (its real input shape) to <file>. --engine grpc runs the
program through Pulumi's own runner (@pulumi/pulumi/cmd/run) against a loopback gRPC engine and the
pack as the real analyzer; --preview answers ids and provider-computed outputs unknown, as a dry run
does. Exit codes: 0 valid, 1 cloud contract breaches or mandatory policy violations, 2 invalid config
or program error.`;

const ENGINES = ["in-process", "grpc"] as const;

export type { CliOutput } from "./cliOutput";

/** What a caller that planned before can hand a plan: see GrpcPlanOptions.knownUrns. */
export interface KnownPlan {
    readonly knownUrns?: readonly string[];
}

/** One `npm run plan -- <args>`: prints the plan and resolves to its exit code. */
export async function runCli(args: readonly string[], out: CliOutput = PROCESS_OUTPUT, known: KnownPlan = {}): Promise<number> {
    let parsed;
    try {
        parsed = parseArgs({
            args: [...args],
            options: {
                stack: { type: "string", short: "s" },
                config: { type: "string", short: "c", multiple: true },
                secret: { type: "string", multiple: true },
                json: { type: "boolean" },
                "mock-account": { type: "string" },
                program: { type: "string" },
                "request-json": { type: "string" },
                engine: { type: "string", default: "in-process" },
                preview: { type: "boolean" },
                help: { type: "boolean", short: "h" },
            },
            strict: true,
        });
    } catch (err) {
        out.stderr(`${(err as Error).message}\n\n${USAGE}\n`);
        return 2;
    }
    const { values } = parsed;
    if (values.help) {
        out.stdout(`${USAGE}\n`);
        return 0;
    }
    if (!values.stack) {
        out.stderr(`--stack is required.\n\n${USAGE}\n`);
        return 2;
    }
    if (!(ENGINES as readonly string[]).includes(values.engine!)) {
        out.stderr(`--engine ${JSON.stringify(values.engine)} is not an engine. Fix: use --engine in-process (the default) or --engine grpc\n\n${USAGE}\n`);
        return 2;
    }
    const common = {
        stack: values.stack,
        projectDir: projectRoot(),
        config: values.config ?? [],
        secretConfig: values.secret ?? [],
        mockAccount: values["mock-account"],
        program: values.program,
        preview: values.preview,
    };
    const doc =
        values.engine === "grpc"
            ? await planWithGrpcEngine({ ...common, policyPack: path.join(common.projectDir, "policies"), ...(values.preview ? known : {}) })
            : await plan({ ...common, policies: POLICIES });
    const code = exitCodeOf(doc);
    if (values["request-json"] !== undefined && code !== 2) writeRequest(values["request-json"], doc.outputs.model, out);
    if (values.json) out.stdout(`${JSON.stringify(doc, null, 2)}\n`);
    else (code === 2 ? out.stderr : out.stdout)(`${renderPlan(doc)}\n`);
    return code;
}

/** Writes the `model` output's request body to `file`, or says why there is none. */
function writeRequest(file: string, model: unknown, out: CliOutput): void {
    const m = model as { checked?: boolean; request?: unknown; reason?: string } | string | undefined;
    if (typeof m === "object" && m.checked === true && m.request !== undefined) {
        fs.writeFileSync(file, `${JSON.stringify(m.request)}\n`);
        out.stderr(`Wrote ${file}: a request body for the model's input; the invoke example sends it.\n`);
    } else {
        const why = m === "[secret]" ? "the model output is secret (an encrypted modelArtifact)" : typeof m === "object" && m.reason ? m.reason : "the plan has no model output";
        out.stderr(`Did not write ${file}: ${why}.\n`);
    }
}

/** runCli, with a failure of the tool itself reported as exit 2 instead of thrown. */
export function runCliSafely(args: readonly string[], out: CliOutput = PROCESS_OUTPUT, known: KnownPlan = {}): Promise<number> {
    return runCli(args, out, known).catch((err: unknown) => {
        out.stderr(`offline plan failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
        return 2;
    });
}

// Run as a tool (offline/launch.cjs points argv[1] at this file), not when offline/planServer requires it.
if (path.resolve(process.argv[1] ?? "") === __filename) {
    void runCliSafely(process.argv.slice(2)).then((code) => {
        process.exitCode = code;
    });
}
