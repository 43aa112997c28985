import { spawn } from "node:child_process";
import * as http from "node:http";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { configFromEnv } from "../serving/src/config";
import { createLogger } from "../serving/src/log";
import { loadModel, type LoadedModel } from "../serving/src/model";
import type { ServerHandle } from "../serving/src/server";
import { IRIS_MODEL_DIR as MODEL_DIR, loopbackServers, quietLogger, ROOT } from "./helpers/servingServer";

const SETOSA = [5.1, 3.5, 1.4, 0.2];
const VERSICOLOR = [6.0, 2.9, 4.5, 1.5];
const VIRGINICA = [6.7, 3.0, 5.2, 2.3];
const VERTEX_PREDICT = "/v1/endpoints/123/deployedModels/456:predict";

interface Reply {
    status: number;
    headers: http.IncomingHttpHeaders;
    text: string;
    json: any;
}

/** One request on its own connection (no keep-alive), 10 s at most. */
function call(port: number, method: string, urlPath: string, body?: string | Buffer, headers: Record<string, string> = {}): Promise<Reply> {
    return new Promise((resolve, reject) => {
        const req = http.request({ host: "127.0.0.1", port, method, path: urlPath, agent: false, headers: { "Content-Type": "application/json", ...headers }, timeout: 10_000 }, (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("end", () => {
                const text = Buffer.concat(chunks).toString("utf8");
                let json: unknown;
                try {
                    json = JSON.parse(text);
                } catch {
                    json = undefined;
                }
                resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
            });
        });
        req.on("timeout", () => req.destroy(new Error(`${method} ${urlPath} timed out`)));
        req.on("error", reject);
        req.end(body);
    });
}

const post = (port: number, urlPath: string, body: unknown, headers?: Record<string, string>) => call(port, "POST", urlPath, typeof body === "string" ? body : JSON.stringify(body), headers);

const serve = loopbackServers();

function gate(): { promise: Promise<void>; open: () => void } {
    let open!: () => void;
    const promise = new Promise<void>((resolve) => (open = resolve));
    return { promise, open };
}

