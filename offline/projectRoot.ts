import * as path from "node:path";

/** The folder holding Pulumi.yaml: set by offline/launch.cjs, else this file's parent. */
export function projectRoot(): string {
    return process.env.MODEL_SERVICE_ROOT ?? path.resolve(__dirname, "..");
}
