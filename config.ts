import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import type { Cloud, ModelServiceArgs } from "./components/contract";
import { parseShare } from "./components/cidr";
import { keepConfigSecrets, secretIfHolds } from "./components/secretValues";
import { GPUS, validateServiceArgs } from "./components/validate";
import { CLOUDS } from "./components/runtimes";
import { SIZES } from "./components/sizes";
import { DEFAULT_MIN_REPLICAS } from "./components/defaults";
import { DEFAULT_LATENCY_P99_MS } from "./components/observability";
import { findSecret, redact } from "./policies/secretPatterns";

export const PROJECT = "model-service";
/** Built and pushed to the stack's registry when neither image nor imageBuildContext is set. */
export const REFERENCE_SERVER_CONTEXT = "serving";

/** Raw stack config as the Pulumi engine hands it over: every key namespaced, every value a string. */
export interface RawStackConfig {
    readonly stack: string;
    readonly values: Readonly<Record<string, string>>;
    readonly secretKeys: ReadonlySet<string>;
    readonly projectDir: string;
}

/** One problem with stack config, in the user's terms: the key, its value (redacted if secret), the fix. */
export interface ConfigProblem {
    readonly key: string;
    readonly value: string | undefined;
    readonly message: string;
    readonly fix: string;
}

export class ConfigError extends pulumi.RunError {
    constructor(readonly problems: readonly ConfigProblem[], stack: string) {
        super(
            `Stack config of '${stack}' has ${problems.length} problem(s); nothing was created:\n` +
                problems.map((p) => `  - ${PROJECT_KEY(p.key)}${p.value === undefined ? "" : ` = ${p.value}`}: ${p.message}. Fix: ${p.fix}.`).join("\n"),
        );
        this.name = "ConfigError";
    }
}

function PROJECT_KEY(key: string): string {
    return key.includes(":") ? key : `${PROJECT}:${key}`;
}

const text = (def: string) => z.string().default(def);
const integer = (def: number) =>
    z.preprocess((v) => (v === undefined || v === "" ? undefined : /^-?\d+$/.test(String(v)) ? Number(v) : v), z.number({ error: "must be a whole number" }).int().default(def));
const boolean = (def: boolean) =>
    z.preprocess((v) => (v === undefined || v === "" ? undefined : v === "true" ? true : v === "false" ? false : v), z.boolean({ error: "must be true or false" }).default(def));
const list = () =>
    z.preprocess(
        (v) => {
            if (v === undefined || v === "") return undefined;
            try {
                return JSON.parse(String(v));
            } catch {
                return v;
            }
        },
        z.array(z.string({ error: "must be a list of strings" }), { error: "must be a list of strings" }).default([]),
    );

/** The project's config keys, their types and defaults; Pulumi.yaml documents the same keys (a test keeps them equal). */
export const CONFIG_SCHEMA = z.object({
    cloud: z.enum(CLOUDS as [Cloud, ...Cloud[]], { error: `is not a cloud this project deploys to` }).default("aws"),
    runtime: text(""),
    modelName: text("model"),
    modelVersion: text("1"),
    modelArtifact: z.string({ error: "is required" }).min(1, { error: "is required" }),
    modelArtifactRoot: text(""),
    image: text(""),
    imageBuildContext: text(""),
    port: integer(8080),
    healthRoute: text("/ping"),
    predictRoute: text("/invocations"),
    size: z.enum(Object.keys(SIZES) as [keyof typeof SIZES], { error: "is not a portable size" }).default("small"),
    instanceType: text(""),
    gpu: z.enum(GPUS as ["none"], { error: "is not a supported accelerator" }).default("none"),
    minReplicas: integer(DEFAULT_MIN_REPLICAS),
    // 0: unset, so validate.ts derives it from minReplicas (the Pulumi CLI fills in a declared default).
    maxReplicas: integer(0),
    targetRequestsPerMinute: integer(600),
    public: boolean(false),
    allowedCidrs: list(),
    allowedCidrsMaxShare: text("1/256"),
    environment: list(),
    secrets: list(),
    tags: list(),
    protect: boolean(false),
    logRetentionDays: integer(30),
    awsVpcId: text(""),
    awsPrivateSubnetIds: list(),
    awsPublicSubnetIds: list(),
    awsCertificateArn: text(""),
    awsEgress: z.enum(["nat", "endpoints"], { error: "is not an egress mode" }).default("nat"),
    awsNatGateways: integer(1),
    azurePrivateCluster: boolean(false),
    azureDeployerPrincipalType: z.preprocess((v) => (v === "" ? undefined : v), z.enum(["User", "ServicePrincipal"], { error: "is not a principal type" }).optional()),
    azurePrivateEndpointSubnetId: text(""),
    azureAllowIdleBake: boolean(false),
    rollout: z.enum(["allAtOnce", "canary", "linear"], { error: "is not a rollout strategy" }).default("allAtOnce"),
    rolloutStepPercent: integer(10),
    rolloutBakeMinutes: integer(10),
    alarmLatencyP99Ms: integer(DEFAULT_LATENCY_P99_MS),
    alarmEmails: list(),
    monthlyBudgetUsd: integer(0),
    budgetEmails: list(),
    gcpBillingAccount: text(""),
    gcpInternalGlobalAccess: boolean(false),
});
export type StackConfig = z.output<typeof CONFIG_SCHEMA>;
export type ConfigKey = keyof StackConfig;

