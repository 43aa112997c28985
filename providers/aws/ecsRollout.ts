import * as pulumi from "@pulumi/pulumi";
import { Role } from "@pulumi/aws/iam/role";
import { RolePolicyAttachment } from "@pulumi/aws/iam/rolePolicyAttachment";
import { ListenerRule } from "@pulumi/aws/lb/listenerRule";
import type { TargetGroup } from "@pulumi/aws/lb/targetGroup";
import type { ecs } from "@pulumi/aws/types/input";
import type { ResolvedServiceArgs } from "../../components/contract";
import { autonamedLogicalName } from "../../components/physicalName";
import { awsPartition } from "./partition";

/** What ECS needs to shift traffic itself between the old and the new tasks (canary and linear rollouts). */
export interface TrafficShifting {
    /** The target group a new revision's tasks register in before they take traffic. */
    readonly alternate: TargetGroup;
    /** The listener rule whose weights ECS moves from the old target group to the new one. */
    readonly productionRule: ListenerRule;
    /** The role ECS assumes to move those weights. */
    readonly role: Role;
    readonly ready: pulumi.Resource[];
}

/** ECS native canary and linear deployments need their own managed traffic shifting; rolling ones do not. */
export function shiftsTraffic(args: ResolvedServiceArgs): boolean {
    return args.rollout.strategy !== "allAtOnce";
}

/**
 * The listener rule, alternate target group and infrastructure role of an ECS canary or linear deployment.
 * ECS rewrites the rule's weights on every deployment, so Pulumi leaves the rule's actions alone after creating it.
 */
export function createTrafficShifting(name: string, region: string, listenerArn: pulumi.Input<string>, primary: TargetGroup, alternate: TargetGroup, opts: pulumi.CustomResourceOptions): TrafficShifting {
    const productionRule = new ListenerRule(
        `${name}-production`,
        {
            listenerArn,
            priority: 1,
            conditions: [{ pathPattern: { values: ["/*"] } }],
            actions: [{ type: "forward", forward: { targetGroups: [{ arn: primary.arn, weight: 100 }, { arn: alternate.arn, weight: 0 }] } }],
        },
        { ...opts, ignoreChanges: ["actions"] },
    );
    const role = new Role(
        autonamedLogicalName("aws:iam/role:Role", name, "traffic-role"),
        {
            description: "ECS shifts the model service's traffic between its target groups during deployments",
            assumeRolePolicy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "ecs.amazonaws.com" }, Action: "sts:AssumeRole" }] }),
        },
        opts,
    );
    const attachment = new RolePolicyAttachment(`${name}-traffic-role-policy`, { role: role.name, policyArn: `arn:${awsPartition(region)}:iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers` }, opts);
    return { alternate, productionRule, role, ready: [productionRule, attachment] };
}

/** The service's deployment strategy: rolling, or ECS native canary / linear with a bake after the last step. */
export function deploymentConfiguration(args: ResolvedServiceArgs): ecs.ServiceDeploymentConfiguration | undefined {
    const { strategy, stepPercent, bakeMinutes } = args.rollout;
    const bake = String(bakeMinutes);
    switch (strategy) {
        case "allAtOnce":
            return undefined;
        case "canary":
            return { strategy: "CANARY", bakeTimeInMinutes: bake, canaryConfiguration: { canaryPercent: stepPercent, canaryBakeTimeInMinutes: bake } };
        case "linear":
            return { strategy: "LINEAR", bakeTimeInMinutes: bake, linearConfiguration: { stepPercent, stepBakeTimeInMinutes: bake } };
    }
}
