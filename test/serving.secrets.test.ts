import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { secretVariable } from "../components/servingContract";
import { ConfigError, configFromEnv } from "../serving/src/config";
import type { HttpFetch } from "../serving/src/download";
import { loadSecrets, resolveSecretReference } from "../serving/src/secrets";

type Call = { url: string; method?: string; headers?: Record<string, string>; body?: string };
/** A fetch that records each call and answers from `answer`. */
function fakeFetch(answer: (call: Call) => unknown): { fetch: HttpFetch; calls: Call[] } {
    const calls: Call[] = [];
    const fetch: HttpFetch = async (url, init) => {
        const call = { url, method: init?.method, headers: init?.headers, body: init?.body };
        calls.push(call);
        return new Response(JSON.stringify(answer(call)), { status: 200, headers: { "content-type": "application/json" } });
    };
    return { fetch, calls };
}

describe("serving: secrets arrive one way on every runtime (issue 21)", () => {
    it("reads the variables the deployment side writes, for each delivery", () => {
        const env = { [secretVariable("hfToken", "value")]: "v", [secretVariable("dbPassword", "file")]: "/run/db", [secretVariable("apiKey", "reference")]: "projects/p/secrets/s/versions/latest" };
        expect(configFromEnv(env, 1024, 2).secrets).toEqual([
            { name: "API_KEY", delivery: "reference", source: "projects/p/secrets/s/versions/latest" },
            { name: "DB_PASSWORD", delivery: "file", source: "/run/db" },
            { name: "HF_TOKEN", delivery: "value", source: "v" },
        ]);
        expect(() => configFromEnv({ SECRET_HF_TOKEN: "v", SECRET_HF_TOKEN_FILE: "/f" }, 1024, 2)).toThrow(ConfigError);
        expect(() => configFromEnv({ SECRET_HF_TOKEN: "v", SECRET_HF_TOKEN_FILE: "/f" }, 1024, 2)).toThrow("secret HF_TOKEN is given twice (value and file)");
    });

    it("a value is used as is, a file is read (without its trailing newline)", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "secrets-"));
        fs.writeFileSync(path.join(dir, "db"), "from-a-file\n");
        const { fetch, calls } = fakeFetch(() => ({}));
        const sources = configFromEnv({ SECRET_HF_TOKEN: "inline", SECRET_DB_PASSWORD_FILE: path.join(dir, "db") }, 1024, 2).secrets;
        expect(await loadSecrets(sources, { fetch, env: {} })).toEqual({ DB_PASSWORD: "from-a-file", HF_TOKEN: "inline" });
        expect(calls).toEqual([]);
        await expect(loadSecrets([{ name: "X", delivery: "file", source: path.join(dir, "missing") }], { fetch, env: {} })).rejects.toThrow(/SECRET_X_FILE names .*missing, which cannot be read/);
    });

    it("SageMaker: reads a Secrets Manager ARN with GetSecretValue, signed with the container's credentials", async () => {
        const arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:hf-AbCdEf";
        const { fetch, calls } = fakeFetch(() => ({ SecretString: "from-secrets-manager" }));
        const env = { AWS_ACCESS_KEY_ID: "AKIAIOSFODNN7EXAMPLE", AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" };
        expect(await resolveSecretReference(arn, { fetch, env, now: () => new Date("2026-01-01T00:00:00Z") })).toBe("from-secrets-manager");
        expect(calls).toHaveLength(1);
        expect(calls[0]).toMatchObject({ url: "https://secretsmanager.eu-west-1.amazonaws.com/", method: "POST", body: JSON.stringify({ SecretId: arn }) });
        expect(calls[0]!.headers).toMatchObject({ "x-amz-target": "secretsmanager.GetSecretValue", "content-type": "application/x-amz-json-1.1" });
        expect(calls[0]!.headers!.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE\/20260101\/eu-west-1\/secretsmanager\/aws4_request, SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date;x-amz-target, Signature=[0-9a-f]{64}$/);
        // The payload hash is the body's, not the empty one (which would fail the signature).
        expect(calls[0]!.headers!["x-amz-content-sha256"]).not.toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    });

    it("Vertex AI: reads a Secret Manager version with the metadata server's token", async () => {
        const { fetch, calls } = fakeFetch((c) => (c.url.includes("/token") ? { access_token: "ya29.token" } : { payload: { data: Buffer.from("from-secret-manager").toString("base64") } }));
        expect(await resolveSecretReference("projects/p/secrets/hf/versions/latest", { fetch, env: { GCE_METADATA_HOST: "169.254.169.254" } })).toBe("from-secret-manager");
        expect(calls.map((c) => c.url)).toEqual(["http://169.254.169.254/computeMetadata/v1/instance/service-accounts/default/token", "https://secretmanager.googleapis.com/v1/projects/p/secrets/hf/versions/latest:access"]);
        expect(calls[1]!.headers).toEqual({ Authorization: "Bearer ya29.token" });
    });

    it("Azure ML: reads a Key Vault secret URI with a token for Key Vault from the endpoint's identity", async () => {
        const { fetch, calls } = fakeFetch((c) => (c.url.startsWith("http://identity") ? { access_token: "eyJ.vault" } : { value: "from-key-vault" }));
        const uri = "https://iris-azure-kv12345678.vault.azure.net/secrets/hfToken";
        expect(await resolveSecretReference(uri, { fetch, env: { IDENTITY_ENDPOINT: "http://identity/token", IDENTITY_HEADER: "h" } })).toBe("from-key-vault");
        expect(new URL(calls[0]!.url).searchParams.get("resource")).toBe("https://vault.azure.net");
        expect(calls[1]).toMatchObject({ url: `${uri}?api-version=7.4`, headers: { Authorization: "Bearer eyJ.vault" } });
    });

    it("refuses a reference it cannot read, naming the forms it takes", async () => {
        const { fetch } = fakeFetch(() => ({}));
        await expect(resolveSecretReference("vault://somewhere", { fetch, env: {} })).rejects.toThrow('"vault://somewhere" is not a Secrets Manager ARN, a Secret Manager version');
    });
});
