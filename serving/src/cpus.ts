/**
 * How many CPUs the container may use: the smaller of the CPUs it may be scheduled on
 * (os.availableParallelism(): the affinity mask, so `taskset` and cpusets count) and its CFS quota,
 * which is what Kubernetes' CPU limit and ECS/Docker `--cpus` set (a 2-CPU limit on a 16-core node
 * is 2). cgroup v2: /sys/fs/cgroup/cpu.max "<quota> <period>" or "max <period>"
 * (kernel.org Documentation/admin-guide/cgroup-v2.rst, "cpu.max"); cgroup v1: cpu.cfs_quota_us
 * (-1 for none) over cpu.cfs_period_us (Documentation/scheduler/sched-bwc.rst).
 */
import * as fs from "node:fs";
import * as os from "node:os";

export type ReadFile = (file: string) => string | undefined;

const readFile: ReadFile = (file) => {
    try {
        return fs.readFileSync(file, "utf8");
    } catch {
        return undefined;
    }
};

/** The CFS quota in CPUs (fractional), or undefined when there is none. */
export function cpuQuota(read: ReadFile = readFile): number | undefined {
    const v2 = read("/sys/fs/cgroup/cpu.max")?.trim();
    if (v2) {
        const [quota, period] = v2.split(/\s+/);
        if (quota === "max") return undefined;
        const q = Number(quota);
        const p = Number(period ?? 100_000);
        return q > 0 && p > 0 ? q / p : undefined;
    }
    for (const dir of ["/sys/fs/cgroup/cpu", "/sys/fs/cgroup/cpu,cpuacct"]) {
        const quota = Number(read(`${dir}/cpu.cfs_quota_us`)?.trim());
        const period = Number(read(`${dir}/cpu.cfs_period_us`)?.trim());
        if (Number.isFinite(quota) && Number.isFinite(period)) return quota > 0 && period > 0 ? quota / period : undefined;
    }
    return undefined;
}

/** Whole CPUs to plan threads for, at least 1; a fractional quota rounds down, so busy threads are not throttled by CFS (as Go's automaxprocs does). */
export function usableCpus(read: ReadFile = readFile, parallelism: number = os.availableParallelism()): number {
    const quota = cpuQuota(read);
    return Math.max(1, Math.min(parallelism, quota === undefined ? parallelism : Math.floor(quota + 1e-9)));
}
