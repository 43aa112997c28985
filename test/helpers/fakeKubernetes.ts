import type * as http from "node:http";
import { GUARDED_DEPLOYMENT_ANNOTATIONS } from "../../providers/kubernetes/rolloutGuard";
import { LoopbackServer } from "./loopbackServer";

// A fake Kubernetes API server and Prometheus HTTP API on loopback, as much of them as the rollout
// guard and the kubernetes provider's apply use: one Deployment whose controller makes a ReplicaSet per
// pod template (reused, with a new revision, when a template comes back, as `rollout undo` does), a
// rollout that advances one pod per read (held while minReadySeconds is set and `holdReads` is) or
// stalls, JSON patches and server-side apply with field ownership, and instant queries per ReplicaSet.
//
// Field ownership follows kube-apiserver's server-side apply
// (https://kubernetes.io/docs/reference/using-api/server-side-apply/): every manager (name + operation)
// owns a set of fields; an apply without force that changes a field another manager owns is refused
// with 409 Conflict; an apply with force takes those fields over; a non-apply write (JSON or merge
// patch, PUT) makes its manager the owner of the fields it changed and never conflicts; an apply drops
// the fields its manager owned alone and no longer sends. Lists with a merge key (containers and env by
// name, ports by containerPort, volumeMounts by mountPath) are tracked per item, other lists whole.

export const NAMESPACE = "iris";
export const DEPLOYMENT = "model-server";
export const KUBE_TOKEN = "test-kube-token";
export const PROM_TOKEN = "test-prom-token";
/** What pulumi-kubernetes names itself in server-side apply mode: `pulumi-kubernetes-<random>` (provider.go fieldManagerName). */
export const PULUMI_MANAGER = "pulumi-kubernetes-3f2a9c1b";
const CONTROLLER = "kube-controller-manager";
const REVISION = "deployment.kubernetes.io/revision";
const REVISION_HISTORY = "deployment.kubernetes.io/revision-history";
/** Annotations the controller does not copy from a Deployment to its ReplicaSets (deployment/util skipCopyAnnotation). */
const NOT_COPIED = ["kubectl.kubernetes.io/last-applied-configuration", REVISION, REVISION_HISTORY, "deployment.kubernetes.io/desired-replicas", "deployment.kubernetes.io/max-replicas", "deprecated.deployment.rollback.to"];
const LIST_KEYS: Record<string, string> = { containers: "name", initContainers: "name", env: "name", volumes: "name", ports: "containerPort", volumeMounts: "mountPath" };

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
    /** Whether the collectors scrape these pods at all (their series exist). Default true. */
    scraped?: boolean;
}

/** A field manager's fields: name and operation identify it, as in metadata.managedFields. */
interface Owner {
    manager: string;
    operation: "Apply" | "Update";
    fields: Set<string>;
}

type Segment = string | { key: string; value: unknown };
interface Leaf {
    path: Segment[];
    value: unknown;
}

/** A server-side apply refusal, as kube-apiserver words it. */
export class ConflictError extends Error {
    constructor(readonly status: { message: string; details: { causes: { field: string; message: string }[] } }) {
        super(status.message);
    }
}

export function podTemplate(modelVersion: string, image = `registry.example/model-server:${modelVersion}`): any {
    return {
        metadata: { labels: { app: DEPLOYMENT, "model-service": NAMESPACE, "model-version": modelVersion } },
        spec: { containers: [{ name: DEPLOYMENT, image, env: [{ name: "MODEL_VERSION", value: modelVersion }] }] },
    };
}

