import type { Cloud, Gpu, Runtime, Size } from "./contract";
import { RUNTIMES } from "./runtimes";

/** Portable sizes: what a replica gets, whichever cloud runs it. */
export const SIZES: Readonly<Record<Size, { readonly vcpu: number; readonly memoryMiB: number }>> = {
    small: { vcpu: 2, memoryMiB: 8192 },
    medium: { vcpu: 4, memoryMiB: 16384 },
    large: { vcpu: 8, memoryMiB: 32768 },
    xlarge: { vcpu: 16, memoryMiB: 65536 },
};

/** The instance type a runtime uses when the user did not override it. */
export function defaultInstanceType(runtime: Runtime, size: Size, gpu: Gpu): string | undefined {
    return RUNTIMES[runtime].instanceTypeFor?.(size, gpu);
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
