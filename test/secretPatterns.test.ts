import { describe, expect, it } from "vitest";
import { DETECTOR_LIMITS, findEntropySecret, findSecret, findSecretInValue, isSecretKeyName, knownFormatPatterns, redact, scanWindows } from "../policies/secretPatterns";

/**
 * Every credential here is invented: generated from a seeded pseudo-random stream in the shape of a
 * real format, so the tests are deterministic and nothing real (or copied) sits in the repository.
 */
const UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const LOWER = "abcdefghijklmnopqrstuvwxyz";
const DIGITS = "0123456789";
const ALNUM = UPPER + LOWER + DIGITS;
const BASE64 = `${ALNUM}+/`;
const URLSAFE = `${ALNUM}-_`;
const BASE32 = `${UPPER}234567`;
const HEX = "0123456789abcdef";

let seed = 20240917;
/** Deterministic random characters (a small LCG): high entropy, reproducible, never a real credential. */
function random(alphabet: string, length: number): string {
    let out = "";
    for (let i = 0; i < length; i++) {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
        out += alphabet.charAt((seed >>> 8) % alphabet.length);
    }
    return out;
}
const b64url = (s: string) => Buffer.from(s).toString("base64url");
const pem = (label: string) => `-----BEGIN ${label}-----\n${[0, 1, 2, 3].map(() => random(BASE64, 64)).join("\n")}\n-----END ${label}-----\n`;

const AWS_KEY_ID = `AKIA${random(BASE32, 16)}`;
const HF_TOKEN = `hf_${random(UPPER + LOWER, 34)}`;

