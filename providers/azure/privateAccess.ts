import * as pulumi from "@pulumi/pulumi";
import { PrivateDnsZoneGroup } from "@pulumi/azure-native/network/privateDnsZoneGroup";
import { PrivateEndpoint } from "@pulumi/azure-native/network/privateEndpoint";
import { VirtualNetwork } from "@pulumi/azure-native/network/virtualNetwork";
import { PrivateZone } from "@pulumi/azure-native/privatedns/privateZone";
import { VirtualNetworkLink } from "@pulumi/azure-native/privatedns/virtualNetworkLink";
import { AZURE_TYPES } from "../../components/cloudRules/azure";
import type { ResolvedServiceArgs } from "../../components/contract";
import { autonamedLogicalName } from "../../components/physicalName";

/**
 * The private DNS zones of a workspace private endpoint (Azure public cloud). The scoring host
 * `<endpoint>.<region>.inference.ml.azure.com` is a CNAME to
 * `<endpoint>.<workspace guid>.inference.<region>.privatelink.api.azureml.ms`, so the api zone answers
 * for the online endpoint too:
 * https://learn.microsoft.com/azure/machine-learning/how-to-custom-dns#workspace-dns-resolution-path and
 * https://learn.microsoft.com/azure/private-link/private-endpoint-dns#ai--machine-learning
 */
export const WORKSPACE_PRIVATE_DNS_ZONES = ["privatelink.api.azureml.ms", "privatelink.notebooks.azure.net"] as const;

/** The workspace's private link sub-resource (groupId): https://learn.microsoft.com/azure/private-link/private-endpoint-overview#private-link-resource */
export const WORKSPACE_GROUP_ID = "amlworkspace";

/** The created network: one /24 outside AKS's default 10.224.0.0/12 and its pod and service ranges. */
export const CREATED_VNET_CIDR = "10.250.0.0/24";
export const PRIVATE_ENDPOINT_SUBNET_CIDR = "10.250.0.0/26";
const PRIVATE_ENDPOINT_SUBNET = "private-endpoints";

/** The virtual network's id of a subnet id. */
export function virtualNetworkOf(subnetId: string): string {
    return subnetId.replace(/\/subnets\/[^/]+$/i, "");
}

export interface WorkspacePrivateAccess {
    readonly privateEndpoint: PrivateEndpoint;
    readonly virtualNetwork?: VirtualNetwork;
    readonly zones: PrivateZone[];
    readonly links: VirtualNetworkLink[];
    readonly zoneGroup: PrivateDnsZoneGroup;
    readonly virtualNetworkId: pulumi.Output<string>;
    readonly subnetId: pulumi.Output<string>;
}

/**
 * How callers reach a workspace whose online endpoint has public network access off: a private endpoint
 * of the workspace (inbound scoring goes through it:
 * https://learn.microsoft.com/azure/machine-learning/concept-secure-online-endpoint#secure-inbound-scoring-requests)
 * in the subnet from config, or in a created virtual network, with the workspace's private DNS zones
 * linked to that network and filled by the endpoint's zone group.
 */
export function createWorkspacePrivateAccess(
    name: string,
    args: ResolvedServiceArgs,
    placement: { resourceGroupName: pulumi.Input<string>; tags: Record<string, string> },
    workspaceId: pulumi.Input<string>,
    opts: pulumi.CustomResourceOptions,
): WorkspacePrivateAccess {
    const { resourceGroupName, tags } = placement;
    const configured = args.azure.privateEndpointSubnetId;
    let virtualNetwork: VirtualNetwork | undefined;
    let subnetId: pulumi.Output<string>;
    let virtualNetworkId: pulumi.Output<string>;
    if (configured) {
        subnetId = pulumi.output(configured);
        virtualNetworkId = pulumi.output(virtualNetworkOf(configured));
    } else {
        // The subnet is declared inline: a separate Subnet resource would be dropped by the next PUT of the network.
        virtualNetwork = new VirtualNetwork(
            autonamedLogicalName(AZURE_TYPES.virtualNetwork, name, "vnet"),
            {
                resourceGroupName,
                location: args.region,
                addressSpace: { addressPrefixes: [CREATED_VNET_CIDR] },
                subnets: [{ name: PRIVATE_ENDPOINT_SUBNET, addressPrefix: PRIVATE_ENDPOINT_SUBNET_CIDR, privateEndpointNetworkPolicies: "Disabled", defaultOutboundAccess: false }],
                tags,
            },
            opts,
        );
        virtualNetworkId = virtualNetwork.id;
        subnetId = virtualNetwork.subnets.apply((subnets) => subnets?.find((s) => s.name === PRIVATE_ENDPOINT_SUBNET)?.id ?? "");
    }
    const zones = WORKSPACE_PRIVATE_DNS_ZONES.map(
        (zone) => new PrivateZone(`${name}-dns-${zone.split(".")[1]}`, { resourceGroupName, privateZoneName: zone, location: "global", tags }, opts),
    );
    const links = zones.map(
        (zone, i) =>
            new VirtualNetworkLink(
                autonamedLogicalName(AZURE_TYPES.virtualNetworkLink, `${name}-dns-${WORKSPACE_PRIVATE_DNS_ZONES[i]!.split(".")[1]}`, "link"),
                { resourceGroupName, privateZoneName: zone.name, location: "global", registrationEnabled: false, virtualNetwork: { id: virtualNetworkId }, tags },
                opts,
            ),
    );
    const privateEndpoint = new PrivateEndpoint(
        autonamedLogicalName(AZURE_TYPES.privateEndpoint, name, "workspace-pe"),
        {
            resourceGroupName,
            // A private endpoint lives in its network's region (and subscription).
            location: args.region,
            subnet: { id: subnetId },
            privateLinkServiceConnections: [{ name: "workspace", privateLinkServiceId: workspaceId, groupIds: [WORKSPACE_GROUP_ID] }],
            tags,
        },
        opts,
    );
    const zoneGroup = new PrivateDnsZoneGroup(
        `${name}-workspace-pe-dns`,
        {
            resourceGroupName,
            privateEndpointName: privateEndpoint.name,
            privateDnsZoneGroupName: "default",
            privateDnsZoneConfigs: zones.map((zone, i) => ({ name: WORKSPACE_PRIVATE_DNS_ZONES[i]!.replace(/\./g, "-"), privateDnsZoneId: zone.id })),
        },
        { ...opts, dependsOn: links },
    );
    return { privateEndpoint, virtualNetwork, zones, links, zoneGroup, virtualNetworkId, subnetId };
}
