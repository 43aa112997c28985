import * as fs from "node:fs";
import * as path from "node:path";
import type { Cloud, Gpu, ModelServiceArgs, ResolvedServiceArgs, Runtime, Size } from "./contract";
import { checkModelArtifact } from "./artifactCheck";
import { checkArtifactRoot, checkLocalArtifactPath } from "./artifactPath";
import { parseEcrImage } from "./ecrImage";
import { DEFAULT_MAX_SHARE, cidrProblems } from "./cidr";
import { exposureProblems } from "./exposure";
import { RUNTIMES, defaultRuntime, isCloud, isRuntime, runtimesOf, CLOUDS, type RuntimeRegistry } from "./runtimes";
import type { RuntimeCheck } from "./runtimeDescriptor";
import { findSecretInValue, isSecretKeyName } from "../policies/secretPatterns";
import { INSTANCE_TYPE_SHAPES, SIZES, cloudOfInstanceType } from "./sizes";
import { azureRule } from "./cloudRules/azure";
import { CLOUDWATCH_RETENTION_DAYS, awsCountLimit } from "./cloudRules/aws";
import { validateGcpArgs } from "./gcpValidation";
import { validateExistingResources } from "./existingResources";
import { DEFAULT_MIN_REPLICAS, defaultMaxReplicas } from "./defaults";
import { DEFAULT_LATENCY_P99_MS } from "./observability";

/**
 * The longest model name accepted. Every child's physical name fits its cloud's limit for any name up to
 * this length (children are named through components/physicalName.ts; `npm test` plans every runtime
 * with a name this long and requires zero contract breaches).
 */
export const MODEL_NAME_MAX_LENGTH = 40;
const MODEL_NAME = new RegExp(`^[a-z][a-z0-9-]{0,${MODEL_NAME_MAX_LENGTH - 2}}[a-z0-9]$`);

/** One thing wrong with the args: where, the bad value, what is wrong, and how to fix it. */
export interface Problem {
    /** Path in ModelServiceArgs, e.g. "scaling.minReplicas". */
    readonly field: string;
    readonly value: unknown;
    readonly message: string;
    readonly fix: string;
}

export const GPUS: readonly Gpu[] = ["none", "t4", "a10g", "l4", "a100"];
/** Which clouds offer each accelerator. */
const GPU_CLOUDS: Partial<Record<Gpu, readonly Cloud[]>> = { t4: ["aws", "gcp", "azure"], a10g: ["aws", "azure"], l4: ["aws", "gcp"], a100: ["aws", "gcp", "azure"] };
const ARTIFACT_URI: Readonly<Record<Cloud, { pattern: RegExp; example: string }>> = {
    aws: { pattern: /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/, example: "s3://my-bucket/models/iris/1/model.tar.gz" },
    gcp: { pattern: /^gs:\/\/[a-z0-9][a-z0-9._-]{1,220}[a-z0-9](\/.*)?$/, example: "gs://my-bucket/models/iris/1/" },
    azure: { pattern: /^https:\/\/[a-z0-9]{3,24}\.blob\.core\.windows\.net\/.+$/, example: "https://myaccount.blob.core.windows.net/models/iris/1/" },
};
const REGION: Readonly<Record<Cloud, { pattern: RegExp; example: string }>> = {
    aws: { pattern: /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/, example: "us-east-1" },
    gcp: { pattern: /^[a-z]+-[a-z]+\d$/, example: "us-central1" },
    azure: { pattern: /^[a-z][a-z0-9]+$/, example: "eastus" },
};
/**
 * Checks args and fills in defaults. Pure apart from reading the file system for local paths.
 * Returns every problem at once, never just the first. A runtime's own rules come from its descriptor
 * in `registry`; this function names no runtime.
 */
