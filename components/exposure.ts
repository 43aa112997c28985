import { parseCidr } from "./cidr";
import { AWS_RULES } from "./cloudRules/aws";
import type { Runtime } from "./contract";
import { FEATURE_TABLE } from "./features";

/** The ecs load balancer's security group rules take allowedCidrs as cidrIpv4. */
const ECS_CLIENT_CIDR = AWS_RULES.rules.find((r) => r.id === "aws.ec2.securityGroupIngressRule.cidrIpv4")!.check as { readonly pattern: RegExp; readonly description: string };

/**
 * What `public` and `allowedCidrs` mean on each runtime, as the providers build them. A runtime whose
 * endpoint does not authenticate callers (FEATURE_TABLE auth "no") must not be public without client networks.
 */
export const EXPOSURE: Readonly<Record<Runtime, { readonly front: string; readonly allowedCidrs: "always" | "never"; readonly cidrPattern?: RegExp; readonly refusal?: { readonly why: string; readonly fix: string } }>> = {
    // providers/aws/invokerPolicy.ts: the runtime API is an AWS endpoint either way; private allowedCidrs become aws:VpcSourceIp
    // (through a VPC endpoint, required unless public), public ones aws:SourceIp.
    sagemaker: { front: "the SageMaker runtime API (IAM-signed requests)", allowedCidrs: "always" },
    // providers/aws/ecs.ts: the load balancer's security group admits allowedCidrs (else the VPC) through cidrIpv4 rules.
    ecs: { front: "an Application Load Balancer that does not authenticate callers", allowedCidrs: "always", cidrPattern: ECS_CLIENT_CIDR.pattern },
    // providers/gcp/vertex.ts: a public or Private Service Connect endpoint, OAuth either way; no IP allow-list.
    vertex: { front: "a Vertex AI endpoint (OAuth)", allowedCidrs: "never" },
    // providers/kubernetes/workload.ts: loadBalancerSourceRanges and the NetworkPolicy take allowedCidrs, public or
    // internal (private clients such as a peered VPC or on-premises range; else the cluster network's range).
    gke: { front: "a LoadBalancer Service that does not authenticate callers", allowedCidrs: "always" },
    // providers/azure/azureml.ts: publicNetworkAccess Enabled or Disabled, key auth either way; no IP allow-list.
    // The workspace's IP rules (networkAcls, "Enabled from selected IP addresses") would reach the endpoint, but
    // azure-native 3.28's Workspace (API 2025-12-01) has no such property, they can be set only after the workspace
    // exists, take public IPv4 only, and managed online deployments fail under them without a managed virtual
    // network: https://learn.microsoft.com/azure/machine-learning/how-to-configure-private-link#enable-public-access-only-from-internet-ip-ranges
    azureml: {
        front: "an Azure ML online endpoint (key auth)",
        allowedCidrs: "never",
        refusal: {
            why: "the workspace's IP rules (networkAcls) are not in azure-native's Workspace, can be set only after the workspace exists, take public IPv4 only, and managed online deployments fail under them without a workspace managed network",
            fix: "remove allowedCidrs and keep public false: callers then come in through the workspace's private endpoint, from its network or one peered with it",
        },
    },
    aks: { front: "a LoadBalancer Service that does not authenticate callers", allowedCidrs: "always" },
};

/** Problems with public/allowedCidrs that the runtime cannot honour safely. */
export function exposureProblems(runtime: Runtime, isPublic: boolean, allowedCidrs: readonly string[]): { field: string; value: unknown; message: string; fix: string }[] {
    const rule = EXPOSURE[runtime];
    const problems: { field: string; value: unknown; message: string; fix: string }[] = [];
    if (isPublic && allowedCidrs.length === 0 && !FEATURE_TABLE[runtime].auth) {
        problems.push({
            field: "network.allowedCidrs",
            value: [],
            message: `is empty while public is true: ${runtime} puts ${rule.front} in front, so every address on the internet could call the model`,
            fix: "list the client networks that may call the endpoint (pulumi config set --path 'allowedCidrs[0]' 203.0.113.0/24), or leave public off",
        });
    }
    if (allowedCidrs.length > 0 && rule.allowedCidrs === "never") {
        problems.push({
            field: "network.allowedCidrs",
            value: allowedCidrs.join(", "),
            message: `cannot be honoured by ${runtime}: ${rule.refusal?.why ?? `${rule.front} has no IP allow-list, access is by identity`}`,
            fix: rule.refusal?.fix ?? "remove allowedCidrs and grant callers access by identity",
        });
    }
    const pattern = rule.cidrPattern;
    // Blocks that do not parse are reported once, by components/cidr.ts.
    const refused = pattern ? allowedCidrs.filter((cidr) => parseCidr(cidr).cidr && !pattern.test(cidr)) : [];
    if (refused.length > 0) {
        problems.push({ field: "network.allowedCidrs", value: refused.join(", "), message: `cannot be honoured by ${runtime}: its security group rules take ${ECS_CLIENT_CIDR.description}`, fix: "list IPv4 client networks" });
    }
    return problems;
}
