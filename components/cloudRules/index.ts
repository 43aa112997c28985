import { AWS_RULES } from "./aws";
import { AZURE_RULES } from "./azure";
import { GCP_RULES } from "./gcp";
import { KUBERNETES_RULES } from "./kubernetes";
import type { AutonameRule, CloudRules, ContractRule } from "./types";

export type { AutonameRule, Check, CloudRules, ContractRule, UniquenessScope } from "./types";

export const CLOUD_RULES: Readonly<Record<"aws" | "gcp" | "azure" | "kubernetes", CloudRules>> = {
    aws: AWS_RULES,
    gcp: GCP_RULES,
    azure: AZURE_RULES,
    kubernetes: KUBERNETES_RULES,
};

/** Autonaming rules by type token. */
export const AUTONAMES: ReadonlyMap<string, AutonameRule> = new Map(Object.values(CLOUD_RULES).flatMap((c) => c.autonames.map((a) => [a.type, a] as const)));

/** API rules by type token. */
export const CONTRACT_RULES: ReadonlyMap<string, readonly ContractRule[]> = (() => {
    const byType = new Map<string, ContractRule[]>();
    for (const rule of Object.values(CLOUD_RULES).flatMap((c) => c.rules)) byType.set(rule.type, [...(byType.get(rule.type) ?? []), rule]);
    return byType;
})();
