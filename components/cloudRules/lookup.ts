import type { AutonameRule, CloudRules, ContractRule } from "./types";

// Reading one row of a cloud's tables: the program and the validator take their bounds from the rows.

/** The rule with this id in `tables`; `cloud` names the table in the error (a missing id is a bug). */
export function ruleById(tables: CloudRules, cloud: string, id: string): ContractRule {
    const rule = tables.rules.find((r) => r.id === id);
    if (!rule) throw new Error(`no ${cloud} rule ${id}`);
    return rule;
}

/** The autoname rule of a type in `tables`; `cloud` names the table in the error. */
export function autonameOf(tables: CloudRules, cloud: string, type: string): AutonameRule {
    const rule = tables.autonames.find((r) => r.type === type);
    if (!rule) throw new Error(`no ${cloud} autoname rule for ${type}`);
    return rule;
}
