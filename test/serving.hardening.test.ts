import { spawn, type ChildProcess } from "node:child_process";
import * as net from "node:net";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Logger } from "../serving/src/log";
import { startServer, type ServerHandle, type ServerOptions } from "../serving/src/server";

const ROOT = path.resolve(__dirname, "..");
const MODEL_DIR = path.join(ROOT, "examples", "iris-onnx");
const ROW = '{"instances":[[5.1,3.5,1.4,0.2]]}';

interface RawReply {
    status: number;
    head: string;
    body: string;
}

/** Sends `request` as raw bytes on a fresh loopback socket (no client-side URL checks) and reads one response; 5 s at most. */
function raw(port: number, request: string): Promise<RawReply> {
    return new Promise((resolve, reject) => {
        const socket = net.connect(port, "127.0.0.1");
        let data = "";
        const timer = setTimeout(() => socket.destroy(new Error(`no answer to ${JSON.stringify(request.split("\r\n")[0])}`)), 5000);
        socket.on("connect", () => socket.write(request));
        socket.on("data", (c: Buffer) => (data += c.toString("latin1")));
        socket.on("error", (err) => {
            clearTimeout(timer);
            reject(err);
        });
        socket.on("close", () => {
            clearTimeout(timer);
            const at = data.indexOf("\r\n\r\n");
            if (at === -1) return reject(new Error(`connection closed without a response to ${JSON.stringify(request.split("\r\n")[0])}`));
            resolve({ status: Number(data.slice(9, 12)), head: data.slice(0, at), body: data.slice(at + 4) });
        });
    });
}
const get = (port: number, target: string): Promise<RawReply> => raw(port, `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
const predict = (port: number, target = "/invocations"): Promise<RawReply> =>
    raw(port, `POST ${target} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${ROW.length}\r\nConnection: close\r\n\r\n${ROW}`);

function quietLogger(lines: string[] = []): Logger {
    return {
        request: (method, route, p, status) => lines.push(JSON.stringify({ method, route, path: p, status })),
        info: (msg, fields) => lines.push(JSON.stringify({ msg, ...fields })),
        error: (msg, fields) => lines.push(JSON.stringify({ msg, ...fields })),
        flush: () => undefined,
    };
}

const servers: ServerHandle[] = [];
async function serve(options: ServerOptions = {}): Promise<ServerHandle> {
    const s = await startServer({ modelDir: MODEL_DIR, env: {}, logger: quietLogger(), ...options, config: { host: "127.0.0.1", port: 0, ...options.config } });
    servers.push(s);
    return s;
}
afterAll(async () => {
    await Promise.all(servers.map((s) => s.close(1000)));
});

/** Starts serving/src/main.ts as the container does; resolves once the model is loaded. */
async function spawnMain(env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; port: number; output: () => string }> {
    const child = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "serving", "src", "main.ts")], {
        cwd: ROOT,
        env: { PATH: process.env.PATH, MODEL_DIR, HOST: "127.0.0.1", PORT: "0", ...env },
        stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout!.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr!.on("data", (c: Buffer) => (out += c.toString()));
    const deadline = Date.now() + 20_000;
    while (!/"msg":"model loaded"/.test(out) && child.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const port = Number(/"msg":"listening".*?"port":(\d+)/.exec(out)?.[1]);
    if (!(port > 0) || child.exitCode !== null) {
        child.kill("SIGKILL");
        throw new Error(`main.ts did not start:\n${out}`);
    }
    return { child, port, output: () => out };
}

describe("serving hardening: malformed percent-escapes (issue 18 item 1)", () => {
    const BAD = ["/v2/models/%/ready", "/v2/models/%zz/ready", "/v2/models/%C0%AF/ready", "/v2/models/iris%E2%82/infer", "/ping%", "/invocations%zz", "/%C0%AF"];

    it("answers every bad escape 400 naming the path, over real loopback HTTP, and keeps serving", async () => {
        const server = await serve({ env: { MODEL_NAME: "iris" } });
        await server.ready;
        for (const target of BAD) {
            const res = await get(server.port, target);
            expect(res.status, target).toBe(400);
            expect(JSON.parse(res.body).error).toBe(`malformed percent-escape in path ${JSON.stringify(target)}: use %XX escapes of UTF-8 bytes`);
        }
        const body = await predict(server.port, "/v2/models/%zz/infer");
        expect(body.status).toBe(400);
        // Well-formed escapes still decode: "ir%69s" is "iris".
        expect((await get(server.port, "/v2/models/ir%69s/ready")).status).toBe(200);
        expect((await predict(server.port)).status).toBe(200);
    });

    it("main.ts: the process survives a burst of bad escapes and answers the next prediction", async () => {
        const { child, port, output } = await spawnMain({ LOG_REQUESTS: "true" });
        try {
            for (const target of BAD) expect((await get(port, target)).status, target).toBe(400);
            const ok = await predict(port);
            expect(ok.status).toBe(200);
            expect(JSON.parse(ok.body).predictions[0].label).toBe("setosa");
            expect(child.exitCode).toBe(null);
            expect(output()).not.toContain("URIError");
        } finally {
            child.kill("SIGKILL");
        }
    });
});
