import * as fs from "node:fs";
import * as path from "node:path";
import * as ort from "onnxruntime-node";
import { InferencePool, type Feeds, type Outputs } from "./inferencePool";
import { findModelFile, ModelLoadError, pickleIn, prepareModel } from "./modelFile";
import { classifierLabels, metadataClasses } from "./onnxGraph";
import { planServing, type ModelSignature, type ServingPlan, type Task, type ValueSignature } from "./task";

/** What metadata.json beside model.onnx may say; every field is optional. */
export interface ModelMetadata {
    readonly name?: string;
    readonly version?: string;
    readonly features?: readonly string[];
    readonly classes?: readonly string[];
    readonly [key: string]: unknown;
}

/** One batch's results: label indices (or names) and class probabilities, row-major, for a classifier; every output for all. */
export interface BatchResult {
    readonly rows: number;
    /** classifier: index per row into `classes`, or -1 when the label is not one of them (see labelNames). */
    readonly labelIndex: Int32Array;
    /** classifier: the label as the model gave it, per row, where labelIndex is -1. */
    readonly labelNames?: readonly string[];
    /** classifier: rows x classCount, row-major; absent when the model has no probabilities output. */
    readonly probabilities?: Float32Array | Float64Array;
    /** The raw outputs, for the Open Inference Protocol. */
    readonly outputs: Readonly<Record<string, ort.Tensor>>;
}

export interface OutputInfo {
    readonly name: string;
    readonly datatype: string;
    readonly shape: readonly number[];
}

/** A loaded model: one float input [N, F]; what it answers depends on its task (src/task.ts). */
export interface LoadedModel {
    readonly name: string;
    readonly version: string;
    readonly task: Task;
    readonly plan: ServingPlan;
    readonly inputName: string;
    readonly featureCount: number;
    readonly featureNames: readonly string[];
    /** classifier: the class names, in the probabilities' order; empty for other tasks. */
    readonly classes: readonly string[];
    readonly outputs: readonly OutputInfo[];
    readonly file: string;
    readonly metadata: ModelMetadata;
    /** Runs one batch: `rows` rows of featureCount values at the start of `features`. */
    predict(features: Float32Array, rows: number): Promise<BatchResult>;
    release(): Promise<void>;
}


export { findModelFile, ModelLoadError } from "./modelFile";

const V2_TYPES: Readonly<Record<string, string>> = {
    float32: "FP32",
    float64: "FP64",
    int64: "INT64",
    int32: "INT32",
    string: "BYTES",
    bool: "BOOL",
    uint8: "UINT8",
    int8: "INT8",
    float16: "FP16",
};
export const v2Datatype = (type: string): string => V2_TYPES[type] ?? type.toUpperCase();

const dims = (shape: readonly (number | string)[]): number[] => shape.map((d) => (typeof d === "number" && d >= 0 ? d : -1));

