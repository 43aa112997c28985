import * as pulumi from "@pulumi/pulumi";
import { Secret } from "@pulumi/aws/secretsmanager/secret";
import { SecretVersion } from "@pulumi/aws/secretsmanager/secretVersion";
import type { ResolvedServiceArgs } from "../../components/contract";

/** One Secrets Manager secret per configured secret; the container gets ARNs, never values (components/servingContract.ts). */
export function createSecretStore(name: string, args: ResolvedServiceArgs, opts: pulumi.CustomResourceOptions): Record<string, Secret> {
    const secrets: Record<string, Secret> = {};
    for (const [key, value] of Object.entries(args.secrets)) {
        const secret = new Secret(
            `${name}-secret-${key}`,
            { description: `${key} for model service ${args.model.name}`, recoveryWindowInDays: args.protect ? 30 : 7 },
            { ...opts, protect: args.protect },
        );
        new SecretVersion(`${name}-secret-${key}-value`, { secretId: secret.id, secretString: pulumi.secret(value) }, opts);
        secrets[key] = secret;
    }
    return secrets;
}

