import type { Policies, PolicyResource, ResourceValidationArgs, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { findSecret } from "../policies/secretPatterns";
import { UnknownValueSkipped } from "../policies/unknown";
import type { RecordedResource } from "./recorder";

export interface Violation {
    readonly policy: string;
    readonly level: "mandatory" | "advisory";
    readonly urn: string;
    readonly message: string;
}

/** What CrossGuard hands a policy, built from the recorded plan (props: inputs, as at preview). */
function policyResources(resources: readonly RecordedResource[]): PolicyResource[] {
    const byUrn = new Map<string, PolicyResource>();
    const built = resources.map((r) => {
        const resource = {
            type: r.type,
            props: r.custom ? { ...r.outputs, ...r.inputs } : r.inputs,
            urn: r.urn,
            name: r.name,
            opts: { protect: r.options.protect, ignoreChanges: r.options.ignoreChanges, deleteBeforeReplace: r.options.deleteBeforeReplace, aliases: [], additionalSecretOutputs: [], customTimeouts: {} },
            dependencies: [] as PolicyResource[],
            propertyDependencies: {} as Record<string, PolicyResource[]>,
        } as unknown as PolicyResource;
        byUrn.set(r.urn, resource);
        return { record: r, resource };
    });
    for (const { record, resource } of built) {
        const mutable = resource as unknown as { parent?: PolicyResource; dependencies: PolicyResource[]; propertyDependencies: Record<string, PolicyResource[]> };
        mutable.parent = record.parent ? byUrn.get(record.parent) : undefined;
        mutable.dependencies = record.options.dependsOn.map((u) => byUrn.get(u)).filter((x): x is PolicyResource => x !== undefined);
        for (const [key, urns] of Object.entries(record.propertyDependencies)) {
            mutable.propertyDependencies[key] = urns.map((u) => byUrn.get(u)).filter((x): x is PolicyResource => x !== undefined);
        }
    }
    return built.map((b) => b.resource);
}

function isResourcePolicy(p: Policies[number]): p is ResourceValidationPolicy {
    return "validateResource" in p;
}

/** Runs the pack's rules the way the analyzer does, plus the checks only a full view of inputs allows. */
export async function evaluatePolicies(policies: Policies, resources: readonly RecordedResource[], stackTags: ReadonlyMap<string, string> = new Map()): Promise<Violation[]> {
    const violations: Violation[] = [];
    const skipped = (policy: string, urn: string, skip: UnknownValueSkipped) =>
        violations.push({ policy, level: "advisory", urn, message: `Skipped during the plan: ${skip.message}; the policy runs again at deploy.` });
    const targets = policyResources(resources.filter((r) => !r.type.startsWith("pulumi:pulumi:Stack")));
    for (const policy of policies) {
        const level = policy.enforcementLevel ?? "advisory";
        if (level === "disabled") continue;
        const report = (urn: string) => (message: string, at?: string) => violations.push({ policy: policy.name, level: level === "mandatory" ? "mandatory" : "advisory", urn: at ?? urn, message });
        if (isResourcePolicy(policy)) {
            const validators = [policy.validateResource ?? []].flat();
            for (const target of targets) {
                const args = {
                    ...target,
                    stackTags,
                    isType: () => false,
                    asType: () => undefined,
                    getConfig: () => ({}),
                    notApplicable: () => {
                        throw new NotApplicable();
                    },
                } as unknown as ResourceValidationArgs;
                for (const validate of validators) await guard(() => validate(args, report(target.urn)), (skip) => skipped(policy.name, target.urn, skip));
            }
        } else {
            const stackPolicy = policy as StackValidationPolicy;
            await guard(
                () => stackPolicy.validateStack!({ resources: targets, stackTags, getConfig: () => ({}) } as never, report("")),
                (skip) => skipped(policy.name, "", skip),
            );
        }
    }
    violations.push(...plaintextSecretsInState(resources));
    return violations;
}

class NotApplicable extends Error {}

/** Runs a rule; a value unknown until deploy becomes an advisory "skipped" notice, as CrossGuard reports it. */
async function guard(run: () => void | Promise<void>, onSkip: (skip: UnknownValueSkipped) => void): Promise<void> {
    try {
        await run();
    } catch (err) {
        if (err instanceof UnknownValueSkipped) onSkip(err);
        else if (!(err instanceof NotApplicable)) throw err;
    }
}

/**
 * Engine-only check: a credential-looking input that is not marked secret would sit in plaintext in
 * the state file. A real policy cannot tell which inputs are secret; the recorded wire form can.
 */
export function plaintextSecretsInState(resources: readonly RecordedResource[]): Violation[] {
    const found: Violation[] = [];
    const walk = (value: unknown, at: string, secretPaths: readonly string[], urn: string) => {
        if (secretPaths.includes(at)) return;
        if (typeof value === "string") {
            const key = at.split(/[.[\]]/).filter(Boolean).pop() ?? at;
            const finding = findSecret(key, value);
            if (finding) found.push({ policy: "no-plaintext-secret-in-state", level: "mandatory", urn, message: `Mark the input '${at}' secret (pulumi.secret or \`pulumi config set --secret\`): it holds a ${finding.kind} that would be stored in plaintext in the state file.` });
        } else if (Array.isArray(value)) {
            value.forEach((v, i) => walk(v, `${at}[${i}]`, secretPaths, urn));
        } else if (value && typeof value === "object") {
            for (const [k, v] of Object.entries(value)) walk(v, at ? `${at}.${k}` : k, secretPaths, urn);
        }
    };
    for (const r of resources) walk(r.inputs, "", r.secretInputs, r.urn);
    return found;
}
