import * as pulumi from "@pulumi/pulumi";
import { parseCidr, type Cidr } from "../../components/cidr";
import type { ResolvedServiceArgs } from "../../components/contract";

// Who may call sagemaker:InvokeEndpoint with the invoker policy, by network. aws:SourceIp carries only the
// public address of a request that reaches the public service endpoint; a request through an interface VPC
// endpoint carries none, but aws:SourceVpce (the endpoint) and aws:VpcSourceIp (the caller's private address)
// instead (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-sourceip,
// #condition-keys-vpcsourceip, #condition-keys-sourcevpce).

/** Address ranges that are never seen as aws:SourceIp: RFC 1918, shared (RFC 6598) and IPv6 unique local. */
const PRIVATE_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7"].map((c) => parseCidr(c).cidr!);

function within(block: Cidr, range: Cidr): boolean {
    if (block.family !== range.family || block.prefix < range.prefix) return false;
    const shift = BigInt((block.family === 4 ? 32 : 128) - range.prefix);
    return block.network >> shift === range.network >> shift;
}

/** A block inside a private range: its callers reach AWS through a VPC (endpoint, peering, VPN), never from the internet. */
export function isPrivateCidr(text: string): boolean {
    const block = parseCidr(text).cidr;
    return block !== undefined && PRIVATE_RANGES.some((range) => within(block, range));
}

/**
 * The statements of the invoker policy. `public: false` admits only requests through an interface VPC endpoint
 * (any, or from the allowed private addresses); `public: true` also admits the allowed public addresses
 * (aws:SourceIp), private ones still through an endpoint (aws:VpcSourceIp).
 */
export function invokerStatements(args: Pick<ResolvedServiceArgs, "network">, endpointArn: pulumi.Input<string>): Record<string, unknown>[] {
    const { allowedCidrs } = args.network;
    const isPublic = args.network.public;
    const allow = (sid: string, condition?: Record<string, unknown>) => ({ Sid: sid, Effect: "Allow", Action: "sagemaker:InvokeEndpoint", Resource: endpointArn, ...(condition ? { Condition: condition } : {}) });
    const throughEndpoint = { Null: { "aws:SourceVpce": "false" } };
    const privateCidrs = isPublic ? allowedCidrs.filter(isPrivateCidr) : [...allowedCidrs];
    const publicCidrs = isPublic ? allowedCidrs.filter((c) => !isPrivateCidr(c)) : [];
    if (allowedCidrs.length === 0) return [isPublic ? allow("InvokeFromAnywhere") : allow("InvokeThroughVpcEndpoint", throughEndpoint)];
    return [
        ...(publicCidrs.length > 0 ? [allow("InvokeFromAllowedPublicNetworks", { IpAddress: { "aws:SourceIp": publicCidrs } })] : []),
        ...(privateCidrs.length > 0 ? [allow("InvokeFromAllowedPrivateNetworks", { ...throughEndpoint, IpAddress: { "aws:VpcSourceIp": privateCidrs } })] : []),
    ];
}
