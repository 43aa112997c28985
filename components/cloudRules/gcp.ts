import type { AutonameRule, CloudRules, ContractRule } from "./types";
import { autonameOf, ruleById } from "./lookup";

// pulumi-gcp (terraform bridge) autonames a name left unset as `<logical>-<7 random hex>`, never
// truncating: provider/resources.go in pulumi/pulumi-gcp (as of ed6078a) configures google_storage_bucket
// (AutoName("name", 222, "-")), google_service_account (AutoName account_id, 30, "-"), the compute
// network, subnetwork, router and router NAT (lowercaseAutoName: 63, lowercased), and every other
// resource with a settable `name` (prov.SetAutonaming(255, "-")), e.g. google_vertex_ai_endpoint.
// The provider's maximum is not the API's: the rows below carry the API's.
const PULUMI_GCP = "pulumi/pulumi-gcp provider/resources.go";

export const GCP_TYPES = {
    bucket: "gcp:storage/bucket:Bucket",
    serviceAccount: "gcp:serviceaccount/account:Account",
    repository: "gcp:artifactregistry/repository:Repository",
    secret: "gcp:secretmanager/secret:Secret",
    endpoint: "gcp:vertex/aiEndpoint:AiEndpoint",
    cluster: "gcp:container/cluster:Cluster",
    network: "gcp:compute/network:Network",
    subnetwork: "gcp:compute/subnetwork:Subnetwork",
    router: "gcp:compute/router:Router",
    routerNat: "gcp:compute/routerNat:RouterNat",
    address: "gcp:compute/address:Address",
    forwardingRule: "gcp:compute/forwardingRule:ForwardingRule",
    logBucket: "gcp:logging/projectBucketConfig:ProjectBucketConfig",
    logSink: "gcp:logging/projectSink:ProjectSink",
    logExclusion: "gcp:logging/projectExclusion:ProjectExclusion",
    serviceConnectionPolicy: "gcp:networkconnectivity/serviceConnectionPolicy:ServiceConnectionPolicy",
    budget: "gcp:billing/budget:Budget",
    alertPolicy: "gcp:monitoring/alertPolicy:AlertPolicy",
    notificationChannel: "gcp:monitoring/notificationChannel:NotificationChannel",
} as const;
const T = GCP_TYPES;

const bridged = { separator: "-", randomLength: 7 } as const;

