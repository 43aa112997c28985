import { autoname, type OutputsOf } from "./common";

/** Any Kubernetes object: the API server names it (when the program did not) and fills in status. */
export const kubernetesOutputs: OutputsOf = ({ name, inputs, seed }) => {
    const metadata = { ...(inputs.metadata ?? {}), name: inputs.metadata?.name ?? autoname(name, seed), uid: `00000000-0000-4000-8000-${seed.length.toString().padStart(12, "0")}` };
    const id = metadata.namespace ? `${metadata.namespace}/${metadata.name}` : metadata.name;
    const isLoadBalancer = inputs.kind === "Service" && inputs.spec?.type === "LoadBalancer";
    return { id, state: { metadata, ...(isLoadBalancer ? { status: { loadBalancer: { ingress: [{ ip: "10.128.0.50" }] } } } : {}) } };
};

/** The rollout guard (a dynamic resource): after a rollout, the requested model version serves. */
export const KUBERNETES_GUARD_OUTPUTS: Record<string, OutputsOf> = {
    "pulumi-nodejs:dynamic/kubernetes:RolloutGuard": ({ inputs }) => ({ id: `${inputs.namespace}/${inputs.deployment}`, state: { servingRevision: "1", servingModelVersion: inputs.modelVersion } }),
};
