/**
 * The service's secrets, found one way on every runtime (components/servingContract.ts writes it):
 * SECRET_<NAME> holds the value, SECRET_<NAME>_FILE names a file holding it, SECRET_<NAME>_REF names it in
 * the cloud's secret store, read here with the container's own identity: a Secrets Manager ARN
 * (SageMaker), a Secret Manager version (Vertex AI), a Key Vault secret URI (Azure ML).
 */
import * as fs from "node:fs";
import { awsCredentials, azureToken, DownloadError, gcpAccessToken, json, signV4, type DownloadContext } from "./download";

export type SecretDelivery = "value" | "file" | "reference";
export interface SecretSource {
    /** The name after SECRET_, e.g. HF_TOKEN. */
    readonly name: string;
    readonly delivery: SecretDelivery;
    /** The value, the file's path, or the reference. */
    readonly source: string;
}

const VARIABLE = /^SECRET_([A-Z0-9][A-Z0-9_]*?)(_FILE|_REF)?$/;

/** Every SECRET_* variable, by secret; one secret given two ways is refused (which would win is not obvious). */
export function secretSourcesFromEnv(env: NodeJS.ProcessEnv): SecretSource[] {
    const byName = new Map<string, SecretSource>();
    for (const [variable, raw] of Object.entries(env)) {
        const m = VARIABLE.exec(variable);
        if (!m || raw === undefined) continue;
        const source: SecretSource = { name: m[1]!, delivery: m[2] === "_FILE" ? "file" : m[2] === "_REF" ? "reference" : "value", source: raw };
        const seen = byName.get(source.name);
        if (seen) throw new SecretError(`secret ${source.name} is given twice (${seen.delivery} and ${source.delivery}); set only one of SECRET_${source.name}, SECRET_${source.name}_FILE, SECRET_${source.name}_REF`);
        byName.set(source.name, source);
    }
    return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

export class SecretError extends Error {}

const AWS_SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:([a-z0-9-]+):\d{12}:secret:.+$/;
const GCP_SECRET_VERSION = /^projects\/[^/]+\/secrets\/[^/]+\/versions\/[^/]+$/;
const AZURE_SECRET_URI = /^https:\/\/[a-z0-9-]+\.vault\.azure\.net\/secrets\/[^/?#]+(\/[^/?#]*)?$/i;

/** Reads one secret through the store its reference names. */
export async function resolveSecretReference(reference: string, ctx: DownloadContext): Promise<string> {
    const aws = AWS_SECRET_ARN.exec(reference);
    if (aws) {
        // https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html
        const region = aws[1]!;
        const host = `secretsmanager.${region}.amazonaws.com`;
        const body = JSON.stringify({ SecretId: reference });
        const headers = signV4({ method: "POST", host, path: "/", query: [], headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": "secretsmanager.GetSecretValue" }, body }, await awsCredentials(ctx), region, "secretsmanager", ctx.now?.() ?? new Date());
        const got = await json(await ctx.fetch(`https://${host}/`, { method: "POST", headers, body }), `reading ${reference} from Secrets Manager`);
        if (typeof got.SecretString !== "string") throw new DownloadError(`Secrets Manager returned no SecretString for ${reference}`);
        return got.SecretString;
    }
    if (GCP_SECRET_VERSION.test(reference)) {
        // https://cloud.google.com/secret-manager/docs/reference/rest/v1/projects.secrets.versions/access
        const got = await json(await ctx.fetch(`https://secretmanager.googleapis.com/v1/${reference}:access`, { headers: { Authorization: `Bearer ${await gcpAccessToken(ctx)}` } }), `reading ${reference} from Secret Manager`);
        const data = (got.payload as { data?: unknown } | undefined)?.data;
        if (typeof data !== "string") throw new DownloadError(`Secret Manager returned no payload for ${reference}`);
        return Buffer.from(data, "base64").toString("utf8");
    }
    if (AZURE_SECRET_URI.test(reference)) {
        // https://learn.microsoft.com/rest/api/keyvault/secrets/get-secret/get-secret
        const got = await json(await ctx.fetch(`${reference}?api-version=7.4`, { headers: { Authorization: `Bearer ${await azureToken(ctx, "https://vault.azure.net")}` } }), `reading ${reference} from Key Vault`);
        if (typeof got.value !== "string") throw new DownloadError(`Key Vault returned no value for ${reference}`);
        return got.value;
    }
    throw new SecretError(`"${reference}" is not a Secrets Manager ARN, a Secret Manager version (projects/P/secrets/S/versions/V) or a Key Vault secret URI`);
}

/** Each secret's value, by name (HF_TOKEN), however the runtime delivered it. */
export async function loadSecrets(sources: readonly SecretSource[], ctx: DownloadContext, readFile: (p: string) => string = (p) => fs.readFileSync(p, "utf8")): Promise<Record<string, string>> {
    const values: Record<string, string> = {};
    for (const s of sources) {
        if (s.delivery === "value") values[s.name] = s.source;
        else if (s.delivery === "file") {
            try {
                values[s.name] = readFile(s.source).replace(/\r?\n$/, "");
            } catch (err) {
                throw new SecretError(`SECRET_${s.name}_FILE names ${s.source}, which cannot be read: ${(err as Error).message}`);
            }
        } else values[s.name] = await resolveSecretReference(s.source, ctx);
    }
    return values;
}
