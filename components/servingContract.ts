import type * as pulumi from "@pulumi/pulumi";
import type { ResolvedServiceArgs } from "./contract";

/**
 * The serving container's environment, the same on every runtime; serving/src/config.ts and
 * serving/src/secrets.ts read it. Each runtime maps it onto its container spec.
 *
 * A secret `hfToken` reaches the container as one of (serving/src/secrets.ts reads all three):
 * - `SECRET_HF_TOKEN`: the value, where the platform injects values from the secret store (ECS `secrets`);
 * - `SECRET_HF_TOKEN_FILE`: a file holding it, where the platform mounts the store (Secrets Store CSI on GKE and AKS);
 * - `SECRET_HF_TOKEN_REF`: a reference the server resolves with its own identity, where the platform can do neither:
 *   a SageMaker model's Environment takes plain strings only (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ContainerDefinition.html#sagemaker-Type-ContainerDefinition-Environment),
 *   so do a Vertex AI model's env (EnvVar: name and value, https://cloud.google.com/vertex-ai/docs/reference/rest/v1/ModelContainerSpec#EnvVar)
 *   and an Azure ML deployment's environmentVariables (its keyvault references are a preview that needs the
 *   endpoint's enforce_access_to_default_secret_stores, https://learn.microsoft.com/azure/machine-learning/concept-secret-injection).
 */
export type SecretDelivery = "value" | "file" | "reference";

const SUFFIX: Readonly<Record<SecretDelivery, string>> = { value: "", file: "_FILE", reference: "_REF" };

/** hfToken -> HF_TOKEN: a secret's name in the container's environment. */
export function secretEnvironmentName(key: string): string {
    return key.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase();
}

/** The variable through which the container finds a secret delivered this way. */
export function secretVariable(key: string, delivery: SecretDelivery): string {
    return `SECRET_${secretEnvironmentName(key)}${SUFFIX[delivery]}`;
}

/** Secrets by variable name: what the runtime puts in each (an ARN to inject, a file path, a reference). */
export function secretEnvironment<T>(delivery: SecretDelivery, sources: Readonly<Record<string, T>>): Record<string, T> {
    return Object.fromEntries(Object.entries(sources).map(([key, source]) => [secretVariable(key, delivery), source]));
}

/**
 * The plain part: the user's variables, then the contract's (model, port, routes), which win. `modelUri`
 * where the server downloads the model itself (MODEL_URI); absent where the platform mounts it.
 */
export function servingEnvironment(args: ResolvedServiceArgs, modelUri?: pulumi.Input<string>): Record<string, pulumi.Input<string>> {
    return {
        ...args.environment,
        MODEL_NAME: args.model.name,
        MODEL_VERSION: args.model.version,
        PORT: String(args.serving.port),
        HEALTH_ROUTE: args.serving.healthRoute,
        PREDICT_ROUTE: args.serving.predictRoute,
        ...(modelUri === undefined ? {} : { MODEL_URI: modelUri }),
    };
}
