import { validateGoogleRegistryImage } from "../../components/gcpValidation";
import type { RuntimeDescriptor } from "../../components/runtimeDescriptor";
import { KUBERNETES_WORKLOAD_TRAITS, kubernetesGpuRefusal } from "../kubernetes/workload.runtime";

/** Google Cloud's container runtime: the Kubernetes workload on GKE Autopilot (providers/gcp/gke.ts). */
export const GKE_RUNTIME: RuntimeDescriptor = {
    ...KUBERNETES_WORKLOAD_TRAITS,
    name: "gke",
    cloud: "gcp",
    load: async () => (await import("./gke")).createGkeService,
    gpuRefusal: kubernetesGpuRefusal("gke"),
    ownKeys: [{ field: "gcp.internalGlobalAccess", given: (args) => (args.gcp?.internalGlobalAccess ? true : undefined), fix: "remove it, or use runtime gke with public false" }],
    validate: ({ args }, problem) => {
        validateGoogleRegistryImage(
            args.image,
            "is not in Artifact Registry or Container Registry: the cluster's private nodes reach Google's registries through Private Google Access, and nothing else (the service's network has no Cloud NAT)",
            problem,
        );
        if (args.gcp?.internalGlobalAccess && (args.network?.public ?? false)) {
            problem("gcp.internalGlobalAccess", true, "applies to the internal load balancer, and public is true", "remove it, or use runtime gke with public false");
        }
    },
};
