/**
 * Reads what the server needs from an ONNX file without ONNX Runtime: the graph's inputs and outputs
 * with their types, its nodes (attributes decoded only on demand, so a tree ensemble's megabytes of
 * node arrays are never copied), the opsets and the metadata_props. And rewrites one thing: a ZipMap
 * (a sequence of maps, skl2onnx's and onnxmltools' default probability output, which onnxruntime-node
 * cannot return) becomes an Identity of its input, the float [N, classes] tensor it was built from.
 * Field numbers follow onnx/onnx.proto.
 */

/** TensorProto.DataType values, and the names onnxruntime-node gives them. */
export const ELEM_TYPES: Readonly<Record<number, string>> = { 1: "float32", 2: "uint8", 3: "int8", 4: "uint16", 5: "int16", 6: "int32", 7: "int64", 8: "string", 9: "bool", 10: "float16", 11: "float64", 12: "uint32", 13: "uint64" };

export type OnnxType =
    | { readonly kind: "tensor"; readonly elemType: number; readonly shape?: readonly (number | string)[] }
    | { readonly kind: "sequence"; readonly elem?: OnnxType }
    | { readonly kind: "map"; readonly keyType: number; readonly value?: OnnxType }
    | { readonly kind: "other" };

export interface OnnxValueInfo {
    readonly name: string;
    readonly type: OnnxType;
}

export interface OnnxAttribute {
    readonly name: string;
    readonly f?: number;
    readonly i?: bigint;
    readonly s?: string;
    readonly floats: number[];
    readonly ints: bigint[];
    readonly strings: string[];
}

export interface OnnxNode {
    readonly opType: string;
    readonly domain: string;
    readonly name: string;
    readonly inputs: readonly string[];
    readonly outputs: readonly string[];
    readonly attributeNames: readonly string[];
    attribute(name: string): OnnxAttribute | undefined;
}

export interface OnnxModelInfo {
    readonly irVersion: number;
    readonly producerName: string;
    readonly producerVersion: string;
    readonly opsets: readonly { readonly domain: string; readonly version: number }[];
    readonly metadata: Readonly<Record<string, string>>;
    readonly nodes: readonly OnnxNode[];
    /** Graph inputs that are not initializers (older IR versions list weights as inputs too). */
    readonly inputs: readonly OnnxValueInfo[];
    readonly outputs: readonly OnnxValueInfo[];
}

export class OnnxFormatError extends Error {}

interface Field {
    readonly no: number;
    readonly wire: number;
    /** Varint value, for wire type 0. */
    readonly value: bigint;
    /** Payload span: the bytes of a length-delimited field, or the fixed32/64 bytes. */
    readonly start: number;
    readonly end: number;
    /** The whole field, tag included. */
    readonly from: number;
}

function varint(buf: Uint8Array, pos: number): [bigint, number] {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
        if (pos >= buf.length) throw new OnnxFormatError("truncated varint");
        const b = buf[pos++]!;
        result |= BigInt(b & 0x7f) << shift;
        if ((b & 0x80) === 0) return [result, pos];
        shift += 7n;
    }
    throw new OnnxFormatError("varint longer than 10 bytes");
}

function fields(buf: Uint8Array, start = 0, end = buf.length): Field[] {
    const out: Field[] = [];
    let pos = start;
    while (pos < end) {
        const from = pos;
        const [tag, afterTag] = varint(buf, pos);
        pos = afterTag;
        const no = Number(tag >> 3n);
        const wire = Number(tag & 7n);
        if (no === 0) throw new OnnxFormatError(`field number 0 at byte ${from}`);
        if (wire === 0) {
            const [value, next] = varint(buf, pos);
            out.push({ no, wire, value, start: pos, end: next, from });
            pos = next;
        } else if (wire === 2) {
            const [len, next] = varint(buf, pos);
            const e = next + Number(len);
            if (e > end) throw new OnnxFormatError(`field ${no} at byte ${from} runs past the end of its message`);
            out.push({ no, wire, value: len, start: next, end: e, from });
            pos = e;
        } else if (wire === 1 || wire === 5) {
            const e = pos + (wire === 1 ? 8 : 4);
            if (e > end) throw new OnnxFormatError(`field ${no} at byte ${from} runs past the end of its message`);
            out.push({ no, wire, value: 0n, start: pos, end: e, from });
            pos = e;
        } else {
            throw new OnnxFormatError(`unsupported wire type ${wire} at byte ${from}: not a protobuf ONNX file`);
        }
    }
    return out;
}

