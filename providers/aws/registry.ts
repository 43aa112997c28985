import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { getAuthorizationTokenOutput } from "@pulumi/aws/ecr/getAuthorizationToken";
import { LifecyclePolicy } from "@pulumi/aws/ecr/lifecyclePolicy";
import { Repository } from "@pulumi/aws/ecr/repository";
import { Image } from "@pulumi/docker/image";
import type { ResolvedServiceArgs } from "../../components/contract";
import { contentHash, projectRelative } from "../../components/naming";
import { parseEcrImage } from "../../components/ecrImage";
import { awsPartition } from "./partition";

/** The image the service runs, and the one ECR repository its role may pull from. */
export interface ServingImage {
    readonly uri: pulumi.Output<string>;
    /** The ECR repository to pull from; undefined for an image in another registry (ecs only). */
    readonly repositoryArn?: pulumi.Output<string>;
    readonly repository?: Repository;
    readonly image?: Image;
}

const KEEP_IMAGES = 20;

/**
 * For an existing ECR image: its repository. For a build context: a private repository (scan on push,
 * immutable tags, KMS encryption, lifecycle) and the image built and pushed to it, tagged by content.
 */
export function createServingImage(name: string, args: ResolvedServiceArgs, opts: pulumi.CustomResourceOptions): ServingImage {
    if (args.image.kind === "uri") {
        const ecr = parseEcrImage(args.image.uri);
        return {
            uri: pulumi.output(args.image.uri),
            repositoryArn: ecr ? pulumi.output(`arn:${awsPartition(ecr.region)}:ecr:${ecr.region}:${ecr.account}:repository/${ecr.repository}`) : undefined,
        };
    }
    const repository = new Repository(
        `${name}-images`,
        {
            imageTagMutability: "IMMUTABLE",
            imageScanningConfiguration: { scanOnPush: true },
            encryptionConfigurations: [{ encryptionType: "KMS" }],
            forceDelete: !args.protect,
        },
        { ...opts, protect: args.protect },
    );
    new LifecyclePolicy(
        `${name}-images-lifecycle`,
        {
            repository: repository.name,
            policy: JSON.stringify({
                rules: [
                    {
                        rulePriority: 1,
                        description: `keep the newest ${KEEP_IMAGES} images`,
                        selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: KEEP_IMAGES },
                        action: { type: "expire" },
                    },
                ],
            }),
        },
        opts,
    );
    const context = path.resolve(args.projectDir, args.image.context);
    const token = getAuthorizationTokenOutput({ registryId: repository.registryId }, { parent: opts.parent, provider: opts.provider });
    const image = new Image(
        `${name}-image`,
        {
            // Tagged by content, and built from paths relative to the project (where pulumi runs, and so the docker
            // provider): another checkout of the same code (CI after a laptop) plans no change, so it never pushes the
            // same tag again into the immutable repository, which ECR would refuse.
            imageName: pulumi.interpolate`${repository.repositoryUrl}:${args.model.version}-${contentHash(context)}`,
            build: { context: projectRelative(args.projectDir, context), platform: "linux/amd64", ...(args.image.dockerfile ? { dockerfile: projectRelative(args.projectDir, path.resolve(args.projectDir, args.image.dockerfile)) } : {}) },
            registry: { server: repository.repositoryUrl, username: token.userName, password: pulumi.secret(token.password) },
        },
        { parent: opts.parent },
    );
    return { uri: image.repoDigest, repositoryArn: repository.arn, repository, image };
}
