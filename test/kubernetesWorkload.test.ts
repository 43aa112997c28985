import { describe, expect, it } from "vitest";
import { one, planJson } from "./helpers/plan";

// The shared workload on AKS, where the cloud-specific inputs differ from GKE's (test/gke.test.ts).

describe("the shared workload on AKS", () => {
    it("mounts Key Vault secrets through the upstream Secrets Store CSI driver, drains before stopping, and admits the same clients in the load balancer and the network policy", { timeout: 180_000 }, () => {
        const { doc, code } = planJson(["--stack", "prod", "--config", "cloud=azure", "--config", "runtime=aks", "--config", 'secrets=["hfToken"]', "--secret", "hfToken=offline-aks-workload-secret-17"]);
        expect(code).toBe(0);
        expect((one(doc, "kubernetes:secrets-store.csi.x-k8s.io/v1:SecretProviderClass").inputs as any).spec.provider).toBe("azure");
        const spec = (one(doc, "kubernetes:apps/v1:Deployment").inputs as any).spec.template.spec;
        expect(spec.volumes).toContainEqual({ name: "secrets", csi: { driver: "secrets-store.csi.k8s.io", readOnly: true, volumeAttributes: { secretProviderClass: "model-server-secrets" } } });
        expect(spec.containers[0].lifecycle).toEqual({ preStop: { sleep: { seconds: 15 } } });
        expect(spec.terminationGracePeriodSeconds).toBe(40);
        expect((one(doc, "kubernetes:core/v1:Service").inputs as any).spec.loadBalancerSourceRanges).toEqual(["10.224.0.0/12"]);
        expect((one(doc, "kubernetes:networking.k8s.io/v1:NetworkPolicy").inputs as any).spec.ingress[0].from).toEqual([{ ipBlock: { cidr: "10.224.0.0/12" } }]);
    });
});
