import * as pulumi from "@pulumi/pulumi";
import type { ResolvedServiceArgs } from "../../components/contract";
import { createArtifactStore } from "./artifactStore";
import { createAwsBudget } from "./budget";
import { createAwsProvider } from "./awsProvider";
import { createServingImage } from "./registry";
import { createSecretStore } from "./secretStore";

/** What both AWS runtimes stand on: provider (region, default tags), artifact store, image, secrets. */
export function createAwsFoundation(name: string, args: ResolvedServiceArgs, parent: pulumi.Resource) {
    const provider = createAwsProvider(name, args, parent);
    const child: pulumi.CustomResourceOptions = { parent, provider };
    const artifact = createArtifactStore(name, args, child);
    const image = createServingImage(name, args, child);
    const secrets = createSecretStore(name, args, child);
    const budget = createAwsBudget(name, args, child);
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
