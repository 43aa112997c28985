import * as crypto from "node:crypto";
import * as path from "node:path";
import type { ResolvedServiceArgs } from "../../components/contract";
import { contentHash } from "../../components/naming";

/** One release of the service on Azure ML: what serves, and the deployment name that stands for it. */
export interface AzureMlRelease {
    /** Short hash of everything that defines what serves. */
    readonly key: string;
    /** The online deployment's name: v<model version>-<key>, 3-32 characters, starting with a letter. */
    readonly deploymentName: string;
}

/**
 * A new image, model version or artifact, instance type, environment or serving contract is a new
 * release: a new deployment beside the old one, so traffic can move between them. Scaling is not: it
 * changes the serving deployment in place. Computed from plain values only, because it names Pulumi
 * resources (a built image by its build context's content, a local artifact by its files).
 */
export function azureMlRelease(args: ResolvedServiceArgs, instanceType: string): AzureMlRelease {
    const image = args.image.kind === "uri" ? { uri: args.image.uri } : { build: contentHash(path.resolve(args.projectDir, args.image.context)), dockerfile: args.image.dockerfile ?? "" };
    const artifact = args.model.artifact.kind === "uri" ? { uri: args.model.artifact.uri } : { files: contentHash(path.resolve(args.projectDir, args.model.artifact.path)) };
    const defining = {
        image,
        model: { name: args.model.name, version: args.model.version, artifact },
        instanceType,
        environment: Object.entries(args.environment).sort(([a], [b]) => a.localeCompare(b)),
        secrets: Object.keys(args.secrets).sort(),
        serving: args.serving,
    };
    const key = crypto.createHash("sha256").update(JSON.stringify(defining)).digest("hex").slice(0, 8);
    const version = args.model.version.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 20).replace(/-+$/, "");
    return { key, deploymentName: `v${version}-${key}` };
}
