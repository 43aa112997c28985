import { autoname, type OutputsOf } from "./common";

/** Any Kubernetes object: the API server names it (when the program did not) and fills in status. */
export const kubernetesOutputs: OutputsOf = ({ name, inputs, seed }) => {
    const metadata = { ...(inputs.metadata ?? {}), name: inputs.metadata?.name ?? autoname(name, seed), uid: `00000000-0000-4000-8000-${seed.length.toString().padStart(12, "0")}` };
    const id = metadata.namespace ? `${metadata.namespace}/${metadata.name}` : metadata.name;
    const isLoadBalancer = inputs.kind === "Service" && inputs.spec?.type === "LoadBalancer";
    return { id, state: { metadata, ...(isLoadBalancer ? { status: { loadBalancer: { ingress: [{ ip: "10.128.0.50" }] } } } : {}) } };
};
