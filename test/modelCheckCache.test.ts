import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { checkModelArtifact, loadRemembered, type ChildAnswer } from "../components/artifactCheck";
import { ModelCheckCache, modelCheckCacheDir, modelCheckKey } from "../components/modelCheckCache";
import { PROJECT_DIR } from "./helpers/plan";

const root = fs.mkdtempSync(path.join(os.tmpdir(), "model-check-cache-"));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
let folders = 0;
const fresh = (): string => fs.mkdtempSync(path.join(root, `case-${folders++}-`));

const LOADED: ChildAnswer = { inputs: [{ name: "x", isTensor: true, type: "float32", shape: ["N", 4] }] as never, outputs: [] };

/** A loader that counts its calls and answers `answer`, in place of the onnxruntime-node child. */
function countingLoader(answer: ChildAnswer) {
    const calls: (string | Uint8Array)[] = [];
    return { calls, load: (model: string | Uint8Array) => (calls.push(model), answer) };
}

function modelFolder(files: Record<string, string>): string {
    const dir = fresh();
    for (const [name, content] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
        fs.writeFileSync(path.join(dir, name), content);
    }
    return dir;
}

describe("the model check's answers, remembered on disk", () => {
    it("checks a model once: the same bytes again are answered from the cache, other bytes are checked", () => {
        const cache = new ModelCheckCache(fresh());
        const { calls, load } = countingLoader(LOADED);
        const bytes = new TextEncoder().encode("model one");
        expect(loadRemembered(bytes, bytes, { cache, load })).toEqual(LOADED);
        expect(loadRemembered(bytes, bytes, { cache, load })).toEqual(LOADED);
        expect(calls).toHaveLength(1);
        const other = new TextEncoder().encode("model two");
        loadRemembered(other, other, { cache, load });
        expect(calls).toHaveLength(2);
        expect(fs.readdirSync(cache.dir).filter((f) => f.endsWith(".json"))).toHaveLength(2);
    });

    it("checks a model loaded by path again when any file beside it changes (its external data), not when nothing does", () => {
        const dir = modelFolder({ "model.onnx": "graph", "weights/w.bin": "1234" });
        const cache = new ModelCheckCache(fresh());
        const { calls, load } = countingLoader(LOADED);
        const model = path.join(dir, "model.onnx");
        const bytes = fs.readFileSync(model);
        loadRemembered(model, bytes, { cache, load });
        loadRemembered(model, bytes, { cache, load });
        expect(calls).toHaveLength(1);
        fs.writeFileSync(path.join(dir, "weights/w.bin"), "12345");
        loadRemembered(model, bytes, { cache, load });
        expect(calls).toHaveLength(2);
        fs.writeFileSync(path.join(dir, "extra.bin"), "new");
        loadRemembered(model, bytes, { cache, load });
        expect(calls).toHaveLength(3);
    });

    it("keeps ONNX Runtime's refusal of a model, but not a runtime that did not load or a child that died", () => {
        const bytes = new TextEncoder().encode("broken model");
        for (const [answer, kept] of [
            [{ loadError: "Load model failed: protobuf parsing failed" }, true],
            [{ unavailable: "Cannot find module 'onnxruntime-node'" }, false],
            [{ childFailed: true, loadError: "onnxruntime-node ended with SIGKILL loading it" }, false],
        ] as [ChildAnswer, boolean][]) {
            const cache = new ModelCheckCache(fresh());
            const { calls, load } = countingLoader(answer);
            expect(loadRemembered(bytes, bytes, { cache, load })).toEqual(answer);
            loadRemembered(bytes, bytes, { cache, load });
            expect(calls).toHaveLength(kept ? 1 : 2);
        }
    });

    it("treats a damaged or foreign entry as a miss and writes the answer again", () => {
        const cache = new ModelCheckCache(fresh());
        const { calls, load } = countingLoader(LOADED);
        const bytes = new TextEncoder().encode("model");
        loadRemembered(bytes, bytes, { cache, load });
        const [entry] = fs.readdirSync(cache.dir);
        for (const damage of ["{ half", JSON.stringify({ unavailable: "planted" }), JSON.stringify([1])]) {
            fs.writeFileSync(path.join(cache.dir, entry!), damage);
            expect(loadRemembered(bytes, bytes, { cache, load })).toEqual(LOADED);
        }
        expect(calls).toHaveLength(4);
        expect(JSON.parse(fs.readFileSync(path.join(cache.dir, entry!), "utf8"))).toEqual(LOADED);
    });

    it("never fails the check when the cache folder cannot be written", () => {
        const blocker = path.join(fresh(), "a-file");
        fs.writeFileSync(blocker, "");
        const { calls, load } = countingLoader(LOADED);
        const bytes = new TextEncoder().encode("model");
        const cache = new ModelCheckCache(path.join(blocker, "model-checks"));
        expect(loadRemembered(bytes, bytes, { cache, load })).toEqual(LOADED);
        expect(loadRemembered(bytes, bytes, { cache, load })).toEqual(LOADED);
        expect(calls).toHaveLength(2);
    });

    it("keys on the onnxruntime-node version, and keeps nothing when the version is unknown", () => {
        const ort = path.join(modelFolder({ "dist/index.js": "" }), "dist/index.js");
        const installVersion = (version: string) => fs.writeFileSync(path.join(ort, "../../package.json"), JSON.stringify({ name: "onnxruntime-node", version }));
        const bytes = new TextEncoder().encode("model");
        const key = () => modelCheckKey({ childSource: "s", ort, model: bytes, bytes });
        expect(key()).toBeUndefined();
        installVersion("1.30.0");
        const v1 = key();
        expect(v1).toMatch(/^[0-9a-f]{64}$/);
        expect(key()).toBe(v1);
        installVersion("1.31.0");
        expect(key()).not.toBe(v1);
        expect(modelCheckKey({ childSource: "other script", ort, model: bytes, bytes })).not.toBe(key());
    });

    it("lives under MODEL_SERVICE_CACHE_DIR, else XDG_CACHE_HOME, else ~/.cache; off keeps nothing", () => {
        expect(modelCheckCacheDir({ MODEL_SERVICE_CACHE_DIR: "/c" })).toBe("/c/model-checks");
        expect(modelCheckCacheDir({ XDG_CACHE_HOME: "/x" })).toBe("/x/model-service/model-checks");
        expect(modelCheckCacheDir({})).toBe(path.join(os.homedir(), ".cache", "model-service", "model-checks"));
        expect(modelCheckCacheDir({ MODEL_SERVICE_CACHE_DIR: "off" })).toBeUndefined();
        expect(ModelCheckCache.fromEnvironment({ MODEL_SERVICE_CACHE_DIR: "off" })).toBeUndefined();
    });

    it("checks a .tar.gz once: its unpacked copy is keyed by the archive's bytes, not by the copy's file times", () => {
        const previous = process.env.MODEL_SERVICE_CACHE_DIR;
        process.env.MODEL_SERVICE_CACHE_DIR = fresh();
        try {
            const archive = path.join(fresh(), "model.tar.gz");
            expect(spawnSync("tar", ["-czf", archive, "-C", path.join(PROJECT_DIR, "examples", "iris-regression-onnx"), "model.onnx", "metadata.json"]).status).toBe(0);
            const image = { kind: "build" as const, context: "serving" };
            const checks = path.join(process.env.MODEL_SERVICE_CACHE_DIR, "model-checks");
            for (let run = 0; run < 2; run++) {
                // A new mtime each time, so the in-process memo misses and the archive is unpacked again.
                fs.utimesSync(archive, new Date(), new Date(Date.now() + run * 60_000));
                expect(checkModelArtifact(PROJECT_DIR, { kind: "local", path: archive }, image)).toMatchObject({ status: "checked", report: { task: "regressor" } });
                expect(fs.readdirSync(checks)).toHaveLength(1);
            }
            // Other bytes in the archive: another answer.
            fs.appendFileSync(archive, Buffer.alloc(1024));
            fs.utimesSync(archive, new Date(), new Date(Date.now() + 120_000));
            checkModelArtifact(PROJECT_DIR, { kind: "local", path: archive }, image);
            expect(fs.readdirSync(checks)).toHaveLength(2);
        } finally {
            if (previous === undefined) delete process.env.MODEL_SERVICE_CACHE_DIR;
            else process.env.MODEL_SERVICE_CACHE_DIR = previous;
        }
    });

    it("the plan's check of the example model reads the cache: a planted answer there is what the check reports", () => {
        const dir = fresh();
        fs.cpSync(path.join(PROJECT_DIR, "examples/iris-onnx"), dir, { recursive: true });
        const previous = process.env.MODEL_SERVICE_CACHE_DIR;
        process.env.MODEL_SERVICE_CACHE_DIR = fresh();
        try {
            const artifact = { kind: "local" as const, path: dir };
            const image = { kind: "build" as const, context: "serving" };
            expect(checkModelArtifact(PROJECT_DIR, artifact, image)).toMatchObject({ status: "checked", report: { task: "classifier" } });
            const checks = path.join(process.env.MODEL_SERVICE_CACHE_DIR, "model-checks");
            const entries = fs.readdirSync(checks);
            expect(entries).toHaveLength(1);
            fs.writeFileSync(path.join(checks, entries[0]!), JSON.stringify({ loadError: "planted refusal" }));
            // The in-process memo is keyed by the folder's own mtime, the disk cache by the files in it: only the disk can answer now.
            fs.utimesSync(dir, new Date(), new Date(Date.now() + 60_000));
            const again = checkModelArtifact(PROJECT_DIR, artifact, image);
            expect(again).toMatchObject({ status: "refused" });
            expect(JSON.stringify(again)).toContain("planted refusal");
        } finally {
            if (previous === undefined) delete process.env.MODEL_SERVICE_CACHE_DIR;
            else process.env.MODEL_SERVICE_CACHE_DIR = previous;
        }
    });
});