const FIXES: Partial<Record<ConfigKey, string>> = {
    cloud: `pulumi config set cloud <${CLOUDS.join("|")}>`,
    size: `pulumi config set size <${Object.keys(SIZES).join("|")}>`,
    gpu: `pulumi config set gpu <${GPUS.join("|")}>`,
    modelArtifact: "pulumi config set modelArtifact <local path inside the project, or URI of the trained model>",
    allowedCidrs: "pulumi config set --path 'allowedCidrs[0]' 10.0.0.0/16",
    secrets: "pulumi config set --path 'secrets[0]' NAME, then pulumi config set --secret NAME <value>",
    tags: "pulumi config set --path 'tags[0]' team=ml",
    environment: "pulumi config set --path 'environment[0]' LOG_LEVEL=info",
    awsEgress: "pulumi config set awsEgress <nat|endpoints>",
    rollout: "pulumi config set rollout <allAtOnce|canary|linear>",
    azureDeployerPrincipalType: "pulumi config set azureDeployerPrincipalType <User|ServicePrincipal>: User when you run pulumi after az login, ServicePrincipal in CI",
};

/** Where each ModelServiceArgs field comes from in stack config. */
const FIELD_KEYS: Readonly<Record<string, ConfigKey>> = {
    cloud: "cloud",
    runtime: "runtime",
    "model.name": "modelName",
    "model.version": "modelVersion",
    "model.artifact": "modelArtifact",
    "model.artifactRoot": "modelArtifactRoot",
    "image.uri": "image",
    "image.context": "imageBuildContext",
    "serving.port": "port",
    "serving.healthRoute": "healthRoute",
    "serving.predictRoute": "predictRoute",
    "compute.size": "size",
    "compute.instanceType": "instanceType",
    "compute.gpu": "gpu",
    "scaling.minReplicas": "minReplicas",
    "scaling.maxReplicas": "maxReplicas",
    "scaling.targetRequestsPerMinute": "targetRequestsPerMinute",
    "network.public": "public",
    "network.allowedCidrs": "allowedCidrs",
    "network.allowedCidrsMaxShare": "allowedCidrsMaxShare",
    tags: "tags",
    environment: "environment",
    secrets: "secrets",
    logRetentionDays: "logRetentionDays",
    "rollout.strategy": "rollout",
    "azure.deployerPrincipalType": "azureDeployerPrincipalType",
    "azure.privateEndpointSubnetId": "azurePrivateEndpointSubnetId",
    "azure.allowIdleBake": "azureAllowIdleBake",
    "gcp.internalGlobalAccess": "gcpInternalGlobalAccess",
    "rollout.stepPercent": "rolloutStepPercent",
    "rollout.bakeMinutes": "rolloutBakeMinutes",
    "alarms.latencyP99Ms": "alarmLatencyP99Ms",
    "alarms.emails": "alarmEmails",
    "budget.monthlyUsd": "monthlyBudgetUsd",
    "budget.emails": "budgetEmails",
    "budget.gcpBillingAccount": "gcpBillingAccount",
    "aws.vpcId": "awsVpcId",
    "aws.privateSubnetIds": "awsPrivateSubnetIds",
    "aws.publicSubnetIds": "awsPublicSubnetIds",
    "aws.certificateArn": "awsCertificateArn",
    "aws.egress": "awsEgress",
    "aws.natGateways": "awsNatGateways",
};

