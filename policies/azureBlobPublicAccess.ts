import type { ResourceValidationPolicy } from "@pulumi/policy";
import { known } from "./unknown";

const STORAGE_ACCOUNT = "azure-native:storage:StorageAccount";
const BLOB_CONTAINER = "azure-native:storage:BlobContainer";

/** Blob public access must be switched off on the account, explicitly. */
export const azureStorageNoBlobPublicAccess: ResourceValidationPolicy = {
    name: "azure-storage-no-blob-public-access",
    description: "Azure storage accounts set allowBlobPublicAccess to false.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (args.type !== STORAGE_ACCOUNT) return;
        if (known(args.props.allowBlobPublicAccess, "allowBlobPublicAccess") !== false) {
            reportViolation(`Set allowBlobPublicAccess to false on storage account '${args.name}': otherwise any container can be made public.`);
        }
    },
};

/** Containers whose public access level lets anyone read blobs (or list them). */
export const azureContainerNotPublic: ResourceValidationPolicy = {
    name: "azure-blob-container-not-public",
    description: "Azure blob containers have public access None.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (args.type !== BLOB_CONTAINER) return;
        const level = known(args.props.publicAccess, "publicAccess");
        if (level === "Blob" || level === "Container") reportViolation(`Set publicAccess to "None" on container '${args.name}': "${level}" lets anyone read its blobs.`);
    },
};

/** Advisory hardening: a network default of Deny, and no shared keys (Entra ID only). */
export const azureStorageNetworkAndKeys: ResourceValidationPolicy = {
    name: "azure-storage-network-deny-and-no-shared-key",
    description: "Azure storage accounts deny network access by default and disable shared-key access.",
    enforcementLevel: "advisory",
    validateResource: (args, reportViolation) => {
        if (args.type !== STORAGE_ACCOUNT) return;
        if (known(args.props.networkRuleSet?.defaultAction, "networkRuleSet.defaultAction") !== "Deny") {
            reportViolation(`Set networkRuleSet.defaultAction to "Deny" on storage account '${args.name}' and allow only the networks that need it.`);
        }
        if (known(args.props.allowSharedKeyAccess, "allowSharedKeyAccess") !== false) {
            reportViolation(`Set allowSharedKeyAccess to false on storage account '${args.name}' so that only Entra ID identities can reach its data.`);
        }
    },
};

export const AZURE_STORAGE_POLICIES = [azureStorageNoBlobPublicAccess, azureContainerNotPublic, azureStorageNetworkAndKeys];