describe("serving: every contract on one server", () => {
    let server: ServerHandle;
    const lines: string[] = [];
    beforeAll(async () => {
        server = await serve({
            env: { PREDICT_ROUTE: "/predict", HEALTH_ROUTE: "/health", AIP_PREDICT_ROUTE: VERTEX_PREDICT, AIP_HEALTH_ROUTE: "/v1/health", MODEL_NAME: "iris" },
            logger: quietLogger(lines),
        });
        await server.ready;
    });

    it("SageMaker: GET /ping and POST /invocations", async () => {
        const ping = await call(server.port, "GET", "/ping");
        expect(ping.status).toBe(200);
        expect((await call(server.port, "HEAD", "/ping")).status).toBe(200);
        const res = await post(server.port, "/invocations", { instances: [SETOSA, VERSICOLOR, VIRGINICA] });
        expect(res.status).toBe(200);
        expect(res.headers["content-type"]).toBe("application/json");
        expect(res.json.predictions.map((p: { label: string }) => p.label)).toEqual(["setosa", "versicolor", "virginica"]);
        for (const p of res.json.predictions as { probabilities: number[] }[]) {
            expect(p.probabilities).toHaveLength(3);
            expect(p.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
        }
    });

    it("accepts a bare array of rows, a single row, object rows and text/csv", async () => {
        expect((await post(server.port, "/invocations", [SETOSA, VIRGINICA])).json.predictions.map((p: { label: string }) => p.label)).toEqual(["setosa", "virginica"]);
        expect((await post(server.port, "/invocations", SETOSA)).json.predictions[0].label).toBe("setosa");
        const objects = { instances: [{ sepal_length: 6.7, sepal_width: 3.0, petal_length: 5.2, petal_width: 2.3 }] };
        expect((await post(server.port, "/invocations", objects)).json.predictions[0].label).toBe("virginica");
        const csv = await post(server.port, "/invocations", `sepal_length,sepal_width,petal_length,petal_width\n${SETOSA.join(",")}\r\n${VERSICOLOR.join(",")}\n`, { "Content-Type": "text/csv" });
        expect(csv.status).toBe(200);
        expect(csv.json.predictions.map((p: { label: string }) => p.label)).toEqual(["setosa", "versicolor"]);
        const csvOut = await post(server.port, "/invocations", { instances: [SETOSA] }, { Accept: "text/csv" });
        expect(csvOut.headers["content-type"]).toBe("text/csv");
        expect(csvOut.text).toMatch(/^setosa,0\.9\d+,[\d.e-]+,[\d.e-]+\n$/);
    });

    it("Vertex AI: AIP_HEALTH_ROUTE and AIP_PREDICT_ROUTE", async () => {
        expect((await call(server.port, "GET", "/v1/health")).status).toBe(200);
        const res = await post(server.port, VERTEX_PREDICT, { instances: [VIRGINICA, SETOSA], parameters: {} });
        expect(res.status).toBe(200);
        expect(res.json).toEqual({ predictions: [expect.objectContaining({ label: "virginica" }), expect.objectContaining({ label: "setosa" })] });
    });

    it("ModelService's own routes (ECS, GKE, AKS, Azure ML): HEALTH_ROUTE and PREDICT_ROUTE", async () => {
        expect((await call(server.port, "GET", "/health")).json).toEqual({ status: "ready" });
        const res = await post(server.port, "/predict?debug=1", { instances: [VERSICOLOR] });
        expect(res.json.predictions[0].label).toBe("versicolor");
    });

    it("Open Inference Protocol v2: health, metadata, infer", async () => {
        expect((await call(server.port, "GET", "/v2/health/live")).status).toBe(200);
        expect((await call(server.port, "GET", "/v2/health/ready")).status).toBe(200);
        expect((await call(server.port, "GET", "/v2/models/iris/ready")).json).toEqual({ name: "iris", ready: true });
        const meta = await call(server.port, "GET", "/v2/models/iris");
        expect(meta.json).toMatchObject({ name: "iris", platform: "onnxruntime_onnx", inputs: [{ name: "features", datatype: "FP32", shape: [-1, 4] }] });
        expect(meta.json.outputs).toEqual([
            { name: "label", datatype: "INT64", shape: [-1] },
            { name: "probabilities", datatype: "FP32", shape: [-1, 3] },
        ]);

        const infer = await post(server.port, "/v2/models/iris/infer", { id: "r1", inputs: [{ name: "features", shape: [2, 4], datatype: "FP32", data: [...SETOSA, ...VIRGINICA] }] });
        expect(infer.status).toBe(200);
        expect(infer.json.model_name).toBe("iris");
        expect(infer.json.id).toBe("r1");
        const label = infer.json.outputs.find((o: { name: string }) => o.name === "label");
        expect(label).toEqual({ name: "label", datatype: "INT64", shape: [2], data: [0, 2] });
        const probs = infer.json.outputs.find((o: { name: string }) => o.name === "probabilities");
        expect(probs).toMatchObject({ datatype: "FP32", shape: [2, 3] });
        expect(probs.data).toHaveLength(6);

        const only = await post(server.port, "/v2/models/iris/versions/1/infer", { inputs: [{ name: "features", shape: [1, 4], datatype: "FP32", data: [SETOSA] }], outputs: [{ name: "label" }] });
        expect(only.json.outputs).toEqual([{ name: "label", datatype: "INT64", shape: [1], data: [0] }]);

        expect((await post(server.port, "/v2/models/other/infer", { inputs: [] })).status).toBe(404);
        expect((await post(server.port, "/v2/models/iris/infer", { inputs: [{ name: "features", shape: [1, 4], datatype: "FP32", data: SETOSA }], outputs: [{ name: "nope" }] })).status).toBe(400);
    });

    it("rejects malformed input with 400 and says what was expected", async () => {
        const shape = await post(server.port, "/invocations", { instances: [[1, 2, 3]] });
        expect(shape.status).toBe(400);
        expect(shape.json.error).toContain("instances[0] has 3 values; each row needs 4 (sepal_length, sepal_width, petal_length, petal_width)");

        const notNumber = await post(server.port, "/predict", { instances: [[1, "two", 3, 4]] });
        expect(notNumber.status).toBe(400);
        expect(notNumber.json.error).toContain('instances[0][1] must be a finite number; got the string "two"');

        const badJson = await post(server.port, "/invocations", '{"instances": [[1,2,3,4]');
        expect(badJson.status).toBe(400);
        expect(badJson.json.error).toMatch(/^body is not valid JSON .*expected \{"instances": \[\[4 numbers\], \.\.\.\]\}/);

        expect((await post(server.port, "/invocations", { rows: [SETOSA] })).json.error).toContain('lacks "instances"');
        expect((await post(server.port, "/invocations", { instances: [] })).json.error).toContain("instances is empty");
        expect((await post(server.port, "/invocations", "")).json.error).toContain("empty body");
        expect((await post(server.port, "/invocations", { instances: [[1e39, 1, 1, 1]] })).json.error).toContain("out of float32 range");
        const csv = await post(server.port, "/invocations", "1,2,x,4\n", { "Content-Type": "text/csv" });
        expect(csv.status).toBe(400);
        expect(csv.json.error).toBe('CSV line 1, column 3 (petal_length) must be a finite number; got "x"');

        const v2Shape = await post(server.port, "/v2/models/iris/infer", { inputs: [{ name: "features", shape: [1, 3], datatype: "FP32", data: [1, 2, 3] }] });
        expect(v2Shape.status).toBe(400);
        expect(v2Shape.json.error).toBe("inputs[0].shape must be [N, 4] with N >= 1; got [1,3]");
        const v2Type = await post(server.port, "/v2/models/iris/infer", { inputs: [{ name: "features", shape: [1, 4], datatype: "BYTES", data: ["a", "b", "c", "d"] }] });
        expect(v2Type.json.error).toContain('inputs[0].datatype must be "FP32"');
        const v2Count = await post(server.port, "/v2/models/iris/infer", { inputs: [{ name: "features", shape: [2, 4], datatype: "FP32", data: SETOSA }] });
        expect(v2Count.json.error).toBe("inputs[0].data has 4 values; shape [2,4] needs 8");
    });

    it("answers unknown routes 404 and wrong methods 405", async () => {
        const missing = await call(server.port, "GET", "/nope");
        expect(missing.status).toBe(404);
        expect(missing.json.error).toContain("no route GET /nope");
        const wrong = await call(server.port, "GET", "/invocations");
        expect(wrong.status).toBe(405);
        expect(wrong.headers.allow).toBe("POST");
    });

    it("gives each of many concurrent requests its own rows' predictions (coalesced runs)", async () => {
        const rows = [SETOSA, VERSICOLOR, VIRGINICA];
        const expected = ["setosa", "versicolor", "virginica"];
        const replies = await Promise.all(
            Array.from({ length: 60 }, (_, i) => {
                const n = (i % 3) + 1; // 1 to 3 rows per request
                const body = Array.from({ length: n }, (_, j) => rows[(i + j) % 3]);
                return post(server.port, "/invocations", { instances: body }).then((r) => ({ r, want: body.map((_, j) => expected[(i + j) % 3]) }));
            }),
        );
        for (const { r, want } of replies) expect(r.json.predictions.map((p: { label: string }) => p.label)).toEqual(want);
    });

    it("counts requests, latency and errors on /metrics, and logs one line per request", async () => {
        await post(server.port, "/invocations", { instances: [SETOSA] });
        await post(server.port, "/invocations", { instances: [[1]] });
        const res = await call(server.port, "GET", "/metrics");
        expect(res.status).toBe(200);
        expect(res.headers["content-type"]).toContain("text/plain");
        const count = (labels: string) => Number(new RegExp(`^model_server_requests_total\\{${labels}\\} (\\d+)$`, "m").exec(res.text)?.[1] ?? 0);
        expect(count('route="/invocations",method="POST",status="200"')).toBeGreaterThanOrEqual(1);
        expect(count('route="/invocations",method="POST",status="400"')).toBeGreaterThanOrEqual(1);
        expect(count('route="/v2/models/\\{name\\}/infer",method="POST",status="200"')).toBeGreaterThanOrEqual(1);
        expect(res.text).toMatch(/^model_server_request_duration_seconds_count\{route="\/invocations"\} \d+$/m);
        expect(res.text).toMatch(/^model_server_errors_total\{route="\/invocations",kind="client"\} \d+$/m);
        expect(res.text).toMatch(/^model_server_model_loaded 1$/m);
        expect(res.text).toMatch(/^model_server_in_flight_requests 1$/m); // the scrape itself
        expect(res.text).toMatch(/^model_server_predicted_rows_total \d+$/m);
        // Raw paths never become labels: the unknown route is "unmatched".
        expect(res.text).not.toContain('route="/nope"');
        const logged = lines.filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as { route: string; status: number; path: string });
        expect(logged).toContainEqual(expect.objectContaining({ route: "/predict", path: "/predict", status: 200 }));
        expect(logged).toContainEqual(expect.objectContaining({ route: "unmatched", path: "/nope", status: 404 }));
    });
});

