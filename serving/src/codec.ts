/**
 * Request decoding and response encoding for every contract: rows in (JSON instances, a bare JSON
 * array, CSV, Open Inference Protocol v2 tensors) into one Float32Array batch; predictions out.
 */
import type { Tensor } from "onnxruntime-node";
import type { BatchResult, LoadedModel } from "./model";
import { v2Datatype } from "./model";
import type { ServingPlan } from "./task";

/** A client error: the status and a message that says what was expected. */
export class RequestError extends Error {
    constructor(
        message: string,
        readonly status = 400,
    ) {
        super(message);
    }
}

export type ModelShape = Pick<LoadedModel, "featureCount" | "featureNames" | "inputName">;

/** Reusable feature buffers: a request borrows one, fills it, and returns it after the run. */
export class FeatureBuffers {
    private readonly free: Float32Array[] = [];
    constructor(
        private readonly featureCount: number,
        private readonly rowsPerBuffer = 64,
        private readonly maxFree = 256,
    ) {}

    acquire(rows: number): Float32Array {
        if (rows > this.rowsPerBuffer) return new Float32Array(rows * this.featureCount);
        return this.free.pop() ?? new Float32Array(this.rowsPerBuffer * this.featureCount);
    }

    release(buffer: Float32Array): void {
        if (buffer.length === this.rowsPerBuffer * this.featureCount && this.free.length < this.maxFree) this.free.push(buffer);
    }
}

export interface Batch {
    readonly features: Float32Array;
    readonly rows: number;
}

const describe = (v: unknown): string => {
    if (v === null) return "null";
    if (Array.isArray(v)) return `an array of ${v.length}`;
    if (typeof v === "string") return `the string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + "…" : v)}`;
    if (typeof v === "object") return "an object";
    return `${typeof v} ${String(v)}`;
};

export function expectedRows(model: ModelShape): string {
    const f = model.featureCount;
    return `expected {"instances": [[${f} numbers], ...]}, a JSON array of such rows, or text/csv with ${f} numbers per line (features: ${model.featureNames.join(", ")})`;
}

function parseJson(body: Buffer, expected: string): unknown {
    if (body.length === 0) throw new RequestError(`empty body: ${expected}`);
    try {
        return JSON.parse(body.toString("utf8"));
    } catch (err) {
        throw new RequestError(`body is not valid JSON (${(err as Error).message}): ${expected}`);
    }
}

function putValue(out: Float32Array, index: number, value: unknown, where: string, model: ModelShape): void {
    if (typeof value !== "number" || !Number.isFinite(value)) {
        throw new RequestError(`${where} must be a finite number; got ${describe(value)}. ${expectedRows(model)}`);
    }
    const f = Math.fround(value);
    if (!Number.isFinite(f)) throw new RequestError(`${where} (${value}) is out of float32 range`);
    out[index] = f;
}

function putRow(out: Float32Array, row: number, value: unknown, where: string, model: ModelShape): void {
    const f = model.featureCount;
    const base = row * f;
    if (Array.isArray(value)) {
        if (value.length !== f) throw new RequestError(`${where} has ${value.length} values; each row needs ${f} (${model.featureNames.join(", ")})`);
        for (let j = 0; j < f; j++) putValue(out, base + j, value[j], `${where}[${j}]`, model);
        return;
    }
    if (typeof value === "object" && value !== null) {
        const record = value as Record<string, unknown>;
        for (let j = 0; j < f; j++) {
            const name = model.featureNames[j]!;
            if (!(name in record)) throw new RequestError(`${where} lacks "${name}"; an object row needs ${model.featureNames.map((n) => `"${n}"`).join(", ")}`);
            putValue(out, base + j, record[name], `${where}.${name}`, model);
        }
        return;
    }
    throw new RequestError(`${where} must be an array of ${f} numbers; got ${describe(value)}. ${expectedRows(model)}`);
}

