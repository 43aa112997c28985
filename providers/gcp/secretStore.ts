import * as pulumi from "@pulumi/pulumi";
import { Secret } from "@pulumi/gcp/secretmanager/secret";
import { SecretIamMember } from "@pulumi/gcp/secretmanager/secretIamMember";
import { SecretVersion } from "@pulumi/gcp/secretmanager/secretVersion";
import type { ResolvedServiceArgs } from "../../components/contract";
import { serviceKey, stackUniqueName } from "../../components/physicalName";

/** One Secret Manager secret per configured secret, readable by the serving account alone. */
export function createGcpSecretStore(name: string, args: ResolvedServiceArgs, member: pulumi.Input<string>, opts: pulumi.CustomResourceOptions) {
    const secrets: Record<string, { secret: Secret; version: SecretVersion; access: SecretIamMember }> = {};
    for (const [key, value] of Object.entries(args.secrets)) {
        const secret = new Secret(
            `${name}-secret-${key}`,
            { secretId: stackUniqueName([serviceKey(args), key], 255), replication: { auto: {} }, deletionProtection: args.protect, project: args.gcp.project },
            { ...opts, protect: args.protect },
        );
        const version = new SecretVersion(`${name}-secret-${key}-value`, { secret: secret.id, secretData: pulumi.secret(value) }, opts);
        const access = new SecretIamMember(`${name}-secret-${key}-access`, { secretId: secret.id, project: args.gcp.project, role: "roles/secretmanager.secretAccessor", member }, opts);
        secrets[key] = { secret, version, access };
    }
    return secrets;
}
