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

/** One provider per service: project, region, and labels on every labelable resource. */
export function createGcpProvider(name: string, args: ResolvedServiceArgs, parent: pulumi.Resource): Provider {
    return new Provider(`${name}-gcp`, { project: args.gcp.project, region: args.region, defaultLabels: gcpLabels(standardTags(args)) }, { parent });
}

/** Enables the APIs the runtime needs; left enabled on destroy, since other workloads may use them. */
export function enableApis(name: string, args: ResolvedServiceArgs, apis: readonly string[], opts: pulumi.CustomResourceOptions): Service[] {
    return apis.map(
        (api) => new Service(`${name}-api-${api.split(".")[0]}`, { project: args.gcp.project, service: api, disableOnDestroy: false, disableDependentServices: false }, opts),
    );
}
