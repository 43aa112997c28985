import * as pulumi from "@pulumi/pulumi";
import { Budget } from "@pulumi/gcp/billing/budget";
import { getProjectOutput } from "@pulumi/gcp/organizations/getProject";
import type { ResolvedServiceArgs } from "../../components/contract";
import { BUDGET_PERCENTS } from "../../components/budget";
import { emailChannels } from "./alerts";

/** A monthly budget on the project, alerting the configured addresses through Cloud Monitoring channels. */
export function createGcpBudget(name: string, args: ResolvedServiceArgs, opts: pulumi.CustomResourceOptions): Budget | undefined {
    if (!args.budget) return undefined;
    const project = getProjectOutput({ projectId: args.gcp.project }, { parent: opts.parent, provider: opts.provider });
    const channels = emailChannels(name, args, "budget", args.budget.emails, opts);
    return new Budget(
        `${name}-budget`,
        {
            billingAccount: args.budget.gcpBillingAccount!.replace(/^billingAccounts\//, ""),
            displayName: `model-service ${args.model.name} (${pulumi.getStack()})`,
            amount: { specifiedAmount: { currencyCode: "USD", units: String(args.budget.monthlyUsd) } },
            budgetFilter: { projects: [pulumi.interpolate`projects/${project.number}`] },
            thresholdRules: BUDGET_PERCENTS.flatMap((p) => [
                { thresholdPercent: p / 100, spendBasis: "CURRENT_SPEND" },
                { thresholdPercent: p / 100, spendBasis: "FORECASTED_SPEND" },
            ]),
            allUpdatesRule: { monitoringNotificationChannels: channels.map((c) => c.id), disableDefaultIamRecipients: false },
        },
        opts,
    );
}
