// Runs an offline tool (plan, policy, ...) as plain JavaScript: transpiles the project's TypeScript
// once per content of its sources, then requires it. A TypeScript loader hook would slow every require of
// the cloud SDKs (measured: loading @pulumi/pulumi took 1.0 s under tsx, 0.45 s without).
//
// The transpiler is TypeScript's own (transpileModule with the project's compiler options), the emit that
// ts-node gives `pulumi up`: Pulumi's closure serializer captures a dynamic provider's imports as that emit
// shapes them. esbuild's CommonJS output turns every export into a getter, so the serializer captured
// whole modules: the providers serialized about 40% larger and twice as slow as under `pulumi up`
// (bench/serializeProviders.ts).
"use strict";
const crypto = require("node:crypto");
const fs = require("node:fs");
const { enableCompileCache } = require("node:module");
const path = require("node:path");

const root = path.resolve(__dirname, "..");
const NATIVES_SYNTAX = "--allow-natives-syntax";
const buildsDir = path.join(root, ".offline-build");
// V8's code cache for every module a tool loads (the SDKs, the build), kept beside the builds: a plan took
// 0.90 s with it cold and 0.68 s warm (node offline/launch.cjs offline/cli --stack dev --json). Set in the
// environment too, so the processes a tool starts (plans of plan:all, Pulumi's runner, the model check) share it.
process.env.NODE_COMPILE_CACHE ??= path.join(buildsDir, "compile-cache");
enableCompileCache?.(process.env.NODE_COMPILE_CACHE);
// V8 rejects a code cache made under other flags, and Pulumi's closure serializer turns on
// --allow-natives-syntax when it loads (sdk/nodejs/runtime/closure/v8.ts): modules compiled before that
// and after it, in processes that load it at different points, rejected each other's caches (563 of 832
// lookups in a gRPC plan). Every tool sets it before loading anything, and passes it to the Pulumi processes
// it starts (SHARED_V8_FLAGS in offline/grpcRuntime.ts).
require("node:v8").setFlagsFromString(NATIVES_SYNTAX);
// Work of @pulumi/pulumi's that no plan reads, skipped in this process and those it forks: see the file.
require("./pulumiCosts.cjs");

const SOURCES = ["index.ts", "lib.ts", "config.ts", "components", "providers", "policies", "offline", "bench", "serving/src", "examples"];
const TSCONFIG = path.join(root, "tsconfig.json");
// TypeScript itself (0.18 s to load) is required only when a build is made; the key reads its version from package.json.
const typescriptVersion = () => JSON.parse(fs.readFileSync(require.resolve("typescript/package.json"), "utf8")).version;

/** tsconfig.json's options as ts-node reads them; `await import()` becomes a lazy require under module commonjs. */
function buildOptions(ts) {
    const { config, error } = ts.readConfigFile(TSCONFIG, ts.sys.readFile);
    if (error) throw new Error(ts.flattenDiagnosticMessageText(error.messageText, "\n"));
    const { options } = ts.convertCompilerOptionsFromJson(config.compilerOptions, root);
    return { ...options, noEmit: false };
}
// A build no process has used for this long is removed when a newer one is made; a plan takes seconds.
const STALE_BUILD_MS = 30 * 60 * 1000;

function typescriptFiles(entry) {
    const full = path.join(root, entry);
    if (!fs.existsSync(full)) return [];
    if (fs.statSync(full).isFile()) return full.endsWith(".ts") ? [full] : [];
    return fs.readdirSync(full).flatMap((name) => typescriptFiles(path.join(entry, name)));
}

/** What the output depends on: every source's path and bytes, tsconfig.json and TypeScript's version. */
function buildKey(files) {
    const hash = crypto.createHash("sha256").update(JSON.stringify([typescriptVersion()])).update(fs.readFileSync(TSCONFIG));
    for (const file of files) hash.update(`\0${path.relative(root, file)}\0`).update(fs.readFileSync(file));
    return hash.digest("hex").slice(0, 16);
}

function removeStaleBuilds(buildsDir, keep) {
    for (const name of fs.readdirSync(buildsDir)) {
        const dir = path.join(buildsDir, name);
        if (name === keep || name === "compile-cache") continue;
        try {
            if (Date.now() - fs.statSync(dir).mtimeMs > STALE_BUILD_MS) fs.rmSync(dir, { recursive: true, force: true });
        } catch {
            // Removed by another process meanwhile.
        }
    }
}

/**
 * The transpiled project, built once per content of its sources: every later process (each plan of a test
 * run or of plan:all) requires the same output instead of transpiling again. Built into a directory of its
 * own and renamed into place whole, so parallel processes never see a partial build.
 */
function builtProject() {
    const files = SOURCES.flatMap(typescriptFiles);
    const key = buildKey(files);
    const outdir = path.join(buildsDir, key);
    if (fs.existsSync(outdir)) {
        const now = new Date();
        fs.utimesSync(outdir, now, now);
        return outdir;
    }
    // Inside the project, so the output resolves packages from its node_modules.
    const partial = path.join(buildsDir, `partial-${process.pid}`);
    fs.rmSync(partial, { recursive: true, force: true });
    const ts = require("typescript");
    const options = buildOptions(ts);
    for (const file of files) {
        const relative = path.relative(root, file);
        const { outputText, diagnostics } = ts.transpileModule(fs.readFileSync(file, "utf8"), { compilerOptions: options, fileName: file, reportDiagnostics: true });
        if (diagnostics && diagnostics.length > 0) throw new Error(`${relative}: ${ts.flattenDiagnosticMessageText(diagnostics[0].messageText, "\n")}`);
        const out = path.join(partial, relative.replace(/\.ts$/, ".js"));
        fs.mkdirSync(path.dirname(out), { recursive: true });
        fs.writeFileSync(out, outputText);
    }
    try {
        fs.renameSync(partial, outdir);
    } catch (err) {
        // Another process finished the same build first: use its, identical, output.
        fs.rmSync(partial, { recursive: true, force: true });
        if (!fs.existsSync(outdir)) throw err;
    }
    removeStaleBuilds(buildsDir, key);
    return outdir;
}

const [tool, ...args] = process.argv.slice(2);
if (!tool) {
    process.stderr.write("usage: node offline/launch.cjs <offline/cli|offline/planAll|...> [args]\n");
    process.exit(2);
}
const outdir = builtProject();
process.env.MODEL_SERVICE_ROOT = root;
process.argv = [process.argv[0], path.join(outdir, `${tool}.js`), ...args];
require(path.join(outdir, `${tool}.js`));