/**
 * Keys whose values the program passes to resources as opaque strings, so they can stay Pulumi secrets
 * when encrypted in the stack file (each element of a list, and the value of each KEY=VALUE entry, too).
 * Every other key names or shapes the resources (names, counts, what the program branches on) and is
 * refused when encrypted: a secret cannot survive that. modelArtifactRoot and allowedCidrsMaxShare never
 * reach a resource.
 */
const SECRET_CAPABLE: Readonly<Partial<Record<ConfigKey, "value" | "list" | "pairs" | "local">>> = {
    image: "value",
    imageBuildContext: "value",
    modelArtifact: "value",
    modelArtifactRoot: "local",
    healthRoute: "value",
    predictRoute: "value",
    instanceType: "value",
    allowedCidrs: "list",
    allowedCidrsMaxShare: "local",
    environment: "pairs",
    tags: "pairs",
    awsVpcId: "value",
    awsPrivateSubnetIds: "list",
    awsPublicSubnetIds: "list",
    awsCertificateArn: "value",
    alarmEmails: "list",
    budgetEmails: "list",
    gcpBillingAccount: "value",
};

/** The strings an encrypted config value reaches resources as. */
function secretStrings(kind: "value" | "list" | "pairs" | "local", value: string): string[] {
    if (kind === "local") return [];
    if (kind === "value") return [value];
    let entries: unknown;
    try {
        entries = JSON.parse(value);
    } catch {
        return [value];
    }
    if (!Array.isArray(entries)) return [value];
    const strings = entries.map(String);
    return kind === "pairs" ? [...strings, ...strings.map((e) => e.slice(e.indexOf("=") + 1))] : strings;
}

/** The provider setting that holds the region of each cloud. */
export const REGION_KEYS: Readonly<Record<Cloud, string>> = { aws: "aws:region", gcp: "gcp:region", azure: "azure-native:location" };

const URI_SCHEME = /^(s3|gs):\/\/|^https:\/\//;

/**
 * Turns raw stack config into ModelService args, or into every problem it has. Pure: tests call it
 * directly; loadConfig() feeds it what the Pulumi engine passed to the program.
 */
