import { describe, expect, it } from "vitest";
import { BAD_OF_LAST } from "../components/observability";
import { deadlineAfter } from "../providers/dynamic/clock";
import { type HttpAnswer, type Transport, callJson, retryAfterMs } from "../providers/dynamic/http";
import { changedKeys, inputChecker, UNKNOWN } from "../providers/dynamic/inputs";
import { badOfLast, watch } from "../providers/dynamic/metricAnalysis";
import { waitForOperation } from "../providers/dynamic/operations";
import { checkMetricWatch } from "../providers/dynamic/sharedInputs";
import { apportion, bakedSteps, sameSplit, splitWith, splitWithout } from "../providers/dynamic/traffic";
import { virtualClock } from "./helpers/virtualClock";

// The toolkit the three dynamic providers share, on its own: each piece with a virtual clock and
// scripted answers, so the rules (bad-of-last, schedules, deadlines, retries) are pinned here once.

function answers(...script: (Partial<HttpAnswer> | Error)[]): { transport: Transport; sent: string[] } {
    const sent: string[] = [];
    const transport: Transport = async (url, request) => {
        sent.push(`${request.method} ${url} ${request.headers.authorization ?? ""}`);
        const next = script.shift();
        if (next instanceof Error) throw next;
        const headers = next?.headers ?? { get: () => null };
        return { status: 200, text: "", ...next, headers };
    };
    return { transport, sent };
}

const header = (values: Record<string, string>) => ({ get: (name: string) => values[name] ?? null });

describe("badOfLast", () => {
    const over = (limit: number) => (v: number) => v > limit;

    it(`is bad at ${BAD_OF_LAST.bad} bad of the last ${BAD_OF_LAST.of}, not at fewer, and forgets older readings`, () => {
        expect(badOfLast([9, 0, 9, 0, 9], over(5))).toEqual({ bad: [9, 9, 9], of: 5 });
        expect(badOfLast([9, 0, 9, 0, 0], over(5))).toBeUndefined();
        expect(badOfLast([9, 9, 9, 0, 0, 0, 0, 0], over(5))).toBeUndefined();
    });

    it("takes a majority while fewer readings exist, and nothing of none", () => {
        expect(badOfLast([9], over(5))).toEqual({ bad: [9], of: 1 });
        expect(badOfLast([9, 0, 0], over(5))).toBeUndefined();
        expect(badOfLast([9, 9, 0], over(5))).toEqual({ bad: [9, 9], of: 3 });
        expect(badOfLast([], over(5))).toBeUndefined();
    });
});

describe("watch", () => {
    it("checks every interval from the start, the last one at the window's end", async () => {
        const clock = virtualClock(0);
        const checks: [number, number, boolean][] = [];
        const breach = await watch({ clock, durationMs: 250_000, everyMs: 60_000, check: async (n, last) => void checks.push([n, clock.now(), last]) });
        expect(breach).toBeUndefined();
        expect(checks).toEqual([
            [1, 60_000, false],
            [2, 120_000, false],
            [3, 180_000, false],
            [4, 240_000, false],
            [5, 250_000, true],
        ]);
    });

    it("stops at the first breach", async () => {
        const clock = virtualClock(0);
        const breach = await watch({ clock, durationMs: 600_000, everyMs: 60_000, check: async (n) => (n === 2 ? "bad" : undefined) });
        expect(breach).toBe("bad");
        expect(clock.now()).toBe(120_000);
    });
});

describe("waitForOperation", () => {
    it("polls with a growing pause capped at 15 times the base, or the Retry-After given", async () => {
        const clock = virtualClock(0);
        const polledAt: number[] = [];
        let polls = 0;
        const value = await waitForOperation({
            clock,
            timeoutMs: 3_600_000,
            backoffMs: 1000,
            firstWaitMs: 5000,
            timedOut: () => new Error("late"),
            poll: async () => {
                polledAt.push(clock.now());
                polls += 1;
                if (polls === 2) return { done: false, retryAfterMs: 30_000 };
                return polls < 12 ? { done: false } : { done: true, value: "finished" };
            },
        });
        expect(value).toBe("finished");
        const pauses = polledAt.map((t, i) => t - (polledAt[i - 1] ?? 0));
        expect(pauses.slice(0, 4)).toEqual([5000, 1500, 30_000, 3375]);
        expect(Math.max(...pauses.slice(3))).toBe(15_000);
    });

    it("throws the caller's error at the deadline, polling no later than it", async () => {
        const clock = virtualClock(0);
        let last = 0;
        const reports: number[] = [];
        const wait = waitForOperation({
            clock,
            timeoutMs: 100_000,
            backoffMs: 1000,
            timedOut: () => new Error("did not finish within 100s"),
            progress: { everyMs: 60_000, report: (waited) => reports.push(waited) },
            poll: async () => {
                last = clock.now();
                return { done: false };
            },
        });
        await expect(wait).rejects.toThrow("did not finish within 100s");
        expect(last).toBe(100_000);
        expect(reports).toHaveLength(1);
        expect(reports[0]).toBeGreaterThanOrEqual(60_000);
    });
});

