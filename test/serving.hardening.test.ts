import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as net from "node:net";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { cpuQuota, usableCpus, type ReadFile } from "../serving/src/cpus";
import { configFromEnv, openFileLimit, RESERVED_FDS } from "../serving/src/config";
import { downloadModel, type HttpFetch } from "../serving/src/download";
import { createLogger } from "../serving/src/log";
import { loadModel } from "../serving/src/model";
import { redactFields, redactSecrets } from "../serving/src/redact";
import { backoffDelay, METADATA_BACKOFF, type BackoffPolicy } from "../serving/src/retry";
import { IRIS_MODEL_DIR as MODEL_DIR, loopbackServers, ROOT } from "./helpers/servingServer";

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

const serve = loopbackServers();

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

/** Opens a loopback socket that sends `send` (nothing by default) and records when the server closes it. */
interface Probe {
    readonly socket: net.Socket;
    readonly connected: Promise<void>;
    closed: boolean;
    readonly closedAt: Promise<number>;
    data: string;
}
function probe(port: number, send = ""): Probe {
    const socket = net.connect(port, "127.0.0.1");
    const p: Probe = {
        socket,
        connected: new Promise<void>((resolve) => socket.once("connect", () => resolve())),
        closed: false,
        data: "",
        closedAt: new Promise<number>((resolve) => socket.once("close", () => resolve(Date.now()))),
    };
    socket.on("error", () => undefined);
    socket.on("data", (c: Buffer) => (p.data += c.toString("latin1")));
    void p.closedAt.then(() => (p.closed = true));
    if (send) socket.write(send);
    return p;
}
const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One keep-alive request on an existing socket; resolves with the status line's code. */
function requestOn(socket: net.Socket, target = "/ping"): Promise<number> {
    return new Promise((resolve, reject) => {
        let data = "";
        const onData = (c: Buffer): void => {
            data += c.toString("latin1");
            const at = data.indexOf("\r\n\r\n");
            const len = /content-length: (\d+)/i.exec(data)?.[1];
            if (at !== -1 && len !== undefined && data.length >= at + 4 + Number(len)) {
                socket.off("data", onData);
                resolve(Number(data.slice(9, 12)));
            }
        };
        socket.on("data", onData);
        socket.once("close", () => reject(new Error("closed before a response")));
        socket.write(`GET ${target} HTTP/1.1\r\nHost: x\r\n\r\n`);
    });
}

