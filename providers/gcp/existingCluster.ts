import * as pulumi from "@pulumi/pulumi";
import { getClusterOutput } from "@pulumi/gcp/container/getCluster";
import type { GetClusterResult } from "@pulumi/gcp/container/getCluster";
import type { ResolvedServiceArgs } from "../../components/contract";

/** What the workload, the rollout guard and the alerts need of a GKE cluster, created or brought. */
export interface GkeClusterRef {
    readonly name: pulumi.Output<string>;
    /** host[:port] of the API server, without the scheme. */
    readonly endpoint: pulumi.Output<string>;
    /** base64 PEM. */
    readonly caCertificate: pulumi.Output<string>;
}

/**
 * The caller's cluster (gcp.clusterName), read through the Google provider, its preconditions checked once its
 * state is known: the service's workload identity pool (the service account binding names it) and Managed
 * Service for Prometheus (the guard and the alerts read the server's metrics there).
 */
export function existingGkeCluster(args: ResolvedServiceArgs, opts: pulumi.InvokeOutputOptions): GkeClusterRef {
    const name = args.gcp.clusterName!;
    const project = args.gcp.project!;
    const cluster = getClusterOutput({ name, location: args.gcp.clusterLocation ?? args.region, project }, opts).apply((c) => {
        const problem = gkeClusterProblem(c, project);
        if (problem) throw new Error(problem);
        return c;
    });
    return { name: cluster.name, endpoint: cluster.endpoint, caCertificate: cluster.masterAuths.apply((auths) => auths[0]?.clusterCaCertificate ?? "") };
}

/** What the caller's cluster lacks of what the service relies on, as a problem message; undefined when nothing. */
export function gkeClusterProblem(c: Pick<GetClusterResult, "name" | "enableAutopilot" | "workloadIdentityConfigs" | "monitoringConfigs">, project: string): string | undefined {
    const field = `gcp.clusterName ${c.name}`;
    const pool = c.workloadIdentityConfigs?.[0]?.workloadPool;
    if (pool !== `${project}.svc.id.goog`) {
        return `${field}: has workload identity pool ${pool || "<none>"}, not ${project}.svc.id.goog. Fix: gcloud container clusters update ${c.name} --workload-pool=${project}.svc.id.goog (Autopilot has it), or use a cluster in project ${project}`;
    }
    if (!c.enableAutopilot && c.monitoringConfigs?.[0]?.managedPrometheuses?.[0]?.enabled !== true) {
        return `${field}: has Managed Service for Prometheus off, which the rollout guard and the alerts read. Fix: gcloud container clusters update ${c.name} --enable-managed-prometheus`;
    }
    return undefined;
}