const autonames: AutonameRule[] = [
    {
        type: T.bucket,
        property: "name",
        maxLength: 63,
        ...bridged,
        uniqueness: "world",
        source: `${PULUMI_GCP} (google_storage_bucket: AutoName("name", 222, "-")); https://cloud.google.com/storage/docs/buckets#naming (3-63 characters without dots; one namespace for every customer)`,
    },
    {
        type: T.serviceAccount,
        property: "accountId",
        maxLength: 30,
        ...bridged,
        uniqueness: "account",
        source: `${PULUMI_GCP} (google_service_account: AutoName account_id, 30, "-"); https://cloud.google.com/iam/docs/reference/rest/v1/projects.serviceAccounts/create (accountId: 6-30 characters)`,
    },
    // Not autonamed (repository_id is no `name`): the program sets it; listed for its length and scope.
    {
        type: T.repository,
        property: "repositoryId",
        maxLength: 63,
        ...bridged,
        uniqueness: "account-region",
        source: "https://cloud.google.com/artifact-registry/docs/repositories/create-repos (repository names: up to 63 characters, unique per project and location)",
    },
    {
        type: T.secret,
        property: "secretId",
        maxLength: 255,
        ...bridged,
        uniqueness: "account",
        source: "https://cloud.google.com/secret-manager/docs/reference/rest/v1/projects.secrets/create (secretId: at most 255 characters, unique in the project)",
    },
    {
        type: T.endpoint,
        property: "name",
        maxLength: 63,
        ...bridged,
        uniqueness: "account-region",
        source: `${PULUMI_GCP} (SetAutonaming(255, "-"), sent as endpointId); googleapis/googleapis google/cloud/aiplatform/v1/endpoint_service.proto CreateEndpointRequest.endpoint_id (letter first: up to 63 of [a-z0-9-], ending in a letter or digit)`,
    },
    {
        type: T.cluster,
        property: "name",
        maxLength: 40,
        ...bridged,
        uniqueness: "account-region",
        source: "https://cloud.google.com/kubernetes-engine/docs/reference/rest/v1/projects.locations.clusters#Cluster (name: up to 40 characters, unique in the project and location)",
    },
    ...[T.network, T.router, T.routerNat, T.subnetwork].map(
        (type): AutonameRule => ({
            type,
            property: "name",
            maxLength: 63,
            ...bridged,
            transform: "lowercase",
            uniqueness: type === T.network ? "account" : "account-region",
            source: `${PULUMI_GCP} (lowercaseAutoName: 63, lowercased); https://cloud.google.com/compute/docs/naming-resources (RFC 1035, 1-63 characters)`,
        }),
    ),
    ...[T.address, T.forwardingRule].map(
        (type): AutonameRule => ({
            type,
            property: "name",
            maxLength: 63,
            ...bridged,
            uniqueness: "account-region",
            source: `${PULUMI_GCP} (SetAutonaming(255, "-")); https://cloud.google.com/compute/docs/naming-resources (RFC 1035, 1-63 characters)`,
        }),
    ),
    {
        type: T.serviceConnectionPolicy,
        property: "name",
        maxLength: 63,
        ...bridged,
        uniqueness: "account-region",
        source: `${PULUMI_GCP} (SetAutonaming(255, "-")); https://cloud.google.com/vpc/docs/reference/networkconnectivity/rest/v1/projects.locations.serviceConnectionPolicies/create (serviceConnectionPolicyId: RFC 1035, 1-63 characters)`,
    },
    {
        type: T.logSink,
        property: "name",
        maxLength: 100,
        ...bridged,
        uniqueness: "account",
        source: `${PULUMI_GCP} (SetAutonaming(255, "-")); https://cloud.google.com/logging/docs/reference/v2/rest/v2/projects.sinks#LogSink (name: at most 100 characters)`,
    },
    {
        type: T.logExclusion,
        property: "name",
        maxLength: 100,
        ...bridged,
        uniqueness: "account",
        source: `${PULUMI_GCP} (SetAutonaming(255, "-")); https://cloud.google.com/logging/docs/reference/v2/rest/v2/projects.exclusions#LogExclusion (name: at most 100 characters)`,
    },
    {
        type: T.logBucket,
        property: "bucketId",
        maxLength: 100,
        ...bridged,
        uniqueness: "account",
        source: "https://cloud.google.com/logging/docs/reference/v2/rest/v2/projects.locations.buckets/create (bucketId: at most 100 characters)",
    },
];

/** RFC 1035 labels: what GKE, Compute Engine and Artifact Registry accept as names. */
const RFC1035 = { kind: "pattern", pattern: /^[a-z]([-a-z0-9]*[a-z0-9])?$/, description: "lowercase letters, digits and hyphens, starting with a letter and ending with a letter or digit" } as const;
const BUDGETS_API = "https://cloud.google.com/billing/docs/reference/budget/rest/v1/billingAccounts.budgets#Budget";