describe("serving hardening: timeouts and a connection cap (issue 18 item 2)", () => {
    it("reads the timeouts and the cap from the environment, with defaults under the open-file limit", () => {
        expect(configFromEnv({}, 20_000)).toMatchObject({ headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 65_000, idleTimeoutMs: 120_000, maxConnections: 1000 });
        expect(configFromEnv({}, 1024).maxConnections).toBe(1024 - RESERVED_FDS);
        expect(configFromEnv({}, 4096).maxConnections).toBe(1000);
        expect(configFromEnv({}, 512).maxConnections).toBe(512 - RESERVED_FDS);
        expect(configFromEnv({ HEADERS_TIMEOUT_MS: "5000", REQUEST_TIMEOUT_MS: "8000", IDLE_TIMEOUT_MS: "9000", MAX_CONNECTIONS: "50" }, 1024)).toMatchObject({
            headersTimeoutMs: 5000,
            requestTimeoutMs: 8000,
            idleTimeoutMs: 9000,
            maxConnections: 50,
        });
        expect(configFromEnv({ HEADERS_TIMEOUT_MS: "60000" }, 1024).requestTimeoutMs).toBe(60_000);
        expect(() => configFromEnv({ HEADERS_TIMEOUT_MS: "20000", REQUEST_TIMEOUT_MS: "10000" }, 1024)).toThrow('REQUEST_TIMEOUT_MS must be an integer from 20000 to 3600000; got "10000" (at least HEADERS_TIMEOUT_MS)');
        expect(() => configFromEnv({ MAX_CONNECTIONS: "5000" }, 1024)).toThrow(`MAX_CONNECTIONS must be an integer from 1 to 960; got "5000" (the open-file limit is 1024 and ${RESERVED_FDS} are kept for the server; raise \`ulimit -n\` or lower MAX_CONNECTIONS)`);
        expect(openFileLimit("Limit  Soft Limit  Hard Limit  Units\nMax open files            1024                 1048576              files     \n")).toBe(1024);
        expect(openFileLimit("Max open files            unlimited            unlimited            files\n")).toBe(undefined);
    });

    it("bounded flood: idle sockets beyond MAX_CONNECTIONS are closed, open connections never exceed it, a real request is answered", async () => {
        const cap = 16;
        const flood = 80;
        const server = await serve({ config: { maxConnections: cap } });
        await server.ready;
        const probes: Probe[] = [];
        try {
            for (let i = 0; i < flood; i++) {
                probes.push(probe(server.port));
                if (i % 8 === 7) await Promise.race([Promise.all(probes.map((p) => p.connected)), settle(2000)]);
            }
            // The server closes the surplus as it accepts them; a loaded machine may take a while (5 s at most).
            const deadline = Date.now() + 5000;
            while (probes.filter((p) => !p.closed).length > cap && Date.now() < deadline) await settle(50);
            const open = probes.filter((p) => !p.closed).length;
            expect(open).toBeLessThanOrEqual(cap);
            expect(open).toBeGreaterThan(0);
            // The newest sockets are the ones kept: the server evicted those idle longest.
            expect(probes.slice(-cap).every((p) => !p.closed)).toBe(true);

            const res = await predict(server.port);
            expect(res.status).toBe(200);
            expect(JSON.parse(res.body).predictions[0].label).toBe("setosa");

            const metrics = await get(server.port, "/metrics");
            expect(metrics.body).toMatch(new RegExp(`model_server_connections_dropped_total\\{reason="evicted_idle"\\} (\\d+)`));
            const evicted = Number(/model_server_connections_dropped_total\{reason="evicted_idle"\} (\d+)/.exec(metrics.body)![1]);
            expect(evicted).toBeGreaterThanOrEqual(flood - cap + 1);
            const gauge = Number(/model_server_open_connections (\d+)/.exec(metrics.body)![1]);
            expect(gauge).toBeLessThanOrEqual(cap);
        } finally {
            for (const p of probes) p.socket.destroy();
        }
    });

    it("answers 503 and closes a connection beyond the cap when every connection is handling a request", async () => {
        const cap = 4;
        let release!: () => void;
        const hold = new Promise<void>((resolve) => (release = resolve));
        const real = await loadModel(MODEL_DIR);
        const server = await serve({ config: { maxConnections: cap }, loadModel: async () => ({ ...real, predict: async (f, rows) => (await hold, real.predict(f, rows)) }) });
        await server.ready;
        const busy = Array.from({ length: cap }, () => predict(server.port));
        await settle(200);
        const refused = await get(server.port, "/ping");
        expect(refused.status).toBe(503);
        expect(refused.head).toMatch(/Retry-After: 1/);
        expect(JSON.parse(refused.body).error).toContain("MAX_CONNECTIONS");
        release();
        for (const r of await Promise.all(busy)) expect(r.status).toBe(200);
        expect((await get(server.port, "/ping")).status).toBe(200);
    });

    it("closes sockets that send no headers, or only part of them, after HEADERS_TIMEOUT_MS", async () => {
        const server = await serve({ config: { headersTimeoutMs: 300, requestTimeoutMs: 600 } });
        await server.ready;
        const t0 = Date.now();
        const silent = probe(server.port);
        const partial = probe(server.port, "GET /ping HTTP/1.1\r\nHost: x\r\n");
        const closed = await Promise.race([Promise.all([silent.closedAt, partial.closedAt]), settle(3000).then(() => undefined)]);
        expect(closed, "sockets still open after 3 s").toBeDefined();
        for (const at of closed!) expect(at - t0).toBeLessThan(1500);
        expect(partial.data).toMatch(/^HTTP\/1\.1 408/);
    });

    it("keeps a keep-alive connection usable past HEADERS_TIMEOUT_MS, closes it after KEEP_ALIVE_TIMEOUT_MS", async () => {
        const server = await serve({ config: { headersTimeoutMs: 200, requestTimeoutMs: 400, keepAliveTimeoutMs: 1000 } });
        await server.ready;
        const p = probe(server.port);
        await p.connected;
        expect(await requestOn(p.socket)).toBe(200);
        // Idle between requests for longer than the headers timeout: a load balancer reusing it must not be cut.
        await settle(600);
        expect(p.closed).toBe(false);
        const sentAt = Date.now();
        expect(await requestOn(p.socket)).toBe(200);
        const closedAt = await Promise.race([p.closedAt, settle(3000).then(() => undefined)]);
        expect(closedAt, "keep-alive connection still open after 3 s").toBeDefined();
        expect(closedAt! - sentAt).toBeGreaterThanOrEqual(900);
    });

    it("closes a connection whose request makes no progress for IDLE_TIMEOUT_MS", async () => {
        const real = await loadModel(MODEL_DIR);
        const server = await serve({ config: { idleTimeoutMs: 300 }, loadModel: async () => ({ ...real, predict: () => new Promise(() => undefined) }) });
        await server.ready;
        const t0 = Date.now();
        await expect(predict(server.port)).rejects.toThrow(/closed without a response|ECONNRESET/);
        expect(Date.now() - t0).toBeLessThan(2000);
    });
});