describe("serving: production behaviour", () => {
    it("answers readiness 503 until the model is loaded; liveness 200 throughout", async () => {
        const loading = gate();
        const server = await serve({
            loadModel: async () => {
                await loading.promise;
                return loadModel(MODEL_DIR);
            },
        });
        for (const route of ["/ping", "/v2/health/ready"]) {
            const res = await call(server.port, "GET", route);
            expect(res.status).toBe(503);
        }
        expect((await call(server.port, "GET", "/ping")).json).toEqual({ status: "loading", error: "model is loading" });
        expect((await call(server.port, "GET", "/v2/health/live")).status).toBe(200);
        const early = await post(server.port, "/invocations", { instances: [SETOSA] });
        expect(early.status).toBe(503);
        expect(early.headers["retry-after"]).toBe("1");
        expect((await post(server.port, "/v2/models/iris/infer", { inputs: [] })).status).toBe(503);
        loading.open();
        await server.ready;
        expect((await call(server.port, "GET", "/ping")).status).toBe(200);
        expect((await post(server.port, "/invocations", { instances: [SETOSA] })).json.predictions[0].label).toBe("setosa");
    });

    it("keeps readiness at 503 with the reason when the model fails to load", async () => {
        const server = await serve({ modelDir: path.join(ROOT, "serving") });
        await expect(server.ready).rejects.toThrow(/no model\.onnx in or below .*serving/);
        const res = await call(server.port, "GET", "/ping");
        expect(res.status).toBe(503);
        expect(res.json.status).toBe("failed");
        expect(res.json.error).toContain("model failed to load: modelDir: no model.onnx in or below");
    });

    it("answers a body over MAX_BODY_BYTES with 413, declared or chunked", async () => {
        const server = await serve({ config: { maxBodyBytes: 1024 } });
        await server.ready;
        const big = JSON.stringify({ instances: Array.from({ length: 200 }, () => SETOSA) });
        expect(big.length).toBeGreaterThan(1024);
        const declared = await post(server.port, "/invocations", big);
        expect(declared.status).toBe(413);
        expect(declared.json.error).toContain("larger than the limit of 1024 bytes");

        const chunked = await new Promise<number>((resolve, reject) => {
            const req = http.request({ host: "127.0.0.1", port: server.port, method: "POST", path: "/invocations", agent: false, headers: { "Content-Type": "application/json", "Transfer-Encoding": "chunked" } }, (res) => {
                res.resume();
                resolve(res.statusCode ?? 0);
            });
            req.on("error", reject);
            req.write(big.slice(0, 800));
            setTimeout(() => req.end(big.slice(800)), 20);
        });
        expect(chunked).toBe(413);
        // The server still serves.
        expect((await post(server.port, "/invocations", { instances: [SETOSA] })).status).toBe(200);
    });

    it("close() drains in-flight requests: they complete, new connections are refused", async () => {
        const hold = gate();
        let started!: () => void;
        const inferenceStarted = new Promise<void>((resolve) => (started = resolve));
        const server = await serve({
            loadModel: async () => {
                const real = await loadModel(MODEL_DIR);
                const slow: LoadedModel = {
                    ...real,
                    predict: async (features, rows) => {
                        started();
                        await hold.promise;
                        return real.predict(features, rows);
                    },
                };
                return slow;
            },
        });
        await server.ready;
        const inFlight = post(server.port, "/invocations", { instances: [SETOSA] });
        await inferenceStarted;
        const closing = server.close(5000);
        let closed = false;
        void closing.then(() => (closed = true));
        await new Promise((r) => setTimeout(r, 50));
        expect(closed).toBe(false);
        await expect(call(server.port, "GET", "/ping")).rejects.toThrow(/ECONNREFUSED/);
        hold.open();
        const res = await inFlight;
        expect(res.status).toBe(200);
        expect(res.headers.connection).toBe("close");
        expect(res.json.predictions[0].label).toBe("setosa");
        await closing;
        expect(closed).toBe(true);
    });

    it("does not wait on a client that hung up halfway through its body", async () => {
        const server = await serve();
        await server.ready;
        await new Promise<void>((resolve) => {
            const req = http.request({ host: "127.0.0.1", port: server.port, method: "POST", path: "/invocations", agent: false, headers: { "Content-Length": "100" } });
            req.on("error", () => resolve());
            req.write('{"instances": [[5.1,');
            setTimeout(() => req.destroy(), 50);
        });
        await new Promise((r) => setTimeout(r, 50));
        const t0 = Date.now();
        await server.close(5000);
        expect(Date.now() - t0).toBeLessThan(1000);
    });

    it("close() cuts requests still running after the grace period", async () => {
        const server = await serve({
            loadModel: async () => {
                const real = await loadModel(MODEL_DIR);
                return { ...real, predict: () => new Promise(() => undefined) };
            },
        });
        await server.ready;
        const inFlight = post(server.port, "/invocations", { instances: [SETOSA] });
        await new Promise((r) => setTimeout(r, 50));
        const t0 = Date.now();
        await server.close(200);
        expect(Date.now() - t0).toBeLessThan(2000);
        await expect(inFlight).rejects.toThrow(/socket hang up|ECONNRESET/);
    });

    it("main.ts: SIGTERM during a request in flight lets it finish, then exits 0", async () => {
        const child = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "serving", "src", "main.ts"), "serve"], {
            cwd: ROOT,
            env: { PATH: process.env.PATH, MODEL_DIR, HOST: "127.0.0.1", PORT: "0", LOG_REQUESTS: "true" },
            stdio: ["ignore", "pipe", "pipe"],
        });
        let out = "";
        child.stdout.on("data", (c: Buffer) => (out += c.toString()));
        child.stderr.on("data", (c: Buffer) => (out += c.toString()));
        const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
        try {
            const deadline = Date.now() + 15_000;
            while (!/"msg":"model loaded"/.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
            const port = Number(/"msg":"listening".*?"port":(\d+)/.exec(out)?.[1]);
            expect(port).toBeGreaterThan(0);

            // A request whose body is still arriving when SIGTERM lands.
            const body = JSON.stringify({ instances: [SETOSA] });
            const reply = new Promise<{ status: number; text: string }>((resolve, reject) => {
                const req = http.request({ host: "127.0.0.1", port, method: "POST", path: "/invocations", agent: false, headers: { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) } }, (res) => {
                    let text = "";
                    res.on("data", (c: Buffer) => (text += c.toString()));
                    res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
                });
                req.on("error", reject);
                req.write(body.slice(0, 10));
                const waitForDrain = (): void => {
                    if (/"msg":"draining"/.test(out)) req.end(body.slice(10));
                    else setTimeout(waitForDrain, 20);
                };
                setTimeout(() => {
                    child.kill("SIGTERM");
                    waitForDrain();
                }, 100);
            });
            const res = await reply;
            expect(res.status).toBe(200);
            expect(JSON.parse(res.text).predictions[0].label).toBe("setosa");
            expect(await exited).toBe(0);
            const logs = out.trim().split("\n").map((l) => JSON.parse(l) as { msg: string; status?: number; route?: string });
            expect(logs).toContainEqual(expect.objectContaining({ msg: "request", route: "/invocations", status: 200 }));
            expect(logs.at(-1)).toMatchObject({ msg: "stopped", outcome: "drained" });
        } finally {
            if (child.exitCode === null) child.kill("SIGKILL");
        }
    });
});

