import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { getClientTokenOutput } from "@pulumi/azure-native/authorization/getClientToken";
import { Image } from "@pulumi/docker/image";
import type { ResolvedServiceArgs } from "../../components/contract";
import { contentHash, projectRelative } from "../../components/naming";
import { deployerPrincipalType, grant, type Foundation } from "./foundation";

/** The user name ACR expects with a refresh token obtained by exchanging an Entra ID token. */
const ACR_TOKEN_USER = "00000000-0000-0000-0000-000000000000";

/**
 * Exchanges the deploying identity's Entra ID token for an ACR refresh token, as `az acr login
 * --expose-token` does; the registry has no admin user. Runs only when deploying (a preview pushes nothing).
 */
async function acrRefreshToken(loginServer: string, tenantId: string, accessToken: string): Promise<string> {
    if (pulumi.runtime.isDryRun()) return "preview-has-no-registry-token";
    const response = await fetch(`https://${loginServer}/oauth2/exchange`, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ grant_type: "access_token", service: loginServer, tenant: tenantId, access_token: accessToken }).toString(),
    });
    if (!response.ok) {
        throw new Error(`ACR token exchange with ${loginServer} failed: ${response.status} ${await response.text()}. Fix: give the identity running pulumi the AcrPush role on the registry.`);
    }
    return ((await response.json()) as { refresh_token: string }).refresh_token;
}

/** The serving image: the one configured, or built from the build context and pushed to the stack's registry. */
export function createAzureServingImage(name: string, args: ResolvedServiceArgs, f: Foundation, opts: pulumi.CustomResourceOptions): { uri: pulumi.Output<string>; image?: Image } {
    if (args.image.kind === "uri") return { uri: pulumi.output(args.image.uri) };
    const push = grant(`${name}-deployer-pushes-images`, f, "acrPush", f.client.objectId, f.registry.id, opts, deployerPrincipalType(args, f));
    const token = getClientTokenOutput({}, { parent: opts.parent });
    const loginServer = f.registry.loginServer;
    const password = pulumi.secret(pulumi.all([loginServer, f.client.tenantId, token.token]).apply(([server, tenant, access]) => acrRefreshToken(server, tenant, access)));
    const context = path.resolve(args.projectDir, args.image.context);
    const image = new Image(
        `${name}-image`,
        {
            imageName: pulumi.interpolate`${loginServer}/model-server:${args.model.version}-${contentHash(context)}`,
            build: { context: projectRelative(args.projectDir, context), platform: "linux/amd64", ...(args.image.dockerfile ? { dockerfile: projectRelative(args.projectDir, path.resolve(args.projectDir, args.image.dockerfile)) } : {}) },
            registry: { server: loginServer, username: ACR_TOKEN_USER, password },
        },
        { parent: opts.parent, dependsOn: [push] },
    );
    return { uri: image.repoDigest, image };
}