describe("serving hardening: credentials in URLs are redacted (issue 18 item 3)", () => {
    it("redacts signatures, tokens and userinfo, keeps everything else", () => {
        const cases: [string, string][] = [
            ["https://acct.blob.core.windows.net/models/iris?sv=2022-11-02&ss=b&sp=rl&se=2030-01-01&sig=abc%2Bdef%3D", "https://acct.blob.core.windows.net/models/iris?sv=2022-11-02&ss=b&sp=rl&se=2030-01-01&sig=REDACTED"],
            [
                "https://b.s3.amazonaws.com/m.tar.gz?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAEXAMPLE%2F20240101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20240101T000000Z&X-Amz-Expires=3600&X-Amz-Security-Token=FwoGZXIvYXdzE&X-Amz-SignedHeaders=host&X-Amz-Signature=deadbeef",
                "https://b.s3.amazonaws.com/m.tar.gz?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=REDACTED&X-Amz-Date=20240101T000000Z&X-Amz-Expires=3600&X-Amz-Security-Token=REDACTED&X-Amz-SignedHeaders=host&X-Amz-Signature=REDACTED",
            ],
            ["https://storage.googleapis.com/b/o?X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Credential=sa%40p.iam&X-Goog-Signature=0123abcd", "https://storage.googleapis.com/b/o?X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Credential=REDACTED&X-Goog-Signature=REDACTED"],
            ["ftp://deploy:hunter2@models.example.com/model.onnx", "ftp://REDACTED@models.example.com/model.onnx"],
            ["https://ghp_token@github.com/org/repo", "https://REDACTED@github.com/org/repo"],
            ["https://api.example.com/m?token=t1&access_token=ya29.a0&continuation-token=keep&pageToken=keep", "https://api.example.com/m?token=REDACTED&access_token=REDACTED&continuation-token=keep&pageToken=keep"],
            // Inside messages: the URL ends at ": ", a quote or a space; XML-escaped and percent-encoded URLs too.
            ['MODEL_URI=https://a.blob.core.windows.net/c/m?sig=s3cr3t: HTTP 403 "x"', 'MODEL_URI=https://a.blob.core.windows.net/c/m?sig=REDACTED: HTTP 403 "x"'],
            ["<Url>https://a/c?sv=1&amp;sig=s3cr3t&amp;se=2</Url>", "<Url>https://a/c?sv=1&amp;sig=REDACTED&amp;se=2</Url>"],
            ["next=https%3A%2F%2Fa%2Fc%3Fsig%3Ds3cr3t%26se%3D2", "next=https%3A%2F%2Fa%2Fc%3Fsig%3DREDACTED%26se%3D2"],
            ["gs://bucket/models/a@b/1/", "gs://bucket/models/a@b/1/"],
            ["nothing secret here", "nothing secret here"],
        ];
        for (const [input, want] of cases) {
            expect(redactSecrets(input), input).toBe(want);
            expect(redactSecrets(want), "idempotent").toBe(want);
        }
        expect(redactFields({ uri: "s3://b/k?X-Amz-Signature=1", nested: { list: ["x?sig=2"] }, n: 3 })).toEqual({ uri: "s3://b/k?X-Amz-Signature=REDACTED", nested: { list: ["x?sig=REDACTED"] }, n: 3 });
    });

    it("a SAS MODEL_URI that fails to load leaves its token in no log line, error or readiness answer", async () => {
        const SAS = "sv=2022-11-02&sr=c&sp=rl&se=2030-01-01T00%3A00%3A00Z&sig=TOPSECRETsig%2Bvalue%3D";
        const uri = `https://acct.blob.core.windows.net/models/iris/1?${SAS}`;
        const chunks: string[] = [];
        const logger = createLogger((c) => chunks.push(c));
        const denied: HttpFetch = async (url) => new Response(`<Error><Code>AuthenticationFailed</Code><Message>Signature did not match for ${url}</Message></Error>`, { status: 403 });
        const server = await serve({ env: { MODEL_URI: uri, MODEL_CACHE_DIR: path.join(os.tmpdir(), `redact-test-${process.pid}`) }, modelDir: undefined, logger, fetch: denied });
        const err = await server.ready.then(
            () => undefined,
            (e: Error) => e,
        );
        expect(err?.message).toMatch(/^MODEL_URI=https:\/\/acct\.blob\.core\.windows\.net\/models\/iris\/1\?sv=2022-11-02.*sig=REDACTED: listing .* failed: HTTP 403/);
        const ready = await get(server.port, "/ping");
        expect(ready.status).toBe(503);
        expect(JSON.parse(ready.body).error).toContain("sig=REDACTED");
        logger.flush();
        const logs = chunks.join("");
        expect(logs).toContain('"msg":"downloading model"');
        expect(logs).toContain('"msg":"model load failed"');
        for (const text of [err?.message ?? "", err?.stack ?? "", ready.body, logs]) {
            expect(text).not.toContain("TOPSECRET");
        }
    });

    it("an unsupported presigned URL is refused without its signature", async () => {
        const server = await serve({ env: { MODEL_URI: "http://user:pw@models.example.com/m.onnx?X-Amz-Credential=AKIA1&X-Amz-Signature=abc123" }, modelDir: undefined });
        await expect(server.ready).rejects.toThrow('MODEL_URI=http://REDACTED@models.example.com/m.onnx?X-Amz-Credential=REDACTED&X-Amz-Signature=REDACTED: unsupported model URI "http://REDACTED@models.example.com/m.onnx?X-Amz-Credential=REDACTED&X-Amz-Signature=REDACTED"');
    });
});

