import type * as http from "node:http";
import { LoopbackServer } from "./loopbackServer";

// A fake Kubernetes API server and Prometheus HTTP API on loopback, as much of them as the rollout
// guard uses: one Deployment whose controller makes a ReplicaSet per pod template (reused, with a new
// revision, when a template comes back, as `rollout undo` does), a rollout that advances one pod per
// read or stalls, a JSON patch of the pod template, and instant queries answered per ReplicaSet.

export const NAMESPACE = "iris";
export const DEPLOYMENT = "model-server";
export const KUBE_TOKEN = "test-kube-token";
export const PROM_TOKEN = "test-prom-token";

export interface Recorded {
    method: string;
    path: string;
    query: URLSearchParams;
    authorization: string | undefined;
    contentType: string | undefined;
    body: any;
}

interface ReplicaSet {
    metadata: { name: string; uid: string; annotations: Record<string, string>; labels: Record<string, string>; ownerReferences: { uid: string }[] };
    spec: { template: any };
}

/** Per ReplicaSet (pod-template-hash): successive query answers, the last repeating; undefined: no series. */
interface PodMetrics {
    errorsPerMinute: (number | undefined)[];
    latencyP99Ms: (number | undefined)[];
}

export function podTemplate(modelVersion: string, image = `registry.example/model-server:${modelVersion}`): any {
    return {
        metadata: { labels: { app: DEPLOYMENT, "model-service": NAMESPACE, "model-version": modelVersion } },
        spec: { containers: [{ name: DEPLOYMENT, image }] },
    };
}

export class FakeKubernetes extends LoopbackServer {
    readonly requests: Recorded[] = [];
    readonly replicaSets: ReplicaSet[] = [];
    readonly metrics = new Map<string, PodMetrics>();
    deployment: any;
    /** Reads of the Deployment before an update's rollout completes (one pod per read). */
    replicas = 2;
    /** The rollout of the current template never completes and, after this many reads, reports ProgressDeadlineExceeded. */
    stallAfterReads: number | undefined;
    /** Answers for requests matching a method and path, used up one per request. */
    private injected: { method: string; pattern: RegExp; status: number; body: unknown }[] = [];
    private reads = 0;
    private rsSeq = 0;

    reset(): void {
        this.requests.length = 0;
        this.replicaSets.length = 0;
        this.metrics.clear();
        this.injected = [];
        this.reads = 0;
        this.rsSeq = 0;
        this.replicas = 2;
        this.stallAfterReads = undefined;
        this.deployment = {
            apiVersion: "apps/v1",
            kind: "Deployment",
            metadata: { name: DEPLOYMENT, namespace: NAMESPACE, uid: "deploy-uid", generation: 0, annotations: {} },
            spec: { replicas: this.replicas, selector: { matchLabels: { app: DEPLOYMENT } }, template: {} },
            status: {},
        };
        // A ReplicaSet of something else in the namespace, which the guard must not take for the Deployment's.
        this.replicaSets.push({
            metadata: { name: "stranger-abc", uid: "rs-stranger", annotations: { "deployment.kubernetes.io/revision": "9" }, labels: { app: DEPLOYMENT, "pod-template-hash": "abc" }, ownerReferences: [{ uid: "other" }] },
            spec: { template: podTemplate("9") },
        });
    }

    /** What `kubectl apply` (the kubernetes provider) does: a new pod template, rolled out from the next read on. */
    apply(template: any, opts: { complete?: boolean } = {}): string {
        const key = JSON.stringify(template);
        const existing = this.owned().find((rs) => JSON.stringify(withoutHash(rs.spec.template)) === key);
        const revision = String(Math.max(0, ...this.owned().map((rs) => Number(rs.metadata.annotations["deployment.kubernetes.io/revision"]))) + 1);
        let rs = existing;
        if (!rs) {
            const hash = `h${++this.rsSeq}`;
            rs = {
                metadata: { name: `${DEPLOYMENT}-${hash}`, uid: `rs-${hash}`, annotations: {}, labels: { ...template.metadata.labels, "pod-template-hash": hash }, ownerReferences: [{ uid: "deploy-uid" }] },
                spec: { template: { ...template, metadata: { ...template.metadata, labels: { ...template.metadata.labels, "pod-template-hash": hash } } } },
            };
            this.replicaSets.push(rs);
        }
        rs.metadata.annotations["deployment.kubernetes.io/revision"] = revision;
        const d = this.deployment;
        d.metadata.generation += 1;
        d.metadata.annotations["deployment.kubernetes.io/revision"] = revision;
        d.spec.template = JSON.parse(JSON.stringify(template));
        d.spec.replicas = this.replicas;
        this.reads = 0;
        const old = Number(d.status.replicas ?? 0);
        d.status = { observedGeneration: d.metadata.generation - 1, replicas: old, updatedReplicas: 0, availableReplicas: old, conditions: [{ type: "Progressing", status: "True", reason: "ReplicaSetUpdated" }] };
        if (opts.complete) this.complete();
        return rs.metadata.labels["pod-template-hash"]!;
    }

    /** The pod-template-hash of the ReplicaSet the Deployment's template runs as. */
    get currentHash(): string {
        const key = JSON.stringify(this.deployment.spec.template);
        return this.owned().find((rs) => JSON.stringify(withoutHash(rs.spec.template)) === key)!.metadata.labels["pod-template-hash"]!;
    }

