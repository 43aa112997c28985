/**
 * Where the model is: the first of MODEL_DIR, SageMaker's /opt/ml/model, AZUREML_MODEL_DIR (Azure ML
 * mounts the registered model there), then AIP_STORAGE_URI (Vertex AI) or MODEL_URI (ECS, GKE, AKS),
 * which is a local path or an object-storage URI copied to MODEL_CACHE_DIR first.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { downloadModel, type DownloadContext, type HttpFetch } from "./download";
import { findModelFile, ModelLoadError } from "./model";
import { redactSecrets } from "./redact";

export const SAGEMAKER_MODEL_DIR = "/opt/ml/model";

export type ModelLocation = { readonly kind: "dir"; readonly path: string; readonly from: string } | { readonly kind: "uri"; readonly uri: string; readonly from: string };

const localPath = (value: string): string | undefined => {
    if (value.startsWith("file://")) return new URL(value).pathname;
    if (value.startsWith("/") || value.startsWith("./") || value.startsWith("../")) return value;
    return undefined;
};

/** Picks the model location from the environment, without reading it. */
export function locateModel(env: NodeJS.ProcessEnv, exists: (p: string) => boolean = fs.existsSync): ModelLocation {
    const dir = env.MODEL_DIR?.trim();
    if (dir) return { kind: "dir", path: path.resolve(dir), from: "MODEL_DIR" };
    if (exists(SAGEMAKER_MODEL_DIR)) return { kind: "dir", path: SAGEMAKER_MODEL_DIR, from: "/opt/ml/model" };
    const azure = env.AZUREML_MODEL_DIR?.trim();
    if (azure) return { kind: "dir", path: azure, from: "AZUREML_MODEL_DIR" };
    for (const name of ["AIP_STORAGE_URI", "MODEL_URI"]) {
        const value = env[name]?.trim();
        if (!value) continue;
        const local = localPath(value);
        return local ? { kind: "dir", path: path.resolve(local), from: name } : { kind: "uri", uri: value, from: name };
    }
    throw new ModelLoadError(`no model location: set MODEL_DIR, mount the model at ${SAGEMAKER_MODEL_DIR}, or set AZUREML_MODEL_DIR, AIP_STORAGE_URI or MODEL_URI`);
}

export interface ResolveOptions {
    readonly env: NodeJS.ProcessEnv;
    readonly fetch?: HttpFetch;
    /** Tests pin it to check request signatures. */
    readonly now?: () => Date;
}

/** A local folder holding model.onnx (or below it): the location itself, or the downloaded copy. */
export async function resolveModelDir(location: ModelLocation, options: ResolveOptions): Promise<string> {
    if (location.kind === "dir") {
        const stat = fs.statSync(location.path, { throwIfNoEntry: false });
        if (!stat) throw new ModelLoadError(`${location.from}: ${location.path} does not exist`);
        const dir = stat.isDirectory() ? location.path : path.dirname(location.path);
        if (!findModelFile(dir)) throw new ModelLoadError(`${location.from}: no model.onnx in or below ${dir}`);
        return dir;
    }
    const cache = options.env.MODEL_CACHE_DIR?.trim() || path.join(os.tmpdir(), "model-server", "model");
    const ctx: DownloadContext = { fetch: options.fetch ?? ((url, init) => fetch(url, init)), env: options.env, now: options.now };
    try {
        await downloadModel(location.uri, cache, ctx);
    } catch (err) {
        throw new ModelLoadError(redactSecrets(`${location.from}=${location.uri}: ${(err as Error).message}`));
    }
    if (!findModelFile(cache)) throw new ModelLoadError(redactSecrets(`${location.from}=${location.uri}: no model.onnx in the copied artifact`));
    return cache;
}