/** The Deployment as the program declares it (workload.ts): what the kubernetes provider applies. */
export function deploymentConfig(template: any, opts: { replicas?: number; minReadySeconds?: number; annotations?: Record<string, string> } = {}): any {
    return {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: DEPLOYMENT, namespace: NAMESPACE, labels: { app: DEPLOYMENT }, annotations: opts.annotations ?? { ...GUARDED_DEPLOYMENT_ANNOTATIONS } },
        spec: { replicas: opts.replicas ?? 2, selector: { matchLabels: { app: DEPLOYMENT } }, minReadySeconds: opts.minReadySeconds ?? 0, template },
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
    /** Extra reads each new pod is held before it counts as available while spec.minReadySeconds > 0. */
    holdReads = 0;
    /** minReadySeconds at each rollout step the controller took, in order. */
    readonly minReadyAtSteps: number[] = [];
    private owners: Owner[] = [];
    /** Answers for requests matching a method and path, used up one per request. */
    private injected: { method: string; pattern: RegExp; status: number; body: unknown }[] = [];
    private reads = 0;
    private rsSeq = 0;

    reset(): void {
        this.requests.length = 0;
        this.replicaSets.length = 0;
        this.minReadyAtSteps.length = 0;
        this.metrics.clear();
        this.injected = [];
        this.owners = [];
        this.reads = 0;
        this.rsSeq = 0;
        this.replicas = 2;
        this.holdReads = 0;
        this.stallAfterReads = undefined;
        this.deployment = {
            apiVersion: "apps/v1",
            kind: "Deployment",
            metadata: { name: DEPLOYMENT, namespace: NAMESPACE, uid: "deploy-uid", generation: 0, labels: {}, annotations: {} },
            spec: { replicas: this.replicas, selector: { matchLabels: { app: DEPLOYMENT } }, template: {} },
            status: {},
        };
        // A ReplicaSet of something else in the namespace, which the guard must not take for the Deployment's.
        this.replicaSets.push({
            metadata: { name: "stranger-abc", uid: "rs-stranger", annotations: { [REVISION]: "9" }, labels: { app: DEPLOYMENT, "pod-template-hash": "abc" }, ownerReferences: [{ uid: "other" }] },
            spec: { template: podTemplate("9") },
        });
    }

    /**
     * What the kubernetes provider does on `pulumi up` (pulumi-kubernetes provider/pkg/await/await.go
     * ssaUpdate): first fixCSAFieldManagers hands the fields of the managers it knows from client-side
     * apply (kubectl, before-first-apply, pulumi-kubernetes with operation Update) to its own manager,
     * then it applies the declared Deployment, forcing conflicts only when patchForce says so (the
     * pulumi.com/patchForce annotation or the provider's enablePatchForce) or the object has no
     * managed fields. Returns the pod-template-hash the template runs as; throws ConflictError on 409.
     */
    apply(template: any, opts: { complete?: boolean; minReadySeconds?: number; annotations?: Record<string, string>; enablePatchForce?: boolean } = {}): string {
        const config = deploymentConfig(template, { replicas: this.replicas, minReadySeconds: opts.minReadySeconds, annotations: opts.annotations });
        const csaManagers = [
            ["kubectl", "Apply"],
            ["kubectl", "Update"],
            ["before-first-apply", "Update"],
            ["pulumi-kubernetes", "Update"],
            ["pulumi-kubernetes.exe", "Update"],
            ["pulumi-resource-kubernetes", "Update"],
        ];
        for (const [manager, operation] of csaManagers) {
            const taken = this.owners.find((o) => o.manager === manager && o.operation === operation);
            if (!taken) continue;
            this.owner(PULUMI_MANAGER, "Apply").fields = new Set([...this.owner(PULUMI_MANAGER, "Apply").fields, ...taken.fields]);
            this.owners = this.owners.filter((o) => o !== taken);
        }
        const force = config.metadata.annotations["pulumi.com/patchForce"] === "true" || opts.enablePatchForce === true || this.owners.length === 0;
        this.serverSideApply(config, PULUMI_MANAGER, force);
        if (opts.complete) this.complete();
        return this.currentHash;
    }

    /** The pod-template-hash of the ReplicaSet the Deployment's template runs as. */
    get currentHash(): string {
        const key = canonical(this.deployment.spec.template);
        return this.owned().find((rs) => canonical(withoutHash(rs.spec.template)) === key)!.metadata.labels["pod-template-hash"]!;
    }

    /** The managers owning a field, by its path as the API server prints it (e.g. `.spec.template.spec.containers[name="model-server"].image`). */
    ownersOf(field: string): string[] {
        return this.owners.filter((o) => o.fields.has(field)).map((o) => `${o.manager}/${o.operation}`);
    }

    /** Every manager owning a field of the Deployment, as `name/operation`. */
    managers(): string[] {
        return this.owners.map((o) => `${o.manager}/${o.operation}`);
    }

    /** A write by someone else (kubectl edit, kubectl set image): a non-apply update under `manager`. */
    update(manager: string, mutate: (d: any) => void): void {
        const next = clone(this.deployment);
        mutate(next);
        this.nonApplyWrite(next, manager);
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

    private owner(manager: string, operation: "Apply" | "Update"): Owner {
        let o = this.owners.find((x) => x.manager === manager && x.operation === operation);
        if (!o) {
            o = { manager, operation, fields: new Set() };
            this.owners.push(o);
        }
        return o;
    }

    private serverSideApply(config: any, manager: string, force: boolean): void {
        const live = tracked(this.deployment);
        const applied = tracked(config);
        const mine = this.owner(manager, "Apply");
        const conflicts: { field: string; manager: string }[] = [];
        for (const [field, leaf] of applied) {
            const current = live.get(field);
            if (current && canonical(current.value) === canonical(leaf.value)) continue;
            for (const o of this.owners) if (o !== mine && o.fields.has(field)) conflicts.push({ field, manager: o.manager });
        }
        if (conflicts.length > 0 && !force) {
            const lines = conflicts.map((c) => `conflict with "${c.manager}" using apps/v1: ${c.field}`);
            throw new ConflictError({
                message: `Apply failed with ${conflicts.length} conflict${conflicts.length > 1 ? "s" : ""}: ${lines.join("\n")}`,
                details: { causes: conflicts.map((c) => ({ field: c.field, message: `conflict with "${c.manager}" using apps/v1` })) },
            });
        }
        for (const c of conflicts) for (const o of this.owners) if (o !== mine) o.fields.delete(c.field);
        const othersOwn = new Set(this.owners.filter((o) => o !== mine).flatMap((o) => [...o.fields]));
        const result = new Map(live);
        for (const field of mine.fields) if (!applied.has(field) && !othersOwn.has(field)) result.delete(field);
        for (const [field, leaf] of applied) result.set(field, leaf);
        mine.fields = new Set(applied.keys());
        this.write(unflatten([...result.values()]));
        this.dropEmptyOwners();
    }

    /** A JSON patch, merge patch or PUT: its manager owns what it changed, others lose it; never a conflict. */
    private nonApplyWrite(next: any, manager: string): void {
        const before = tracked(this.deployment);
        const after = tracked(next);
        const changed = [...after].filter(([field, leaf]) => !before.has(field) || canonical(before.get(field)!.value) !== canonical(leaf.value)).map(([field]) => field);
        const removed = [...before.keys()].filter((field) => !after.has(field));
        for (const o of this.owners) for (const field of [...changed, ...removed]) o.fields.delete(field);
        for (const field of changed) this.owner(manager, "Update").fields.add(field);
        this.write(unflatten([...after.values()]));
        this.dropEmptyOwners();
    }

    private dropEmptyOwners(): void {
        this.owners = this.owners.filter((o) => o.fields.size > 0);
    }

    /** Stores a new spec/labels/annotations; the controller reacts as kube-controller-manager does. */
    private write(obj: any): void {
        const d = this.deployment;
        const templateChanged = canonical(obj.spec?.template ?? {}) !== canonical(d.spec.template);
        const specChanged = canonical(obj.spec ?? {}) !== canonical(d.spec);
        d.metadata.labels = obj.metadata?.labels ?? {};
        d.metadata.annotations = obj.metadata?.annotations ?? {};
        d.spec = clone(obj.spec ?? {});
        if (specChanged) d.metadata.generation += 1;
        if (templateChanged) this.rollOut();
    }

    /** A new template: the ReplicaSet running it (an old one comes back with a new revision), rolled out from the next read on. */
    private rollOut(): void {
        const d = this.deployment;
        const template = d.spec.template;
        const revision = String(Math.max(0, ...this.owned().map((rs) => Number(rs.metadata.annotations[REVISION]))) + 1);
        const copied = Object.fromEntries(Object.entries(d.metadata.annotations as Record<string, string>).filter(([k]) => !NOT_COPIED.includes(k)));
        let rs = this.owned().find((r) => canonical(withoutHash(r.spec.template)) === canonical(template));
        if (rs) {
            const history = [rs.metadata.annotations[REVISION_HISTORY], rs.metadata.annotations[REVISION]].filter(Boolean).join(",");
            rs.metadata.annotations = { ...copied, [REVISION]: revision, [REVISION_HISTORY]: history };
        } else {
            const hash = `h${++this.rsSeq}`;
            rs = {
                metadata: { name: `${DEPLOYMENT}-${hash}`, uid: `rs-${hash}`, annotations: { ...copied, [REVISION]: revision }, labels: { ...template.metadata?.labels, "pod-template-hash": hash }, ownerReferences: [{ uid: "deploy-uid" }] },
                spec: { template: { ...clone(template), metadata: { ...template.metadata, labels: { ...template.metadata?.labels, "pod-template-hash": hash } } } },
            };
            this.replicaSets.push(rs);
        }
        // The controller records the revision on the Deployment (an Update of its own).
        const next = clone(d);
        next.metadata.annotations = { ...next.metadata.annotations, [REVISION]: revision };
        const field = `.metadata.annotations.${REVISION}`;
        for (const o of this.owners) o.fields.delete(field);
        this.owner(CONTROLLER, "Update").fields.add(field);
        d.metadata.annotations = next.metadata.annotations;
        this.reads = 0;
        const old = Number(d.status.replicas ?? 0);
        d.status = { observedGeneration: d.metadata.generation - 1, replicas: old, updatedReplicas: 0, availableReplicas: old, conditions: [{ type: "Progressing", status: "True", reason: "ReplicaSetUpdated" }] };
    }

    private complete(): void {
        const d = this.deployment;
        d.status = { observedGeneration: d.metadata.generation, replicas: d.spec.replicas, updatedReplicas: d.spec.replicas, availableReplicas: d.spec.replicas, conditions: [{ type: "Progressing", status: "True", reason: "NewReplicaSetAvailable" }] };
    }

    /** One controller step per read: the next new pod up (after its hold) and the old one gone, or the stall reported. */
    private advance(): void {
        const d = this.deployment;
        this.reads += 1;
        if (d.spec.paused) {
            d.status = { ...d.status, observedGeneration: d.metadata.generation, conditions: [{ type: "Progressing", status: "Unknown", reason: "DeploymentPaused" }] };
            return;
        }
        if (this.stallAfterReads !== undefined) {
            d.status.observedGeneration = d.metadata.generation;
            if (this.reads > this.stallAfterReads) d.status.conditions = [{ type: "Progressing", status: "False", reason: "ProgressDeadlineExceeded", message: `ReplicaSet "${DEPLOYMENT}-${this.currentHash}" has timed out progressing.` }];
            return;
        }
        const minReady = Number(d.spec.minReadySeconds ?? 0);
        const readsPerPod = 1 + (minReady > 0 ? this.holdReads : 0);
        const updated = Math.min(d.spec.replicas, Math.floor(this.reads / readsPerPod));
        if (Number(d.status.updatedReplicas ?? 0) < d.spec.replicas) this.minReadyAtSteps.push(minReady);
        if (updated >= d.spec.replicas) return this.complete();
        d.status = { ...d.status, observedGeneration: d.metadata.generation, updatedReplicas: updated, replicas: d.spec.replicas + 1, availableReplicas: d.spec.replicas };
    }

    /** The Deployment as a GET returns it, managed fields included (metadata.managedFields, FieldsV1). */
    private view(): any {
        const d = clone(this.deployment);
        d.metadata.managedFields = this.owners.map((o) => ({ manager: o.manager, operation: o.operation, apiVersion: "apps/v1", fieldsType: "FieldsV1", fieldsV1: fieldsV1(o.fields, tracked(this.deployment)) }));
        return d;
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
            return send(200, this.view());
        }
        if (record.method === "PATCH" && record.path === deploymentPath) {
            // Without ?fieldManager the API server names the manager after the user agent's first word.
            const manager = record.query.get("fieldManager") ?? String(req.headers["user-agent"] ?? "").split("/")[0] ?? "";
            if (record.contentType === "application/apply-patch+yaml") {
                try {
                    this.serverSideApply(record.body, manager, record.query.get("force") === "true");
                } catch (err) {
                    if (err instanceof ConflictError) return send(409, { kind: "Status", status: "Failure", reason: "Conflict", code: 409, ...err.status });
                    throw err;
                }
                return send(200, this.view());
            }
            if (record.contentType !== "application/json-patch+json") return send(415, { kind: "Status", message: `unsupported media type ${record.contentType}`, code: 415 });
            const next = clone(this.deployment);
            for (const op of record.body ?? []) {
                const problem = applyJsonPatchOp(next, op);
                if (problem) return send(422, { kind: "Status", message: problem, code: 422 });
            }
            this.stallAfterReads = undefined;
            this.nonApplyWrite(next, manager);
            return send(200, this.view());
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
        let value: number | undefined;
        if (query.startsWith("count(")) {
            value = series && series.scraped !== false ? this.replicas : undefined;
        } else {
            const values = query.includes('status=~"5.."') ? series?.errorsPerMinute : series?.latencyP99Ms;
            value = values && values.length > 0 ? (values.length > 1 ? values.shift() : values[0]) : undefined;
        }
        return { status: "success", data: { resultType: "vector", result: value === undefined ? [] : [{ metric: {}, value: [Date.now() / 1000, String(value)] }] } };
    }
}

function clone<T>(value: T): T {
    return value === undefined ? value : JSON.parse(JSON.stringify(value));
}

/** JSON with sorted keys: equal objects compare equal whatever their key order. */
function canonical(value: unknown): string {
    return JSON.stringify(value, (_k, v) => (v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]])) : v));
}

