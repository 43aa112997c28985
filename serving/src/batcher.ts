import type { BatchResult, LoadedModel } from "./model";

export type BatchCallback = (err: Error | undefined, result: BatchResult | undefined, offset: number) => void;

interface Pending {
    readonly features: Float32Array;
    readonly rows: number;
    readonly done: BatchCallback;
}

/**
 * Coalesces the requests decoded in one event-loop turn into a single session.run: under load the
 * per-run overhead is paid once per turn instead of once per request. Each request gets the shared
 * result and the offset of its first row. A lone request runs on its own buffer, without a copy.
 */
export class Batcher {
    private pending: Pending[] = [];
    private pendingRows = 0;
    private scheduled = false;
    /** Runs started; tests and metrics read it. */
    runs = 0;

    constructor(
        private readonly model: Pick<LoadedModel, "predict" | "featureCount">,
        private readonly maxRows = 1024,
    ) {}

    /** `features` holds `rows` rows; the caller may reuse it once `done` is called. */
    submit(features: Float32Array, rows: number, done: BatchCallback): void {
        if (this.pendingRows > 0 && this.pendingRows + rows > this.maxRows) this.flush();
        this.pending.push({ features, rows, done });
        this.pendingRows += rows;
        if (!this.scheduled) {
            this.scheduled = true;
            setImmediate(this.flush);
        }
    }

    private readonly flush = (): void => {
        this.scheduled = false;
        const batch = this.pending;
        const rows = this.pendingRows;
        if (batch.length === 0) return;
        this.pending = [];
        this.pendingRows = 0;
        this.runs++;
        const f = this.model.featureCount;
        let features: Float32Array;
        if (batch.length === 1) features = batch[0]!.features;
        else {
            features = new Float32Array(rows * f);
            let at = 0;
            for (const p of batch) {
                features.set(p.features.length === p.rows * f ? p.features : p.features.subarray(0, p.rows * f), at);
                at += p.rows * f;
            }
        }
        this.model.predict(features, rows).then(
            (result) => {
                let offset = 0;
                for (const p of batch) {
                    p.done(undefined, result, offset);
                    offset += p.rows;
                }
            },
            (err: unknown) => {
                const e = err instanceof Error ? err : new Error(String(err));
                for (const p of batch) p.done(e, undefined, 0);
            },
        );
    };
}
