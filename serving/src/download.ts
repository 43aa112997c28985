/**
 * Copies a model artifact from object storage to a local folder at start-up: s3:// (ECS),
 * gs:// (Vertex AI's AIP_STORAGE_URI, GKE) and Azure blob URLs (AKS). Each store reads the
 * credentials of the identity the runtime gives the container, from that cloud's metadata or
 * identity endpoint, through the `HttpFetch` it is handed (tests hand a loopback fake).
 * A single .tar.gz artifact (SageMaker-style model.tar.gz) is unpacked after the copy.
 */
import { createHash, createHmac } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { gunzipSync } from "node:zlib";
import { redactSecrets } from "./redact";
import { fetchWithRetry, METADATA_BACKOFF, type BackoffPolicy } from "./retry";

export type HttpFetch = (url: string, init?: { method?: string; headers?: Record<string, string>; body?: string; signal?: AbortSignal }) => Promise<Response>;

export interface DownloadContext {
    readonly fetch: HttpFetch;
    readonly env: NodeJS.ProcessEnv;
    /** For request signing; tests pin it. */
    readonly now?: () => Date;
    /** At most this many objects under the prefix. @default 10000 */
    readonly maxObjects?: number;
    /** How the metadata server's token is retried. @default METADATA_BACKOFF */
    readonly metadataBackoff?: BackoffPolicy;
}

export class DownloadError extends Error {}

/** A listing and reading of objects; keys are the store's own object names. */
export interface ObjectStore {
    readonly description: string;
    list(prefix: string): Promise<string[]>;
    get(key: string): Promise<Response>;
}

/** RFC 3986 encoding, as SigV4, GCS and Azure expect it. */
export const encodeRfc3986 = (s: string): string => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const encodePath = (key: string): string => key.split("/").map(encodeRfc3986).join("/");

const xmlText = (s: string): string =>
    s.replace(/&(lt|gt|quot|apos|amp|#(\d+)|#x([0-9a-fA-F]+));/g, (_, name: string, dec?: string, hex?: string) => {
        if (dec) return String.fromCodePoint(Number(dec));
        if (hex) return String.fromCodePoint(parseInt(hex, 16));
        return ({ lt: "<", gt: ">", quot: '"', apos: "'", amp: "&" } as Record<string, string>)[name]!;
    });
const xmlAll = (xml: string, tag: string): string[] => [...xml.matchAll(new RegExp(`<${tag}>([^<]*)</${tag}>`, "g"))].map((m) => xmlText(m[1]!));
const xmlOne = (xml: string, tag: string): string | undefined => xmlAll(xml, tag)[0];

async function expectOk(res: Response, what: string): Promise<Response> {
    if (res.ok) return res;
    const text = (await res.text().catch(() => "")).slice(0, 300);
    throw new DownloadError(redactSecrets(`${what} failed: HTTP ${res.status}${text ? ` ${text}` : ""}`));
}

export async function json(res: Response, what: string): Promise<Record<string, unknown>> {
    await expectOk(res, what);
    const body = (await res.json()) as unknown;
    if (typeof body !== "object" || body === null) throw new DownloadError(`${what}: unexpected response`);
    return body as Record<string, unknown>;
}

// ---------------------------------------------------------------- Google Cloud Storage

/** An access token of the metadata server's service account (Vertex AI, GKE workload identity). */
export async function gcpAccessToken(ctx: DownloadContext): Promise<string> {
    const host = ctx.env.GCE_METADATA_HOST?.trim() || "metadata.google.internal";
    const what = "getting a token from the GCE metadata server";
    const url = `http://${host}/computeMetadata/v1/instance/service-accounts/default/token`;
    const res = await fetchWithRetry(ctx.fetch, url, { "Metadata-Flavor": "Google" }, what, ctx.metadataBackoff ?? METADATA_BACKOFF);
    const body = await json(res, what);
    if (typeof body.access_token !== "string") throw new DownloadError("the GCE metadata server returned no access_token");
    return body.access_token;
}

/** gs://bucket/prefix with the service account of the metadata server (Vertex AI, GKE workload identity). */
export class GcsStore implements ObjectStore {
    readonly description: string;
    private readonly base: string;
    private readonly emulator: boolean;
    private token?: Promise<string>;

    constructor(
        private readonly bucket: string,
        private readonly ctx: DownloadContext,
    ) {
        this.description = `gs://${bucket}`;
        const emulator = ctx.env.STORAGE_EMULATOR_HOST?.trim();
        this.emulator = Boolean(emulator);
        this.base = emulator ? (emulator.includes("://") ? emulator : `http://${emulator}`).replace(/\/$/, "") : "https://storage.googleapis.com";
    }

