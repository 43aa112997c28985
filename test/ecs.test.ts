import * as fs from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { PlanDocument } from "../offline/engine";
import type { RecordedResource } from "../offline/recorder";
import { PROJECT_DIR, byName, ofType, one, planJson, statementsOf } from "./helpers/plan";

function statements(r: RecordedResource) {
    return statementsOf(r.inputs.policy);
}

function container(doc: PlanDocument): Record<string, any> {
    return (JSON.parse(String(one(doc, "aws:ecs/taskDefinition:TaskDefinition").inputs.containerDefinitions)) as Record<string, any>[])[0]!;
}

const INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule";

describe("ECS on the dev stack (runtime switched in config only)", () => {
    let doc: PlanDocument;
    let code: number | null;
    beforeAll(() => {
        ({ doc, code } = planJson(["--stack", "dev", "--config", "runtime=ecs"]));
    });

    it("plans cleanly", () => {
        expect(doc.errors).toEqual([]);
        expect(doc.violations).toEqual([]);
        expect(code).toBe(0);
        expect(doc.outputs.runtime).toBe("ecs");
    });

    it("creates a two-zone VPC: public subnets for the load balancer only, tasks in private subnets, one NAT", () => {
        const subnets = ofType(doc, "aws:ec2/subnet:Subnet").sort((a, b) => a.name.localeCompare(b.name));
        expect(subnets.map((s) => [s.name, s.inputs.cidrBlock, s.inputs.mapPublicIpOnLaunch])).toEqual([
            ["iris-ecs-private-0", "10.0.128.0/20", false],
            ["iris-ecs-private-1", "10.0.144.0/20", false],
            ["iris-ecs-public-0", "10.0.0.0/20", false],
            ["iris-ecs-public-1", "10.0.16.0/20", false],
        ]);
        // Standard zones only, though the account lists a Local Zone first (issue 15 item 9).
        expect(new Set(subnets.map((s) => s.inputs.availabilityZone))).toEqual(new Set(["us-east-1a", "us-east-1b"]));
        expect(ofType(doc, "aws:ec2/natGateway:NatGateway")).toHaveLength(1);
        const privateSubnetIds = subnets.filter((s) => s.name.includes("private")).map((s) => s.id); // private-0, private-1
        expect((one(doc, "aws:ecs/service:Service").inputs.networkConfiguration as any)).toEqual({ subnets: privateSubnetIds, securityGroups: [byName(doc, "aws:ec2/securityGroup:SecurityGroup", "iris-ecs-tasks").id], assignPublicIp: false });
    });

    it("keeps the load balancer internal and open to the VPC only, and tasks to the load balancer only", () => {
        const lb = one(doc, "aws:lb/loadBalancer:LoadBalancer");
        expect(lb.inputs).toMatchObject({ internal: true, dropInvalidHeaderFields: true });
        const rules = [...ofType(doc, INGRESS), ...ofType(doc, EGRESS)];
        expect(rules.some((r) => r.type === INGRESS && r.inputs.cidrIpv4 === "0.0.0.0/0")).toBe(false);
        const lbSg = byName(doc, "aws:ec2/securityGroup:SecurityGroup", "iris-ecs-lb").id;
        const taskSg = byName(doc, "aws:ec2/securityGroup:SecurityGroup", "iris-ecs-tasks").id;
        expect(byName(doc, INGRESS, "iris-ecs-lb-in-80-0").inputs).toMatchObject({ securityGroupId: lbSg, cidrIpv4: "10.0.0.0/16", fromPort: 80, toPort: 80 });
        expect(byName(doc, INGRESS, "iris-ecs-tasks-in").inputs).toMatchObject({ securityGroupId: taskSg, referencedSecurityGroupId: lbSg, fromPort: 8080, toPort: 8080 });
        expect(ofType(doc, INGRESS).filter((r) => r.inputs.securityGroupId === taskSg)).toHaveLength(1);
        expect(doc.outputs.invoke).toMatchObject({ auth: "none", reachability: "private-network" });
        expect(doc.outputs.endpointUrl).toMatch(/^http:\/\/internal-.*\.elb\.amazonaws\.com\/invocations$/);
    });

    it("health-checks the serving contract's route and forwards HTTP", () => {
        expect(one(doc, "aws:lb/targetGroup:TargetGroup").inputs).toMatchObject({ targetType: "ip", port: 8080, protocol: "HTTP", healthCheck: { path: "/ping", matcher: "200" } });
        expect(ofType(doc, "aws:lb/listener:Listener").map((l) => [l.inputs.port, l.inputs.protocol, (l.inputs.defaultActions as any[])[0].type])).toEqual([[80, "HTTP", "forward"]]);
    });

    it("runs a Fargate task sized from the portable size, read-only, logging to CloudWatch with retention", () => {
        const task = one(doc, "aws:ecs/taskDefinition:TaskDefinition");
        expect(task.inputs).toMatchObject({ requiresCompatibilities: ["FARGATE"], networkMode: "awsvpc", cpu: "2048", memory: "8192" });
        const c = container(doc);
        expect(c).toMatchObject({ readonlyRootFilesystem: true, portMappings: [{ containerPort: 8080, protocol: "tcp" }], essential: true });
        expect(c.logConfiguration).toEqual({ logDriver: "awslogs", options: { "awslogs-group": one(doc, "aws:cloudwatch/logGroup:LogGroup").outputs.name, "awslogs-region": "us-east-1", "awslogs-stream-prefix": "model-server" } });
        expect(one(doc, "aws:cloudwatch/logGroup:LogGroup").inputs.retentionInDays).toBe(7);
        expect(c.environment).toEqual(expect.arrayContaining([{ name: "MODEL_URI", value: doc.outputs.artifactUri }, { name: "PREDICT_ROUTE", value: "/invocations" }]));
        expect(c.secrets).toEqual([]);
    });

    it("gives the non-root reference server a writable /tmp: the image declares every mounted path a VOLUME (issue 15 item 12)", () => {
        const c = container(doc);
        const task = one(doc, "aws:ecs/taskDefinition:TaskDefinition");
        expect(c.mountPoints).toEqual([{ sourceVolume: "tmp", containerPath: "/tmp", readOnly: false }]);
        expect(task.inputs.volumes).toEqual([{ name: "tmp" }]);
        // Without VOLUME, Fargate mounts a root-owned 0755 directory and the model download fails.
        const dockerfile = fs.readFileSync(path.join(PROJECT_DIR, "serving", "Dockerfile"), "utf8");
        const volumes = [...dockerfile.matchAll(/^VOLUME\s+\[([^\]]*)\]/gm)].flatMap((m) => JSON.parse(`[${m[1]}]`) as string[]);
        for (const mount of c.mountPoints as { containerPath: string }[]) expect(volumes).toContain(mount.containerPath);
        // The image's own cache and model directories sit under it.
        expect(dockerfile).toMatch(/MODEL_CACHE_DIR=\/tmp\//);
        expect(dockerfile).toMatch(/^USER nonroot$/m);
    });

    it("scopes the task role to the model prefix and the execution role to the image repository and log group", () => {
        const taskPolicy = statements(byName(doc, "aws:iam/rolePolicy:RolePolicy", "iris-ecs-task-role-policy"));
        expect(taskPolicy.map((s) => s.Sid)).toEqual(["ReadModelArtifact", "ListModelPrefix", "PutServingMetrics"]);
        const execution = statements(byName(doc, "aws:iam/rolePolicy:RolePolicy", "iris-ecs-execution-role-policy"));
        expect(execution.map((s) => s.Sid)).toEqual(["PullServingImage", "GetRegistryToken", "WriteServingLogs"]);
        for (const s of [...taskPolicy, ...execution]) for (const a of [s.Action].flat()) expect(a).not.toContain("*");
        for (const role of ofType(doc, "aws:iam/role:Role")) expect(JSON.parse(String(role.inputs.assumeRolePolicy)).Statement[0].Principal).toEqual({ Service: "ecs-tasks.amazonaws.com" });
    });

    it("deploys with zero downtime and rolls back on failure", () => {
        const service = one(doc, "aws:ecs/service:Service");
        expect(service.inputs).toMatchObject({
            launchType: "FARGATE",
            desiredCount: 1,
            deploymentCircuitBreaker: { enable: true, rollback: true },
            deploymentMinimumHealthyPercent: 100,
            deploymentMaximumPercent: 200,
        });
        expect(service.options.ignoreChanges).toEqual(["desiredCount"]);
        expect(service.options.replacementTrigger).toBeUndefined();
        expect(one(doc, "aws:lb/loadBalancer:LoadBalancer").options.retainOnDelete).toBe(false);
        const alarmNames = ofType(doc, "aws:cloudwatch/metricAlarm:MetricAlarm").filter((a) => a.inputs.namespace === "AWS/ApplicationELB").map((a) => a.outputs.name);
        expect((service.inputs.alarms as any).enable).toBe(true);
        expect((service.inputs.alarms as any).rollback).toBe(true);
        expect([...(service.inputs.alarms as any).alarmNames].sort()).toEqual([...alarmNames].sort());
        expect(ofType(doc, "aws:cloudwatch/metricAlarm:MetricAlarm").find((a) => a.inputs.metricName === "TargetResponseTime")?.inputs.threshold).toBe(1);
    });

    it("scales between min and max on CPU and on requests per target, and alarms on 5xx and p99 latency", () => {
        expect(one(doc, "aws:appautoscaling/target:Target").inputs).toMatchObject({ serviceNamespace: "ecs", scalableDimension: "ecs:service:DesiredCount", minCapacity: 1, maxCapacity: 2 });
        const policies = ofType(doc, "aws:appautoscaling/policy:Policy")
            .sort((a, b) => a.name.localeCompare(b.name))
            .map((p) => p.inputs.targetTrackingScalingPolicyConfiguration as any);
        expect(policies.map((p) => [p.predefinedMetricSpecification.predefinedMetricType, p.targetValue])).toEqual([
            ["ECSServiceAverageCPUUtilization", 60],
            ["ALBRequestCountPerTarget", 600],
        ]);
        const lb = one(doc, "aws:lb/loadBalancer:LoadBalancer");
        const tg = one(doc, "aws:lb/targetGroup:TargetGroup");
        expect(policies[1].predefinedMetricSpecification.resourceLabel).toBe(`${lb.outputs.arnSuffix}/${tg.outputs.arnSuffix}`);
        expect(ofType(doc, "aws:cloudwatch/metricAlarm:MetricAlarm").map((a) => a.inputs.metricName).sort()).toEqual(["HTTPCode_Target_5XX_Count", "RunningTaskCount", "TargetResponseTime"]);
        const service = one(doc, "aws:ecs/service:Service");
        expect(byName(doc, "aws:cloudwatch/metricAlarm:MetricAlarm", "iris-ecs-no-tasks").inputs).toMatchObject({
            namespace: "ECS/ContainerInsights",
            dimensions: { ClusterName: one(doc, "aws:ecs/cluster:Cluster").outputs.name, ServiceName: service.outputs.name },
            comparisonOperator: "LessThanThreshold",
            threshold: 1,
            treatMissingData: "breaching",
        });
    });
});

