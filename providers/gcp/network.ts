import type * as pulumi from "@pulumi/pulumi";
import { Network } from "@pulumi/gcp/compute/network";
import { Subnetwork } from "@pulumi/gcp/compute/subnetwork";
import { GCP_TYPES } from "../../components/cloudRules/gcp";
import type { ResolvedServiceArgs } from "../../components/contract";
import { autonamedLogicalName } from "../../components/physicalName";

/** The subnet's ranges: nodes and internal clients, then GKE's pods and services (VPC-native). */
export const SUBNET_RANGES = { primary: "10.10.0.0/20", pods: "10.64.0.0/14", services: "10.68.0.0/20" } as const;
export const POD_RANGE_NAME = "pods";
export const SERVICE_RANGE_NAME = "services";

/**
 * The service's own VPC (custom mode) and one regional subnet with Private Google Access, so private
 * GKE nodes and Private Service Connect endpoints need neither the `default` network (absent where the
 * organization enforces compute.skipDefaultNetworkCreation) nor its auto-mode ranges. Shared by both
 * runtimes (the foundation), so a runtime switch keeps it.
 */
export function createServiceNetwork(name: string, args: ResolvedServiceArgs, opts: pulumi.CustomResourceOptions) {
    const network = new Network(autonamedLogicalName(GCP_TYPES.network, name, "network"), { project: args.gcp.project, autoCreateSubnetworks: false, routingMode: "REGIONAL", description: `Network of model service ${args.model.name}` }, opts);
    const subnet = new Subnetwork(
        autonamedLogicalName(GCP_TYPES.subnetwork, name, "subnet"),
        {
            project: args.gcp.project,
            region: args.region,
            network: network.id,
            ipCidrRange: SUBNET_RANGES.primary,
            // Private nodes reach Artifact Registry, Cloud Storage and Secret Manager without a NAT.
            privateIpGoogleAccess: true,
            secondaryIpRanges: [
                { rangeName: POD_RANGE_NAME, ipCidrRange: SUBNET_RANGES.pods },
                { rangeName: SERVICE_RANGE_NAME, ipCidrRange: SUBNET_RANGES.services },
            ],
        },
        opts,
    );
    return { network, subnet, subnetRange: SUBNET_RANGES.primary };
}
