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
import type { ResolvedServiceArgs } from "../../components/contract";
import { createAzureBudget } from "./budget";
import { ROLE_DEFINITIONS, type RoleKey } from "./roles";
import { localArtifactFiles, resourceName, standardTags, uploadName } from "../../components/naming";

const MODEL_CONTAINER = "models";

/** A name of letters and digits only (storage accounts, registries, vaults), globally unique by a stack hash. */
function compactName(args: ResolvedServiceArgs, kind: string, max: number): string {
    const hash = crypto.createHash("sha256").update(`${args.model.name}/${pulumi.getStack()}/${kind}`).digest("hex").slice(0, 6);
    return `${args.model.name.replace(/[^a-z0-9]/g, "")}${kind}`.slice(0, max - 6) + hash;
}

/**
 * What every Azure runtime stands on: a resource group; a storage account with a private container
 * holding the uploaded model; a registry that admits pulls by managed identity only; a Key Vault
 * (RBAC, purge protection in prod) for the secrets; Log Analytics with the stack's retention.
 */
export function createFoundation(name: string, args: ResolvedServiceArgs, opts: pulumi.CustomResourceOptions) {
    const tags = standardTags(args);
    const stateful = { ...opts, protect: args.protect };
    const client = getClientConfigOutput({ parent: opts.parent });
    const group = new ResourceGroup(`${name}-rg`, { resourceGroupName: resourceName([args.model.name, pulumi.getStack()], 90), location: args.region, tags }, stateful);
    const resourceGroupName = group.name;

    const storage = new StorageAccount(
        `${name}-storage`,
        {
            resourceGroupName,
            accountName: compactName(args, "models", 24),
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
    const container = new BlobContainer(`${name}-models`, { resourceGroupName, accountName: storage.name, containerName: MODEL_CONTAINER, publicAccess: "None" }, stateful);
    const artifact = args.model.artifact;
    let artifactUri: pulumi.Output<string>;
    const uploads: pulumi.Resource[] = [];
    if (artifact.kind === "uri") {
        artifactUri = pulumi.output(artifact.uri);
    } else {
        const local = localArtifactFiles(args, artifact);
        for (const file of local.files) {
            uploads.push(
                new Blob(uploadName(name, file.key), { resourceGroupName, accountName: storage.name, containerName: container.name, blobName: `${local.prefix}${file.key}`, type: "Block", source: new pulumi.asset.FileAsset(file.source) }, opts),
            );
        }
        artifactUri = pulumi.interpolate`https://${storage.name}.blob.core.windows.net/${MODEL_CONTAINER}/${local.prefix}`;
    }

    const registry = new Registry(
        `${name}-registry`,
        { resourceGroupName, registryName: compactName(args, "images", 50), location: args.region, sku: { name: "Premium" }, adminUserEnabled: false, anonymousPullEnabled: false, policies: { retentionPolicy: { days: 30, status: "enabled" } }, tags },
        stateful,
    );
    const vault = new Vault(
        `${name}-vault`,
        {
            resourceGroupName,
            vaultName: compactName(args, "kv", 24),
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
    const secrets: Record<string, Secret> = {};
    for (const [key, value] of Object.entries(args.secrets)) {
        secrets[key] = new Secret(`${name}-secret-${key}`, { resourceGroupName, vaultName: vault.name, secretName: key.replace(/[^A-Za-z0-9-]/g, "-"), properties: { value: pulumi.secret(value) }, tags }, opts);
    }
    const logs = new LogAnalytics(`${name}-logs`, { resourceGroupName, location: args.region, sku: { name: "PerGB2018" }, retentionInDays: Math.max(30, Math.min(730, args.logRetentionDays)), tags }, stateful);
    const budget = createAzureBudget(name, args, group.id, opts);
    return { client, group, resourceGroupName, storage, container, artifactUri, uploads, registry, vault, secrets, logs, tags, budget };
}

export type Foundation = ReturnType<typeof createFoundation>;

/** Grants one built-in role to a principal on one scope; managed identities are service principals. */
export function grant(
    name: string,
    foundation: Foundation,
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
export function deployerPrincipalType(args: ResolvedServiceArgs, foundation: Pick<Foundation, "client">): pulumi.Output<string> {
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
        ...Object.fromEntries(Object.entries(f.secrets).map(([k, s]) => [`secret:${k}`, s])),
    };
}
