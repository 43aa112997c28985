import { AWS_RULES } from "../../components/cloudRules/aws";
import type { ReportProblem, RuntimeDescriptor } from "../../components/runtimeDescriptor";
import type { ModelServiceArgs } from "../../components/contract";
import { validateExistingNetwork } from "../../components/existingResources";
import { rolloutDurationProblems } from "./rolloutDuration";

/** The load balancer's security group rules take allowedCidrs as cidrIpv4. */
const ECS_CLIENT_CIDR = AWS_RULES.rules.find((r) => r.id === "aws.ec2.securityGroupIngressRule.cidrIpv4")!.check as { readonly pattern: RegExp; readonly description: string };
const ACM_CERTIFICATE = /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]{36}$/;

/** The ecs network settings: the load balancer's certificate, egress, and a VPC of the caller's own. */
function validateEcsNetwork(args: ModelServiceArgs, problem: ReportProblem): void {
    const aws = args.aws ?? {};
    if (aws.certificateArn !== undefined && !ACM_CERTIFICATE.test(aws.certificateArn)) {
        problem("aws.certificateArn", aws.certificateArn, "is not an ACM certificate ARN", "use arn:aws:acm:REGION:ACCOUNT:certificate/ID");
    }
    if (aws.egress !== undefined && aws.egress !== "nat" && aws.egress !== "endpoints") problem("aws.egress", aws.egress, "is not an egress mode", "use nat or endpoints");
    if (aws.natGateways !== undefined && aws.natGateways !== 1 && aws.natGateways !== 2) problem("aws.natGateways", aws.natGateways, "must be 1 or 2 (one per zone)", "set it to 1 (cheaper) or 2 (survives a zone outage)");
    validateExistingNetwork(args, problem);
}

/** AWS's container runtime: Fargate tasks behind a load balancer (providers/aws/ecs.ts). */
export const ECS_RUNTIME: RuntimeDescriptor = {
    name: "ecs",
    cloud: "aws",
    managed: false,
    load: async () => (await import("./ecs")).createEcsService,
    takesInstanceType: false,
    features: { autoscaling: true, "scale to zero": true, GPU: false, "private network": true, auth: false, canary: true, rollback: true, alarms: true, secrets: true },
    gpuRefusal: { message: "cannot be honoured by ecs: Fargate has no GPUs", fix: "set gpu to none, or use runtime sagemaker" },
    // The load balancer's security group admits allowedCidrs (else the VPC) through cidrIpv4 rules.
    exposure: { front: "an Application Load Balancer that does not authenticate callers", allowedCidrs: "always", cidrRule: { pattern: ECS_CLIENT_CIDR.pattern, takes: `its security group rules take ${ECS_CLIENT_CIDR.description}` } },
    // Only ECS scales a service to zero tasks; the endpoints and the HorizontalPodAutoscaler keep one.
    minReplicasFloor: 0,
    // Like every cloud's provider settings, the ecs network settings may sit in a stack that runs another runtime.
    validate: ({ args }, problem) => validateEcsNetwork(args, problem),
    validateRollout: ({ rollout }, problem) => {
        if (rollout.strategy === "linear" && rollout.stepPercent < 3) {
            problem("rollout.stepPercent", rollout.stepPercent, "is below the 3 percent ECS linear deployments shift at least", "set rolloutStepPercent to 3 or more, or use rollout canary");
        }
    },
    rolloutDurationProblems: (rollout) => rolloutDurationProblems("ecs", rollout),
};
