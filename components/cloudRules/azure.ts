import type { AutonameRule, CloudRules, ContractRule } from "./types";
import { autonameOf, ruleById } from "./lookup";

// azure-native autonames a resource whose name is left unset as `<logical name>` + 8 random hex
// characters, no separator, no truncation, whatever the API's pattern or length:
// provider/pkg/provider/provider.go getDefaultName (AutoNameRandom: resource.NewUniqueName(seed, name, 8, 0, nil))
// and provider/pkg/provider/autonaming_test.go ("test" -> "test614742c2") in pulumi/pulumi-azure-native.
const AZURE_NATIVE_AUTONAME = "pulumi/pulumi-azure-native provider/pkg/provider/provider.go getDefaultName";
const NAME_RULES = "https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules";

function autoname(type: string, property: string, maxLength: number, uniqueness: AutonameRule["uniqueness"], source: string, scopeProperties?: readonly string[]): AutonameRule {
    return { type, property, maxLength, separator: "", randomLength: 8, uniqueness, source: `${AZURE_NATIVE_AUTONAME}; ${source}`, ...(scopeProperties ? { scopeProperties } : {}) };
}

const T = {
    resourceGroup: "azure-native:resources:ResourceGroup",
    storageAccount: "azure-native:storage:StorageAccount",
    blobContainer: "azure-native:storage:BlobContainer",
    registry: "azure-native:containerregistry:Registry",
    vault: "azure-native:keyvault:Vault",
    secret: "azure-native:keyvault:Secret",
    logAnalytics: "azure-native:operationalinsights:Workspace",
    appInsights: "azure-native:applicationinsights:Component",
    mlWorkspace: "azure-native:machinelearningservices:Workspace",
    onlineEndpoint: "azure-native:machinelearningservices:OnlineEndpoint",
    onlineDeployment: "azure-native:machinelearningservices:OnlineDeployment",
    managedCluster: "azure-native:containerservice:ManagedCluster",
    userAssignedIdentity: "azure-native:managedidentity:UserAssignedIdentity",
    federatedCredential: "azure-native:managedidentity:FederatedIdentityCredential",
    dataCollectionEndpoint: "azure-native:monitor:DataCollectionEndpoint",
    dataCollectionRule: "azure-native:monitor:DataCollectionRule",
    actionGroup: "azure-native:monitor:ActionGroup",
    metricAlert: "azure-native:monitor:MetricAlert",
    autoscaleSetting: "azure-native:monitor:AutoscaleSetting",
    prometheusRuleGroup: "azure-native:alertsmanagement:PrometheusRuleGroup",
    budget: "azure-native:consumption:Budget",
    virtualNetwork: "azure-native:network:VirtualNetwork",
    privateEndpoint: "azure-native:network:PrivateEndpoint",
    privateZone: "azure-native:privatedns:PrivateZone",
    virtualNetworkLink: "azure-native:privatedns:VirtualNetworkLink",
    datastore: "azure-native:machinelearningservices:Datastore",
    diagnosticSetting: "azure-native:monitor:DiagnosticSetting",
} as const;

export const AZURE_TYPES = T;

