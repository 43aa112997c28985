/**
 * The built-in Azure role definitions this project assigns, by name. Each id is the role's `name` in
 * Microsoft's list of built-in roles, https://learn.microsoft.com/azure/role-based-access-control/built-in-roles
 * (the same in every subscription and tenant); test/azureRoles.test.ts pins each id to its role's name.
 */
export const ROLE_DEFINITIONS = {
    /** https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/storage#storage-blob-data-reader */
    storageBlobDataReader: { roleName: "Storage Blob Data Reader", id: "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1" },
    /** https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/containers#acrpull */
    acrPull: { roleName: "AcrPull", id: "7f951dda-4ed3-4680-a7ca-43fe172d538d" },
    /** https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/containers#acrpush */
    acrPush: { roleName: "AcrPush", id: "8311e382-0749-4cb8-b61a-304f252e45ec" },
    /** https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/security#key-vault-secrets-user */
    keyVaultSecretsUser: { roleName: "Key Vault Secrets User", id: "4633458b-17de-408a-b874-0445c86b69e6" },
    /** https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/security#key-vault-secrets-officer */
    keyVaultSecretsOfficer: { roleName: "Key Vault Secrets Officer", id: "b86a8fe4-44ce-4948-aee5-eccb2c155cd7" },
    /** https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/monitor#monitoring-data-reader */
    monitoringDataReader: { roleName: "Monitoring Data Reader", id: "b0d8363b-8ddd-447d-831f-62ca05bff136" },
    /** https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/containers#azure-kubernetes-service-rbac-cluster-admin */
    aksRbacClusterAdmin: { roleName: "Azure Kubernetes Service RBAC Cluster Admin", id: "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b" },
} as const;

export type RoleKey = keyof typeof ROLE_DEFINITIONS;
