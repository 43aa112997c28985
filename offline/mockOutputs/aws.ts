import { awsPartition } from "../../providers/aws/partition";
import { MOCK_AWS_ACCOUNT, autoname, suffix, type OutputsOf } from "./common";

const arn = (service: string, region: string, resource: string) => `arn:${awsPartition(region)}:${service}:${region}:${MOCK_AWS_ACCOUNT}:${resource}`;

/** Provider-computed outputs of each AWS resource type the project uses: ids, ARNs, names, URLs. */
export const AWS_OUTPUTS: Record<string, OutputsOf> = {
    "aws:s3/bucket:Bucket": ({ name, inputs, region, seed }) => {
        const bucket = inputs.bucket ?? autoname(name, seed);
        return { id: bucket, state: { bucket, arn: `arn:${awsPartition(region)}:s3:::${bucket}`, bucketDomainName: `${bucket}.s3.amazonaws.com`, bucketRegionalDomainName: `${bucket}.s3.${region}.amazonaws.com`, region } };
    },
    "aws:ssm/parameter:Parameter": ({ name, inputs, region, seed }) => {
        const parameterName = inputs.name ?? autoname(name, seed);
        return { id: parameterName, state: { name: parameterName, arn: arn("ssm", region, `parameter/${parameterName}`), version: 1 } };
    },
    "aws:kms/key:Key": ({ region, seed }) => {
        const keyId = `${suffix(seed, 8)}-${suffix(`a${seed}`, 4)}-4${suffix(`b${seed}`, 3)}-8${suffix(`c${seed}`, 3)}-${suffix(`d${seed}`, 12)}`;
        return { id: keyId, state: { keyId, arn: arn("kms", region, `key/${keyId}`) } };
    },
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": ({ inputs }) => ({ id: String(inputs.bucket), state: {} }),
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": ({ inputs }) => ({ id: String(inputs.bucket), state: {} }),
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": ({ inputs }) => ({ id: String(inputs.bucket), state: {} }),
    "aws:s3/bucketVersioning:BucketVersioning": ({ inputs }) => ({ id: String(inputs.bucket), state: {} }),
    "aws:s3/bucketPolicy:BucketPolicy": ({ inputs }) => ({ id: String(inputs.bucket), state: {} }),
    "aws:ecr/lifecyclePolicy:LifecyclePolicy": ({ inputs }) => ({ id: String(inputs.repository), state: { registryId: MOCK_AWS_ACCOUNT } }),
    "aws:s3/bucketObjectv2:BucketObjectv2": ({ inputs, seed }) => ({ id: String(inputs.key), state: { etag: suffix(seed, 32), versionId: suffix(`v${seed}`, 32) } }),
    "aws:iam/role:Role": ({ name, inputs, region, seed }) => {
        const roleName = inputs.name ?? autoname(name, seed);
        return { id: roleName, state: { name: roleName, arn: `arn:${awsPartition(region)}:iam::${MOCK_AWS_ACCOUNT}:role/${roleName}`, uniqueId: `AROA${suffix(seed, 17).toUpperCase()}` } };
    },
    "aws:iam/rolePolicy:RolePolicy": ({ name, inputs, seed }) => ({ id: `${inputs.role}:${inputs.name ?? autoname(name, seed)}`, state: {} }),
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": ({ inputs, seed }) => ({ id: `${inputs.role}-${suffix(seed, 20)}`, state: {} }),
    "aws:iam/policy:Policy": ({ name, inputs, region, seed }) => {
        const policyName = inputs.name ?? autoname(name, seed);
        const policyArn = `arn:${awsPartition(region)}:iam::${MOCK_AWS_ACCOUNT}:policy/${policyName}`;
        return { id: policyArn, state: { name: policyName, arn: policyArn } };
    },
    "aws:sagemaker/model:Model": ({ name, inputs, region, seed }) => {
        const modelName = inputs.name ?? autoname(name, seed);
        return { id: modelName, state: { name: modelName, arn: arn("sagemaker", region, `model/${modelName}`) } };
    },
    "aws:sagemaker/endpointConfiguration:EndpointConfiguration": ({ name, inputs, region, seed }) => {
        const configName = inputs.name ?? autoname(name, seed);
        return { id: configName, state: { name: configName, arn: arn("sagemaker", region, `endpoint-config/${configName}`) } };
    },
    "aws:sagemaker/endpoint:Endpoint": ({ name, inputs, region, seed }) => {
        const endpointName = inputs.name ?? autoname(name, seed);
        return { id: endpointName, state: { name: endpointName, arn: arn("sagemaker", region, `endpoint/${endpointName}`) } };
    },
    "aws:cloudwatch/logGroup:LogGroup": ({ name, inputs, region, seed }) => {
        const groupName = inputs.name ?? autoname(name, seed);
        return { id: groupName, state: { name: groupName, arn: arn("logs", region, `log-group:${groupName}`) } };
    },
    "aws:ecr/repository:Repository": ({ name, inputs, region, seed }) => {
        const repoName = inputs.name ?? autoname(name, seed);
        return {
            id: repoName,
            state: { name: repoName, arn: arn("ecr", region, `repository/${repoName}`), registryId: MOCK_AWS_ACCOUNT, repositoryUrl: `${MOCK_AWS_ACCOUNT}.dkr.ecr.${region}.amazonaws.com/${repoName}` },
        };
    },
    "aws:secretsmanager/secret:Secret": ({ name, inputs, region, seed }) => {
        const secretName = inputs.name ?? autoname(name, seed);
        const secretArn = arn("secretsmanager", region, `secret:${secretName}-${suffix(seed, 6)}`);
        return { id: secretArn, state: { name: secretName, arn: secretArn } };
    },
    "aws:secretsmanager/secretVersion:SecretVersion": ({ inputs, seed }) => ({ id: `${inputs.secretId}|${suffix(seed, 32)}`, state: { versionId: suffix(seed, 32), arn: inputs.secretId } }),
    "aws:appautoscaling/target:Target": ({ inputs, region }) => ({ id: String(inputs.resourceId), state: { arn: `arn:${awsPartition(region)}:application-autoscaling:scalable-target/${suffix(String(inputs.resourceId), 20)}` } }),
    "aws:appautoscaling/policy:Policy": ({ name, inputs, region, seed }) => {
        const policyName = inputs.name ?? autoname(name, seed);
        return { id: policyName, state: { name: policyName, arn: arn("autoscaling", region, `scalingPolicy:${suffix(seed, 36)}:resource/${inputs.resourceId}:policyName/${policyName}`) } };
    },
    "aws:ec2/vpc:Vpc": ({ inputs, region, seed }) => {
        const id = `vpc-${suffix(seed, 17)}`;
        return { id, state: { arn: arn("ec2", region, `vpc/${id}`), cidrBlock: inputs.cidrBlock, defaultSecurityGroupId: `sg-${suffix(`d${seed}`, 17)}` } };
    },
    "aws:ec2/subnet:Subnet": ({ region, seed }) => {
        const id = `subnet-${suffix(seed, 17)}`;
        return { id, state: { arn: arn("ec2", region, `subnet/${id}`) } };
    },
    "aws:ec2/internetGateway:InternetGateway": ({ seed }) => ({ id: `igw-${suffix(seed, 17)}`, state: {} }),
    "aws:ec2/eip:Eip": ({ seed }) => ({ id: `eipalloc-${suffix(seed, 17)}`, state: { publicIp: `198.51.100.${parseInt(suffix(seed, 2), 16) % 250}`, allocationId: `eipalloc-${suffix(seed, 17)}` } }),
    "aws:ec2/natGateway:NatGateway": ({ seed }) => ({ id: `nat-${suffix(seed, 17)}`, state: {} }),
    "aws:ec2/routeTable:RouteTable": ({ seed }) => ({ id: `rtb-${suffix(seed, 17)}`, state: {} }),
    "aws:ec2/routeTableAssociation:RouteTableAssociation": ({ seed }) => ({ id: `rtbassoc-${suffix(seed, 17)}`, state: {} }),
    "aws:ec2/securityGroup:SecurityGroup": ({ name, inputs, region, seed }) => {
        const id = `sg-${suffix(seed, 17)}`;
        return { id, state: { name: inputs.name ?? autoname(name, seed), arn: arn("ec2", region, `security-group/${id}`) } };
    },
    "aws:ec2/vpcEndpoint:VpcEndpoint": ({ seed }) => ({ id: `vpce-${suffix(seed, 17)}`, state: {} }),
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": ({ seed }) => ({ id: `sgr-${suffix(seed, 17)}`, state: {} }),
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": ({ seed }) => ({ id: `sgr-${suffix(seed, 17)}`, state: {} }),
    "aws:lb/loadBalancer:LoadBalancer": ({ name, inputs, region, seed }) => {
        const lbName = inputs.name ?? autoname(name, seed);
        const arnSuffix = `app/${lbName}/${suffix(seed, 16)}`;
        const dns = `${inputs.internal ? "internal-" : ""}${lbName}-${parseInt(suffix(seed, 8), 16)}.${region}.elb.amazonaws.com`;
        return { id: arn("elasticloadbalancing", region, `loadbalancer/${arnSuffix}`), state: { name: lbName, arn: arn("elasticloadbalancing", region, `loadbalancer/${arnSuffix}`), arnSuffix, dnsName: dns, zoneId: "Z35SXDOTRQ7X7K" } };
    },
    "aws:lb/targetGroup:TargetGroup": ({ name, inputs, region, seed }) => {
        const tgName = inputs.name ?? autoname(name, seed);
        const arnSuffix = `targetgroup/${tgName}/${suffix(seed, 16)}`;
        return { id: arn("elasticloadbalancing", region, arnSuffix), state: { name: tgName, arn: arn("elasticloadbalancing", region, arnSuffix), arnSuffix } };
    },
    "aws:lb/listener:Listener": ({ region, seed }) => {
        const listenerArn = arn("elasticloadbalancing", region, `listener/app/${suffix(seed, 16)}`);
        return { id: listenerArn, state: { arn: listenerArn } };
    },
    "aws:lb/listenerRule:ListenerRule": ({ inputs, seed }) => {
        const ruleArn = `${String(inputs.listenerArn).replace(":listener/", ":listener-rule/")}/${suffix(seed, 16)}`;
        return { id: ruleArn, state: { arn: ruleArn } };
    },
    "aws:ecs/cluster:Cluster": ({ name, inputs, region, seed }) => {
        const clusterName = inputs.name ?? autoname(name, seed);
        const clusterArn = arn("ecs", region, `cluster/${clusterName}`);
        return { id: clusterArn, state: { name: clusterName, arn: clusterArn } };
    },
    "aws:ecs/taskDefinition:TaskDefinition": ({ inputs, region }) => {
        const taskArn = arn("ecs", region, `task-definition/${inputs.family}:1`);
        return { id: String(inputs.family), state: { arn: taskArn, arnWithoutRevision: taskArn.replace(/:1$/, ""), revision: 1 } };
    },
    "aws:ecs/service:Service": ({ name, inputs, region, seed }) => {
        const serviceName = inputs.name ?? autoname(name, seed);
        const serviceArn = arn("ecs", region, `service/${serviceName}`);
        return { id: serviceArn, state: { name: serviceName, arn: serviceArn } };
    },
    "aws:cloudwatch/metricAlarm:MetricAlarm": ({ name, inputs, region, seed }) => {
        const alarmName = inputs.name ?? autoname(name, seed);
        return { id: alarmName, state: { name: alarmName, arn: arn("cloudwatch", region, `alarm:${alarmName}`) } };
    },
    "aws:sns/topic:Topic": ({ name, inputs, region, seed }) => {
        const topicName = inputs.name ?? autoname(name, seed);
        const topicArn = arn("sns", region, topicName);
        return { id: topicArn, state: { name: topicName, arn: topicArn } };
    },
    "aws:sns/topicSubscription:TopicSubscription": ({ inputs, seed }) => ({ id: `${inputs.topic}:${suffix(seed, 36)}`, state: { arn: `${inputs.topic}:${suffix(seed, 36)}` } }),
    "aws:budgets/budget:Budget": ({ name, inputs, seed }) => {
        const budgetName = inputs.name ?? autoname(name, seed);
        return { id: `${MOCK_AWS_ACCOUNT}:${budgetName}`, state: { name: budgetName, arn: `arn:aws:budgets::${MOCK_AWS_ACCOUNT}:budget/${budgetName}` } };
    },
    "docker:index/image:Image": ({ inputs, seed }) => {
        const imageName = String(inputs.imageName);
        const repo = imageName.replace(/:[^/:]+$/, "");
        return { id: imageName, state: { imageName, repoDigest: `${repo}@sha256:${suffix(seed, 64).padEnd(64, "0")}` } };
    },
};
