import { afterAll, beforeAll, beforeEach } from "vitest";
import * as http from "node:http";
import type { AddressInfo } from "node:net";

/** A canned answer of a fake API: JSON with a status and headers, or a dropped connection. */
export interface CannedResponse {
    status?: number;
    body?: unknown;
    headers?: Record<string, string>;
    /** Drop the connection without answering (a network error). */
    destroy?: boolean;
}

export function sendCanned(res: http.ServerResponse, r: CannedResponse): void {
    if (r.destroy) {
        res.socket?.destroy();
        return;
    }
    res.writeHead(r.status ?? 200, { "content-type": "application/json", ...r.headers });
    res.end(r.body === undefined ? "" : JSON.stringify(r.body));
}

/** A fake HTTP API on 127.0.0.1 for the tests: a subclass answers each request once its body is read. */
export abstract class LoopbackServer {
    port = 0;
    private readonly server = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => this.handle(req, res, Buffer.concat(chunks).toString("utf8")));
    });

    protected abstract handle(req: http.IncomingMessage, res: http.ServerResponse, raw: string): void;

    async start(): Promise<void> {
        await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
        this.port = (this.server.address() as AddressInfo).port;
    }

    async stop(): Promise<void> {
        this.server.closeAllConnections();
        await new Promise<void>((resolve) => this.server.close(() => resolve()));
    }

    get url(): string {
        return `http://127.0.0.1:${this.port}`;
    }
}

/** Serves `fake` for the test file's lifetime, reset before each test (then `alsoBeforeEach`). */
export function serveDuringTests(fake: LoopbackServer & { reset(): void }, alsoBeforeEach?: () => void): void {
    beforeAll(() => fake.start());
    afterAll(() => fake.stop());
    beforeEach(() => {
        fake.reset();
        alsoBeforeEach?.();
    });
}