export function parseStackConfig(raw: RawStackConfig): { args?: ModelServiceArgs; config?: StackConfig; secretValues?: string[]; problems: ConfigProblem[] } {
    const problems: ConfigProblem[] = [];
    const own: Record<string, string> = {};
    for (const [key, value] of Object.entries(raw.values)) {
        if (key.startsWith(`${PROJECT}:`)) own[key.slice(PROJECT.length + 1)] = value;
    }
    const shown = (key: string, value: string | undefined) => (value === undefined ? undefined : raw.secretKeys.has(key.includes(":") ? key : `${PROJECT}:${key}`) ? redact(value) : JSON.stringify(value));

    // Plaintext credentials anywhere in the stack file, whichever namespace.
    for (const [key, value] of Object.entries(raw.values)) {
        if (raw.secretKeys.has(key)) continue;
        const finding = findSecret(key, value);
        if (finding) {
            problems.push({ key, value: redact(value), message: `looks like a ${finding.kind} stored in plaintext in Pulumi.${raw.stack}.yaml`, fix: `run \`pulumi config set --secret ${key.startsWith(`${PROJECT}:`) ? key.slice(PROJECT.length + 1) : key} <value>\` so it is encrypted, and rotate it: the plaintext is in your history` });
        }
    }

    const parsed = CONFIG_SCHEMA.safeParse(own);
    const broken = new Set<string>();
    if (!parsed.success) {
        for (const issue of parsed.error.issues) {
            const key = String(issue.path[0] ?? "");
            broken.add(key);
            problems.push({ key, value: shown(key, own[key]), message: issue.message, fix: FIXES[key as ConfigKey] ?? `pulumi config set ${key} <value> (see Pulumi.yaml for its type)` });
        }
    }
    // Keep checking the keys that parsed, so the user sees every problem in one run: a broken key falls
    // back to its default (modelArtifact, which has none, to a stand-in whose own problems are dropped below).
    const config: StackConfig = parsed.success ? parsed.data : CONFIG_SCHEMA.parse({ ...Object.fromEntries(Object.entries(own).filter(([k]) => !broken.has(k))), ...(broken.has("modelArtifact") ? { modelArtifact: "." } : {}) });
    const secretNames = new Set(config.secrets);
    const known = new Set([...Object.keys(CONFIG_SCHEMA.shape), ...secretNames]);
    for (const key of Object.keys(own)) {
        if (!known.has(key)) {
            problems.push({ key, value: shown(key, own[key]), message: "is not a setting of this project", fix: `remove it with \`pulumi config rm ${key}\`${suggest(key, Object.keys(CONFIG_SCHEMA.shape))}` });
        }
    }

    // Encrypted settings of this project (besides the named secrets): kept secret where they flow, or refused.
    const secretValues: string[] = [];
    for (const key of Object.keys(CONFIG_SCHEMA.shape) as ConfigKey[]) {
        const value = own[key];
        if (value === undefined || !raw.secretKeys.has(`${PROJECT}:${key}`)) continue;
        const kind = SECRET_CAPABLE[key];
        if (kind) secretValues.push(...secretStrings(kind, value));
        else problems.push({ key, value: redact(value), message: "is encrypted in the stack file, but it names or shapes the resources (names, counts, what the program chooses), so it cannot stay secret", fix: `store it in plaintext: \`pulumi config set ${key} <value>\`` });
    }
    for (const key of [...Object.values(REGION_KEYS), "gcp:project"]) {
        if (raw.secretKeys.has(key) && raw.values[key] !== undefined) secretValues.push(raw.values[key]!);
    }

    const secrets: Record<string, pulumi.Output<string>> = {};
    for (const name of secretNames) {
        const key = `${PROJECT}:${name}`;
        const value = raw.values[key];
        if (value === undefined) {
            problems.push({ key: "secrets", value: JSON.stringify(name), message: `names ${key}, which is not set`, fix: `run \`pulumi config set --secret ${name} <value>\`, or remove it from secrets` });
        } else if (!raw.secretKeys.has(key)) {
            if (!problems.some((p) => p.key === key)) {
                problems.push({ key, value: redact(value), message: "is listed in secrets but stored in plaintext", fix: `run \`pulumi config set --secret ${name} <value>\` so it is encrypted` });
            }
        } else {
            secrets[name] = pulumi.secret(value);
        }
    }
    if (config.image !== "" && config.imageBuildContext !== "") {
        problems.push({ key: "image", value: JSON.stringify(config.image), message: "is set together with imageBuildContext", fix: "keep one: `pulumi config rm image` to build, or `pulumi config rm imageBuildContext` to use the existing image" });
    }
    if (parseShare(config.allowedCidrsMaxShare) === undefined) {
        problems.push({ key: "allowedCidrsMaxShare", value: shown("allowedCidrsMaxShare", config.allowedCidrsMaxShare), message: "is not a share of the address space below 1", fix: "pulumi config set allowedCidrsMaxShare 1/N, e.g. 1/256 (one /8, the default) or 1/16" });
    }
    const tags = keyValues("tags", config.tags, "team=ml", problems);
    const environment = keyValues("environment", config.environment, "LOG_LEVEL=info", problems);
    const regionKey = REGION_KEYS[config.cloud];
    const region = raw.values[regionKey] ?? "";

    const args: ModelServiceArgs = {
        cloud: config.cloud,
        runtime: config.runtime === "" ? undefined : (config.runtime as ModelServiceArgs["runtime"]),
        region,
        model: {
            name: config.modelName,
            version: config.modelVersion,
            artifact: URI_SCHEME.test(config.modelArtifact) ? { kind: "uri", uri: config.modelArtifact } : { kind: "local", path: config.modelArtifact, allowedRoot: config.modelArtifactRoot || undefined },
        },
        image: config.image !== "" ? { kind: "uri", uri: config.image } : { kind: "build", context: config.imageBuildContext || REFERENCE_SERVER_CONTEXT },
        serving: { port: config.port, healthRoute: config.healthRoute, predictRoute: config.predictRoute },
        compute: { size: config.size, instanceType: config.instanceType || undefined, gpu: config.gpu },
        scaling: { minReplicas: config.minReplicas, maxReplicas: config.maxReplicas === 0 ? undefined : config.maxReplicas, targetRequestsPerMinute: config.targetRequestsPerMinute },
        network: { public: config.public, allowedCidrs: config.allowedCidrs, allowedCidrsMaxShare: parseShare(config.allowedCidrsMaxShare) },
        environment,
        secrets,
        tags,
        protect: config.protect,
        logRetentionDays: config.logRetentionDays,
        rollout: { strategy: config.rollout, stepPercent: config.rolloutStepPercent, bakeMinutes: config.rolloutBakeMinutes },
        alarms: { latencyP99Ms: config.alarmLatencyP99Ms, emails: config.alarmEmails },
        budget: config.monthlyBudgetUsd > 0 ? { monthlyUsd: config.monthlyBudgetUsd, emails: config.budgetEmails, gcpBillingAccount: config.gcpBillingAccount || undefined } : undefined,
        projectDir: raw.projectDir,
        gcp: { project: raw.values["gcp:project"], internalGlobalAccess: config.gcpInternalGlobalAccess },
        azure: {
            privateCluster: config.azurePrivateCluster,
            deployerPrincipalType: config.azureDeployerPrincipalType,
            privateEndpointSubnetId: config.azurePrivateEndpointSubnetId || undefined,
            allowIdleBake: config.azureAllowIdleBake,
        },
        aws: {
            vpcId: config.awsVpcId || undefined,
            privateSubnetIds: config.awsPrivateSubnetIds,
            publicSubnetIds: config.awsPublicSubnetIds,
            certificateArn: config.awsCertificateArn || undefined,
            egress: config.awsEgress,
            natGateways: config.awsNatGateways,
        },
    };
    for (const p of validateServiceArgs(args).problems) {
        const key = p.field === "region" ? regionKey : p.field === "gcp.project" ? "gcp:project" : FIELD_KEYS[p.field.replace(/\[\d+\]$/, "")] ?? p.field.replace(/\[\d+\]$/, "");
        if (broken.has(key)) continue;
        problems.push({ key, value: shown(key, toText(p.value)), message: p.message, fix: p.field === "region" ? `pulumi config set ${regionKey} <region>` : p.field === "gcp.project" ? "pulumi config set gcp:project <project id>" : p.fix });
    }
    return problems.length > 0 ? { problems } : { args, config, secretValues: secretValues.filter((v) => v !== ""), problems };
}