    private async headers(): Promise<Record<string, string>> {
        if (this.emulator) return {};
        this.token ??= gcpAccessToken(this.ctx);
        return { Authorization: `Bearer ${await this.token}` };
    }

    async list(prefix: string): Promise<string[]> {
        const keys: string[] = [];
        let pageToken: string | undefined;
        do {
            const q = `prefix=${encodeRfc3986(prefix)}&fields=${encodeRfc3986("items(name),nextPageToken")}${pageToken ? `&pageToken=${encodeRfc3986(pageToken)}` : ""}`;
            const body = await json(await this.ctx.fetch(`${this.base}/storage/v1/b/${encodeRfc3986(this.bucket)}/o?${q}`, { headers: await this.headers() }), `listing ${this.description}/${prefix}`);
            for (const item of (body.items as { name?: unknown }[] | undefined) ?? []) if (typeof item.name === "string") keys.push(item.name);
            pageToken = typeof body.nextPageToken === "string" ? body.nextPageToken : undefined;
        } while (pageToken);
        return keys;
    }

    async get(key: string): Promise<Response> {
        const res = await this.ctx.fetch(`${this.base}/storage/v1/b/${encodeRfc3986(this.bucket)}/o/${encodeRfc3986(key)}?alt=media`, { headers: await this.headers() });
        return expectOk(res, `reading ${this.description}/${key}`);
    }
}

// ---------------------------------------------------------------- Amazon S3

export interface AwsCredentials {
    readonly accessKeyId: string;
    readonly secretAccessKey: string;
    readonly sessionToken?: string;
}

const sha256 = (data: string): string => createHash("sha256").update(data).digest("hex");
const hmac = (key: string | Buffer, data: string): Buffer => createHmac("sha256", key).update(data).digest();
export const EMPTY_SHA256 = sha256("");

/**
 * AWS Signature Version 4 for a request with `body` (none: empty). `path` is already URI-encoded (S3 does not
 * encode twice); `query` pairs are raw. Returns the headers to send, Authorization included.
 */
export function signV4(
    req: { method: string; host: string; path: string; query: readonly (readonly [string, string])[]; headers?: Readonly<Record<string, string>>; body?: string },
    creds: AwsCredentials,
    region: string,
    service: string,
    date: Date,
): Record<string, string> {
    const amzDate = date.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
    const day = amzDate.slice(0, 8);
    const payloadHash = req.body ? sha256(req.body) : EMPTY_SHA256;
    const headers: Record<string, string> = { ...req.headers, host: req.host, "x-amz-content-sha256": payloadHash, "x-amz-date": amzDate };
    if (creds.sessionToken) headers["x-amz-security-token"] = creds.sessionToken;
    const names = Object.keys(headers)
        .map((h) => h.toLowerCase())
        .sort();
    const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v.trim().replace(/\s+/g, " ")]));
    const canonicalQuery = req.query
        .map(([k, v]) => [encodeRfc3986(k), encodeRfc3986(v)] as const)
        .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
        .map(([k, v]) => `${k}=${v}`)
        .join("&");
    const signedHeaders = names.join(";");
    const canonical = [req.method, req.path, canonicalQuery, names.map((n) => `${n}:${lower[n]}\n`).join(""), signedHeaders, payloadHash].join("\n");
    const scope = `${day}/${region}/${service}/aws4_request`;
    const toSign = ["AWS4-HMAC-SHA256", amzDate, scope, sha256(canonical)].join("\n");
    const key = hmac(hmac(hmac(hmac(`AWS4${creds.secretAccessKey}`, day), region), service), "aws4_request");
    const signature = createHmac("sha256", key).update(toSign).digest("hex");
    headers.authorization = `AWS4-HMAC-SHA256 Credential=${creds.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
    delete headers.host;
    return headers;
}

/** Credentials from the environment, else the ECS task role (container credentials endpoint). */
export async function awsCredentials(ctx: DownloadContext): Promise<AwsCredentials> {
    const env = ctx.env;
    if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) return { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, sessionToken: env.AWS_SESSION_TOKEN || undefined };
    const url = env.AWS_CONTAINER_CREDENTIALS_FULL_URI || (env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI ? `http://169.254.170.2${env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI}` : undefined);
    if (!url) throw new DownloadError("no AWS credentials: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or run with a task role (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI)");
    const tokenFile = env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE;
    const token = tokenFile ? fs.readFileSync(tokenFile, "utf8").trim() : env.AWS_CONTAINER_AUTHORIZATION_TOKEN;
    const body = await json(await ctx.fetch(url, { headers: token ? { Authorization: token } : {} }), "getting the task role's credentials");
    if (typeof body.AccessKeyId !== "string" || typeof body.SecretAccessKey !== "string") throw new DownloadError("the container credentials endpoint returned no AccessKeyId/SecretAccessKey");
    return { accessKeyId: body.AccessKeyId, secretAccessKey: body.SecretAccessKey, sessionToken: typeof body.Token === "string" ? body.Token : undefined };
}

