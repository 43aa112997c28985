/**
 * Finding and reading a model file, without ONNX Runtime: shared by the server (src/model.ts) and the
 * plan-time artifact check (components/artifactCheck.ts), which must not load the native runtime.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { OnnxFormatError, readOnnxModel, unzipMapOutputs, type OnnxModelInfo, type UnzippedOutput } from "./onnxGraph";

export class ModelLoadError extends Error {}

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

/** A pickle (protocol 2 and later, what pickle and joblib write) starts with the PROTO opcode 0x80 and its protocol number. */
export function looksLikePickle(head: Uint8Array): boolean {
    return head.length >= 2 && head[0] === 0x80 && head[1]! >= 2 && head[1]! <= 5;
}

const PICKLE_EXTENSIONS = /\.(pkl|pickle|joblib|sav)$/i;

/** True for a file named like a pickle or starting like one. */
export function isPickleFile(file: string): boolean {
    if (PICKLE_EXTENSIONS.test(file)) return true;
    const fd = fs.openSync(file, "r");
    try {
        const head = Buffer.alloc(2);
        return fs.readSync(fd, head, 0, 2, 0) === 2 && looksLikePickle(head);
    } finally {
        fs.closeSync(fd);
    }
}

/** The first pickle directly in `dir`, by name or by its first bytes. */
export function pickleIn(dir: string): string | undefined {
    let entries: fs.Dirent[];
    try {
        entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
        return undefined;
    }
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) if (entry.isFile() && isPickleFile(path.join(dir, entry.name))) return entry.name;
    return undefined;
}

/** The model as the server runs it: its ONNX bytes with ZipMap outputs replaced by their tensors, and what the graph says. */
export function prepareModel(file: string): { bytes: Uint8Array; info: OnnxModelInfo; unzipped: UnzippedOutput[] } {
    const raw = fs.readFileSync(file);
    if (looksLikePickle(raw.subarray(0, 2))) throw new ModelLoadError(`${file} is a Python pickle, not an ONNX model: export the trained model to ONNX first (see examples/export/README.md)`);
    let info;
    try {
        info = readOnnxModel(raw);
    } catch (err) {
        if (err instanceof OnnxFormatError) throw new ModelLoadError(`${file} is not an ONNX model: ${err.message}`);
        throw err;
    }
    const { bytes, unzipped } = unzipMapOutputs(raw, info);
    return { bytes, info, unzipped };
}

