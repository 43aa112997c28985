import * as path from "node:path";
import { collectOutput, type CliOutput } from "./cliOutput";
import { CLOUD_SDK_PACKAGE } from "./engine";

/**
 * `npm run plan -- <args>` many times in one process, for plan:all and the test suite: loading @pulumi/pulumi is half of
 * a plan's time (0.5 s of 1.0 s), and a suite makes some 200 plans. Each request runs as its own plan
 * would: the project's modules and the cloud SDKs are loaded afresh (so module state, and the SDK modules
 * a plan reports, are its own), Pulumi's runtime store starts empty (as in a new process: its settings,
 * config, stack resource and resource-module registrations live there), the plan's process listeners are
 * removed after it, and what it writes to stdout and stderr is handed back with its exit code. Only
 * @pulumi/pulumi's code and stateless libraries stay loaded.
 *
 * Started by offline/planPool.ts with an IPC channel: a message { id, args, knownUrns? } is answered with
 * { id, code, stdout, stderr }, one plan at a time. It exits when the channel closes.
 */

interface Request {
    readonly id: number;
    readonly args: readonly string[];
    readonly knownUrns?: readonly string[];
}

interface Reply {
    readonly id: number;
    readonly code: number;
    readonly stdout: string;
    readonly stderr: string;
}

/** Libraries outside it stay loaded; the project's modules (its build and any --program fixture) load afresh. */
const NODE_MODULES = `${path.sep}node_modules${path.sep}`;
const CLI = path.join(__dirname, "cli.js");
const PROVIDERS = path.join(__dirname, "..", "providers") + path.sep;
const EVENTS: readonly NodeJS.Signals[] = ["unhandledRejection", "uncaughtException", "exit", "beforeExit", "warning"] as unknown as NodeJS.Signals[];

type Listener = (...args: unknown[]) => void;

/**
 * A provider module that defines a dynamic resource (a pulumi.dynamic.Resource subclass) stays loaded, so
 * its provider object is the one @pulumi/pulumi has already serialized (it keeps each provider object's
 * serialization: sdk/nodejs/dynamic/index.ts, providerCache) and a plan does not serialize it again
 * (0.2-0.3 s of a gcp or azure plan: node offline/launch.cjs bench/planServer). A new process serializes
 * the same text: those modules keep no state (the rule stated in providers/dynamic/clock.ts) and import no
 * cloud SDK, so the SDK modules a plan reports are unchanged; test/planHelper.test.ts compares byte for byte.
 */
function definesDynamicResource(file: string, exports: unknown): boolean {
    if (!file.startsWith(PROVIDERS) || typeof exports !== "object" || exports === null) return false;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Resource } = require("@pulumi/pulumi/dynamic") as typeof import("@pulumi/pulumi/dynamic");
    return Object.values(exports).some((value) => typeof value === "function" && value.prototype instanceof Resource);
}

function unloadPlanModules(): void {
    for (const [file, loaded] of Object.entries(require.cache)) {
        if (file === __filename || (loaded && definesDynamicResource(file, loaded.exports))) continue;
        if (!file.includes(NODE_MODULES) || CLOUD_SDK_PACKAGE.test(file)) delete require.cache[file];
    }
    // A new process's runtime store (@pulumi/pulumi/runtime/state.ts makes it on first use).
    (globalThis as { globalStore?: unknown }).globalStore = undefined;
}

/** Runs `run` with what it writes to process.stdout and process.stderr sent to `io`, as a child's pipes would take it. */
async function withProcessStreams<T>(io: CliOutput, run: () => Promise<T>): Promise<T> {
    const streams = [process.stdout, process.stderr] as const;
    const originals = streams.map((s) => s.write);
    const sinks = [io.stdout, io.stderr];
    streams.forEach((stream, i) => {
        stream.write = ((chunk: string | Uint8Array) => {
            sinks[i]!(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
            return true;
        }) as typeof stream.write;
    });
    try {
        return await run();
    } finally {
        streams.forEach((stream, i) => {
            stream.write = originals[i]! as typeof stream.write;
        });
    }
}

/** The process listeners a plan adds, removed once it is over: the next plan starts with none of them. */
function listenersNow(): Map<string, Listener[]> {
    return new Map(EVENTS.map((e) => [e, process.listeners(e) as Listener[]]));
}

function removeAddedListeners(before: Map<string, Listener[]>): void {
    for (const event of EVENTS) {
        for (const listener of process.listeners(event) as Listener[]) if (!before.get(event)!.includes(listener)) process.removeListener(event, listener);
    }
}

async function planOnce(request: Request): Promise<Reply> {
    unloadPlanModules();
    const before = listenersNow();
    const answer = await collectOutput((io) =>
        withProcessStreams(io, async () => {
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            const cli = require(CLI) as typeof import("./cli");
            const exit = await cli.runCliSafely(request.args, io, request.knownUrns ? { knownUrns: request.knownUrns } : {});
            // A program's error the runtime re-raises after the stack settles arrives within a turn or two.
            await new Promise((resolve) => setImmediate(resolve));
            return exit;
        }),
    );
    removeAddedListeners(before);
    return { id: request.id, ...answer };
}

// Between plans, an error nothing handles is a leftover of the last one: the CLI's process would have ended.
process.on("unhandledRejection", () => undefined);
process.on("uncaughtException", () => undefined);

let queue: Promise<void> = Promise.resolve();
process.on("message", (message: Request) => {
    queue = queue.then(async () => {
        process.send!(await planOnce(message));
    });
});
process.on("disconnect", () => process.exit(0));