export function validateServiceArgs(args: ModelServiceArgs, registry: RuntimeRegistry = RUNTIMES): { resolved?: ResolvedServiceArgs; problems: Problem[] } {
    const problems: Problem[] = [];
    const problem = (field: string, value: unknown, message: string, fix: string) => problems.push({ field, value, message, fix });
    const projectDir = args.projectDir ?? process.cwd();

    const cloud = String(args.cloud);
    if (!isCloud(cloud)) {
        problem("cloud", cloud, "is not a cloud this project deploys to", `use one of ${CLOUDS.join(", ")}`);
        return { problems };
    }
    let runtime: Runtime;
    if (args.runtime === undefined) {
        runtime = defaultRuntime(cloud, registry);
    } else if (!isRuntime(String(args.runtime), registry)) {
        problem("runtime", args.runtime, "is not a known runtime", `use one of ${runtimesOf(cloud, registry).join(", ")} on ${cloud}, or leave it empty for ${defaultRuntime(cloud, registry)}`);
        return { problems };
    } else {
        runtime = args.runtime;
    }
    const entry = registry[runtime]!;
    if (!REGION[cloud].pattern.test(args.region ?? "")) {
        problem("region", args.region, `is not a ${cloud} region`, `set it to a region such as ${REGION[cloud].example}`);
    }
    if (entry.cloud !== cloud) {
        problem("runtime", runtime, `runs on ${entry.cloud}, not on ${cloud}`, `use one of ${runtimesOf(cloud, registry).join(", ")} on ${cloud}, or set cloud to ${entry.cloud}`);
    } else if (!entry.load) {
        problem("runtime", runtime, `is not built yet (${entry.plannedIn ?? "planned"})`, `use ${runtimesOf(cloud, registry).filter((r) => registry[r]!.load).join(", ") || "another cloud's runtime"} for now`);
    }

    if (!MODEL_NAME.test(args.model.name)) {
        problem("model.name", args.model.name, `must be 2-${MODEL_NAME_MAX_LENGTH} lowercase letters, digits or hyphens, starting with a letter`, "rename it, e.g. iris-classifier");
    }
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(args.model.version)) {
        problem("model.version", args.model.version, "must be 1-63 letters, digits, dots, underscores or hyphens", 'use a label such as "1" or "2024-06-01"');
    }
    const artifact = args.model.artifact;
    const problemsBeforeArtifact = problems.length;
    if (artifact.kind === "local") {
        const root = artifact.allowedRoot ? checkArtifactRoot(projectDir, artifact.allowedRoot) : {};
        if (root.problem) problem("model.artifactRoot", artifact.allowedRoot, root.problem.message, root.problem.fix);
        const refused = checkLocalArtifactPath(projectDir, artifact.path, root.real);
        const full = path.resolve(projectDir, artifact.path);
        if (refused) {
            problem("model.artifact", artifact.path, refused.message, refused.fix);
        } else if (fs.statSync(full).isDirectory() && fs.readdirSync(full).length === 0) {
            problem("model.artifact", artifact.path, "is an empty folder", "put the trained model's files in it");
        }
    } else if (!ARTIFACT_URI[cloud].pattern.test(artifact.uri)) {
        problem("model.artifact", artifact.uri, `is not a ${cloud} artifact URI`, `use a URI like ${ARTIFACT_URI[cloud].example}, or a local path to upload`);
    }

    const image = args.image;
    // What the reference server will load, checked once the path itself is known to be fine.
    if (artifact.kind === "local" && !problems.slice(problemsBeforeArtifact).some((p) => p.field.startsWith("model.artifact"))) {
        const check = checkModelArtifact(projectDir, artifact, image);
        if (check.status === "refused") for (const p of check.problems) problem("model.artifact", artifact.path, p.message, p.fix);
    }
    if (image.kind === "build") {
        const dockerfile = path.resolve(projectDir, image.dockerfile ?? path.join(image.context, "Dockerfile"));
        if (!fs.existsSync(dockerfile)) {
            problem("image.context", image.context, `has no Dockerfile (looked for ${dockerfile})`, "point it at the folder that holds your server's Dockerfile, or give an existing image URI");
        }
    } else if (!/^[a-z0-9.-]+(:\d+)?\/[^\s]+$/.test(image.uri) && !/^[a-z0-9][a-z0-9._/-]*(:[\w.-]+)?$/.test(image.uri)) {
        problem("image.uri", image.uri, "is not an image reference", "use REGISTRY/REPOSITORY:TAG or @sha256:DIGEST");
    } else if (cloud !== "aws" && parseEcrImage(image.uri)) {
        problem("image.uri", image.uri, `is in a private Amazon ECR registry, which ${cloud} cannot pull from`, `set imageBuildContext to build into this cloud's registry, or use an image in a registry ${cloud} can pull`);
    } else {
        const refused = entry.imageProblem?.(image.uri);
        if (refused) problem("image.uri", image.uri, refused.message, refused.fix);
    }

    const serving = {
        port: args.serving?.port ?? entry.fixedContract?.port ?? 8080,
        healthRoute: args.serving?.healthRoute ?? entry.fixedContract?.healthRoute ?? "/ping",
        predictRoute: args.serving?.predictRoute ?? entry.fixedContract?.predictRoute ?? "/invocations",
    };
    if (!Number.isInteger(serving.port) || serving.port < 1 || serving.port > 65535) {
        problem("serving.port", serving.port, "is not a TCP port", "use a whole number from 1 to 65535");
    }
    for (const route of ["healthRoute", "predictRoute"] as const) {
        if (!/^\/[A-Za-z0-9._~/-]*$/.test(serving[route])) {
            problem(`serving.${route}`, serving[route], "is not a URL path", "start it with / and use only URL path characters, e.g. /predict");
        }
    }
    if (entry.fixedContract && entry.cloud === cloud) {
        for (const key of ["port", "healthRoute", "predictRoute"] as const) {
            if (serving[key] !== entry.fixedContract[key]) {
                problem(`serving.${key}`, serving[key], `cannot be honoured by ${runtime}, which always uses ${entry.fixedContract[key]}`, `set it to ${entry.fixedContract[key]} (or remove it), or choose a container runtime (${runtimesOf(cloud, registry).filter((r) => !registry[r]!.fixedContract).join(", ")})`);
            }
        }
    }

    const size = args.compute?.size ?? "small";
    if (!Object.prototype.hasOwnProperty.call(SIZES, size)) {
        problem("compute.size", size, "is not a portable size", `use one of ${Object.keys(SIZES).join(", ")}`);
    }
    const gpu = args.compute?.gpu ?? "none";
    if (!GPUS.includes(gpu)) problem("compute.gpu", gpu, "is not a supported accelerator", `use one of ${GPUS.join(", ")}`);
    const instanceType = args.compute?.instanceType || undefined;
    if (instanceType !== undefined) {
        const owner = cloudOfInstanceType(instanceType);
        if (owner !== cloud) {
            problem("compute.instanceType", instanceType, owner ? `is a ${owner} instance type, not a ${cloud} one` : `is not a ${cloud} instance type`, `use a ${cloud} type such as ${INSTANCE_TYPE_SHAPES[cloud].example}, or remove it to derive one from size`);
        } else if (!entry.takesInstanceType) {
            problem("compute.instanceType", instanceType, `is not used by ${runtime}, which sizes replicas from size`, "remove it and set size instead");
        } else {
            const refused = entry.instanceTypeProblem?.(instanceType);
            if (refused) problem("compute.instanceType", instanceType, refused.message, refused.fix);
        }
    }

    const minReplicas = args.scaling?.minReplicas ?? DEFAULT_MIN_REPLICAS;
    const maxReplicas = args.scaling?.maxReplicas ?? defaultMaxReplicas(minReplicas);
    const targetRequestsPerMinute = args.scaling?.targetRequestsPerMinute ?? 600;
    const floor = entry.minReplicasFloor;
    if (!Number.isInteger(minReplicas) || minReplicas < floor) {
        problem("scaling.minReplicas", minReplicas, `must be a whole number of at least ${floor} on ${runtime}`, `set it to ${floor} or more`);
    }
    if (!Number.isInteger(maxReplicas) || maxReplicas < 1) {
        problem("scaling.maxReplicas", maxReplicas, "must be a whole number of at least 1", "set it to 1 or more");
    }
    if (minReplicas > maxReplicas) {
        problem("scaling.minReplicas", minReplicas, `is greater than maxReplicas (${maxReplicas})`, `lower minReplicas to ${maxReplicas} or less, or raise maxReplicas to ${minReplicas} or more`);
    }
    if (!Number.isInteger(targetRequestsPerMinute) || targetRequestsPerMinute < 1) {
        problem("scaling.targetRequestsPerMinute", targetRequestsPerMinute, "must be a positive whole number", "set the requests per minute one replica should handle, e.g. 600");
    }

    const allowedCidrs = args.network?.allowedCidrs ?? [];
    const maxShare = args.network?.allowedCidrsMaxShare ?? DEFAULT_MAX_SHARE;
    if (!(maxShare > 0 && maxShare < 1)) problem("network.allowedCidrsMaxShare", maxShare, "is not a share of the address space between 0 and 1", "write it as 1/N, e.g. 1/256 (one /8)");
    for (const p of cidrProblems(allowedCidrs, maxShare > 0 && maxShare < 1 ? maxShare : DEFAULT_MAX_SHARE)) {
        problem(p.index === undefined ? "network.allowedCidrs" : `network.allowedCidrs[${p.index}]`, p.value, p.message, p.fix);
    }
    if (entry.cloud === cloud) for (const p of exposureProblems(entry, args.network?.public ?? false, allowedCidrs)) problem(p.field, p.value, p.message, p.fix);

    const logRetentionDays = args.logRetentionDays ?? 30;
    if (cloud === "aws" && !CLOUDWATCH_RETENTION_DAYS.includes(logRetentionDays)) {
        const nearest = CLOUDWATCH_RETENTION_DAYS.find((d) => d >= logRetentionDays) ?? 3653;
        problem("logRetentionDays", logRetentionDays, "is not a retention CloudWatch Logs offers", `use one of ${CLOUDWATCH_RETENTION_DAYS.join(", ")} (nearest: ${nearest})`);
    }

    const tags = args.tags ?? {};
    for (const [key, value] of Object.entries(tags)) {
        if (!/^[A-Za-z][A-Za-z0-9_.:/=+@-]{0,62}$/.test(key) || /^(aws|gcp|azure|microsoft|google):/i.test(key)) {
            problem("tags", key, "is not a usable tag key on every cloud", "use 1-63 letters, digits or _.-:/=+@, starting with a letter and without a cloud's reserved prefix");
        }
        if (value.length > 63 || !/^[A-Za-z0-9_.:/=+@ -]*$/.test(value)) {
            problem("tags", `${key}=${value}`, "has a value that not every cloud accepts", "use at most 63 letters, digits, spaces or _.-:/=+@");
        }
    }
    for (const [key, value] of Object.entries(args.environment ?? {})) {
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) problem("environment", key, "is not an environment variable name", "use letters, digits and underscores, not starting with a digit");
        else if (isSecretKeyName(key) || findSecretInValue(value)) problem("environment", key, "holds a secret in plain environment", "move it to secrets, which the cloud's secret store hands to the container");
    }
    for (const name of Object.keys(args.secrets ?? {})) {
        if (!/^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(name)) {
            problem("secrets", name, "is not a usable secret name", "use letters, digits and underscores, starting with a letter");
        }
    }

    const rollout = { strategy: args.rollout?.strategy ?? "allAtOnce", stepPercent: args.rollout?.stepPercent ?? 10, bakeMinutes: args.rollout?.bakeMinutes ?? 10 } as ResolvedServiceArgs["rollout"];
    const check: RuntimeCheck = { args, runtime, cloud, scaling: { minReplicas, maxReplicas, targetRequestsPerMinute }, rollout };
    validateExistingResources(args, runtime, problem);
    if (cloud === "azure") validateAzureNames(args, problem);
    if (cloud === "gcp" && entry.cloud === cloud) validateGcpArgs(args, problem);
    if (entry.cloud === cloud) entry.validate?.(check, problem);
    if (!["allAtOnce", "canary", "linear"].includes(rollout.strategy)) {
        problem("rollout.strategy", rollout.strategy, "is not a rollout strategy", "use allAtOnce, canary or linear");
    }
    if (!Number.isInteger(rollout.stepPercent) || rollout.stepPercent < 1 || rollout.stepPercent > 50) {
        problem("rollout.stepPercent", rollout.stepPercent, "must be a whole percent from 1 to 50", "set the share of capacity the first (canary) or each (linear) step takes, e.g. 10");
    }
    entry.validateRollout?.(check, problem);
    validateRuntimeOnlyKeys(args, runtime, registry, problem);
    const principalType = args.azure?.deployerPrincipalType;
    if (principalType !== undefined && !["User", "ServicePrincipal"].includes(principalType)) {
        problem("azure.deployerPrincipalType", principalType, "is not a principal type", "use User (pulumi runs after az login) or ServicePrincipal (pulumi runs in CI)");
    }
    if (!Number.isInteger(rollout.bakeMinutes) || rollout.bakeMinutes < 0 || rollout.bakeMinutes > 60) {
        problem("rollout.bakeMinutes", rollout.bakeMinutes, "must be whole minutes from 0 to 60", "set how long each step is watched before the next, e.g. 10");
    } else if (entry.cloud === cloud && Number.isInteger(rollout.stepPercent) && rollout.stepPercent >= 1 && ["allAtOnce", "canary", "linear"].includes(rollout.strategy)) {
        for (const p of entry.rolloutDurationProblems?.(rollout) ?? []) problem(p.field, p.value, p.message, p.fix);
    }
    if (args.budget) {
        if (!Number.isInteger(args.budget.monthlyUsd) || args.budget.monthlyUsd < 1) problem("budget.monthlyUsd", args.budget.monthlyUsd, "must be a positive whole number of US dollars", "set the monthly amount, or 0 for no budget");
        if (args.budget.emails.length === 0) problem("budget.emails", [], "is empty: nobody would hear of the budget", "list the addresses that get the alerts");
        args.budget.emails.filter((e) => !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(e)).forEach((e) => problem("budget.emails", e, "is not an email address", "write it as name@example.com"));
        const subscribers = awsCountLimit("aws.budgets.budget.subscribers");
        if (cloud === "aws" && args.budget.emails.length > subscribers) {
            problem("budget.emails", `${args.budget.emails.length} addresses`, `is more than the ${subscribers} email subscribers an AWS budget notification takes`, `list at most ${subscribers} addresses, e.g. a team mailing list instead of each member`);
        }
        if (cloud === "gcp" && !/^(billingAccounts\/)?[0-9A-F]{6}-[0-9A-F]{6}-[0-9A-F]{6}$/.test(args.budget.gcpBillingAccount ?? "")) {
            problem("budget.gcpBillingAccount", args.budget.gcpBillingAccount, "is not a billing account id, which a budget on gcp needs", "set it to XXXXXX-XXXXXX-XXXXXX (gcloud billing accounts list)");
        }
    }
    (args.alarms?.emails ?? []).filter((e) => !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(e)).forEach((e) => problem("alarms.emails", e, "is not an email address", "write it as name@example.com"));
    const latencyP99Ms = args.alarms?.latencyP99Ms ?? DEFAULT_LATENCY_P99_MS;
    if (!Number.isInteger(latencyP99Ms) || latencyP99Ms < 1) problem("alarms.latencyP99Ms", latencyP99Ms, "must be a positive whole number of milliseconds", "set the p99 latency that should alarm, e.g. 1000");
    if (cloud === "gcp" && !/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/.test(args.gcp?.project ?? "")) {
        problem("gcp.project", args.gcp?.project, "is not a Google Cloud project id", "set it to your project id, e.g. my-ml-project");
    }
    // The feature row is the truth about GPUs; the descriptor says why not (test/runtimeDescriptors.test.ts requires it).
    if (gpu !== "none" && !entry.features.GPU) {
        const refusal = entry.gpuRefusal ?? { message: `cannot be honoured by ${runtime}`, fix: "set gpu to none" };
        problem("compute.gpu", gpu, refusal.message, refusal.fix);
    }
    const gpuSupport = GPU_CLOUDS[gpu as Gpu];
    if (gpu !== "none" && gpuSupport && !gpuSupport.includes(cloud)) {
        problem("compute.gpu", gpu, `is not offered on ${cloud}`, `use one of ${GPUS.filter((g) => g !== "none" && GPU_CLOUDS[g]?.includes(cloud)).join(", ")} on ${cloud}`);
    }
    if (problems.length > 0) return { problems };
    return {
        problems,
        resolved: {
            cloud,
            runtime,
            region: args.region,
            model: args.model,
            image,
            serving,
            compute: { size: size as Size, instanceType, gpu },
            scaling: { minReplicas, maxReplicas, targetRequestsPerMinute },
            network: { public: args.network?.public ?? false, allowedCidrs },
            environment: args.environment ?? {},
            secrets: args.secrets ?? {},
            tags,
            protect: args.protect ?? false,
            logRetentionDays,
            rollout,
            alarms: { latencyP99Ms, emails: args.alarms?.emails ?? [] },
            budget: args.budget,
            projectDir,
            aws: args.aws ?? {},
            gcp: args.gcp ?? {},
            azure: args.azure ?? {},
        },
    };
}

