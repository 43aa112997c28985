import * as pulumi from "@pulumi/pulumi";
import { AUTONAMES } from "./cloudRules";
import { fitName, resourceName, shortHash } from "./naming";

/**
 * A logical name for a child of resource `type` whose provider-autonamed physical name fits the API:
 * `<base>-<role>` when that, the provider's separator and its random part fit the type's maximum
 * length (components/cloudRules), else the base shortened with a hash of itself, the role kept. Pure:
 * the same inputs give the same name (and so the same URN) on every run, and short names are unchanged.
 */
export function autonamedLogicalName(type: string, base: string, role: string): string {
    const full = role ? `${base}-${role}` : base;
    const rule = AUTONAMES.get(type);
    if (!rule) return full;
    const budget = rule.maxLength - rule.separator.length - rule.randomLength;
    if (full.length <= budget) return full;
    if (!role || budget - role.length - 1 < 8) return fitName(full, budget);
    return `${fitName(base, budget - role.length - 1)}-${role}`;
}

/** The Pulumi organization; DIY backends call every user's "organization", as Pulumi does when none is set. */
function organization(): string {
    try {
        return pulumi.getOrganization();
    } catch {
        return "organization";
    }
}

/**
 * A physical name the program must know before the resource exists (it is referenced by name, or the
 * API has no autonaming): readable parts, then a hash of the organization, project and stack, so two
 * stacks of the same name in one account (two people's `dev`, two projects) never claim one name.
 * For names shared by every customer of a cloud, add a `scope` only this customer has (an account or
 * subscription id).
 */
export function stackUniqueName(parts: readonly string[], max: number, scope = ""): string {
    const owner = `${organization()}/${pulumi.getProject()}/${pulumi.getStack()}/${scope}`;
    return `${resourceName(parts, max - 7)}-${shortHash(owner)}`;
}

/** What names unique per stack start from: the ModelService's name (the model name for the stack program). */
export function serviceKey(args: { readonly service?: string; readonly model: { readonly name: string } }): string {
    return args.service ?? args.model.name;
}
