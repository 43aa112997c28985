import { describe, expect, it } from "vitest";
import { one, ofType, planJson } from "./helpers/plan";

const BUDGET = ["--config", "monthlyBudgetUsd=200", "--config", 'budgetEmails=["ml-team@example.com"]'];

describe("cost guard: a monthly budget on the stack's cloud", () => {
    it("plans no budget unless one is configured", () => {
        expect(ofType(planJson(["--stack", "dev"]).doc, "aws:budgets/budget:Budget")).toEqual([]);
    });

    it("aws: a cost budget filtered by the service's tag, alerting at 50, 80 and 100 percent, actual and forecast", () => {
        const { doc } = planJson(["--stack", "dev", ...BUDGET]);
        const budget = one(doc, "aws:budgets/budget:Budget").inputs as any;
        expect(budget).toMatchObject({ budgetType: "COST", limitAmount: "200", limitUnit: "USD", timeUnit: "MONTHLY", costFilters: [{ name: "TagKeyValue", values: ["user:model-service$iris"] }] });
        // A budget takes at most five notifications (issue 15 item 8): every actual, the two highest forecasts.
        expect(budget.notifications.map((n: any) => [n.threshold, n.notificationType]).sort()).toEqual([
            [100, "ACTUAL"], [100, "FORECASTED"], [50, "ACTUAL"], [80, "ACTUAL"], [80, "FORECASTED"],
        ]);
        for (const n of budget.notifications) expect(n.subscriberEmailAddresses).toEqual(["ml-team@example.com"]);
        expect(doc.contract).toEqual([]);
    });

    it("aws: refuses more budgetEmails than a notification's 10 email subscribers, before planning (issue 15 item 8)", () => {
        const emails = JSON.stringify(Array.from({ length: 11 }, (_, i) => `m${i}@example.com`));
        const { code, doc } = planJson(["--stack", "dev", "--config", "monthlyBudgetUsd=200", "--config", `budgetEmails=${emails}`]);
        expect(code).toBe(2);
        expect(doc.errors.join("\n")).toMatch(/model-service:budgetEmails.*11 addresses.*more than the 10 email subscribers.*at most 10/);
        expect(doc.resources).toEqual([]);
    });

    it("gcp: a billing budget on the project with an email channel, and a clear error without a billing account", () => {
        const { doc } = planJson(["--stack", "dev", "--config", "cloud=gcp", ...BUDGET, "--config", "gcpBillingAccount=01A2B3-C4D5E6-F7A8B9"]);
        const channel = one(doc, "gcp:monitoring/notificationChannel:NotificationChannel");
        expect(channel.inputs).toMatchObject({ type: "email", labels: { email_address: "ml-team@example.com" } });
        const budget = one(doc, "gcp:billing/budget:Budget").inputs as any;
        expect(budget).toMatchObject({ billingAccount: "01A2B3-C4D5E6-F7A8B9", amount: { specifiedAmount: { currencyCode: "USD", units: "200" } }, budgetFilter: { projects: ["projects/123456789012"] } });
        expect(budget.allUpdatesRule.monitoringNotificationChannels).toEqual([channel.id]);
        expect(budget.thresholdRules).toHaveLength(6);
        const missing = planJson(["--stack", "dev", "--config", "cloud=gcp", ...BUDGET]);
        expect(missing.code).toBe(2);
        expect(missing.doc.errors.join("\n")).toContain("model-service:gcpBillingAccount");
    });

    it("azure: a consumption budget on the resource group", () => {
        const { doc } = planJson(["--stack", "dev", "--config", "cloud=azure", ...BUDGET]);
        const budget = one(doc, "azure-native:consumption:Budget");
        expect(budget.inputs).toMatchObject({ scope: one(doc, "azure-native:resources:ResourceGroup").id, amount: 200, category: "Cost", timeGrain: "Monthly" });
        // A consumption budget takes at most five notifications (issue 14 item 2): every actual, the two highest forecasts.
        expect(Object.keys(budget.inputs.notifications as object).sort()).toEqual(["actual100", "actual50", "actual80", "forecast100", "forecast80"]);
        expect((budget.inputs.notifications as Record<string, any>).forecast80).toMatchObject({ threshold: 80, thresholdType: "Forecasted", operator: "GreaterThan", contactEmails: ["ml-team@example.com"] });
        expect(budget.options.ignoreChanges).toEqual(["timePeriod"]);
    });

    it("refuses a budget nobody hears of", () => {
        const { code, doc } = planJson(["--stack", "dev", "--config", "monthlyBudgetUsd=200"]);
        expect(code).toBe(2);
        expect(doc.errors.join("\n")).toContain("model-service:budgetEmails");
    });
});
