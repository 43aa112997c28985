import type { Cloud, ImplementationFactory, Runtime } from "./contract";

export interface RuntimeEntry {
    readonly cloud: Cloud;
    /** The cloud's managed ML runtime is its default. */
    readonly managed: boolean;
    /** Loads the implementation on demand, so a stack never loads another cloud's SDK. Absent: not built yet. */
    readonly load?: () => Promise<ImplementationFactory>;
    /** The issue that builds it, for the "not built yet" message. */
    readonly plannedIn?: string;
    /** Serving contract the runtime imposes, if any (port, routes). */
    readonly fixedContract?: { readonly port: number; readonly healthRoute: string; readonly predictRoute: string };
    /** Whether the runtime sizes replicas by instance type (else by the portable size alone). */
    readonly takesInstanceType: boolean;
}

export const RUNTIMES: Readonly<Record<Runtime, RuntimeEntry>> = {
    sagemaker: {
        cloud: "aws",
        managed: true,
        load: async () => (await import("../providers/aws/sagemaker")).createSageMakerService,
        fixedContract: { port: 8080, healthRoute: "/ping", predictRoute: "/invocations" },
        takesInstanceType: true,
    },
    ecs: {
        cloud: "aws",
        managed: false,
        load: async () => (await import("../providers/aws/ecs")).createEcsService,
        takesInstanceType: false,
    },
    vertex: {
        cloud: "gcp",
        managed: true,
        load: async () => (await import("../providers/gcp/vertex")).createVertexService,
        takesInstanceType: true,
    },
    gke: {
        cloud: "gcp",
        managed: false,
        load: async () => (await import("../providers/gcp/gke")).createGkeService,
        takesInstanceType: false,
    },
    azureml: {
        cloud: "azure",
        managed: true,
        load: async () => (await import("../providers/azure/azureml")).createAzureMlService,
        takesInstanceType: true,
    },
    aks: {
        cloud: "azure",
        managed: false,
        load: async () => (await import("../providers/azure/aks")).createAksService,
        takesInstanceType: false,
    },
};

export const CLOUDS: readonly Cloud[] = ["aws", "gcp", "azure"];

export function runtimesOf(cloud: Cloud): Runtime[] {
    return (Object.keys(RUNTIMES) as Runtime[]).filter((r) => RUNTIMES[r].cloud === cloud);
}

export function defaultRuntime(cloud: Cloud): Runtime {
    const managed = runtimesOf(cloud).find((r) => RUNTIMES[r].managed);
    if (!managed) throw new Error(`no managed runtime registered for ${cloud}`);
    return managed;
}

export function isCloud(value: string): value is Cloud {
    return (CLOUDS as readonly string[]).includes(value);
}

export function isRuntime(value: string): value is Runtime {
    return Object.prototype.hasOwnProperty.call(RUNTIMES, value);
}