/** One fake credential per known format, each in the context it usually appears in. */
const KNOWN: readonly { format: string; secret: string; text?: string }[] = [
    { format: "AWS access key id", secret: AWS_KEY_ID },
    { format: "AWS access key id", secret: `ASIA${random(BASE32, 16)}` },
    { format: "AWS access key id", secret: `ABIA${random(BASE32, 16)}` },
    { format: "AWS access key id", secret: `ACCA${random(BASE32, 16)}` },
    ...(() => {
        const s = random(BASE64, 40);
        return [
            { format: "AWS secret access key", secret: s, text: `aws_secret_access_key = ${s}` },
            { format: "AWS secret access key", secret: s, text: `{"SecretAccessKey": "${s}"}` },
        ];
    })(),
    { format: "Google API key", secret: `AIza${random(URLSAFE, 35)}` },
    ...(() => {
        const key = pem("PRIVATE KEY");
        const json = JSON.stringify({ type: "service_account", project_id: "demo-project", private_key_id: random(HEX, 40), private_key: key, client_email: "svc@demo-project.iam.gserviceaccount.com" }, null, 2);
        return [{ format: "GCP service account key", secret: key, text: json }];
    })(),
    ...(() => {
        const s = `${random(BASE64, 86)}==`;
        return [{ format: "Azure storage account key", secret: s, text: `DefaultEndpointsProtocol=https;AccountName=demoacct;AccountKey=${s};EndpointSuffix=core.windows.net` }];
    })(),
    ...(() => {
        const sig = encodeURIComponent(`${random(BASE64, 43)}=`);
        return [{ format: "Azure SAS token", secret: sig, text: `https://demoacct.blob.core.windows.net/models?sv=2022-11-02&ss=b&srt=co&sp=rl&se=2030-01-01T00:00:00Z&spr=https&sig=${sig}` }];
    })(),
    { format: "Azure AD client secret", secret: `${random(ALNUM, 3)}8Q~${random(`${ALNUM}_~.-`, 34)}` },
    { format: "GitHub token", secret: `ghp_${random(ALNUM, 36)}` },
    { format: "GitHub token", secret: `gho_${random(ALNUM, 36)}` },
    { format: "GitHub token", secret: `ghu_${random(ALNUM, 36)}` },
    { format: "GitHub token", secret: `ghs_${random(ALNUM, 36)}` },
    { format: "GitHub token", secret: `ghr_${random(ALNUM, 36)}` },
    { format: "GitHub fine-grained token", secret: `github_pat_${random(`${ALNUM}_`, 82)}` },
    { format: "GitLab token", secret: `glpat-${random(URLSAFE, 20)}` },
    { format: "Slack token", secret: `xoxb-${random(DIGITS, 12)}-${random(DIGITS, 13)}-${random(ALNUM, 24)}` },
    { format: "Slack token", secret: `xoxp-${random(DIGITS, 12)}-${random(DIGITS, 12)}-${random(DIGITS, 12)}-${random(HEX, 32)}` },
    { format: "Slack token", secret: `xoxa-2-${random(ALNUM, 30)}` },
    { format: "Slack token", secret: `xoxr-${random(ALNUM, 30)}` },
    { format: "Slack token", secret: `xoxs-${random(DIGITS, 12)}-${random(DIGITS, 12)}-${random(DIGITS, 12)}-${random(HEX, 20)}` },
    { format: "Slack webhook URL", secret: `https://hooks.slack.com/services/T${random(UPPER + DIGITS, 8)}/B${random(UPPER + DIGITS, 10)}/${random(ALNUM, 24)}` },
    { format: "Stripe secret key", secret: `sk_live_${random(ALNUM, 24)}` },
    { format: "Stripe secret key", secret: `rk_live_${random(ALNUM, 24)}` },
    { format: "OpenAI API key", secret: `sk-${random(ALNUM, 20)}T3BlbkFJ${random(ALNUM, 20)}` },
    { format: "OpenAI API key", secret: `sk-proj-${random(URLSAFE, 74)}T3BlbkFJ${random(URLSAFE, 74)}` },
    { format: "OpenAI API key", secret: `sk-proj-${random(URLSAFE, 120)}` },
    { format: "Anthropic API key", secret: `sk-ant-api03-${random(URLSAFE, 93)}AA` },
    { format: "Anthropic API key", secret: `sk-ant-admin01-${random(URLSAFE, 93)}AA` },
    { format: "Hugging Face token", secret: HF_TOKEN },
    { format: "npm token", secret: `npm_${random(ALNUM, 36)}` },
    { format: "PyPI token", secret: `pypi-AgEIcHlwaS5vcmc${random(URLSAFE, 70)}` },
    { format: "Docker Hub token", secret: `dckr_pat_${random(URLSAFE, 27)}` },
    { format: "private key", secret: pem("RSA PRIVATE KEY") },
    { format: "private key", secret: pem("OPENSSH PRIVATE KEY") },
    { format: "private key", secret: pem("PGP PRIVATE KEY BLOCK") },
    ...(() => {
        const jwt = `${b64url(JSON.stringify({ alg: "HS256", typ: "JWT" }))}.${b64url(JSON.stringify({ sub: "svc-demo", iat: 1700000000, exp: 1900000000 }))}.${random(URLSAFE, 43)}`;
        return [
            { format: "JSON web token", secret: jwt },
            { format: "JSON web token", secret: jwt, text: `curl -H "Authorization: Bearer ${jwt}" https://api.internal/v1` },
        ];
    })(),
    ...(() => {
        const password = random(ALNUM, 16);
        return [
            { format: "password in a URL", secret: password, text: `postgres://app:${password}@db.internal:5432/app` },
            { format: "password in a URL", secret: password, text: `https://deploy:${password}@git.internal/org/repo.git` },
        ];
    })(),
    { format: "Databricks token", secret: `dapi${random(HEX, 32)}` },
    { format: "Pulumi access token", secret: `pul-${random(HEX, 40)}` },
    { format: "HashiCorp Vault token", secret: `hvs.${random(URLSAFE, 100)}` },
    { format: "Terraform Cloud token", secret: `${random(LOWER + DIGITS, 14)}.atlasv1.${random(URLSAFE, 64)}` },
    ...(() => {
        const data = Buffer.from(`db-${random(ALNUM, 12)}`).toString("base64");
        return [{ format: "Kubernetes Secret manifest with data", secret: data, text: `apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ntype: Opaque\ndata:\n  password: ${data}\n` }];
    })(),
];

