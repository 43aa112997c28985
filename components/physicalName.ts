import * as crypto from "node:crypto";
import { AUTONAMES } from "./cloudRules";

/**
 * A logical name for a child of resource `type` whose provider-autonamed physical name fits the API:
 * `<base>-<role>` when that plus the provider's separator and random part fits the type's maximum
 * length, else the base shortened, with a hash of the whole so two long names never meet. Pure: the
 * same inputs give the same name (and so the same URN) on every run.
 */
export function autonamedLogicalName(type: string, base: string, role: string): string {
    const full = role ? `${base}-${role}` : base;
    const rule = AUTONAMES.get(type);
    if (!rule) return full;
    const budget = rule.maxLength - rule.separator.length - rule.randomLength;
    return fitName(full, budget);
}

/** `name` itself when it has at most `max` characters, else a prefix of it plus `-` and 6 hex of the whole. */
export function fitName(name: string, max: number): string {
    if (name.length <= max) return name;
    const hash = crypto.createHash("sha256").update(name).digest("hex").slice(0, 6);
    return `${name.slice(0, Math.max(1, max - 7)).replace(/-+$/, "")}-${hash}`;
}
