/**
 * Remembers what ONNX Runtime said about a model, on disk, so a plan (or `pulumi preview`) of a model it
 * has already checked does not start onnxruntime-node again (about 0.2 s of every plan, more on a busy
 * machine). An answer is keyed by everything it depends on: the child's script, the onnxruntime-node
 * package (path and version), how the model is handed over, and the model's bytes; a model loaded by path
 * also by the name, size and modification time of every file under its folder, since ONNX Runtime reads
 * external data from there and only from there (it refuses locations that escape the model's folder:
 * microsoft/onnxruntime#26776, onnxruntime/core/framework/tensorprotoutils.cc ValidateExternalDataPath).
 *
 * Kept only: answers onnxruntime-node gave (a model it loaded, or its refusal of one). Never kept: a
 * runtime that did not load, a child that crashed or timed out; those depend on the machine, not the model.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** Where answers live: MODEL_SERVICE_CACHE_DIR, else $XDG_CACHE_HOME/model-service, else ~/.cache/model-service; "off" keeps none. */
export function modelCheckCacheDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
    const chosen = env.MODEL_SERVICE_CACHE_DIR;
    if (chosen === "off") return undefined;
    const base = chosen || path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache"), "model-service");
    return path.join(base, "model-checks");
}

/** A folder with more files than this is not fingerprinted: the check runs every time. */
const MAX_FOLDER_FILES = 1000;
/** Answers nobody has read for this long are removed when a new one is written. */
const UNUSED_FOR_MS = 30 * 24 * 60 * 60 * 1000;

/** name, size and mtime of every file under `dir` (symlinks followed, as ONNX Runtime opens them), or undefined when too many. */
function folderFingerprint(dir: string): string[] | undefined {
    const entries: string[] = [];
    const walk = (rel: string): boolean => {
        let names: string[];
        try {
            names = fs.readdirSync(path.join(dir, rel)).sort();
        } catch {
            return true;
        }
        for (const name of names) {
            const child = path.join(rel, name);
            let stat: fs.Stats;
            try {
                stat = fs.statSync(path.join(dir, child));
            } catch {
                entries.push(`${child}\0dangling`);
                continue;
            }
            if (stat.isDirectory()) {
                if (!walk(child)) return false;
            } else {
                entries.push(`${child}\0${stat.size}\0${stat.mtimeMs}`);
            }
            if (entries.length > MAX_FOLDER_FILES) return false;
        }
        return true;
    };
    return walk("") ? entries : undefined;
}

/** The version in onnxruntime-node's package.json above the module `ort` resolves to, or undefined. */
function packageVersion(ort: string): string | undefined {
    let dir = path.dirname(ort);
    for (let up = 0; up < 4; up++) {
        try {
            const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as { name?: unknown; version?: unknown };
            if (pkg.name === "onnxruntime-node" && typeof pkg.version === "string") return pkg.version;
        } catch {
            // No package.json here: look one folder up.
        }
        dir = path.dirname(dir);
    }
    return undefined;
}

/**
 * The key of one check: `model` is the file ONNX Runtime opens by path, or the bytes it is handed, `bytes`
 * what the model file holds, `ort` the module the child requires. `origin` stands for the model's folder
 * when that folder is a copy made for the check (an unpacked archive: the archive's digest and the model's
 * place in it), whose files' times change with every copy. Undefined when the answer cannot be pinned down
 * (an unknown runtime version, a folder too large).
 */
export function modelCheckKey(args: { childSource: string; ort: string; model: string | Uint8Array; bytes: Uint8Array; origin?: string }): string | undefined {
    const version = packageVersion(args.ort);
    if (version === undefined) return undefined;
    const hash = crypto.createHash("sha256").update(JSON.stringify([args.childSource, args.ort, version, typeof args.model === "string" ? "path" : "bytes"]));
    if (args.origin !== undefined) {
        hash.update(JSON.stringify(["origin", args.origin]));
    } else if (typeof args.model === "string") {
        const folder = folderFingerprint(path.dirname(args.model));
        if (folder === undefined) return undefined;
        hash.update(JSON.stringify([path.basename(args.model), folder]));
    }
    return hash.update(args.bytes).digest("hex");
}

/** What stands for a model unpacked from `archive` into `dir` (modelCheckKey's origin): the archive's bytes and the model's path in it. */
export function archiveOrigin(archive: string, dir: string, model: string): string {
    return `${crypto.createHash("sha256").update(fs.readFileSync(archive)).digest("hex")}:${path.relative(dir, model)}`;
}

/** A cache folder; every failure to read or write it is a miss, never an error: the check then simply runs. */
export class ModelCheckCache {
    constructor(readonly dir: string) {}

    static fromEnvironment(env: NodeJS.ProcessEnv = process.env): ModelCheckCache | undefined {
        const dir = modelCheckCacheDir(env);
        return dir === undefined ? undefined : new ModelCheckCache(dir);
    }

    get<T>(key: string, isAnswer: (value: unknown) => value is T): T | undefined {
        const file = path.join(this.dir, `${key}.json`);
        try {
            const value: unknown = JSON.parse(fs.readFileSync(file, "utf8"));
            if (!isAnswer(value)) return undefined;
            const now = new Date();
            fs.utimesSync(file, now, now);
            return value;
        } catch {
            return undefined;
        }
    }

    put(key: string, answer: unknown): void {
        try {
            fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
            // Written beside and renamed, so a reader never sees half an answer.
            const partial = path.join(this.dir, `${key}.${process.pid}.partial`);
            fs.writeFileSync(partial, JSON.stringify(answer), { mode: 0o600 });
            fs.renameSync(partial, path.join(this.dir, `${key}.json`));
            this.removeUnused();
        } catch {
            // A read-only or full disk: the next plan checks the model again.
        }
    }

    private removeUnused(): void {
        for (const name of fs.readdirSync(this.dir)) {
            const file = path.join(this.dir, name);
            try {
                if (Date.now() - fs.statSync(file).mtimeMs > UNUSED_FOR_MS) fs.rmSync(file, { force: true });
            } catch {
                // Removed by another plan meanwhile.
            }
        }
    }
}
