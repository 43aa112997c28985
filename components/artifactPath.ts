import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** Why a local model artifact path may not be uploaded: what was refused and how to fix it. */
export interface ArtifactPathProblem {
    readonly message: string;
    readonly fix: string;
}

/** A stack or project file, whose config (and encrypted secrets) must never be uploaded beside a model. */
const PULUMI_FILE = /^Pulumi(\.[^/\\]+)?\.ya?ml$/i;
/** Folders the upload skips (components/naming.ts listFiles), so they cannot leak either. */
const SKIPPED = new Set(["node_modules"]);

function isInside(child: string, parent: string): boolean {
    const relative = path.relative(parent, child);
    return relative === "" || (!relative.startsWith("..") && !path.isAbsolute(relative));
}

function kindOf(stat: fs.Stats): string | undefined {
    if (stat.isFIFO()) return "a named pipe (FIFO)";
    if (stat.isCharacterDevice()) return "a character device";
    if (stat.isBlockDevice()) return "a block device";
    if (stat.isSocket()) return "a socket";
    return stat.isFile() || stat.isDirectory() ? undefined : "not a regular file or folder";
}

/** The first stack file or repository found in a folder, breadth first (so `.` is refused at once). */
function findForbidden(root: string): string | undefined {
    const queue = [root];
    while (queue.length > 0) {
        const dir = queue.shift()!;
        const entries = fs.readdirSync(dir, { withFileTypes: true });
        for (const entry of entries) {
            const shown = path.relative(root, path.join(dir, entry.name)) || entry.name;
            if (entry.name === ".git") return `holds a Git repository (${shown})`;
            if (PULUMI_FILE.test(entry.name)) return `holds a Pulumi project or stack file (${shown})`;
        }
        for (const entry of entries) if (entry.isDirectory() && !SKIPPED.has(entry.name)) queue.push(path.join(dir, entry.name));
    }
    return undefined;
}

/** The folder an allow-listed root resolves to, or why it cannot be one. */
export function checkArtifactRoot(projectDir: string, root: string): { real?: string; problem?: ArtifactPathProblem } {
    const full = path.resolve(projectDir, root);
    let real: string;
    try {
        real = fs.realpathSync(full);
    } catch {
        return { problem: { message: `does not exist (looked for ${full})`, fix: "set it to the folder that holds your model artifacts, or remove it" } };
    }
    if (!fs.statSync(real).isDirectory()) return { problem: { message: `is not a folder (${real})`, fix: "set it to the folder that holds your model artifacts" } };
    if (real === path.parse(real).root || real === fs.realpathSync(os.homedir())) {
        return { problem: { message: `resolves to ${real}, which would allow every file below it`, fix: "set it to the one folder that holds your model artifacts, e.g. ~/models" } };
    }
    return { real };
}

/**
 * Refuses a local artifact path that resolves (through `..` or symlinks) outside the project and the
 * allow-listed root, that is a special file, or whose folder holds stack files or a repository.
 */
export function checkLocalArtifactPath(projectDir: string, artifactPath: string, allowedRoot?: string): ArtifactPathProblem | undefined {
    if (artifactPath.trim() === "") return { message: "is empty", fix: "point it at your model file or folder, relative to the project, or give an existing URI" };
    const full = path.resolve(projectDir, artifactPath);
    let real: string;
    try {
        real = fs.realpathSync(full);
    } catch {
        return { message: `does not exist (looked for ${full})`, fix: "point it at your model file or folder, relative to the project, or give an existing URI" };
    }
    const where = real === full ? `resolves to ${real}` : `leads through a symlink to ${real}`;
    const fixOutside = `copy or export the model into the project (e.g. models/${path.basename(real) || "model"}), or set modelArtifactRoot to the one folder that holds it`;
    if (real === path.parse(real).root) return { message: `${where}, the file system root`, fix: fixOutside };
    const realProject = fs.realpathSync(projectDir);
    const inProject = isInside(real, realProject);
    const inRoot = allowedRoot !== undefined && isInside(real, allowedRoot);
    if (!inProject && !inRoot) {
        return { message: `${where}, outside the project (${realProject})${allowedRoot ? ` and outside modelArtifactRoot (${allowedRoot})` : ""}`, fix: fixOutside };
    }
    if (real === realProject) return { message: "is the project folder itself, which holds Pulumi.yaml and the stack files", fix: "point it at the folder that holds only the model, e.g. examples/iris-onnx" };
    const base = inProject ? realProject : allowedRoot!;
    if (path.relative(base, real).split(path.sep).includes(".git")) return { message: `is inside a Git repository's folder (${real})`, fix: "point it at the model's own file or folder" };

    const stat = fs.statSync(real);
    const special = kindOf(stat);
    if (special) return { message: `is ${special} (${real}), not a model file or folder`, fix: "point it at a regular file or folder" };
    if (stat.isFile()) {
        if (PULUMI_FILE.test(path.basename(real))) return { message: `is a Pulumi project or stack file (${path.basename(real)})`, fix: "point it at your model file or folder" };
        return undefined;
    }
    const forbidden = findForbidden(real);
    if (forbidden) return { message: `${forbidden}, which would be uploaded with the model`, fix: "point it at a folder that holds only the model's files" };
    return undefined;
}