describe("serving hardening: the metadata server's token is retried with backoff (issue 17 item 9)", () => {
    const MODEL = fs.readFileSync(path.join(MODEL_DIR, "model.onnx"));
    const FAST: BackoffPolicy = { attempts: 6, initialDelayMs: 40, multiplier: 2, maxDelayMs: 400, randomization: 0.5, totalMs: 5000, attemptTimeoutMs: 300 };

    /** A loopback metadata server + GCS: token answers follow `script` ("hang" never answers), then 200. */
    async function fakeGoogle(script: (number | "hang")[], port = 0): Promise<{ port: number; tokenCalls: string[]; close: () => Promise<void> }> {
        const tokenCalls: string[] = [];
        const server = http.createServer((req, res) => {
            const url = new URL(req.url ?? "/", "http://x");
            if (url.pathname === "/computeMetadata/v1/instance/service-accounts/default/token") {
                tokenCalls.push(String(req.headers["metadata-flavor"]));
                const step = script[tokenCalls.length - 1] ?? 200;
                if (step === "hang") return;
                if (req.headers["metadata-flavor"] !== "Google") return res.writeHead(403).end("missing Metadata-Flavor");
                if (step !== 200) return res.writeHead(step, step === 429 ? { "Retry-After": "0" } : {}).end(`status ${step}`);
                return res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ access_token: "gke-token", expires_in: 3600 }));
            }
            if (req.headers.authorization !== "Bearer gke-token") return res.writeHead(401).end();
            if (url.pathname === "/storage/v1/b/bucket/o") return res.writeHead(200).end(JSON.stringify({ items: [{ name: "m/model.onnx" }] }));
            if (url.pathname === "/storage/v1/b/bucket/o/m%2Fmodel.onnx") return res.writeHead(200).end(MODEL);
            res.writeHead(404).end();
        });
        await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
        const p = (server.address() as AddressInfo).port;
        return {
            port: p,
            tokenCalls,
            close: () =>
                new Promise<void>((resolve) => {
                    server.closeAllConnections();
                    server.close(() => resolve());
                }),
        };
    }
    /** GCS calls go to the fake too (the metadata host is already loopback through GCE_METADATA_HOST). */
    const via =
        (port: () => number): HttpFetch =>
        (url, init) =>
            fetch(url.replace("https://storage.googleapis.com", `http://127.0.0.1:${port()}`), init);
    const tmpDir = (name: string) => path.join(os.tmpdir(), `serving-retry-${process.pid}-${name}`);

    it("backoff grows by the multiplier, is capped, and jitters within ±randomization", () => {
        expect([0, 1, 2, 3, 4, 5].map((n) => backoffDelay(METADATA_BACKOFF, n, () => 0.5))).toEqual([250, 500, 1000, 2000, 4000, 4000]);
        expect(backoffDelay(METADATA_BACKOFF, 0, () => 0)).toBe(125);
        expect(backoffDelay(METADATA_BACKOFF, 0, () => 0.999999)).toBe(375);
        const waits = Array.from({ length: METADATA_BACKOFF.attempts - 1 }, (_, n) => backoffDelay(METADATA_BACKOFF, n, () => 0.5));
        expect(waits.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(METADATA_BACKOFF.totalMs);
    });

    it("retries a hung request, 503 and 429, then downloads with the token", async () => {
        const g = await fakeGoogle(["hang", 503, 429]);
        try {
            const dest = tmpDir("ok");
            await downloadModel("gs://bucket/m/", dest, { fetch: via(() => g.port), env: { GCE_METADATA_HOST: `127.0.0.1:${g.port}` }, metadataBackoff: FAST });
            expect(fs.readFileSync(path.join(dest, "model.onnx"))).toEqual(MODEL);
            // The hung call was abandoned after attemptTimeoutMs; then 503, 429 and the answer.
            expect(g.tokenCalls).toHaveLength(4);
        } finally {
            await g.close();
        }
    });

    it("retries refused connections until the metadata server starts listening", async () => {
        const reserve = net.createServer();
        await new Promise<void>((resolve) => reserve.listen(0, "127.0.0.1", resolve));
        const port = (reserve.address() as AddressInfo).port;
        await new Promise<void>((resolve) => reserve.close(() => resolve()));
        let g: Awaited<ReturnType<typeof fakeGoogle>> | undefined;
        const late = settle(250).then(async () => (g = await fakeGoogle([], port)));
        try {
            const dest = tmpDir("late");
            await downloadModel("gs://bucket/m/", dest, { fetch: via(() => port), env: { GCE_METADATA_HOST: `127.0.0.1:${port}` }, metadataBackoff: FAST });
            expect(fs.readFileSync(path.join(dest, "model.onnx"))).toEqual(MODEL);
            expect(g!.tokenCalls).toHaveLength(1);
        } finally {
            await late;
            await g?.close();
        }
    });

    it("gives up after the attempts or the total time, naming both and the last failure; 403 is not retried", async () => {
        const always = await fakeGoogle(Array(50).fill(500));
        const denied = await fakeGoogle([403]);
        try {
            const ctx = (port: number, policy: BackoffPolicy) => ({ fetch: via(() => port), env: { GCE_METADATA_HOST: `127.0.0.1:${port}` }, metadataBackoff: policy });
            await expect(downloadModel("gs://bucket/m/", tmpDir("a"), ctx(always.port, { ...FAST, attempts: 3 }))).rejects.toThrow(/^getting a token from the GCE metadata server failed after 3 attempts over \d+\.\d s: HTTP 500 status 500$/);
            expect(always.tokenCalls).toHaveLength(3);

            // 1000 attempts allowed, but waits of 50-150 ms fit only a few times into totalMs.
            const before = always.tokenCalls.length;
            await expect(downloadModel("gs://bucket/m/", tmpDir("b"), ctx(always.port, { ...FAST, attempts: 1000, maxDelayMs: 100, totalMs: 400 }))).rejects.toThrow(/failed after \d+ attempts/);
            expect(always.tokenCalls.length - before).toBeLessThan(20);

            await expect(downloadModel("gs://bucket/m/", tmpDir("c"), ctx(denied.port, FAST))).rejects.toThrow("getting a token from the GCE metadata server failed: HTTP 403 status 403");
            expect(denied.tokenCalls).toHaveLength(1);
        } finally {
            await always.close();
            await denied.close();
        }
    });
});

