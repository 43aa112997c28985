import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import type { ModelServiceArgs } from "../components/contract";
import { PROJECT_DIR } from "./helpers/plan";

const registered: { type: string; name: string; provider?: string }[] = [];

describe("azure children honour the caller's azure-native provider (issue 21, library)", () => {
    let ModelService: typeof import("../components/modelService").ModelService;

    beforeAll(async () => {
        // As test/helpers/unitMocks.ts, but names without hyphens: the storage account's name becomes its blob URL.
        await pulumi.runtime.setMocks(
            {
                newResource: (args) => {
                    registered.push({ type: args.type, name: args.name, provider: args.provider });
                    return { id: `${args.name}-id`, state: { ...args.inputs, name: args.inputs.name ?? args.inputs.accountName ?? args.name.replace(/[^a-z0-9]/g, "").slice(0, 24) } };
                },
                call: (args) => args.inputs,
            },
            "model-service",
            "unit",
            true,
        );
        ({ ModelService } = await import("../components/modelService"));
    });

    it("registers every azure-native child through the caller's provider, and no provider of the service's own", async () => {
        const caller = new (await import("@pulumi/azure-native/provider")).Provider("caller-azure", { location: "westeurope" });
        const callerUrn = await new Promise<string>((resolve) => caller.urn.apply(resolve));
        const args: ModelServiceArgs = {
            cloud: "azure",
            region: "westeurope",
            model: { name: "churn", version: "3", artifact: { kind: "local", path: "examples/iris-onnx" } },
            image: { kind: "uri", uri: "myregistry.azurecr.io/server:3" },
            azure: { deployerPrincipalType: "ServicePrincipal" },
            projectDir: PROJECT_DIR,
        };
        const service = new ModelService("given-az", args, { providers: [caller] });
        await service.raw;
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(registered.filter((r) => r.type.startsWith("pulumi:providers:azure-native") && r.name.startsWith("given-az"))).toEqual([]);
        const children = registered.filter((r) => r.name.startsWith("given-az-") && r.type.startsWith("azure-native:"));
        expect(children.map((c) => c.type)).toEqual(expect.arrayContaining(["azure-native:resources:ResourceGroup", "azure-native:storage:StorageAccount", "azure-native:machinelearningservices:OnlineEndpoint"]));
        for (const child of children) expect(child.provider, `${child.type} ${child.name}`).toMatch(new RegExp(`^${callerUrn.replace(/[$]/g, "\\$")}::`));
    });
});
