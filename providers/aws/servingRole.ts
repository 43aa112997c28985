import * as pulumi from "@pulumi/pulumi";
import { Role } from "@pulumi/aws/iam/role";
import { RolePolicy } from "@pulumi/aws/iam/rolePolicy";

export interface ServingRoleGrants {
    /** Service principal that assumes the role, e.g. sagemaker.amazonaws.com. */
    readonly principal: string;
    readonly artifactBucketArn: pulumi.Input<string>;
    /** Object key (compressed artifact) or key prefix ending in / that the role may read. */
    readonly artifactPrefix: string;
    readonly repositoryArn: pulumi.Input<string>;
    readonly logGroupArn: pulumi.Input<string>;
    readonly secretArns: readonly pulumi.Input<string>[];
}

/**
 * The identity the serving workload runs as: it may read only the model's objects, pull only its
 * repository, write only its log group and read only its secrets. No wildcard actions, no managed policies.
 */
export function createServingRole(name: string, grants: ServingRoleGrants, opts: pulumi.CustomResourceOptions): { role: Role; policy: RolePolicy } {
    const role = new Role(
        `${name}-serving-role`,
        {
            description: "Serving identity of a model service: least privilege, one bucket prefix and one repository",
            assumeRolePolicy: JSON.stringify({
                Version: "2012-10-17",
                Statement: [{ Effect: "Allow", Principal: { Service: grants.principal }, Action: "sts:AssumeRole" }],
            }),
            maxSessionDuration: 3600,
        },
        opts,
    );
    const objects = grants.artifactPrefix.endsWith("/") ? `${grants.artifactPrefix}*` : grants.artifactPrefix;
    const statements: unknown[] = [
        { Sid: "ReadModelArtifact", Effect: "Allow", Action: ["s3:GetObject", "s3:GetObjectVersion"], Resource: pulumi.interpolate`${grants.artifactBucketArn}/${objects}` },
        {
            Sid: "ListModelPrefix",
            Effect: "Allow",
            Action: "s3:ListBucket",
            Resource: grants.artifactBucketArn,
            Condition: { StringLike: { "s3:prefix": [grants.artifactPrefix, objects] } },
        },
        {
            Sid: "PullServingImage",
            Effect: "Allow",
            Action: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"],
            Resource: grants.repositoryArn,
        },
        // ECR issues registry tokens only for resource "*"; the pull itself is scoped above.
        { Sid: "GetRegistryToken", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
        {
            Sid: "WriteServingLogs",
            Effect: "Allow",
            Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
            Resource: [grants.logGroupArn, pulumi.interpolate`${grants.logGroupArn}:*`],
        },
        // CloudWatch metrics have no resource ARNs; the namespace condition scopes them.
        { Sid: "PutServingMetrics", Effect: "Allow", Action: "cloudwatch:PutMetricData", Resource: "*", Condition: { StringLike: { "cloudwatch:namespace": ["/aws/sagemaker/*", "model-service/*"] } } },
    ];
    if (grants.secretArns.length > 0) {
        statements.push({ Sid: "ReadServingSecrets", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: grants.secretArns });
    }
    const policy = new RolePolicy(`${name}-serving-policy`, { role: role.id, policy: pulumi.jsonStringify({ Version: "2012-10-17", Statement: statements }) }, opts);
    return { role, policy };
}