    /** Fails the next `times` requests matching method and path with a status and a Kubernetes Status body. */
    inject(method: string, pattern: RegExp, status: number, message: string, times = 1): void {
        for (let i = 0; i < times; i++) this.injected.push({ method, pattern, status, body: { kind: "Status", status: "Failure", message, code: status } });
    }

    patches(): any[] {
        return this.requests.filter((r) => r.method === "PATCH").map((r) => r.body);
    }

    queries(): string[] {
        return this.requests.filter((r) => r.path.endsWith("/api/v1/query")).map((r) => r.query.get("query") ?? "");
    }

    private owned(): ReplicaSet[] {
        return this.replicaSets.filter((rs) => rs.metadata.ownerReferences.some((o) => o.uid === "deploy-uid"));
    }

    private complete(): void {
        const d = this.deployment;
        d.status = { observedGeneration: d.metadata.generation, replicas: d.spec.replicas, updatedReplicas: d.spec.replicas, availableReplicas: d.spec.replicas, conditions: [{ type: "Progressing", status: "True", reason: "NewReplicaSetAvailable" }] };
    }

    /** One controller step per read: the next new pod up and the old one gone, or the stall reported. */
    private advance(): void {
        const d = this.deployment;
        this.reads += 1;
        if (this.stallAfterReads !== undefined) {
            d.status.observedGeneration = d.metadata.generation;
            if (this.reads > this.stallAfterReads) d.status.conditions = [{ type: "Progressing", status: "False", reason: "ProgressDeadlineExceeded", message: `ReplicaSet "${DEPLOYMENT}-${this.currentHash}" has timed out progressing.` }];
            return;
        }
        const updated = Math.min(d.spec.replicas, this.reads);
        if (updated >= d.spec.replicas) return this.complete();
        d.status = { ...d.status, observedGeneration: d.metadata.generation, updatedReplicas: updated, replicas: d.spec.replicas + 1, availableReplicas: d.spec.replicas };
    }

    protected handle(req: http.IncomingMessage, res: http.ServerResponse, raw: string): void {
        const url = new URL(req.url ?? "/", "http://127.0.0.1");
        const record: Recorded = { method: req.method ?? "", path: url.pathname, query: url.searchParams, authorization: req.headers.authorization, contentType: req.headers["content-type"], body: raw ? JSON.parse(raw) : undefined };
        this.requests.push(record);
        const send = (status: number, body: unknown) => {
            res.writeHead(status, { "content-type": "application/json" });
            res.end(JSON.stringify(body));
        };
        const injected = this.injected.findIndex((i) => i.method === record.method && i.pattern.test(record.path));
        if (injected >= 0) {
            const [answer] = this.injected.splice(injected, 1);
            return send(answer!.status, answer!.body);
        }
        const deploymentPath = `/apis/apps/v1/namespaces/${NAMESPACE}/deployments/${DEPLOYMENT}`;
        if (record.path.startsWith("/prometheus/")) {
            if (record.authorization !== `Bearer ${PROM_TOKEN}`) return send(401, { status: "error", error: "bad token" });
            if (record.path !== "/prometheus/api/v1/query") return send(404, { status: "error", error: "not found" });
            return send(200, this.answer(record.query.get("query") ?? ""));
        }
        if (record.authorization !== `Bearer ${KUBE_TOKEN}`) return send(401, { kind: "Status", message: "Unauthorized", code: 401 });
        if (record.method === "GET" && record.path === deploymentPath) {
            this.advance();
            return send(200, this.deployment);
        }
        if (record.method === "PATCH" && record.path === deploymentPath) {
            if (record.contentType !== "application/json-patch+json") return send(415, { kind: "Status", message: `unsupported media type ${record.contentType}`, code: 415 });
            const op = record.body?.[0];
            if (op?.op !== "replace" || op.path !== "/spec/template") return send(422, { kind: "Status", message: "unexpected patch", code: 422 });
            this.stallAfterReads = undefined;
            this.apply(op.value);
            return send(200, this.deployment);
        }
        if (record.method === "GET" && record.path === `/apis/apps/v1/namespaces/${NAMESPACE}/replicasets`) {
            const [key, value] = (record.query.get("labelSelector") ?? "").split("=");
            return send(200, { kind: "ReplicaSetList", items: this.replicaSets.filter((rs) => key && rs.metadata.labels[key] === value) });
        }
        send(404, { kind: "Status", message: `${record.method} ${record.path} not found`, code: 404 });
    }

    private answer(query: string): unknown {
        const hash = /pod=~"model-server-([^"-]+)-\.\+"/.exec(query)?.[1] ?? "";
        const series = this.metrics.get(hash);
        const values = query.includes('status=~"5.."') ? series?.errorsPerMinute : series?.latencyP99Ms;
        const value = values && values.length > 0 ? (values.length > 1 ? values.shift() : values[0]) : undefined;
        return { status: "success", data: { resultType: "vector", result: value === undefined ? [] : [{ metric: {}, value: [Date.now() / 1000, String(value)] }] } };
    }
}

function withoutHash(template: any): any {
    const copy = JSON.parse(JSON.stringify(template));
    delete copy.metadata?.labels?.["pod-template-hash"];
    return copy;
}
