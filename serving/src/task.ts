/**
 * What a model is for, read off its signature: a classifier (a label and/or probabilities output), a
 * regressor (one float output and no label), or another model with several outputs, each returned per
 * row. Shared by the server (what to answer) and the plan-time artifact check (what to report, and
 * which models to refuse before anything is deployed). No ONNX Runtime here: the server passes the
 * session's metadata, the plan-time check what a child process's session reported.
 */

export type Task = "classifier" | "regressor" | "other";

/** One graph input or output as onnxruntime-node describes it (`isTensor`, `type`, `shape`). */
export interface ValueSignature {
    readonly name: string;
    readonly isTensor: boolean;
    /** onnxruntime-node's type name: float32, int64, string, ... */
    readonly type?: string;
    readonly shape?: readonly (number | string)[];
}

export interface ModelSignature {
    readonly inputs: readonly ValueSignature[];
    readonly outputs: readonly ValueSignature[];
    /** Outputs that were ZipMaps (sequences of maps), now the float [N, classes] tensors they zipped. */
    readonly unzipped?: ReadonlySet<string>;
}

export interface ServingPlan {
    readonly task: Task;
    readonly inputName: string;
    readonly featureCount: number;
    /** classifier: the output holding a label per row (an index, a class label value or a name). */
    readonly label?: string;
    /** classifier: the output holding [N, classes] probabilities. */
    readonly probabilities?: string;
    /** regressor: the one output; other: every output, in the model's order. */
    readonly values: readonly string[];
    /** regressor: values per row when the model says (shape [N, k]); 1 for shape [N]. */
    readonly targets?: number;
}

/** What the export recipes say, for the fixes in the messages below. */
export const EXPORT_HINT = "see examples/export/README.md (scikit-learn: skl2onnx, XGBoost/LightGBM: onnxmltools, PyTorch: torch.onnx.export)";

const FLOATS = new Set(["float32", "float64", "float16"]);
const LABEL_TYPES = new Set(["int64", "int32", "string"]);
const LABEL_NAMES = new Set(["label", "labels", "output_label", "predicted_label", "class", "classes"]);
const PROBABILITY_NAMES = new Set(["probabilities", "probability", "output_probability", "probs", "output_probabilities"]);

const describeValue = (v: ValueSignature): string => (v.isTensor ? `${v.type} ${JSON.stringify(v.shape ?? [])}` : "a non-tensor value (a sequence or map)");
const isBatchDim = (d: number | string | undefined): boolean => typeof d === "string" || d === -1;
const perRow = (v: ValueSignature): boolean => v.isTensor && (v.shape?.length ?? 0) >= 1;

/** The serving plan for a signature, or the problems that stop the reference server from serving it. */
export function planServing(signature: ModelSignature): { plan?: ServingPlan; problems: string[] } {
    const problems: string[] = [];
    const inputs = signature.inputs;
    const input = inputs[0];
    if (inputs.length !== 1 || !input) {
        problems.push(
            `takes ${inputs.length} inputs (${inputs.map((i) => i.name).join(", ") || "none"}); the server feeds one float32 tensor [N, features]: export with a single input, e.g. skl2onnx initial_types=[("features", FloatTensorType([None, F]))]`,
        );
    } else if (!input.isTensor || input.type !== "float32" || input.shape?.length !== 2 || typeof input.shape[1] !== "number") {
        problems.push(`input "${input.name}" is ${describeValue(input)}; the server feeds float32 [N, features]: export with FloatTensorType([None, F]) (skl2onnx, onnxmltools) or a float32 [batch, F] example input (PyTorch)`);
    } else if (!isBatchDim(input.shape[0])) {
        problems.push(`input "${input.name}" has a fixed batch size of ${String(input.shape[0])}; the server batches rows: export with a dynamic first axis (PyTorch: dynamic_axes={"${input.name}": {0: "batch"}}; skl2onnx: None as the first dimension)`);
    }
    const outputs = signature.outputs;
    if (outputs.length === 0) problems.push("has no outputs");
    for (const o of outputs) {
        if (!o.isTensor) problems.push(`output "${o.name}" is ${describeValue(o)}, which the server cannot return: export tensors only (${EXPORT_HINT})`);
        else if ((o.shape?.length ?? 0) === 0) problems.push(`output "${o.name}" is a scalar (shape []), not one value per row: export outputs whose first axis is the batch`);
        else if (o.type !== undefined && !FLOATS.has(o.type) && !LABEL_TYPES.has(o.type) && o.type !== "bool" && !/^u?int(8|16|32|64)$/.test(o.type)) problems.push(`output "${o.name}" is of type ${o.type}, which the server cannot return as JSON`);
    }
    if (problems.length > 0 || !input) return { problems };
    const featureCount = input.shape![1] as number;

    const tensors = outputs.filter((o) => o.isTensor);
    const unzipped = signature.unzipped ?? new Set<string>();
    const rank = (o: ValueSignature): number => o.shape?.length ?? 0;
    const labelLike = (o: ValueSignature): boolean => LABEL_TYPES.has(o.type ?? "") && (rank(o) === 1 || (rank(o) === 2 && o.shape![1] === 1));
    const probLike = (o: ValueSignature): boolean => FLOATS.has(o.type ?? "") && rank(o) === 2;
    const label = tensors.find((o) => LABEL_NAMES.has(o.name.toLowerCase()) && labelLike(o)) ?? tensors.find(labelLike);
    const probabilities =
        tensors.find((o) => unzipped.has(o.name)) ?? tensors.find((o) => PROBABILITY_NAMES.has(o.name.toLowerCase()) && probLike(o)) ?? (label ? tensors.find((o) => o !== label && probLike(o)) : undefined);
    const base = { inputName: input.name, featureCount, values: outputs.map((o) => o.name) };
    if (label || probabilities) return { plan: { ...base, task: "classifier", label: label?.name, probabilities: probabilities?.name }, problems };
    const only = outputs[0]!;
    if (outputs.length === 1 && FLOATS.has(only.type ?? "") && (rank(only) === 1 || rank(only) === 2)) {
        const targets = rank(only) === 1 ? 1 : typeof only.shape![1] === "number" ? only.shape![1] : undefined;
        return { plan: { ...base, task: "regressor", targets }, problems };
    }
    if (outputs.every(perRow)) return { plan: { ...base, task: "other" }, problems };
    return { problems: [`has outputs the server cannot return per row: ${outputs.map((o) => `${o.name} (${describeValue(o)})`).join(", ")}`] };
}

/** One line for people: "classifier: input features float32 [N, 4]; outputs label int64 [N], probabilities float32 [N, 3]". */
export function describeSignature(plan: ServingPlan, signature: ModelSignature): string {
    const dims = (s: readonly (number | string)[] | undefined): string => `[${(s ?? []).map((d) => (typeof d === "number" && d >= 0 ? String(d) : "N")).join(", ")}]`;
    const outs = signature.outputs.map((o) => `${o.name} ${o.type ?? "?"} ${dims(o.shape)}${signature.unzipped?.has(o.name) ? " (was a ZipMap)" : ""}`).join(", ");
    return `${plan.task}: input ${plan.inputName} float32 [N, ${plan.featureCount}]; outputs ${outs}`;
}
