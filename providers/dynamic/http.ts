import type { Clock } from "./clock";
import { errorMessage } from "./errors";

// A JSON call with retries: network errors and retryable statuses are retried with exponential backoff
// and jitter, honouring Retry-After; other failures throw at once with the provider's own error text.
// Serialized with the providers that use it: plain functions only.

export interface HttpAnswer {
    status: number;
    statusText?: string;
    text: string;
    headers: { get(name: string): string | null };
}

export interface HttpRequest {
    method: string;
    headers: Record<string, string>;
    body?: string;
}

/** Sends one request; rejects on a network error or a timeout. */
export type Transport = (url: string, request: HttpRequest) => Promise<HttpAnswer>;

/** Answers worth another try: throttled, or a server or gateway failing for now. */
export const TRANSIENT_STATUSES: readonly number[] = [429, 500, 502, 503, 504];

export interface RetryPolicy {
    clock: Clock;
    attempts: number;
    /** Backoff base: attempt n waits backoffMs * 2^(n-1), scaled by a random factor in [0.5, 1). */
    backoffMs: number;
    retryableStatuses: readonly number[];
}

export interface JsonCall {
    /** Names the call in errors: `${label} failed: ...`. */
    label: string;
    url: string;
    method: string;
    /** Headers for each attempt (a token source may renew the token between attempts). */
    headers: () => Promise<Record<string, string>>;
    body?: unknown;
    contentType?: string;
    /** Statuses answered instead of thrown (e.g. 404 where "already gone" is fine). */
    tolerate?: readonly number[];
    /** What went wrong, after `${label} failed: `: the status, the API's own message and how to fix it. */
    describeFailure: (answer: HttpAnswer) => string;
}

export interface JsonAnswer {
    status: number;
    data: any;
    headers: HttpAnswer["headers"];
}

/** The longest Retry-After honoured. */
const MAX_RETRY_AFTER_MS = 120_000;

/** fetch with a per-request timeout. */
export function fetchTransport(timeoutMs: number): Transport {
    return async (url, request) => {
        const res = await fetch(url, { method: request.method, headers: request.headers, body: request.body, signal: AbortSignal.timeout(timeoutMs) });
        return { status: res.status, statusText: res.statusText, text: await res.text(), headers: res.headers };
    };
}

/** A Retry-After header (seconds or an HTTP date) in ms; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now: number): number | undefined {
    if (header === null || header.trim() === "") return undefined;
    const seconds = Number(header);
    if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
    const date = Date.parse(header);
    return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export function backoffDelay(base: number, attempt: number): number {
    return base * 2 ** (attempt - 1) * (0.5 + Math.random() / 2);
}

function networkProblem(err: unknown): string {
    const cause = (err as { cause?: unknown }).cause;
    return `network error: ${errorMessage(err)}${cause ? ` (${errorMessage(cause)})` : ""}`;
}

/** One JSON call with retries; a failure carries the HTTP status as `status`. */
export async function callJson(transport: Transport, policy: RetryPolicy, call: JsonCall): Promise<JsonAnswer> {
    let lastProblem = "";
    for (let attempt = 1; attempt <= policy.attempts; attempt++) {
        const headers = { accept: "application/json", ...(await call.headers()), ...(call.body === undefined ? {} : { "content-type": call.contentType ?? "application/json" }) };
        let answer: HttpAnswer;
        try {
            answer = await transport(call.url, { method: call.method, headers, body: call.body === undefined ? undefined : JSON.stringify(call.body) });
        } catch (err) {
            lastProblem = networkProblem(err);
            if (attempt < policy.attempts) await policy.clock.sleep(backoffDelay(policy.backoffMs, attempt));
            continue;
        }
        if ((answer.status >= 200 && answer.status < 300) || (call.tolerate ?? []).includes(answer.status)) {
            if (answer.text.trim() === "") return { status: answer.status, data: {}, headers: answer.headers };
            try {
                return { status: answer.status, data: JSON.parse(answer.text), headers: answer.headers };
            } catch {
                throw new Error(`${call.label} returned a response that is not JSON (status ${answer.status}): ${answer.text.slice(0, 200)}`);
            }
        }
        const problem = call.describeFailure(answer);
        if (!policy.retryableStatuses.includes(answer.status)) throw Object.assign(new Error(`${call.label} failed: ${problem}`), { status: answer.status });
        lastProblem = problem;
        if (attempt < policy.attempts) {
            const hinted = retryAfterMs(answer.headers.get("retry-after"), policy.clock.now());
            await policy.clock.sleep(hinted !== undefined ? Math.min(hinted, MAX_RETRY_AFTER_MS) : backoffDelay(policy.backoffMs, attempt));
        }
    }
    throw new Error(`${call.label} failed after ${policy.attempts} attempts; last: ${lastProblem}`);
}