function rowsFromJson(value: unknown, model: ModelShape, buffers: FeatureBuffers): Batch {
    let rows: unknown = value;
    let label = "body";
    if (typeof value === "object" && value !== null && !Array.isArray(value)) {
        const record = value as Record<string, unknown>;
        if (!("instances" in record)) throw new RequestError(`JSON object lacks "instances": ${expectedRows(model)}`);
        rows = record.instances;
        label = "instances";
    }
    if (!Array.isArray(rows)) throw new RequestError(`${label} must be an array of rows; got ${describe(rows)}. ${expectedRows(model)}`);
    if (rows.length === 0) throw new RequestError(`${label} is empty: ${expectedRows(model)}`);
    // A single flat row of numbers is one instance.
    if (typeof rows[0] === "number") rows = [rows];
    const list = rows as unknown[];
    const features = buffers.acquire(list.length);
    try {
        for (let i = 0; i < list.length; i++) putRow(features, i, list[i], `${label}[${i}]`, model);
    } catch (err) {
        buffers.release(features);
        throw err;
    }
    return { features, rows: list.length };
}

function rowsFromCsv(body: Buffer, model: ModelShape, buffers: FeatureBuffers): Batch {
    const lines = body.toString("utf8").split("\n");
    const cells: string[][] = [];
    for (const raw of lines) {
        const line = raw.trim();
        if (line) cells.push(line.split(","));
    }
    // An optional header naming the features.
    const header = cells[0];
    if (header && header.length === model.featureCount && header.every((c, j) => c.trim().toLowerCase() === model.featureNames[j]!.toLowerCase())) cells.shift();
    if (cells.length === 0) throw new RequestError(`CSV body has no rows: ${expectedRows(model)}`);
    const f = model.featureCount;
    const features = buffers.acquire(cells.length);
    for (let i = 0; i < cells.length; i++) {
        const row = cells[i]!;
        if (row.length !== f) {
            buffers.release(features);
            throw new RequestError(`CSV line ${i + 1} has ${row.length} values; each line needs ${f} (${model.featureNames.join(", ")})`);
        }
        for (let j = 0; j < f; j++) {
            const text = row[j]!.trim();
            const v = text === "" ? NaN : Number(text);
            if (!Number.isFinite(v) || !Number.isFinite(Math.fround(v))) {
                buffers.release(features);
                throw new RequestError(`CSV line ${i + 1}, column ${j + 1} (${model.featureNames[j]}) must be a finite number; got ${JSON.stringify(text)}`);
            }
            features[i * f + j] = v;
        }
    }
    return { features, rows: cells.length };
}

/** Rows for /invocations and the predict routes: {"instances": [...]}, a bare array, or text/csv. */
export function decodeRows(body: Buffer, contentType: string | undefined, model: ModelShape, buffers: FeatureBuffers): Batch {
    if (contentType !== undefined && contentType.includes("csv")) return rowsFromCsv(body, model, buffers);
    return rowsFromJson(parseJson(body, expectedRows(model)), model, buffers);
}

export interface V2Request {
    readonly batch: Batch;
    readonly id?: string;
    readonly outputs?: readonly string[];
}

export function expectedV2(model: ModelShape): string {
    return `expected {"inputs": [{"name": "${model.inputName}", "shape": [N, ${model.featureCount}], "datatype": "FP32", "data": [N*${model.featureCount} numbers]}]}`;
}

