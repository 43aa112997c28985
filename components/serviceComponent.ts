import * as pulumi from "@pulumi/pulumi";
import type { InvokeInfo, Runtime, ServiceImplementation } from "./contract";

/** What a runtime publishes once its children exist. */
export interface PublishedService {
    readonly endpointUrl: pulumi.Output<string>;
    readonly invoke: pulumi.Output<InvokeInfo>;
    readonly artifactUri: pulumi.Output<string>;
    readonly imageUri: pulumi.Output<string>;
    readonly children: Readonly<Record<string, pulumi.Resource | undefined>>;
    /** The version found serving after an update, where the runtime checks it (a failed check fails the update). */
    readonly servingVersion?: pulumi.Output<string>;
}

/** The base of every runtime's component: the contract's outputs, set once by publish(). */
export abstract class ServiceComponent extends pulumi.ComponentResource implements ServiceImplementation {
    /** Which runtime this is: what tells `ModelService.raw`'s shapes apart. */
    abstract readonly runtime: Runtime;
    endpointUrl!: pulumi.Output<string>;
    invoke!: pulumi.Output<InvokeInfo>;
    artifactUri!: pulumi.Output<string>;
    imageUri!: pulumi.Output<string>;
    children!: Readonly<Record<string, pulumi.Resource>>;

    /** Sets the outputs and registers them; the last call of a runtime's constructor. */
    protected publish(service: PublishedService): void {
        this.endpointUrl = service.endpointUrl;
        this.invoke = service.invoke;
        this.artifactUri = service.artifactUri;
        this.imageUri = service.imageUri;
        this.children = Object.fromEntries(Object.entries(service.children).filter((entry): entry is [string, pulumi.Resource] => entry[1] !== undefined));
        this.registerOutputs({
            endpointUrl: this.endpointUrl,
            invoke: this.invoke,
            artifactUri: this.artifactUri,
            imageUri: this.imageUri,
            ...(service.servingVersion ? { servingVersion: service.servingVersion } : {}),
        });
    }
}
