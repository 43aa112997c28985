// Runs an offline tool (plan, policy, ...) as plain JavaScript: transpiles the project's TypeScript
// with esbuild (about 20 ms), then requires it. A TypeScript loader hook would slow every require of
// the cloud SDKs (measured: loading @pulumi/pulumi took 1.0 s under tsx, 0.45 s without).
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const esbuild = require("esbuild");

const root = path.resolve(__dirname, "..");
const SOURCES = ["index.ts", "lib.ts", "config.ts", "components", "providers", "policies", "offline", "bench", "serving/src", "examples"];

function typescriptFiles(entry) {
    const full = path.join(root, entry);
    if (!fs.existsSync(full)) return [];
    if (fs.statSync(full).isFile()) return full.endsWith(".ts") ? [full] : [];
    return fs.readdirSync(full).flatMap((name) => typescriptFiles(path.join(entry, name)));
}

const [tool, ...args] = process.argv.slice(2);
if (!tool) {
    process.stderr.write("usage: node offline/launch.cjs <offline/cli|offline/planAll|...> [args]\n");
    process.exit(2);
}
// Inside the project, so the output resolves packages from its node_modules; per process, so parallel runs never share files.
const outdir = path.join(root, ".offline-build", String(process.pid));
process.on("exit", () => fs.rmSync(outdir, { recursive: true, force: true }));
esbuild.buildSync({
    entryPoints: SOURCES.flatMap(typescriptFiles),
    outdir,
    outbase: root,
    format: "cjs",
    platform: "node",
    target: "node20",
    // `await import()` becomes a lazy require, as TypeScript emits it for Pulumi's CommonJS run.
    supported: { "dynamic-import": false },
    logLevel: "error",
});
process.env.MODEL_SERVICE_ROOT = root;
process.argv = [process.argv[0], path.join(outdir, `${tool}.js`), ...args];
require(path.join(outdir, `${tool}.js`));
