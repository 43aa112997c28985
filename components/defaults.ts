/**
 * Defaults of ModelServiceArgs that more than one reader applies: config.ts (stack config, whose
 * Pulumi.yaml defaults a test keeps equal), validate.ts (library callers) and the docs.
 */
export const DEFAULT_MIN_REPLICAS = 1;

/** Replicas autoscaling may reach by default, so one can fail or be replaced while another serves. */
export const DEFAULT_MAX_REPLICAS_FLOOR = 2;

/** maxReplicas when none is given: the floor, or minReplicas when that is higher (never below it). */
export function defaultMaxReplicas(minReplicas: number): number {
    return Math.max(DEFAULT_MAX_REPLICAS_FLOOR, minReplicas);
}
