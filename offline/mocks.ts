import * as crypto from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";

/** The account/project every mocked ARN and URL uses; obviously not a real one. */
export const MOCK_AWS_ACCOUNT = "123456789012";

function suffix(seed: string, length = 7): string {
    return crypto.createHash("sha256").update(seed).digest("hex").slice(0, length);
}

/** Pulumi's autonaming: logical name plus a random-looking (here: deterministic) suffix. */
function autoname(name: string, seed: string): string {
    return `${name}-${suffix(seed)}`;
}

interface AwsOutputsContext {
    readonly name: string;
    readonly inputs: Record<string, any>;
    readonly region: string;
    readonly seed: string;
}

const arn = (service: string, region: string, resource: string) => `arn:aws:${service}:${region}:${MOCK_AWS_ACCOUNT}:${resource}`;

/** Provider-computed outputs of each AWS resource type the project uses: ids, ARNs, names, URLs. */
const AWS_OUTPUTS: Record<string, (c: AwsOutputsContext) => { id: string; state: Record<string, unknown> }> = {
    "aws:s3/bucket:Bucket": ({ name, inputs, region, seed }) => {
        const bucket = inputs.bucket ?? autoname(name, seed);
        return { id: bucket, state: { bucket, arn: `arn:aws:s3:::${bucket}`, bucketDomainName: `${bucket}.s3.amazonaws.com`, bucketRegionalDomainName: `${bucket}.s3.${region}.amazonaws.com`, region } };
    },
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": ({ inputs }) => ({ id: String(inputs.bucket), state: {} }),
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": ({ inputs }) => ({ id: String(inputs.bucket), state: {} }),
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": ({ inputs }) => ({ id: String(inputs.bucket), state: {} }),
    "aws:s3/bucketVersioning:BucketVersioning": ({ inputs }) => ({ id: String(inputs.bucket), state: {} }),
    "aws:s3/bucketPolicy:BucketPolicy": ({ inputs }) => ({ id: String(inputs.bucket), state: {} }),
    "aws:ecr/lifecyclePolicy:LifecyclePolicy": ({ inputs }) => ({ id: String(inputs.repository), state: { registryId: MOCK_AWS_ACCOUNT } }),
    "aws:s3/bucketObjectv2:BucketObjectv2": ({ inputs, seed }) => ({ id: String(inputs.key), state: { etag: suffix(seed, 32), versionId: suffix(`v${seed}`, 32) } }),
    "aws:iam/role:Role": ({ name, inputs, seed }) => {
        const roleName = inputs.name ?? autoname(name, seed);
        return { id: roleName, state: { name: roleName, arn: `arn:aws:iam::${MOCK_AWS_ACCOUNT}:role/${roleName}`, uniqueId: `AROA${suffix(seed, 17).toUpperCase()}` } };
    },
    "aws:iam/rolePolicy:RolePolicy": ({ name, inputs, seed }) => ({ id: `${inputs.role}:${inputs.name ?? autoname(name, seed)}`, state: {} }),
    "aws:iam/policy:Policy": ({ name, inputs, seed }) => {
        const policyName = inputs.name ?? autoname(name, seed);
        const policyArn = `arn:aws:iam::${MOCK_AWS_ACCOUNT}:policy/${policyName}`;
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
    "aws:appautoscaling/target:Target": ({ inputs }) => ({ id: String(inputs.resourceId), state: { arn: `arn:aws:application-autoscaling:scalable-target/${suffix(String(inputs.resourceId), 20)}` } }),
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
        const lbName = inputs.name ?? autoname(name, seed).slice(0, 32);
        const arnSuffix = `app/${lbName}/${suffix(seed, 16)}`;
        const dns = `${inputs.internal ? "internal-" : ""}${lbName}-${parseInt(suffix(seed, 8), 16)}.${region}.elb.amazonaws.com`;
        return { id: arn("elasticloadbalancing", region, `loadbalancer/${arnSuffix}`), state: { name: lbName, arn: arn("elasticloadbalancing", region, `loadbalancer/${arnSuffix}`), arnSuffix, dnsName: dns, zoneId: "Z35SXDOTRQ7X7K" } };
    },
    "aws:lb/targetGroup:TargetGroup": ({ name, inputs, region, seed }) => {
        const tgName = inputs.name ?? autoname(name, seed).slice(0, 32);
        const arnSuffix = `targetgroup/${tgName}/${suffix(seed, 16)}`;
        return { id: arn("elasticloadbalancing", region, arnSuffix), state: { name: tgName, arn: arn("elasticloadbalancing", region, arnSuffix), arnSuffix } };
    },
    "aws:lb/listener:Listener": ({ region, seed }) => {
        const listenerArn = arn("elasticloadbalancing", region, `listener/app/${suffix(seed, 16)}`);
        return { id: listenerArn, state: { arn: listenerArn } };
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
    "docker:index/image:Image": ({ inputs, seed }) => {
        const imageName = String(inputs.imageName);
        const repo = imageName.replace(/:[^/:]+$/, "");
        return { id: imageName, state: { imageName, repoDigest: `${repo}@sha256:${suffix(seed, 64).padEnd(64, "0")}` } };
    },
};

/**
 * Mocks that answer like the providers would: realistic ids and outputs per resource type, and the
 * data sources the program calls. Anything unknown is an error, so a new resource type cannot slip
 * through a plan with made-up outputs.
 */
export class RealisticMocks implements pulumi.runtime.Mocks {
    private readonly providerRegions = new Map<string, string>();

    constructor(private readonly defaultRegion: string, private readonly stack: string) {}

    newResource(args: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult {
        const seed = `${this.stack}/${args.type}/${args.name}`;
        if (args.type.startsWith("pulumi:providers:")) {
            if (typeof args.inputs.region === "string") this.providerRegions.set(args.name, args.inputs.region);
            return { id: suffix(seed, 36), state: args.inputs };
        }
        if (args.custom === false) return { id: undefined, state: args.inputs };
        const outputs = AWS_OUTPUTS[args.type];
        if (!outputs) throw new Error(`The offline engine has no mock for ${args.type}. Fix: add its outputs to AWS_OUTPUTS in offline/mocks.ts.`);
        const region = this.regionOf(args.provider);
        const { id, state } = outputs({ name: args.name, inputs: args.inputs, region, seed });
        return { id, state: { ...args.inputs, ...state } };
    }

    call(args: pulumi.runtime.MockCallArgs): pulumi.runtime.MockCallResult {
        const region = this.regionOf(args.provider);
        switch (args.token) {
            case "aws:ecr/getAuthorizationToken:getAuthorizationToken":
                return {
                    id: region,
                    region,
                    userName: "AWS",
                    password: "offline-registry-password",
                    authorizationToken: Buffer.from("AWS:offline-registry-password").toString("base64"),
                    proxyEndpoint: `https://${MOCK_AWS_ACCOUNT}.dkr.ecr.${region}.amazonaws.com`,
                    expiresAt: "2099-01-01T00:00:00Z",
                };
            case "aws:index/getCallerIdentity:getCallerIdentity":
                return { id: MOCK_AWS_ACCOUNT, accountId: MOCK_AWS_ACCOUNT, arn: `arn:aws:iam::${MOCK_AWS_ACCOUNT}:user/offline`, userId: "AIDAOFFLINE" };
            case "aws:index/getRegion:getRegion":
                return { id: region, name: region, region };
            case "aws:index/getAvailabilityZones:getAvailabilityZones":
                return { id: region, names: ["a", "b", "c"].map((z) => `${region}${z}`), zoneIds: ["az1", "az2", "az3"].map((z) => `${region.slice(0, 3)}${z}`), groupNames: [region] };
            case "aws:ec2/getVpc:getVpc":
                return { id: args.inputs.id, arn: arn("ec2", region, `vpc/${args.inputs.id}`), cidrBlock: "10.1.0.0/16", state: "available" };
            case "aws:index/getPartition:getPartition":
                return { id: "aws", partition: "aws", dnsSuffix: "amazonaws.com" };
            default:
                throw new Error(`The offline engine has no mock for the data source ${args.token}. Fix: answer it in RealisticMocks.call (offline/mocks.ts).`);
        }
    }

    private regionOf(providerRef: string | undefined): string {
        // A provider reference is "<urn>::<id>"; the urn ends with the provider's name.
        const name = providerRef?.split("::").slice(-2, -1)[0];
        return (name && this.providerRegions.get(name)) || this.defaultRegion;
    }
}