describe("serving hardening: the CPUs the container is given (issue 17 item 6)", () => {
    const files =
        (map: Record<string, string>): ReadFile =>
        (f) =>
            map[f];

    it("reads the CFS quota from cgroup v2 or v1 and bounds it by the CPUs it may run on", () => {
        expect(cpuQuota(files({ "/sys/fs/cgroup/cpu.max": "200000 100000\n" }))).toBe(2);
        expect(cpuQuota(files({ "/sys/fs/cgroup/cpu.max": "max 100000\n" }))).toBe(undefined);
        expect(cpuQuota(files({ "/sys/fs/cgroup/cpu/cpu.cfs_quota_us": "150000\n", "/sys/fs/cgroup/cpu/cpu.cfs_period_us": "100000\n" }))).toBe(1.5);
        expect(cpuQuota(files({ "/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us": "-1\n", "/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us": "100000\n" }))).toBe(undefined);
        expect(cpuQuota(files({}))).toBe(undefined);
        // A 4-CPU limit on a 16-core node is 4; 1.5 CPUs of quota plan for 1; taskset to 2 cores caps a larger quota.
        expect(usableCpus(files({ "/sys/fs/cgroup/cpu.max": "400000 100000" }), 16)).toBe(4);
        expect(usableCpus(files({ "/sys/fs/cgroup/cpu.max": "150000 100000" }), 16)).toBe(1);
        expect(usableCpus(files({ "/sys/fs/cgroup/cpu.max": "50000 100000" }), 16)).toBe(1);
        expect(usableCpus(files({ "/sys/fs/cgroup/cpu.max": "800000 100000" }), 2)).toBe(2);
        expect(usableCpus(files({}), 8)).toBe(8);
    });

    it("sizes inference workers and intra-op threads from the CPUs; INFERENCE_WORKERS and ORT_INTRA_OP_THREADS override", () => {
        expect(configFromEnv({}, 4096, 1)).toMatchObject({ cpus: 1, inferenceWorkers: 0, intraOpThreads: 1 });
        expect(configFromEnv({}, 4096, 2)).toMatchObject({ cpus: 2, inferenceWorkers: 1, intraOpThreads: 1 });
        expect(configFromEnv({ INFERENCE_WORKERS: "1" }, 4096, 8)).toMatchObject({ inferenceWorkers: 1, intraOpThreads: 7 });
        expect(configFromEnv({}, 4096, 4)).toMatchObject({ cpus: 4, inferenceWorkers: 3, intraOpThreads: 1 });
        expect(configFromEnv({ INFERENCE_WORKERS: "0" }, 4096, 4)).toMatchObject({ inferenceWorkers: 0, intraOpThreads: 4 });
        expect(configFromEnv({ INFERENCE_WORKERS: "auto", ORT_INTRA_OP_THREADS: "2" }, 4096, 4)).toMatchObject({ inferenceWorkers: 3, intraOpThreads: 2 });
        expect(() => configFromEnv({ INFERENCE_WORKERS: "many" }, 4096, 4)).toThrow('INFERENCE_WORKERS must be an integer from 0 to 256; got "many" (or "auto")');
    });

    it("worker threads give the same predictions as the event loop, and are released", async () => {
        const inline = await loadModel(MODEL_DIR);
        const pooled = await loadModel(MODEL_DIR, { workers: 2 });
        try {
            const rows = 150;
            const features = new Float32Array(rows * 4).map((_, i) => ((i * 7919) % 80) / 10);
            const a = await inline.predict(features, rows);
            const results = await Promise.all(Array.from({ length: 8 }, () => pooled.predict(features, rows)));
            for (const b of results) {
                expect(Array.from(b.labelIndex)).toEqual(Array.from(a.labelIndex));
                expect(Array.from(b.probabilities!)).toEqual(Array.from(a.probabilities!));
                expect(Object.keys(b.outputs).sort()).toEqual(Object.keys(a.outputs).sort());
            }
        } finally {
            await inline.release();
            await pooled.release();
        }
        await expect(pooled.predict(new Float32Array(4), 1)).rejects.toThrow("no inference worker is running");
    });

    it("serves predictions with INFERENCE_WORKERS=2 under concurrency", async () => {
        const server = await serve({ env: { INFERENCE_WORKERS: "2" } });
        await server.ready;
        expect(server.config.inferenceWorkers).toBe(2);
        const replies = await Promise.all(Array.from({ length: 40 }, () => predict(server.port)));
        for (const r of replies) expect(JSON.parse(r.body).predictions[0].label).toBe("setosa");
    });
});
