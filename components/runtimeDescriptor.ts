import type { Cloud, Gpu, ImplementationFactory, ModelServiceArgs, ResolvedServiceArgs, Runtime, ServingContract, Size } from "./contract";
import type { Feature } from "./features";

/** Reports one problem: where, the bad value, what is wrong, and how to fix it (components/validate.ts). */
export type ReportProblem = (field: string, value: unknown, message: string, fix: string) => void;

/** What `public` and `allowedCidrs` mean on a runtime, as its provider builds them (components/exposure.ts). */
export interface ExposureRule {
    /** What sits in front of the model, for messages: "an Application Load Balancer that does not authenticate callers". */
    readonly front: string;
    /** Whether the runtime honours allowedCidrs at all. */
    readonly allowedCidrs: "always" | "never";
    /** Client networks the runtime's rules can take, and the words for a message about the others. */
    readonly cidrRule?: { readonly pattern: RegExp; readonly takes: string };
    /** Why allowedCidrs cannot be honoured, and what to do instead, where "no IP allow-list" does not say it. */
    readonly refusal?: { readonly why: string; readonly fix: string };
}

/** A setting only one runtime reads; on any other runtime it is a problem, never silently ignored. */
export interface RuntimeOnlyKey {
    /** Path in ModelServiceArgs, e.g. "gcp.internalGlobalAccess". */
    readonly field: string;
    /** The value to report when the setting is given, undefined when it is not. */
    readonly given: (args: ModelServiceArgs) => unknown;
    /** The fix on another runtime, e.g. "remove it, or use runtime azureml". */
    readonly fix: string;
}

/** What validation knows when it asks a runtime for its own rules. */
export interface RuntimeCheck {
    readonly args: ModelServiceArgs;
    readonly runtime: Runtime;
    readonly cloud: Cloud;
    readonly scaling: ResolvedServiceArgs["scaling"];
    readonly rollout: ResolvedServiceArgs["rollout"];
}

/**
 * One runtime: everything the shared code needs to know about it, in the runtime's own folder
 * (providers/<cloud>/<runtime>.runtime.ts). A descriptor never imports its implementation or a cloud
 * SDK; `load` imports them on demand, so a stack loads only the chosen cloud's SDK.
 */
export interface RuntimeDescriptor {
    readonly name: Runtime;
    readonly cloud: Cloud;
    /** The cloud's managed ML runtime is its default. */
    readonly managed: boolean;
    /** Loads the implementation on demand. Absent: not built yet. */
    readonly load?: () => Promise<ImplementationFactory>;
    /** The issue that builds it, for the "not built yet" message. */
    readonly plannedIn?: string;
    /** Serving contract the runtime imposes, if any (port, routes). */
    readonly fixedContract?: ServingContract;
    /** Whether the runtime sizes replicas by instance type (else by the portable size alone). */
    readonly takesInstanceType: boolean;
    /** The instance type used when the user did not give one; undefined where the runtime has none. */
    readonly instanceTypeFor?: (size: Size, gpu: Gpu) => string | undefined;
    /** What the runtime does, as its code builds it (the README's feature table; test/features.test.ts proves each "yes"). */
    readonly features: Readonly<Record<Feature, boolean>>;
    /** Why a GPU cannot be honoured; required where features.GPU is false. */
    readonly gpuRefusal?: { readonly message: string; readonly fix: string };
    readonly exposure: ExposureRule;
    /** The fewest replicas the runtime runs (0 only where the service scales to zero). */
    readonly minReplicasFloor: number;
    /** Settings no other runtime reads. */
    readonly ownKeys?: readonly RuntimeOnlyKey[];
    /** Why an image reference (valid as such) cannot be pulled by this runtime, if so. */
    readonly imageProblem?: (uri: string) => { readonly message: string; readonly fix: string } | undefined;
    /** Why an instance type of the right cloud cannot be used by this runtime, if so. */
    readonly instanceTypeProblem?: (instanceType: string) => { readonly message: string; readonly fix: string } | undefined;
    /** The runtime's own settings and limits (network, registry, own keys' values), checked with the cloud's. */
    readonly validate?: (check: RuntimeCheck, problem: ReportProblem) => void;
    /** The rollout strategy's limits on this runtime (step sizes, replicas per step). */
    readonly validateRollout?: (check: RuntimeCheck, problem: ReportProblem) => void;
    /** A rollout the provider or one `pulumi up` cannot wait out, given a well-formed rollout. */
    readonly rolloutDurationProblems?: (rollout: ResolvedServiceArgs["rollout"]) => readonly { field: string; value: unknown; message: string; fix: string }[];
}
