import * as pulumi from "@pulumi/pulumi";
import { Provider } from "@pulumi/gcp/provider";
import { Service } from "@pulumi/gcp/projects/service";
import type { ResolvedServiceArgs } from "../../components/contract";
import { standardTags } from "../../components/naming";

/** GCP labels: lowercase letters, digits, _ and -, at most 63 characters, keys starting with a letter. */
export function gcpLabels(tags: Record<string, string>): Record<string, string> {
    const clean = (s: string) => s.toLowerCase().replace(/[^a-z0-9_-]/g, "_").slice(0, 63);
    return Object.fromEntries(Object.entries(tags).map(([k, v]) => [clean(k).replace(/^[^a-z]/, "l"), clean(v)]));
}

/**
 * The service's gcp provider: the caller's, when the ModelService was given one (`provider` or `providers`),
 * else one of its own with the project, region, and labels on every labelable resource.
 */
export function createGcpProvider(name: string, args: ResolvedServiceArgs, parent: pulumi.Resource): pulumi.ProviderResource {
    return parent.getProvider("gcp:index:Provider") ?? new Provider(name, { project: args.gcp.project, region: args.region, defaultLabels: gcpLabels(standardTags(args)) }, { parent });
}

/**
 * The provider the budget is created through. The Billing Budgets API refuses user credentials (gcloud
 * auth application-default login) without a quota project: `billingProject` with `userProjectOverride`
 * sends the stack's project as the quota project (X-Goog-User-Project), which needs
 * serviceusage.services.use on it (https://cloud.google.com/billing/docs/how-to/budget-api-overview#authentication;
 * https://registry.terraform.io/providers/hashicorp/google/latest/docs/guides/provider_reference#user_project_override).
 * A caller's provider is used as given: with user credentials it needs billingProject and userProjectOverride itself.
 */
export function createGcpBillingProvider(name: string, args: ResolvedServiceArgs, parent: pulumi.Resource): pulumi.ProviderResource {
    return parent.getProvider("gcp:index:Provider") ?? new Provider(`${name}-billing`, { project: args.gcp.project, region: args.region, billingProject: args.gcp.project, userProjectOverride: true }, { parent });
}

/** Enables the APIs the runtime needs; left enabled on destroy, since other workloads may use them. */
export function enableApis(name: string, args: ResolvedServiceArgs, apis: readonly string[], opts: pulumi.CustomResourceOptions): Service[] {
    return apis.map(
        (api) => new Service(`${name}-api-${api.split(".")[0]}`, { project: args.gcp.project, service: api, disableOnDestroy: false, disableDependentServices: false }, opts),
    );
}
