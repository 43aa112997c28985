import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { ModelArtifact, ResolvedServiceArgs } from "./contract";

/** Tags every resource carries, whichever cloud: who made it, for which model and stack. */
export function standardTags(args: ResolvedServiceArgs): Record<string, string> {
    return {
        "managed-by": "pulumi",
        "model-service": args.model.name,
        "model-version": args.model.version,
        stack: pulumi.getStack(),
        ...args.tags,
    };
}

/** A cloud resource name from parts: lowercase, hyphenated, at most `max` characters. */
export function resourceName(parts: readonly string[], max: number): string {
    return fitName(parts.join("-").toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/-+/g, "-").replace(/^-|-$/g, ""), max);
}

/** `name` itself when it has at most `max` characters, else a prefix of it plus `-` and 6 hex of the whole. */
export function fitName(name: string, max: number): string {
    if (name.length <= max) return name;
    return `${name.slice(0, Math.max(1, max - 7)).replace(/-+$/, "")}-${shortHash(name)}`;
}

export function shortHash(text: string, length = 6): string {
    return crypto.createHash("sha256").update(text).digest("hex").slice(0, length);
}

const SKIPPED_FOLDERS = new Set(["node_modules", ".git"]);

/** Every file under a folder (or the file itself), as paths relative to `root`, sorted for stable plans. */
export function listFiles(root: string): string[] {
    if (!fs.statSync(root).isDirectory()) return [path.basename(root)];
    const out: string[] = [];
    const walk = (dir: string) => {
        for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
            const full = path.join(dir, entry.name);
            // Installed packages and version control are rebuilt or ignored by every build and upload.
            if (entry.isDirectory() && SKIPPED_FOLDERS.has(entry.name)) continue;
            if (entry.isDirectory()) walk(full);
            else if (entry.isFile()) out.push(path.relative(root, full).split(path.sep).join("/"));
        }
    };
    walk(root);
    return out.sort();
}

/** A short content hash of a file or folder: image tags and object names change only when content does. */
export function contentHash(root: string): string {
    const hash = crypto.createHash("sha256");
    const base = fs.statSync(root).isDirectory() ? root : path.dirname(root);
    for (const file of listFiles(root)) {
        hash.update(file);
        hash.update(fs.readFileSync(path.join(base, file)));
    }
    return hash.digest("hex").slice(0, 12);
}

/** The files of a local model artifact: each one's path inside the artifact and on disk, and their version folder. */
export function localArtifactFiles(args: ResolvedServiceArgs, artifact: Extract<ModelArtifact, { kind: "local" }>): { prefix: string; files: { key: string; source: string }[] } {
    const source = path.resolve(args.projectDir, artifact.path);
    const relative = listFiles(source);
    const base = fs.statSync(source).isDirectory() ? source : path.dirname(source);
    return { prefix: `${args.model.name}/${args.model.version}/`, files: relative.map((key) => ({ key, source: path.join(base, key) })) };
}

/** A Pulumi resource name for one uploaded file. */
export function uploadName(name: string, key: string): string {
    return `${name}-artifact-${key.replace(/[^A-Za-z0-9.-]+/g, "-")}`;
}

/**
 * A path as the project sees it: relative to the project folder, in POSIX form ("." for the folder itself).
 * Image build contexts are given this way, so that another checkout of the same code (CI after a laptop)
 * plans no change and never pushes the same tag again.
 */
export function projectRelative(projectDir: string, absolute: string): string {
    return path.relative(projectDir, absolute).split(path.sep).join("/") || ".";
}
