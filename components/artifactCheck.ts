/**
 * The plan-time model check: when the reference server (serving/) will serve a local artifact, load it
 * the way the server will (ZipMap outputs unzipped, then onnxruntime-node) and read its task, inputs
 * and outputs, so a pickle, an unloadable file or an output the server cannot return is a validation
 * error before anything is deployed, not a container that exits 1 after the cloud resources exist.
 *
 * onnxruntime-node only loads asynchronously and validation is synchronous, so the session is created
 * in a child node process (about 0.2 s) that also keeps the native runtime out of the plan's memory.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { ImageSource, ModelArtifact } from "./contract";
import { archiveOrigin, ModelCheckCache, modelCheckKey } from "./modelCheckCache";
import { extractTarGz } from "../serving/src/download";
import { findModelFile, isPickleFile, ModelLoadError, pickleIn, prepareModel } from "../serving/src/modelFile";
import { describeSignature, planServing, type ModelSignature, type Task, type ValueSignature } from "../serving/src/task";

/** What the check found out about a model it could load. */
export interface ModelReport {
    readonly task: Task;
    /** e.g. "classifier: input features float32 [N, 4]; outputs label int64 [N], probabilities float32 [N, 3]" */
    readonly summary: string;
    readonly featureNames: readonly string[];
    /** A request body every runtime's prediction route accepts, with the model's real input shape. */
    readonly request: { readonly instances: readonly (readonly number[])[] };
}

export type ArtifactCheck =
    | { readonly status: "checked"; readonly report: ModelReport }
    | { readonly status: "skipped"; readonly reason: string }
    | { readonly status: "refused"; readonly problems: readonly { readonly message: string; readonly fix: string }[] };

/** What turns a trained model into a folder modelArtifact can point at, for the messages below. */
export function exportFix(pickle = "model.pkl"): string {
    return (
        `export it to ONNX where you train it: pip install -r examples/export/requirements.txt && python examples/export/export_pickle.py ${pickle} --out model-onnx ` +
        "(scikit-learn, XGBoost and LightGBM pickles; PyTorch and the others: examples/export/README.md), then pulumi config set modelArtifact model-onnx"
    );
}
const EXPORT_FIX = exportFix();
const REFERENCE_SERVER = "serving";

/** True when the image is the reference server built from this project's serving/ folder. */
export function servesReferenceServer(projectDir: string, image: ImageSource): boolean {
    return image.kind === "build" && path.resolve(projectDir, image.context) === path.resolve(projectDir, REFERENCE_SERVER) && image.dockerfile === undefined;
}

// In the child: load the (rewritten) model from stdin, report ONNX Runtime's view of it, and run one row of zeros.
const CHILD_SOURCE = `
let ort;
try {
    ort = require(process.argv[1]);
} catch (e) {
    process.stdout.write(JSON.stringify({ unavailable: String((e && e.message) || e) }));
    process.exit(0);
}
const chunks = [];
process.stdin.on("data", (c) => chunks.push(c));
process.stdin.on("end", async () => {
    const out = {};
    try {
        // A path (argv[2]) when the file is loaded as it is, so external data beside it is found; else the rewritten bytes.
        const model = process.argv[2] ? process.argv[2] : new Uint8Array(Buffer.concat(chunks));
        const s = await ort.InferenceSession.create(model, { executionProviders: ["cpu"], intraOpNumThreads: 1, interOpNumThreads: 1 });
        out.inputs = s.inputMetadata;
        out.outputs = s.outputMetadata;
        const i = s.inputMetadata[0];
        if (s.inputMetadata.length === 1 && i.isTensor && i.type === "float32" && i.shape.length === 2 && typeof i.shape[1] === "number" && s.outputMetadata.every((o) => o.isTensor)) {
            try {
                await s.run({ [i.name]: new ort.Tensor("float32", new Float32Array(i.shape[1]), [1, i.shape[1]]) });
            } catch (e) {
                out.runError = String((e && e.message) || e);
            }
        }
        await s.release();
    } catch (e) {
        out.loadError = String((e && e.message) || e);
    }
    process.stdout.write(JSON.stringify(out));
});
`;

export interface ChildAnswer {
    /** onnxruntime-node itself does not load on this machine: nothing is known about the model. */
    readonly unavailable?: string;
    readonly inputs?: ValueSignature[];
    readonly outputs?: ValueSignature[];
    readonly loadError?: string;
    readonly runError?: string;
    /** The child did not answer (did not start, crashed, timed out): loadError says how, and nothing about the model. */
    readonly childFailed?: true;
}

