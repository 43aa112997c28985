import * as pulumi from "@pulumi/pulumi";
import { Budget } from "@pulumi/azure-native/consumption/budget";
import type { ResolvedServiceArgs } from "../../components/contract";
import { BUDGET_PERCENTS } from "../../components/budget";

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
            notifications: Object.fromEntries(
                BUDGET_PERCENTS.flatMap((p) => [
                    [`actual${p}`, { enabled: true, operator: "GreaterThan", threshold: p, contactEmails: emails, thresholdType: "Actual" }],
                    [`forecast${p}`, { enabled: true, operator: "GreaterThan", threshold: p, contactEmails: emails, thresholdType: "Forecasted" }],
                ]),
            ),
        },
        // The start date only matters on creation; a later plan must not move it.
        { ...opts, ignoreChanges: ["timePeriod"] },
    );
}
