import type { RuntimeDescriptor } from "../../components/runtimeDescriptor";
import { KUBERNETES_WORKLOAD_TRAITS, kubernetesGpuRefusal } from "../kubernetes/workload.runtime";

/**
 * Azure's container runtime: the Kubernetes workload on AKS (providers/azure/aks.ts). Its VM size comes
 * from the portable size (providers/azure/aksNodeSize.ts), not from an instance type.
 */
export const AKS_RUNTIME: RuntimeDescriptor = {
    ...KUBERNETES_WORKLOAD_TRAITS,
    name: "aks",
    cloud: "azure",
    load: async () => (await import("./aks")).createAksService,
    gpuRefusal: kubernetesGpuRefusal("aks"),
};