const decoder = new TextDecoder("utf-8");
const text = (buf: Uint8Array, f: Field): string => decoder.decode(buf.subarray(f.start, f.end));
const int64 = (v: bigint): bigint => BigInt.asIntN(64, v);

function readType(buf: Uint8Array, start: number, end: number): OnnxType {
    for (const f of fields(buf, start, end)) {
        if (f.no === 1 && f.wire === 2) {
            let elemType = 0;
            let shape: (number | string)[] | undefined;
            for (const t of fields(buf, f.start, f.end)) {
                if (t.no === 1 && t.wire === 0) elemType = Number(t.value);
                if (t.no === 2 && t.wire === 2) {
                    shape = [];
                    for (const d of fields(buf, t.start, t.end)) {
                        if (d.no !== 1 || d.wire !== 2) continue;
                        let dim: number | string = "";
                        for (const x of fields(buf, d.start, d.end)) {
                            if (x.no === 1 && x.wire === 0) dim = Number(int64(x.value));
                            if (x.no === 2 && x.wire === 2) dim = text(buf, x);
                        }
                        shape.push(dim);
                    }
                }
            }
            return { kind: "tensor", elemType, shape };
        }
        if (f.no === 4 && f.wire === 2) {
            const elem = fields(buf, f.start, f.end).find((x) => x.no === 1 && x.wire === 2);
            return { kind: "sequence", elem: elem ? readType(buf, elem.start, elem.end) : undefined };
        }
        if (f.no === 5 && f.wire === 2) {
            let keyType = 0;
            let value: OnnxType | undefined;
            for (const x of fields(buf, f.start, f.end)) {
                if (x.no === 1 && x.wire === 0) keyType = Number(x.value);
                if (x.no === 2 && x.wire === 2) value = readType(buf, x.start, x.end);
            }
            return { kind: "map", keyType, value };
        }
    }
    return { kind: "other" };
}

function readValueInfo(buf: Uint8Array, f: Field): OnnxValueInfo {
    let name = "";
    let type: OnnxType = { kind: "other" };
    for (const x of fields(buf, f.start, f.end)) {
        if (x.no === 1 && x.wire === 2) name = text(buf, x);
        if (x.no === 2 && x.wire === 2) type = readType(buf, x.start, x.end);
    }
    return { name, type };
}

function readAttribute(buf: Uint8Array, start: number, end: number): OnnxAttribute {
    const a: { name: string; f?: number; i?: bigint; s?: string; floats: number[]; ints: bigint[]; strings: string[] } = { name: "", floats: [], ints: [], strings: [] };
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    for (const x of fields(buf, start, end)) {
        if (x.no === 1 && x.wire === 2) a.name = text(buf, x);
        else if (x.no === 2 && x.wire === 5) a.f = view.getFloat32(x.start, true);
        else if (x.no === 3 && x.wire === 0) a.i = int64(x.value);
        else if (x.no === 4 && x.wire === 2) a.s = text(buf, x);
        else if (x.no === 7 && x.wire === 5) a.floats.push(view.getFloat32(x.start, true));
        else if (x.no === 7 && x.wire === 2) for (let p = x.start; p + 4 <= x.end; p += 4) a.floats.push(view.getFloat32(p, true));
        else if (x.no === 8 && x.wire === 0) a.ints.push(int64(x.value));
        else if (x.no === 8 && x.wire === 2) {
            let p = x.start;
            while (p < x.end) {
                const [v, next] = varint(buf, p);
                a.ints.push(int64(v));
                p = next;
            }
        } else if (x.no === 9 && x.wire === 2) a.strings.push(text(buf, x));
    }
    return a;
}

function readNode(buf: Uint8Array, f: Field): OnnxNode {
    const inputs: string[] = [];
    const outputs: string[] = [];
    let name = "";
    let opType = "";
    let domain = "";
    const attributeSpans = new Map<string, [number, number]>();
    for (const x of fields(buf, f.start, f.end)) {
        if (x.wire !== 2) continue;
        if (x.no === 1) inputs.push(text(buf, x));
        else if (x.no === 2) outputs.push(text(buf, x));
        else if (x.no === 3) name = text(buf, x);
        else if (x.no === 4) opType = text(buf, x);
        else if (x.no === 7) domain = text(buf, x);
        else if (x.no === 5) {
            const nameField = fields(buf, x.start, x.end).find((y) => y.no === 1 && y.wire === 2);
            if (nameField) attributeSpans.set(text(buf, nameField), [x.start, x.end]);
        }
    }
    return {
        opType,
        domain,
        name,
        inputs,
        outputs,
        attributeNames: [...attributeSpans.keys()],
        attribute: (n) => {
            const span = attributeSpans.get(n);
            return span ? readAttribute(buf, span[0], span[1]) : undefined;
        },
    };
}

