/**
 * Structured JSON logs, one line per event. Request lines are buffered and written every
 * FLUSH_MS (or at 64 KiB), so a busy server makes a few write calls a second instead of one per
 * request; other events, and close(), flush at once.
 */
export interface Logger {
    /** One request line: method, route, status, ms. */
    request(method: string, route: string, path: string, status: number, ms: number): void;
    info(msg: string, fields?: Record<string, unknown>): void;
    error(msg: string, fields?: Record<string, unknown>): void;
    flush(): void;
}

import { redactFields, redactSecrets } from "./redact";

type Sink = (chunk: string) => void;

const FLUSH_MS = 50;

export function createLogger(sink: Sink = (chunk) => process.stdout.write(chunk)): Logger {
    let buffer = "";
    let timer: NodeJS.Timeout | undefined;
    const flush = (): void => {
        if (timer) clearTimeout(timer);
        timer = undefined;
        if (buffer.length === 0) return;
        const chunk = buffer;
        buffer = "";
        sink(chunk);
    };
    const push = (line: string): void => {
        buffer += line + "\n";
        if (buffer.length >= 65536) flush();
        else if (!timer) timer = setTimeout(flush, FLUSH_MS);
    };
    // The ISO time changes at most once a millisecond; format it once per millisecond.
    let lastMs = 0;
    let lastIso = "";
    const now = (): string => {
        const ms = Date.now();
        if (ms !== lastMs) {
            lastMs = ms;
            lastIso = new Date(ms).toISOString();
        }
        return lastIso;
    };
    const event = (level: string, msg: string, fields?: Record<string, unknown>): void => {
        // Every event passes through redaction: a model URI or an error may carry a SAS token or a signature.
        buffer += JSON.stringify({ time: now(), level, msg: redactSecrets(msg), ...(fields && (redactFields(fields) as Record<string, unknown>)) }) + "\n";
        flush();
    };
    return {
        request(method, route, path, status, ms) {
            // Built by hand: method and route are from fixed sets; only the path needs escaping (and redacting).
            push(
                `{"time":"${now()}","level":"${status >= 500 ? "error" : "info"}","msg":"request","method":"${method}","route":${JSON.stringify(route)},"path":${JSON.stringify(redactSecrets(path))},"status":${status},"ms":${ms.toFixed(3)}}`,
            );
        },
        info: (msg, fields) => event("info", msg, fields),
        error: (msg, fields) => event("error", msg, fields),
        flush,
    };
}
