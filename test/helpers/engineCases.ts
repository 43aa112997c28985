import { RUNTIMES } from "../../components/runtimes";

/** The built runtimes, and every one of them on each stack: the plans both engine test files run. */
export const runtimes = (Object.keys(RUNTIMES) as (keyof typeof RUNTIMES)[]).filter((r) => RUNTIMES[r].load);
export const argsOf = (stack: string, runtime: keyof typeof RUNTIMES) => ["--stack", stack, "--config", `cloud=${RUNTIMES[runtime].cloud}`, "--config", `runtime=${runtime}`];
export const cases = ["dev", "prod"].flatMap((stack) => runtimes.map((runtime) => ({ stack, runtime, args: argsOf(stack, runtime) })));
