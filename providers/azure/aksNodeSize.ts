import type { Size } from "../../components/contract";
import { SIZES } from "../../components/sizes";

// The AKS pool's VM size, from what one model-server pod requests plus what a node keeps for itself.
// AKS reserves CPU and memory on every node (https://learn.microsoft.com/azure/aks/node-resource-reservations,
// AKS 1.29 and later): kube-reserved CPU by core count; kube-reserved memory the lesser of
// 20 MB x max pods + 50 MB and 25% of the VM's memory; and the kubelet evicts below 100 Mi available.

export interface AksVmSize {
    readonly name: string;
    readonly vcpu: number;
    readonly memoryMiB: number;
}

/** General-purpose Ddsv5 sizes, smallest first (https://learn.microsoft.com/azure/virtual-machines/sizes/general-purpose/ddsv5-series). */
export const AKS_VM_SIZES: readonly AksVmSize[] = [
    { name: "Standard_D2ds_v5", vcpu: 2, memoryMiB: 8 * 1024 },
    { name: "Standard_D4ds_v5", vcpu: 4, memoryMiB: 16 * 1024 },
    { name: "Standard_D8ds_v5", vcpu: 8, memoryMiB: 32 * 1024 },
    { name: "Standard_D16ds_v5", vcpu: 16, memoryMiB: 64 * 1024 },
    { name: "Standard_D32ds_v5", vcpu: 32, memoryMiB: 128 * 1024 },
    { name: "Standard_D48ds_v5", vcpu: 48, memoryMiB: 192 * 1024 },
    { name: "Standard_D64ds_v5", vcpu: 64, memoryMiB: 256 * 1024 },
];

/** Kube-reserved millicores by the node's core count (the AKS table; sizes between rows take the row below). */
const KUBE_RESERVED_MILLICORES: readonly [cores: number, millicores: number][] = [
    [1, 60],
    [2, 100],
    [4, 140],
    [8, 180],
    [16, 260],
    [32, 420],
    [64, 740],
];
const EVICTION_THRESHOLD_MIB = 100;
/** Azure CNI Overlay's default (and the pool sets none): https://learn.microsoft.com/azure/aks/azure-cni-overlay#pods */
export const AKS_MAX_PODS = 250;

/**
 * What the add-on pods this cluster runs on its only (system) pool request per node, beside the model
 * server: Cilium, Azure Monitor metrics (ama-metrics), the Key Vault Secrets Store CSI driver and its
 * provider, the disk and file CSI drivers, cloud-node-manager, and a share of CoreDNS, metrics-server
 * and konnectivity. An estimate with a margin, not a measurement: no cluster is reachable from here.
 */
export const SYSTEM_PODS_HEADROOM = { millicores: 1000, memoryMiB: 2048 } as const;

/** A node's allocatable CPU (millicores) and memory (MiB) for pods, as AKS computes it. */
export function aksAllocatable(vm: AksVmSize): { millicores: number; memoryMiB: number } {
    const reservedCpu = [...KUBE_RESERVED_MILLICORES].reverse().find(([cores]) => vm.vcpu >= cores)?.[1] ?? KUBE_RESERVED_MILLICORES[0]![1];
    const reservedMemory = Math.min(20 * AKS_MAX_PODS + 50, vm.memoryMiB * 0.25);
    return { millicores: vm.vcpu * 1000 - reservedCpu, memoryMiB: Math.floor(vm.memoryMiB - reservedMemory - EVICTION_THRESHOLD_MIB) };
}

/** Whether one pod of `size` fits on the VM beside the system pods. */
export function podFits(size: Size, vm: AksVmSize): boolean {
    const pod = SIZES[size];
    const free = aksAllocatable(vm);
    return pod.vcpu * 1000 + SYSTEM_PODS_HEADROOM.millicores <= free.millicores && pod.memoryMiB + SYSTEM_PODS_HEADROOM.memoryMiB <= free.memoryMiB;
}

/** The smallest VM size that fits one pod of `size` beside the system pods. */
export function aksNodeVmSize(size: Size): AksVmSize {
    const vm = AKS_VM_SIZES.find((candidate) => podFits(size, candidate));
    if (!vm) throw new Error(`No AKS VM size in the table fits a ${size} pod (${SIZES[size].vcpu} vCPU, ${SIZES[size].memoryMiB} MiB) beside the system pods.`);
    return vm;
}
