import { MOCK_AZURE_SUBSCRIPTION, MOCK_AZURE_TENANT, autoname, suffix, type OutputsOf } from "./common";

export { MOCK_AZURE_SUBSCRIPTION, MOCK_AZURE_TENANT };

function guid(seed: string): string {
    const h = suffix(seed, 32);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** One ARM resource type: the input that names it, and how its id is built under the resource group. */
function arm(nameInput: string, path: (name: string, inputs: Record<string, any>) => string, extra?: (name: string, inputs: Record<string, any>, seed: string, location: string) => Record<string, unknown>): OutputsOf {
    return ({ name, inputs, seed, region }) => {
        const resourceName = String(inputs[nameInput] ?? autoname(name, seed).replace(/[^A-Za-z0-9-]/g, ""));
        const group = inputs.resourceGroupName ?? "rg";
        const id = `/subscriptions/${MOCK_AZURE_SUBSCRIPTION}/resourceGroups/${group}/providers/${path(resourceName, inputs)}`;
        return { id, state: { name: resourceName, ...(extra?.(resourceName, inputs, seed, inputs.location ?? region) ?? {}) } };
    };
}

const identity = (seed: string) => ({ type: "SystemAssigned", principalId: guid(`principal/${seed}`), tenantId: MOCK_AZURE_TENANT });
const ml = (kind: string) => (n: string, i: Record<string, any>) => `Microsoft.MachineLearningServices/workspaces/${i.workspaceName}/${kind}/${n}`;

/** Provider-computed outputs of each Azure resource type the project uses. */
export const AZURE_OUTPUTS: Record<string, OutputsOf> = {
    "azure-native:resources:ResourceGroup": ({ name, inputs, seed }) => {
        const group = String(inputs.resourceGroupName ?? autoname(name, seed));
        return { id: `/subscriptions/${MOCK_AZURE_SUBSCRIPTION}/resourceGroups/${group}`, state: { name: group } };
    },
    "azure-native:storage:StorageAccount": arm("accountName", (n) => `Microsoft.Storage/storageAccounts/${n}`, (n) => ({ primaryEndpoints: { blob: `https://${n}.blob.core.windows.net/` } })),
    "azure-native:storage:BlobContainer": arm("containerName", (n, i) => `Microsoft.Storage/storageAccounts/${i.accountName}/blobServices/default/containers/${n}`),
    "azure-native:storage:Blob": arm("blobName", (n, i) => `Microsoft.Storage/storageAccounts/${i.accountName}/blobServices/default/containers/${i.containerName}/blobs/${n}`, (n, i) => ({ url: `https://${i.accountName}.blob.core.windows.net/${i.containerName}/${n}` })),
    "azure-native:containerregistry:Registry": arm("registryName", (n) => `Microsoft.ContainerRegistry/registries/${n}`, (n) => ({ loginServer: `${n}.azurecr.io` })),
    "azure-native:keyvault:Vault": arm("vaultName", (n) => `Microsoft.KeyVault/vaults/${n}`, (n, i) => ({ properties: { ...i.properties, vaultUri: `https://${n}.vault.azure.net/` } })),
    "azure-native:keyvault:Secret": arm("secretName", (n, i) => `Microsoft.KeyVault/vaults/${i.vaultName}/secrets/${n}`, (n, i) => ({ properties: { secretUri: `https://${i.vaultName}.vault.azure.net/secrets/${n}`, secretUriWithVersion: `https://${i.vaultName}.vault.azure.net/secrets/${n}/${suffix(n, 32)}` } })),
    "azure-native:operationalinsights:Workspace": arm("workspaceName", (n) => `Microsoft.OperationalInsights/workspaces/${n}`, (_n, _i, seed) => ({ customerId: guid(`law/${seed}`) })),
    "azure-native:applicationinsights:Component": arm("resourceName", (n) => `Microsoft.Insights/components/${n}`, (_n, _i, seed) => ({ connectionString: `InstrumentationKey=${guid(`ai/${seed}`)}` })),
    "azure-native:machinelearningservices:Workspace": arm("workspaceName", (n) => `Microsoft.MachineLearningServices/workspaces/${n}`, (_n, _i, seed) => ({ identity: identity(seed) })),
    "azure-native:machinelearningservices:ModelContainer": arm("name", ml("models")),
    "azure-native:machinelearningservices:ModelVersion": arm("version", (n, i) => `Microsoft.MachineLearningServices/workspaces/${i.workspaceName}/models/${i.name}/versions/${n}`),
    "azure-native:machinelearningservices:EnvironmentContainer": arm("name", ml("environments")),
    "azure-native:machinelearningservices:EnvironmentVersion": arm("version", (n, i) => `Microsoft.MachineLearningServices/workspaces/${i.workspaceName}/environments/${i.name}/versions/${n}`),
    "azure-native:machinelearningservices:OnlineEndpoint": arm("endpointName", ml("onlineEndpoints"), (n, i, seed, location) => ({
        identity: identity(seed),
        properties: { ...i.properties, scoringUri: `https://${n}.${location}.inference.ml.azure.com/score`, swaggerUri: `https://${n}.${location}.inference.ml.azure.com/swagger.json` },
    })),
    "azure-native:machinelearningservices:OnlineDeployment": arm("deploymentName", (n, i) => `Microsoft.MachineLearningServices/workspaces/${i.workspaceName}/onlineEndpoints/${i.endpointName}/deployments/${n}`),
    "azure-native:resources:Deployment": arm("deploymentName", (n) => `Microsoft.Resources/deployments/${n}`),
    "azure-native:consumption:Budget": ({ name, inputs, seed }) => {
        const budgetName = String(inputs.budgetName ?? autoname(name, seed));
        return { id: `${inputs.scope}/providers/Microsoft.Consumption/budgets/${budgetName}`, state: { name: budgetName } };
    },
    "azure-native:authorization:RoleAssignment": ({ inputs, seed }) => {
        const name = guid(`ra/${seed}`);
        return { id: `${inputs.scope}/providers/Microsoft.Authorization/roleAssignments/${name}`, state: { name } };
    },
    "azure-native:containerservice:ManagedCluster": arm("resourceName", (n) => `Microsoft.ContainerService/managedClusters/${n}`, (n, _i, seed, location) => ({
        fqdn: `${n}-${suffix(seed, 8)}.hcp.${location}.azmk8s.io`,
        oidcIssuerProfile: { enabled: true, issuerURL: `https://${location}.oic.prod-aks.azure.com/${MOCK_AZURE_TENANT}/${guid(`oidc/${seed}`)}/` },
        identityProfile: { kubeletidentity: { objectId: guid(`kubelet/${seed}`), clientId: guid(`kubelet-client/${seed}`) } },
        identity: identity(seed),
    })),
    "azure-native:monitor:ActionGroup": arm("actionGroupName", (n) => `Microsoft.Insights/actionGroups/${n}`),
    "azure-native:monitor:MetricAlert": arm("ruleName", (n) => `Microsoft.Insights/metricAlerts/${n}`),
    "azure-native:monitor:AutoscaleSetting": arm("autoscaleSettingName", (n) => `Microsoft.Insights/autoscalesettings/${n}`),
    "azure-native:monitor:AzureMonitorWorkspace": arm("azureMonitorWorkspaceName", (n) => `Microsoft.Monitor/accounts/${n}`, (n, _i, _seed, location) => ({
        metrics: { prometheusQueryEndpoint: `https://${n}-offline.${location}.prometheus.monitor.azure.com`, internalId: `mac_${n}` },
    })),
    "azure-native:monitor:DataCollectionEndpoint": arm("dataCollectionEndpointName", (n) => `Microsoft.Insights/dataCollectionEndpoints/${n}`),
    "azure-native:monitor:DataCollectionRule": arm("dataCollectionRuleName", (n) => `Microsoft.Insights/dataCollectionRules/${n}`),
    "azure-native:monitor:DataCollectionRuleAssociation": ({ name, inputs, seed }) => {
        const association = String(inputs.associationName ?? autoname(name, seed));
        return { id: `${inputs.resourceUri}/providers/Microsoft.Insights/dataCollectionRuleAssociations/${association}`, state: { name: association } };
    },
    "azure-native:alertsmanagement:PrometheusRuleGroup": arm("ruleGroupName", (n) => `Microsoft.AlertsManagement/prometheusRuleGroups/${n}`),
    "azure-native:managedidentity:UserAssignedIdentity": arm("resourceName", (n) => `Microsoft.ManagedIdentity/userAssignedIdentities/${n}`, (_n, _i, seed) => ({ principalId: guid(`uami/${seed}`), clientId: guid(`uami-client/${seed}`), tenantId: MOCK_AZURE_TENANT })),
    // The azureml traffic shifter (a dynamic resource): after a rollout, the new deployment serves everything.
    "pulumi-nodejs:dynamic/azure:TrafficShift": ({ inputs }) => ({ id: `${inputs.endpointId}/traffic`, state: { traffic: { [String(inputs.deploymentName)]: 100 } } }),
    // The aks deployer's access wait (a dynamic resource): done once the role assignment took effect.
    "pulumi-nodejs:dynamic/azure:ClusterAccess": ({ inputs }) => ({ id: `${inputs.roleAssignmentId}/propagated`, state: {} }),
    "azure-native:network:VirtualNetwork": arm("virtualNetworkName", (n) => `Microsoft.Network/virtualNetworks/${n}`, (n, i) => ({
        subnets: (i.subnets ?? []).map((s: Record<string, unknown>) => ({ ...s, id: `/subscriptions/${MOCK_AZURE_SUBSCRIPTION}/resourceGroups/${i.resourceGroupName}/providers/Microsoft.Network/virtualNetworks/${n}/subnets/${s.name}` })),
    })),
    // As the network reports a workspace private endpoint: one address per FQDN group (how-to-custom-dns, "Find the IP addresses").
    "azure-native:network:PrivateEndpoint": arm("privateEndpointName", (n) => `Microsoft.Network/privateEndpoints/${n}`, (n, i) => ({
        networkInterfaces: [{ id: `/subscriptions/${MOCK_AZURE_SUBSCRIPTION}/resourceGroups/${i.resourceGroupName}/providers/Microsoft.Network/networkInterfaces/${n}.nic` }],
        customDnsConfigs: [
            { fqdn: "00000000-0000-4000-8000-00000000a11e.workspace.eastus.api.azureml.ms", ipAddresses: ["10.250.0.4"] },
            { fqdn: "*.eastus.inference.ml.azure.com", ipAddresses: ["10.250.0.6"] },
        ],
    })),
    "azure-native:network:PrivateDnsZoneGroup": arm("privateDnsZoneGroupName", (n, i) => `Microsoft.Network/privateEndpoints/${i.privateEndpointName}/privateDnsZoneGroups/${n}`),
    "azure-native:privatedns:PrivateZone": arm("privateZoneName", (n) => `Microsoft.Network/privateDnsZones/${n}`),
    "azure-native:privatedns:VirtualNetworkLink": arm("virtualNetworkLinkName", (n, i) => `Microsoft.Network/privateDnsZones/${i.privateZoneName}/virtualNetworkLinks/${n}`),
    "azure-native:machinelearningservices:Datastore": arm("name", ml("datastores")),
    "azure-native:monitor:DiagnosticSetting": ({ inputs }) => ({ id: `${inputs.resourceUri}/providers/Microsoft.Insights/diagnosticSettings/${inputs.name}`, state: { name: inputs.name } }),
    "azure-native:managedidentity:FederatedIdentityCredential": arm("federatedIdentityCredentialResourceName", (n, i) => `Microsoft.ManagedIdentity/userAssignedIdentities/${i.resourceName}/federatedIdentityCredentials/${n}`),
};