describe("callJson", () => {
    const call = (overrides: Partial<Parameters<typeof callJson>[2]> = {}) => ({
        label: "Test op",
        url: "http://api.test/thing",
        method: "GET",
        headers: async () => ({ authorization: "Bearer t" }),
        describeFailure: (a: HttpAnswer) => `${a.status}: ${a.text}`,
        ...overrides,
    });

    it("retries network errors and retryable statuses, honouring Retry-After, then returns the JSON", async () => {
        const clock = virtualClock(0);
        const { transport, sent } = answers(new Error("socket hang up"), { status: 503, text: "busy", headers: header({ "retry-after": "7" }) }, { status: 200, text: '{"ok":true}' });
        const answer = await callJson(transport, { clock, attempts: 5, backoffMs: 10, retryableStatuses: [503] }, call());
        expect(answer.data).toEqual({ ok: true });
        expect(sent).toEqual(Array(3).fill("GET http://api.test/thing Bearer t"));
        // 5-10 ms after the network error, then the 7 s the API asked for.
        expect(clock.slept()).toBeGreaterThanOrEqual(7005);
        expect(clock.slept()).toBeLessThan(7010);
    });

    it("throws a non-retryable status at once with the status attached, and tolerates what it is told to", async () => {
        const clock = virtualClock(0);
        const refused = await callJson(answers({ status: 403, text: "no" }).transport, { clock, attempts: 5, backoffMs: 10, retryableStatuses: [503] }, call()).catch((e: Error & { status?: number }) => e);
        expect(refused).toMatchObject({ message: "Test op failed: 403: no", status: 403 });
        const gone = await callJson(answers({ status: 404, text: "" }).transport, { clock, attempts: 5, backoffMs: 10, retryableStatuses: [] }, call({ tolerate: [404] }));
        expect(gone).toMatchObject({ status: 404, data: {} });
    });

    it("gives up after the attempts with the last problem, and refuses a body that is not JSON", async () => {
        const clock = virtualClock(0);
        const busy = { status: 503, text: "busy" };
        await expect(callJson(answers(busy, busy, busy).transport, { clock, attempts: 3, backoffMs: 10, retryableStatuses: [503] }, call())).rejects.toThrow("Test op failed after 3 attempts; last: 503: busy");
        await expect(callJson(answers({ status: 200, text: "<html>" }).transport, { clock, attempts: 3, backoffMs: 10, retryableStatuses: [] }, call())).rejects.toThrow(
            "Test op returned a response that is not JSON (status 200): <html>",
        );
    });

    it("reads Retry-After as seconds or an HTTP date", () => {
        expect(retryAfterMs("2", 0)).toBe(2000);
        expect(retryAfterMs(new Date(10_000).toUTCString(), 4000)).toBe(6000);
        expect(retryAfterMs("soon", 0)).toBeUndefined();
        expect(retryAfterMs(null, 0)).toBeUndefined();
    });
});

describe("traffic", () => {
    it("apportions whole percent by largest remainder, always summing to the total", () => {
        expect(apportion(100, [["a", 1], ["b", 1], ["c", 1]])).toEqual({ a: 34, b: 33, c: 33 });
        expect(apportion(90, [["a", 2], ["b", 1]])).toEqual({ a: 60, b: 30 });
    });

    it("puts a key at a percent beside the others in their proportions, or takes it out", () => {
        expect(splitWith({ a: 60, b: 40, z: 0 }, "n", 10)).toEqual({ n: 10, a: 54, b: 36 });
        expect(splitWith({ n: 5 }, "n", 10)).toEqual({ n: 100 });
        expect(splitWithout({ a: 60, b: 20, n: 20 }, "n")).toEqual({ a: 75, b: 25 });
        expect(splitWithout({ n: 100 }, "n")).toEqual({});
        expect(sameSplit({ a: 50, b: 50, c: 0 }, { b: 50, a: 50 })).toBe(true);
    });

    it("bakes canary once, linear at every step below 100, allAtOnce never", () => {
        expect(bakedSteps("canary", 10)).toEqual([10]);
        expect(bakedSteps("linear", 30)).toEqual([30, 60, 90]);
        expect(bakedSteps("allAtOnce", 10)).toEqual([]);
    });
});

describe("inputs and deadlines", () => {
    it("checks required strings and numbers, letting values unknown until apply pass", () => {
        const checker = inputChecker({ name: "", size: 3.5, count: UNKNOWN, nested: { v: UNKNOWN } });
        checker.requiredStrings(["name", "missing"]);
        checker.number("size", 1, 10, { whole: true });
        checker.number("count", 1, 10, { required: true, whole: true });
        checker.number("absent", 1, 10, { required: true });
        expect(checker.failures).toEqual([
            { property: "name", reason: "is required" },
            { property: "missing", reason: "is required" },
            { property: "size", reason: "must be a whole number from 1 to 10" },
            { property: "absent", reason: "is required" },
        ]);
        expect(checker.known("nested")).toBe(false);
        expect(changedKeys({ a: 1, b: null }, { a: 2 }, ["a", "b"])).toEqual(["a"]);
    });

    it("checks the metric watch inputs the rollout watchers share: bake and latency required, every bound once", () => {
        const bad = inputChecker({ bakeSeconds: -1, latencyP99Ms: UNKNOWN, max5xxPerMinute: 2_000_000, checkIntervalSeconds: 0 });
        checkMetricWatch(bad.number);
        expect(bad.failures).toEqual([
            { property: "bakeSeconds", reason: "must be a number from 0 to 3600" },
            { property: "max5xxPerMinute", reason: "must be a number from 0 to 1000000" },
            { property: "checkIntervalSeconds", reason: "must be a number from 0.001 to 3600" },
        ]);
        const missing = inputChecker({});
        checkMetricWatch(missing.number);
        expect(missing.failures.map((f) => f.property)).toEqual(["bakeSeconds", "latencyP99Ms"]);
    });

    it("counts a deadline down on the clock it was given", async () => {
        const clock = virtualClock(1000);
        const deadline = deadlineAfter(clock, 5000);
        await clock.sleep(4000);
        expect([deadline.remaining(), deadline.passed()]).toEqual([1000, false]);
        await clock.sleep(1000);
        expect(deadline.passed()).toBe(true);
    });
});
