import { describe, expect, it } from "vitest";
import { awsDnsSuffix, awsPartition } from "../providers/aws/partition";
import { byName, one, planJson, statementsOf } from "./helpers/plan";

describe("ARNs carry the region's partition (issue 15 item 10)", () => {
    it("maps every region pattern the validator admits to its partition", () => {
        expect(["us-east-1", "eu-west-3", "ap-southeast-2"].map(awsPartition)).toEqual(["aws", "aws", "aws"]);
        expect(awsPartition("cn-north-1")).toBe("aws-cn");
        expect(awsPartition("us-gov-west-1")).toBe("aws-us-gov");
        expect(awsPartition("us-iso-east-1")).toBe("aws-iso");
        expect(awsPartition("us-isob-east-1")).toBe("aws-iso-b");
        expect(awsDnsSuffix("cn-northwest-1")).toBe("amazonaws.com.cn");
        expect(awsDnsSuffix("us-gov-east-1")).toBe("amazonaws.com");
    });

    it("ecs in China: the traffic role's managed policy and an existing bucket's ARN are aws-cn ARNs", () => {
        const { doc } = planJson(["--stack", "dev", "--config", "aws:region=cn-north-1", "--config", "runtime=ecs", "--config", "rollout=canary", "--config", "modelArtifact=s3://models-cn/iris/1/"]);
        expect(doc.errors).toEqual([]);
        expect(one(doc, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").inputs.policyArn).toBe("arn:aws-cn:iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers");
        const task = byName(doc, "aws:iam/rolePolicy:RolePolicy", "iris-ecs-task-role-policy");
        const read = statementsOf(task.inputs.policy).find((s) => s.Sid === "ListModelPrefix");
        expect(read?.Resource).toBe("arn:aws-cn:s3:::models-cn");
        expect(JSON.stringify(doc.resources.map((r) => r.inputs))).not.toMatch(/"arn:aws:/);
    });

    it("sagemaker in GovCloud: the alarm key's administrator and the artifact ARN are aws-us-gov ARNs", () => {
        const { doc } = planJson(["--stack", "dev", "--config", "aws:region=us-gov-west-1", "--config", "modelArtifact=s3://models-gov/iris/1/model.tar.gz", "--config", 'alarmEmails=["oncall@example.com"]']);
        expect(doc.errors).toEqual([]);
        const [admin] = statementsOf(one(doc, "aws:kms/key:Key").inputs.policy);
        expect(admin?.Principal).toEqual({ AWS: "arn:aws-us-gov:iam::123456789012:root" });
        const read = statementsOf(one(doc, "aws:iam/rolePolicy:RolePolicy").inputs.policy).find((s) => s.Sid === "ReadModelArtifact");
        expect(read?.Resource).toBe("arn:aws-us-gov:s3:::models-gov/iris/1/model.tar.gz");
        expect(JSON.stringify(doc.resources.map((r) => r.inputs))).not.toMatch(/"arn:aws:/);
    });
});