/** Loads a model (a file, or its bytes) with onnxruntime-node (the module at `ort`) in a child node process. */
export function loadInChild(model: string | Uint8Array, ort = resolveOrt()): ChildAnswer {
    const args = typeof model === "string" ? ["-e", CHILD_SOURCE, ort, model] : ["-e", CHILD_SOURCE, ort];
    const input = typeof model === "string" ? "" : Buffer.from(model.buffer, model.byteOffset, model.byteLength);
    const result = spawnSync(process.execPath, args, { input, timeout: 120_000, maxBuffer: 64 * 1024 * 1024, encoding: "utf8" });
    if (result.error) return { childFailed: true, loadError: `could not start onnxruntime-node: ${result.error.message}` };
    if (result.status !== 0) return { childFailed: true, loadError: `onnxruntime-node ended with ${result.signal ?? `exit code ${result.status}`} loading it${result.stderr ? `: ${result.stderr.trim().split("\n").slice(-1)[0]}` : ""}` };
    try {
        return JSON.parse(result.stdout) as ChildAnswer;
    } catch {
        return { childFailed: true, loadError: `onnxruntime-node gave no answer: ${result.stdout.slice(0, 200)}` };
    }
}

const isChildAnswer = (value: unknown): value is ChildAnswer =>
    typeof value === "object" && value !== null && !("unavailable" in value) && !("childFailed" in value) && (Array.isArray((value as ChildAnswer).inputs) || typeof (value as ChildAnswer).loadError === "string");

export interface RememberOptions {
    readonly cache?: ModelCheckCache;
    readonly load?: (model: string | Uint8Array, ort: string) => ChildAnswer;
    /** The model's folder is a copy made for the check: what it is a copy of (modelCheckKey's origin). */
    readonly origin?: string;
}

/**
 * loadInChild, remembered in `cache` (components/modelCheckCache.ts): `model` is what the child is handed,
 * `bytes` the model file's. Only onnxruntime-node's own verdicts are kept, not a runtime that failed to start.
 */
export function loadRemembered(model: string | Uint8Array, bytes: Uint8Array, { cache = ModelCheckCache.fromEnvironment(), load = loadInChild, origin }: RememberOptions = {}): ChildAnswer {
    const ort = resolveOrt();
    const key = cache ? modelCheckKey({ childSource: CHILD_SOURCE, ort, model, bytes, origin }) : undefined;
    const known = cache && key ? cache.get(key, isChildAnswer) : undefined;
    if (known) return known;
    const answer = load(model, ort);
    if (cache && key && isChildAnswer(answer)) cache.put(key, answer);
    return answer;
}

function resolveOrt(): string {
    try {
        return require.resolve("onnxruntime-node");
    } catch {
        // The child then reports the module as unavailable, in its own words.
        return "onnxruntime-node";
    }
}

const refused = (message: string, fix = EXPORT_FIX): ArtifactCheck => ({ status: "refused", problems: [{ message, fix }] });

/** Feature names and an example row: metadata.json's `features` and `example` when they fit, else the model's metadata_props, else f0.. and zeros. */
function describeFeatures(dir: string, featureCount: number, fromModel: string | undefined): { names: string[]; example: number[] } {
    let parsed: { features?: unknown; example?: unknown } = {};
    try {
        parsed = JSON.parse(fs.readFileSync(path.join(dir, "metadata.json"), "utf8")) as typeof parsed;
    } catch {
        // No metadata.json, or one the server will refuse with its own message.
    }
    const modelNames = fromModel?.split(",").map((s) => s.trim());
    const names =
        Array.isArray(parsed.features) && parsed.features.length === featureCount
            ? parsed.features.map(String)
            : modelNames && modelNames.length === featureCount
              ? modelNames
              : Array.from({ length: featureCount }, (_, i) => `f${i}`);
    const ex = parsed.example;
    const example = Array.isArray(ex) && ex.length === featureCount && ex.every((v) => typeof v === "number" && Number.isFinite(v)) ? (ex as number[]) : new Array<number>(featureCount).fill(0);
    return { names, example };
}

