import type { AutonameRule, CloudRules, ContractRule } from "./types";
import { ruleById } from "./lookup";
import { SAGEMAKER_HOSTING_INSTANCE_TYPES } from "./awsHostingInstanceTypes";

// pulumi-aws autonames through the terraform bridge: `<logical>-<7 hex>` (tfbridge.AutoName, separator
// "-", 7 random hex); where resources.go gives no maximum the bridge's default is 255, so the API's own
// limit below is what `pulumi up` meets (pulumi/pulumi-aws provider/resources.go).
const bridge = { separator: "-", randomLength: 7 } as const;
const PULUMI_AWS = "pulumi/pulumi-aws provider/resources.go";

const autonames: AutonameRule[] = [
    // tfbridge.AutoNameTransform("bucket", 63, strings.ToLower); bucket names are shared by every AWS customer.
    { type: "aws:s3/bucket:Bucket", property: "bucket", maxLength: 63, ...bridge, transform: "lowercase", uniqueness: "world", source: `${PULUMI_AWS} (aws_s3_bucket); https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html` },
    // tfbridge.AutoName("name", 64, "-"); IAM is global to the account.
    { type: "aws:iam/role:Role", property: "name", maxLength: 64, ...bridge, uniqueness: "account", source: `${PULUMI_AWS} (aws_iam_role); https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html` },
    { type: "aws:iam/policy:Policy", property: "name", maxLength: 128, ...bridge, uniqueness: "account", source: "https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreatePolicy.html" },
    { type: "aws:iam/rolePolicy:RolePolicy", property: "name", maxLength: 128, ...bridge, uniqueness: "parent", scopeProperties: ["role"], source: "https://docs.aws.amazon.com/IAM/latest/APIReference/API_PutRolePolicy.html" },
    { type: "aws:sagemaker/model:Model", property: "name", maxLength: 63, ...bridge, uniqueness: "account-region", source: "https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateModel.html (ModelName: 63, ^[a-zA-Z0-9]([\\-a-zA-Z0-9]*[a-zA-Z0-9])?$)" },
    { type: "aws:sagemaker/endpointConfiguration:EndpointConfiguration", property: "name", maxLength: 63, ...bridge, uniqueness: "account-region", source: "https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateEndpointConfig.html (EndpointConfigName: 63)" },
    { type: "aws:sagemaker/endpoint:Endpoint", property: "name", maxLength: 63, ...bridge, uniqueness: "account-region", source: "https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateEndpoint.html (EndpointName: 63)" },
    { type: "aws:ecr/repository:Repository", property: "name", maxLength: 256, ...bridge, uniqueness: "account-region", source: "https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_CreateRepository.html (repositoryName: 2-256)" },
    { type: "aws:cloudwatch/logGroup:LogGroup", property: "name", maxLength: 512, ...bridge, uniqueness: "account-region", source: "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html (logGroupName: 1-512)" },
    { type: "aws:cloudwatch/metricAlarm:MetricAlarm", property: "name", maxLength: 255, ...bridge, uniqueness: "account-region", source: "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html (AlarmName: 1-255)" },
    { type: "aws:sns/topic:Topic", property: "name", maxLength: 256, ...bridge, uniqueness: "account-region", source: "https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html (Name: 1-256)" },
    { type: "aws:secretsmanager/secret:Secret", property: "name", maxLength: 512, ...bridge, uniqueness: "account-region", source: "https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html (Name: 1-512)" },
    // tfbridge.AutoName("name", 32, "-") for both; unique per account and region.
    { type: "aws:lb/loadBalancer:LoadBalancer", property: "name", maxLength: 32, ...bridge, uniqueness: "account-region", source: `${PULUMI_AWS} (aws_lb); https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateLoadBalancer.html (Name: 32)` },
    { type: "aws:lb/targetGroup:TargetGroup", property: "name", maxLength: 32, ...bridge, uniqueness: "account-region", source: `${PULUMI_AWS} (aws_lb_target_group); https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateTargetGroup.html (Name: 32)` },
    { type: "aws:ecs/cluster:Cluster", property: "name", maxLength: 255, ...bridge, uniqueness: "account-region", source: "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CreateCluster.html (clusterName: 255)" },
    { type: "aws:ecs/service:Service", property: "name", maxLength: 255, ...bridge, uniqueness: "parent", scopeProperties: ["cluster"], source: "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CreateService.html (serviceName: 255, unique in its cluster)" },
    { type: "aws:ecs/taskDefinition:TaskDefinition", property: "family", maxLength: 255, ...bridge, uniqueness: "account-region", source: "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RegisterTaskDefinition.html (family: 255)" },
    { type: "aws:ec2/securityGroup:SecurityGroup", property: "name", maxLength: 255, ...bridge, uniqueness: "parent", scopeProperties: ["vpcId"], source: "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSecurityGroup.html (GroupName: 255, unique in its VPC)" },
    { type: "aws:appautoscaling/policy:Policy", property: "name", maxLength: 256, ...bridge, uniqueness: "parent", scopeProperties: ["resourceId"], source: "https://docs.aws.amazon.com/autoscaling/application/APIReference/API_PutScalingPolicy.html (PolicyName: 1-256)" },
    { type: "aws:ssm/parameter:Parameter", property: "name", maxLength: 2048, ...bridge, uniqueness: "account-region", source: "https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PutParameter.html (Name: 1-2048)" },
    { type: "aws:budgets/budget:Budget", property: "name", maxLength: 100, ...bridge, uniqueness: "account", source: "https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_budgets_Budget.html (BudgetName: 1-100, no ':' or '\\')" },
];

