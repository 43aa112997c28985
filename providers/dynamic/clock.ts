// Time as the dynamic providers see it. Injected (a provider's deps take a Clock), so tests run
// minute-long bakes and operation deadlines in virtual time instead of waiting for them.
//
// Like everything in providers/dynamic/, this is serialized into the stack state with the providers
// that use it: plain functions and object literals, no class, no `this`, no module-level mutable state.

export interface Clock {
    /** Milliseconds since the epoch. */
    now(): number;
    /** Resolves after `ms` (at once for 0 or less). */
    sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
    now: () => Date.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
};

export interface Deadline {
    readonly at: number;
    /** Milliseconds left, 0 or less once passed. */
    remaining(): number;
    passed(): boolean;
}

export function deadlineAfter(clock: Clock, ms: number): Deadline {
    const at = clock.now() + ms;
    return { at, remaining: () => at - clock.now(), passed: () => clock.now() >= at };
}

/** What every dynamic provider of the project takes from its creator besides credentials (tests pass small or virtual values). */
export interface TimingDeps {
    /** Backoff base in ms for retries and operation polling. Default 1000. */
    backoffMs?: number;
    /** Time for bakes, deadlines and pauses. Default the system clock (tests pass a virtual one). */
    clock?: Clock;
}

/** TimingDeps with the defaults they document applied. */
export function timingOf(deps: TimingDeps | undefined): Required<TimingDeps> {
    return { backoffMs: deps?.backoffMs ?? 1000, clock: deps?.clock ?? systemClock };
}
