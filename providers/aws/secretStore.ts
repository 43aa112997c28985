import * as pulumi from "@pulumi/pulumi";
import { Secret } from "@pulumi/aws/secretsmanager/secret";
import { SecretVersion } from "@pulumi/aws/secretsmanager/secretVersion";
import type { ResolvedServiceArgs } from "../../components/contract";

/** One Secrets Manager secret per configured secret; the container gets ARNs, never values. */
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

/** Environment variable that carries a secret's value, where the platform injects it (hfToken -> HF_TOKEN). */
export function secretValueVariable(key: string): string {
    return key.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase();
}

/** Environment variable through which the container finds a secret's ARN, where it fetches the value itself. */
export function secretArnVariable(key: string): string {
    return `SECRET_${secretValueVariable(key)}_ARN`;
}
