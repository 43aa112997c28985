import type { Gpu, Size } from "../../components/contract";
import { validateGoogleRegistryImage } from "../../components/gcpValidation";
import type { RuntimeDescriptor } from "../../components/runtimeDescriptor";

const VERTEX_CPU: Readonly<Record<Size, string>> = {
    small: "e2-standard-2",
    medium: "e2-standard-4",
    large: "e2-standard-8",
    xlarge: "e2-standard-16",
};

/** Vertex machine type and accelerator for each GPU Google Cloud offers. */
export const VERTEX_GPU: Readonly<Partial<Record<Exclude<Gpu, "none">, { machineType: string; acceleratorType: string }>>> = {
    t4: { machineType: "n1-standard-4", acceleratorType: "NVIDIA_TESLA_T4" },
    l4: { machineType: "g2-standard-4", acceleratorType: "NVIDIA_L4" },
    a100: { machineType: "a2-highgpu-1g", acceleratorType: "NVIDIA_TESLA_A100" },
};

/** Google Cloud's managed runtime: a Vertex AI endpoint (providers/gcp/vertex.ts). */
export const VERTEX_RUNTIME: RuntimeDescriptor = {
    name: "vertex",
    cloud: "gcp",
    managed: true,
    load: async () => (await import("./vertex")).createVertexService,
    takesInstanceType: true,
    instanceTypeFor: (size, gpu) => (gpu === "none" ? VERTEX_CPU[size] : VERTEX_GPU[gpu]?.machineType),
    features: { autoscaling: true, "scale to zero": false, GPU: true, "private network": true, auth: true, canary: true, rollback: true, alarms: true, secrets: true },
    // A public or Private Service Connect endpoint, OAuth either way; no IP allow-list.
    exposure: { front: "a Vertex AI endpoint (OAuth)", allowedCidrs: "never" },
    minReplicasFloor: 1,
    validate: ({ args }, problem) =>
        validateGoogleRegistryImage(
            args.image,
            "is not in Artifact Registry or Container Registry, the only registries a Vertex AI model's container is pulled from (https://cloud.google.com/vertex-ai/docs/predictions/custom-container-requirements#registry)",
            problem,
        ),
};