describe("ECS scaled to zero", () => {
    it("runs no task when idle, does not alarm on it, and starts one when requests arrive (issue 15 item 17)", () => {
        const { doc } = planJson(["--stack", "dev", "--config", "runtime=ecs", "--config", "minReplicas=0"]);
        expect(doc.errors).toEqual([]);
        expect(doc.violations).toEqual([]);
        expect(doc.contract).toEqual([]);
        expect(one(doc, "aws:ecs/service:Service").inputs.desiredCount).toBe(0);
        const alarms = ofType(doc, "aws:cloudwatch/metricAlarm:MetricAlarm");
        expect(alarms.map((a) => a.inputs.metricName).filter(Boolean).sort()).toEqual(["HTTPCode_Target_5XX_Count", "TargetResponseTime"]);
        // Target tracking has nothing to track at zero tasks: a step policy, fired by requests while none runs, starts one.
        const step = byName(doc, "aws:appautoscaling/policy:Policy", "iris-ecs-scale-from-zero");
        const target = one(doc, "aws:appautoscaling/target:Target");
        expect(step.inputs).toMatchObject({ policyType: "StepScaling", resourceId: target.outputs.resourceId ?? target.inputs.resourceId, stepScalingPolicyConfiguration: { adjustmentType: "ExactCapacity", stepAdjustments: [{ metricIntervalLowerBound: "0", scalingAdjustment: 1 }] } });
        const wake = alarms.find((a) => a.name === "iris-ecs-requests-while-idle")!;
        expect(wake.inputs.alarmActions).toEqual([step.outputs.arn]);
        const queries = wake.inputs.metricQueries as any[];
        expect(queries.map((q) => q.metric?.metricName ?? q.expression)).toEqual(["RequestCount", "RunningTaskCount", "IF(FILL(requests, 0) > 0 AND FILL(tasks, 0) < 1, 1, 0)"]);
        expect(queries[0].metric.dimensions).toEqual({ LoadBalancer: one(doc, "aws:lb/loadBalancer:LoadBalancer").outputs.arnSuffix });
        // With a floor of one task, target tracking alone is enough.
        const { doc: floor } = planJson(["--stack", "dev", "--config", "runtime=ecs"]);
        expect(ofType(floor, "aws:appautoscaling/policy:Policy").map((p) => p.name)).not.toContain("iris-ecs-scale-from-zero");
    });
});