/** s3://bucket/prefix-or-key, signed with SigV4; follows S3's hint when the bucket is in another region. */
export class S3Store implements ObjectStore {
    readonly description: string;
    private region: string;
    private creds?: Promise<AwsCredentials>;
    private readonly endpoint?: URL;

    constructor(
        private readonly bucket: string,
        private readonly ctx: DownloadContext,
    ) {
        this.description = `s3://${bucket}`;
        this.region = ctx.env.AWS_REGION?.trim() || ctx.env.AWS_DEFAULT_REGION?.trim() || "us-east-1";
        const endpoint = ctx.env.AWS_ENDPOINT_URL_S3?.trim() || ctx.env.AWS_ENDPOINT_URL?.trim();
        if (endpoint) this.endpoint = new URL(endpoint);
    }

    private target(key: string): { origin: string; host: string; path: string } {
        if (this.endpoint) {
            const base = this.endpoint.pathname.replace(/\/$/, "");
            return { origin: this.endpoint.origin, host: this.endpoint.host, path: `${base}/${encodeRfc3986(this.bucket)}/${encodePath(key)}` };
        }
        if (this.bucket.includes(".")) {
            const host = `s3.${this.region}.amazonaws.com`;
            return { origin: `https://${host}`, host, path: `/${this.bucket}/${encodePath(key)}` };
        }
        const host = `${this.bucket}.s3.${this.region}.amazonaws.com`;
        return { origin: `https://${host}`, host, path: `/${encodePath(key)}` };
    }

    private async request(key: string, query: [string, string][], what: string, retried = false): Promise<Response> {
        this.creds ??= awsCredentials(this.ctx);
        const t = this.target(key);
        const headers = signV4({ method: "GET", host: t.host, path: t.path, query }, await this.creds, this.region, "s3", this.ctx.now?.() ?? new Date());
        const qs = query.map(([k, v]) => `${encodeRfc3986(k)}=${encodeRfc3986(v)}`).join("&");
        const res = await this.ctx.fetch(`${t.origin}${t.path}${qs ? `?${qs}` : ""}`, { headers });
        const hinted = res.headers.get("x-amz-bucket-region");
        if (!res.ok && !retried && hinted && hinted !== this.region && !this.endpoint) {
            await res.body?.cancel();
            this.region = hinted;
            return this.request(key, query, what, true);
        }
        return expectOk(res, what);
    }

    async list(prefix: string): Promise<string[]> {
        const keys: string[] = [];
        let token: string | undefined;
        do {
            const query: [string, string][] = [["list-type", "2"], ["prefix", prefix]];
            if (token) query.push(["continuation-token", token]);
            const xml = await (await this.request("", query, `listing ${this.description}/${prefix}`)).text();
            keys.push(...xmlAll(xml, "Key"));
            token = xmlOne(xml, "IsTruncated") === "true" ? xmlOne(xml, "NextContinuationToken") : undefined;
        } while (token);
        return keys;
    }

    get(key: string): Promise<Response> {
        return this.request(key, [], `reading ${this.description}/${key}`);
    }
}

// ---------------------------------------------------------------- Azure Blob Storage

const AZURE_STORAGE_RESOURCE = "https://storage.azure.com/";

/** An Entra ID token for Azure Storage: AKS workload identity, else App Service/ML identity endpoint, else IMDS. */
export function azureStorageToken(ctx: DownloadContext): Promise<string> {
    return azureToken(ctx, AZURE_STORAGE_RESOURCE);
}

