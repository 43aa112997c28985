import { gcpRule } from "./cloudRules/gcp";
import type { ImageSource, ModelServiceArgs } from "./contract";

type Report = (field: string, value: unknown, message: string, fix: string) => void;

const BUDGET_CHANNELS_MAX = (gcpRule("gcp.billing.budget.channels").check as { max: number }).max;
const BUCKET_FORBIDDEN = (gcpRule("gcp.storage.bucket.google").check as { pattern: RegExp }).pattern;
/** Registries a Vertex AI model upload and private GKE nodes (Private Google Access, no NAT) pull from. */
const GOOGLE_REGISTRY = /^(?:[a-z0-9-]+-docker\.pkg\.dev|(?:[a-z]+\.)?gcr\.io)\//;

/**
 * What Google Cloud refuses that the shared checks do not know: a model name that puts "google" in the
 * bucket name, and more budget emails than a budget takes channels.
 */
export function validateGcpArgs(args: ModelServiceArgs, problem: Report): void {
    // The artifact bucket's name starts with the model name (providers/gcp/artifactStore.ts).
    if (BUCKET_FORBIDDEN.test(args.model.name)) {
        problem("model.name", args.model.name, 'puts "goog" first or "google" (or a look-alike) in the artifact bucket name, which Cloud Storage refuses (https://cloud.google.com/storage/docs/buckets#naming)', "rename the model without google, e.g. search-ranker");
    }
    const emails = args.budget?.emails ?? [];
    if (emails.length > BUDGET_CHANNELS_MAX) {
        problem("budget.emails", `${emails.length} addresses`, `are more than the ${BUDGET_CHANNELS_MAX} notification channels a Cloud Billing budget takes (one channel per address)`, `list at most ${BUDGET_CHANNELS_MAX} budgetEmails, e.g. a group address`);
    }
}

/** An image outside Google's registries, which a Google Cloud runtime cannot pull; `why` says why not on that runtime. */
export function validateGoogleRegistryImage(image: ImageSource, why: string, problem: Report): void {
    // An ECR image is refused on every cloud but AWS already (components/validate.ts).
    if (image.kind === "uri" && !GOOGLE_REGISTRY.test(image.uri) && !/\.dkr\.ecr\./.test(image.uri)) {
        problem("image.uri", image.uri, why, "push the image to Artifact Registry (REGION-docker.pkg.dev/PROJECT/REPOSITORY/IMAGE:TAG), or set imageBuildContext to build it there");
    }
}