const rules: ContractRule[] = [
    {
        id: "gcp.storage.bucket.name",
        type: T.bucket,
        path: "name",
        check: { kind: "pattern", pattern: /^[a-z0-9][a-z0-9_-]{1,61}[a-z0-9]$/, description: "3-63 lowercase letters, digits, hyphens and underscores, starting and ending with a letter or digit" },
        source: "https://cloud.google.com/storage/docs/buckets#naming",
    },
    {
        id: "gcp.storage.bucket.google",
        type: T.bucket,
        path: "name",
        check: { kind: "forbidden", pattern: /^goog|google|g00gle|go0gle|g0ogle/, description: 'the prefix "goog", nor "google" or a close misspelling of it' },
        source: "https://cloud.google.com/storage/docs/buckets#naming (cannot begin with the goog prefix, cannot contain google or close misspellings such as g00gle)",
        fix: "use a model name without google (components/validate.ts refuses it on gcp)",
    },
    {
        id: "gcp.iam.serviceAccount.accountId",
        type: T.serviceAccount,
        path: "accountId",
        check: { kind: "pattern", pattern: /^[a-z][-a-z0-9]{4,28}[a-z0-9]$/, description: "6-30 lowercase letters, digits and hyphens, starting with a letter and ending with a letter or digit" },
        source: "https://cloud.google.com/iam/docs/reference/rest/v1/projects.serviceAccounts/create (accountId must match [a-z]([-a-z0-9]*[a-z0-9]), 6-30 characters)",
    },
    {
        id: "gcp.artifactregistry.repository.id",
        type: T.repository,
        path: "repositoryId",
        check: RFC1035,
        source: "https://cloud.google.com/artifact-registry/docs/repositories/create-repos (lowercase letters, numbers and hyphens, starting with a letter, ending with a letter or number)",
    },
    { id: "gcp.artifactregistry.repository.id.length", type: T.repository, path: "repositoryId", check: { kind: "length", min: 1, max: 63 }, source: "https://cloud.google.com/artifact-registry/docs/repositories/create-repos (up to 63 characters)" },
    {
        id: "gcp.artifactregistry.repository.cleanupPolicies",
        type: T.repository,
        path: "cleanupPolicies",
        check: { kind: "count", max: 10 },
        source: "https://cloud.google.com/artifact-registry/docs/repositories/cleanup-policy (at most 10 cleanup policies per repository)",
    },
    {
        id: "gcp.secretmanager.secret.id",
        type: T.secret,
        path: "secretId",
        check: { kind: "pattern", pattern: /^[A-Za-z0-9_-]{1,255}$/, description: "1-255 letters, digits, hyphens and underscores" },
        source: "https://cloud.google.com/secret-manager/docs/reference/rest/v1/projects.secrets/create (secretId: [a-zA-Z_0-9-], at most 255 characters)",
    },
    {
        id: "gcp.vertex.endpoint.id",
        type: T.endpoint,
        path: "name",
        check: { kind: "pattern", pattern: /^(?:[a-z][a-z0-9-]{0,61}[a-z0-9]|[a-z]|[1-9][0-9]{0,8})$/, description: "a letter, then up to 62 lowercase letters, digits and hyphens ending in a letter or digit (or up to 9 digits without a leading zero)" },
        source: "googleapis/googleapis google/cloud/aiplatform/v1/endpoint_service.proto CreateEndpointRequest.endpoint_id",
        fix: "shorten the endpoint's logical name (components/physicalName.ts autonamedLogicalName)",
    },
    { id: "gcp.vertex.endpoint.displayName", type: T.endpoint, path: "displayName", check: { kind: "length", min: 1, max: 128 }, source: "googleapis/googleapis google/cloud/aiplatform/v1/endpoint.proto Endpoint.display_name (up to 128 UTF-8 characters)" },
    { id: "gcp.container.cluster.name", type: T.cluster, path: "name", check: RFC1035, source: "https://cloud.google.com/kubernetes-engine/docs/reference/rest/v1/projects.locations.clusters#Cluster (lowercase letters, numbers and hyphens, starting with a letter, ending with a number or letter)" },
    ...Object.entries({ network: T.network, subnetwork: T.subnetwork, router: T.router, routerNat: T.routerNat, address: T.address, forwardingRule: T.forwardingRule }).map(
        ([kind, type]): ContractRule => ({ id: `gcp.compute.${kind}.name`, type, path: "name", check: RFC1035, source: "https://cloud.google.com/compute/docs/naming-resources (RFC 1035)" }),
    ),
    {
        id: "gcp.networkconnectivity.serviceConnectionPolicy.name",
        type: T.serviceConnectionPolicy,
        path: "name",
        check: RFC1035,
        source: "https://cloud.google.com/vpc/docs/reference/networkconnectivity/rest/v1/projects.locations.serviceConnectionPolicies/create (serviceConnectionPolicyId)",
    },
    {
        id: "gcp.networkconnectivity.serviceConnectionPolicy.serviceClass",
        type: T.serviceConnectionPolicy,
        path: "serviceClass",
        check: { kind: "enum", values: ["gcp-vertexai"] },
        source: "https://cloud.google.com/vertex-ai/docs/predictions/private-service-connect#create-endpoint-with-automation (service class gcp-vertexai)",
    },
    {
        id: "gcp.logging.bucket.id",
        type: T.logBucket,
        path: "bucketId",
        check: { kind: "pattern", pattern: /^[A-Za-z0-9_.][A-Za-z0-9_.-]{0,99}$/, description: "1-100 letters, digits, underscores, hyphens and periods, not starting with a hyphen" },
        source: "https://cloud.google.com/logging/docs/reference/v2/rest/v2/projects.locations.buckets/create (bucketId)",
    },
    { id: "gcp.logging.bucket.retentionDays", type: T.logBucket, path: "retentionDays", check: { kind: "range", min: 1, max: 3650 }, source: "https://cloud.google.com/logging/docs/buckets#custom-retention (1 to 3650 days)", fix: "set logRetentionDays between 1 and 3650" },
    {
        id: "gcp.logging.sink.name",
        type: T.logSink,
        path: "name",
        check: { kind: "pattern", pattern: /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/, description: "1-100 letters, digits, underscores, hyphens and periods, starting with a letter or digit" },
        source: "https://cloud.google.com/logging/docs/reference/v2/rest/v2/projects.sinks#LogSink",
    },
    {
        id: "gcp.logging.exclusion.name",
        type: T.logExclusion,
        path: "name",
        check: { kind: "pattern", pattern: /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/, description: "1-100 letters, digits, underscores, hyphens and periods, starting with a letter or digit" },
        source: "https://cloud.google.com/logging/docs/reference/v2/rest/v2/projects.exclusions#LogExclusion",
    },
    { id: "gcp.billing.budget.displayName", type: T.budget, path: "displayName", check: { kind: "length", max: 60 }, source: `${BUDGETS_API} (displayName: at most 60 characters)`, fix: "shorten the budget's display name" },
    {
        id: "gcp.billing.budget.channels",
        type: T.budget,
        path: "allUpdatesRule.monitoringNotificationChannels",
        check: { kind: "count", max: 5 },
        source: "https://cloud.google.com/billing/docs/reference/budget/rest/v1/billingAccounts.budgets#NotificationsRule (monitoringNotificationChannels: at most 5)",
        fix: "list at most 5 budgetEmails",
    },
    { id: "gcp.monitoring.alertPolicy.displayName", type: T.alertPolicy, path: "displayName", check: { kind: "length", min: 1, max: 512 }, source: "https://cloud.google.com/monitoring/api/ref_v3/rest/v3/projects.alertPolicies#AlertPolicy (displayName: at most 512 Unicode characters)" },
    { id: "gcp.monitoring.alertPolicy.conditions", type: T.alertPolicy, path: "conditions", check: { kind: "count", min: 1, max: 6 }, source: "https://cloud.google.com/monitoring/api/ref_v3/rest/v3/projects.alertPolicies#AlertPolicy (conditions: at most 6)" },
    { id: "gcp.monitoring.notificationChannel.displayName", type: T.notificationChannel, path: "displayName", check: { kind: "length", max: 512 }, source: "https://cloud.google.com/monitoring/api/ref_v3/rest/v3/projects.notificationChannels#NotificationChannel (displayName: at most 512 Unicode characters)" },
];

/** gcp: autonaming and API rules of the resource types the project plans. */
export const GCP_RULES: CloudRules = { autonames, rules };

/** The autoname rule of a type. */
export function gcpAutoname(type: string): AutonameRule {
    return autonameOf(GCP_RULES, "GCP", type);
}

/** The rule with this id (code bounded by a rule reads its bound from here). */
export function gcpRule(id: string): ContractRule {
    return ruleById(GCP_RULES, "GCP", id);
}
