import { describe, expect, it } from "vitest";
import { ROLE_DEFINITIONS } from "../providers/azure/roles";

// Microsoft's built-in roles, name -> id, copied from
// https://learn.microsoft.com/azure/role-based-access-control/built-in-roles (the role's "name" field).
const BUILT_IN: Record<string, string> = {
    "Storage Blob Data Reader": "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1",
    AcrPull: "7f951dda-4ed3-4680-a7ca-43fe172d538d",
    AcrPush: "8311e382-0749-4cb8-b61a-304f252e45ec",
    "Key Vault Secrets User": "4633458b-17de-408a-b874-0445c86b69e6",
    "Key Vault Secrets Officer": "b86a8fe4-44ce-4948-aee5-eccb2c155cd7",
    "Monitoring Data Reader": "b0d8363b-8ddd-447d-831f-62ca05bff136",
    "Azure Kubernetes Service RBAC Cluster Admin": "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b",
};

describe("Azure role definitions", () => {
    for (const [key, role] of Object.entries(ROLE_DEFINITIONS)) {
        it(`${key} is the built-in role ${role.roleName}`, () => {
            expect(BUILT_IN[role.roleName], `${role.roleName} is not in the built-in list this test knows`).toBeDefined();
            expect(role.id).toBe(BUILT_IN[role.roleName]);
        });
    }

    it("names every role once", () => {
        const ids = Object.values(ROLE_DEFINITIONS).map((r) => r.id);
        expect(new Set(ids).size).toBe(ids.length);
    });
});
