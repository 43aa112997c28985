import * as pulumi from "@pulumi/pulumi";
import { Provider, type ProviderArgs } from "@pulumi/aws/provider";
import type { ResolvedServiceArgs } from "../../components/contract";
import { standardTags } from "../../components/naming";

// An explicit provider reads none of the stack's `aws:` settings (only the default provider does): whoever runs
// `pulumi up` would deploy with whatever credentials the environment holds, maybe into another account. So the
// settings that decide who deploys where are read here and handed to it.
const TEXT_SETTINGS = ["profile", "stsRegion"] as const;
const SECRET_SETTINGS = ["accessKey", "secretKey", "token"] as const;
const OBJECT_SETTINGS = ["assumeRoles", "assumeRoleWithWebIdentity", "allowedAccountIds", "forbiddenAccountIds", "sharedConfigFiles", "sharedCredentialsFiles"] as const;

/** The stack's `aws:` identity settings, as the explicit provider takes them; absent keys are left out. */
export function awsIdentitySettings(config: pulumi.Config = new pulumi.Config("aws")): Partial<ProviderArgs> {
    const settings: Record<string, unknown> = {};
    for (const key of TEXT_SETTINGS) {
        const value = config.get(key);
        if (value !== undefined && value !== "") settings[key] = value;
    }
    for (const key of SECRET_SETTINGS) {
        const value = config.getSecret(key);
        if (value !== undefined) settings[key] = value;
    }
    for (const key of OBJECT_SETTINGS) {
        const value = config.getObject<unknown>(key);
        if (value !== undefined) settings[key] = value;
    }
    return settings as Partial<ProviderArgs>;
}

/**
 * The service's AWS provider: the caller's, when the ModelService was given one (`provider` or `providers`),
 * else one of its own (named `name`) with the region, the stack's identity settings and default tags that
 * land on every taggable resource.
 */
export function createAwsProvider(name: string, args: ResolvedServiceArgs, parent: pulumi.Resource): pulumi.ProviderResource {
    const callers = parent.getProvider("aws:index:Provider");
    if (callers) return callers;
    return new Provider(name, { ...awsIdentitySettings(), region: args.region, defaultTags: { tags: standardTags(args) } }, { parent });
}
