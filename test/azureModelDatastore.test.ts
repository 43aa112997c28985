import { describe, expect, it } from "vitest";
import { blobLocation, datastoreNameFor } from "../providers/azure/modelDatastore";
import { byName, one, planJson } from "./helpers/plan";

// Issue 14 item 17: Azure ML model versions take datastore paths (azureml://), not blob URLs, so the
// model's container is registered as an identity-based datastore and the model version points into it;
// and Application Insights with local auth disabled ingests only Entra-authenticated telemetry, which
// Azure ML does not document for a deployment, so the endpoint's logs go to Log Analytics instead.

const IMAGE = "myregistry.azurecr.io/server:1";

describe("the model's datastore (issue 14 item 17)", { timeout: 180_000 }, () => {
    it("registers the uploaded model's container and points the model version at its path there", () => {
        const { code, doc } = planJson(["--stack", "dev", "--config", "cloud=azure", "--config", `image=${IMAGE}`]);
        expect(code).toBe(0);
        const account = (one(doc, "azure-native:storage:StorageAccount").inputs as any).accountName;
        const datastore = one(doc, "azure-native:machinelearningservices:Datastore");
        const workspace = one(doc, "azure-native:machinelearningservices:Workspace");
        expect(datastore.inputs).toMatchObject({
            workspaceName: (workspace.outputs as any).name,
            name: `ms_${account}_models`,
            properties: { datastoreType: "AzureBlob", accountName: account, containerName: "models", endpoint: "core.windows.net", protocol: "https", credentials: { credentialsType: "None" } },
        });
        // The stack's own account: where it lives is known, and given.
        expect((datastore.inputs as any).properties).toMatchObject({ subscriptionId: "00000000-0000-4000-8000-000000000001", resourceGroup: (one(doc, "azure-native:resources:ResourceGroup").outputs as any).name });
        const version = one(doc, "azure-native:machinelearningservices:ModelVersion");
        const group = (one(doc, "azure-native:resources:ResourceGroup").outputs as any).name;
        expect((version.inputs as any).properties.modelUri).toBe(
            `azureml://subscriptions/00000000-0000-4000-8000-000000000001/resourcegroups/${group}/workspaces/${(workspace.outputs as any).name}/datastores/ms_${account}_models/paths/iris/1/`,
        );
        expect(version.options.dependsOn).toContain(datastore.urn);
        // The published artifact URI stays the blob URL people can open.
        expect(doc.outputs.artifactUri).toBe(`https://${account}.blob.core.windows.net/models/iris/1/`);
    });

    it("registers the container of a model already in blob storage too", () => {
        const uri = "https://teamstore01.blob.core.windows.net/trained-models/iris/7/";
        const { code, doc } = planJson(["--stack", "dev", "--config", "cloud=azure", "--config", `image=${IMAGE}`, "--config", `modelArtifact=${uri}`]);
        expect(code).toBe(0);
        const properties = (byName(doc, "azure-native:machinelearningservices:Datastore", "iris-azureml-model-datastore").inputs as any).properties;
        expect(properties).toMatchObject({ accountName: "teamstore01", containerName: "trained-models" });
        expect(properties.resourceGroup).toBeUndefined();
        expect((one(doc, "azure-native:machinelearningservices:ModelVersion").inputs as any).properties.modelUri).toMatch(/\/datastores\/ms_teamstore01_trained_models\/paths\/iris\/7\/$/);
    });

    it("reads account, container and path from a blob URL, and names one datastore per container", () => {
        expect(blobLocation("https://acct.blob.core.windows.net/models/iris/1/")).toEqual({ account: "acct", container: "models", path: "iris/1/" });
        expect(blobLocation("https://acct.blob.core.windows.net/models")).toEqual({ account: "acct", container: "models", path: "" });
        expect(() => blobLocation("https://acct.dfs.core.windows.net/models/x")).toThrow(/is not an Azure blob URL/);
        expect(datastoreNameFor({ account: "acct", container: "trained-models" })).toBe("ms_acct_trained_models");
    });

    it("keeps App Insights local auth off, sends it nothing from the deployment, and routes the endpoint's logs to Log Analytics", () => {
        const { doc } = planJson(["--stack", "dev", "--config", "cloud=azure", "--config", `image=${IMAGE}`]);
        expect((one(doc, "azure-native:applicationinsights:Component").inputs as any).disableLocalAuth).toBe(true);
        expect((one(doc, "azure-native:machinelearningservices:OnlineDeployment").inputs as any).properties.appInsightsEnabled).toBe(false);
        const setting = one(doc, "azure-native:monitor:DiagnosticSetting").inputs as any;
        expect(setting).toMatchObject({ resourceUri: one(doc, "azure-native:machinelearningservices:OnlineEndpoint").id, workspaceId: one(doc, "azure-native:operationalinsights:Workspace").id, logAnalyticsDestinationType: "Dedicated" });
        expect(setting.logs).toEqual([
            { category: "AmlOnlineEndpointConsoleLog", enabled: true },
            { category: "AmlOnlineEndpointTrafficLog", enabled: true },
            { category: "AmlOnlineEndpointEventLog", enabled: true },
        ]);
    });
});