function graphField(buf: Uint8Array): { top: Field[]; graph: Field } {
    if (buf.length === 0) throw new OnnxFormatError("the file is empty");
    const top = fields(buf);
    const graph = top.find((f) => f.no === 7 && f.wire === 2);
    if (!graph) throw new OnnxFormatError("no graph in the file: not an ONNX model");
    return { top, graph };
}

/** Parses the parts of a ModelProto the server and the plan-time check use. Throws OnnxFormatError on a file that is not one. */
export function readOnnxModel(buf: Uint8Array): OnnxModelInfo {
    const { top, graph } = graphField(buf);
    let irVersion = 0;
    let producerName = "";
    let producerVersion = "";
    const opsets: { domain: string; version: number }[] = [];
    const metadata: Record<string, string> = {};
    for (const f of top) {
        if (f.no === 1 && f.wire === 0) irVersion = Number(f.value);
        else if (f.no === 2 && f.wire === 2) producerName = text(buf, f);
        else if (f.no === 3 && f.wire === 2) producerVersion = text(buf, f);
        else if (f.no === 8 && f.wire === 2) {
            let domain = "";
            let version = 0;
            for (const x of fields(buf, f.start, f.end)) {
                if (x.no === 1 && x.wire === 2) domain = text(buf, x);
                if (x.no === 2 && x.wire === 0) version = Number(x.value);
            }
            opsets.push({ domain, version });
        } else if (f.no === 14 && f.wire === 2) {
            let key = "";
            let value = "";
            for (const x of fields(buf, f.start, f.end)) {
                if (x.no === 1 && x.wire === 2) key = text(buf, x);
                if (x.no === 2 && x.wire === 2) value = text(buf, x);
            }
            metadata[key] = value;
        }
    }
    if (irVersion === 0) throw new OnnxFormatError("no ir_version: not an ONNX model");
    const nodes: OnnxNode[] = [];
    const inputs: OnnxValueInfo[] = [];
    const outputs: OnnxValueInfo[] = [];
    const initializers = new Set<string>();
    for (const f of fields(buf, graph.start, graph.end)) {
        if (f.wire !== 2) continue;
        if (f.no === 1) nodes.push(readNode(buf, f));
        else if (f.no === 5) {
            const n = fields(buf, f.start, f.end).find((x) => x.no === 8 && x.wire === 2);
            if (n) initializers.add(text(buf, n));
        } else if (f.no === 11) inputs.push(readValueInfo(buf, f));
        else if (f.no === 12) outputs.push(readValueInfo(buf, f));
    }
    return { irVersion, producerName, producerVersion, opsets, metadata, nodes, inputs: inputs.filter((i) => !initializers.has(i.name)), outputs };
}

/** A ZipMap output replaced by the probabilities tensor it zipped, with the class labels it carried. */
export interface UnzippedOutput {
    readonly output: string;
    readonly labels: readonly string[];
}

// Minimal encoding for the rewrite: a tag and a length-delimited payload.
function encodeVarint(v: number): number[] {
    const out: number[] = [];
    while (v >= 0x80) {
        out.push((v & 0x7f) | 0x80);
        v = Math.floor(v / 128);
    }
    out.push(v);
    return out;
}
function lenField(no: number, payload: Uint8Array): Uint8Array {
    const head = [...encodeVarint((no << 3) | 2), ...encodeVarint(payload.length)];
    const out = new Uint8Array(head.length + payload.length);
    out.set(head);
    out.set(payload, head.length);
    return out;
}
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
function concat(parts: readonly Uint8Array[]): Uint8Array {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
        out.set(p, at);
        at += p.length;
    }
    return out;
}
function varintField(no: number, v: number): Uint8Array {
    return Uint8Array.from([...encodeVarint(no << 3), ...encodeVarint(v)]);
}

/** ZipMap's class labels, as strings, from classlabels_strings or classlabels_int64s. */
export function zipMapLabels(node: OnnxNode): string[] {
    const strings = node.attribute("classlabels_strings")?.strings ?? [];
    if (strings.length > 0) return strings;
    return (node.attribute("classlabels_int64s")?.ints ?? []).map(String);
}