function keyValues(key: ConfigKey, entries: readonly string[], example: string, problems: ConfigProblem[]): Record<string, string> {
    const result: Record<string, string> = {};
    for (const entry of entries) {
        const eq = entry.indexOf("=");
        if (eq <= 0) problems.push({ key, value: JSON.stringify(entry), message: "is not KEY=VALUE", fix: `write each entry as KEY=VALUE, e.g. ${example}` });
        else result[entry.slice(0, eq)] = entry.slice(eq + 1);
    }
    return result;
}

function toText(value: unknown): string | undefined {
    return value === undefined ? undefined : typeof value === "string" ? value : JSON.stringify(value);
}

function suggest(key: string, candidates: string[]): string {
    const distance = (a: string, b: string) => {
        const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
        for (let j = 1; j <= b.length; j++) d[0]![j] = j;
        for (let i = 1; i <= a.length; i++)
            for (let j = 1; j <= b.length; j++)
                d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1));
        return d[a.length]![b.length]!;
    };
    const best = candidates.map((c) => ({ c, d: distance(key, c) })).sort((x, y) => x.d - y.d)[0];
    return best && best.d <= 3 ? `; did you mean ${best.c}?` : "";
}

/** The engine marks secret config keys; the SDK keeps that list internal, so read it the way it does. */
function secretKeysOf(values: Readonly<Record<string, string>>): Set<string> {
    const sdk = pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean };
    return new Set(Object.keys(values).filter((key) => sdk.isConfigSecret?.(key) ?? false));
}

/**
 * Reads this stack's config from the Pulumi engine, once. Throws ConfigError listing every problem.
 * Encrypted settings stay secret in every resource registered afterwards; `keepSecret` does the same
 * for the stack's outputs.
 */
export function loadConfig(): { args: ModelServiceArgs; config: StackConfig; keepSecret: <T>(output: pulumi.Output<T>) => pulumi.Output<T> } {
    const values = pulumi.runtime.allConfig();
    const raw: RawStackConfig = { stack: pulumi.getStack(), values, secretKeys: secretKeysOf(values), projectDir: process.cwd() };
    const { args, config, secretValues = [], problems } = parseStackConfig(raw);
    if (!args || !config) throw new ConfigError(problems, raw.stack);
    keepConfigSecrets(secretValues);
    return { args, config, keepSecret: (output) => secretIfHolds(output, secretValues) };
}
