import * as pulumi from "@pulumi/pulumi";
import type { Cloud, InvokeInfo, ModelServiceArgs, Runtime } from "./contract";
import type { ModelServiceRaw } from "./raw";
import { RUNTIMES } from "./runtimes";
import { validateServiceArgs, type Problem } from "./validate";

/** Thrown before any resource is registered when args are invalid; lists every problem. */
export class ServiceArgsError extends pulumi.RunError {
    constructor(readonly problems: readonly Problem[], describe: (p: Problem) => string = describeProblem) {
        super(`${problems.length} problem(s) with the service's settings:\n${problems.map((p) => `  - ${describe(p)}`).join("\n")}`);
        this.name = "ServiceArgsError";
    }
}

function describeProblem(p: Problem): string {
    return `${p.field} = ${JSON.stringify(p.value)}: ${p.message}. Fix: ${p.fix}.`;
}

/**
 * A trained model served as an authenticated, autoscaled HTTPS endpoint on the cloud and runtime the
 * args choose. Only the chosen runtime's module (and so its cloud's SDK) is loaded.
 */
export class ModelService extends pulumi.ComponentResource {
    readonly cloud: pulumi.Output<Cloud>;
    readonly runtime: pulumi.Output<Runtime>;
    readonly region: pulumi.Output<string>;
    readonly endpointUrl: pulumi.Output<string>;
    readonly invoke: pulumi.Output<InvokeInfo>;
    readonly artifactUri: pulumi.Output<string>;
    readonly imageUri: pulumi.Output<string>;
    /**
     * The escape hatch: the chosen runtime's component, its typed resources and its children by role
     * (bucket, role, endpoint, ...). Narrow it by `runtime`: `raw.then((r) => (r.runtime === "sagemaker" ? r.endpoint.name : ...))`.
     */
    readonly raw: Promise<ModelServiceRaw>;

    constructor(name: string, args: ModelServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        // Validate before registering this component, so invalid args leave nothing behind.
        const { resolved: validated, problems } = validateServiceArgs(args);
        if (!validated) throw new ServiceArgsError(problems);
        const resolved = { ...validated, service: name };
        super("model-service:index:ModelService", name, {}, opts);

        const load = RUNTIMES[resolved.runtime].load;
        if (!load) throw new ServiceArgsError([{ field: "runtime", value: resolved.runtime, message: "is not built yet", fix: "choose a built runtime" }]);
        // Each runtime's factory builds its own component class (components/raw.ts lists them), so the cast names what it returns.
        this.raw = load().then((create) => create(`${name}-${resolved.runtime}`, resolved, { parent: this }, { name: `${name}-${resolved.cloud}`, parent: this }) as ModelServiceRaw);

        this.cloud = pulumi.output(resolved.cloud);
        this.runtime = pulumi.output(resolved.runtime);
        this.region = pulumi.output(resolved.region);
        const impl = pulumi.output(this.raw.then((r) => ({ endpointUrl: r.endpointUrl, invoke: r.invoke, artifactUri: r.artifactUri, imageUri: r.imageUri })));
        this.endpointUrl = impl.endpointUrl;
        this.invoke = impl.invoke;
        this.artifactUri = impl.artifactUri;
        this.imageUri = impl.imageUri;
        this.registerOutputs({
            cloud: this.cloud,
            runtime: this.runtime,
            region: this.region,
            endpointUrl: this.endpointUrl,
            invoke: this.invoke,
            artifactUri: this.artifactUri,
            imageUri: this.imageUri,
        });
    }
}
