import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { Repository } from "@pulumi/gcp/artifactregistry/repository";
import { getClientConfigOutput } from "@pulumi/gcp/organizations/getClientConfig";
import { Image } from "@pulumi/docker/image";
import type { ResolvedServiceArgs } from "../../components/contract";
import { contentHash, projectRelative } from "../../components/naming";
import { serviceKey, stackUniqueName } from "../../components/physicalName";

export interface GcpServingImage {
    readonly uri: pulumi.Output<string>;
    /** The Artifact Registry repository the serving identity may read, when the image lives in one of this project. */
    readonly repository?: { readonly location: pulumi.Input<string>; readonly name: pulumi.Input<string> };
    /** The Artifact Registry repository of an image in another project, which Vertex AI's service agent must read. */
    readonly foreign?: { readonly project: string; readonly location: string; readonly name: string };
    readonly created?: Repository;
    readonly image?: Image;
}

const ARTIFACT_REGISTRY_IMAGE = /^([a-z0-9-]+)-docker\.pkg\.dev\/([a-z0-9-]+)\/([a-z0-9._-]+)\//;
const KEEP_IMAGES = 20;
/** Versions past the newest KEEP_IMAGES are deleted once this old (KEEP policies win over DELETE ones). */
const DELETE_AFTER = `${30 * 24 * 3600}s`;

/** An existing image, or a private Docker repository (immutable tags, cleanup) and the image built into it. */
export function createGcpServingImage(name: string, args: ResolvedServiceArgs, opts: pulumi.CustomResourceOptions): GcpServingImage {
    if (args.image.kind === "uri") {
        const m = ARTIFACT_REGISTRY_IMAGE.exec(args.image.uri);
        const inProject = m && m[2] === args.gcp.project;
        return { uri: pulumi.output(args.image.uri), repository: inProject ? { location: m[1]!, name: m[3]! } : undefined, foreign: m && !inProject ? { project: m[2]!, location: m[1]!, name: m[3]! } : undefined };
    }
    const created = new Repository(
        `${name}-images`,
        {
            location: args.region,
            // Known in advance (the image name holds it): unique per stack, the same on vertex and gke.
            repositoryId: stackUniqueName([serviceKey(args), "images"], 63),
            format: "DOCKER",
            description: `Serving images of model service ${args.model.name}`,
            dockerConfig: { immutableTags: true },
            cleanupPolicyDryRun: false,
            cleanupPolicies: [
                { id: "keep-newest", action: "KEEP", mostRecentVersions: { keepCount: KEEP_IMAGES } },
                { id: "delete-old", action: "DELETE", condition: { tagState: "ANY", olderThan: DELETE_AFTER } },
            ],
        },
        { ...opts, protect: args.protect },
    );
    const registry = `${args.region}-docker.pkg.dev`;
    const token = getClientConfigOutput({ parent: opts.parent, provider: opts.provider });
    const context = path.resolve(args.projectDir, args.image.context);
    const image = new Image(
        `${name}-image`,
        {
            imageName: pulumi.interpolate`${registry}/${args.gcp.project}/${created.repositoryId}/server:${args.model.version}-${contentHash(context)}`,
            build: { context: projectRelative(args.projectDir, context), platform: "linux/amd64", ...(args.image.dockerfile ? { dockerfile: projectRelative(args.projectDir, path.resolve(args.projectDir, args.image.dockerfile)) } : {}) },
            registry: { server: registry, username: "oauth2accesstoken", password: pulumi.secret(token.accessToken) },
        },
        { parent: opts.parent },
    );
    return { uri: image.repoDigest, repository: { location: created.location, name: created.repositoryId }, created, image };
}
