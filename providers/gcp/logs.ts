import * as pulumi from "@pulumi/pulumi";
import { ProjectBucketConfig } from "@pulumi/gcp/logging/projectBucketConfig";
import { ProjectExclusion } from "@pulumi/gcp/logging/projectExclusion";
import { ProjectSink } from "@pulumi/gcp/logging/projectSink";
import { GCP_TYPES } from "../../components/cloudRules/gcp";
import type { ResolvedServiceArgs } from "../../components/contract";
import { autonamedLogicalName, serviceKey, stackUniqueName } from "../../components/physicalName";

/**
 * The service's log bucket, kept `logRetentionDays` (1-3650). It belongs to the foundation: a deleted log
 * bucket keeps its id for 7 days (https://cloud.google.com/logging/docs/buckets#delete-bucket), so a
 * runtime switch must not delete and recreate it.
 */
export function createLogBucket(name: string, args: ResolvedServiceArgs, opts: pulumi.CustomResourceOptions): ProjectBucketConfig {
    return new ProjectBucketConfig(
        `${name}-logs`,
        {
            project: args.gcp.project!,
            location: "global",
            bucketId: stackUniqueName([serviceKey(args), "logs"], 100),
            retentionDays: args.logRetentionDays,
            description: `Serving logs of model service ${args.model.name}`,
        },
        { ...opts, protect: args.protect },
    );
}

/**
 * Routes the runtime's serving logs (`filter`) to the log bucket, and keeps them out of the _Default bucket
 * (a project exclusion applies to the _Default sink only), so they are kept exactly `logRetentionDays`.
 * The sink writes within its own project: the project's logging identity needs no grant.
 */
export function routeServingLogs(name: string, args: ResolvedServiceArgs, bucket: ProjectBucketConfig, filter: pulumi.Input<string>, opts: pulumi.CustomResourceOptions) {
    const sink = new ProjectSink(
        autonamedLogicalName(GCP_TYPES.logSink, name, "logs"),
        { project: args.gcp.project, destination: pulumi.interpolate`logging.googleapis.com/${bucket.id}`, filter, uniqueWriterIdentity: false, description: `Serving logs of ${args.model.name}` },
        opts,
    );
    const exclusion = new ProjectExclusion(
        autonamedLogicalName(GCP_TYPES.logExclusion, name, "logs-default"),
        { project: args.gcp.project, filter, description: `Serving logs of ${args.model.name} are kept in their own bucket` },
        { ...opts, dependsOn: [sink] },
    );
    return { sink, exclusion };
}
