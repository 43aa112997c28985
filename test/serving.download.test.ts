import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { downloadModel, extractTarGz, signV4, type HttpFetch } from "../serving/src/download";
import type { Logger } from "../serving/src/log";
import { startServer } from "../serving/src/server";
import { locateModel } from "../serving/src/source";

const ROOT = path.resolve(__dirname, "..");
const MODEL_DIR = path.join(ROOT, "examples", "iris-onnx");
const MODEL = fs.readFileSync(path.join(MODEL_DIR, "model.onnx"));
const METADATA = fs.readFileSync(path.join(MODEL_DIR, "metadata.json"));

const silent: Logger = { request: () => undefined, info: () => undefined, error: () => undefined, flush: () => undefined };

describe("serving downloads: AWS Signature V4", () => {
    // The worked examples of the Amazon S3 API reference ("Signature Calculations for the Authorization Header").
    const creds = { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" };
    const date = new Date("2013-05-24T00:00:00Z");

    it("signs GET Object as the S3 reference does", () => {
        const headers = signV4({ method: "GET", host: "examplebucket.s3.amazonaws.com", path: "/test.txt", query: [], headers: { Range: "bytes=0-9" } }, creds, "us-east-1", "s3", date);
        expect(headers.authorization).toBe(
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
        );
        expect(headers["x-amz-date"]).toBe("20130524T000000Z");
    });

    it("signs GET Bucket (list objects) as the S3 reference does", () => {
        const headers = signV4({ method: "GET", host: "examplebucket.s3.amazonaws.com", path: "/", query: [["max-keys", "2"], ["prefix", "J"]] }, creds, "us-east-1", "s3", date);
        expect(headers.authorization).toContain("Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
    });
});

/** A loopback stand-in for the clouds' storage and identity endpoints, keyed by the host the client meant. */
describe("serving downloads: object storage fakes on loopback", () => {
    let fake: http.Server;
    let port = 0;
    const seen: { host: string; method: string; url: string; headers: http.IncomingHttpHeaders; body: string }[] = [];
    let tarGz: Buffer;
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "serving-download-"));

    beforeAll(async () => {
        const src = path.join(tmp, "src");
        fs.mkdirSync(path.join(src, "model"), { recursive: true });
        fs.writeFileSync(path.join(src, "model", "model.onnx"), MODEL);
        fs.writeFileSync(path.join(src, "model", "metadata.json"), METADATA);
        const tar = spawnSync("tar", ["-czf", path.join(tmp, "model.tar.gz"), "-C", path.join(src, "model"), "."]);
        expect(tar.status).toBe(0);
        tarGz = fs.readFileSync(path.join(tmp, "model.tar.gz"));

        fake = http.createServer((req, res) => {
            let body = "";
            req.on("data", (c: Buffer) => (body += c.toString()));
            req.on("end", () => {
                const host = String(req.headers["x-fake-host"]);
                const url = new URL(req.url ?? "/", "http://x");
                seen.push({ host, method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
                const send = (status: number, data: string | Buffer, headers: Record<string, string> = {}) => {
                    res.writeHead(status, headers);
                    res.end(data);
                };
                // Google: metadata server token, then the JSON API.
                if (host === "metadata.google.internal") {
                    if (req.headers["metadata-flavor"] !== "Google") return send(403, "missing Metadata-Flavor");
                    return send(200, JSON.stringify({ access_token: "gcp-token", expires_in: 3600 }));
                }
                if (host === "storage.googleapis.com") {
                    if (req.headers.authorization !== "Bearer gcp-token") return send(401, "no token");
                    if (url.pathname === "/storage/v1/b/bucket/o") {
                        expect(url.searchParams.get("prefix")).toBe("models/iris/1/");
                        const page = url.searchParams.get("pageToken");
                        if (!page) return send(200, JSON.stringify({ items: [{ name: "models/iris/1/" }, { name: "models/iris/1/model.onnx" }], nextPageToken: "p2" }));
                        return send(200, JSON.stringify({ items: [{ name: "models/iris/1/metadata.json" }] }));
                    }
                    if (url.searchParams.get("alt") === "media") {
                        const name = decodeURIComponent(url.pathname.replace("/storage/v1/b/bucket/o/", ""));
                        if (name === "models/iris/1/model.onnx") return send(200, MODEL);
                        if (name === "models/iris/1/metadata.json") return send(200, METADATA);
                    }
                    return send(404, "no such object");
                }
                // AWS: ECS container credentials, then S3 (first asked in the wrong region).
                if (host === "169.254.170.2") {
                    if (url.pathname !== "/v2/credentials/task-role") return send(404, "");
                    return send(200, JSON.stringify({ AccessKeyId: "ASIATASKROLE", SecretAccessKey: "secret", Token: "session-token", Expiration: "2099-01-01T00:00:00Z" }));
                }
                if (host === "artifacts.s3.us-east-1.amazonaws.com") return send(301, "<Error><Code>PermanentRedirect</Code></Error>", { "x-amz-bucket-region": "eu-west-1" });
                if (host === "artifacts.s3.eu-west-1.amazonaws.com") {
                    const auth = String(req.headers.authorization);
                    if (!/^AWS4-HMAC-SHA256 Credential=ASIATASKROLE\/\d{8}\/eu-west-1\/s3\/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token, Signature=[0-9a-f]{64}$/.test(auth)) return send(403, `bad auth ${auth}`);
                    if (req.headers["x-amz-security-token"] !== "session-token") return send(403, "no session token");
                    if (url.searchParams.get("list-type") === "2") {
                        expect(url.searchParams.get("prefix")).toBe("models/iris/1/model.tar.gz");
                        return send(200, `<?xml version="1.0"?><ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key>models/iris/1/model.tar.gz</Key><Size>${tarGz.length}</Size></Contents></ListBucketResult>`);
                    }
                    if (url.pathname === "/models/iris/1/model.tar.gz") return send(200, tarGz);
                    return send(404, "");
                }
                // Azure: workload identity token exchange, then Blob storage.
                if (host === "login.microsoftonline.com") {
                    const form = new URLSearchParams(body);
                    if (url.pathname !== "/tenant-1/oauth2/v2.0/token" || form.get("client_assertion") !== "federated-jwt" || form.get("client_id") !== "client-1" || form.get("scope") !== "https://storage.azure.com/.default") {
                        return send(400, `bad token request ${url.pathname} ${body}`);
                    }
                    return send(200, JSON.stringify({ access_token: "azure-token", token_type: "Bearer" }));
                }
                if (host === "acct.blob.core.windows.net") {
                    if (req.headers.authorization !== "Bearer azure-token" || !req.headers["x-ms-version"]) return send(401, "no token");
                    if (url.searchParams.get("comp") === "list") {
                        const marker = url.searchParams.get("marker");
                        if (!marker) return send(200, `<?xml version="1.0"?><EnumerationResults><Blobs><Blob><Name>iris/1/metadata.json</Name></Blob></Blobs><NextMarker>m2</NextMarker></EnumerationResults>`);
                        return send(200, `<?xml version="1.0"?><EnumerationResults><Blobs><Blob><Name>iris/1/model.onnx</Name></Blob><Blob><Name>iris/10/model.onnx</Name></Blob></Blobs><NextMarker /></EnumerationResults>`);
                    }
                    if (url.pathname === "/models/iris/1/model.onnx") return send(200, MODEL);
                    if (url.pathname === "/models/iris/1/metadata.json") return send(200, METADATA);
                    return send(404, "");
                }
                send(500, `unexpected host ${host}`);
            });
        });
        await new Promise<void>((resolve) => fake.listen(0, "127.0.0.1", resolve));
        port = (fake.address() as AddressInfo).port;
    });

    afterAll(async () => {
        await new Promise<void>((resolve) => fake.close(() => resolve()));
        fs.rmSync(tmp, { recursive: true, force: true });
    });

    /** Sends every request to the loopback fake, telling it which host the client meant. Nothing leaves the machine. */
    const loopback: HttpFetch = (url, init) => {
        const u = new URL(url);
        return fetch(`http://127.0.0.1:${port}${u.pathname}${u.search}`, { ...init, headers: { ...init?.headers, "x-fake-host": u.host } });
    };

    it("copies a gs:// prefix with the metadata server's token (Vertex AI, GKE), page by page", async () => {
        const dest = path.join(tmp, "gcs");
        await downloadModel("gs://bucket/models/iris/1/", dest, { fetch: loopback, env: {} });
        expect(fs.readFileSync(path.join(dest, "model.onnx"))).toEqual(MODEL);
        expect(fs.readFileSync(path.join(dest, "metadata.json"))).toEqual(METADATA);
    });

    it("copies and unpacks an s3:// model.tar.gz with the ECS task role, following the bucket's region", async () => {
        const dest = path.join(tmp, "s3");
        await downloadModel("s3://artifacts/models/iris/1/model.tar.gz", dest, { fetch: loopback, env: { AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: "/v2/credentials/task-role" } });
        expect(fs.readdirSync(dest).sort()).toEqual(["metadata.json", "model.onnx"]);
        expect(fs.readFileSync(path.join(dest, "model.onnx"))).toEqual(MODEL);
        expect(seen.some((r) => r.host === "artifacts.s3.us-east-1.amazonaws.com")).toBe(true);
    });

    it("copies an Azure blob prefix with the AKS workload identity, not the look-alike prefix", async () => {
        const tokenFile = path.join(tmp, "azure-token");
        fs.writeFileSync(tokenFile, "federated-jwt\n");
        const dest = path.join(tmp, "azure");
        const env = { AZURE_FEDERATED_TOKEN_FILE: tokenFile, AZURE_CLIENT_ID: "client-1", AZURE_TENANT_ID: "tenant-1", AZURE_AUTHORITY_HOST: "https://login.microsoftonline.com/" };
        await downloadModel("https://acct.blob.core.windows.net/models/iris/1", dest, { fetch: loopback, env });
        expect(fs.readdirSync(dest).sort()).toEqual(["metadata.json", "model.onnx"]);
        expect(seen.some((r) => r.url.includes("iris/10/"))).toBe(false);
    });

    it("starts the server from MODEL_URI and serves the downloaded model", async () => {
        const cache = path.join(tmp, "cache");
        const server = await startServer({
            env: { MODEL_URI: "gs://bucket/models/iris/1/", MODEL_CACHE_DIR: cache },
            config: { host: "127.0.0.1", port: 0 },
            logger: silent,
            fetch: loopback,
        });
        try {
            const model = await server.ready;
            expect(model.file).toBe(path.join(cache, "model.onnx"));
            const res = await fetch(`http://127.0.0.1:${server.port}/invocations`, { method: "POST", body: JSON.stringify({ instances: [[5.1, 3.5, 1.4, 0.2]] }) });
            expect(((await res.json()) as { predictions: { label: string }[] }).predictions[0]!.label).toBe("setosa");
        } finally {
            await server.close(1000);
        }
    });

    it("fails at start with a message naming an unsupported URI", async () => {
        const server = await startServer({ env: { MODEL_URI: "ftp://example.invalid/model.onnx" }, config: { host: "127.0.0.1", port: 0 }, logger: silent, fetch: loopback });
        try {
            await expect(server.ready).rejects.toThrow('MODEL_URI=ftp://example.invalid/model.onnx: unsupported model URI "ftp://example.invalid/model.onnx"');
        } finally {
            await server.close(1000);
        }
    });

    it("refuses archive entries that would escape the model folder", () => {
        const evil = path.join(tmp, "evil");
        fs.mkdirSync(path.join(evil, "in"), { recursive: true });
        fs.writeFileSync(path.join(evil, "x.onnx"), "x");
        const tar = spawnSync("tar", ["-czf", path.join(tmp, "evil.tar.gz"), "-C", path.join(evil, "in"), "--absolute-names", "../x.onnx"]);
        expect(tar.status).toBe(0);
        expect(() => extractTarGz(path.join(tmp, "evil.tar.gz"), path.join(tmp, "evil-out"))).toThrow(/unsafe path "\.\.\/x\.onnx"/);
    });
});

describe("serving: where the model is", () => {
    const none = () => false;
    it("prefers MODEL_DIR, then SageMaker's /opt/ml/model, then AZUREML_MODEL_DIR, then AIP_STORAGE_URI or MODEL_URI", () => {
        expect(locateModel({ MODEL_DIR: "/m", MODEL_URI: "s3://b/k" }, none)).toMatchObject({ kind: "dir", path: "/m" });
        expect(locateModel({ AZUREML_MODEL_DIR: "/az" }, (p) => p === "/opt/ml/model")).toMatchObject({ kind: "dir", path: "/opt/ml/model" });
        expect(locateModel({ AZUREML_MODEL_DIR: "/az", MODEL_URI: "s3://b/k" }, none)).toMatchObject({ kind: "dir", path: "/az" });
        expect(locateModel({ AIP_STORAGE_URI: "gs://b/p", MODEL_URI: "s3://b/k" }, none)).toEqual({ kind: "uri", uri: "gs://b/p", from: "AIP_STORAGE_URI" });
        expect(locateModel({ MODEL_URI: "file:///models/iris" }, none)).toMatchObject({ kind: "dir", path: "/models/iris" });
        expect(() => locateModel({}, none)).toThrow(/no model location: set MODEL_DIR/);
    });
});
