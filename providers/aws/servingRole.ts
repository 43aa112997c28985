import * as pulumi from "@pulumi/pulumi";
import { Role } from "@pulumi/aws/iam/role";
import { RolePolicy } from "@pulumi/aws/iam/rolePolicy";
import { autonamedLogicalName } from "../../components/physicalName";

/** One IAM policy statement; the builders below are the only ones a serving identity gets. */
export interface Statement {
    readonly Sid: string;
    readonly Effect: "Allow";
    readonly Action: string | string[];
    readonly Resource: pulumi.Input<string> | pulumi.Input<string>[];
    readonly Condition?: Record<string, Record<string, unknown>>;
}

/** Read the model's objects (one key, one prefix ending in /, or "" for the whole bucket) and list only them. */
export function readArtifact(bucketArn: pulumi.Input<string>, prefix: string): Statement[] {
    const objects = prefix === "" || prefix.endsWith("/") ? `${prefix}*` : prefix;
    return [
        { Sid: "ReadModelArtifact", Effect: "Allow", Action: ["s3:GetObject", "s3:GetObjectVersion"], Resource: pulumi.interpolate`${bucketArn}/${objects}` },
        prefix === ""
            ? { Sid: "ListModelPrefix", Effect: "Allow", Action: "s3:ListBucket", Resource: bucketArn }
            : { Sid: "ListModelPrefix", Effect: "Allow", Action: "s3:ListBucket", Resource: bucketArn, Condition: { StringLike: { "s3:prefix": [...new Set([prefix, objects])] } } },
    ];
}

/** Pull from one ECR repository. */
export function pullImage(repositoryArn: pulumi.Input<string>): Statement[] {
    return [
        { Sid: "PullServingImage", Effect: "Allow", Action: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"], Resource: repositoryArn },
        // ECR issues registry tokens only for resource "*"; the pull itself is scoped above.
        { Sid: "GetRegistryToken", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
    ];
}

/** Write to one log group. */
export function writeLogs(logGroupArn: pulumi.Input<string>): Statement[] {
    return [{ Sid: "WriteServingLogs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"], Resource: [logGroupArn, pulumi.interpolate`${logGroupArn}:*`] }];
}

/** Publish metrics, held to the serving namespaces (CloudWatch metrics have no resource ARNs). */
export function putMetrics(namespaces: string[]): Statement[] {
    return [{ Sid: "PutServingMetrics", Effect: "Allow", Action: "cloudwatch:PutMetricData", Resource: "*", Condition: { StringLike: { "cloudwatch:namespace": namespaces } } }];
}

/**
 * Read the state of the rollback alarms: SageMaker's deployment guardrails call DescribeAlarms as the
 * endpoint's execution role during a blue/green update, and without it cannot roll back
 * (https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails-configuration.html). Read-only; the
 * guardrails pass alarm names the role does not know in advance, so it is not held to ARNs.
 */
export function describeAlarms(): Statement[] {
    return [{ Sid: "ReadRollbackAlarms", Effect: "Allow", Action: "cloudwatch:DescribeAlarms", Resource: "*" }];
}

/** Read these secrets' values, and nothing else of Secrets Manager. */
export function readSecrets(secretArns: readonly pulumi.Input<string>[]): Statement[] {
    return secretArns.length > 0 ? [{ Sid: "ReadServingSecrets", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: [...secretArns] }] : [];
}

/**
 * An identity for the serving workload with exactly the given statements, assumed by one service
 * principal. No wildcard actions, no managed policies.
 */
export function createServingRole(
    name: string,
    principal: string,
    statements: readonly Statement[],
    opts: pulumi.CustomResourceOptions,
    description = "Serving identity of a model service: least privilege, one bucket prefix and one repository",
): { role: Role; policy: RolePolicy } {
    const role = new Role(
        autonamedLogicalName("aws:iam/role:Role", name, ""),
        {
            description,
            assumeRolePolicy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: principal }, Action: "sts:AssumeRole" }] }),
            maxSessionDuration: 3600,
        },
        opts,
    );
    const policy = new RolePolicy(`${name}-policy`, { role: role.id, policy: pulumi.jsonStringify({ Version: "2012-10-17", Statement: statements }) }, opts);
    return { role, policy };
}