/** Open Inference Protocol v2 request: one FP32 (or FP64) input of shape [N, features]. */
export function decodeV2(body: Buffer, model: ModelShape, buffers: FeatureBuffers): V2Request {
    const expected = expectedV2(model);
    const value = parseJson(body, expected);
    if (typeof value !== "object" || value === null || Array.isArray(value)) throw new RequestError(`body must be a JSON object: ${expected}`);
    const req = value as Record<string, unknown>;
    const inputs = req.inputs;
    if (!Array.isArray(inputs) || inputs.length !== 1) throw new RequestError(`"inputs" must be an array of exactly one tensor: ${expected}`);
    const input = inputs[0] as Record<string, unknown> | null;
    if (typeof input !== "object" || input === null) throw new RequestError(`inputs[0] must be an object: ${expected}`);
    if (input.name !== model.inputName) throw new RequestError(`inputs[0].name must be "${model.inputName}"; got ${describe(input.name)}`);
    if (input.datatype !== "FP32" && input.datatype !== "FP64") throw new RequestError(`inputs[0].datatype must be "FP32" (or "FP64"); got ${describe(input.datatype)}`);
    const shape = input.shape;
    const f = model.featureCount;
    if (!Array.isArray(shape) || shape.length !== 2 || !shape.every((d) => Number.isInteger(d) && (d as number) > 0) || shape[1] !== f) {
        throw new RequestError(`inputs[0].shape must be [N, ${f}] with N >= 1; got ${JSON.stringify(shape)}`);
    }
    const rows = shape[0] as number;
    let data = input.data;
    if (Array.isArray(data) && Array.isArray(data[0])) data = (data as unknown[]).flat(Infinity);
    if (!Array.isArray(data)) throw new RequestError(`inputs[0].data must be an array of ${rows * f} numbers (row-major); got ${describe(data)}`);
    if (data.length !== rows * f) throw new RequestError(`inputs[0].data has ${data.length} values; shape ${JSON.stringify(shape)} needs ${rows * f}`);
    let outputs: string[] | undefined;
    if (req.outputs !== undefined) {
        if (!Array.isArray(req.outputs) || !req.outputs.every((o) => typeof o === "object" && o !== null && typeof (o as { name?: unknown }).name === "string")) {
            throw new RequestError(`"outputs" must be an array of {"name": string}`);
        }
        outputs = (req.outputs as { name: string }[]).map((o) => o.name);
    }
    const features = buffers.acquire(rows);
    try {
        for (let i = 0; i < data.length; i++) putValue(features, i, data[i], `inputs[0].data[${i}]`, model);
    } catch (err) {
        buffers.release(features);
        throw err;
    }
    return { batch: { features, rows }, id: typeof req.id === "string" ? req.id : undefined, outputs };
}

const num = (v: number): string => (Number.isFinite(v) ? String(v) : "null");

/** Row `i` of a tensor whose first axis is the batch: a value for [N], an array for [N, k], nested arrays beyond. */
function rowJson(t: Tensor, i: number): string {
    const dims = t.dims;
    const data = t.data as ArrayLike<number | bigint | string | boolean>;
    const stride = dims.slice(1).reduce((n, d) => n * d, 1);
    const value = (v: number | bigint | string | boolean): string => (typeof v === "number" ? num(v) : typeof v === "bigint" ? String(v) : JSON.stringify(v));
    const nest = (at: number, axis: number): string => {
        if (axis === dims.length) return value(data[at]!);
        const step = dims.slice(axis + 1).reduce((n, d) => n * d, 1);
        let s = "[";
        for (let k = 0; k < dims[axis]!; k++) s += (k > 0 ? "," : "") + nest(at + k * step, axis + 1);
        return s + "]";
    };
    return nest(i * stride, 1);
}

/** One CSV line's cells for row `i`: the tensor's values for that row, flattened. */
function rowCells(t: Tensor, i: number): string {
    const data = t.data as ArrayLike<number | bigint | string | boolean>;
    const stride = t.dims.slice(1).reduce((n, d) => n * d, 1);
    const cells: string[] = [];
    for (let k = 0; k < stride; k++) {
        const v = data[i * stride + k]!;
        cells.push(typeof v === "number" ? num(v) : String(v));
    }
    return cells.join(",");
}

/**
 * Encodes predictions per task, with the label names' JSON precomputed once per model:
 *   classifier  {"predictions": [{"label": "...", "probabilities": [...]}, ...]}
 *   regressor   {"predictions": [value, ...]} (or [[v1, ..., vk], ...] for k targets)
 *   other       {"predictions": [{"<output>": value or array, ...}, ...]}
 */
export class PredictionEncoder {
    private readonly labelJson: string[];
    private readonly classCount: number;
    private readonly classes: readonly string[];
    private readonly plan: Pick<ServingPlan, "task" | "values">;

    constructor(model: readonly string[] | Pick<LoadedModel, "classes" | "plan">) {
        const m = Array.isArray(model) ? { classes: model as readonly string[], plan: { task: "classifier" as const, values: [] } } : (model as Pick<LoadedModel, "classes" | "plan">);
        this.classes = m.classes;
        this.plan = m.plan;
        this.labelJson = this.classes.map((c) => JSON.stringify(c));
        this.classCount = this.classes.length;
    }

