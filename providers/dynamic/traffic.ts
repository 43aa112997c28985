// Traffic splits in whole percent and the steps of a rollout, shared by the providers that move an
// endpoint's traffic (Azure ML, Vertex AI). Serialized with them: plain functions only.

export type RolloutStrategy = "allAtOnce" | "canary" | "linear";

export type Split = Record<string, number>;

/** Splits `total` percent across keys in proportion to their weights, in whole numbers (largest remainder). */
export function apportion(total: number, weights: [string, number][]): Split {
    const sum = weights.reduce((acc, [, w]) => acc + w, 0);
    const shares = weights.map(([key, w]) => {
        const exact = (total * w) / sum;
        return { key, floor: Math.floor(exact), rest: exact - Math.floor(exact) };
    });
    let left = total - shares.reduce((acc, s) => acc + s.floor, 0);
    for (const share of [...shares].sort((a, b) => b.rest - a.rest || a.key.localeCompare(b.key))) {
        if (left <= 0) break;
        share.floor += 1;
        left -= 1;
    }
    return Object.fromEntries(shares.map((s) => [s.key, s.floor]));
}

/** The keys other than `key` that serve traffic, with their shares. */
export function othersServing(split: Split, key: string): [string, number][] {
    return Object.entries(split)
        .filter(([k, v]) => k !== key && Number(v) > 0)
        .map(([k, v]): [string, number] => [k, Number(v)]);
}

/**
 * `key` at `percent`, the rest kept on the others now serving in their proportions. With no other
 * serving, `key` takes all of it (a split sums to 100).
 */
export function splitWith(current: Split, key: string, percent: number): Split {
    const others = othersServing(current, key);
    if (percent >= 100 || others.length === 0) return { [key]: 100 };
    return { [key]: percent, ...apportion(100 - percent, others) };
}

/** The split without `key`, the others renormalized to 100; empty when no other serves. */
export function splitWithout(current: Split, key: string): Split {
    const others = othersServing(current, key);
    return others.length === 0 ? {} : apportion(100, others);
}

/** The same split, ignoring keys at 0% and key order. */
export function sameSplit(a: Split, b: Split): boolean {
    const served = (s: Split) => JSON.stringify(othersServing(s, "").sort(([x], [y]) => x.localeCompare(y)));
    return served(a) === served(b);
}

/** The new version's percent at each baked step before it takes all the traffic: none for allAtOnce. */
export function bakedSteps(strategy: RolloutStrategy, stepPercent: number): number[] {
    if (strategy === "canary") return [stepPercent];
    if (strategy !== "linear") return [];
    const steps: number[] = [];
    for (let percent = stepPercent; percent < 100; percent += stepPercent) steps.push(percent);
    return steps;
}

/** `a=90%, b=10%` */
export function describeSplit(split: Split): string {
    const entries = Object.entries(split).filter(([, v]) => v > 0);
    return entries.length === 0 ? "no traffic" : entries.map(([k, v]) => `${k}=${v}%`).join(", ");
}
