import { BAD_OF_LAST, badPointsNeeded } from "../../components/observability";
import type { Clock } from "./clock";

// How the rollout watchers judge a new version: the alarms' bad-of-last rule over their readings, and
// a watch window read at a fixed interval. Serialized with the providers that use it: plain functions only.

/** The bad readings among the last BAD_OF_LAST.of when there are enough of them to call it bad, and how many were judged. */
export function badOfLast<T>(readings: readonly T[], isBad: (reading: T) => boolean): { bad: T[]; of: number } | undefined {
    const recent = readings.slice(-BAD_OF_LAST.of);
    if (recent.length === 0) return undefined;
    const bad = recent.filter(isBad);
    return bad.length >= badPointsNeeded(recent.length) ? { bad, of: recent.length } : undefined;
}

export interface WatchWindow<B> {
    clock: Clock;
    durationMs: number;
    everyMs: number;
    /** Reads the version's health; `n` counts the checks from 1, `last` says the window is over. */
    check: (n: number, last: boolean) => Promise<B | undefined>;
}

/** Checks at every `everyMs` from now until the window ends (the last check at its end); returns the first breach. */
export async function watch<B>(w: WatchWindow<B>): Promise<B | undefined> {
    const started = w.clock.now();
    const end = started + w.durationMs;
    for (let n = 1; ; n++) {
        const at = Math.min(started + n * w.everyMs, end);
        await w.clock.sleep(at - w.clock.now());
        const breach = await w.check(n, at >= end);
        if (breach !== undefined || at >= end) return breach;
    }
}