    private label(result: BatchResult, i: number): string {
        const idx = result.labelIndex[i]!;
        if (idx >= 0) return this.labelJson[idx] ?? JSON.stringify(String(idx));
        return JSON.stringify(result.labelNames?.[i] ?? "");
    }

    private probabilityCount(result: BatchResult): number {
        return result.probabilities && result.rows > 0 ? result.probabilities.length / result.rows : this.classCount;
    }

    /** The predictions for rows [offset, offset + rows). */
    json(result: BatchResult, offset = 0, rows = result.rows): string {
        let s = '{"predictions":[';
        if (this.plan.task === "classifier") {
            const p = result.probabilities;
            const c = this.probabilityCount(result);
            for (let i = offset; i < offset + rows; i++) {
                if (i > offset) s += ",";
                s += '{"label":' + this.label(result, i);
                if (p) {
                    s += ',"probabilities":[';
                    for (let k = 0; k < c; k++) s += (k > 0 ? "," : "") + num(p[i * c + k]!);
                    s += "]";
                }
                s += "}";
            }
        } else if (this.plan.task === "regressor") {
            const t = result.outputs[this.plan.values[0]!]!;
            // [N] and [N, 1] are one value per row; [N, k] an array of k.
            const single = t.dims.length === 1 || t.dims[1] === 1;
            for (let i = offset; i < offset + rows; i++) s += (i > offset ? "," : "") + (single ? num(Number((t.data as ArrayLike<number>)[i]!)) : rowJson(t, i));
        } else {
            const names = this.plan.values.map((n) => JSON.stringify(n));
            for (let i = offset; i < offset + rows; i++) {
                s += (i > offset ? "," : "") + "{";
                this.plan.values.forEach((n, k) => (s += (k > 0 ? "," : "") + names[k] + ":" + rowJson(result.outputs[n]!, i)));
                s += "}";
            }
        }
        return s + "]}";
    }

    /** One line per row: classifier label then the probabilities; regressor the value(s); other every output's values. */
    csv(result: BatchResult, offset = 0, rows = result.rows): string {
        let s = "";
        for (let i = offset; i < offset + rows; i++) {
            if (this.plan.task === "classifier") {
                const p = result.probabilities;
                const c = this.probabilityCount(result);
                const idx = result.labelIndex[i]!;
                s += idx >= 0 ? (this.classes[idx] ?? String(idx)) : (result.labelNames?.[i] ?? "");
                if (p) for (let k = 0; k < c; k++) s += "," + num(p[i * c + k]!);
            } else {
                s += this.plan.values.map((n) => rowCells(result.outputs[n]!, i)).join(",");
            }
            s += "\n";
        }
        return s;
    }
}

function tensorJson(name: string, t: Tensor): string {
    const data = t.data;
    let values: string;
    if (data instanceof BigInt64Array || data instanceof BigUint64Array) values = Array.from(data, (v) => String(v)).join(",");
    else if (Array.isArray(data)) values = data.map((v) => JSON.stringify(v)).join(",");
    else values = Array.from(data as ArrayLike<number>, num).join(",");
    return `{"name":${JSON.stringify(name)},"datatype":"${v2Datatype(t.type)}","shape":${JSON.stringify(t.dims)},"data":[${values}]}`;
}

/** Open Inference Protocol v2 response with every output, or those the request named. */
export function encodeV2(model: Pick<LoadedModel, "name" | "version">, result: BatchResult, id: string | undefined, requested: readonly string[] | undefined): string {
    const names = requested ?? Object.keys(result.outputs);
    const parts: string[] = [];
    for (const name of names) {
        const t = result.outputs[name];
        if (!t) throw new RequestError(`unknown output "${name}"; the model has ${Object.keys(result.outputs).map((n) => `"${n}"`).join(", ")}`);
        parts.push(tensorJson(name, t));
    }
    const idPart = id === undefined ? "" : `,"id":${JSON.stringify(id)}`;
    return `{"model_name":${JSON.stringify(model.name)},"model_version":${JSON.stringify(model.version)}${idPart},"outputs":[${parts.join(",")}]}`;
}
