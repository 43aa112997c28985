import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { checkModelArtifact } from "../components/artifactCheck";
import { PROJECT_DIR } from "./helpers/plan";

const RECIPES = path.join(PROJECT_DIR, "examples", "export");
const python = spawnSync("python3", ["--version"]).status === 0 ? "python3" : undefined;
const hasSklearn = python !== undefined && spawnSync(python, ["-c", "import sklearn, skl2onnx"]).status === 0;

describe("export recipes (examples/export)", () => {
    it.skipIf(!python)("every script compiles", () => {
        const scripts = fs.readdirSync(RECIPES).filter((f) => f.endsWith(".py"));
        expect(scripts.sort()).toEqual(["export_pickle.py", "lightgbm_to_onnx.py", "model_folder.py", "pytorch_to_onnx.py", "sklearn_to_onnx.py", "xgboost_to_onnx.py"]);
        const cache = fs.mkdtempSync(path.join(os.tmpdir(), "pycache-"));
        for (const s of scripts) {
            const run = spawnSync(python!, ["-c", "import py_compile, sys; py_compile.compile(sys.argv[1], cfile=sys.argv[2], doraise=True)", path.join(RECIPES, s), path.join(cache, `${s}c`)], { encoding: "utf8" });
            expect(run.status, `${s}: ${run.stderr}`).toBe(0);
        }
        fs.rmSync(cache, { recursive: true, force: true });
    });

    // Runs only where Python has scikit-learn and skl2onnx (not on the build machine).
    it.skipIf(!hasSklearn)("the scikit-learn recipe writes a folder the plan-time check accepts, with and without ZipMap", () => {
        for (const extra of [[], ["--no-zipmap"], ["--regressor"]]) {
            const out = fs.mkdtempSync(path.join(os.tmpdir(), "sk-"));
            const run = spawnSync(python!, [path.join(RECIPES, "sklearn_to_onnx.py"), "--out", out, ...extra], { encoding: "utf8" });
            expect(run.status, run.stderr).toBe(0);
            const check = checkModelArtifact(PROJECT_DIR, { kind: "local", path: out }, { kind: "build", context: "serving" });
            expect(check).toMatchObject({ status: "checked", report: { task: extra[0] === "--regressor" ? "regressor" : "classifier" } });
            fs.rmSync(out, { recursive: true, force: true });
        }
    });
});