function withoutHash(template: any): any {
    const copy = clone(template);
    delete copy.metadata?.labels?.["pod-template-hash"];
    return copy;
}

function isObject(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The fields server-side apply tracks on a Deployment: labels, annotations and spec, by path. */
function tracked(obj: any): Map<string, Leaf> {
    const leaves: Leaf[] = [];
    const walk = (value: unknown, path: Segment[]) => {
        const last = path[path.length - 1];
        const key = typeof last === "string" ? LIST_KEYS[last] : undefined;
        if (Array.isArray(value) && key && value.length > 0 && value.every((item) => isObject(item) && item[key] !== undefined)) {
            for (const item of value) walk(item, [...path, { key, value: (item as Record<string, unknown>)[key] }]);
        } else if (isObject(value) && Object.keys(value).length > 0) {
            for (const [k, v] of Object.entries(value)) if (v !== undefined) walk(v, [...path, k]);
        } else {
            leaves.push({ path, value });
        }
    };
    for (const part of ["labels", "annotations"]) if (isObject(obj?.metadata?.[part]) && Object.keys(obj.metadata[part]).length > 0) walk(obj.metadata[part], ["metadata", part]);
    if (obj?.spec !== undefined) walk(obj.spec, ["spec"]);
    return new Map(leaves.map((leaf) => [fieldName(leaf.path), leaf]));
}

function fieldName(path: Segment[]): string {
    return path.map((s) => (typeof s === "string" ? `.${s}` : `[${s.key}=${JSON.stringify(s.value)}]`)).join("");
}

/** Rebuilds an object from its leaves; keyed list items in the order they first appear. */
function unflatten(leaves: Leaf[]): any {
    const root: any = {};
    for (const { path, value } of leaves) {
        let node = root;
        path.forEach((segment, i) => {
            const next = path[i + 1];
            if (typeof segment === "string") {
                if (next === undefined) node[segment] = clone(value);
                else node[segment] ??= typeof next === "string" ? {} : [];
                node = node[segment];
            } else {
                let item = (node as any[]).find((x) => x[segment.key] === segment.value);
                if (!item) {
                    item = {};
                    node.push(item);
                }
                node = item;
            }
        });
    }
    return root;
}

/** A field set in the API's FieldsV1 form (`f:name`, `k:{"name":"x"}`). */
function fieldsV1(fields: Set<string>, leaves: Map<string, Leaf>): any {
    const root: any = {};
    for (const field of fields) {
        const leaf = leaves.get(field);
        if (!leaf) continue;
        let node = root;
        for (const segment of leaf.path) node = node[typeof segment === "string" ? `f:${segment}` : `k:${JSON.stringify({ [segment.key]: segment.value })}`] ??= {};
    }
    return root;
}

/** One RFC 6902 operation (add, replace, remove) on a JSON pointer; returns a problem or undefined. */
function applyJsonPatchOp(target: any, op: { op?: string; path?: string; value?: unknown }): string | undefined {
    if (!["add", "replace", "remove"].includes(String(op.op)) || typeof op.path !== "string" || !op.path.startsWith("/")) return `unsupported patch operation ${JSON.stringify(op)}`;
    const keys = op.path.slice(1).split("/").map((k) => k.replace(/~1/g, "/").replace(/~0/g, "~"));
    const last = keys.pop()!;
    let node = target;
    for (const k of keys) {
        if (!isObject(node[k]) && !Array.isArray(node[k])) return `doc is missing path: ${op.path}`;
        node = node[k];
    }
    if (op.op !== "add" && !(last in node)) return `doc is missing path: ${op.path}: missing value`;
    if (op.op === "remove") delete node[last];
    else node[last] = clone(op.value);
    return undefined;
}
