import type { Cloud, Gpu, Runtime, Size } from "./contract";

/** Portable sizes: what a replica gets, whichever cloud runs it. */
export const SIZES: Readonly<Record<Size, { readonly vcpu: number; readonly memoryMiB: number }>> = {
    small: { vcpu: 2, memoryMiB: 8192 },
    medium: { vcpu: 4, memoryMiB: 16384 },
    large: { vcpu: 8, memoryMiB: 32768 },
    xlarge: { vcpu: 16, memoryMiB: 65536 },
};

const SAGEMAKER_CPU: Readonly<Record<Size, string>> = {
    small: "ml.m5.large",
    medium: "ml.m5.xlarge",
    large: "ml.m5.2xlarge",
    xlarge: "ml.m5.4xlarge",
};

const SAGEMAKER_GPU: Readonly<Record<Exclude<Gpu, "none">, string>> = {
    t4: "ml.g4dn.xlarge",
    a10g: "ml.g5.xlarge",
    l4: "ml.g6.xlarge",
    a100: "ml.p4d.24xlarge",
};

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

const AZUREML_CPU: Readonly<Record<Size, string>> = {
    small: "Standard_DS2_v2",
    medium: "Standard_DS3_v2",
    large: "Standard_DS4_v2",
    xlarge: "Standard_DS5_v2",
};

const AZUREML_GPU: Readonly<Partial<Record<Exclude<Gpu, "none">, string>>> = {
    t4: "Standard_NC4as_T4_v3",
    a10g: "Standard_NV36ads_A10_v5",
    a100: "Standard_NC24ads_A100_v4",
};

/** The instance type a runtime uses when the user did not override it. */
export function defaultInstanceType(runtime: Runtime, size: Size, gpu: Gpu): string | undefined {
    if (runtime === "sagemaker") return gpu === "none" ? SAGEMAKER_CPU[size] : SAGEMAKER_GPU[gpu];
    if (runtime === "vertex") return gpu === "none" ? VERTEX_CPU[size] : VERTEX_GPU[gpu]?.machineType;
    if (runtime === "azureml" || runtime === "aks") return gpu === "none" ? AZUREML_CPU[size] : AZUREML_GPU[gpu];
    return undefined;
}

/** What an instance type of each cloud looks like, with an example for error messages. */
export const INSTANCE_TYPE_SHAPES: Readonly<Record<Cloud, { readonly pattern: RegExp; readonly example: string }>> = {
    aws: { pattern: /^ml\.[a-z][a-z0-9-]*\.(medium|large|\d*xlarge)$/, example: "ml.m5.large" },
    gcp: { pattern: /^[a-z][a-z0-9]*-(standard|highmem|highcpu|highgpu|ultragpu|megagpu)-\d+[a-z]*$/, example: "n1-standard-4" },
    azure: { pattern: /^Standard_[A-Za-z0-9_]+$/, example: "Standard_DS3_v2" },
};

/** Which cloud an instance type belongs to, or undefined when it looks like none of them. */
export function cloudOfInstanceType(instanceType: string): Cloud | undefined {
    for (const [cloud, shape] of Object.entries(INSTANCE_TYPE_SHAPES) as [Cloud, (typeof INSTANCE_TYPE_SHAPES)[Cloud]][]) {
        if (shape.pattern.test(instanceType)) return cloud;
    }
    return undefined;
}