const autonames: AutonameRule[] = [
    autoname(T.resourceGroup, "resourceGroupName", 90, "account", `${NAME_RULES}#microsoftresources (resourcegroups: subscription, 1-90)`),
    autoname(T.storageAccount, "accountName", 24, "world", `${NAME_RULES}#microsoftstorage (storageAccounts: global, 3-24 lowercase letters and numbers)`),
    autoname(T.blobContainer, "containerName", 63, "parent", `${NAME_RULES}#microsoftstorage (blobServices/containers: 3-63)`, ["resourceGroupName", "accountName"]),
    autoname(T.registry, "registryName", 50, "world", `${NAME_RULES}#microsoftcontainerregistry (registries: global, 5-50 alphanumerics)`),
    autoname(T.vault, "vaultName", 24, "world", `${NAME_RULES}#microsoftkeyvault (vaults: global, 3-24)`),
    autoname(T.secret, "secretName", 127, "parent", `${NAME_RULES}#microsoftkeyvault (vaults/secrets: 1-127)`, ["resourceGroupName", "vaultName"]),
    autoname(T.logAnalytics, "workspaceName", 63, "resource-group", `${NAME_RULES}#microsoftoperationalinsights (workspaces: 4-63)`),
    autoname(T.appInsights, "resourceName", 255, "resource-group", "https://github.com/Azure/PSRule.Rules.Azure rules/Azure.AppInsights.Rule.ps1 (Azure.AppInsights.Name: 1-255)"),
    autoname(T.mlWorkspace, "workspaceName", 33, "resource-group", `${NAME_RULES}#microsoftmachinelearningservices (workspaces: 3-33)`),
    autoname(T.onlineEndpoint, "endpointName", 32, "region", "https://learn.microsoft.com/azure/machine-learning/how-to-manage-quotas#azure-machine-learning-online-endpoints-and-batch-endpoints (endpoint names: unique in the region, 3-32)"),
    autoname(T.onlineDeployment, "deploymentName", 32, "parent", "https://learn.microsoft.com/azure/machine-learning/how-to-manage-quotas#azure-machine-learning-online-endpoints-and-batch-endpoints (deployment names: 3-32)", ["resourceGroupName", "workspaceName", "endpointName"]),
    autoname(T.managedCluster, "resourceName", 63, "resource-group", `${NAME_RULES}#microsoftcontainerservice (managedClusters: 1-63)`),
    autoname(T.userAssignedIdentity, "resourceName", 128, "resource-group", `${NAME_RULES}#microsoftmanagedidentity (userAssignedIdentities: 3-128)`),
    autoname(T.federatedCredential, "federatedIdentityCredentialResourceName", 120, "parent", "https://learn.microsoft.com/entra/workload-id/workload-identity-federation-considerations (federated identity credential names: 3-120)", ["resourceGroupName", "resourceName"]),
    autoname(T.dataCollectionEndpoint, "dataCollectionEndpointName", 44, "resource-group", `${NAME_RULES}#microsoftinsights (dataCollectionEndpoints: 3-44)`),
    autoname(T.dataCollectionRule, "dataCollectionRuleName", 64, "resource-group", `${NAME_RULES}#microsoftinsights (dataCollectionRules: 1-64)`),
    autoname(T.actionGroup, "actionGroupName", 260, "resource-group", `${NAME_RULES}#microsoftinsights (actionGroups: 1-260)`),
    autoname(T.metricAlert, "ruleName", 260, "resource-group", `${NAME_RULES}#microsoftinsights (metricAlerts: 1-260)`),
    autoname(T.autoscaleSetting, "autoscaleSettingName", 260, "resource-group", `${NAME_RULES}#microsoftinsights (autoscalesettings: 1-260)`),
    autoname(T.prometheusRuleGroup, "ruleGroupName", 260, "resource-group", "azure-rest-api-specs specification/alertsmanagement PrometheusRuleGroups ruleGroupName (1-260)"),
    autoname(T.virtualNetwork, "virtualNetworkName", 64, "resource-group", `${NAME_RULES}#microsoftnetwork (virtualNetworks: 2-64)`),
    autoname(T.privateEndpoint, "privateEndpointName", 64, "resource-group", `${NAME_RULES}#microsoftnetwork (privateEndpoints: 2-64)`),
    autoname(T.virtualNetworkLink, "virtualNetworkLinkName", 80, "parent", `${NAME_RULES}#microsoftnetwork (privateDnsZones/virtualNetworkLinks: 1-80)`, ["resourceGroupName", "privateZoneName"]),
    autoname(T.budget, "budgetName", 63, "parent", "https://learn.microsoft.com/rest/api/consumption/budgets/create-or-update (budgetName, per scope; 1-63)", ["scope"]),
];

