import type { Runtime } from "./contract";
import { RUNTIMES } from "./runtimes";

/** What a runtime can do; test/features.test.ts plans each runtime to prove every "yes". */
export const FEATURES = ["autoscaling", "scale to zero", "GPU", "private network", "auth", "canary", "rollback", "alarms", "secrets"] as const;
export type Feature = (typeof FEATURES)[number];

/** Each runtime's row, from its descriptor (providers/<cloud>/<runtime>.runtime.ts). */
export const FEATURE_TABLE: Readonly<Record<Runtime, Readonly<Record<Feature, boolean>>>> = Object.fromEntries(
    (Object.keys(RUNTIMES) as Runtime[]).map((r) => [r, RUNTIMES[r].features]),
) as Record<Runtime, Readonly<Record<Feature, boolean>>>;

/** The README's feature table, rendered from FEATURE_TABLE. */
export function featureTableMarkdown(): string {
    const runtimes = Object.keys(FEATURE_TABLE) as Runtime[];
    const header = `| runtime | ${FEATURES.join(" | ")} |`;
    const rule = `|---|${FEATURES.map(() => "---").join("|")}|`;
    const rows = runtimes.map((r) => `| \`${r}\` | ${FEATURES.map((f) => (FEATURE_TABLE[r][f] ? "yes" : "no")).join(" | ")} |`);
    return [header, rule, ...rows].join("\n");
}
