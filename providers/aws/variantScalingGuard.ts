import * as pulumi from "@pulumi/pulumi";
import { Parameter } from "@pulumi/aws/ssm/parameter";

/**
 * SageMaker refuses an UpdateEndpoint that changes the instance type of a variant registered with Application
 * Auto Scaling: the variant must be deregistered first and registered again after
 * (https://docs.aws.amazon.com/sagemaker/latest/dg/endpoint-scaling-update.html). Pulumi deletes a resource before
 * the update of another only through delete-before-replace, so this marker (a free SSM String parameter holding
 * the instance type) is replaced delete-first whenever the type changes. It comes before the endpoint, and the
 * scalable target's resourceId depends on it: the engine deletes the target (and its policy) before the marker,
 * so the variant is deregistered before the endpoint updates, and registered again once it has.
 */
export function createVariantScalingGuard(name: string, instanceType: string, opts: pulumi.CustomResourceOptions): Parameter {
    return new Parameter(
        `${name}-scaling-guard`,
        {
            type: "String",
            insecureValue: instanceType,
            description: "The instance type the endpoint variant is registered with Application Auto Scaling for; replaced first when it changes",
        },
        { ...opts, deleteBeforeReplace: true, replaceOnChanges: ["insecureValue"] },
    );
}

/** The scalable target's resourceId, carrying the guard as a property dependency (same value as before). */
export function guardedResourceId(endpointName: pulumi.Input<string>, variant: string, guard: Parameter): pulumi.Output<string> {
    return pulumi.all([endpointName, guard.arn]).apply(([endpoint]) => `endpoint/${endpoint}/variant/${variant}`);
}
