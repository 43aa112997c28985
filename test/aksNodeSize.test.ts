import { describe, expect, it } from "vitest";
import type { Size } from "../components/contract";
import { SIZES } from "../components/sizes";
import { AKS_VM_SIZES, SYSTEM_PODS_HEADROOM, aksAllocatable, aksNodeVmSize, podFits } from "../providers/azure/aksNodeSize";
import { byName, planJson } from "./helpers/plan";

// Scheduling fit on AKS: one model-server pod's requests plus the system pods' headroom within a node's
// allocatable, as AKS computes it (kube-reserved CPU and memory, eviction threshold).

describe("AKS node allocatable", () => {
    it("keeps kube-reserved CPU by cores, the lesser of 20 MiB x 250 pods + 50 MiB and 25% of memory, and the 100 Mi eviction threshold", () => {
        expect(aksAllocatable({ name: "x", vcpu: 4, memoryMiB: 16384 })).toEqual({ millicores: 3860, memoryMiB: 16384 - 4096 - 100 });
        expect(aksAllocatable({ name: "x", vcpu: 8, memoryMiB: 32768 })).toEqual({ millicores: 7820, memoryMiB: 32768 - (20 * 250 + 50) - 100 });
        expect(aksAllocatable({ name: "x", vcpu: 16, memoryMiB: 65536 }).millicores).toBe(16000 - 260);
    });
});

describe("AKS pool size per portable size", () => {
    for (const size of Object.keys(SIZES) as Size[]) {
        it(`${size}: the pod (${SIZES[size].vcpu} vCPU, ${SIZES[size].memoryMiB} MiB) fits the chosen node's allocatable beside the system pods, and no smaller size would`, () => {
            const vm = aksNodeVmSize(size);
            const free = aksAllocatable(vm);
            expect(SIZES[size].vcpu * 1000 + SYSTEM_PODS_HEADROOM.millicores).toBeLessThanOrEqual(free.millicores);
            expect(SIZES[size].memoryMiB + SYSTEM_PODS_HEADROOM.memoryMiB).toBeLessThanOrEqual(free.memoryMiB);
            for (const smaller of AKS_VM_SIZES.slice(0, AKS_VM_SIZES.indexOf(vm))) expect(podFits(size, smaller), smaller.name).toBe(false);
        });
    }

    it("sizes the pool from the pod: medium is Standard_D8ds_v5, where the old Standard_D4ds_v5 left it Pending", () => {
        expect(aksNodeVmSize("small").name).toBe("Standard_D4ds_v5");
        expect(aksNodeVmSize("medium").name).toBe("Standard_D8ds_v5");
        expect(aksNodeVmSize("large").name).toBe("Standard_D16ds_v5");
        expect(aksNodeVmSize("xlarge").name).toBe("Standard_D32ds_v5");
        expect(podFits("medium", AKS_VM_SIZES.find((vm) => vm.name === "Standard_D4ds_v5")!)).toBe(false);
    });

    it("puts that size on the cluster's pool", { timeout: 180_000 }, () => {
        const { doc, code } = planJson(["--stack", "dev", "--config", "cloud=azure", "--config", "runtime=aks", "--config", "size=medium"]);
        expect(code).toBe(0);
        const cluster = byName(doc, "azure-native:containerservice:ManagedCluster", "iris-aks-cluster").inputs as any;
        expect(cluster.agentPoolProfiles[0].vmSize).toBe("Standard_D8ds_v5");
        const pod = (doc.resources.find((r) => r.type === "kubernetes:apps/v1:Deployment")!.inputs as any).spec.template.spec.containers[0].resources.requests;
        expect(pod).toEqual({ cpu: "4", memory: "16384Mi" });
    });
});