describe("known credential formats", () => {
    for (const { format, secret, text } of KNOWN) {
        const value = text ?? secret;
        it(`finds a ${format}${text ? " in context" : ""}, without echoing it`, () => {
            const finding = findSecretInValue(value);
            expect(finding).toMatchObject({ kind: format, confidence: "high" });
            expect(finding?.kind).not.toContain(secret);
            expect(findSecret("value", value)).toEqual(finding);
        });
    }

    it("finds a credential embedded in a longer document", () => {
        const script = `#!/bin/sh\nset -eu\nexport HF_HOME=/opt/cache\nhf auth login --token ${HF_TOKEN}\npython serve.py\n`;
        expect(findSecretInValue(script)).toMatchObject({ kind: "Hugging Face token", confidence: "high" });
    });
});

describe("look-alikes that are not credentials", () => {
    const sha256 = random(HEX, 64);
    const policy = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["s3:GetObject", "ecr:GetAuthorizationToken", "ecr:GetDownloadUrlForLayer"], Resource: "arn:aws:s3:::models-bucket/*" }] });
    const CLEAN: Record<string, string> = {
        "a Secrets Manager ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/hf-token-Ab12Cd",
        "an IAM role ARN": "arn:aws:iam::123456789012:role/service-role/AmazonSageMaker-ExecutionRole-20240101T000000",
        "a KMS key ARN": "arn:aws:kms:eu-west-1:123456789012:key/3f2c8a9e-7b41-4d2e-9c6a-1e5b7d9f0a34",
        "a UUID": "3f2c8a9e-7b41-4d2e-9c6a-1e5b7d9f0a34",
        "a sha256 digest": `sha256:${sha256}`,
        "an image URI with a digest": `123456789012.dkr.ecr.us-east-1.amazonaws.com/model-server@sha256:${sha256}`,
        "an image URI with a tag": "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3",
        "a sha1 commit": random(HEX, 40),
        "an md5 hash": random(HEX, 32),
        "a base64-encoded IAM policy": Buffer.from(policy).toString("base64"),
        "an IAM policy document": policy,
        "an S3 URI": "s3://iris-sagemaker-artifacts-a76c1af/models/iris/1/model.tar.gz",
        "an HTTPS URL": "https://runtime.sagemaker.us-east-1.amazonaws.com/endpoints/iris-dev/invocations",
        "a URL with a user but no password": "https://deploy@git.internal/org/repo.git",
        "a URL with an empty password": "postgres://app:@db.internal:5432/app",
        "a URL with a placeholder password": "postgres://app:password@localhost:5432/app",
        "a URL with a templated password": "postgres://app:${DB_PASSWORD}@db.internal:5432/app",
        "a file path": "/opt/ml/model/code/inference.py",
        "AWS's documented example access key id": "AKIAIOSFODNN7EXAMPLE",
        "AWS's documented example secret key": "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "an access key id of Xs": `AKIA${"X".repeat(16)}`,
        "a GitHub token of xs": `ghp_${"x".repeat(36)}`,
        "a Hugging Face name that is an identifier": `hf_${"modelCardMetadataLoaderForHubRepos"}`,
        "an angle-bracket placeholder": "<your-api-key>",
        "an interpolation": "${DB_PASSWORD}",
        "a template": "{{ .Values.password }}",
        "a SOPS-encrypted value": "password: ENC[AES256_GCM,data:Zm9vYmFy,iv:abc,tag:def,type:str]",
        "a private key header without a body": "-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----",
        "a public certificate": pem("CERTIFICATE"),
        "a Kubernetes Secret that references an external store": "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata:\n  name: db\nspec:\n  secretStoreRef:\n    name: aws\n",
        "code reading a secret": 'password = os.environ["DB_PASSWORD"]\ntoken = process.env.API_TOKEN\napi_key = get_secret("api-key")',
        "a secret-named key given a reference": "DB_PASSWORD: arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf",
        "an empty secret-named setting": "GITHUB_TOKEN=\nNPM_TOKEN=\n",
        "names that are not secrets": "TOKEN_TYPE=bearer-token-v2\nMAX_TOKENS=4096\nPASSWORD_MIN_LENGTH=12\nSECRET_HF_TOKEN_ARN=arn:aws:secretsmanager:us-east-1:123456789012:secret:x",
        "a maven coordinate": "org.acme.accesstoken:accesstoken-client:2.4.1",
    };
    for (const [what, value] of Object.entries(CLEAN)) {
        it(`leaves ${what} alone`, () => {
            expect(findSecretInValue(value)).toBeUndefined();
            expect(findSecret("value", value)).toBeUndefined();
            expect(findEntropySecret(value)).toBeUndefined();
        });
    }
});