describe("serving: logs", () => {
    it("writes one JSON line per request, buffered, and flushes events at once", () => {
        const chunks: string[] = [];
        const logger = createLogger((c) => chunks.push(c));
        logger.request("POST", "/invocations", '/invocations?x="y"', 200, 0.4567);
        logger.request("GET", "/ping", "/ping", 503, 1);
        expect(chunks).toEqual([]);
        logger.info("model loaded", { ms: 3 });
        const lines = chunks.join("").trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
        expect(lines).toHaveLength(3);
        expect(lines[0]).toMatchObject({ level: "info", msg: "request", method: "POST", route: "/invocations", path: '/invocations?x="y"', status: 200, ms: 0.457 });
        expect(lines[0]!.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
        expect(lines[2]).toMatchObject({ level: "info", msg: "model loaded", ms: 3 });
        logger.flush();
    });
});

describe("serving: configuration", () => {
    it("reads each runtime's port and routes", () => {
        expect(configFromEnv({})).toMatchObject({ port: 8080, healthRoutes: ["/ping"], predictRoutes: ["/invocations"], maxBodyBytes: 1048576, logRequests: true });
        const vertex = configFromEnv({ AIP_HTTP_PORT: "7080", PORT: "9000", AIP_HEALTH_ROUTE: "/health", AIP_PREDICT_ROUTE: "/predict" });
        expect(vertex).toMatchObject({ port: 7080, healthRoutes: ["/ping", "/health"], predictRoutes: ["/invocations", "/predict"] });
        expect(configFromEnv({ PORT: "9000", HEALTH_ROUTE: "/healthz", PREDICT_ROUTE: "/v1/predict", LOG_REQUESTS: "false", MAX_BODY_BYTES: "2048" })).toMatchObject({
            port: 9000,
            healthRoutes: ["/ping", "/healthz"],
            predictRoutes: ["/invocations", "/v1/predict"],
            logRequests: false,
            maxBodyBytes: 2048,
        });
    });

    it("rejects bad settings with a message naming the variable", () => {
        expect(() => configFromEnv({ PORT: "http" })).toThrow('PORT must be an integer from 0 to 65535; got "http"');
        expect(() => configFromEnv({ PREDICT_ROUTE: "predict" })).toThrow('PREDICT_ROUTE must be a path starting with "/"');
        expect(() => configFromEnv({ LOG_REQUESTS: "maybe" })).toThrow("LOG_REQUESTS must be true or false");
    });
});
