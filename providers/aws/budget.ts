import * as pulumi from "@pulumi/pulumi";
import { Budget } from "@pulumi/aws/budgets/budget";
import { BUDGET_PERCENTS } from "../../components/budget";
import type { ResolvedServiceArgs } from "../../components/contract";

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
            notifications: BUDGET_PERCENTS.flatMap((threshold) =>
                (["FORECASTED", "ACTUAL"] as const).map((notificationType) => ({
                    comparisonOperator: "GREATER_THAN",
                    threshold,
                    thresholdType: "PERCENTAGE",
                    notificationType,
                    subscriberEmailAddresses: [...args.budget!.emails],
                })),
            ),
        },
        opts,
    );
}
