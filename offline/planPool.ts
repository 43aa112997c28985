import { fork, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import type { PlanDocument } from "./engine";
import { projectRoot } from "./projectRoot";

/**
 * Many plans, made by long-lived plan servers (offline/planServer.ts: each plan loads the project and the
 * cloud SDKs afresh in a process that keeps @pulumi/pulumi loaded), one per core, and memoized by their
 * arguments when the caller says they may be. plan:all uses it directly; a `vitest run` starts one in its
 * global setup, and test files ask it over a Unix socket: one JSON line { args, memo } in, one JSON line
 * { code, stdout, stderr } out.
 */

export interface PlanRun {
    readonly code: number | null;
    readonly stdout: string;
    readonly stderr: string;
}

interface PlanRequest {
    readonly args: readonly string[];
    readonly memo: boolean;
}

const LAUNCHER = path.join(projectRoot(), "offline", "launch.cjs");

/** Answers a plan got because its server died, not from the plan: never memoized, so the next caller plans again. */
const SERVER_DIED = new WeakSet<PlanRun>();

class PlanServer {
    private readonly child: ChildProcess;
    private readonly waiting = new Map<number, (run: PlanRun) => void>();
    private nextId = 0;
    private stderrTail = "";

    constructor(onExit: (server: PlanServer) => void) {
        this.child = fork(LAUNCHER, ["offline/planServer"], { cwd: projectRoot(), stdio: ["ignore", "ignore", "pipe", "ipc"] });
        this.child.stderr!.on("data", (d: Buffer) => {
            this.stderrTail = (this.stderrTail + d.toString("utf8")).slice(-4000);
        });
        this.child.on("message", (reply: PlanRun & { id: number }) => {
            this.waiting.get(reply.id)?.({ code: reply.code, stdout: reply.stdout, stderr: reply.stderr });
            this.waiting.delete(reply.id);
        });
        this.child.on("exit", (code, signal) => {
            // A plan the server did not answer gets the CLI's own failure shape: exit 2 and why.
            for (const resolve of this.waiting.values()) {
                const answer = { code: 2, stdout: "", stderr: `the plan server stopped (exit ${code}, signal ${signal}) during this plan:\n${this.stderrTail}` };
                SERVER_DIED.add(answer);
                resolve(answer);
            }
            this.waiting.clear();
            onExit(this);
        });
    }

    plan(args: readonly string[], knownUrns?: readonly string[]): Promise<PlanRun> {
        const id = this.nextId++;
        return new Promise((resolve) => {
            this.waiting.set(id, resolve);
            this.child.send({ id, args, ...(knownUrns ? { knownUrns } : {}) });
        });
    }

    stop(): void {
        this.child.disconnect?.();
        this.child.kill();
    }
}

export class PlanPool {
    private readonly idle: PlanServer[] = [];
    private readonly queue: ((server: PlanServer) => void)[] = [];
    private readonly memo = new Map<string, Promise<PlanRun>>();
    private readonly servers = new Set<PlanServer>();
    private stopped = false;
    private sent = 0;

    constructor(private readonly size = Math.max(1, os.availableParallelism())) {
        for (let i = 0; i < size; i++) this.release(this.start());
    }

    private start(): PlanServer {
        const server = new PlanServer((gone) => {
            this.servers.delete(gone);
            const at = this.idle.indexOf(gone);
            if (at >= 0) this.idle.splice(at, 1);
            if (!this.stopped) this.release(this.start());
        });
        this.servers.add(server);
        return server;
    }

    private release(server: PlanServer): void {
        if (!this.servers.has(server)) return;
        const next = this.queue.shift();
        if (next) next(server);
        else this.idle.push(server);
    }

    private async onServer(args: readonly string[], knownUrns?: readonly string[]): Promise<PlanRun> {
        const server = this.idle.pop() ?? (await new Promise<PlanServer>((resolve) => this.queue.push(resolve)));
        this.sent++;
        try {
            return await server.plan(args, knownUrns);
        } finally {
            this.release(server);
        }
    }

    /** How many plans the servers were asked for: memo hits are not among them. */
    get plansMade(): number {
        return this.sent;
    }

    plan(request: PlanRequest): Promise<PlanRun> {
        if (!request.memo) return this.onServer(request.args);
        const key = JSON.stringify(request.args);
        let run = this.memo.get(key);
        if (!run) {
            run = this.previewOnServer(request.args);
            this.memo.set(key, run);
            void run.then((answer) => {
                if (SERVER_DIED.has(answer)) this.memo.delete(key);
            });
        }
        return run;
    }

    /**
     * A memoized `--engine grpc --preview --json` plan also runs its program with every output known, which
     * is the same run as the plan without `--preview`: that plan's URNs are taken from the memo (planned
     * there if they are not yet) when its program completed, and the preview runs one program instead of
     * two. Any other plan, or one whose known run failed, plans as it is.
     */
    private async previewOnServer(args: readonly string[]): Promise<PlanRun> {
        const known = knownPlanArgs(args);
        if (!known) return this.onServer(args);
        const run = await this.plan({ args: known, memo: true });
        let urns: string[] | undefined;
        try {
            const doc = JSON.parse(run.stdout) as PlanDocument;
            if (doc.engine === "grpc" && doc.errors.length === 0) urns = doc.resources.map((r) => r.urn);
        } catch {
            // No document: the preview runs the known run itself.
        }
        return this.onServer(args, urns);
    }

    /** Serves plan requests on a Unix socket at `socket`. */
    listen(socket: string): Promise<net.Server> {
        const server = net.createServer((conn) => {
            let input = "";
            conn.setEncoding("utf8");
            conn.on("data", (d: string) => {
                input += d;
                const end = input.indexOf("\n");
                if (end < 0) return;
                const request = JSON.parse(input.slice(0, end)) as PlanRequest;
                void this.plan(request).then((run) => conn.end(`${JSON.stringify(run)}\n`));
            });
            conn.on("error", () => undefined);
        });
        return new Promise((resolve) => server.listen(socket, () => resolve(server)));
    }

    stop(): void {
        this.stopped = true;
        for (const server of this.servers) server.stop();
    }
}

/** The arguments of the plan whose run a `--engine grpc --preview --json` plan repeats: the same without `--preview`. */
export function knownPlanArgs(args: readonly string[]): string[] | undefined {
    const engine = args.indexOf("--engine");
    const grpc = (engine >= 0 && args[engine + 1] === "grpc") || args.includes("--engine=grpc");
    if (!grpc || !args.includes("--json") || args.filter((a) => a === "--preview").length !== 1) return undefined;
    return args.filter((a) => a !== "--preview");
}

/** Asks the pool at `socket` for one plan, from a test file's process. */
export function requestPlan(socket: string, args: readonly string[], memo: boolean): Promise<PlanRun> {
    return new Promise((resolve, reject) => {
        const conn = net.connect(socket);
        let reply = "";
        conn.setEncoding("utf8");
        conn.on("connect", () => conn.write(`${JSON.stringify({ args, memo })}\n`));
        conn.on("data", (d: string) => (reply += d));
        conn.on("end", () => {
            try {
                resolve(JSON.parse(reply) as PlanRun);
            } catch {
                reject(new Error(`the plan pool at ${socket} gave no answer to ${args.join(" ")}`));
            }
        });
        conn.on("error", reject);
    });
}

/** A socket path short enough for Unix's 107-byte limit. */
export function poolSocketPath(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-pool-"));
    return path.join(dir, "socket");
}
