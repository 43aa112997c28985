/**
 * ONNX models shaped the way the common exporters write them, built with the project's own writer
 * (onnxProto.ts) so the server and the plan-time check are tested on what users bring without Python:
 *
 *   skl2onnx classifier   LinearClassifier -> Normalizer -> ZipMap  (output_label, output_probability: a sequence of maps)
 *                         or, with zipmap=False, output_probability float [N, C]
 *   skl2onnx regressor    LinearRegressor -> variable float [N, 1]
 *   torch.onnx.export     Gemm -> Softmax -> probabilities float [batch, C] (no label output)
 *   multi-output          two float heads, neither a label nor probabilities
 */
import { DataType, encodeModel, type Node } from "./onnxProto";

const ML = [{ domain: "ai.onnx.ml", version: 1 }];
/** The header skl2onnx 1.17 writes: IR 8, opset 15 and the ai.onnx.ml domain. */
const SKL2ONNX = { irVersion: 8, opset: 15, opsets: ML, producerName: "skl2onnx", producerVersion: "1.17.0" } as const;

/** Class-major coefficients ([C][F], what LinearClassifier takes) from feature-major weights ([F][C]). */
export function classMajor(weights: Float32Array, features: number, classes: number): number[] {
    const out: number[] = [];
    for (let k = 0; k < classes; k++) for (let j = 0; j < features; j++) out.push(weights[j * classes + k]!);
    return out;
}

export interface LinearClassifierSpec {
    /** Feature-major [F][C] weights and [C] biases, applied to raw features. */
    readonly weights: Float32Array;
    readonly bias: Float32Array;
    readonly features: number;
    /** The class labels the label output emits: integers (skl2onnx casts them to int64) or names. */
    readonly labels: readonly number[] | readonly string[];
    /** skl2onnx's default: probabilities as a sequence of maps. */
    readonly zipMap: boolean;
    /** metadata_props, e.g. { classes: "setosa,versicolor,virginica" }. */
    readonly metadata?: Readonly<Record<string, string>>;
}

/** A logistic regression as skl2onnx exports it. */
export function linearClassifierOnnx(spec: LinearClassifierSpec): Uint8Array {
    const c = spec.labels.length;
    const names = typeof spec.labels[0] === "string";
    const labelAttr = names ? { name: "classlabels_strings", strings: spec.labels as readonly string[] } : { name: "classlabels_ints", ints: spec.labels as readonly number[] };
    const nodes: Node[] = [
        {
            opType: "LinearClassifier",
            domain: "ai.onnx.ml",
            name: "LinearClassifier",
            inputs: ["float_input"],
            outputs: [names ? "output_label" : "label", "probability_tensor"],
            attributes: [{ name: "coefficients", floats: classMajor(spec.weights, spec.features, c) }, { name: "intercepts", floats: Array.from(spec.bias) }, labelAttr, { name: "multi_class", int: 1 }, { name: "post_transform", string: "SOFTMAX" }],
        },
        { opType: "Normalizer", domain: "ai.onnx.ml", name: "Normalizer", inputs: ["probability_tensor"], outputs: [spec.zipMap ? "probabilities" : "output_probability"], attributes: [{ name: "norm", string: "L1" }] },
    ];
    if (!names) nodes.push({ opType: "Cast", name: "Cast", inputs: ["label"], outputs: ["output_label"], attributes: [{ name: "to", int: DataType.INT64 }] });
    if (spec.zipMap) {
        nodes.push({
            opType: "ZipMap",
            domain: "ai.onnx.ml",
            name: "ZipMap",
            inputs: ["probabilities"],
            outputs: ["output_probability"],
            attributes: [names ? { name: "classlabels_strings", strings: spec.labels as readonly string[] } : { name: "classlabels_int64s", ints: spec.labels as readonly number[] }],
        });
    }
    return encodeModel({
        ...SKL2ONNX,
        graphName: "LogisticRegression",
        nodes,
        initializers: [],
        inputs: [{ name: "float_input", elemType: DataType.FLOAT, shape: ["N", spec.features] }],
        outputs: [
            { name: "output_label", elemType: names ? DataType.STRING : DataType.INT64, shape: ["N"] },
            spec.zipMap ? { name: "output_probability", elemType: DataType.FLOAT, shape: [], mapKey: names ? DataType.STRING : DataType.INT64 } : { name: "output_probability", elemType: DataType.FLOAT, shape: ["N", c] },
        ],
        metadata: spec.metadata,
    });
}

