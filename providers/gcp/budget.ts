import * as pulumi from "@pulumi/pulumi";
import { Budget } from "@pulumi/gcp/billing/budget";
import { getProjectOutput } from "@pulumi/gcp/organizations/getProject";
import type { Service } from "@pulumi/gcp/projects/service";
import { gcpRule } from "../../components/cloudRules/gcp";
import type { ResolvedServiceArgs } from "../../components/contract";
import { BUDGET_PERCENTS } from "../../components/budget";
import { fitName } from "../../components/naming";
import { emailChannels } from "./alerts";
import { createGcpBillingProvider } from "./gcpProvider";

const DISPLAY_NAME_MAX = (gcpRule("gcp.billing.budget.displayName").check as { max: number }).max;

/** The budget's display name: service and stack, shortened with a hash to the API's 60 characters. */
export function budgetDisplayName(model: string, stack: string): string {
    return fitName(`model-service ${model} (${stack})`, DISPLAY_NAME_MAX);
}

/**
 * A monthly budget on the project, alerting the configured addresses through Cloud Monitoring channels
 * (at most 5: components/validate.ts refuses more). The amount is in USD: the API refuses a currency
 * other than the billing account's, so a billing account in another currency fails `pulumi up`.
 */
export function createGcpBudget(name: string, args: ResolvedServiceArgs, apis: readonly Service[], opts: pulumi.CustomResourceOptions): Budget | undefined {
    if (!args.budget) return undefined;
    const parent = opts.parent!;
    const project = getProjectOutput({ projectId: args.gcp.project }, { parent, provider: opts.provider });
    const channels = emailChannels(name, args, "budget", args.budget.emails, opts);
    return new Budget(
        `${name}-budget`,
        {
            billingAccount: args.budget.gcpBillingAccount!.replace(/^billingAccounts\//, ""),
            displayName: budgetDisplayName(args.model.name, pulumi.getStack()),
            amount: { specifiedAmount: { currencyCode: "USD", units: String(args.budget.monthlyUsd) } },
            budgetFilter: { projects: [pulumi.interpolate`projects/${project.number}`] },
            thresholdRules: BUDGET_PERCENTS.flatMap((p) => [
                { thresholdPercent: p / 100, spendBasis: "CURRENT_SPEND" },
                { thresholdPercent: p / 100, spendBasis: "FORECASTED_SPEND" },
            ]),
            allUpdatesRule: { monitoringNotificationChannels: channels.map((c) => c.id), disableDefaultIamRecipients: false },
        },
        { parent, provider: createGcpBillingProvider(name, args, parent), dependsOn: [...apis] },
    );
}
