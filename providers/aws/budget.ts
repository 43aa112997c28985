import * as pulumi from "@pulumi/pulumi";
import { Budget } from "@pulumi/aws/budgets/budget";
import { BUDGET_PERCENTS } from "../../components/budget";
import type { ResolvedServiceArgs } from "../../components/contract";
import { awsCountLimit } from "../../components/cloudRules/aws";

/**
 * A monthly cost budget over the resources tagged with this service (the `model-service` tag must be
 * activated as a cost allocation tag in the billing console for the filter to match).
 */
export function createAwsBudget(name: string, args: ResolvedServiceArgs, opts: pulumi.CustomResourceOptions): Budget | undefined {
    if (!args.budget) return undefined;
    return new Budget(
        `${name}-budget`,
        {
            budgetType: "COST",
            limitAmount: String(args.budget.monthlyUsd),
            limitUnit: "USD",
            timeUnit: "MONTHLY",
            costFilters: [{ name: "TagKeyValue", values: [`user:model-service$${args.model.name}`] }],
            notifications: awsBudgetNotifications(args.budget.emails),
        },
        opts,
    );
}

/**
 * Actual spend alerts at every percent, then forecast alerts from the highest percent down while the
 * budget's notification limit (five) allows: 50/80/100 actual and 80/100 forecast.
 */
export function awsBudgetNotifications(emails: readonly string[]) {
    const max = awsCountLimit("aws.budgets.budget.notifications");
    const notify = (threshold: number, notificationType: "ACTUAL" | "FORECASTED") => ({
        comparisonOperator: "GREATER_THAN",
        threshold,
        thresholdType: "PERCENTAGE",
        notificationType,
        subscriberEmailAddresses: [...emails],
    });
    const actual = BUDGET_PERCENTS.map((p) => notify(p, "ACTUAL"));
    const forecast = [...BUDGET_PERCENTS].reverse().slice(0, Math.max(0, max - actual.length)).map((p) => notify(p, "FORECASTED"));
    return [...actual, ...forecast];
}