/** A linear regression as skl2onnx exports it: LinearRegressor, output `variable` float [N, targets]. */
export function linearRegressorOnnx(coefficients: readonly number[], intercepts: readonly number[], features: number, metadata?: Readonly<Record<string, string>>): Uint8Array {
    const targets = intercepts.length;
    return encodeModel({
        ...SKL2ONNX,
        graphName: "LinearRegression",
        nodes: [{ opType: "LinearRegressor", domain: "ai.onnx.ml", name: "LinearRegressor", inputs: ["float_input"], outputs: ["variable"], attributes: [{ name: "coefficients", floats: coefficients }, { name: "intercepts", floats: intercepts }, { name: "targets", int: targets }] }],
        initializers: [],
        inputs: [{ name: "float_input", elemType: DataType.FLOAT, shape: ["N", features] }],
        outputs: [{ name: "variable", elemType: DataType.FLOAT, shape: ["N", targets] }],
        metadata,
    });
}

/** A softmax classifier as torch.onnx.export writes it with output_names=["probabilities"]: no label output. */
export function torchClassifierOnnx(weights: Float32Array, bias: Float32Array, features: number, classes: number, metadata?: Readonly<Record<string, string>>): Uint8Array {
    return encodeModel({
        irVersion: 8,
        opset: 17,
        producerName: "pytorch",
        producerVersion: "2.5.0",
        graphName: "main_graph",
        nodes: [
            { opType: "Gemm", name: "/linear/Gemm", inputs: ["input", "linear.weight", "linear.bias"], outputs: ["/linear/Gemm_output_0"], attributes: [{ name: "transB", int: 1 }] },
            { opType: "Softmax", name: "/Softmax", inputs: ["/linear/Gemm_output_0"], outputs: ["probabilities"], attributes: [{ name: "axis", int: 1 }] },
        ],
        initializers: [
            { name: "linear.weight", dims: [classes, features], values: Float32Array.from(classMajor(weights, features, classes)) },
            { name: "linear.bias", dims: [classes], values: bias },
        ],
        inputs: [{ name: "input", elemType: DataType.FLOAT, shape: ["batch", features] }],
        outputs: [{ name: "probabilities", elemType: DataType.FLOAT, shape: ["batch", classes] }],
        metadata,
    });
}

/** Two heads on one input: `total` float [N] (the row's sum) and `scaled` float [N, F] (each value doubled). */
export function twoHeadOnnx(features: number): Uint8Array {
    return encodeModel({
        irVersion: 8,
        opset: 13,
        producerName: "pytorch",
        producerVersion: "2.5.0",
        graphName: "two_heads",
        nodes: [
            { opType: "MatMul", name: "sum", inputs: ["x", "ones"], outputs: ["total"] },
            { opType: "Mul", name: "double", inputs: ["x", "two"], outputs: ["scaled"] },
        ],
        initializers: [
            { name: "ones", dims: [features], values: new Float32Array(features).fill(1) },
            { name: "two", dims: [1], values: Float32Array.of(2) },
        ],
        inputs: [{ name: "x", elemType: DataType.FLOAT, shape: ["batch", features] }],
        outputs: [
            { name: "total", elemType: DataType.FLOAT, shape: ["batch"] },
            { name: "scaled", elemType: DataType.FLOAT, shape: ["batch", features] },
        ],
    });
}
