/**
 * Runs one ONNX Runtime session per worker thread, so inference leaves the event loop and uses more
 * than one CPU: onnxruntime-node's session.run is synchronous on the calling thread (its backend only
 * wraps it in setImmediate), so on the main thread it stalls HTTP handling while it runs. Each run
 * goes to the worker with the fewest runs outstanding; tensors cross as copies.
 */
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import * as ort from "onnxruntime-node";

export type Feeds = Record<string, ort.Tensor>;
export type Outputs = Record<string, ort.Tensor>;

interface WireTensor {
    readonly type: ort.Tensor.Type;
    readonly data: ort.Tensor.DataType;
    readonly dims: readonly number[];
}

// Plain JavaScript evaluated in each worker: the same code runs under tsx, vitest and the esbuild bundle.
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const ort = require(workerData.ort);
const wire = (t) => ({ type: t.type, data: t.data, dims: t.dims });
ort.InferenceSession.create(workerData.file, workerData.options).then((session) => {
    parentPort.on("message", (msg) => {
        if (msg.release) return void session.release().then(() => parentPort.close());
        const feeds = {};
        for (const [name, t] of Object.entries(msg.feeds)) feeds[name] = new ort.Tensor(t.type, t.data, t.dims);
        session.run(feeds).then(
            (out) => {
                const outputs = {};
                for (const [name, t] of Object.entries(out)) outputs[name] = wire(t);
                parentPort.postMessage({ id: msg.id, outputs });
            },
            (err) => parentPort.postMessage({ id: msg.id, error: String((err && err.message) || err) }),
        );
    });
    parentPort.postMessage({ ready: true });
}, (err) => parentPort.postMessage({ failed: String((err && err.message) || err) }));
`;

interface Slot {
    readonly worker: Worker;
    outstanding: number;
    alive: boolean;
}

export class InferencePool {
    private readonly pending = new Map<number, { slot: Slot; resolve: (o: Outputs) => void; reject: (e: Error) => void }>();
    private nextId = 0;

    private constructor(private readonly slots: Slot[]) {
        for (const slot of slots) {
            slot.worker.on("message", (msg: { id?: number; outputs?: Record<string, WireTensor>; error?: string }) => {
                if (msg.id === undefined) return;
                const p = this.pending.get(msg.id);
                if (!p) return;
                this.pending.delete(msg.id);
                slot.outstanding--;
                if (msg.error !== undefined || !msg.outputs) return p.reject(new Error(msg.error ?? "worker returned no outputs"));
                const outputs: Outputs = {};
                for (const [name, t] of Object.entries(msg.outputs)) outputs[name] = new ort.Tensor(t.type, t.data as never, t.dims);
                p.resolve(outputs);
            });
            // A worker that dies fails its runs at once rather than leaving their requests waiting.
            slot.worker.on("exit", (code) => {
                slot.alive = false;
                for (const [id, p] of this.pending) {
                    if (p.slot !== slot) continue;
                    this.pending.delete(id);
                    p.reject(new Error(`inference worker exited (code ${code})`));
                }
            });
        }
    }

    /** Starts `workers` threads, each loading `file` (a path, or the model's bytes, copied to each) with `options`; resolves once all are ready. */
    static async start(file: string | Uint8Array, options: ort.InferenceSession.SessionOptions, workers: number, label = typeof file === "string" ? file : "the model"): Promise<InferencePool> {
        const ortPath = createRequire(__filename).resolve("onnxruntime-node");
        const slots = await Promise.all(
            Array.from({ length: workers }, async () => {
                const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { ort: ortPath, file, options } });
                await new Promise<void>((resolve, reject) => {
                    worker.once("message", (msg: { ready?: boolean; failed?: string }) => (msg.ready ? resolve() : reject(new Error(`inference worker could not load ${label}: ${msg.failed}`))));
                    worker.once("error", reject);
                });
                return { worker, outstanding: 0, alive: true };
            }),
        );
        return new InferencePool(slots);
    }

    get size(): number {
        return this.slots.length;
    }

    run(feeds: Feeds): Promise<Outputs> {
        let slot: Slot | undefined;
        for (const s of this.slots) if (s.alive && (!slot || s.outstanding < slot.outstanding)) slot = s;
        if (!slot) return Promise.reject(new Error("no inference worker is running"));
        slot.outstanding++;
        const id = this.nextId++;
        const wire: Record<string, WireTensor> = {};
        for (const [name, t] of Object.entries(feeds)) wire[name] = { type: t.type, data: t.data, dims: t.dims };
        return new Promise<Outputs>((resolve, reject) => {
            this.pending.set(id, { slot, resolve, reject });
            slot.worker.postMessage({ id, feeds: wire });
        });
    }

    async release(): Promise<void> {
        await Promise.all(
            this.slots.map(
                (s) =>
                    new Promise<void>((resolve) => {
                        if (!s.alive) return resolve();
                        s.worker.once("exit", () => resolve());
                        s.worker.postMessage({ release: true });
                        setTimeout(() => void s.worker.terminate(), 5000).unref();
                    }),
            ),
        );
        for (const p of this.pending.values()) p.reject(new Error("inference pool released"));
        this.pending.clear();
    }
}
