import * as pulumi from "@pulumi/pulumi";
import { Eip } from "@pulumi/aws/ec2/eip";
import { InternetGateway } from "@pulumi/aws/ec2/internetGateway";
import { NatGateway } from "@pulumi/aws/ec2/natGateway";
import { RouteTable } from "@pulumi/aws/ec2/routeTable";
import { RouteTableAssociation } from "@pulumi/aws/ec2/routeTableAssociation";
import { SecurityGroup } from "@pulumi/aws/ec2/securityGroup";
import { Subnet } from "@pulumi/aws/ec2/subnet";
import { Vpc } from "@pulumi/aws/ec2/vpc";
import { VpcEndpoint } from "@pulumi/aws/ec2/vpcEndpoint";
import { getVpcOutput } from "@pulumi/aws/ec2/getVpc";
import { getAvailabilityZonesOutput } from "@pulumi/aws/getAvailabilityZones";
import { SecurityGroupIngressRule } from "@pulumi/aws/vpc/securityGroupIngressRule";
import type { ResolvedServiceArgs } from "../../components/contract";

export interface ServiceNetwork {
    readonly vpcId: pulumi.Output<string>;
    readonly vpcCidr: pulumi.Output<string>;
    /** Subnets for tasks: never reachable from the internet. */
    readonly privateSubnetIds: pulumi.Output<string>[];
    /** Subnets for a public load balancer only. */
    readonly publicSubnetIds: pulumi.Output<string>[];
    /** Resources that must exist before tasks can start (routes, endpoints). */
    readonly ready: pulumi.Resource[];
}

const VPC_CIDR = "10.0.0.0/16";
const ZONES = 2;

/** The network the ECS service runs in: the user's own, or a new two-zone VPC with private task subnets. */
export function createNetwork(name: string, args: ResolvedServiceArgs, opts: pulumi.CustomResourceOptions): ServiceNetwork {
    const aws = args.aws;
    if (aws.vpcId) {
        const vpc = getVpcOutput({ id: aws.vpcId }, { parent: opts.parent, provider: opts.provider });
        return {
            vpcId: pulumi.output(aws.vpcId),
            vpcCidr: vpc.cidrBlock,
            privateSubnetIds: (aws.privateSubnetIds ?? []).map((id) => pulumi.output(id)),
            publicSubnetIds: (aws.publicSubnetIds ?? []).map((id) => pulumi.output(id)),
            ready: [],
        };
    }
    // Standard zones only: Local and Wavelength Zones (opted in) lack NAT gateways, ALBs or Fargate.
    const zones = getAvailabilityZonesOutput(
        { state: "available", filters: [{ name: "opt-in-status", values: ["opt-in-not-required"] }, { name: "zone-type", values: ["availability-zone"] }] },
        { parent: opts.parent, provider: opts.provider },
    );
    const vpc = new Vpc(`${name}-vpc`, { cidrBlock: VPC_CIDR, enableDnsHostnames: true, enableDnsSupport: true, tags: { Name: `${name}-vpc` } }, opts);
    const ready: pulumi.Resource[] = [];
    const publicSubnets: Subnet[] = [];
    const privateSubnets: Subnet[] = [];
    for (let i = 0; i < ZONES; i++) {
        const zone = zones.names.apply((names) => names[i] ?? names[0]!);
        publicSubnets.push(new Subnet(`${name}-public-${i}`, { vpcId: vpc.id, availabilityZone: zone, cidrBlock: `10.0.${i * 16}.0/20`, mapPublicIpOnLaunch: false, tags: { Name: `${name}-public-${i}`, tier: "public" } }, opts));
        privateSubnets.push(new Subnet(`${name}-private-${i}`, { vpcId: vpc.id, availabilityZone: zone, cidrBlock: `10.0.${128 + i * 16}.0/20`, mapPublicIpOnLaunch: false, tags: { Name: `${name}-private-${i}`, tier: "private" } }, opts));
    }
    const igw = new InternetGateway(`${name}-igw`, { vpcId: vpc.id }, opts);
    const publicRoutes = new RouteTable(`${name}-public-routes`, { vpcId: vpc.id, routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }] }, opts);
    publicSubnets.forEach((subnet, i) => ready.push(new RouteTableAssociation(`${name}-public-${i}-routes`, { subnetId: subnet.id, routeTableId: publicRoutes.id }, opts)));

    const privateRoutes: RouteTable[] = [];
    if (aws.egress === "endpoints") {
        const table = new RouteTable(`${name}-private-routes`, { vpcId: vpc.id }, opts);
        privateRoutes.push(table);
        privateSubnets.forEach((subnet, i) => ready.push(new RouteTableAssociation(`${name}-private-${i}-routes`, { subnetId: subnet.id, routeTableId: table.id }, opts)));
        ready.push(...createEndpoints(name, args.region, vpc, privateSubnets, table, opts));
    } else {
        const gateways = Array.from({ length: aws.natGateways ?? 1 }, (_, i) => {
            const eip = new Eip(`${name}-nat-${i}-ip`, { domain: "vpc" }, opts);
            return new NatGateway(`${name}-nat-${i}`, { allocationId: eip.id, subnetId: publicSubnets[i]!.id }, { ...opts, dependsOn: [igw] });
        });
        privateSubnets.forEach((subnet, i) => {
            const nat = gateways[Math.min(i, gateways.length - 1)]!;
            const table = new RouteTable(`${name}-private-${i}-routes`, { vpcId: vpc.id, routes: [{ cidrBlock: "0.0.0.0/0", natGatewayId: nat.id }] }, opts);
            privateRoutes.push(table);
            ready.push(new RouteTableAssociation(`${name}-private-${i}-routes`, { subnetId: subnet.id, routeTableId: table.id }, opts));
        });
    }
    return { vpcId: vpc.id, vpcCidr: vpc.cidrBlock, privateSubnetIds: privateSubnets.map((s) => s.id), publicSubnetIds: publicSubnets.map((s) => s.id), ready };
}

/** Interface endpoints for ECR, logs and secrets, and a gateway endpoint for S3: tasks need no internet. */
function createEndpoints(name: string, region: string, vpc: Vpc, subnets: Subnet[], routes: RouteTable, opts: pulumi.CustomResourceOptions): pulumi.Resource[] {
    const sg = new SecurityGroup(`${name}-endpoints`, { vpcId: vpc.id, description: "HTTPS from inside the VPC to AWS service endpoints" }, opts);
    const ingress = new SecurityGroupIngressRule(`${name}-endpoints-https`, { securityGroupId: sg.id, cidrIpv4: vpc.cidrBlock, ipProtocol: "tcp", fromPort: 443, toPort: 443, description: "HTTPS from the VPC" }, opts);
    const services = ["ecr.api", "ecr.dkr", "logs", "secretsmanager"];
    const endpoints: pulumi.Resource[] = services.map(
        (service) =>
            new VpcEndpoint(
                `${name}-endpoint-${service.replace(".", "-")}`,
                { vpcId: vpc.id, serviceName: `com.amazonaws.${region}.${service}`, vpcEndpointType: "Interface", privateDnsEnabled: true, subnetIds: subnets.map((s) => s.id), securityGroupIds: [sg.id] },
                opts,
            ),
    );
    endpoints.push(new VpcEndpoint(`${name}-endpoint-s3`, { vpcId: vpc.id, serviceName: `com.amazonaws.${region}.s3`, vpcEndpointType: "Gateway", routeTableIds: [routes.id] }, opts), ingress);
    return endpoints;
}