/**
 * Replaces every ZipMap whose output is a graph output by an Identity of its input, and that graph
 * output's type by float [batch, classes]; the output keeps its name. Everything else is copied byte
 * for byte. Returns the input unchanged when there is no such ZipMap.
 */
export function unzipMapOutputs(buf: Uint8Array, info: OnnxModelInfo = readOnnxModel(buf)): { bytes: Uint8Array; unzipped: UnzippedOutput[] } {
    const outputNames = new Set(info.outputs.map((o) => o.name));
    const zipMaps = info.nodes.filter((n) => n.opType === "ZipMap" && n.outputs.length === 1 && outputNames.has(n.outputs[0]!) && n.inputs.length === 1);
    if (zipMaps.length === 0) return { bytes: buf, unzipped: [] };
    const byOutput = new Map(zipMaps.map((n) => [n.outputs[0]!, n]));
    const batchDim = info.inputs[0]?.type.kind === "tensor" ? info.inputs[0].type.shape?.[0] : undefined;
    const { top, graph } = graphField(buf);
    const parts: Uint8Array[] = [];
    const unzipped: UnzippedOutput[] = [];
    for (const f of fields(buf, graph.start, graph.end)) {
        const whole = buf.subarray(f.from, f.end);
        if (f.wire === 2 && f.no === 1) {
            const node = readNode(buf, f);
            const zip = node.opType === "ZipMap" && node.outputs.length === 1 ? byOutput.get(node.outputs[0]!) : undefined;
            if (zip) {
                parts.push(lenField(1, concat([lenField(1, utf8(zip.inputs[0]!)), lenField(2, utf8(zip.outputs[0]!)), lenField(3, utf8(`${zip.name || "zipmap"}_unzipped`)), lenField(4, utf8("Identity"))])));
                continue;
            }
        }
        if (f.wire === 2 && f.no === 12) {
            const value = readValueInfo(buf, f);
            const zip = byOutput.get(value.name);
            if (zip) {
                const labels = zipMapLabels(zip);
                const mapValue = value.type.kind === "sequence" && value.type.elem?.kind === "map" ? value.type.elem.value : undefined;
                const elemType = mapValue?.kind === "tensor" && mapValue.elemType !== 0 ? mapValue.elemType : 1;
                const dim = (d: number | string | undefined): Uint8Array => lenField(1, typeof d === "number" && d >= 0 ? varintField(1, d) : lenField(2, utf8(typeof d === "string" && d !== "" ? d : "N")));
                const shape = concat([dim(batchDim), labels.length > 0 ? dim(labels.length) : dim(undefined)]);
                const tensorType = concat([varintField(1, elemType), lenField(2, shape)]);
                parts.push(lenField(12, concat([lenField(1, utf8(value.name)), lenField(2, lenField(1, tensorType))])));
                unzipped.push({ output: value.name, labels });
                continue;
            }
        }
        parts.push(whole);
    }
    const newGraph = concat(parts);
    const model: Uint8Array[] = [];
    for (const f of top) model.push(f === graph ? lenField(7, newGraph) : buf.subarray(f.from, f.end));
    return { bytes: concat(model), unzipped };
}

/** Class labels a classifier operator carries (LinearClassifier, TreeEnsembleClassifier, SVMClassifier), as strings. */
export function classifierLabels(info: OnnxModelInfo): string[] | undefined {
    const found: string[][] = [];
    for (const n of info.nodes) {
        if (!/Classifier$/.test(n.opType) || n.domain !== "ai.onnx.ml") continue;
        const strings = n.attribute("classlabels_strings")?.strings ?? [];
        const ints = [...(n.attribute("classlabels_ints")?.ints ?? []), ...(n.attribute("classlabels_int64s")?.ints ?? [])];
        if (strings.length > 0) found.push(strings);
        else if (ints.length > 0) found.push(ints.map(String));
    }
    return found.length === 1 ? found[0] : undefined;
}

/** Class names from the model's metadata_props: "classes" (or "class_labels", "labels"), a JSON array or comma-separated. */
export function metadataClasses(metadata: Readonly<Record<string, string>>): string[] | undefined {
    for (const key of ["classes", "class_labels", "labels"]) {
        const raw = metadata[key]?.trim();
        if (!raw) continue;
        if (raw.startsWith("[")) {
            try {
                const parsed: unknown = JSON.parse(raw);
                if (Array.isArray(parsed) && parsed.length > 0) return parsed.map((v) => String(v));
            } catch {
                // Not JSON after all: read it as a comma-separated list.
            }
        }
        return raw.split(",").map((s) => s.trim());
    }
    return undefined;
}
