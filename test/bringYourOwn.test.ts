import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import type { ModelServiceArgs } from "../components/contract";
import { validateServiceArgs } from "../components/validate";
import { PROJECT_DIR } from "./helpers/plan";
import { setUnitMocks } from "./helpers/unitMocks";

interface Registered {
    type: string;
    name: string;
    inputs: Record<string, any>;
}
const registered: Registered[] = [];
const settle = () => new Promise((resolve) => setTimeout(resolve, 200));
const of = (service: string, type: string) => registered.filter((r) => r.name.startsWith(`${service}-`) && r.type === type);

const ECS: ModelServiceArgs = {
    cloud: "aws",
    runtime: "ecs",
    region: "eu-west-1",
    model: { name: "churn", version: "3", artifact: { kind: "uri", uri: "s3://models-b/churn/3/model.tar.gz" } },
    image: { kind: "uri", uri: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/server:3" },
    projectDir: PROJECT_DIR,
};
const LOCAL_MODEL: ModelServiceArgs = { ...ECS, runtime: "sagemaker", model: { name: "churn", version: "3", artifact: { kind: "local", path: "examples/iris-onnx" } } };

const GCP_LOCAL_MODEL_ARGS = (artifactBucket: pulumi.Input<string>): ModelServiceArgs => ({
    cloud: "gcp",
    // gke: vertex also checks the bucket's region through getBucket, which these echoing mocks do not answer.
    runtime: "gke",
    region: "us-central1",
    model: { name: "iris", version: "1", artifact: { kind: "local", path: "examples/iris-onnx" } },
    image: { kind: "uri", uri: "us-docker.pkg.dev/vertex-ai/prediction/sklearn-cpu.1-3:latest" },
    gcp: { project: "my-ml-project", artifactBucket },
    projectDir: PROJECT_DIR,
});
const problemsOf = (args: ModelServiceArgs) => validateServiceArgs(args).problems.map((p) => `${p.field} ${JSON.stringify(p.value)}: ${p.message}`);

describe("resources the caller brings instead of the service creating them (issue 21, library)", () => {
    let ModelService: typeof import("../components/modelService").ModelService;
    let Vpc: typeof import("@pulumi/aws/ec2/vpc").Vpc;
    let Subnet: typeof import("@pulumi/aws/ec2/subnet").Subnet;
    let Bucket: typeof import("@pulumi/aws/s3/bucket").Bucket;
    let GcsBucket: typeof import("@pulumi/gcp/storage/bucket").Bucket;

    beforeAll(async () => {
        await setUnitMocks((args) => registered.push({ type: args.type, name: args.name, inputs: args.inputs }));
        ({ ModelService } = await import("../components/modelService"));
        ({ Vpc } = await import("@pulumi/aws/ec2/vpc"));
        ({ Subnet } = await import("@pulumi/aws/ec2/subnet"));
        ({ Bucket } = await import("@pulumi/aws/s3/bucket"));
        ({ Bucket: GcsBucket } = await import("@pulumi/gcp/storage/bucket"));
    });

    it("ecs runs in the caller's VPC and subnets, given as another resource's outputs: no network of its own", async () => {
        const vpc = new Vpc("caller-vpc", { cidrBlock: "10.20.0.0/16" });
        const subnets = [0, 1].map((i) => new Subnet(`caller-private-${i}`, { vpcId: vpc.id, cidrBlock: `10.20.${i}.0/24` }));
        const service = new ModelService("byo-net", { ...ECS, aws: { vpcId: vpc.id, privateSubnetIds: subnets.map((s) => s.id) } });
        const raw = await service.raw;
        await settle();

        for (const type of ["aws:ec2/vpc:Vpc", "aws:ec2/subnet:Subnet", "aws:ec2/natGateway:NatGateway", "aws:ec2/internetGateway:InternetGateway", "aws:ec2/routeTable:RouteTable", "aws:ec2/eip:Eip"]) {
            expect(of("byo-net", type), type).toEqual([]);
        }
        const groups = of("byo-net", "aws:ec2/securityGroup:SecurityGroup");
        expect(groups.map((g) => g.inputs.vpcId)).toEqual(["caller-vpc-id", "caller-vpc-id"]);
        const [ecsService] = of("byo-net", "aws:ecs/service:Service");
        expect(ecsService!.inputs.networkConfiguration.subnets).toEqual(["caller-private-0-id", "caller-private-1-id"]);
        expect(of("byo-net", "aws:lb/loadBalancer:LoadBalancer")[0]!.inputs.subnets).toEqual(["caller-private-0-id", "caller-private-1-id"]);
        expect(raw.runtime).toBe("ecs");
        if (raw.runtime === "ecs") expect(await new Promise((resolve) => raw.service.name.apply(resolve))).toBeDefined();
    });

    it("uploads a local model into the caller's bucket, under a folder of the service's own, and creates no bucket", async () => {
        const shared = new Bucket("team-models", { bucket: "team-models-shared" });
        const service = new ModelService("byo-bucket", { ...LOCAL_MODEL, aws: { artifactBucket: shared.bucket } });
        await service.raw;
        await settle();
        expect(of("byo-bucket", "aws:s3/bucket:Bucket")).toEqual([]);
        expect(registered.filter((r) => r.name.startsWith("byo-bucket-") && r.type.startsWith("aws:s3/bucket") && r.type !== "aws:s3/bucketObjectv2:BucketObjectv2")).toEqual([]);
        const uploads = of("byo-bucket", "aws:s3/bucketObjectv2:BucketObjectv2");
        expect(uploads.length).toBeGreaterThan(0);
        // The caller's bucket by its output; the folder is the service's stack-unique name.
        for (const upload of uploads) {
            expect(upload.inputs.bucket).toBe("team-models-shared");
            expect(upload.inputs.key).toMatch(/^models\/byo-bucket-[0-9a-f]{6}\/churn\/3\//);
        }
        const policy = JSON.parse(of("byo-bucket", "aws:iam/rolePolicy:RolePolicy")[0]!.inputs.policy) as { Statement: { Action: string | string[]; Resource: unknown }[] };
        const read = policy.Statement.filter((s) => [s.Action].flat().includes("s3:GetObject"));
        expect(JSON.stringify(read)).toContain("arn:aws:s3:::team-models-shared/models/byo-bucket-");
        expect(await new Promise((resolve) => service.artifactUri.apply(resolve))).toMatch(/^s3:\/\/team-models-shared\/models\/byo-bucket-[0-9a-f]{6}\/churn\/3\/$/);
    });

    it("gcp: uploads a local model into the caller's bucket, under a folder of the service's own, and creates no bucket", async () => {
        const shared = new GcsBucket("team-gcs", { name: "team-models-gcs", location: "US-CENTRAL1" });
        const service = new ModelService("byo-gcs", GCP_LOCAL_MODEL_ARGS(shared.name));
        await service.raw;
        await settle();
        expect(of("byo-gcs", "gcp:storage/bucket:Bucket")).toEqual([]);
        const uploads = of("byo-gcs", "gcp:storage/bucketObject:BucketObject");
        expect(uploads.length).toBeGreaterThan(0);
        for (const upload of uploads) {
            expect(upload.inputs.bucket).toBe("team-models-gcs");
            expect(upload.inputs.name).toMatch(/^models\/byo-gcs-[0-9a-f]{6}\/iris\/1\//);
        }
        // The serving identity reads only this service's folder of the shared bucket.
        const read = registered.find((r) => r.name === "byo-gcs-gcp-read-model")!.inputs;
        expect(read.bucket).toBe("team-models-gcs");
        expect(read.condition.expression).toMatch(/^resource\.name\.startsWith\("projects\/_\/buckets\/team-models-gcs\/objects\/models\/byo-gcs-[0-9a-f]{6}\/iris\/1\/"\)$/);
        expect(await new Promise((resolve) => service.artifactUri.apply(resolve))).toMatch(/^gs:\/\/team-models-gcs\/models\/byo-gcs-[0-9a-f]{6}\/iris\/1\/$/);

        expect(problemsOf(GCP_LOCAL_MODEL_ARGS("gs://team-models"))).toEqual([expect.stringMatching(/^gcp\.artifactBucket "gs:\/\/team-models": is not a Cloud Storage bucket name/)]);
        expect(problemsOf(GCP_LOCAL_MODEL_ARGS("google-models"))).toHaveLength(1);
        expect(problemsOf(GCP_LOCAL_MODEL_ARGS("team-models"))).toEqual([]);
        expect(problemsOf({ ...GCP_LOCAL_MODEL_ARGS("team-models"), model: { name: "iris", version: "1", artifact: { kind: "uri", uri: "gs://models-b/iris/1/" } } })).toEqual([
            'gcp.artifactBucket "team-models": is where a local model is uploaded, and the model is already at gs://models-b/iris/1/',
        ]);
    });

    it("checks plain ids and bucket names before any resource, and takes Outputs as given", () => {
        const badNetwork = problemsOf({ ...ECS, aws: { vpcId: "vpc-nope", privateSubnetIds: ["subnet-0123456789abcdef0", "sn-2"] } });
        expect(badNetwork).toEqual(['aws.vpcId "vpc-nope": is not a VPC id', 'aws.privateSubnetIds "sn-2": is not a subnet id']);
        expect(problemsOf({ ...ECS, aws: { vpcId: pulumi.output("vpc-from-elsewhere"), privateSubnetIds: [pulumi.output("a")] } })).toEqual([
            'aws.privateSubnetIds ["<output>"]: needs at least two subnets (two availability zones) with vpcId',
        ]);
        expect(problemsOf({ ...ECS, aws: { vpcId: pulumi.output("x"), privateSubnetIds: [pulumi.output("a"), pulumi.output("b")] } })).toEqual([]);

        expect(problemsOf({ ...LOCAL_MODEL, aws: { artifactBucket: "s3://team-models" } })).toEqual([
            expect.stringMatching(/^aws\.artifactBucket "s3:\/\/team-models": is not an S3 bucket name: 3-63 lowercase letters/),
        ]);
        expect(problemsOf({ ...LOCAL_MODEL, aws: { artifactBucket: "team-models--ol-s3" } })).toHaveLength(1);
        expect(problemsOf({ ...LOCAL_MODEL, aws: { artifactBucket: "team-models" } })).toEqual([]);
        expect(problemsOf({ ...LOCAL_MODEL, aws: { artifactBucket: pulumi.output("Not_Checked_Until_Known") } })).toEqual([]);
        expect(problemsOf({ ...ECS, aws: { artifactBucket: "team-models" } })).toEqual([
            'aws.artifactBucket "team-models": is where a local model is uploaded, and the model is already at s3://models-b/churn/3/model.tar.gz',
        ]);
        const thrown = (() => {
            try {
                new ModelService("byo-invalid", { ...LOCAL_MODEL, aws: { artifactBucket: "Team_Models" } });
            } catch (err) {
                return err as Error;
            }
            return undefined;
        })();
        expect(thrown?.message).toMatch(/aws\.artifactBucket = "Team_Models": is not an S3 bucket name.*Fix: give the bucket's name/);
        expect(registered.filter((r) => r.name.startsWith("byo-invalid"))).toEqual([]);
    });
});
