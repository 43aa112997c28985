import * as pulumi from "@pulumi/pulumi";
import type { ArtifactCheck } from "./artifactCheck";
import type { InvokeInfo } from "./contract";

/** The `model` stack output: what the plan-time check found, or why it did not look. */
export type ModelOutput =
    | { readonly checked: true; readonly task: string; readonly signature: string; readonly features: readonly string[]; readonly request: unknown }
    | { readonly checked: false; readonly reason: string };

export function modelOutput(check: ArtifactCheck): ModelOutput {
    if (check.status === "checked") return { checked: true, task: check.report.task, signature: check.report.summary, features: check.report.featureNames, request: check.report.request };
    return { checked: false, reason: check.status === "skipped" ? check.reason : "the model was refused" };
}

/**
 * `invoke` with the request body that fits the model, and an example that writes it to request.json
 * first (every runtime's example reads its body from there). Unchanged when the model was not checked.
 */
export function withRequestExample(invoke: pulumi.Output<InvokeInfo>, check: ArtifactCheck): pulumi.Output<InvokeInfo & { readonly request?: unknown }> {
    if (check.status !== "checked") return invoke;
    const body = JSON.stringify(check.report.request);
    return invoke.apply((i) => ({ ...i, request: check.report.request, example: `printf '%s\\n' '${body}' > request.json && ${i.example}` }));
}
