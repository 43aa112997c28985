import type { Clock } from "./clock";

// Polling a long-running operation until it is done, within a deadline: the pause starts at the
// backoff base and grows by half each poll up to 15 times the base, or follows the API's Retry-After.
// Serialized with the providers that use it: plain functions only.

export type PollResult<T> = { done: true; value: T } | { done: false; retryAfterMs?: number };

export interface OperationWait<T> {
    clock: Clock;
    timeoutMs: number;
    backoffMs: number;
    /** The first pause, when the call that started the operation said (Retry-After). */
    firstWaitMs?: number;
    poll: () => Promise<PollResult<T>>;
    /** The error thrown at the deadline: what is still running and how to look at it. */
    timedOut: () => Error;
    /** Called every `everyMs` of waiting with the time waited so far. */
    progress?: { everyMs: number; report: (waitedMs: number) => void };
}

export async function waitForOperation<T>(wait: OperationWait<T>): Promise<T> {
    const { clock } = wait;
    const started = clock.now();
    const deadline = started + wait.timeoutMs;
    let nextReport = started + (wait.progress?.everyMs ?? Infinity);
    let interval = wait.backoffMs;
    let pause = wait.firstWaitMs;
    for (;;) {
        if (wait.progress && clock.now() >= nextReport) {
            wait.progress.report(clock.now() - started);
            nextReport += wait.progress.everyMs;
        }
        const remaining = deadline - clock.now();
        if (remaining <= 0) throw wait.timedOut();
        await clock.sleep(Math.min(pause ?? interval, remaining));
        interval = Math.min(interval * 1.5, wait.backoffMs * 15);
        const result = await wait.poll();
        if (result.done) return result.value;
        pause = result.retryAfterMs;
    }
}