/**
 * azure: the model name starts the Key Vault's name (`<model>-azure-kv` + azure-native's 8 random
 * characters), and a vault name must not hold two hyphens in a row: the bound comes from the vault's row.
 */
function validateAzureNames(args: ModelServiceArgs, problem: (field: string, value: unknown, message: string, fix: string) => void): void {
    const rule = azureRule("azure.keyvault.vault.name.pattern");
    if (rule.check.kind === "pattern" && !rule.check.pattern.test(`${args.model.name}-azure-kv00000000`)) {
        problem("model.name", args.model.name, `cannot start an Azure Key Vault name, which must be ${rule.check.description}`, "rename it without consecutive hyphens, e.g. iris-classifier (modelName)");
    }
}

/** A setting another runtime owns (its descriptor's ownKeys), given to this one. */
function validateRuntimeOnlyKeys(args: ModelServiceArgs, runtime: Runtime, registry: RuntimeRegistry, problem: (field: string, value: unknown, message: string, fix: string) => void): void {
    for (const owner of Object.values(registry)) {
        if (owner.name === runtime) continue;
        for (const key of owner.ownKeys ?? []) {
            const value = key.given(args);
            if (value !== undefined) problem(key.field, value, `is used only by ${owner.name}, not by ${runtime}`, key.fix);
        }
    }
}
