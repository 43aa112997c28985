import type { PlanDocument } from "./engine";
import { BAD_OF_LAST, MAX_ERRORS_PER_MINUTE } from "../components/observability";

type Planned = PlanDocument["resources"][number];
type Describe = (inputs: any) => string | undefined;

const pct = (n: unknown) => `${n}%`;
const minutes = (seconds: unknown) => `${Number(seconds) / 60} min`;

/** What carries each runtime's rollout, in the plan's own inputs: how traffic moves and what undoes it. */
const ROLLOUTS: Record<string, Describe> = {
    "aws:sagemaker/endpoint:Endpoint": (i) => {
        const routing = i.deploymentConfig?.blueGreenUpdatePolicy?.trafficRoutingConfiguration;
        if (!routing) return undefined;
        const step = routing.canarySize ?? routing.linearStepSize;
        const alarms = i.deploymentConfig?.autoRollbackConfiguration?.alarms?.length ?? 0;
        const wait = routing.type === "ALL_AT_ONCE" ? `baked ${minutes(routing.waitIntervalInSeconds)}` : `${minutes(routing.waitIntervalInSeconds)} per step`;
        return `blue/green ${routing.type}${step ? ` ${pct(step.value)} of capacity` : ""}, ${wait}; rolled back by ${alarms} alarms`;
    },
    "aws:ecs/service:Service": (i) => {
        const c = i.deploymentConfiguration ?? {};
        const step = c.canaryConfiguration ? `${pct(c.canaryConfiguration.canaryPercent)} for ${c.canaryConfiguration.canaryBakeTimeInMinutes} min` : c.linearConfiguration ? `${pct(c.linearConfiguration.stepPercent)} every ${c.linearConfiguration.stepBakeTimeInMinutes} min` : "rolling";
        const undo = [i.deploymentCircuitBreaker?.rollback ? "circuit breaker" : "", i.alarms?.rollback ? `${i.alarms.alarmNames?.length ?? 0} alarms` : ""].filter(Boolean).join(" and ");
        return `${c.strategy ?? "ROLLING"} ${step}, bake ${c.bakeTimeInMinutes ?? 0} min${undo ? `; rolled back by ${undo}` : ""}`;
    },
    "pulumi-nodejs:dynamic:Resource": (i) =>
        i.rolloutStrategy === undefined
            ? undefined
            : `Vertex AI ${i.rolloutStrategy}${i.rolloutStrategy === "allAtOnce" ? "" : ` ${pct(i.rolloutStepPercent)} per step, ${i.rolloutBakeMinutes} min bake; rolled back on more than ${i.rollbackErrorThreshold} errors or p99 above ${i.rollbackLatencyP99Ms} ms`}` +
              // Each deployed model reserves quota for its maxReplicaCount while deployed: old and new at once during an update.
              `; quota for ${2 * Number(i.maxReplicas)} ${i.machineType} replicas while the old and new models are both deployed`,
    "pulumi-nodejs:dynamic/azure:TrafficShift": (i) => `traffic ${i.strategy} ${pct(i.stepPercent)} per step, ${minutes(i.bakeSeconds)} bake; rolled back on more than ${i.max5xxPerMinute ?? MAX_ERRORS_PER_MINUTE} 5xx a minute or p99 above ${i.latencyP99Ms} ms in ${BAD_OF_LAST.bad} of the last ${BAD_OF_LAST.of} minutes`,
    "kubernetes:apps/v1:Deployment": (i) => `rolling, surge ${i.spec?.strategy?.rollingUpdate?.maxSurge}, each step held ${minutes(i.spec?.minReadySeconds ?? 0)}`,
    "pulumi-nodejs:dynamic/kubernetes:RolloutGuard": (i) => `followed and baked ${minutes(i.bakeSeconds)}; rolled back on more than ${i.max5xxPerMinute ?? MAX_ERRORS_PER_MINUTE} 5xx a minute or p99 above ${i.latencyP99Ms} ms in ${BAD_OF_LAST.bad} of the last ${BAD_OF_LAST.of} checks, or a stalled rollout`,
};

/** Every alarm resource, named by what it watches. */
const ALARMS: Record<string, (inputs: any) => string[]> = {
    "aws:cloudwatch/metricAlarm:MetricAlarm": (i) => [i.alarmDescription ?? i.metricName],
    "gcp:monitoring/alertPolicy:AlertPolicy": (i) => [i.displayName],
    "azure-native:monitor:MetricAlert": (i) => [i.description ?? i.criteria?.allOf?.[0]?.metricName],
    "azure-native:alertsmanagement:PrometheusRuleGroup": (i) => (i.rules ?? []).map((r: any) => r.annotations?.description ?? r.alert),
};

/** The plan's rollout and alarms, read off the planned resources' inputs (nothing is restated from config). */
export function rolloutSummary(resources: readonly Planned[]): string[] {
    const rollout = resources.flatMap((r) => {
        const line = ROLLOUTS[r.type]?.(r.inputs);
        return line ? [`  ${r.name}: ${line}`] : [];
    });
    const alarms = resources.flatMap((r) => (ALARMS[r.type]?.(r.inputs) ?? []).map((what) => `  ${r.name}: ${what}`));
    return [...(rollout.length ? ["", "Rollout:", ...rollout] : []), ...(alarms.length ? ["", "Alarms:", ...alarms] : [])];
}
