import * as pulumi from "@pulumi/pulumi";

/** A registration as a mocks test records it. */
export interface RegisteredResource {
    type: string;
    name: string;
    inputs: Record<string, any>;
    provider?: string;
}

/**
 * Pulumi's mock runtime for constructing components in-process: every resource gets an id, its inputs as
 * state, a name when it had none and an ARN-shaped arn; calls echo their inputs. `record` sees each
 * registration. A preview, so no update-only work (the AWS rollout check) reads a real cloud.
 */
export function setUnitMocks(record: (args: pulumi.runtime.MockResourceArgs) => void = () => undefined): Promise<void> {
    return pulumi.runtime.setMocks(
        {
            newResource: (args) => {
                record(args);
                return { id: `${args.name}-id`, state: { ...args.inputs, name: args.inputs.name ?? `${args.name}-auto`, arn: `arn:aws:mock:::${args.name}` } };
            },
            call: (args) => args.inputs,
        },
        "model-service",
        "unit",
        true,
    );
}