describe("secret-named keys", () => {
    it.each([
        "password", "DB_PASSWORD", "dbPassword", "db-passwd", "SMTP_PWD", "passphrase", "clientSecret", "APP_CLIENTSECRET", "client_secret",
        "secret", "token", "HF_TOKEN", "hfToken", "githubToken2", "apiKey", "api_key", "API-KEY", "apikey", "accessKey", "AWS_SECRET_ACCESS_KEY",
        "privateKey", "private_key", "authKey", "credentials", "credential", "connectionString", "DB_CONNECTION_STRING", "aws:secretKey",
        "azure-native:clientSecret", "model-service:hfToken", "app.db.password", "secretString",
    ])("%s names a secret", (key) => {
        expect(isSecretKeyName(key)).toBe(true);
    });

    it.each([
        "TOKEN_TYPE", "MAX_TOKENS", "max_new_tokens", "PASSWORD_MIN_LENGTH", "tokenizer", "TOKENIZERS_PARALLELISM", "secret_arn", "SECRET_X_ARN",
        "SECRET_HF_TOKEN_ARN", "secretName", "secretId", "passwordPolicy", "tokenUrl", "token_endpoint", "DB_PASSWORD_FILE", "SSL_KEY_PATH",
        "AWS_ACCESS_KEY_ID", "publicKey", "publicToken", "csrf-token", "nextToken", "pad_token", "secrets", "PWD", "keyName", "modelName",
    ])("%s does not", (key) => {
        expect(isSecretKeyName(key)).toBe(false);
    });

    it("flags a literal value under a secret-named key, without echoing it", () => {
        const value = `s3cr3t-${random(ALNUM, 10)}`;
        const finding = findSecret("model-service:dbPassword", value);
        expect(finding).toEqual({ kind: "value of a key named like a secret (model-service:dbPassword)", confidence: "high" });
        expect(finding?.kind).not.toContain(value);
    });

    it.each([
        ["a Secrets Manager ARN", "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf"],
        ["a GCP Secret Manager name", "projects/demo/secrets/db-password/versions/latest"],
        ["a Key Vault URL", "https://demo-kv.vault.azure.net/secrets/db-password"],
        ["an interpolation", "${DB_PASSWORD}"],
        ["a template", "{{ .Values.db.password }}"],
        ["an empty value", ""],
        ["a short value", "abc123"],
        ["a boolean", "true"],
        ["a number", "12345678"],
        ["a file path", "/run/secrets/db_password"],
        ["a placeholder", "<your-password-here>"],
        ["a rendered mask", "[secret]"],
        ["a SOPS-encrypted value", "ENC[AES256_GCM,data:Zm9vYmFyYmF6,iv:abc,tag:def,type:str]"],
    ])("accepts %s under a secret-named key", (_what, value) => {
        expect(findSecret("DB_PASSWORD", value)).toBeUndefined();
    });

    it("leaves NAME=value text to the caller that knows the name (validate's environment check), but flags it as advisory", () => {
        const password = `Pw-${random(ALNUM, 14)}`;
        for (const text of [`DB_PASSWORD=${password}`, `password: "${password}"`, `{"client_secret": "${password}"}`, `export API_TOKEN='${password}'`, `app --token ${password}`]) {
            expect(findSecretInValue(text)).toBeUndefined();
            const finding = findEntropySecret(text);
            expect(finding?.confidence).toBe("entropy");
            expect(finding?.kind).toMatch(/^random-looking value assigned to /);
            expect(finding?.kind).not.toContain(password);
        }
        expect(findEntropySecret('password = "${var.database_password}"\ntoken: process.env.API_TOKEN\nPASSWORD=changeme\nsecret_bytes = 32')).toBeUndefined();
    });

    it("does not treat entropy alone as a mandatory finding", () => {
        const random40 = random(BASE64, 40);
        expect(findSecret("value", random40)).toBeUndefined();
        expect(findSecret("description", `the blob is ${random40}`)).toBeUndefined();
        expect(findEntropySecret(random40)?.confidence).toBe("entropy");
    });
});