describe("ECS on the prod stack", () => {
    let doc: PlanDocument;
    beforeAll(() => {
        doc = planJson(["--stack", "prod", "--config", "runtime=ecs"]).doc;
    });

    it("runs one NAT gateway per zone and protects the stateful resources", () => {
        expect(doc.violations).toEqual([]);
        expect(ofType(doc, "aws:ec2/natGateway:NatGateway")).toHaveLength(2);
        expect(new Set(ofType(doc, "aws:ec2/routeTable:RouteTable").filter((r) => r.name.includes("private")).map((r) => (r.inputs.routes as any[])[0].natGatewayId)).size).toBe(2);
        expect(doc.resources.filter((r) => r.options.protect).map((r) => r.type).sort()).toEqual(["aws:cloudwatch/logGroup:LogGroup", "aws:ecr/repository:Repository", "aws:s3/bucket:Bucket"]);
        const lb = one(doc, "aws:lb/loadBalancer:LoadBalancer");
        expect(lb.inputs.enableDeletionProtection).toBe(true);
        // Toggling public replaces it; AWS refuses to delete a protected one, so the old one is kept, not failed on (issue 15 item 11).
        expect(lb.options.retainOnDelete).toBe(true);
        expect(one(doc, "aws:ecs/taskDefinition:TaskDefinition").inputs).toMatchObject({ cpu: "4096", memory: "16384" });
        expect(one(doc, "aws:ecs/service:Service").inputs.desiredCount).toBe(2);
    });
});

