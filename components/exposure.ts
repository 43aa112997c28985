import { parseCidr } from "./cidr";
import type { RuntimeDescriptor } from "./runtimeDescriptor";

/**
 * Problems with public/allowedCidrs that the runtime cannot honour safely (its descriptor's exposure rule).
 * A runtime whose endpoint does not authenticate callers (feature auth "no") must not be public without client networks.
 */
export function exposureProblems(runtime: RuntimeDescriptor, isPublic: boolean, allowedCidrs: readonly string[]): { field: string; value: unknown; message: string; fix: string }[] {
    const rule = runtime.exposure;
    const problems: { field: string; value: unknown; message: string; fix: string }[] = [];
    if (isPublic && allowedCidrs.length === 0 && !runtime.features.auth) {
        problems.push({
            field: "network.allowedCidrs",
            value: [],
            message: `is empty while public is true: ${runtime.name} puts ${rule.front} in front, so every address on the internet could call the model`,
            fix: "list the client networks that may call the endpoint (pulumi config set --path 'allowedCidrs[0]' 203.0.113.0/24), or leave public off",
        });
    }
    if (allowedCidrs.length > 0 && rule.allowedCidrs === "never") {
        problems.push({
            field: "network.allowedCidrs",
            value: allowedCidrs.join(", "),
            message: `cannot be honoured by ${runtime.name}: ${rule.refusal?.why ?? `${rule.front} has no IP allow-list, access is by identity`}`,
            fix: rule.refusal?.fix ?? "remove allowedCidrs and grant callers access by identity",
        });
    }
    const cidrRule = rule.cidrRule;
    // Blocks that do not parse are reported once, by components/cidr.ts.
    const refused = cidrRule ? allowedCidrs.filter((cidr) => parseCidr(cidr).cidr && !cidrRule.pattern.test(cidr)) : [];
    if (refused.length > 0) {
        problems.push({ field: "network.allowedCidrs", value: refused.join(", "), message: `cannot be honoured by ${runtime.name}: ${cidrRule!.takes}`, fix: "list IPv4 client networks" });
    }
    return problems;
}
