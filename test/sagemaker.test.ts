import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { beforeAll, describe, expect, it } from "vitest";
import type { PlanDocument } from "../offline/engine";
import { PROJECT_DIR, ofType, one, planJson, statementsOf as statements, type Statement } from "./helpers/plan";

function actions(s: Statement): string[] {
    return [s.Action].flat();
}

describe("SageMaker on the dev stack", () => {
    let doc: PlanDocument;
    let code: number | null;
    beforeAll(() => {
        ({ doc, code } = planJson(["--stack", "dev"]));
    });

    it("plans cleanly: exit 0, no violation", () => {
        expect(doc.errors).toEqual([]);
        expect(code).toBe(0);
        expect(doc.violations).toEqual([]);
    });

    it("creates exactly the service's children, under one ModelService", () => {
        const counts: Record<string, number> = {};
        for (const r of doc.resources) counts[r.type] = (counts[r.type] ?? 0) + 1;
        expect(counts).toEqual({
            "model-service:index:ModelService": 1,
            "model-service:aws:SageMakerService": 1,
            "pulumi:providers:aws": 1,
            "aws:s3/bucket:Bucket": 1,
            "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": 1,
            "aws:s3/bucketOwnershipControls:BucketOwnershipControls": 1,
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": 1,
            "aws:s3/bucketVersioning:BucketVersioning": 1,
            "aws:s3/bucketPolicy:BucketPolicy": 1,
            "aws:s3/bucketObjectv2:BucketObjectv2": 3,
            "aws:ecr/repository:Repository": 1,
            "aws:ecr/lifecyclePolicy:LifecyclePolicy": 1,
            "docker:index/image:Image": 1,
            "aws:cloudwatch/logGroup:LogGroup": 1,
            "aws:iam/role:Role": 1,
            "aws:iam/rolePolicy:RolePolicy": 1,
            "aws:iam/policy:Policy": 1,
            "aws:sagemaker/model:Model": 1,
            "aws:sagemaker/endpointConfiguration:EndpointConfiguration": 1,
            "aws:sagemaker/endpoint:Endpoint": 1,
            "aws:appautoscaling/target:Target": 1,
            "aws:appautoscaling/policy:Policy": 1,
            "aws:cloudwatch/metricAlarm:MetricAlarm": 3,
            "aws:ssm/parameter:Parameter": 1,
        });
        const service = one(doc, "model-service:index:ModelService");
        const impl = one(doc, "model-service:aws:SageMakerService");
        expect(impl.parent).toBe(service.urn);
        // The AWS foundation (provider, bucket, repository, image, secrets, budget) belongs to the ModelService,
        // so a switch to ecs keeps it; the runtime's own resources belong to the runtime.
        const foundation = new Set(["pulumi:providers:aws", "docker:index/image:Image"]);
        for (const r of doc.resources.filter((r) => r.custom)) {
            const shared = foundation.has(r.type) || r.type.startsWith("aws:s3/") || r.type.startsWith("aws:ecr/");
            expect(r.parent, r.name).toBe(shared ? service.urn : impl.urn);
            expect(r.name.startsWith(shared ? "iris-aws" : "iris-sagemaker"), r.name).toBe(true);
        }
        // No image configured: the reference server is built from serving/ and pushed to the stack's repository.
        const image = one(doc, "docker:index/image:Image");
        // Relative to the project: another checkout plans no rebuild, and no second push of the tag (issue 15 item 6).
        expect((image.inputs.build as any).context).toBe("serving");
        expect(image.inputs.imageName).toMatch(new RegExp(`^${one(doc, "aws:ecr/repository:Repository").outputs.repositoryUrl}:1-[0-9a-f]{12}$`));
        expect(doc.outputs.imageUri).toBe(image.outputs.repoDigest);
    });

    it("keeps the artifact bucket private, encrypted, versioned, owner-enforced and TLS-only", () => {
        const bucket = one(doc, "aws:s3/bucket:Bucket");
        expect(bucket.inputs.acl).toBeUndefined();
        expect(one(doc, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs).toMatchObject({
            bucket: bucket.id,
            blockPublicAcls: true,
            blockPublicPolicy: true,
            ignorePublicAcls: true,
            restrictPublicBuckets: true,
        });
        expect(one(doc, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration").inputs.rules).toEqual([
            { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" }, bucketKeyEnabled: true },
        ]);
        expect(one(doc, "aws:s3/bucketVersioning:BucketVersioning").inputs.versioningConfiguration).toEqual({ status: "Enabled" });
        expect(one(doc, "aws:s3/bucketOwnershipControls:BucketOwnershipControls").inputs.rule).toEqual({ objectOwnership: "BucketOwnerEnforced" });
        const [deny] = statements(one(doc, "aws:s3/bucketPolicy:BucketPolicy").inputs.policy);
        expect(deny).toMatchObject({ Effect: "Deny", Principal: "*", Condition: { Bool: { "aws:SecureTransport": "false" } } });
    });

    it("uploads the local model folder under models/<name>/<version>/ and reads it uncompressed", () => {
        const keys = ofType(doc, "aws:s3/bucketObjectv2:BucketObjectv2").map((o) => o.inputs.key).sort();
        expect(keys).toEqual(["models/iris/1/README.md", "models/iris/1/metadata.json", "models/iris/1/model.onnx"]);
        const container = one(doc, "aws:sagemaker/model:Model").inputs.primaryContainer as Record<string, any>;
        expect(container.modelDataUrl).toBeUndefined();
        expect(container.modelDataSource.s3DataSources).toEqual([{ s3Uri: doc.outputs.artifactUri, s3DataType: "S3Prefix", compressionType: "None" }]);
        expect(doc.outputs.artifactUri).toMatch(/^s3:\/\/iris-aws-artifacts-[0-9a-f]{7}\/models\/iris\/1\/$/);
    });

    it("gives the serving role only the model prefix, the image's repository, its log group: no wildcard actions, no managed policies", () => {
        const role = one(doc, "aws:iam/role:Role");
        expect(role.inputs.managedPolicyArns).toBeUndefined();
        expect(statements(role.inputs.assumeRolePolicy)).toEqual([{ Effect: "Allow", Principal: { Service: "sagemaker.amazonaws.com" }, Action: "sts:AssumeRole" }]);
        const policy = statements(one(doc, "aws:iam/rolePolicy:RolePolicy").inputs.policy);
        for (const s of policy) {
            for (const action of actions(s)) expect(action, s.Sid).not.toMatch(/\*/);
        }
        const bucketArn = one(doc, "aws:s3/bucket:Bucket").outputs.arn;
        const bySid = Object.fromEntries(policy.map((s) => [s.Sid, s]));
        expect(bySid.ReadModelArtifact?.Resource).toBe(`${bucketArn}/models/iris/1/*`);
        expect(bySid.ListModelPrefix?.Condition).toEqual({ StringLike: { "s3:prefix": ["models/iris/1/", "models/iris/1/*"] } });
        expect(bySid.PullServingImage?.Resource).toBe(one(doc, "aws:ecr/repository:Repository").outputs.arn);
        // Only actions without resource-level permissions may name "*", and metrics are held to a namespace.
        expect(policy.filter((s) => [s.Resource].flat().includes("*")).map((s) => s.Sid)).toEqual(["GetRegistryToken", "PutServingMetrics", "ReadRollbackAlarms"]);
        // Deployment guardrails read the rollback alarms as this role (issue 15 item 14).
        expect(bySid.ReadRollbackAlarms).toEqual({ Sid: "ReadRollbackAlarms", Effect: "Allow", Action: "cloudwatch:DescribeAlarms", Resource: "*" });
        expect(policy.some((s) => actions(s).some((a) => a.startsWith("secretsmanager:")))).toBe(false);
    });

    it("deregisters the variant from autoscaling before an instance-type change reaches the endpoint (issue 15 item 5)", () => {
        const guard = one(doc, "aws:ssm/parameter:Parameter");
        const endpoint = one(doc, "aws:sagemaker/endpoint:Endpoint");
        const target = one(doc, "aws:appautoscaling/target:Target");
        const policy = one(doc, "aws:appautoscaling/policy:Policy");
        // Replaced delete-first when the instance type changes...
        expect(guard.inputs).toMatchObject({ type: "String", insecureValue: "ml.m5.large" });
        expect(guard.options).toMatchObject({ deleteBeforeReplace: true, replaceOnChanges: ["insecureValue"] });
        // ...before the endpoint updates, taking the target (a property dependency, so replaced with it) and its policy first.
        expect(endpoint.options.dependsOn).toContain(guard.urn);
        expect(target.propertyDependencies.resourceId).toEqual(expect.arrayContaining([guard.urn, endpoint.urn]));
        expect(target.inputs.resourceId).toBe(`endpoint/${endpoint.outputs.name}/variant/primary`);
        expect(target.options.dependsOn).toContain(endpoint.urn);
        expect(policy.propertyDependencies.resourceId).toContain(target.urn);
    });

    it("wires Model -> autonamed EndpointConfiguration -> named Endpoint with the small instance type", () => {
        const model = one(doc, "aws:sagemaker/model:Model");
        expect(model.inputs.name).toBeUndefined();
        expect(model.inputs.executionRoleArn).toBe(one(doc, "aws:iam/role:Role").outputs.arn);
        expect(model.inputs.enableNetworkIsolation).toBe(true);
        expect((model.inputs.primaryContainer as any).environment).toEqual({ MODEL_NAME: "iris", MODEL_VERSION: "1", PORT: "8080", HEALTH_ROUTE: "/ping", PREDICT_ROUTE: "/invocations" });
        expect((model.inputs.primaryContainer as any).image).toBe(doc.outputs.imageUri);
        expect(model.options.dependsOn).toContain(one(doc, "aws:iam/rolePolicy:RolePolicy").urn);

        const config = one(doc, "aws:sagemaker/endpointConfiguration:EndpointConfiguration");
        expect(config.inputs.name).toBeUndefined();
        expect(config.inputs.productionVariants).toEqual([
            { variantName: "primary", modelName: model.outputs.name, instanceType: "ml.m5.large", initialInstanceCount: 1, initialVariantWeight: 1 },
        ]);
        const endpoint = one(doc, "aws:sagemaker/endpoint:Endpoint");
        expect(endpoint.inputs).toMatchObject({ name: expect.stringMatching(/^iris-dev-[0-9a-f]{6}$/), endpointConfigName: config.outputs.name });
    });

    it("scales the variant between min and max replicas on invocations per instance", () => {
        expect(one(doc, "aws:appautoscaling/target:Target").inputs).toMatchObject({
            serviceNamespace: "sagemaker",
            resourceId: expect.stringMatching(/^endpoint\/iris-dev-[0-9a-f]{6}\/variant\/primary$/),
            scalableDimension: "sagemaker:variant:DesiredInstanceCount",
            minCapacity: 1,
            maxCapacity: 2,
        });
        expect(one(doc, "aws:appautoscaling/policy:Policy").inputs).toMatchObject({
            policyType: "TargetTrackingScaling",
            targetTrackingScalingPolicyConfiguration: { targetValue: 600, predefinedMetricSpecification: { predefinedMetricType: "SageMakerVariantInvocationsPerInstance" } },
        });
    });

    it("keeps endpoint logs for the stack's retention and tags every resource through the provider", () => {
        expect(one(doc, "aws:cloudwatch/logGroup:LogGroup").inputs).toMatchObject({ name: expect.stringMatching(/^\/aws\/sagemaker\/Endpoints\/iris-dev-[0-9a-f]{6}$/), retentionInDays: 7 });
        const provider = one(doc, "pulumi:providers:aws");
        expect(provider.inputs.region).toBe("us-east-1");
        expect(JSON.parse(String(provider.inputs.defaultTags))).toEqual({
            tags: { "managed-by": "pulumi", "model-service": "iris", "model-version": "1", stack: "dev", environment: "dev", team: "ml" },
        });
        for (const r of doc.resources.filter((r) => r.custom && r.type.startsWith("aws:"))) {
            expect(r.options.provider?.startsWith(`${provider.urn}::`), r.name).toBe(true);
        }
    });

    it("protects nothing in dev, so the stack can be torn down", () => {
        expect(doc.resources.filter((r) => r.options.protect)).toEqual([]);
        expect(one(doc, "aws:s3/bucket:Bucket").inputs.forceDestroy).toBe(true);
    });

    it("exports a SageMaker runtime invocation URL and says it needs SigV4", () => {
        expect(doc.outputs).toMatchObject({ cloud: "aws", runtime: "sagemaker", region: "us-east-1" });
        expect(doc.outputs.endpointUrl).toMatch(/^https:\/\/runtime\.sagemaker\.us-east-1\.amazonaws\.com\/endpoints\/iris-dev-[0-9a-f]{6}\/invocations$/);
        expect(doc.outputs.invoke).toMatchObject({ auth: "aws-sigv4", reachability: "private-network" });
        expect((doc.outputs.invoke as { note: string }).note).toContain(one(doc, "aws:iam/policy:Policy").outputs.arn as string);
        // public: false means what it says: only requests through an interface VPC endpoint (issue 15 item 15).
        const invoker = statements(one(doc, "aws:iam/policy:Policy").inputs.policy);
        expect(invoker).toEqual([
            { Sid: "InvokeThroughVpcEndpoint", Effect: "Allow", Action: "sagemaker:InvokeEndpoint", Resource: one(doc, "aws:sagemaker/endpoint:Endpoint").outputs.arn, Condition: { Null: { "aws:SourceVpce": "false" } } },
        ]);
    });

    it("loads only the AWS SDK: no other cloud's modules are in the module cache", () => {
        expect(doc.sdkModules.some((m) => m.startsWith("@pulumi/aws/sagemaker"))).toBe(true);
        expect(doc.sdkModules.filter((m) => /^@pulumi\/(gcp|azure-native|kubernetes)\//.test(m))).toEqual([]);
        // Submodules only: the package root would load every AWS service.
        expect(doc.sdkModules).not.toContain("@pulumi/aws");
        expect(doc.sdkModules.filter((m) => m.startsWith("@pulumi/aws/") && m.split("/").length === 3).length).toBeLessThan(15);
    });
});

describe("SageMaker on the prod stack", () => {
    let doc: PlanDocument;
    beforeAll(() => {
        doc = planJson(["--stack", "prod"]).doc;
    });

    it("protects the stateful resources and keeps the bucket from force-destroy", () => {
        const protectedTypes = doc.resources.filter((r) => r.options.protect).map((r) => r.type).sort();
        expect(protectedTypes).toEqual(["aws:cloudwatch/logGroup:LogGroup", "aws:ecr/repository:Repository", "aws:s3/bucket:Bucket"]);
        expect(one(doc, "aws:s3/bucket:Bucket").inputs.forceDestroy).toBe(false);
        // Kept even if the stack is destroyed with protection lifted: the model artifacts outlive the service.
        expect(one(doc, "aws:s3/bucket:Bucket").options.retainOnDelete).toBe(true);
    });

    it("sizes for production: two instances at least, medium instances, a year of logs", () => {
        const variant = (one(doc, "aws:sagemaker/endpointConfiguration:EndpointConfiguration").inputs.productionVariants as any[])[0];
        expect(variant).toMatchObject({ instanceType: "ml.m5.xlarge", initialInstanceCount: 2 });
        expect(one(doc, "aws:appautoscaling/target:Target").inputs).toMatchObject({ minCapacity: 2, maxCapacity: 6 });
        expect(one(doc, "aws:cloudwatch/logGroup:LogGroup").inputs.retentionInDays).toBe(365);
        expect(doc.violations).toEqual([]);
    });
});

describe("SageMaker with secrets, a built image, a compressed artifact and allowed CIDRs", () => {
    let doc: PlanDocument;
    const secretValue = "hf-offline-test-value-0042";
    beforeAll(() => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "model-"));
        const tarball = path.join(dir, "model.tar.gz");
        fs.writeFileSync(tarball, zlib.gzipSync(Buffer.from("a tiny model")));
        doc = planJson([
            "--stack", "dev",
            "--config", `modelArtifact=${tarball}`,
            // Outside the project: allowed only through the allow-listed folder.
            "--config", `modelArtifactRoot=${dir}`,
            "--config", "image=",
            "--config", "imageBuildContext=test/fixtures/server",
            "--config", 'secrets=["hfToken"]',
            "--config", 'allowedCidrs=["10.20.0.0/16"]',
            "--config", "gpu=t4",
            "--secret", `hfToken=${secretValue}`,
        ]).doc;
    });

    it("plans cleanly", () => {
        expect(doc.errors).toEqual([]);
        expect(doc.violations).toEqual([]);
    });

    it("stores the secret in Secrets Manager, marked secret, and hands the container only its ARN", () => {
        const secret = one(doc, "aws:secretsmanager/secret:Secret");
        const version = one(doc, "aws:secretsmanager/secretVersion:SecretVersion");
        expect(version.secretInputs).toContain("secretString");
        const model = one(doc, "aws:sagemaker/model:Model");
        expect((model.inputs.primaryContainer as any).environment.SECRET_HF_TOKEN_REF).toBe(secret.outputs.arn);
        expect(model.inputs.enableNetworkIsolation).toBe(false);
        expect(JSON.stringify(model.inputs)).not.toContain(secretValue);
        const read = statements(one(doc, "aws:iam/rolePolicy:RolePolicy").inputs.policy).find((s) => s.Sid === "ReadServingSecrets");
        expect(read).toEqual({ Sid: "ReadServingSecrets", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: [secret.outputs.arn] });
        expect(JSON.stringify(doc.config)).not.toContain(secretValue);
    });

    it("builds the image into a private, scanned, immutable, encrypted repository and pulls only from it", () => {
        const repo = one(doc, "aws:ecr/repository:Repository");
        expect(repo.inputs).toMatchObject({ imageTagMutability: "IMMUTABLE", imageScanningConfiguration: { scanOnPush: true }, encryptionConfigurations: [{ encryptionType: "KMS" }] });
        expect(one(doc, "aws:ecr/lifecyclePolicy:LifecyclePolicy").inputs.repository).toBe(repo.outputs.name);
        const image = one(doc, "docker:index/image:Image");
        expect(image.inputs.imageName).toMatch(new RegExp(`^${repo.outputs.repositoryUrl}:1-[0-9a-f]{12}$`));
        expect(image.secretInputs).toContain("registry.password");
        // No absolute path in the build inputs: a checkout elsewhere plans the same image (issue 15 item 6).
        expect(image.inputs.build).toMatchObject({ context: "test/fixtures/server" });
        expect(JSON.stringify(image.inputs)).not.toContain(PROJECT_DIR);
        expect(doc.outputs.imageUri).toBe(image.outputs.repoDigest);
        const pull = statements(one(doc, "aws:iam/rolePolicy:RolePolicy").inputs.policy).find((s) => s.Sid === "PullServingImage");
        expect(pull?.Resource).toBe(repo.outputs.arn);
    });

    it("uses the tarball as modelDataUrl and reads exactly that object", () => {
        const container = one(doc, "aws:sagemaker/model:Model").inputs.primaryContainer as any;
        expect(container.modelDataUrl).toBe(doc.outputs.artifactUri);
        expect(container.modelDataSource).toBeUndefined();
        const read = statements(one(doc, "aws:iam/rolePolicy:RolePolicy").inputs.policy).find((s) => s.Sid === "ReadModelArtifact");
        expect(read?.Resource).toMatch(/\/models\/iris\/1\/model\.tar\.gz$/);
    });

    it("runs on the GPU instance the accelerator maps to", () => {
        const variant = (one(doc, "aws:sagemaker/endpointConfiguration:EndpointConfiguration").inputs.productionVariants as any[])[0];
        expect(variant.instanceType).toBe("ml.g4dn.xlarge");
    });

    it("lets callers invoke only from the allowed CIDRs: a private range is matched on aws:VpcSourceIp, through a VPC endpoint", () => {
        const [invoke, ...more] = statements(one(doc, "aws:iam/policy:Policy").inputs.policy);
        expect(more).toEqual([]);
        expect(invoke?.Condition).toEqual({ Null: { "aws:SourceVpce": "false" }, IpAddress: { "aws:VpcSourceIp": ["10.20.0.0/16"] } });
    });
});

describe("SageMaker rollouts", () => {
    function deploymentConfig(doc: PlanDocument): any {
        return one(doc, "aws:sagemaker/endpoint:Endpoint").inputs.deploymentConfig;
    }

    it("updates blue/green all at once by default, baking for 10 minutes under three rollback alarms", () => {
        const { doc } = planJson(["--stack", "dev"]);
        const alarms = ofType(doc, "aws:cloudwatch/metricAlarm:MetricAlarm");
        expect(alarms.map((a) => [a.inputs.metricName, a.inputs.namespace, a.inputs.threshold]).sort()).toEqual([
            ["Invocation5XXErrors", "AWS/SageMaker", 5],
            ["InvocationModelErrors", "AWS/SageMaker", 5],
            ["ModelLatency", "AWS/SageMaker", 1_000_000],
        ]);
        for (const a of alarms) expect(a.inputs.dimensions).toEqual({ EndpointName: expect.stringMatching(/^iris-dev-[0-9a-f]{6}$/), VariantName: "primary" });
        const config = deploymentConfig(doc);
        // SageMaker gives up (and rolls back) 5 minutes before the provider's fixed 60-minute wait does (issue 15 item 3).
        expect(config.blueGreenUpdatePolicy).toEqual({ trafficRoutingConfiguration: { type: "ALL_AT_ONCE", waitIntervalInSeconds: 600 }, terminationWaitInSeconds: 600, maximumExecutionTimeoutInSeconds: 3300 });
        expect(config.autoRollbackConfiguration.alarms.map((a: { alarmName: string }) => a.alarmName).sort()).toEqual(alarms.map((a) => a.outputs.name).sort());
    });

    it("tells the alarm recipients through an encrypted SNS topic, when there are any", () => {
        const { doc } = planJson(["--stack", "dev", "--config", 'alarmEmails=["oncall@example.com"]']);
        const topic = one(doc, "aws:sns/topic:Topic");
        // A customer managed key CloudWatch may use: under alias/aws/sns no alarm reaches the topic (issue 15 item 13).
        const key = one(doc, "aws:kms/key:Key");
        expect(topic.inputs.kmsMasterKeyId).toBe(key.outputs.arn);
        expect(key.inputs.enableKeyRotation).toBe(true);
        expect(statements(key.inputs.policy)).toEqual([
            { Sid: "AccountAdministers", Effect: "Allow", Principal: { AWS: "arn:aws:iam::123456789012:root" }, Action: "kms:*", Resource: "*" },
            { Sid: "CloudWatchAlarmsPublish", Effect: "Allow", Principal: { Service: "cloudwatch.amazonaws.com" }, Action: ["kms:Decrypt", "kms:GenerateDataKey*"], Resource: "*" },
        ]);
        expect(doc.contract).toEqual([]);
        expect(one(doc, "aws:sns/topicSubscription:TopicSubscription").inputs).toMatchObject({ topic: topic.outputs.arn, protocol: "email", endpoint: "oncall@example.com" });
        for (const alarm of ofType(doc, "aws:cloudwatch/metricAlarm:MetricAlarm")) expect(alarm.inputs.alarmActions).toEqual([topic.outputs.arn]);
        expect(ofType(planJson(["--stack", "dev"]).doc, "aws:sns/topic:Topic")).toEqual([]);
    });

    it("refuses an alarm recipient that is not an email address, before anything is planned", () => {
        const { code, doc } = planJson(["--stack", "dev", "--config", 'alarmEmails=["oncall"]']);
        expect(code).toBe(2);
        expect(doc.errors.join("\n")).toMatch(/model-service:alarmEmails.*"oncall".*name@example\.com/);
        expect(doc.resources).toEqual([]);
    });

    it("shifts a canary, then the rest, and linear steps, as configured", () => {
        const canary = planJson(["--stack", "dev", "--config", "minReplicas=2", "--config", "rollout=canary", "--config", "rolloutStepPercent=20", "--config", "rolloutBakeMinutes=5", "--config", "alarmLatencyP99Ms=250"]).doc;
        expect(deploymentConfig(canary).blueGreenUpdatePolicy.trafficRoutingConfiguration).toEqual({ type: "CANARY", waitIntervalInSeconds: 300, canarySize: { type: "CAPACITY_PERCENT", value: 20 } });
        expect(ofType(canary, "aws:cloudwatch/metricAlarm:MetricAlarm").find((a) => a.inputs.metricName === "ModelLatency")?.inputs).toMatchObject({ extendedStatistic: "p99", threshold: 250_000 });
        const linear = planJson(["--stack", "dev", "--config", "minReplicas=2", "--config", "rollout=linear", "--config", "rolloutStepPercent=25", "--config", "rolloutBakeMinutes=5"]).doc;
        expect(deploymentConfig(linear).blueGreenUpdatePolicy.trafficRoutingConfiguration).toEqual({ type: "LINEAR", waitIntervalInSeconds: 300, linearStepSize: { type: "CAPACITY_PERCENT", value: 25 } });
    });

    it("refuses, before planning, a rollout SageMaker or the provider's 60-minute wait cannot take (issue 15 items 3, 4)", () => {
        const { code, doc } = planJson(["--stack", "dev", "--config", "rollout=linear"]);
        expect(code).toBe(2);
        const errors = doc.errors.join("\n");
        expect(errors).toMatch(/model-service:minReplicas\b.*1.*is too few for rollout linear on sagemaker.*set minReplicas to 2 or more/);
        expect(errors).toMatch(/model-service:rolloutBakeMinutes\b.*10.*with rollout linear at 10% takes up to 130 minutes.*at most 60 minutes.*lower rolloutBakeMinutes to 3 or less/);
        expect(doc.resources).toEqual([]);
    });
});

describe("SageMaker rollout check (after an update, the truth)", () => {
    it("checks the endpoint configuration this plan creates, and reads nothing in a plan", () => {
        const { doc } = planJson(["--stack", "dev"]);
        const config = one(doc, "aws:sagemaker/endpointConfiguration:EndpointConfiguration");
        expect(one(doc, "model-service:aws:SageMakerService").outputs.servingVersion).toBe(config.outputs.name);
        expect(doc.resources.filter((r) => r.type.startsWith("pulumi-nodejs:dynamic"))).toEqual([]);
    });
});