/** An Entra ID token for `resource` (e.g. https://vault.azure.net), from the identity the platform gives the container. */
export async function azureToken(ctx: DownloadContext, resource: string): Promise<string> {
    const env = ctx.env;
    let body: Record<string, unknown>;
    if (env.AZURE_FEDERATED_TOKEN_FILE && env.AZURE_CLIENT_ID && env.AZURE_TENANT_ID) {
        const authority = (env.AZURE_AUTHORITY_HOST?.trim() || "https://login.microsoftonline.com/").replace(/\/?$/, "/");
        const form = new URLSearchParams({
            client_id: env.AZURE_CLIENT_ID,
            scope: `${resource.replace(/\/?$/, "/")}.default`,
            grant_type: "client_credentials",
            client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            client_assertion: fs.readFileSync(env.AZURE_FEDERATED_TOKEN_FILE, "utf8").trim(),
        });
        body = await json(
            await ctx.fetch(`${authority}${encodeRfc3986(env.AZURE_TENANT_ID)}/oauth2/v2.0/token`, { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: form.toString() }),
            "exchanging the workload identity token",
        );
    } else if (env.IDENTITY_ENDPOINT && env.IDENTITY_HEADER) {
        const q = new URLSearchParams({ resource, "api-version": "2019-08-01", ...(env.AZURE_CLIENT_ID ? { client_id: env.AZURE_CLIENT_ID } : {}) });
        body = await json(await ctx.fetch(`${env.IDENTITY_ENDPOINT}?${q.toString()}`, { headers: { "X-IDENTITY-HEADER": env.IDENTITY_HEADER } }), "getting a managed identity token");
    } else {
        const q = new URLSearchParams({ resource, "api-version": "2018-02-01", ...(env.AZURE_CLIENT_ID ? { client_id: env.AZURE_CLIENT_ID } : {}) });
        body = await json(await ctx.fetch(`http://169.254.169.254/metadata/identity/oauth2/token?${q.toString()}`, { headers: { Metadata: "true" } }), "getting a token from the Azure instance metadata service");
    }
    if (typeof body.access_token !== "string") throw new DownloadError("the Azure identity endpoint returned no access_token");
    return body.access_token;
}

/** https://<account>.blob.core.windows.net/<container>/<prefix>, with an Entra ID token or the URL's SAS. */
export class AzureBlobStore implements ObjectStore {
    readonly description: string;
    private token?: Promise<string>;

    constructor(
        private readonly accountUrl: string,
        private readonly container: string,
        private readonly sas: string,
        private readonly ctx: DownloadContext,
    ) {
        this.description = `${accountUrl}/${container}`;
    }

    private async headers(): Promise<Record<string, string>> {
        const headers: Record<string, string> = { "x-ms-version": "2021-08-06" };
        if (!this.sas) {
            this.token ??= azureStorageToken(this.ctx);
            headers.Authorization = `Bearer ${await this.token}`;
        }
        return headers;
    }

    async list(prefix: string): Promise<string[]> {
        const keys: string[] = [];
        let marker: string | undefined;
        do {
            const q = `restype=container&comp=list&prefix=${encodeRfc3986(prefix)}${marker ? `&marker=${encodeRfc3986(marker)}` : ""}${this.sas ? `&${this.sas}` : ""}`;
            const res = await expectOk(await this.ctx.fetch(`${this.accountUrl}/${encodeRfc3986(this.container)}?${q}`, { headers: await this.headers() }), `listing ${this.description}/${prefix}`);
            const xml = await res.text();
            keys.push(...xmlAll(xml, "Name"));
            marker = xmlOne(xml, "NextMarker") || undefined;
        } while (marker);
        return keys;
    }

    async get(key: string): Promise<Response> {
        const res = await this.ctx.fetch(`${this.accountUrl}/${encodeRfc3986(this.container)}/${encodePath(key)}${this.sas ? `?${this.sas}` : ""}`, { headers: await this.headers() });
        return expectOk(res, `reading ${this.description}/${key}`);
    }
}

// ---------------------------------------------------------------- copying and unpacking