/** Retentions CloudWatch Logs accepts, in days; the config validator offers exactly these. */
export const CLOUDWATCH_RETENTION_DAYS: readonly number[] = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

const SAGEMAKER_NAME = { kind: "pattern", pattern: /^[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?$/, description: "letters, digits and hyphens, starting and ending with a letter or digit" } as const;
const ELB_NAME = { kind: "pattern", pattern: /^(?!internal-)[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?$/, description: "letters, digits and hyphens, not starting or ending with a hyphen nor starting with internal-" } as const;

const rules: ContractRule[] = [
    {
        id: "aws.s3.bucket.name",
        type: "aws:s3/bucket:Bucket",
        path: "bucket",
        check: { kind: "pattern", pattern: /^(?!xn--|sthree-|amzn-s3-demo-)[a-z0-9][a-z0-9.-]*[a-z0-9]$/, description: "lowercase letters, digits, dots and hyphens, no reserved prefix (xn--, sthree-, amzn-s3-demo-)" },
        source: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html",
    },
    { id: "aws.s3.bucket.suffix", type: "aws:s3/bucket:Bucket", path: "bucket", check: { kind: "forbidden", pattern: /(-s3alias|--ol-s3|--x-s3|\.mrap)$/, description: "a reserved suffix (-s3alias, --ol-s3, --x-s3, .mrap)" }, source: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html" },
    { id: "aws.iam.role.name", type: "aws:iam/role:Role", path: "name", check: { kind: "pattern", pattern: /^[\w+=,.@-]+$/, description: "letters, digits and +=,.@_-" }, source: "https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html" },
    { id: "aws.iam.policy.name", type: "aws:iam/policy:Policy", path: "name", check: { kind: "pattern", pattern: /^[\w+=,.@-]+$/, description: "letters, digits and +=,.@_-" }, source: "https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreatePolicy.html" },
    { id: "aws.sagemaker.model.name", type: "aws:sagemaker/model:Model", path: "name", check: SAGEMAKER_NAME, source: "https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateModel.html" },
    { id: "aws.sagemaker.endpointConfiguration.name", type: "aws:sagemaker/endpointConfiguration:EndpointConfiguration", path: "name", check: SAGEMAKER_NAME, source: "https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateEndpointConfig.html" },
    { id: "aws.sagemaker.endpoint.name", type: "aws:sagemaker/endpoint:Endpoint", path: "name", check: SAGEMAKER_NAME, source: "https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateEndpoint.html" },
    {
        id: "aws.sagemaker.endpointConfiguration.variants",
        type: "aws:sagemaker/endpointConfiguration:EndpointConfiguration",
        path: "productionVariants",
        check: { kind: "count", min: 1, max: 10 },
        source: "https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateEndpointConfig.html (ProductionVariants: 1-10 items)",
    },
    {
        id: "aws.sagemaker.endpointConfiguration.instanceType",
        type: "aws:sagemaker/endpointConfiguration:EndpointConfiguration",
        path: "productionVariants[].instanceType",
        check: { kind: "enum", values: SAGEMAKER_HOSTING_INSTANCE_TYPES },
        source: "https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ProductionVariant.html (InstanceType: ProductionVariantInstanceType)",
        fix: "set instanceType to a SageMaker hosting instance type",
    },
    {
        // SageMaker takes 600-14400 s, but the aws provider stops waiting for InService after a fixed 60 minutes:
        // a deployment allowed to run longer outlives the wait and fails pulumi up while it goes on.
        id: "aws.sagemaker.endpoint.maxExecution",
        type: "aws:sagemaker/endpoint:Endpoint",
        path: "deploymentConfig.blueGreenUpdatePolicy.maximumExecutionTimeoutInSeconds",
        check: { kind: "range", min: 600, max: 3600 },
        source: "https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_BlueGreenUpdatePolicy.html (600-14400); terraform-provider-aws internal/service/sagemaker/endpoint.go (waits for InService 60 minutes, no timeouts block)",
        fix: "keep the blue/green deployment within the provider's 60-minute wait (providers/aws/rolloutDuration.ts)",
    },
    {
        id: "aws.ecr.repository.name",
        type: "aws:ecr/repository:Repository",
        path: "name",
        check: { kind: "pattern", pattern: /^(?=.{2,256}$)(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/, description: "2-256 lowercase letters, digits and . _ - / separators" },
        source: "https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_CreateRepository.html",
    },
    { id: "aws.logs.logGroup.name", type: "aws:cloudwatch/logGroup:LogGroup", path: "name", check: { kind: "pattern", pattern: /^[\w./#-]{1,512}$/, description: "1-512 of letters, digits and _-./#" }, source: "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html" },
    {
        id: "aws.logs.logGroup.retention",
        type: "aws:cloudwatch/logGroup:LogGroup",
        path: "retentionInDays",
        check: { kind: "enum", values: CLOUDWATCH_RETENTION_DAYS },
        source: "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html",
        fix: "set logRetentionDays to one of the values CloudWatch Logs accepts",
    },
    { id: "aws.sns.topic.name", type: "aws:sns/topic:Topic", path: "name", check: { kind: "pattern", pattern: /^[\w-]{1,256}$/, description: "1-256 letters, digits, hyphens and underscores" }, source: "https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html" },
    {
        id: "aws.sns.topic.alarmKey",
        type: "aws:sns/topic:Topic",
        path: "kmsMasterKeyId",
        check: { kind: "forbidden", pattern: /^(alias\/aws\/sns|arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:alias\/aws\/sns)$/, description: "the AWS managed key alias/aws/sns, whose policy cannot admit cloudwatch.amazonaws.com: CloudWatch alarms cannot publish to the topic" },
        source: "https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services (event sources need a customer managed key whose policy allows them kms:Decrypt and kms:GenerateDataKey*)",
        fix: "encrypt the alarm topic with a customer managed KMS key whose policy admits cloudwatch.amazonaws.com",
    },
    { id: "aws.lb.loadBalancer.name", type: "aws:lb/loadBalancer:LoadBalancer", path: "name", check: ELB_NAME, source: "https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateLoadBalancer.html" },
    { id: "aws.lb.targetGroup.name", type: "aws:lb/targetGroup:TargetGroup", path: "name", check: ELB_NAME, source: "https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateTargetGroup.html" },
    { id: "aws.ecs.taskDefinition.family", type: "aws:ecs/taskDefinition:TaskDefinition", path: "family", check: { kind: "pattern", pattern: /^[\w-]{1,255}$/, description: "1-255 letters, digits, hyphens and underscores" }, source: "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RegisterTaskDefinition.html" },
    { id: "aws.ecs.service.name", type: "aws:ecs/service:Service", path: "name", check: { kind: "pattern", pattern: /^[\w-]{1,255}$/, description: "1-255 letters, digits, hyphens and underscores" }, source: "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CreateService.html" },
    { id: "aws.budgets.budget.name", type: "aws:budgets/budget:Budget", path: "name", check: { kind: "pattern", pattern: /^[^:\\]{1,100}$/, description: "1-100 characters without ':' or '\\'" }, source: "https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_budgets_Budget.html" },
    { id: "aws.budgets.budget.notifications", type: "aws:budgets/budget:Budget", path: "notifications", check: { kind: "count", max: 5 }, source: "https://docs.aws.amazon.com/cost-management/latest/userguide/budgets-limits.html (5 notifications per budget)" },
    {
        id: "aws.budgets.budget.subscribers",
        type: "aws:budgets/budget:Budget",
        path: "notifications[].subscriberEmailAddresses",
        check: { kind: "count", max: 10 },
        source: "https://docs.aws.amazon.com/cost-management/latest/userguide/budgets-limits.html (10 email subscribers per notification)",
        fix: "list at most 10 budgetEmails",
    },
    {
        id: "aws.ec2.securityGroupIngressRule.cidrIpv4",
        type: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
        path: "cidrIpv4",
        check: { kind: "pattern", pattern: /^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/, description: "an IPv4 CIDR block (IPv6 goes in cidrIpv6)" },
        source: "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_SecurityGroupRuleRequest.html (CidrIpv4: IPv4 CIDR range; CidrIpv6 for IPv6)",
        fix: "list IPv4 client networks in allowedCidrs on ecs",
    },
];

export const AWS_RULES: CloudRules = { autonames, rules };

/** One AWS rule by id (the program and the validator read their bounds from the table). */
export function awsRule(id: string): ContractRule {
    return ruleById(AWS_RULES, "AWS", id);
}

/** The `max` of a count rule. */
export function awsCountLimit(id: string): number {
    const { check } = awsRule(id);
    if (check.kind !== "count") throw new Error(`AWS rule ${id} is not a count`);
    return check.max;
}
