import type { Runtime } from "./contract";

/** What each runtime does, as the code builds it; test/features.test.ts plans each runtime to prove every "yes". */
export const FEATURES = ["autoscaling", "scale to zero", "GPU", "private network", "auth", "canary", "rollback", "alarms", "secrets"] as const;
export type Feature = (typeof FEATURES)[number];

export const FEATURE_TABLE: Readonly<Record<Runtime, Readonly<Record<Feature, boolean>>>> = {
    sagemaker: { autoscaling: true, "scale to zero": false, GPU: true, "private network": true, auth: true, canary: true, rollback: true, alarms: true, secrets: true },
    ecs: { autoscaling: true, "scale to zero": true, GPU: false, "private network": true, auth: false, canary: true, rollback: true, alarms: true, secrets: true },
    vertex: { autoscaling: true, "scale to zero": false, GPU: true, "private network": true, auth: true, canary: true, rollback: true, alarms: true, secrets: true },
    gke: { autoscaling: true, "scale to zero": false, GPU: false, "private network": true, auth: false, canary: true, rollback: true, alarms: true, secrets: true },
    azureml: { autoscaling: true, "scale to zero": false, GPU: true, "private network": true, auth: true, canary: true, rollback: true, alarms: true, secrets: true },
    aks: { autoscaling: true, "scale to zero": false, GPU: false, "private network": true, auth: false, canary: true, rollback: true, alarms: true, secrets: true },
};

/** The README's feature table, rendered from FEATURE_TABLE. */
export function featureTableMarkdown(): string {
    const runtimes = Object.keys(FEATURE_TABLE) as Runtime[];
    const header = `| runtime | ${FEATURES.join(" | ")} |`;
    const rule = `|---|${FEATURES.map(() => "---").join("|")}|`;
    const rows = runtimes.map((r) => `| \`${r}\` | ${FEATURES.map((f) => (FEATURE_TABLE[r][f] ? "yes" : "no")).join(" | ")} |`);
    return [header, rule, ...rows].join("\n");
}
