/**
 * A small closed-loop HTTP load generator for loopback benchmarks when wrk is not installed: `connections`
 * keep-alive sockets each send one request, wait for the whole response, and send the next.
 */
import * as net from "node:net";

export interface LoadResult {
    readonly requests: number;
    readonly rps: number;
    readonly p50: number;
    readonly p99: number;
    readonly errors: number;
}

export async function closedLoop(port: number, request: string, connections: number, seconds: number, host = "127.0.0.1"): Promise<LoadResult> {
    const latencies: number[] = [];
    let errors = 0;
    const end = performance.now() + seconds * 1000;
    const one = (): Promise<void> =>
        new Promise<void>((resolve) => {
            const socket = net.connect(port, host);
            socket.setNoDelay(true);
            let buffer = "";
            let sentAt = 0;
            const send = (): void => {
                if (performance.now() >= end) {
                    socket.destroy();
                    return resolve();
                }
                sentAt = performance.now();
                socket.write(request);
            };
            socket.on("connect", send);
            socket.on("data", (chunk: Buffer) => {
                buffer += chunk.toString("latin1");
                for (;;) {
                    const head = buffer.indexOf("\r\n\r\n");
                    if (head === -1) return;
                    const len = Number(/content-length: *(\d+)/i.exec(buffer.slice(0, head))?.[1] ?? 0);
                    if (buffer.length < head + 4 + len) return;
                    if (buffer.slice(9, 12) !== "200") errors++;
                    buffer = buffer.slice(head + 4 + len);
                    latencies.push(performance.now() - sentAt);
                    send();
                }
            });
            socket.on("error", () => {
                errors++;
                resolve();
            });
            socket.on("close", () => resolve());
        });
    const started = performance.now();
    await Promise.all(Array.from({ length: connections }, one));
    const elapsed = (performance.now() - started) / 1000;
    latencies.sort((a, b) => a - b);
    const pct = (p: number): number => latencies[Math.min(latencies.length - 1, Math.floor((latencies.length * p) / 100))] ?? NaN;
    return { requests: latencies.length, rps: latencies.length / elapsed, p50: pct(50), p99: pct(99), errors };
}
