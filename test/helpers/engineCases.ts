import { builtRuntimes } from "../../components/runtimes";
import { runtimePlanArgs } from "../../offline/planAllJobs";

/** The built runtimes, and every one of them on each stack: the plans both engine test files run (and the gate, spelled alike). */
export const runtimes = builtRuntimes();
export const argsOf = (stack: string, runtime: (typeof runtimes)[number]) => runtimePlanArgs(stack, runtime);
export const cases = ["dev", "prod"].flatMap((stack) => runtimes.map((runtime) => ({ stack, runtime, args: argsOf(stack, runtime) })));
