import type { ResourceValidationPolicy } from "@pulumi/policy";
import { known } from "./unknown";

const SERVICES = new Set(["kubernetes:core/v1:Service", "kubernetes:core/v1:ServicePatch"]);

/**
 * Annotations that make a LoadBalancer Service's load balancer internal, by cloud:
 * GKE https://cloud.google.com/kubernetes-engine/docs/how-to/internal-load-balancing (and the legacy
 * cloud.google.com/ key), AKS https://learn.microsoft.com/azure/aks/internal-lb, EKS: the AWS Load
 * Balancer Controller's scheme and the in-tree provider's internal flag
 * https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/service/annotations/
 */
const INTERNAL_ANNOTATIONS: readonly { readonly key: string; readonly internal: (value: string) => boolean }[] = [
    { key: "networking.gke.io/load-balancer-type", internal: (v) => v.toLowerCase() === "internal" },
    { key: "cloud.google.com/load-balancer-type", internal: (v) => v.toLowerCase() === "internal" },
    { key: "service.beta.kubernetes.io/azure-load-balancer-internal", internal: (v) => v.toLowerCase() === "true" },
    { key: "service.beta.kubernetes.io/aws-load-balancer-scheme", internal: (v) => v.toLowerCase() === "internal" },
    // The in-tree AWS provider reads any value but "false" as internal (legacy charts set "0.0.0.0/0").
    { key: "service.beta.kubernetes.io/aws-load-balancer-internal", internal: (v) => v.toLowerCase() !== "false" },
];

/** Kubernetes' own alternative to spec.loadBalancerSourceRanges (https://kubernetes.io/docs/concepts/services-networking/service/). */
const SOURCE_RANGES_ANNOTATION = "service.beta.kubernetes.io/load-balancer-source-ranges";

/** A CIDR that admits every address: a /0 of either family. */
function isEverySource(cidr: string): boolean {
    return /\/0+$/.test(cidr.trim());
}

function sourceRanges(spec: Record<string, unknown>, annotations: Record<string, unknown>): string[] {
    const listed = known(spec.loadBalancerSourceRanges, "spec.loadBalancerSourceRanges");
    if (Array.isArray(listed) && listed.length > 0) return listed.map(String);
    const annotated = known(annotations[SOURCE_RANGES_ANNOTATION], `metadata.annotations.${SOURCE_RANGES_ANNOTATION}`);
    return typeof annotated === "string" ? annotated.split(",").map((r) => r.trim()).filter(Boolean) : [];
}

/** A LoadBalancer Service the internet can reach from every address: not internal, and no source range short of a /0. */
export const k8sNoOpenLoadBalancer: ResourceValidationPolicy = {
    name: "k8s-no-open-load-balancer",
    description: "Kubernetes Services of type LoadBalancer are internal (GKE, AKS or EKS annotation) or list loadBalancerSourceRanges that exclude 0.0.0.0/0 and ::/0.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (!SERVICES.has(args.type)) return;
        const spec = (args.props.spec ?? {}) as Record<string, unknown>;
        if (known(spec.type, "spec.type") !== "LoadBalancer") return;
        const annotations = ((args.props.metadata as Record<string, unknown> | undefined)?.annotations ?? {}) as Record<string, unknown>;
        const internal = INTERNAL_ANNOTATIONS.some(({ key, internal: isInternal }) => {
            const value = known(annotations[key], `metadata.annotations.${key}`);
            return typeof value === "string" && isInternal(value);
        });
        if (internal) return;
        const ranges = sourceRanges(spec, annotations);
        const open = ranges.length === 0 ? "no source ranges" : ranges.filter(isEverySource).length > 0 ? `source range ${ranges.filter(isEverySource).join(", ")}` : undefined;
        if (open) {
            reportViolation(
                `Restrict the public load balancer of Service '${args.name}' (${open}): list the client networks in spec.loadBalancerSourceRanges, or make it internal with the cloud's annotation (networking.gke.io/load-balancer-type: Internal, service.beta.kubernetes.io/azure-load-balancer-internal: "true", service.beta.kubernetes.io/aws-load-balancer-scheme: internal).`,
            );
        }
    },
};

export const LOAD_BALANCER_POLICIES = [k8sNoOpenLoadBalancer];
