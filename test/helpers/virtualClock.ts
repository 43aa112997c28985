import type { Clock } from "../../providers/dynamic/clock";

export interface VirtualClock extends Clock {
    /** Virtual milliseconds slept so far. */
    slept(): number;
}

/**
 * A clock whose sleeps advance virtual time at once (after a macrotask, so loopback I/O still runs):
 * providers bake, poll and wait out deadlines and Retry-After in real-size windows without waiting.
 * Starts at the real time, so timestamps sent to the fakes look like today's.
 */
export function virtualClock(start = Date.now()): VirtualClock {
    // One object, not two `let`s: a serialized provider captures each closure's variables by value,
    // but an object once, shared by now() and sleep() in the copy too.
    const time = { now: start, slept: 0 };
    return {
        now: () => time.now,
        sleep: (ms) => {
            const step = Math.max(0, ms);
            time.now += step;
            time.slept += step;
            return new Promise((resolve) => setImmediate(resolve));
        },
        slept: () => time.slept,
    };
}
