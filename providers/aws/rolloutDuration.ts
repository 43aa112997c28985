import type { Problem } from "../../components/validate";
import type { ResolvedServiceArgs, Runtime } from "../../components/contract";

// How long an AWS rollout can take at worst, against how long the aws provider waits for it.
// - ECS: aws_ecs_service waits for a steady state within its update timeout, 20 minutes unless the
//   resource's customTimeouts say otherwise (terraform-provider-aws internal/service/ecs/service.go,
//   Timeouts: Create/Update/Delete 20m); the program sets customTimeouts from the worst case below.
// - SageMaker: aws_sagemaker_endpoint has no timeouts block; create and update wait for InService with
//   the SDK's EndpointInService waiter, 60 minutes, whatever customTimeouts say (terraform-provider-aws
//   internal/service/sagemaker/endpoint.go). So the config is bounded to what fits in that hour, and the
//   endpoint's MaximumExecutionTimeoutInSeconds makes SageMaker itself give up (and roll back) in time.

type Rollout = ResolvedServiceArgs["rollout"];

/** aws_ecs_service's default create/update timeout. */
export const ECS_DEFAULT_WAIT_MINUTES = 20;
/** aws_sagemaker_endpoint's fixed wait for InService after CreateEndpoint / UpdateEndpoint. */
export const SAGEMAKER_WAIT_MINUTES = 60;
/**
 * Budget for a new Fargate task to serve: ENI, image pull, model download, the 60 s health-check grace and
 * two passing target health checks (15 s apart), and the old tasks' 30 s deregistration delay.
 */
export const ECS_TASK_START_MINUTES = 10;
/** Budget for SageMaker to provision the new (green) fleet: instances, image pull, model download, /ping. */
export const SAGEMAKER_PROVISION_MINUTES = 15;
/** Budget for SageMaker to move all traffic back to the old fleet after an alarm or a timeout. */
export const SAGEMAKER_ROLLBACK_MINUTES = 5;
/** The longest `pulumi up` the project supports: a GitHub-hosted runner ends a job after 6 hours. */
export const MAX_UPDATE_MINUTES = 360;

/** Traffic steps of a rollout: one for all at once, two for a canary, one per step for linear. */
export function trafficSteps(rollout: Rollout): number {
    if (rollout.strategy === "allAtOnce") return 1;
    if (rollout.strategy === "canary") return 2;
    return Math.ceil(100 / rollout.stepPercent);
}

/** Bake periods: one after each traffic step and one more before the old fleet goes (the final bake). */
function bakes(rollout: Rollout): number {
    return (trafficSteps(rollout) + 1) * rollout.bakeMinutes;
}

/**
 * Worst case of an ECS deployment, rollback included: the new tasks start, every bake runs out, and then the
 * circuit breaker or an alarm rolls back, which starts the old revision's tasks again.
 */
export function ecsRolloutMinutes(rollout: Rollout): number {
    const forward = ECS_TASK_START_MINUTES + (rollout.strategy === "allAtOnce" ? 0 : bakes(rollout));
    return forward + ECS_TASK_START_MINUTES;
}

/** Worst case of a SageMaker blue/green update: provision the new fleet, every bake, then a rollback. */
export function sageMakerRolloutMinutes(rollout: Rollout): number {
    return SAGEMAKER_PROVISION_MINUTES + bakes(rollout) + SAGEMAKER_ROLLBACK_MINUTES;
}

export function rolloutMinutes(runtime: Runtime, rollout: Rollout): number {
    return runtime === "sagemaker" ? sageMakerRolloutMinutes(rollout) : ecsRolloutMinutes(rollout);
}

/** The ECS service's customTimeouts: the worst case, never below the provider's default. */
export function ecsServiceTimeouts(rollout: Rollout): { create: string; update: string } {
    const wait = `${Math.max(ECS_DEFAULT_WAIT_MINUTES, ecsRolloutMinutes(rollout))}m`;
    return { create: wait, update: wait };
}

/**
 * SageMaker's own deadline for a blue/green update (600-14400 s): what the provider's hour leaves after a
 * rollback, so a slow update is rolled back by SageMaker while the provider still waits, not abandoned.
 */
export const SAGEMAKER_MAX_EXECUTION_SECONDS = (SAGEMAKER_WAIT_MINUTES - SAGEMAKER_ROLLBACK_MINUTES) * 60;

/** The longest bake that fits a runtime's limit for this strategy and step, in whole minutes (may be negative). */
function longestBake(runtime: Runtime, rollout: Rollout): number {
    const periods = trafficSteps(rollout) + 1;
    if (runtime === "sagemaker") return Math.floor((SAGEMAKER_WAIT_MINUTES - SAGEMAKER_PROVISION_MINUTES - SAGEMAKER_ROLLBACK_MINUTES) / periods);
    return Math.floor((MAX_UPDATE_MINUTES - 2 * ECS_TASK_START_MINUTES) / periods);
}

/** A rollout whose worst case the provider (sagemaker) or one `pulumi up` (ecs) cannot wait out, as a validation problem. */
export function rolloutDurationProblems(runtime: Runtime, rollout: Rollout): Problem[] {
    if (runtime !== "sagemaker" && runtime !== "ecs") return [];
    const minutes = rolloutMinutes(runtime, rollout);
    const limit = runtime === "sagemaker" ? SAGEMAKER_WAIT_MINUTES : MAX_UPDATE_MINUTES;
    if (minutes <= limit) return [];
    const bake = longestBake(runtime, rollout);
    const why =
        runtime === "sagemaker"
            ? `takes up to ${minutes} minutes on sagemaker (${SAGEMAKER_PROVISION_MINUTES} to provision the new fleet, ${trafficSteps(rollout) + 1} bakes of ${rollout.bakeMinutes}, ${SAGEMAKER_ROLLBACK_MINUTES} to roll back), but the aws provider waits at most ${SAGEMAKER_WAIT_MINUTES} minutes for an endpoint update (a fixed limit) and then fails pulumi up while the update goes on`
            : `takes up to ${minutes} minutes on ecs (${trafficSteps(rollout)} traffic steps, ${trafficSteps(rollout) + 1} bakes of ${rollout.bakeMinutes}, task starts and a rollback), longer than the ${MAX_UPDATE_MINUTES} minutes one pulumi up may run (a GitHub-hosted runner's job limit)`;
    const fewer = rollout.strategy === "linear" ? " or raise rolloutStepPercent (fewer steps)" : "";
    const fix = bake >= 0 ? `lower rolloutBakeMinutes to ${bake} or less${fewer}, or use a strategy with fewer steps` : `use rollout allAtOnce or canary${fewer}`;
    return [{ field: "rollout.bakeMinutes", value: rollout.bakeMinutes, message: `with rollout ${rollout.strategy}${rollout.strategy === "linear" ? ` at ${rollout.stepPercent}%` : ""} ${why}`, fix }];
}
