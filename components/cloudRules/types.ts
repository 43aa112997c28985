/**
 * The clouds' own rules, as data: what each provider does to a name (autonaming) and what each API
 * accepts (patterns, lengths, enumerations, ranges, counts). The runtimes name their children from
 * these tables, the config validator derives its bounds from them, and the offline plan checks every
 * planned resource against them. Every row cites where the rule comes from: rules are facts.
 */

/** Where a physical name must be unique. */
export type UniquenessScope =
    | "world" // every customer of the cloud (S3 buckets, storage accounts, vaults, registries)
    | "region" // every customer in one region (Azure ML online endpoints)
    | "account" // one AWS account / GCP project / Azure subscription
    | "account-region" // one account in one region (most AWS and GCP regional resources)
    | "resource-group" // one Azure resource group
    | "parent"; // inside its parent resource (a blob in a container, a secret in a vault)

/**
 * How a provider names a resource whose name property is left unset.
 * pulumi-aws / pulumi-gcp (terraform bridge): `<logical>-<7 hex>`; azure-native: `<logical><8 alphanumerics>`.
 */
export interface AutonameRule {
    /** Pulumi type token, e.g. "aws:lb/targetGroup:TargetGroup". */
    readonly type: string;
    /** The input property the provider fills in (and the output that carries the physical name). */
    readonly property: string;
    /** Longest physical name the API accepts, random part included. */
    readonly maxLength: number;
    /** Between logical name and random part: "-" on the bridged providers, "" on azure-native. */
    readonly separator: "-" | "";
    /** Length of the random part. */
    readonly randomLength: number;
    /** What the provider does to the logical name before appending (S3 and GCS lowercase it). */
    readonly transform?: "lowercase";
    readonly uniqueness: UniquenessScope;
    /** For "parent" (and "resource-group") scopes: the input properties that name the scope, e.g. ["resourceGroupName"]. */
    readonly scopeProperties?: readonly string[];
    /** Provider source or API reference for the maximum length and the naming scheme. */
    readonly source: string;
}

export type Check =
    | { readonly kind: "pattern"; readonly pattern: RegExp; readonly description: string }
    | { readonly kind: "forbidden"; readonly pattern: RegExp; readonly description: string }
    | { readonly kind: "length"; readonly min?: number; readonly max: number }
    | { readonly kind: "enum"; readonly values: readonly (string | number)[] }
    | { readonly kind: "range"; readonly min?: number; readonly max?: number }
    /** Items of an array, or keys of an object. */
    | { readonly kind: "count"; readonly min?: number; readonly max: number };

/** One rule an API enforces on one property of one resource type. */
export interface ContractRule {
    /** Short id, unique in its table, e.g. "aws.lb.targetGroup.name.length". */
    readonly id: string;
    readonly type: string;
    /**
     * Dotted path into the resource's inputs (after autonaming, so a physical name is checked as the
     * provider will send it); `[]` steps into every item of an array, e.g. "notifications[].subscribers".
     */
    readonly path: string;
    readonly check: Check;
    /** API reference, SDK model or provider source line the rule comes from. */
    readonly source: string;
    /** What the user or the code should change when the rule is broken. */
    readonly fix?: string;
}

/** A cloud's tables. */
export interface CloudRules {
    readonly autonames: readonly AutonameRule[];
    readonly rules: readonly ContractRule[];
}
