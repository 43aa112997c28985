import * as fs from "node:fs";
import * as path from "node:path";
import * as ort from "onnxruntime-node";
import { InferencePool, type Feeds, type Outputs } from "./inferencePool";

/** What metadata.json beside model.onnx may say; every field is optional. */
export interface ModelMetadata {
    readonly name?: string;
    readonly version?: string;
    readonly features?: readonly string[];
    readonly classes?: readonly string[];
    readonly [key: string]: unknown;
}

/** One batch's results: label indices (or names) and class probabilities, row-major. */
export interface BatchResult {
    readonly rows: number;
    /** Index per row into `classes`, or -1 when the label is a name (see labelNames). */
    readonly labelIndex: Int32Array;
    readonly labelNames?: readonly string[];
    /** rows x classCount, row-major; absent when the model has no probabilities output. */
    readonly probabilities?: Float32Array;
    /** The raw outputs, for the Open Inference Protocol. */
    readonly outputs: Readonly<Record<string, ort.Tensor>>;
}

export interface OutputInfo {
    readonly name: string;
    readonly datatype: string;
    readonly shape: readonly number[];
}

/** A loaded classifier: one float input [N, F]; a label output and/or a probabilities output. */
export interface LoadedModel {
    readonly name: string;
    readonly version: string;
    readonly inputName: string;
    readonly featureCount: number;
    readonly featureNames: readonly string[];
    readonly classes: readonly string[];
    readonly outputs: readonly OutputInfo[];
    readonly file: string;
    readonly metadata: ModelMetadata;
    /** Runs one batch: `rows` rows of featureCount values at the start of `features`. */
    predict(features: Float32Array, rows: number): Promise<BatchResult>;
    release(): Promise<void>;
}

export class ModelLoadError extends Error {}

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

/** model.onnx in `dir`, else below it (Azure ML mounts the registered folder a level or two down). */
export function findModelFile(dir: string, maxDepth = 4): string | undefined {
    const direct = path.join(dir, "model.onnx");
    if (fs.existsSync(direct)) return direct;
    let queue = [dir];
    const others: string[] = [];
    for (let depth = 0; depth <= maxDepth && queue.length > 0; depth++) {
        const next: string[] = [];
        for (const d of queue) {
            let entries: fs.Dirent[];
            try {
                entries = fs.readdirSync(d, { withFileTypes: true });
            } catch {
                continue;
            }
            entries.sort((a, b) => a.name.localeCompare(b.name));
            for (const e of entries) {
                const full = path.join(d, e.name);
                if (e.isDirectory()) next.push(full);
                else if (e.name === "model.onnx") return full;
                else if (e.name.endsWith(".onnx")) others.push(full);
            }
        }
        queue = next;
    }
    return others.length === 1 ? others[0] : undefined;
}

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

/** Loads model.onnx (+ metadata.json) found in or below `dir`, checks its signature and warms it up. */
export async function loadModel(dir: string, options: LoadOptions = {}): Promise<LoadedModel> {
    const file = findModelFile(dir);
    if (!file) throw new ModelLoadError(`no model.onnx found in ${dir} (searched 4 levels down)`);
    const metadata = readMetadata(path.dirname(file));
    let session: ort.InferenceSession;
    const sessionOptions: ort.InferenceSession.SessionOptions = {
        executionProviders: ["cpu"],
        graphOptimizationLevel: "all",
        executionMode: "sequential",
        intraOpNumThreads: options.intraOpThreads ?? 1,
        interOpNumThreads: 1,
    };
    try {
        session = await ort.InferenceSession.create(file, sessionOptions);
    } catch (err) {
        throw new ModelLoadError(`onnxruntime could not load ${file}: ${(err as Error).message}`);
    }

    const inputs = session.inputMetadata;
    const input = inputs[0];
    if (inputs.length !== 1 || !input?.isTensor || input.type !== "float32" || input.shape.length !== 2 || typeof input.shape[1] !== "number") {
        await session.release();
        throw new ModelLoadError(`${file} must take one float32 input of shape [N, features]; it takes ${JSON.stringify(inputs)}`);
    }
    const featureCount = input.shape[1];
    const outputMeta = session.outputMetadata.filter((o) => o.isTensor);
    const labelOut = outputMeta.find((o) => o.name === "label") ?? outputMeta.find((o) => o.isTensor && (o.type === "int64" || o.type === "string") && o.shape.length === 1);
    const probOut = outputMeta.find((o) => o.name === "probabilities") ?? outputMeta.find((o) => o.isTensor && o.type === "float32" && o.shape.length === 2);
    if (!labelOut && !probOut) {
        await session.release();
        throw new ModelLoadError(`${file} has neither a "label" nor a "probabilities" output`);
    }
    const classCount = probOut?.isTensor && typeof probOut.shape[1] === "number" ? probOut.shape[1] : (metadata.classes?.length ?? 0);
    const classes = metadata.classes ?? Array.from({ length: classCount }, (_, i) => String(i));
    if (probOut && metadata.classes && classCount !== metadata.classes.length) {
        await session.release();
        throw new ModelLoadError(`metadata.json names ${metadata.classes.length} classes; the model's probabilities have ${classCount}`);
    }
    const featureNames = metadata.features ?? Array.from({ length: featureCount }, (_, i) => `f${i}`);
    if (featureNames.length !== featureCount) {
        await session.release();
        throw new ModelLoadError(`metadata.json names ${featureNames.length} features; the model takes ${featureCount}`);
    }

    const inputName = input.name;
    const labelName = labelOut?.name;
    const labelIsString = labelOut?.isTensor === true && labelOut.type === "string";
    const probName = probOut?.name;

    let pool: InferencePool | undefined;
    if ((options.workers ?? 0) > 0) {
        try {
            pool = await InferencePool.start(file, sessionOptions, options.workers!);
        } catch (err) {
            await session.release();
            throw new ModelLoadError((err as Error).message);
        }
    }
    const run = (feeds: Feeds): Promise<Outputs> => (pool ? pool.run(feeds) : session.run(feeds));

    const predict = async (features: Float32Array, rows: number): Promise<BatchResult> => {
        const view = features.length === rows * featureCount ? features : features.subarray(0, rows * featureCount);
        const results = await run({ [inputName]: new ort.Tensor("float32", view, [rows, featureCount]) });
        const labelIndex = new Int32Array(rows);
        let labelNames: string[] | undefined;
        const probTensor = probName ? results[probName] : undefined;
        const probabilities = probTensor ? (probTensor.data as Float32Array) : undefined;
        const labelTensor = labelName ? results[labelName] : undefined;
        if (labelTensor && labelIsString) {
            labelNames = labelTensor.data as string[];
            labelIndex.fill(-1);
        } else if (labelTensor) {
            const data = labelTensor.data as BigInt64Array | Int32Array;
            for (let i = 0; i < rows; i++) labelIndex[i] = Number(data[i]);
        } else if (probabilities) {
            for (let i = 0; i < rows; i++) {
                let best = 0;
                for (let k = 1; k < classCount; k++) if (probabilities[i * classCount + k]! > probabilities[i * classCount + best]!) best = k;
                labelIndex[i] = best;
            }
        }
        return { rows, labelIndex, labelNames, probabilities, outputs: results };
    };

    // Warm up: the first run allocates; do it before reporting ready.
    await predict(new Float32Array(featureCount), 1);

    return {
        name: options.name ?? metadata.name ?? path.basename(path.dirname(file)),
        version: options.version ?? metadata.version ?? "1",
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