/** The store and prefix a model URI names, or undefined when no store reads that URI. */
export function storeFor(uri: string, ctx: DownloadContext): { store: ObjectStore; prefix: string } | undefined {
    let m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
    if (m) return { store: new S3Store(m[1]!, ctx), prefix: m[2]! };
    m = /^gs:\/\/([^/]+)\/?(.*)$/.exec(uri);
    if (m) return { store: new GcsStore(m[1]!, ctx), prefix: m[2]! };
    let url: URL;
    try {
        url = new URL(uri);
    } catch {
        return undefined;
    }
    if (url.protocol === "https:" && /\.blob\.core\.[a-z.]+$/.test(url.hostname)) {
        const [container = "", ...rest] = url.pathname.replace(/^\//, "").split("/");
        if (!container) return undefined;
        return { store: new AzureBlobStore(url.origin, decodeURIComponent(container), url.search.replace(/^\?/, ""), ctx), prefix: decodeURIComponent(rest.join("/")) };
    }
    return undefined;
}

function safeRelative(rel: string, what: string): string {
    const normal = path.posix.normalize(rel.replace(/^\.?\/+/, ""));
    if (normal === "." || normal.startsWith("../") || normal === ".." || path.posix.isAbsolute(normal) || normal.includes("\\")) throw new DownloadError(`refusing ${what}: unsafe path ${JSON.stringify(rel)}`);
    return normal;
}

/** Copies every object under `prefix` (or the one object it names) into `dest`; returns the relative paths. */
export async function mirror(store: ObjectStore, prefix: string, dest: string, maxObjects = 10_000): Promise<string[]> {
    const dirPrefix = prefix === "" || prefix.endsWith("/") ? prefix : `${prefix}/`;
    const keys = (await store.list(prefix)).filter((k) => (k === prefix || k.startsWith(dirPrefix)) && !k.endsWith("/"));
    if (keys.length === 0) throw new DownloadError(`nothing found at ${store.description}/${prefix}`);
    if (keys.length > maxObjects) throw new DownloadError(`${store.description}/${prefix} holds ${keys.length} objects; at most ${maxObjects} are copied`);
    const written: string[] = [];
    for (const key of keys) {
        const rel = safeRelative(key === prefix ? path.posix.basename(key) : key.slice(dirPrefix.length), `${store.description}/${key}`);
        const file = path.join(dest, rel);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        const res = await store.get(key);
        if (!res.body) throw new DownloadError(`reading ${store.description}/${key}: empty response`);
        await pipeline(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), fs.createWriteStream(file));
        written.push(rel);
    }
    return written;
}

/** Unpacks a .tar.gz (ustar, pax and GNU long names; regular files and folders only) into `dest`. */
export function extractTarGz(file: string, dest: string): string[] {
    const data = gunzipSync(fs.readFileSync(file));
    const out: string[] = [];
    let offset = 0;
    let longName: string | undefined;
    const text = (start: number, len: number): string => {
        const end = data.indexOf(0, start);
        return data.toString("utf8", start, end === -1 || end > start + len ? start + len : end);
    };
    while (offset + 512 <= data.length) {
        if (data.subarray(offset, offset + 512).every((b) => b === 0)) break;
        const sizeField = text(offset + 124, 12).trim();
        const size = sizeField ? parseInt(sizeField, 8) : 0;
        if (!Number.isFinite(size) || size < 0) throw new DownloadError(`${file}: corrupt tar header at ${offset}`);
        const type = String.fromCharCode(data[offset + 156] ?? 0);
        const prefix = data.toString("utf8", offset + 257, offset + 263).startsWith("ustar") ? text(offset + 345, 155) : "";
        const name = longName ?? (prefix ? `${prefix}/${text(offset, 100)}` : text(offset, 100));
        const body = data.subarray(offset + 512, offset + 512 + size);
        offset += 512 + Math.ceil(size / 512) * 512;
        longName = undefined;
        if (type === "x") {
            const m = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(body.toString("utf8"));
            longName = m?.[1];
            continue;
        }
        if (type === "L") {
            longName = body.toString("utf8").replace(/\0.*$/s, "");
            continue;
        }
        if (type === "5") {
            if (name.replace(/^\.?\/*/, "")) fs.mkdirSync(path.join(dest, safeRelative(name, file)), { recursive: true });
            continue;
        }
        if (type !== "0" && type !== "\0") continue; // links, devices, global pax headers: skipped
        const rel = safeRelative(name, file);
        fs.mkdirSync(path.dirname(path.join(dest, rel)), { recursive: true });
        fs.writeFileSync(path.join(dest, rel), body);
        out.push(rel);
    }
    return out;
}

/** Copies the artifact at `uri` into `dest` and unpacks a lone .tar.gz; throws for URIs no store reads. */
export async function downloadModel(uri: string, dest: string, ctx: DownloadContext): Promise<string> {
    const target = storeFor(uri, ctx);
    if (!target) throw new DownloadError(`unsupported model URI ${JSON.stringify(redactSecrets(uri))}: expected a local path, s3://bucket/prefix, gs://bucket/prefix or https://<account>.blob.core.windows.net/<container>/<prefix>`);
    fs.rmSync(dest, { recursive: true, force: true });
    fs.mkdirSync(dest, { recursive: true });
    const files = await mirror(target.store, target.prefix, dest, ctx.maxObjects);
    const archives = files.filter((f) => /\.(tar\.gz|tgz)$/.test(f));
    if (archives.length === 1 && !files.some((f) => f.endsWith(".onnx"))) {
        const archive = path.join(dest, archives[0]!);
        extractTarGz(archive, dest);
        fs.rmSync(archive);
    }
    return dest;
}
