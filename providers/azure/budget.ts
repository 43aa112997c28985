import * as pulumi from "@pulumi/pulumi";
import { Budget } from "@pulumi/azure-native/consumption/budget";
import type { ResolvedServiceArgs } from "../../components/contract";
import { BUDGET_PERCENTS } from "../../components/budget";
import { azureRule } from "../../components/cloudRules/azure";

/** A monthly consumption budget on the service's resource group. */
export function createAzureBudget(name: string, args: ResolvedServiceArgs, resourceGroupId: pulumi.Input<string>, opts: pulumi.CustomResourceOptions): Budget | undefined {
    if (!args.budget) return undefined;
    const emails = [...args.budget.emails];
    const firstOfMonth = `${new Date().toISOString().slice(0, 7)}-01T00:00:00Z`;
    return new Budget(
        `${name}-budget`,
        {
            scope: resourceGroupId,
            amount: args.budget.monthlyUsd,
            category: "Cost",
            timeGrain: "Monthly",
            timePeriod: { startDate: firstOfMonth },
            notifications: azureBudgetNotifications(emails),
        },
        // The start date only matters on creation; a later plan must not move it.
        { ...opts, ignoreChanges: ["timePeriod"] },
    );
}

/**
 * Actual spend alerts at every percent, then forecast alerts from the highest percent down while the
 * budget's notification limit (five) allows: 50/80/100 actual and 80/100 forecast.
 */
export function azureBudgetNotifications(emails: string[]): Record<string, { enabled: boolean; operator: string; threshold: number; contactEmails: string[]; thresholdType: string }> {
    const check = azureRule("azure.consumption.budget.notifications.count").check;
    const max = check.kind === "count" ? check.max : BUDGET_PERCENTS.length;
    const notify = (threshold: number, thresholdType: "Actual" | "Forecasted") => ({ enabled: true, operator: "GreaterThan", threshold, contactEmails: emails, thresholdType });
    const actual = BUDGET_PERCENTS.map((p) => [`actual${p}`, notify(p, "Actual")] as const);
    const forecast = [...BUDGET_PERCENTS].reverse().slice(0, Math.max(0, max - actual.length)).map((p) => [`forecast${p}`, notify(p, "Forecasted")] as const);
    return Object.fromEntries([...actual, ...forecast]);
}