function readMetadata(dir: string): ModelMetadata {
    const file = path.join(dir, "metadata.json");
    if (!fs.existsSync(file)) return {};
    let parsed: unknown;
    try {
        parsed = JSON.parse(fs.readFileSync(file, "utf8"));
    } catch (err) {
        throw new ModelLoadError(`${file} is not valid JSON: ${(err as Error).message}`);
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new ModelLoadError(`${file} must hold a JSON object`);
    const m = parsed as Record<string, unknown>;
    for (const key of ["features", "classes"]) {
        const v = m[key];
        if (v !== undefined && !(Array.isArray(v) && v.every((x) => typeof x === "string"))) throw new ModelLoadError(`${file}: "${key}" must be an array of strings`);
    }
    return m as ModelMetadata;
}

export interface LoadOptions {
    readonly name?: string;
    readonly version?: string;
    readonly intraOpThreads?: number;
    /** Run inference on this many worker threads, one session each; 0 runs it on the calling thread. @default 0 */
    readonly workers?: number;
}

const signatureOf = (values: readonly ort.InferenceSession.ValueMetadata[]): ValueSignature[] => values.map((v) => (v.isTensor ? { name: v.name, isTensor: true, type: v.type, shape: v.shape } : { name: v.name, isTensor: false }));

/** Loads model.onnx (+ metadata.json) found in or below `dir`, checks its signature and warms it up. */
export async function loadModel(dir: string, options: LoadOptions = {}): Promise<LoadedModel> {
    const file = findModelFile(dir);
    if (!file) {
        const pickle = pickleIn(dir);
        if (pickle) throw new ModelLoadError(`no model.onnx found in ${dir}, only a Python pickle (${pickle}): export the trained model to ONNX (see examples/export/README.md)`);
        throw new ModelLoadError(`no model.onnx found in ${dir} (searched 4 levels down)`);
    }
    const metadata = readMetadata(path.dirname(file));
    const { bytes, info, unzipped } = prepareModel(file);
    let session: ort.InferenceSession;
    const sessionOptions: ort.InferenceSession.SessionOptions = {
        executionProviders: ["cpu"],
        graphOptimizationLevel: "all",
        executionMode: "sequential",
        intraOpNumThreads: options.intraOpThreads ?? 1,
        interOpNumThreads: 1,
    };
    try {
        // By path when nothing was rewritten, so external data files beside the model are found.
        session = unzipped.length > 0 ? await ort.InferenceSession.create(bytes, sessionOptions) : await ort.InferenceSession.create(file, sessionOptions);
    } catch (err) {
        throw new ModelLoadError(`onnxruntime could not load ${file}: ${(err as Error).message}`);
    }

    const signature: ModelSignature = { inputs: signatureOf(session.inputMetadata), outputs: signatureOf(session.outputMetadata), unzipped: new Set(unzipped.map((u) => u.output)) };
    const { plan, problems } = planServing(signature);
    const fail = async (message: string): Promise<never> => {
        await session.release();
        throw new ModelLoadError(message);
    };
    if (!plan) return fail(`${file} cannot be served: ${problems.join("; ")}`);
    const featureCount = plan.featureCount;
    const outputMeta = new Map(signature.outputs.map((o) => [o.name, o]));
    const probOut = plan.probabilities ? outputMeta.get(plan.probabilities) : undefined;
    const labelOut = plan.label ? outputMeta.get(plan.label) : undefined;

    // The values the label output emits, where the model says: a classifier operator's or ZipMap's class labels.
    const zipLabels = unzipped.find((u) => u.output === plan.probabilities)?.labels;
    const labelValues = classifierLabels(info) ?? (zipLabels && zipLabels.length > 0 ? zipLabels : undefined);
    const declaredCount = typeof probOut?.shape?.[1] === "number" ? probOut.shape[1] : undefined;
    let classes: readonly string[] = [];
    if (plan.task === "classifier") {
        classes = metadata.classes ?? metadataClasses(info.metadata) ?? labelValues ?? Array.from({ length: declaredCount ?? 0 }, (_, i) => String(i));
        if (probOut && declaredCount !== undefined && classes.length !== declaredCount) {
            const from = metadata.classes ? "metadata.json" : "the model's metadata";
            return fail(`${from} names ${classes.length} classes; the model's probabilities have ${declaredCount}`);
        }
    }
    const classCount = declaredCount ?? classes.length;
    const labelIndexOf = labelValues ? new Map(labelValues.map((v, i) => [v, i])) : undefined;
    const featureNames = metadata.features ?? metadataClasses({ classes: info.metadata.features ?? "" }) ?? Array.from({ length: featureCount }, (_, i) => `f${i}`);
    if (featureNames.length !== featureCount) {
        return fail(`${metadata.features ? "metadata.json" : "the model's metadata"} names ${featureNames.length} features; the model takes ${featureCount}`);
    }

    const inputName = plan.inputName;
    const labelName = labelOut?.name;
    const probName = probOut?.name;

    let pool: InferencePool | undefined;
    if ((options.workers ?? 0) > 0) {
        try {
            pool = await InferencePool.start(unzipped.length > 0 ? bytes : file, sessionOptions, options.workers!, file);
        } catch (err) {
            return fail((err as Error).message);
        }
    }
    const run = (feeds: Feeds): Promise<Outputs> => (pool ? pool.run(feeds) : session.run(feeds));

    const predict = async (features: Float32Array, rows: number): Promise<BatchResult> => {
        const view = features.length === rows * featureCount ? features : features.subarray(0, rows * featureCount);
        const results = await run({ [inputName]: new ort.Tensor("float32", view, [rows, featureCount]) });
        const labelIndex = new Int32Array(rows);
        if (plan.task !== "classifier") return { rows, labelIndex, outputs: results };
        let labelNames: string[] | undefined;
        const probTensor = probName ? results[probName] : undefined;
        const probabilities = probTensor ? (probTensor.data as Float32Array | Float64Array) : undefined;
        const labelTensor = labelName ? results[labelName] : undefined;
        if (labelTensor) {
            const data = labelTensor.data as ArrayLike<bigint | number | string>;
            for (let i = 0; i < rows; i++) {
                const v = data[i]!;
                // Without class labels in the model, an integer label is the index (ArgMax); a name is looked up in the classes.
                const idx = labelIndexOf ? (labelIndexOf.get(String(v)) ?? -1) : typeof v === "string" ? classes.indexOf(v) : Number(v);
                labelIndex[i] = idx >= 0 && idx < Math.max(classes.length, classCount) ? idx : -1;
                if (labelIndex[i] === -1) (labelNames ??= new Array<string>(rows).fill(""))[i] = String(v);
            }
        } else if (probabilities) {
            for (let i = 0; i < rows; i++) {
                let best = 0;
                for (let k = 1; k < classCount; k++) if (probabilities[i * classCount + k]! > probabilities[i * classCount + best]!) best = k;
                labelIndex[i] = best;
            }
        }
        return { rows, labelIndex, labelNames, probabilities, outputs: results };
    };

    // Warm up: the first run allocates, and proves every output can be returned; do it before reporting ready.
    try {
        await predict(new Float32Array(featureCount), 1);
    } catch (err) {
        await pool?.release();
        return fail(`${file} failed its first inference: ${(err as Error).message}`);
    }

    return {
        name: options.name ?? metadata.name ?? path.basename(path.dirname(file)),
        version: options.version ?? metadata.version ?? "1",
        task: plan.task,
        plan,
        inputName,
        featureCount,
        featureNames,
        classes,
        outputs: session.outputMetadata.map((o) => ({ name: o.name, datatype: o.isTensor ? v2Datatype(o.type) : "UNKNOWN", shape: o.isTensor ? dims(o.shape) : [] })),
        file,
        metadata,
        predict,
        release: async () => {
            await pool?.release();
            await session.release();
        },
    };
}
