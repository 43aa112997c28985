import type { Cloud, Runtime } from "./contract";
import type { RuntimeDescriptor } from "./runtimeDescriptor";
import { SAGEMAKER_RUNTIME } from "../providers/aws/sagemaker.runtime";
import { ECS_RUNTIME } from "../providers/aws/ecs.runtime";
import { VERTEX_RUNTIME } from "../providers/gcp/vertex.runtime";
import { GKE_RUNTIME } from "../providers/gcp/gke.runtime";
import { AZUREML_RUNTIME } from "../providers/azure/azureml.runtime";
import { AKS_RUNTIME } from "../providers/azure/aks.runtime";

/** Runtimes by name; validation and the component ask these, never a runtime's name. */
export type RuntimeRegistry = Readonly<Record<string, RuntimeDescriptor>>;

/** Every runtime's descriptor. Each lives beside its implementation and loads it only on demand. */
export const RUNTIMES: Readonly<Record<Runtime, RuntimeDescriptor>> = {
    sagemaker: SAGEMAKER_RUNTIME,
    ecs: ECS_RUNTIME,
    vertex: VERTEX_RUNTIME,
    gke: GKE_RUNTIME,
    azureml: AZUREML_RUNTIME,
    aks: AKS_RUNTIME,
};

export const CLOUDS: readonly Cloud[] = ["aws", "gcp", "azure"];

/** The runtimes that are built (have a loader), in registry order. */
export function builtRuntimes(registry: RuntimeRegistry = RUNTIMES): Runtime[] {
    return (Object.keys(registry) as Runtime[]).filter((r) => registry[r]!.load);
}

export function runtimesOf(cloud: Cloud, registry: RuntimeRegistry = RUNTIMES): Runtime[] {
    return (Object.keys(registry) as Runtime[]).filter((r) => registry[r]!.cloud === cloud);
}

export function defaultRuntime(cloud: Cloud, registry: RuntimeRegistry = RUNTIMES): Runtime {
    const managed = runtimesOf(cloud, registry).find((r) => registry[r]!.managed);
    if (!managed) throw new Error(`no managed runtime registered for ${cloud}`);
    return managed;
}

export function isCloud(value: string): value is Cloud {
    return (CLOUDS as readonly string[]).includes(value);
}

export function isRuntime(value: string, registry: RuntimeRegistry = RUNTIMES): value is Runtime {
    return Object.prototype.hasOwnProperty.call(registry, value);
}
