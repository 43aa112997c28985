import * as crypto from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { getClientConfigOutput } from "@pulumi/azure-native/authorization/getClientConfig";
import { RoleAssignment } from "@pulumi/azure-native/authorization/roleAssignment";
import { Registry } from "@pulumi/azure-native/containerregistry/registry";
import { Secret } from "@pulumi/azure-native/keyvault/secret";
import { Vault } from "@pulumi/azure-native/keyvault/vault";
import { Workspace as LogAnalytics } from "@pulumi/azure-native/operationalinsights/workspace";
import { ResourceGroup } from "@pulumi/azure-native/resources/resourceGroup";
import { Blob } from "@pulumi/azure-native/storage/blob";
import { BlobContainer } from "@pulumi/azure-native/storage/blobContainer";
import { StorageAccount } from "@pulumi/azure-native/storage/storageAccount";
import { AZURE_TYPES, azureAutoname } from "../../components/cloudRules/azure";
import type { FoundationPlacement, ResolvedServiceArgs } from "../../components/contract";
import { autonamedLogicalName } from "../../components/physicalName";
import { createAzureBudget } from "./budget";
import { ROLE_DEFINITIONS, type RoleKey } from "./roles";
import { localArtifactFiles, standardTags, uploadName } from "../../components/naming";

const STORAGE_NAME_MAX = azureAutoname(AZURE_TYPES.storageAccount).maxLength;
const REGISTRY_NAME_MAX = azureAutoname(AZURE_TYPES.registry).maxLength;

const MODEL_CONTAINER = "models";

/** Who runs pulumi, and in which subscription and tenant (the client config data source). */
interface ClientOf {
    readonly client: ReturnType<typeof getClientConfigOutput>;
}

/**
 * A world-unique name of letters and digits (storage account, registry): the model name, the kind, and
 * a hash of the subscription, project, stack and service, so it is unique per stack and subscription and
 * cannot be guessed from the public stack files alone (issue 14 item 7). Explicit, since azure-native's
 * autonaming keeps the logical name's hyphens, which these names do not allow.
 */
export function globalCompactName(subscriptionId: pulumi.Input<string>, service: string, args: ResolvedServiceArgs, kind: string, max: number): pulumi.Output<string> {
    return pulumi.output(subscriptionId).apply((subscription) => {
        const hash = crypto.createHash("sha256").update(`${subscription}/${pulumi.getProject()}/${pulumi.getStack()}/${service}/${kind}`).digest("hex").slice(0, 10);
        return `${args.model.name.replace(/[^a-z0-9]/g, "").slice(0, max - kind.length - hash.length)}${kind}${hash}`;
    });
}

/**
 * What every Azure runtime stands on, placed under the ModelService (`placement`) and named after the
 * cloud, so switching between azureml and aks keeps these resources, their URNs and names: a resource
 * group; a storage account with a private container holding the uploaded model; a registry that admits
 * pulls by managed identity only, and the built image; a Key Vault (RBAC, purge protection in prod) for
 * the secrets; Log Analytics with the stack's retention; the budget. The group, vault and workspace are
 * autonamed (a random suffix kept in state), so a recreated stack does not meet its soft-deleted
 * predecessor's names (issue 14 item 15).
 */
