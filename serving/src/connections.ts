/**
 * At most `max` open connections. A connection beyond the cap evicts the connection idle longest
 * (no request being handled: a keep-alive connection between requests, or one that has not sent
 * complete headers yet), so a flood of idle sockets cannot lock real clients out or exhaust the
 * file descriptors. When every connection is handling a request, the newcomer gets 503 and is closed.
 */
import type * as http from "node:http";
import type { Socket } from "node:net";

export type DropReason = "evicted_idle" | "refused_busy";

const BUSY_BODY = '{"error":"every connection up to MAX_CONNECTIONS is handling a request; retry in a second"}';
const BUSY_RESPONSE = `HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 1\r\nConnection: close\r\nContent-Length: ${Buffer.byteLength(BUSY_BODY)}\r\n\r\n${BUSY_BODY}`;

export class ConnectionLimiter {
    /** Open connections and the requests each is handling, least recently used first (Map keeps insertion order). */
    private readonly sockets = new Map<Socket, number>();

    constructor(
        private readonly max: number,
        private readonly onDrop: (reason: DropReason) => void = () => undefined,
    ) {}

    get open(): number {
        return this.sockets.size;
    }

    /** Call after http.createServer: node's own connection listener runs first, so a dropped socket is cleaned up by it. */
    attach(server: http.Server): void {
        server.on("connection", (socket: Socket) => this.admit(socket));
        server.on("request", (req: http.IncomingMessage, res: http.ServerResponse) => this.begin(req.socket, res));
    }

    private admit(socket: Socket): void {
        if (this.sockets.size >= this.max) {
            const victim = this.oldestIdle();
            if (victim) {
                this.sockets.delete(victim);
                victim.destroy();
                this.onDrop("evicted_idle");
            } else {
                socket.end(BUSY_RESPONSE);
                socket.destroySoon();
                this.onDrop("refused_busy");
                return;
            }
        }
        this.sockets.set(socket, 0);
        socket.once("close", () => this.sockets.delete(socket));
    }

    private begin(socket: Socket, res: http.ServerResponse): void {
        const busy = this.sockets.get(socket);
        if (busy === undefined) return;
        // Move to the end: the least recently used connection stays first in line for eviction.
        this.sockets.delete(socket);
        this.sockets.set(socket, busy + 1);
        res.once("close", () => {
            const n = this.sockets.get(socket);
            if (n !== undefined) this.sockets.set(socket, n - 1);
        });
    }

    private oldestIdle(): Socket | undefined {
        for (const [socket, busy] of this.sockets) if (busy === 0) return socket;
        return undefined;
    }
}
