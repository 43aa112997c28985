/**
 * Retries an HTTP call with exponential backoff and jitter, as Google's auth libraries do for the
 * metadata server: connection errors, timeouts, 408, 429 and 5xx are retried; other answers are
 * returned at once; attempts and total time are bounded.
 */

export interface BackoffPolicy {
    /** Calls at most, the first included. */
    readonly attempts: number;
    /** Wait before the first retry; each later wait is `multiplier` times the one before. */
    readonly initialDelayMs: number;
    readonly multiplier: number;
    readonly maxDelayMs: number;
    /** Each wait is drawn from [d * (1 - r), d * (1 + r)] so that pods starting together do not retry in step. */
    readonly randomization: number;
    /** No attempt starts after this much time since the first. */
    readonly totalMs: number;
    /** One call is aborted after this long. */
    readonly attemptTimeoutMs: number;
}

/**
 * For the GCE/GKE metadata server. The GKE metadata server accepts requests only a few seconds after a
 * pod starts (cloud.google.com/kubernetes-engine/docs/concepts/workload-identity, Limitations), so the
 * budget spans ~8 s of waits. Sources: google-auth-library-python compute_engine/_metadata.py (5 retries,
 * _exponential_backoff.py: multiplier 2, jitter), gaxios src/retry.ts as gcp-metadata configures it
 * (408, 429, 5xx and no-response retried; 3 s per request in gcp-metadata requestTimeout()),
 * google-http-java-client ExponentialBackOff (randomization 0.5).
 */
export const METADATA_BACKOFF: BackoffPolicy = {
    attempts: 6,
    initialDelayMs: 250,
    multiplier: 2,
    maxDelayMs: 4000,
    randomization: 0.5,
    totalMs: 20_000,
    attemptTimeoutMs: 3000,
};

export class RetriesExhausted extends Error {}

/** The wait before retry number `retry` (0 for the first retry); `random` returns [0, 1). */
export function backoffDelay(policy: BackoffPolicy, retry: number, random: () => number = Math.random): number {
    const base = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.multiplier ** retry);
    return Math.round(base * (1 - policy.randomization + 2 * policy.randomization * random()));
}

const retryableStatus = (status: number): boolean => status === 408 || status === 429 || status >= 500;

/** Retry-After in seconds (RFC 9110 section 10.2.3); the HTTP-date form is ignored. */
const retryAfterMs = (res: Response): number | undefined => {
    const v = res.headers.get("retry-after");
    return v && /^\d+$/.test(v.trim()) ? Number(v) * 1000 : undefined;
};

type Fetch = (url: string, init: { headers?: Record<string, string>; signal?: AbortSignal }) => Promise<Response>;

export interface RetryDeps {
    readonly sleep?: (ms: number) => Promise<void>;
    readonly random?: () => number;
    readonly now?: () => number;
}

/**
 * GETs `url`, retrying per `policy`. Returns the first answer that is not retryable (the caller checks
 * it); throws RetriesExhausted naming `what`, the attempts and the last failure when the budget is spent.
 */
export async function fetchWithRetry(fetch: Fetch, url: string, headers: Record<string, string>, what: string, policy: BackoffPolicy, deps: RetryDeps = {}): Promise<Response> {
    const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    const now = deps.now ?? Date.now;
    const started = now();
    let last = "";
    for (let attempt = 1; ; attempt++) {
        let wait: number | undefined;
        try {
            const res = await fetch(url, { headers, signal: AbortSignal.timeout(policy.attemptTimeoutMs) });
            if (!retryableStatus(res.status)) return res;
            wait = retryAfterMs(res);
            last = `HTTP ${res.status}${await res
                .text()
                .then((t) => (t ? ` ${t.slice(0, 200)}` : ""))
                .catch(() => "")}`;
        } catch (err) {
            const e = err as Error & { cause?: { code?: string; message?: string } };
            last = e.name === "TimeoutError" ? `no answer within ${policy.attemptTimeoutMs} ms` : (e.cause?.code ?? e.cause?.message ?? e.message);
        }
        const delay = Math.max(wait ?? 0, backoffDelay(policy, attempt - 1, deps.random));
        const elapsed = now() - started;
        if (attempt >= policy.attempts || elapsed + delay > policy.totalMs) {
            throw new RetriesExhausted(`${what} failed after ${attempt} attempt${attempt === 1 ? "" : "s"} over ${(elapsed / 1000).toFixed(1)} s: ${last}`);
        }
        await sleep(delay);
    }
}