/** Checks a model folder or file the way the server loads it. */
/** `archive`: the .tar.gz that `target` was unpacked from, for the check's cache key. */
function checkLocalModel(target: string, shown: string, archive?: string): ArtifactCheck {
    const stat = fs.statSync(target);
    if (stat.isFile() && isPickleFile(target)) return refused(`is a Python pickle (${path.basename(target)}), which the reference server cannot load`, exportFix(shown));
    const dir = stat.isDirectory() ? target : path.dirname(target);
    const file = stat.isDirectory() ? findModelFile(dir) : target.endsWith(".onnx") ? target : undefined;
    if (!file) {
        const pickle = stat.isDirectory() ? pickleIn(dir) : undefined;
        if (pickle) return refused(`holds a Python pickle (${pickle}) and no model.onnx; the reference server serves ONNX models only`, exportFix(path.join(shown, pickle)));
        return refused(stat.isDirectory() ? "holds no model.onnx (nor a single .onnx file, searched 4 levels down) for the reference server to load" : `is ${path.basename(target)}, not an ONNX model (.onnx) or a folder holding model.onnx`);
    }
    let prepared;
    try {
        prepared = prepareModel(file);
    } catch (err) {
        if (err instanceof ModelLoadError) return refused(`${path.relative(dir, file) || path.basename(file)}: ${err.message.replace(`${file} `, "")}`);
        throw err;
    }
    const rel = path.relative(dir, file) || path.basename(file);
    const origin = archive === undefined ? undefined : archiveOrigin(archive, target, file);
    const answer = loadRemembered(prepared.unzipped.length > 0 ? prepared.bytes : file, prepared.bytes, { origin });
    if (answer.unavailable !== undefined) return { status: "skipped", reason: `onnxruntime-node does not load on this machine (${answer.unavailable.split("\n")[0]}), so the plan could not try the model; the server checks it when it starts` };
    if (answer.loadError !== undefined) return refused(`${rel} does not load in ONNX Runtime (${answer.loadError})`, `re-export it with an opset ONNX Runtime 1.30 supports (skl2onnx target_opset, torch.onnx.export opset_version); ${EXPORT_FIX}`);
    const signature: ModelSignature = { inputs: answer.inputs ?? [], outputs: answer.outputs ?? [], unzipped: new Set(prepared.unzipped.map((u) => u.output)) };
    const { plan, problems } = planServing(signature);
    if (!plan) return { status: "refused", problems: problems.map((p) => ({ message: `${rel} ${p}`, fix: EXPORT_FIX })) };
    if (answer.runError !== undefined) return refused(`${rel} loads but fails on one row of zeros (${answer.runError})`, `check the model with onnxruntime where you trained it; ${EXPORT_FIX}`);
    const features = describeFeatures(path.dirname(file), plan.featureCount, prepared.info.metadata.features);
    return { status: "checked", report: { task: plan.task, summary: describeSignature(plan, signature), featureNames: features.names, request: { instances: [features.example] } } };
}

const memo = new Map<string, ArtifactCheck>();

/**
 * Checks `artifact` as the reference server would load it. Skipped (with the reason) for artifacts
 * already in the cloud and for images other than the reference server. Results are kept per file
 * state, so the program's second look (index.ts, for the request example) costs nothing.
 */
export function checkModelArtifact(projectDir: string, artifact: ModelArtifact, image: ImageSource): ArtifactCheck {
    if (artifact.kind === "uri") return { status: "skipped", reason: `${artifact.uri.replace(/\?.*$/, "?...")} is in the cloud, so the plan does not read it; the server checks the model when it starts` };
    if (!servesReferenceServer(projectDir, image)) return { status: "skipped", reason: "the image is not the reference server (serving/), so the plan cannot know what it loads" };
    const full = path.resolve(projectDir, artifact.path);
    let stat: fs.Stats;
    try {
        stat = fs.statSync(full);
    } catch {
        return refused(`does not exist (${full})`, `point modelArtifact at the exported model's folder; ${EXPORT_FIX}`);
    }
    const key = `${full}\0${stat.mtimeMs}\0${stat.size}`;
    const known = memo.get(key);
    if (known) return known;
    let result: ArtifactCheck;
    if (stat.isFile() && /\.(tar\.gz|tgz)$/.test(full)) {
        const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "model-check-"));
        try {
            extractTarGz(full, scratch);
            result = checkLocalModel(scratch, artifact.path, full);
        } catch (err) {
            result = refused(`could not be unpacked to check the model in it (${(err as Error).message})`, "pack model.onnx (and metadata.json) with tar -czf model.tar.gz model.onnx metadata.json, or point modelArtifact at the folder");
        } finally {
            fs.rmSync(scratch, { recursive: true, force: true });
        }
    } else {
        result = checkLocalModel(full, artifact.path);
    }
    memo.set(key, result);
    return result;
}
