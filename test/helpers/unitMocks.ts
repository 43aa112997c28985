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

/** A registration of a dynamic resource: its type token and its inputs (with the serialized `__provider`). */
export interface DynamicRegistration {
    type: string;
    inputs: Record<string, any>;
}

/**
 * Pulumi's mock runtime for constructing a dynamic resource in-process, as an update (not a preview, so its
 * outputs resolve): `answer` gives each registration its id and state; calls echo their inputs. Returns the
 * registrations, filled in as they happen.
 */
export async function mockDynamicResources(answer: (inputs: Record<string, any>) => { id: string; state: Record<string, any> }): Promise<DynamicRegistration[]> {
    const registered: DynamicRegistration[] = [];
    await pulumi.runtime.setMocks(
        {
            newResource: (args) => {
                registered.push({ type: args.type, inputs: args.inputs });
                return answer(args.inputs);
            },
            call: (args) => args.inputs,
        },
        "project",
        "stack",
        false,
    );
    return registered;
}

/** The value an output resolves to. */
export function outputValue<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise<T>((resolve) => output.apply((v) => resolve(v)));
}
