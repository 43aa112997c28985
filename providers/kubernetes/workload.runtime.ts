import type { RuntimeDescriptor } from "../../components/runtimeDescriptor";

/**
 * What gke and aks share through the Kubernetes workload (providers/kubernetes/workload.ts): the same
 * features, the same unauthenticated LoadBalancer Service in front, and no GPU requests.
 */
export const KUBERNETES_WORKLOAD_TRAITS = {
    features: { autoscaling: true, "scale to zero": false, GPU: false, "private network": true, auth: false, canary: true, rollback: true, alarms: true, secrets: true },
    // loadBalancerSourceRanges and the NetworkPolicy take allowedCidrs, public or internal (private clients such as a
    // peered VPC or on-premises range; else the cluster network's range).
    exposure: { front: "a LoadBalancer Service that does not authenticate callers", allowedCidrs: "always" },
    minReplicasFloor: 1,
    takesInstanceType: false,
    managed: false,
} as const satisfies Partial<RuntimeDescriptor>;

/** The workload requests no GPUs, so neither runtime can honour one. */
export function kubernetesGpuRefusal(runtime: string): RuntimeDescriptor["gpuRefusal"] {
    return { message: `cannot be honoured by ${runtime} yet: the shared workload requests no GPUs`, fix: "set gpu to none, or use sagemaker, vertex or azureml" };
}
