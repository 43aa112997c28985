/**
 * A minimal protobuf writer for the ONNX messages the example models and the tests' exporter-shaped
 * models need (ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto, ValueInfoProto,
 * TypeProto with tensor, sequence and map types, TensorShapeProto, OperatorSetIdProto,
 * StringStringEntryProto). Field numbers follow onnx/onnx.proto.
 */

/** ONNX TensorProto.DataType values used here. */
export const DataType = { FLOAT: 1, INT32: 6, INT64: 7, STRING: 8, DOUBLE: 11 } as const;
/** ONNX AttributeProto.AttributeType values used here. */
const AttributeType = { FLOAT: 1, INT: 2, STRING: 3, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

const WIRE_VARINT = 0;
const WIRE_LEN = 2;

/** Appends protobuf fields to a growable byte buffer. */
class Writer {
    private buf = new Uint8Array(256);
    private len = 0;

    private ensure(extra: number): void {
        if (this.len + extra <= this.buf.length) return;
        let size = this.buf.length * 2;
        while (size < this.len + extra) size *= 2;
        const next = new Uint8Array(size);
        next.set(this.buf.subarray(0, this.len));
        this.buf = next;
    }

    private rawVarint(value: bigint): void {
        // Negative int64 values are encoded as their 64-bit two's complement (10 bytes).
        let v = BigInt.asUintN(64, value);
        this.ensure(10);
        while (v >= 0x80n) {
            this.buf[this.len++] = Number(v & 0x7fn) | 0x80;
            v >>= 7n;
        }
        this.buf[this.len++] = Number(v);
    }

    private tag(field: number, wire: number): void {
        this.rawVarint(BigInt((field << 3) | wire));
    }

    int(field: number, value: number | bigint): this {
        this.tag(field, WIRE_VARINT);
        this.rawVarint(BigInt(value));
        return this;
    }

    bytes(field: number, value: Uint8Array): this {
        this.tag(field, WIRE_LEN);
        this.rawVarint(BigInt(value.length));
        this.ensure(value.length);
        this.buf.set(value, this.len);
        this.len += value.length;
        return this;
    }

    string(field: number, value: string): this {
        return this.bytes(field, new TextEncoder().encode(value));
    }

    message(field: number, value: Writer): this {
        return this.bytes(field, value.finish());
    }

    float(field: number, value: number): this {
        this.tag(field, 5);
        this.ensure(4);
        new DataView(this.buf.buffer).setFloat32(this.len, value, true);
        this.len += 4;
        return this;
    }

    finish(): Uint8Array {
        return this.buf.slice(0, this.len);
    }
}

export interface Attribute {
    readonly name: string;
    readonly int?: number;
    readonly float?: number;
    readonly string?: string;
    readonly ints?: readonly number[];
    readonly floats?: readonly number[];
    readonly strings?: readonly string[];
}

export interface Node {
    readonly opType: string;
    readonly name: string;
    /** "ai.onnx.ml" for the classic ML operators (LinearClassifier, TreeEnsemble*, ZipMap); empty for the default domain. */
    readonly domain?: string;
    readonly inputs: readonly string[];
    readonly outputs: readonly string[];
    readonly attributes?: readonly Attribute[];
}

export interface Initializer {
    readonly name: string;
    readonly dims: readonly number[];
    readonly values: Float32Array;
    /** Keep the values in this file beside the model (ONNX external data) instead of inside it; the caller writes externalData(values) there. */
    readonly externalFile?: string;
}

/** The bytes of an external data file for `values`: little-endian float32, as raw_data holds them. */
export function externalData(values: Float32Array): Uint8Array {
    const raw = new Uint8Array(values.length * 4);
    const view = new DataView(raw.buffer);
    values.forEach((v, i) => view.setFloat32(i * 4, v, true));
    return raw;
}

/**
 * A graph input or output: a tensor (a string dimension is symbolic, e.g. the batch "N"), or with
 * `mapKey` a sequence of maps from that key type to `elemType` scalars, as ZipMap outputs.
 */
export interface ValueInfo {
    readonly name: string;
    readonly elemType: number;
    readonly shape: readonly (number | string)[];
    readonly mapKey?: number;
    readonly doc?: string;
}

export interface Model {
    readonly irVersion: number;
    readonly opset: number;
    /** Further operator sets, e.g. { domain: "ai.onnx.ml", version: 1 }. */
    readonly opsets?: readonly { readonly domain: string; readonly version: number }[];
    readonly producerName: string;
    readonly producerVersion: string;
    readonly graphName: string;
    readonly doc?: string;
    readonly nodes: readonly Node[];
    readonly initializers: readonly Initializer[];
    readonly inputs: readonly ValueInfo[];
    readonly outputs: readonly ValueInfo[];
    readonly metadata?: Readonly<Record<string, string>>;
}

function attribute(a: Attribute): Writer {
    const w = new Writer().string(1, a.name);
    if (a.int !== undefined) w.int(3, a.int).int(20, AttributeType.INT);
    else if (a.float !== undefined) w.float(2, a.float).int(20, AttributeType.FLOAT);
    else if (a.string !== undefined) w.string(4, a.string).int(20, AttributeType.STRING);
    else if (a.floats !== undefined) {
        for (const f of a.floats) w.float(7, f);
        w.int(20, AttributeType.FLOATS);
    } else if (a.ints !== undefined) {
        for (const i of a.ints) w.int(8, i);
        w.int(20, AttributeType.INTS);
    } else if (a.strings !== undefined) {
        for (const t of a.strings) w.string(9, t);
        w.int(20, AttributeType.STRINGS);
    } else throw new Error(`attribute ${a.name} has no value`);
    return w;
}

function node(n: Node): Writer {
    const w = new Writer();
    for (const i of n.inputs) w.string(1, i);
    for (const o of n.outputs) w.string(2, o);
    w.string(3, n.name).string(4, n.opType);
    for (const a of n.attributes ?? []) w.message(5, attribute(a));
    if (n.domain) w.string(7, n.domain);
    return w;
}

function tensor(t: Initializer): Writer {
    const w = new Writer();
    for (const d of t.dims) w.int(1, d);
    w.int(2, DataType.FLOAT).string(8, t.name);
    if (t.externalFile !== undefined) {
        // external_data = 13 (location, offset, length), data_location = 14 (EXTERNAL = 1).
        for (const [key, value] of [["location", t.externalFile], ["offset", "0"], ["length", String(t.values.length * 4)]]) w.message(13, new Writer().string(1, key!).string(2, value!));
        return w.int(14, 1);
    }
    // raw_data is little-endian; built explicitly so the encoding does not depend on the host.
    return w.bytes(9, externalData(t.values));
}

function valueInfo(v: ValueInfo): Writer {
    const shape = new Writer();
    for (const d of v.shape) shape.message(1, typeof d === "number" ? new Writer().int(1, d) : new Writer().string(2, d));
    const tensorType = new Writer().int(1, v.elemType).message(2, shape);
    // TypeProto: tensor_type = 1, sequence_type = 4 (elem_type = 1), map_type = 5 (key_type = 1, value_type = 2).
    const type =
        v.mapKey === undefined
            ? new Writer().message(1, tensorType)
            : new Writer().message(4, new Writer().message(1, new Writer().message(5, new Writer().int(1, v.mapKey).message(2, new Writer().message(1, new Writer().int(1, v.elemType))))));
    const w = new Writer().string(1, v.name).message(2, type);
    if (v.doc) w.string(3, v.doc);
    return w;
}

/** Serializes a ModelProto. */
export function encodeModel(m: Model): Uint8Array {
    const graph = new Writer();
    for (const n of m.nodes) graph.message(1, node(n));
    graph.string(2, m.graphName);
    for (const t of m.initializers) graph.message(5, tensor(t));
    if (m.doc) graph.string(10, m.doc);
    for (const i of m.inputs) graph.message(11, valueInfo(i));
    for (const o of m.outputs) graph.message(12, valueInfo(o));

    const model = new Writer().int(1, m.irVersion).string(2, m.producerName).string(3, m.producerVersion).int(5, 1);
    if (m.doc) model.string(6, m.doc);
    model.message(7, graph).message(8, new Writer().string(1, "").int(2, m.opset));
    for (const o of m.opsets ?? []) model.message(8, new Writer().string(1, o.domain).int(2, o.version));
    for (const [key, value] of Object.entries(m.metadata ?? {})) model.message(14, new Writer().string(1, key).string(2, value));
    return model.finish();
}
