import * as pulumi from "@pulumi/pulumi";
import type { ResolvedServiceArgs } from "../../components/contract";
import { createGcsArtifactStore } from "./artifactStore";
import { createGcpBudget } from "./budget";
import { createGcpProvider, enableApis } from "./gcpProvider";
import { createGcpServingImage } from "./registry";
import { createGcpSecretStore } from "./secretStore";
import { createServingAccount } from "./servingIdentity";

/** What both Google Cloud runtimes stand on: provider, APIs, artifact store, image, serving identity, secrets. */
export function createGcpFoundation(name: string, args: ResolvedServiceArgs, apis: readonly string[], parent: pulumi.Resource) {
    const provider = createGcpProvider(name, args, parent);
    const enabled = enableApis(name, args, apis, { parent, provider });
    const child: pulumi.CustomResourceOptions = { parent, provider, dependsOn: enabled };
    const artifact = createGcsArtifactStore(name, args, child);
    const image = createGcpServingImage(name, args, child);
    const identity = createServingAccount(name, args, artifact, image, child);
    const secrets = createGcpSecretStore(name, args, identity.member, child);
    const budget = createGcpBudget(name, args, child);
    return { provider, apis: enabled, child, project: args.gcp.project!, artifact, image, identity, secrets, budget };
}

/** The children every Google Cloud runtime exposes in `raw`. */
export function gcpFoundationChildren(f: ReturnType<typeof createGcpFoundation>): Record<string, pulumi.Resource | undefined> {
    return {
        provider: f.provider,
        serviceAccount: f.identity.account,
        bucket: f.artifact.bucket,
        repository: f.image.created,
        budget: f.budget,
        ...Object.fromEntries(Object.entries(f.secrets).map(([k, s]) => [`secret:${k}`, s.secret])),
    };
}