describe("ECS public, with HTTPS, secrets, VPC endpoints", () => {
    let doc: PlanDocument;
    const secretValue = "offline-ecs-secret-value-77";
    beforeAll(() => {
        doc = planJson([
            "--stack", "dev",
            "--config", "runtime=ecs",
            "--config", "public=true",
            "--config", 'allowedCidrs=["203.0.113.0/24"]',
            "--config", "awsCertificateArn=arn:aws:acm:us-east-1:123456789012:certificate/12345678-1234-1234-1234-123456789012",
            "--config", "awsEgress=endpoints",
            "--config", 'secrets=["hfToken"]',
            "--secret", `hfToken=${secretValue}`,
        ]).doc;
    });

    it("plans cleanly", () => {
        expect(doc.errors).toEqual([]);
        expect(doc.violations).toEqual([]);
    });

    it("puts an internet-facing load balancer in the public subnets, open to the allowed CIDRs only, on 443 and 80", () => {
        const lb = one(doc, "aws:lb/loadBalancer:LoadBalancer");
        const publicIds = ofType(doc, "aws:ec2/subnet:Subnet").filter((s) => s.name.includes("public")).map((s) => s.id);
        expect(lb.inputs.internal).toBe(false);
        expect([...(lb.inputs.subnets as string[])].sort()).toEqual(publicIds.sort());
        const lbSg = byName(doc, "aws:ec2/securityGroup:SecurityGroup", "iris-ecs-lb").id;
        expect(ofType(doc, INGRESS).filter((r) => r.inputs.securityGroupId === lbSg).map((r) => [r.inputs.cidrIpv4, r.inputs.fromPort]).sort()).toEqual([
            ["203.0.113.0/24", 443],
            ["203.0.113.0/24", 80],
        ]);
        expect(doc.outputs.invoke).toMatchObject({ reachability: "internet" });
        expect(doc.outputs.endpointUrl).toMatch(/^https:\/\//);
    });

    it("serves HTTPS with a modern TLS policy and redirects HTTP", () => {
        const listeners = ofType(doc, "aws:lb/listener:Listener").map((l) => l.inputs as any).sort((a, b) => b.port - a.port);
        expect(listeners[0]).toMatchObject({ port: 443, protocol: "HTTPS", sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06", certificateArn: expect.stringMatching(/^arn:aws:acm:/) });
        expect(listeners[1]).toMatchObject({ port: 80, protocol: "HTTP", defaultActions: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }] });
    });

    it("hands secrets over through valueFrom only, readable by the execution role alone", () => {
        const secret = one(doc, "aws:secretsmanager/secret:Secret");
        const c = container(doc);
        expect(c.secrets).toEqual([{ name: "SECRET_HF_TOKEN", valueFrom: secret.outputs.arn }]);
        expect(JSON.stringify(c.environment)).not.toContain(secretValue);
        expect(JSON.stringify(doc.resources.filter((r) => r.type !== "aws:secretsmanager/secretVersion:SecretVersion"))).not.toContain(secretValue);
        const execution = statements(byName(doc, "aws:iam/rolePolicy:RolePolicy", "iris-ecs-execution-role-policy"));
        expect(execution.find((s) => s.Sid === "ReadServingSecrets")?.Resource).toEqual([secret.outputs.arn]);
        expect(statements(byName(doc, "aws:iam/rolePolicy:RolePolicy", "iris-ecs-task-role-policy")).some((s) => s.Sid === "ReadServingSecrets")).toBe(false);
    });

    it("reaches ECR, S3, logs and Secrets Manager through VPC endpoints, with no NAT", () => {
        expect(ofType(doc, "aws:ec2/natGateway:NatGateway")).toEqual([]);
        expect(ofType(doc, "aws:ec2/vpcEndpoint:VpcEndpoint").map((e) => [e.inputs.serviceName, e.inputs.vpcEndpointType]).sort()).toEqual([
            ["com.amazonaws.us-east-1.ecr.api", "Interface"],
            ["com.amazonaws.us-east-1.ecr.dkr", "Interface"],
            ["com.amazonaws.us-east-1.logs", "Interface"],
            ["com.amazonaws.us-east-1.s3", "Gateway"],
            ["com.amazonaws.us-east-1.secretsmanager", "Interface"],
        ]);
    });
});

describe("ECS in your own VPC", () => {
    it("creates no network, uses the given subnets and opens the internal load balancer to the VPC's range", () => {
        const { doc } = planJson([
            "--stack", "dev",
            "--config", "runtime=ecs",
            "--config", "awsVpcId=vpc-0123456789abcdef0",
            "--config", 'awsPrivateSubnetIds=["subnet-0123456789abcdef0","subnet-0123456789abcdef1"]',
        ]);
        expect(doc.violations).toEqual([]);
        expect(ofType(doc, "aws:ec2/vpc:Vpc")).toEqual([]);
        expect(ofType(doc, "aws:ec2/subnet:Subnet")).toEqual([]);
        expect(one(doc, "aws:lb/loadBalancer:LoadBalancer").inputs.subnets).toEqual(["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]);
        expect(byName(doc, INGRESS, "iris-ecs-lb-in-80-0").inputs.cidrIpv4).toBe("10.1.0.0/16");
    });
});

describe("ECS canary and linear rollouts (ECS native traffic shifting)", () => {
    let doc: PlanDocument;
    beforeAll(() => {
        doc = planJson(["--stack", "prod", "--config", "runtime=ecs", "--config", "rollout=canary", "--config", "rolloutStepPercent=20", "--config", "rolloutBakeMinutes=15"]).doc;
    });

    it("plans cleanly", () => {
        expect(doc.errors).toEqual([]);
        expect(doc.violations).toEqual([]);
    });

    it("shifts a canary share of the traffic, bakes, then the rest, and still rolls back on alarms and failed starts", () => {
        const service = one(doc, "aws:ecs/service:Service");
        expect(service.inputs.deploymentConfiguration).toEqual({ strategy: "CANARY", bakeTimeInMinutes: "15", canaryConfiguration: { canaryPercent: 20, canaryBakeTimeInMinutes: "15" } });
        expect(service.inputs).toMatchObject({ deploymentCircuitBreaker: { enable: true, rollback: true }, alarms: { enable: true, rollback: true } });
        expect(service.options.ignoreChanges).toEqual(["desiredCount", "loadBalancers"]);
        // Task start, three 15-minute bakes, a rollback: beyond the provider's 20-minute default (issue 15 item 2).
        expect(service.options.customTimeouts).toEqual({ create: "65m", update: "65m" });
        // A switch from or to traffic shifting replaces the service, since ignoreChanges keeps loadBalancers (issue 15 item 20).
        expect(service.options.replacementTrigger).toBe("ecs-traffic-shifting");
    });

    it("gives ECS an alternate target group, a production rule to reweigh and a role to do it with", () => {
        const service = one(doc, "aws:ecs/service:Service");
        const [primary, alternate] = ["iris-ecs-targets", "iris-ecs-targets-alt"].map((n) => byName(doc, "aws:lb/targetGroup:TargetGroup", n)) as [RecordedResource, RecordedResource];
        const rule = one(doc, "aws:lb/listenerRule:ListenerRule");
        const role = byName(doc, "aws:iam/role:Role", "iris-ecs-traffic-role");
        expect((service.inputs.loadBalancers as any[])[0]).toMatchObject({
            targetGroupArn: primary.outputs.arn,
            advancedConfiguration: { alternateTargetGroupArn: alternate.outputs.arn, productionListenerRule: rule.outputs.arn, roleArn: role.outputs.arn },
        });
        expect(rule.inputs).toMatchObject({ listenerArn: one(doc, "aws:lb/listener:Listener").outputs.arn, conditions: [{ pathPattern: { values: ["/*"] } }] });
        expect((rule.inputs.actions as any[])[0].forward.targetGroups).toEqual([
            { arn: primary.outputs.arn, weight: 100 },
            { arn: alternate.outputs.arn, weight: 0 },
        ]);
        expect(rule.options.ignoreChanges).toEqual(["actions"]);
        expect(JSON.parse(String(role.inputs.assumeRolePolicy)).Statement[0].Principal).toEqual({ Service: "ecs.amazonaws.com" });
        expect(one(doc, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").inputs).toEqual({ role: role.outputs.name, policyArn: "arn:aws:iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers" });
        expect((one(doc, "aws:lb/listener:Listener").inputs.defaultActions as any[])[0]).toMatchObject({ type: "fixed-response", fixedResponse: { statusCode: "404" } });
    });

    it("watches and scales on the whole load balancer, since the serving target group swaps with each deployment", () => {
        const lb = one(doc, "aws:lb/loadBalancer:LoadBalancer");
        const lbAlarms = ofType(doc, "aws:cloudwatch/metricAlarm:MetricAlarm").filter((a) => a.inputs.namespace === "AWS/ApplicationELB");
        expect(lbAlarms).toHaveLength(2);
        for (const alarm of lbAlarms) expect(alarm.inputs.dimensions).toEqual({ LoadBalancer: lb.outputs.arnSuffix });
        const requests = byName(doc, "aws:appautoscaling/policy:Policy", "iris-ecs-scale-on-requests").inputs.targetTrackingScalingPolicyConfiguration as any;
        expect(requests.predefinedMetricSpecification).toBeUndefined();
        expect(requests.customizedMetricSpecification.metrics.map((m: any) => m.expression ?? `${m.metricStat.metric.namespace}/${m.metricStat.metric.metricName}`)).toEqual([
            "AWS/ApplicationELB/RequestCount",
            "ECS/ContainerInsights/RunningTaskCount",
            "requests / tasks",
        ]);
        expect(requests.customizedMetricSpecification.metrics[0].metricStat.metric.dimensions).toEqual([{ name: "LoadBalancer", value: lb.outputs.arnSuffix }]);
    });

    it("steps linearly on the HTTPS listener when a certificate is set", () => {
        const linear = planJson([
            "--stack", "dev", "--config", "runtime=ecs", "--config", "rollout=linear", "--config", "rolloutStepPercent=25", "--config", "rolloutBakeMinutes=5",
            "--config", "awsCertificateArn=arn:aws:acm:us-east-1:123456789012:certificate/12345678-1234-1234-1234-123456789012",
        ]).doc;
        expect(one(linear, "aws:ecs/service:Service").inputs.deploymentConfiguration).toEqual({ strategy: "LINEAR", bakeTimeInMinutes: "5", linearConfiguration: { stepPercent: 25, stepBakeTimeInMinutes: "5" } });
        const https = ofType(linear, "aws:lb/listener:Listener").find((l) => l.inputs.port === 443)!;
        expect(one(linear, "aws:lb/listenerRule:ListenerRule").inputs.listenerArn).toBe(https.outputs.arn);
    });

    it("refuses a linear step ECS cannot take, naming the key and the fix", () => {
        const { code, doc: refused } = planJson(["--stack", "dev", "--config", "runtime=ecs", "--config", "rollout=linear", "--config", "rolloutStepPercent=2"]);
        expect(code).toBe(2);
        expect(refused.errors.join("\n")).toMatch(/model-service:rolloutStepPercent.*2.*3 or more/);
        expect(refused.resources).toEqual([]);
    });
});

describe("ECS rollout check (after an update, the truth)", () => {
    it("checks the task definition this plan registers, and reads nothing in a plan", () => {
        const { doc } = planJson(["--stack", "dev", "--config", "runtime=ecs"]);
        expect(one(doc, "model-service:aws:EcsService").outputs.servingVersion).toBe(one(doc, "aws:ecs/taskDefinition:TaskDefinition").outputs.arn);
    });
});

