import { describe, expect, it } from "vitest";
import { invokerStatements, isPrivateCidr } from "../providers/aws/invokerPolicy";

const ARN = "arn:aws:sagemaker:us-east-1:123456789012:endpoint/iris-dev-1a2b3c";
const statementsFor = (isPublic: boolean, allowedCidrs: string[]) => invokerStatements({ network: { public: isPublic, allowedCidrs } }, ARN);

describe("SageMaker invoker policy by network (issue 15 item 15)", () => {
    it("tells private ranges from public ones", () => {
        expect(["10.20.0.0/16", "172.31.0.0/16", "192.168.1.0/24", "100.64.0.0/16", "fd00::/8"].map(isPrivateCidr)).toEqual([true, true, true, true, true]);
        expect(["203.0.113.0/24", "172.32.0.0/16", "8.0.0.0/4", "2001:db8::/32"].map(isPrivateCidr)).toEqual([false, false, false, false]);
    });

    it("public with mixed networks: public addresses on aws:SourceIp, private ones on aws:VpcSourceIp through an endpoint", () => {
        expect(statementsFor(true, ["203.0.113.0/24", "10.20.0.0/16"]).map((s) => s.Condition)).toEqual([
            { IpAddress: { "aws:SourceIp": ["203.0.113.0/24"] } },
            { Null: { "aws:SourceVpce": "false" }, IpAddress: { "aws:VpcSourceIp": ["10.20.0.0/16"] } },
        ]);
    });

    it("public without networks: IAM alone decides", () => {
        expect(statementsFor(true, [])).toEqual([{ Sid: "InvokeFromAnywhere", Effect: "Allow", Action: "sagemaker:InvokeEndpoint", Resource: ARN }]);
    });

    it("private: every statement requires a VPC endpoint, and no statement matches aws:SourceIp", () => {
        for (const cidrs of [[], ["10.0.0.0/16"], ["203.0.113.0/24"]]) {
            const statements = statementsFor(false, cidrs);
            expect(statements.length).toBeGreaterThan(0);
            for (const s of statements) {
                expect((s.Condition as any).Null).toEqual({ "aws:SourceVpce": "false" });
                expect(JSON.stringify(s)).not.toContain("aws:SourceIp");
            }
        }
    });
});
