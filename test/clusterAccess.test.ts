import type * as http from "node:http";
import { describe, expect, it } from "vitest";
import { createClusterAccessProvider } from "../providers/azure/clusterAccess";
import { LoopbackServer, serveDuringTests } from "./helpers/loopbackServer";
import { byName, one, planJson } from "./helpers/plan";
import { loadSerializedProvider, serializeProvider } from "./helpers/serializedProvider";

// A fake AKS API server answering SelfSubjectAccessReviews: "not allowed" until the role assignment
// has propagated (after `denials` reviews), as Azure RBAC for Kubernetes does.
class FakeApiServer extends LoopbackServer {
    denials = 0;
    status = 201;
    readonly reviews: { authorization?: string; body: any }[] = [];
    reset(): void {
        this.denials = 0;
        this.status = 201;
        this.reviews.length = 0;
    }
    protected handle(req: http.IncomingMessage, res: http.ServerResponse, raw: string): void {
        if (req.method !== "POST" || req.url !== "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews") {
            res.writeHead(404).end();
            return;
        }
        const body = JSON.parse(raw);
        this.reviews.push({ authorization: req.headers.authorization, body });
        const allowed = this.reviews.length > this.denials;
        res.writeHead(this.status, { "content-type": "application/json" });
        res.end(JSON.stringify({ ...body, status: { allowed, ...(allowed ? {} : { reason: "no RBAC policy matched" }) } }));
    }
}

const fake = new FakeApiServer();
serveDuringTests(fake);
const provider = createClusterAccessProvider({ getAccessToken: async () => "aks-token" });
const inputs = (overrides: Record<string, unknown> = {}) => ({ apiServer: fake.url, caCertificate: "", roleAssignmentId: "/subscriptions/s/ra/1", intervalSeconds: 0.01, timeoutSeconds: 5, ...overrides });

describe("aks: the deployer's Kubernetes access, waited for until it has propagated (issue 14 item 3)", () => {
    it("asks the API server whether this identity may create namespaces until it says yes", async () => {
        fake.denials = 3;
        const result = await provider.create(inputs());
        expect(result.id).toBe("/subscriptions/s/ra/1/propagated");
        expect(fake.reviews).toHaveLength(4);
        expect(fake.reviews[0]).toEqual({
            authorization: "Bearer aks-token",
            body: { apiVersion: "authorization.k8s.io/v1", kind: "SelfSubjectAccessReview", spec: { resourceAttributes: { verb: "create", resource: "namespaces" } } },
        });
    });

    it("fails at the deadline saying what the API server last said and how to check the grant", async () => {
        fake.denials = 1_000;
        await expect(provider.create(inputs({ timeoutSeconds: 0.1 }))).rejects.toThrow(/did not take effect .*does not yet let this identity create namespaces.*az role assignment list/);
        fake.reset();
        fake.status = 401;
        await expect(provider.create(inputs({ timeoutSeconds: 0.05 }))).rejects.toThrow(/answered 401/);
    });

    it("waits again only for a new role assignment or cluster", async () => {
        const olds = inputs();
        expect(await provider.diff!("id", olds, inputs())).toMatchObject({ changes: false, replaces: [] });
        expect(await provider.diff!("id", olds, inputs({ roleAssignmentId: "/subscriptions/s/ra/2" }))).toMatchObject({ changes: true, replaces: ["roleAssignmentId"] });
    });

    it("runs from its serialized form", { timeout: 30_000 }, async () => {
        const loaded = loadSerializedProvider((await serializeProvider(provider)).text);
        fake.denials = 1;
        await loaded.create!(inputs());
        expect(fake.reviews).toHaveLength(2);
    });

    it("plans the grant on the cluster for the deployer, and every Kubernetes call behind the wait", () => {
        const { doc } = planJson(["--stack", "dev", "--config", "cloud=azure", "--config", "runtime=aks", "--config", "image=mcr.microsoft.com/azureml/minimal-ubuntu22.04-py39-cpu-inference:latest"]);
        expect(doc.errors).toEqual([]);
        const cluster = one(doc, "azure-native:containerservice:ManagedCluster");
        const admin = byName(doc, "azure-native:authorization:RoleAssignment", "iris-aks-deployer-administers-cluster");
        expect(admin.inputs).toMatchObject({
            scope: cluster.id,
            principalId: "00000000-0000-4000-8000-0000000000d1",
            roleDefinitionId: expect.stringMatching(/\/roleDefinitions\/b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b$/),
        });
        const access = one(doc, "pulumi-nodejs:dynamic/azure:ClusterAccess");
        expect(access.inputs).toMatchObject({ roleAssignmentId: admin.id, apiServer: expect.stringMatching(/^https:\/\//) });
        expect(one(doc, "pulumi:providers:kubernetes").options.dependsOn).toContain(access.urn);
    });
});
