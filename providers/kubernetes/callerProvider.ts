import type * as pulumi from "@pulumi/pulumi";

/**
 * The caller's kubernetes provider, when the ModelService was given one (`provider` or `providers`). It only
 * reaches a cluster the service did not create, so it needs that cluster's coordinates (`field`): the rollout
 * guard and the alerts read the cluster itself.
 */
export function callerKubernetesProvider(component: pulumi.Resource, clusterGiven: boolean, field: string): pulumi.ProviderResource | undefined {
    const provider = component.getProvider("kubernetes:index:Provider");
    if (provider && !clusterGiven) {
        throw new Error(`${field}: is not set, but the ModelService was given a kubernetes provider. Fix: set ${field} to the cluster that provider reaches, or remove the provider to create a cluster`);
    }
    return provider;
}