export function createFoundation(placement: FoundationPlacement, args: ResolvedServiceArgs) {
    const base = placement.name;
    const opts: pulumi.CustomResourceOptions = { parent: placement.parent };
    const tags = standardTags(args);
    const stateful = { ...opts, protect: args.protect };
    const client = getClientConfigOutput({ parent: placement.parent });
    const group = new ResourceGroup(autonamedLogicalName(AZURE_TYPES.resourceGroup, base, "rg"), { location: args.region, tags }, stateful);
    const resourceGroupName = group.name;

    const storage = new StorageAccount(
        `${base}-storage`,
        {
            resourceGroupName,
            accountName: globalCompactName(client.subscriptionId, base, args, "st", STORAGE_NAME_MAX),
            location: args.region,
            kind: "StorageV2",
            sku: { name: "Standard_ZRS" },
            allowBlobPublicAccess: false,
            enableHttpsTrafficOnly: true,
            minimumTlsVersion: "TLS1_2",
            // Pulumi uploads the model with the account key; serving identities read with Entra ID roles.
            allowSharedKeyAccess: true,
            defaultToOAuthAuthentication: true,
            allowCrossTenantReplication: false,
            tags,
        },
        { ...stateful, retainOnDelete: args.protect },
    );
    const container = new BlobContainer(`${base}-models`, { resourceGroupName, accountName: storage.name, containerName: MODEL_CONTAINER, publicAccess: "None" }, stateful);
    const artifact = args.model.artifact;
    let artifactUri: pulumi.Output<string>;
    const uploads: pulumi.Resource[] = [];
    if (artifact.kind === "uri") {
        artifactUri = pulumi.output(artifact.uri);
    } else {
        const local = localArtifactFiles(args, artifact);
        for (const file of local.files) {
            uploads.push(
                new Blob(uploadName(base, file.key), { resourceGroupName, accountName: storage.name, containerName: container.name, blobName: `${local.prefix}${file.key}`, type: "Block", source: new pulumi.asset.FileAsset(file.source) }, opts),
            );
        }
        artifactUri = pulumi.interpolate`https://${storage.name}.blob.core.windows.net/${MODEL_CONTAINER}/${local.prefix}`;
    }

    const registry = new Registry(
        `${base}-registry`,
        {
            resourceGroupName,
            registryName: globalCompactName(client.subscriptionId, base, args, "cr", REGISTRY_NAME_MAX),
            location: args.region,
            sku: { name: "Premium" },
            adminUserEnabled: false,
            anonymousPullEnabled: false,
            policies: { retentionPolicy: { days: 30, status: "enabled" } },
            tags,
        },
        stateful,
    );
    const vault = new Vault(
        autonamedLogicalName(AZURE_TYPES.vault, base, "kv"),
        {
            resourceGroupName,
            location: args.region,
            properties: {
                tenantId: client.tenantId,
                sku: { family: "A", name: "standard" },
                enableRbacAuthorization: true,
                enableSoftDelete: true,
                softDeleteRetentionInDays: 90,
                // Purge protection cannot be turned off again, so only prod gets it.
                ...(args.protect ? { enablePurgeProtection: true } : {}),
            },
            tags,
        },
        stateful,
    );
    const foundation = { client, group, resourceGroupName, storage, container, registry, vault };
    const secretKeys = Object.keys(args.secrets);
    // ARM writes secrets through the control plane, but azure-native deletes them through the vault's
    // data plane, which an RBAC vault opens only to a Key Vault data role (issue 14 item 13).
    const deployerManagesSecrets =
        secretKeys.length > 0 ? grant(`${base}-deployer-manages-secrets`, foundation, "keyVaultSecretsOfficer", client.objectId, vault.id, opts, deployerPrincipalType(args, foundation)) : undefined;
    const secrets: Record<string, Secret> = {};
    for (const key of secretKeys) {
        secrets[key] = new Secret(
            `${base}-secret-${key}`,
            { resourceGroupName, vaultName: vault.name, secretName: key.replace(/[^A-Za-z0-9-]/g, "-"), properties: { value: pulumi.secret(args.secrets[key]!) }, tags },
            { ...opts, dependsOn: deployerManagesSecrets ? [deployerManagesSecrets] : [] },
        );
    }
    const logs = new LogAnalytics(
        autonamedLogicalName(AZURE_TYPES.logAnalytics, base, "logs"),
        { resourceGroupName, location: args.region, sku: { name: "PerGB2018" }, retentionInDays: Math.max(30, Math.min(730, args.logRetentionDays)), tags },
        stateful,
    );
    const budget = createAzureBudget(base, args, group.id, opts);
    return { ...foundation, artifactUri, uploads, secrets, deployerManagesSecrets, logs, tags, budget };
}

export type Foundation = ReturnType<typeof createFoundation>;

/** Grants one built-in role to a principal on one scope; managed identities are service principals. */
export function grant(
    name: string,
    foundation: ClientOf,
    role: RoleKey,
    principalId: pulumi.Input<string>,
    scope: pulumi.Input<string>,
    opts: pulumi.CustomResourceOptions,
    principalType: pulumi.Input<string> = "ServicePrincipal",
): RoleAssignment {
    return new RoleAssignment(
        name,
        {
            principalId,
            principalType,
            scope,
            roleDefinitionId: pulumi.interpolate`/subscriptions/${foundation.client.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${ROLE_DEFINITIONS[role].id}`,
        },
        opts,
    );
}

/** The application id of the Azure CLI, whose tokens stand for signed-in users. */
const AZURE_CLI_APP_ID = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";

/**
 * The kind of principal running pulumi, for role assignments to it (ARM refuses a wrong principalType):
 * azure.deployerPrincipalType when set, else a User when its token is the Azure CLI's, else a service principal.
 */
export function deployerPrincipalType(args: ResolvedServiceArgs, foundation: ClientOf): pulumi.Output<string> {
    const configured = args.azure.deployerPrincipalType;
    return foundation.client.clientId.apply((id) => configured ?? (id === AZURE_CLI_APP_ID ? "User" : "ServicePrincipal"));
}

/** The container's resource id: role scopes stop at the model container, not the account. */
export function containerScope(foundation: Foundation): pulumi.Output<string> {
    return pulumi.interpolate`${foundation.storage.id}/blobServices/default/containers/${foundation.container.name}`;
}

/** The children every Azure runtime exposes in `raw`. */
export function foundationChildren(f: Foundation): Record<string, pulumi.Resource> {
    return {
        resourceGroup: f.group,
        storageAccount: f.storage,
        registry: f.registry,
        vault: f.vault,
        logAnalytics: f.logs,
        ...(f.budget ? { budget: f.budget } : {}),
        ...(f.deployerManagesSecrets ? { deployerManagesSecrets: f.deployerManagesSecrets } : {}),
        ...Object.fromEntries(Object.entries(f.secrets).map(([k, s]) => [`secret:${k}`, s])),
    };
}
