import * as pulumi from "@pulumi/pulumi";
import type { FoundationPlacement, ResolvedServiceArgs } from "../../components/contract";
import { createArtifactStore } from "./artifactStore";
import { createAwsBudget } from "./budget";
import { createAwsProvider } from "./awsProvider";
import { createServingImage } from "./registry";
import { createSecretStore } from "./secretStore";

/**
 * What both AWS runtimes stand on: provider (region, default tags), artifact store, image, secrets,
 * budget. They belong to the ModelService, named after the cloud, so switching between sagemaker and
 * ecs keeps them (same URNs, same bucket and repository) instead of creating twins. `child` places
 * the runtime's own resources: under the runtime, through the same provider.
 */
export function createAwsFoundation(placement: FoundationPlacement, args: ResolvedServiceArgs, runtime: pulumi.Resource) {
    const { name, parent } = placement;
    const provider = createAwsProvider(name, args, parent);
    const shared: pulumi.CustomResourceOptions = { parent, provider };
    const artifact = createArtifactStore(name, args, shared);
    const image = createServingImage(name, args, shared);
    const secrets = createSecretStore(name, args, shared);
    const budget = createAwsBudget(name, args, shared);
    const child: pulumi.CustomResourceOptions = { parent: runtime, provider };
    return { provider, child, artifact, image, secrets, budget };
}

/** The children every AWS runtime exposes in `raw`. */
export function awsFoundationChildren(f: ReturnType<typeof createAwsFoundation>): Record<string, pulumi.Resource | undefined> {
    return {
        provider: f.provider,
        bucket: f.artifact.bucket,
        repository: f.image.repository,
        budget: f.budget,
        ...Object.fromEntries(Object.entries(f.secrets).map(([k, s]) => [`secret:${k}`, s])),
    };
}
