import type * as pulumi from "@pulumi/pulumi";
import type { FoundationPlacement, ResolvedServiceArgs } from "../../components/contract";
import { createGcsArtifactStore } from "./artifactStore";
import { createLogBucket } from "./logs";
import { createServiceNetwork } from "./network";
import { createGcpBudget } from "./budget";
import { createGcpProvider, enableApis } from "./gcpProvider";
import { createGcpServingImage } from "./registry";
import { createGcpSecretStore } from "./secretStore";
import { createServingAccount } from "./servingIdentity";

/** What both runtimes call: the stores, registry, identity, secrets and budget all stand on these. */
export const SHARED_APIS = [
    "artifactregistry.googleapis.com",
    "secretmanager.googleapis.com",
    "iam.googleapis.com",
    "storage.googleapis.com",
    "monitoring.googleapis.com",
    "logging.googleapis.com",
    "billingbudgets.googleapis.com",
    // The service's network (providers/gcp/network.ts).
    "compute.googleapis.com",
] as const;

/**
 * What both Google Cloud runtimes stand on: provider, APIs, artifact store, image, serving identity,
 * secrets, budget, log bucket, network. They belong to the ModelService, named after the cloud (`placement`), so switching
 * between vertex and gke keeps them (same URNs, same bucket, account, repository and secret ids) instead
 * of creating twins under the same ids. `child` places the runtime's own resources: under the runtime,
 * through the same provider, after the APIs.
 */
export function createGcpFoundation(placement: FoundationPlacement, args: ResolvedServiceArgs, runtimeApis: readonly string[], runtime: pulumi.Resource) {
    const { name, parent } = placement;
    const provider = createGcpProvider(name, args, parent);
    const enabled = enableApis(name, args, [...SHARED_APIS, ...runtimeApis], { parent, provider });
    const shared: pulumi.CustomResourceOptions = { parent, provider, dependsOn: enabled };
    const artifact = createGcsArtifactStore(name, args, shared);
    const image = createGcpServingImage(name, args, shared);
    const identity = createServingAccount(name, args, artifact, image, shared);
    const secrets = createGcpSecretStore(name, args, identity.member, shared);
    const budget = createGcpBudget(name, args, enabled, shared);
    const logBucket = createLogBucket(name, args, shared);
    const network = createServiceNetwork(name, args, shared);
    const child: pulumi.CustomResourceOptions = { parent: runtime, provider, dependsOn: enabled };
    return { provider, apis: enabled, shared, child, project: args.gcp.project!, artifact, image, identity, secrets, budget, logBucket, network };
}

export type GcpFoundation = ReturnType<typeof createGcpFoundation>;

/** The children every Google Cloud runtime exposes in `raw`. */
export function gcpFoundationChildren(f: GcpFoundation): Record<string, pulumi.Resource | undefined> {
    return {
        provider: f.provider,
        serviceAccount: f.identity.account,
        bucket: f.artifact.bucket,
        repository: f.image.created,
        budget: f.budget,
        logBucket: f.logBucket,
        network: f.network.network,
        subnet: f.network.subnet,
        ...Object.fromEntries(Object.entries(f.secrets).map(([k, s]) => [`secret:${k}`, s.secret])),
    };
}
