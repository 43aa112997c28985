import type { CloudRules, ContractRule } from "./types";

// The Kubernetes API's own rules on the objects the shared workload plans (gke and aks). The kubernetes
// provider sends explicit names here, so there is no autonaming to model.

const CIDR = { kind: "pattern", pattern: /^(\d{1,3}\.){3}\d{1,3}\/(\d|[12]\d|3[0-2])$/, description: "an IPv4 CIDR block, ADDRESS/PREFIX" } as const;

/**
 * The least minReplicas a HorizontalPodAutoscaler takes: 0 only behind the alpha gate HPAScaleToZero
 * (https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/horizontal-pod-autoscaler-v2/).
 */
export const HPA_MIN_REPLICAS = 1;

const rules: ContractRule[] = [
    {
        id: "kubernetes.core.namespace.name",
        type: "kubernetes:core/v1:Namespace",
        path: "metadata.name",
        check: { kind: "pattern", pattern: /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, description: "an RFC 1123 label: lowercase letters, digits and hyphens, starting and ending with a letter or digit" },
        source: "https://kubernetes.io/docs/concepts/overview/working-with-objects/names/#dns-label-names",
    },
    { id: "kubernetes.core.namespace.name.length", type: "kubernetes:core/v1:Namespace", path: "metadata.name", check: { kind: "length", min: 1, max: 63 }, source: "https://kubernetes.io/docs/concepts/overview/working-with-objects/names/#dns-label-names" },
    {
        id: "kubernetes.core.service.loadBalancerSourceRanges",
        type: "kubernetes:core/v1:Service",
        path: "spec.loadBalancerSourceRanges[]",
        check: CIDR,
        source: "https://kubernetes.io/docs/reference/kubernetes-api/service-resources/service-v1/#ServiceSpec (loadBalancerSourceRanges: CIDRs)",
        fix: "list allowedCidrs as ADDRESS/PREFIX",
    },
    {
        id: "kubernetes.networking.networkPolicy.ipBlock",
        type: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
        path: "spec.ingress[].from[].ipBlock.cidr",
        check: CIDR,
        source: "https://kubernetes.io/docs/reference/kubernetes-api/policy-resources/network-policy-v1/#NetworkPolicySpec (ipBlock.cidr)",
        fix: "list allowedCidrs as ADDRESS/PREFIX",
    },
    {
        id: "kubernetes.autoscaling.hpa.minReplicas",
        type: "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
        path: "spec.minReplicas",
        check: { kind: "range", min: HPA_MIN_REPLICAS },
        source: "https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/horizontal-pod-autoscaler-v2/ (minReplicas: 0 only with the alpha gate HPAScaleToZero)",
    },
];

/** kubernetes: autonaming and API rules of the resource types the project plans. */
export const KUBERNETES_RULES: CloudRules = {
    autonames: [],
    rules,
};