const name = (type: string, path: string, id: string, pattern: RegExp, description: string, min: number, max: number, source: string, fix: string): ContractRule[] => [
    { id: `${id}.pattern`, type, path, check: { kind: "pattern", pattern, description }, source, fix },
    { id: `${id}.length`, type, path, check: { kind: "length", min, max }, source, fix },
];

const rules: ContractRule[] = [
    ...name(T.resourceGroup, "resourceGroupName", "azure.resources.resourceGroup.name", /^[-\w.()]*[-\w()]$/, "letters, digits, underscores, hyphens, periods and parentheses, not ending in a period", 1, 90, `${NAME_RULES}#microsoftresources`, "name the resource group with letters, digits and hyphens"),
    ...name(T.storageAccount, "accountName", "azure.storage.account.name", /^[a-z0-9]+$/, "lowercase letters and digits only", 3, 24, `${NAME_RULES}#microsoftstorage`, "derive the account name from lowercase letters and digits only"),
    ...name(T.blobContainer, "containerName", "azure.storage.container.name", /^[a-z0-9](?!.*--)[a-z0-9-]*[a-z0-9]$/, "lowercase letters, digits and single hyphens, starting and ending with a letter or digit", 3, 63, `${NAME_RULES}#microsoftstorage`, "use a lowercase container name"),
    ...name(T.registry, "registryName", "azure.containerregistry.registry.name", /^[a-zA-Z0-9]+$/, "letters and digits only", 5, 50, `${NAME_RULES}#microsoftcontainerregistry`, "derive the registry name from letters and digits only"),
    ...name(T.vault, "vaultName", "azure.keyvault.vault.name", /^[a-zA-Z](?!.*--)[a-zA-Z0-9-]*[a-zA-Z0-9]$/, "letters, digits and single hyphens, starting with a letter and ending with a letter or digit", 3, 24, `${NAME_RULES}#microsoftkeyvault`, "a model name without consecutive hyphens"),
    ...name(T.secret, "secretName", "azure.keyvault.secret.name", /^[a-zA-Z0-9-]+$/, "letters, digits and hyphens", 1, 127, `${NAME_RULES}#microsoftkeyvault`, "name the secret with letters, digits and hyphens"),
    ...name(T.logAnalytics, "workspaceName", "azure.operationalinsights.workspace.name", /^[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]$/, "letters, digits and hyphens, starting and ending with a letter or digit", 4, 63, `${NAME_RULES}#microsoftoperationalinsights`, "shorten the logical name"),
    ...name(T.mlWorkspace, "workspaceName", "azure.machinelearningservices.workspace.name", /^[a-zA-Z0-9][a-zA-Z0-9_-]*$/, "letters, digits, hyphens and underscores, starting with a letter or digit", 3, 33, `${NAME_RULES}#microsoftmachinelearningservices`, "shorten the logical name"),
    ...name(T.onlineEndpoint, "endpointName", "azure.machinelearningservices.onlineEndpoint.name", /^[a-zA-Z][a-zA-Z0-9-]*[a-zA-Z0-9]$/, "letters, digits and hyphens, starting with a letter and ending with a letter or digit", 3, 32, "https://learn.microsoft.com/azure/machine-learning/how-to-manage-quotas#azure-machine-learning-online-endpoints-and-batch-endpoints", "shorten the logical name"),
    ...name(T.onlineDeployment, "deploymentName", "azure.machinelearningservices.onlineDeployment.name", /^[a-zA-Z][a-zA-Z0-9-]*[a-zA-Z0-9]$/, "letters, digits and hyphens, starting with a letter and ending with a letter or digit", 3, 32, "https://learn.microsoft.com/azure/machine-learning/how-to-manage-quotas#azure-machine-learning-online-endpoints-and-batch-endpoints", "shorten the model version"),
    ...name(T.managedCluster, "resourceName", "azure.containerservice.managedCluster.name", /^[a-zA-Z0-9][a-zA-Z0-9_-]*[a-zA-Z0-9]$|^[a-zA-Z0-9]$/, "letters, digits, underscores and hyphens, starting and ending with a letter or digit", 1, 63, `${NAME_RULES}#microsoftcontainerservice`, "shorten the cluster name"),
    ...name(T.userAssignedIdentity, "resourceName", "azure.managedidentity.userAssignedIdentity.name", /^[a-zA-Z0-9][a-zA-Z0-9_-]*$/, "letters, digits, hyphens and underscores, starting with a letter or digit", 3, 128, `${NAME_RULES}#microsoftmanagedidentity`, "shorten the logical name"),
    ...name(T.dataCollectionEndpoint, "dataCollectionEndpointName", "azure.insights.dataCollectionEndpoint.name", /^[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]$/, "letters, digits and hyphens, starting and ending with a letter or digit", 3, 44, `${NAME_RULES}#microsoftinsights`, "shorten the logical name (autonamedLogicalName)"),
    ...name(T.dataCollectionRule, "dataCollectionRuleName", "azure.insights.dataCollectionRule.name", /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/, "letters, digits, periods, underscores and hyphens", 1, 64, `${NAME_RULES}#microsoftinsights`, "shorten the logical name (autonamedLogicalName)"),
    ...name(T.virtualNetwork, "virtualNetworkName", "azure.network.virtualNetwork.name", /^[a-zA-Z0-9](?:[a-zA-Z0-9_.-]*[a-zA-Z0-9_])?$/, "letters, digits, underscores, periods and hyphens, starting with a letter or digit and ending with a letter, digit or underscore", 2, 64, `${NAME_RULES}#microsoftnetwork`, "shorten the logical name"),
    ...name(T.privateEndpoint, "privateEndpointName", "azure.network.privateEndpoint.name", /^[a-zA-Z0-9](?:[a-zA-Z0-9_.-]*[a-zA-Z0-9_])?$/, "letters, digits, underscores, periods and hyphens, starting with a letter or digit and ending with a letter, digit or underscore", 2, 64, `${NAME_RULES}#microsoftnetwork`, "shorten the logical name"),
    ...name(T.virtualNetworkLink, "virtualNetworkLinkName", "azure.privatedns.virtualNetworkLink.name", /^[a-zA-Z0-9](?:[a-zA-Z0-9_.-]*[a-zA-Z0-9_])?$/, "letters, digits, underscores, periods and hyphens, starting with a letter or digit and ending with a letter, digit or underscore", 1, 80, `${NAME_RULES}#microsoftnetwork`, "shorten the logical name"),
    {
        id: "azure.machinelearningservices.datastore.name.pattern",
        type: T.datastore,
        path: "name",
        check: { kind: "pattern", pattern: /^[a-z0-9_]+$/, description: "lowercase letters, digits and underscores" },
        source: "https://learn.microsoft.com/azure/machine-learning/v1/how-to-access-data (a datastore name should only contain lowercase letters, digits and underscores)",
        fix: "derive the datastore name from lowercase letters, digits and underscores",
    },
    {
        id: "azure.insights.diagnosticSetting.onlineEndpointCategories",
        type: T.diagnosticSetting,
        path: "logs[].category",
        check: { kind: "enum", values: ["AmlOnlineEndpointConsoleLog", "AmlOnlineEndpointTrafficLog", "AmlOnlineEndpointEventLog"] },
        source: "https://learn.microsoft.com/azure/machine-learning/monitor-azure-machine-learning-reference (Supported resource logs for Microsoft.MachineLearningServices/workspaces/onlineEndpoints)",
        fix: "use the online endpoint's log categories",
    },
    {
        id: "azure.network.privateEndpoint.workspaceGroupId",
        type: T.privateEndpoint,
        path: "privateLinkServiceConnections[].groupIds[]",
        check: { kind: "enum", values: ["amlworkspace"] },
        source: "https://learn.microsoft.com/azure/private-link/private-endpoint-dns#ai--machine-learning (Azure Machine Learning workspace sub-resource: amlworkspace)",
        fix: "connect the private endpoint to the workspace's amlworkspace sub-resource",
    },
    {
        id: "azure.privatedns.privateZone.workspaceZones",
        type: T.privateZone,
        path: "privateZoneName",
        check: { kind: "enum", values: ["privatelink.api.azureml.ms", "privatelink.notebooks.azure.net"] },
        source: "https://learn.microsoft.com/azure/private-link/private-endpoint-dns#ai--machine-learning (amlworkspace: privatelink.api.azureml.ms, privatelink.notebooks.azure.net)",
        fix: "use the private DNS zones Azure names for the workspace's private endpoint",
    },
    {
        id: "azure.privatedns.privateZone.location",
        type: T.privateZone,
        path: "location",
        check: { kind: "enum", values: ["global", "Global"] },
        source: "https://learn.microsoft.com/rest/api/dns/privatednszones/private-zones/create-or-update (PrivateZone location: global)",
        fix: "create private DNS zones in location global",
    },
    {
        id: "azure.consumption.budget.notifications.count",
        type: T.budget,
        path: "notifications",
        check: { kind: "count", min: 1, max: 5 },
        source: "https://learn.microsoft.com/rest/api/consumption/budgets/create-or-update (notifications: the budget can have up to five notifications)",
        fix: "send at most five budget notifications",
    },
    {
        id: "azure.consumption.budget.contactEmails.count",
        type: T.budget,
        path: "notifications[].contactEmails",
        check: { kind: "count", max: 50 },
        source: "https://learn.microsoft.com/rest/api/consumption/budgets/create-or-update (contactEmails: maximum 50)",
        fix: "list at most 50 budget emails",
    },
    {
        id: "azure.machinelearningservices.onlineDeployment.scaleType",
        type: T.onlineDeployment,
        path: "properties.scaleSettings.scaleType",
        check: { kind: "enum", values: ["Default"] },
        source: "https://learn.microsoft.com/azure/machine-learning/how-to-autoscale-endpoints (managed online deployments scale through Azure Monitor autoscale; TargetUtilization is for Kubernetes online deployments)",
        fix: "keep scaleSettings Default and scale with an Azure Monitor autoscale setting",
    },
    {
        id: "azure.insights.autoscaleSetting.capacity.range",
        type: T.autoscaleSetting,
        path: "profiles[].capacity.maximum",
        check: { kind: "range", min: 1 },
        source: "https://learn.microsoft.com/rest/api/monitor/autoscale-settings/create-or-update (ScaleCapacity)",
        fix: "set maxReplicas to 1 or more",
    },
    {
        id: "azure.insights.autoscaleSetting.profiles.count",
        type: T.autoscaleSetting,
        path: "profiles",
        check: { kind: "count", min: 1, max: 20 },
        source: "https://learn.microsoft.com/rest/api/monitor/autoscale-settings/create-or-update (profiles: maximum 20)",
    },
    {
        id: "azure.insights.autoscaleSetting.rules.count",
        type: T.autoscaleSetting,
        path: "profiles[].rules",
        check: { kind: "count", max: 10 },
        source: "https://learn.microsoft.com/rest/api/monitor/autoscale-settings/create-or-update (AutoscaleProfile.rules: maximum 10)",
    },
];

/** azure: autonaming and API rules of the resource types the project plans. */
export const AZURE_RULES: CloudRules = { autonames, rules };

/** The rule with this id (the code that a rule bounds reads its bound from here). */
export function azureRule(id: string): ContractRule {
    return ruleById(AZURE_RULES, "Azure", id);
}

/** The autoname rule of a type. */
export function azureAutoname(type: string): AutonameRule {
    return autonameOf(AZURE_RULES, "Azure", type);
}