describe("entropy detection", () => {
    it("finds random tokens, alone or in text, without echoing them", () => {
        for (const token of [random(BASE64, 40), random(ALNUM, 32), random(LOWER + DIGITS, 48), random(HEX, 48)]) {
            for (const text of [token, `the deploy key is ${token} (rotate monthly)`, `config.signing = "${token}"`]) {
                const finding = findEntropySecret(text);
                expect(finding?.confidence).toBe("entropy");
                expect(finding?.kind).not.toContain(token);
            }
        }
    });

    it("finds a credential in a URL's query string but not the rest of the URL", () => {
        expect(findEntropySecret(`https://api.internal/v1/models?access_token=${random(ALNUM, 40)}`)?.confidence).toBe("entropy");
        expect(findEntropySecret(`https://api.internal/v1/models/${random(ALNUM, 40)}/versions`)).toBeUndefined();
    });

    it.each([
        ["an ARN", "arn:aws:sagemaker:us-east-1:123456789012:endpoint-config/iris-sagemaker-config-4d2e9c6a"],
        ["a GUID", "{3F2C8A9E-7B41-4D2E-9C6A-1E5B7D9F0A34}"],
        ["an image digest", `registry.internal/model@sha256:${random(HEX, 64)}`],
        ["hex hashes", `md5=${random(HEX, 32)} sha1=${random(HEX, 40)} sha256=${random(HEX, 64)}`],
        ["a git commit", `commit ${random(HEX, 40)}`],
        ["a base64 JSON document", Buffer.from(JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Deny", Action: "*", Resource: "*" }] })).toString("base64")],
        ["an S3 path with a hash prefix", `s3://bucket/${random(HEX, 12)}/models/model.tar.gz`],
        ["an Azure resource ID", "/subscriptions/3f2c8a9e-7b41-4d2e-9c6a-1e5b7d9f0a34/resourceGroups/ml-rg/providers/Microsoft.MachineLearningServices/workspaces/ml-ws"],
        ["a file path", "/var/lib/containers/storage/overlay/ml-serving/rootfs/usr/local/lib/python3.11/site-packages"],
        ["identifiers", "ecr:GetDownloadUrlForLayer ecr:BatchCheckLayerAvailability SAGEMAKER_SUBMIT_DIRECTORY iris-sagemaker-artifacts-a76c1af"],
        ["an IAM unique ID", "AROA4D2E9C6A1E5B7D9F0"],
        ["placeholders", "token: <paste-your-token-here> key: xxxxxxxxxxxxxxxxxxxxxxxx secret: ${{ secrets.DEPLOY_KEY }}"],
        ["an alphabet", ALNUM],
        ["AWS's documented examples", "AKIAIOSFODNN7EXAMPLE wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"],
        ["an SSH public key", `ssh-ed25519 AAAA${random(BASE64, 64)} ops@bastion`],
        ["a public key under a public name", `public_key = "${random(ALNUM, 44)}"`],
        ["a nonce", `nonce="${random(ALNUM, 32)}"`],
        ["a base64 sentence", Buffer.from("Models are served from a private subnet behind the load balancer").toString("base64")],
        ["a load balancer path", "app/iris-ecs-lb-9bc97f2/9bc97f2cd061eaed"],
        ["AWS resource IDs", "vpc-0a1b2c3d4e5f67890 subnet-0123456789abcdef0 ipam-pool-0f1e2d3c4b5a69788 eni-perm-07a6b5c4d3e2f1a09_vpce-0c1d2e3f4a5b69788"],
        ["code that reads secrets", 'const isSecret = rpc.isRpcSecret(input);\nsecretString: JSON.stringify({ user: "app" }),\npassword: pulumi.secret(authToken.password),\nts.stringToToken = stringToToken;'],
    ])("filters %s", (_what, value) => {
        expect(findEntropySecret(value)).toBeUndefined();
    });
});

describe("messages", () => {
    it("redacts to the length only", () => {
        const value = random(ALNUM, 24);
        expect(redact(value)).toBe("[redacted, 24 characters]");
        expect(redact(value)).not.toContain(value);
        expect(redact("")).toBe("[redacted, 0 characters]");
    });

    it("never puts the value in a kind", () => {
        const password = random(ALNUM, 20);
        const entropyOnly = random(BASE64, 40);
        const cases = [...KNOWN.map((k) => ({ secret: k.secret, text: k.text ?? k.secret })), { secret: password, text: `PASSWORD=${password}` }, { secret: entropyOnly, text: entropyOnly }];
        let findings = 0;
        for (const { secret, text } of cases) {
            for (const finding of [findSecretInValue(text), findSecret("apiKey", text), findSecret("apiKey", secret), findEntropySecret(text)]) {
                if (!finding) continue;
                findings++;
                expect(finding.kind).not.toContain(secret);
                expect(finding.kind).not.toContain(secret.slice(0, 12));
            }
        }
        expect(findings).toBeGreaterThan(cases.length * 2);
    });
});

describe("linear in input size", () => {
    const n = 100_000;
    const hostile = [
        "ey-".repeat(n), `${"eyJ".repeat(n / 3)}.${"eyJ".repeat(n / 3)}`, "a:".repeat(n), "<".repeat(n), "ENC[".repeat(n / 2), "Q~".repeat(n), "s.".repeat(n),
        "-----BEGIN ".repeat(n / 5), "-----BEGIN CERTIFICATE-----".repeat(n / 10), `-----BEGIN PRIVATE KEY-----${"A".repeat(n)}`, `${"x".repeat(n)}://${"a".repeat(n)}`,
        `https://host/?${"a".repeat(n)}`, "password=".repeat(n / 3), "token: ".repeat(n / 2), "sig=".repeat(n / 2), `Bearer ${"A".repeat(n)}====`, `glpat-${"a".repeat(n)}!`,
        `kind: Secret\ndata:\n${"  k: v\n".repeat(n / 2)}`, `a${"-".repeat(n)}a`, `${"ey-".repeat(n / 3)}.ey${"A".repeat(30)}`, '"type":"service_account"'.repeat(n / 24),
        "-----BEGIN PRIVATE KEY-----\n...\n".repeat(n / 32), "/a".repeat(n), `${"A".repeat(n)}Ab`,
    ];

    it("returns on inputs built to make regexes backtrack, without a placeholder body counting as a key", { timeout: 120_000 }, () => {
        for (const text of hostile) {
            expect(() => [findSecretInValue(text), findSecret("token", text), findEntropySecret(text), isSecretKeyName(text)]).not.toThrow();
        }
        expect(findSecretInValue("-----BEGIN PRIVATE KEY-----\n...\n".repeat(n / 32))).toBeUndefined();
    });

    // V8 keeps a backtrack entry per character of a {n,} run: unbounded, 5 MB of token characters overflowed its stack.
    it("scans 6 MiB runs of token characters, JWT-like and PEM-like text without overflowing the regex stack", { timeout: 300_000 }, () => {
        const size = 6 * 1024 * 1024; // the issue saw ~5 MB overflow; 6 MiB is past the threshold of node 20 here
        const run = random(URLSAFE, size);
        expect(findSecretInValue(run)).toBeUndefined();
        expect(findEntropySecret(run)?.kind).toMatch(/^high-entropy string/);
        const jwtLike = `${(run.match(/.{1,30}/g) ?? []).map((s) => `ey${s.replace(/[-_]/g, "A")}`).join("-")}.ey${random(ALNUM, 40)}`;
        expect(() => findSecret("auth", jwtLike)).not.toThrow();
        const pemLike = `-----BEGIN PRIVATE KEY-----\n${random(BASE64, size).replace(/.{64}/g, "$&\n")}`;
        expect(findSecretInValue(pemLike)?.kind).toBe("private key");
    });

    it("bounds every run a known-format pattern quantifies, so no match outgrows a window's overlap", () => {
        const { MAX_RUN, OVERLAP, WINDOW, BORDER_SLACK } = DETECTOR_LIMITS;
        const unbounded: string[] = [];
        for (const pattern of knownFormatPatterns()) {
            const src = pattern.source;
            for (let i = 0, inClass = false; i < src.length; i++) {
                const c = src.charAt(i);
                if (c === "\\") i++;
                else if (inClass) inClass = c !== "]";
                else if (c === "[") inClass = true;
                else if (c === "+" || c === "*") unbounded.push(`${src.slice(Math.max(0, i - 12), i + 1)} in /${src.slice(0, 24)}.../`);
                else if (c === "{") {
                    const q = /^\{(\d+)(,(\d*))?\}/.exec(src.slice(i));
                    if (q && (q[2] !== undefined && (q[3] === "" || Number(q[3]) > MAX_RUN))) unbounded.push(`${q[0]} in /${src.slice(0, 24)}.../`);
                }
            }
        }
        expect(unbounded).toEqual([]);
        expect(OVERLAP).toBeGreaterThan(3 * MAX_RUN + 64); // a JWT: header and payload read around its dot, then the signature
        expect(WINDOW).toBeGreaterThan(OVERLAP + 2 * BORDER_SLACK);
    });

    it("covers a long value with windows that overlap by OVERLAP, their borders after whitespace where there is any", () => {
        const { OVERLAP, WINDOW } = DETECTOR_LIMITS;
        for (const text of ["x".repeat(3 * WINDOW + 17), `${"word ".repeat(WINDOW / 2)}end`, `${"line\n".repeat(WINDOW / 3)}${"y".repeat(WINDOW)}`]) {
            const windows = scanWindows(text);
            expect(windows[0]?.[0]).toBe(0);
            expect(windows[windows.length - 1]?.[1]).toBe(text.length);
            windows.forEach(([start, end], i) => {
                expect(end - start).toBeLessThanOrEqual(WINDOW);
                const next = windows[i + 1];
                if (next) expect(end - next[0]).toBeGreaterThanOrEqual(OVERLAP);
            });
        }
        const words = `${"word ".repeat(WINDOW)}end`;
        for (const [start, end] of scanWindows(words)) {
            if (start > 0) expect(words.charAt(start - 1)).toBe(" ");
            if (end < words.length) expect(words.charAt(end - 1)).toBe(" ");
        }
    });

    it("finds a credential that straddles a window border, and none in the padding", () => {
        const { WINDOW } = DETECTOR_LIMITS;
        const token = `ghp_${random(ALNUM, 36)}`;
        const key = pem("RSA PRIVATE KEY");
        const padding = (length: number) => Array.from({ length: Math.ceil(length / 60) }, (_v, i) => `TABLE_ARN=arn:aws:dynamodb:us-east-1:123456789012:table/t-${i}`).join("\n").slice(0, length);
        for (const credential of [token, key]) {
            for (const at of [WINDOW - 20, WINDOW - 200, 2 * WINDOW - 40_000]) {
                const text = `${padding(at)}\n${credential}\n${padding(WINDOW)}`;
                expect(findSecretInValue(text)?.kind).toBe(credential === token ? "GitHub token" : "private key");
            }
        }
        expect(findSecretInValue(padding(3 * WINDOW))).toBeUndefined();
    });
});
