import * as pulumi from "@pulumi/pulumi";
import { getManagedClusterOutput, type GetManagedClusterResult } from "@pulumi/azure-native/containerservice/getManagedCluster";
import type { ResolvedServiceArgs } from "../../components/contract";

/** What the workload, its identity, the deployer's access and the alerts need of an AKS cluster, created or brought. */
export interface AksClusterRef {
    readonly id: pulumi.Output<string>;
    readonly name: pulumi.Output<string>;
    readonly resourceGroupName: pulumi.Input<string>;
    /** The kubelet's identity, which pulls the image. */
    readonly kubeletObjectId: pulumi.Output<string>;
    /** The OIDC issuer the workload identity is federated with. */
    readonly issuerUrl: pulumi.Output<string>;
}

type ClusterFeatures = Pick<GetManagedClusterResult, "name" | "oidcIssuerProfile" | "securityProfile" | "aadProfile" | "azureMonitorProfile" | "addonProfiles">;

/** A created cluster's or the caller's ManagedCluster state, as a reference. */
export function aksClusterRef(cluster: { id: pulumi.Output<string>; name: pulumi.Output<string>; identityProfile: pulumi.Output<GetManagedClusterResult["identityProfile"]>; oidcIssuerProfile: pulumi.Output<GetManagedClusterResult["oidcIssuerProfile"]> }, resourceGroupName: pulumi.Input<string>): AksClusterRef {
    return {
        id: cluster.id,
        name: cluster.name,
        resourceGroupName,
        kubeletObjectId: cluster.identityProfile.apply((p) => p?.["kubeletidentity"]?.objectId ?? ""),
        issuerUrl: cluster.oidcIssuerProfile.apply((p) => p?.issuerURL ?? ""),
    };
}

/**
 * The caller's cluster (azure.clusterName in azure.clusterResourceGroup), read through the azure-native
 * provider, what the service relies on checked once its state is known.
 */
export function existingAksCluster(args: ResolvedServiceArgs, opts: pulumi.InvokeOutputOptions): AksClusterRef {
    const resourceGroupName = args.azure.clusterResourceGroup!;
    const hasSecrets = Object.keys(args.secrets).length > 0;
    const cluster = getManagedClusterOutput({ resourceGroupName, resourceName: args.azure.clusterName! }, opts).apply((c) => {
        const problem = aksClusterProblem(c, hasSecrets);
        if (problem) throw new Error(problem);
        return c;
    });
    return aksClusterRef({ id: cluster.id, name: cluster.name, identityProfile: cluster.apply((c) => c.identityProfile), oidcIssuerProfile: cluster.apply((c) => c.oidcIssuerProfile) }, resourceGroupName);
}

/** What the caller's cluster lacks of what the service relies on, as a problem message; undefined when nothing. */
export function aksClusterProblem(c: ClusterFeatures, hasSecrets: boolean): string | undefined {
    const lacks = (what: string, fix: string) => `azure.clusterName ${c.name}: ${what}. Fix: az aks update --name ${c.name} --resource-group <group> ${fix}`;
    if (!c.oidcIssuerProfile?.enabled || !c.securityProfile?.workloadIdentity?.enabled) return lacks("has no OIDC issuer or workload identity, which the model server's identity federates with", "--enable-oidc-issuer --enable-workload-identity");
    if (!c.aadProfile?.enableAzureRBAC) return lacks("has no Azure RBAC for Kubernetes, through which the deployer is granted cluster access", "--enable-azure-rbac (with --enable-aad)");
    if (!c.azureMonitorProfile?.metrics?.enabled) return lacks("has the managed Prometheus metrics add-on off, which the rollout guard and the alerts read", "--enable-azure-monitor-metrics");
    if (hasSecrets && !c.addonProfiles?.["azureKeyvaultSecretsProvider"]?.enabled) return lacks("has the Key Vault secrets provider add-on off, which mounts the secrets", "--enable-addons azure-keyvault-secrets-provider (az aks enable-addons)");
    return undefined;
}
