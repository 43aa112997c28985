import { describe, expect, it } from "vitest";
import * as pulumi from "@pulumi/pulumi";
import { AZURE_TYPES, azureAutoname, azureRule } from "../components/cloudRules/azure";
import type { ResolvedServiceArgs } from "../components/contract";
import { autonamedLogicalName } from "../components/physicalName";
import { validateServiceArgs } from "../components/validate";
import { globalCompactName } from "../providers/azure/foundation";

const LONGEST = "a".repeat(20) + "-" + "b".repeat(19);
const value = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply((v) => resolve(v)));
const argsOf = (model: string) => ({ model: { name: model } }) as unknown as ResolvedServiceArgs;

function fits(type: string, ruleId: string, name: string): void {
    const pattern = azureRule(`${ruleId}.pattern`).check;
    const length = azureRule(`${ruleId}.length`).check;
    if (pattern.kind !== "pattern" || length.kind !== "length") throw new Error("rule kinds");
    expect(name, `${type}: ${name}`).toMatch(pattern.pattern);
    expect(name.length, `${type}: ${name}`).toBeLessThanOrEqual(length.max);
    expect(name.length, `${type}: ${name}`).toBeGreaterThanOrEqual(length.min ?? 1);
}

describe("Azure physical names fit the APIs for every model name the validator accepts (issue 14 items 7, 8)", () => {
    const autonamed: [string, string, string, string][] = [
        [AZURE_TYPES.vault, "azure.keyvault.vault.name", "-azure", "kv"],
        [AZURE_TYPES.mlWorkspace, "azure.machinelearningservices.workspace.name", "-azureml", "workspace"],
        [AZURE_TYPES.onlineEndpoint, "azure.machinelearningservices.onlineEndpoint.name", "-azureml", "endpoint"],
        [AZURE_TYPES.dataCollectionEndpoint, "azure.insights.dataCollectionEndpoint.name", "-aks", "prometheus-dce"],
        [AZURE_TYPES.dataCollectionRule, "azure.insights.dataCollectionRule.name", "-aks", "prometheus-dcr"],
        [AZURE_TYPES.logAnalytics, "azure.operationalinsights.workspace.name", "-azure", "logs"],
        [AZURE_TYPES.resourceGroup, "azure.resources.resourceGroup.name", "-azure", "rg"],
    ];
    for (const model of ["ab", "iris", "iris-classifier", LONGEST]) {
        for (const [type, ruleId, suffix, role] of autonamed) {
            it(`${type} for ${model}: <logical> + azure-native's 8 random characters`, () => {
                const rule = azureAutoname(type);
                const physical = `${autonamedLogicalName(type, `${model}${suffix}`, role)}${"f".repeat(rule.randomLength)}`;
                fits(type, ruleId, physical);
            });
        }
    }

    it("names the storage account and registry from the subscription too: two subscriptions, two names, each fitting", async () => {
        for (const model of ["ab", LONGEST]) {
            const [a, b] = await Promise.all(["sub-a", "sub-b"].map((sub) => value(globalCompactName(sub, `${model}-azure`, argsOf(model), "st", 24))));
            expect(a).not.toBe(b);
            fits(AZURE_TYPES.storageAccount, "azure.storage.account.name", a!);
            const registry = await value(globalCompactName("sub-a", `${model}-azure`, argsOf(model), "cr", 50));
            fits(AZURE_TYPES.registry, "azure.containerregistry.registry.name", registry);
        }
    });

    it("refuses a model name the Key Vault name cannot start with, naming modelName and the fix", () => {
        const { problems } = validateServiceArgs({
            cloud: "azure",
            region: "eastus",
            model: { name: "iris--v2", version: "1", artifact: { kind: "uri", uri: "https://acct.blob.core.windows.net/models/iris/1/" } },
            image: { kind: "uri", uri: "mcr.microsoft.com/x:1" },
        });
        expect(problems.find((p) => p.field === "model.name")).toMatchObject({ value: "iris--v2", fix: expect.stringContaining("without consecutive hyphens") });
        const ok = validateServiceArgs({
            cloud: "aws",
            region: "us-east-1",
            model: { name: "iris--v2", version: "1", artifact: { kind: "uri", uri: "s3://bucket/iris/model.tar.gz" } },
            image: { kind: "uri", uri: "123456789012.dkr.ecr.us-east-1.amazonaws.com/x:1" },
        });
        expect(ok.problems.filter((p) => p.field === "model.name")).toEqual([]);
    });
});
