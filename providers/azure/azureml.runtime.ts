import type { Gpu, Size } from "../../components/contract";
import type { RuntimeDescriptor } from "../../components/runtimeDescriptor";

const AZUREML_CPU: Readonly<Record<Size, string>> = {
    small: "Standard_DS2_v2",
    medium: "Standard_DS3_v2",
    large: "Standard_DS4_v2",
    xlarge: "Standard_DS5_v2",
};

const AZUREML_GPU: Readonly<Partial<Record<Exclude<Gpu, "none">, string>>> = {
    t4: "Standard_NC4as_T4_v3",
    a10g: "Standard_NV36ads_A10_v5",
    a100: "Standard_NC24ads_A100_v4",
};

/** An Azure subnet's ARM id: /subscriptions/S/resourceGroups/G/providers/Microsoft.Network/virtualNetworks/V/subnets/N */
export const AZURE_SUBNET_ID = /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Network\/virtualNetworks\/[^/]+\/subnets\/[^/]+$/i;

/** Azure's managed runtime: an Azure ML managed online endpoint (providers/azure/azureml.ts). */
export const AZUREML_RUNTIME: RuntimeDescriptor = {
    name: "azureml",
    cloud: "azure",
    managed: true,
    load: async () => (await import("./azureml")).createAzureMlService,
    takesInstanceType: true,
    instanceTypeFor: (size, gpu) => (gpu === "none" ? AZUREML_CPU[size] : AZUREML_GPU[gpu]),
    features: { autoscaling: true, "scale to zero": false, GPU: true, "private network": true, auth: true, canary: true, rollback: true, alarms: true, secrets: true },
    // publicNetworkAccess Enabled or Disabled, key auth either way; no IP allow-list.
    // The workspace's IP rules (networkAcls, "Enabled from selected IP addresses") would reach the endpoint, but
    // azure-native 3.28's Workspace (API 2025-12-01) has no such property, they can be set only after the workspace
    // exists, take public IPv4 only, and managed online deployments fail under them without a managed virtual
    // network: https://learn.microsoft.com/azure/machine-learning/how-to-configure-private-link#enable-public-access-only-from-internet-ip-ranges
    exposure: {
        front: "an Azure ML online endpoint (key auth)",
        allowedCidrs: "never",
        refusal: {
            why: "the workspace's IP rules (networkAcls) are not in azure-native's Workspace, can be set only after the workspace exists, take public IPv4 only, and managed online deployments fail under them without a workspace managed network",
            fix: "remove allowedCidrs and keep public false: callers then come in through the workspace's private endpoint, from its network or one peered with it",
        },
    },
    minReplicasFloor: 1,
    ownKeys: [
        { field: "azure.privateEndpointSubnetId", given: (args) => args.azure?.privateEndpointSubnetId, fix: "remove it, or use runtime azureml" },
        { field: "azure.allowIdleBake", given: (args) => (args.azure?.allowIdleBake ? true : undefined), fix: "remove it, or use runtime azureml" },
    ],
    // The workspace private endpoint's subnet, where it applies.
    validate: ({ args }, problem) => {
        const subnetId = args.azure?.privateEndpointSubnetId;
        if (subnetId === undefined) return;
        if (args.network?.public) problem("azure.privateEndpointSubnetId", subnetId, "places the workspace's private endpoint, and public is true", "remove it, or set public to false");
        else if (!AZURE_SUBNET_ID.test(subnetId)) problem("azure.privateEndpointSubnetId", subnetId, "is not a subnet's resource id", "use /subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Network/virtualNetworks/<network>/subnets/<subnet> (az network vnet subnet show --query id)");
    },
};
