import type * as http from "node:http";
import { describe, expect, it } from "vitest";
import { assumedRoles, verifyEcsRollout } from "../providers/aws/rolloutCheck";
import { LoopbackServer, serveDuringTests } from "./helpers/loopbackServer";

// The rollout check reads with the identity the aws provider deploys with: aws:assumeRoles are assumed in
// order, each with the credentials of the one before. A loopback fake of STS (query protocol, XML) and ECS
// (JSON) records which access key signed each request; the real SDK signs and parses.

const REGION = "eu-west-1";
const TASK = `arn:aws:ecs:${REGION}:123456789012:task-definition/iris-prod:8`;

interface Seen {
    action: string;
    accessKey: string;
    sessionToken?: string;
    form: URLSearchParams;
}

class FakeStsAndEcs extends LoopbackServer {
    readonly seen: Seen[] = [];
    private issued = 0;
    reset(): void {
        this.seen.length = 0;
        this.issued = 0;
    }

    protected handle(req: http.IncomingMessage, res: http.ServerResponse, raw: string): void {
        const accessKey = /Credential=([^/]+)\//.exec(String(req.headers.authorization ?? ""))?.[1] ?? "";
        const sessionToken = req.headers["x-amz-security-token"] as string | undefined;
        if (req.headers["x-amz-target"]) {
            this.seen.push({ action: String(req.headers["x-amz-target"]), accessKey, sessionToken, form: new URLSearchParams() });
            res.writeHead(200, { "content-type": "application/x-amz-json-1.1" });
            const deployment = { id: "ecs-svc/1", status: "PRIMARY", taskDefinition: TASK, rolloutState: "COMPLETED", desiredCount: 1, runningCount: 1 };
            res.end(JSON.stringify({ services: [{ serviceName: "svc", status: "ACTIVE", taskDefinition: TASK, deployments: [deployment], events: [] }], failures: [] }));
            return;
        }
        const form = new URLSearchParams(raw);
        this.seen.push({ action: form.get("Action") ?? "", accessKey, sessionToken, form });
        this.issued++;
        res.writeHead(200, { "content-type": "text/xml" });
        res.end(`<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials>
<AccessKeyId>ASIAROLE${this.issued}EXAMPLE</AccessKeyId><SecretAccessKey>role-${this.issued}-secret-not-real</SecretAccessKey>
<SessionToken>session-${this.issued}</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials>
<AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/r${this.issued}/s</Arn><AssumedRoleId>AROAEXAMPLE:s</AssumedRoleId></AssumedRoleUser>
</AssumeRoleResult><ResponseMetadata><RequestId>00000000-0000-4000-8000-000000000000</RequestId></ResponseMetadata></AssumeRoleResponse>`);
    }
}

const fake = new FakeStsAndEcs();
serveDuringTests(fake);

function check(assumeRoles?: ReturnType<typeof assumedRoles>) {
    return verifyEcsRollout(
        { region: REGION, cluster: "c", serviceName: "svc", taskDefinitionArn: TASK, modelName: "iris", modelVersion: "8", alarmNames: [], timeoutSeconds: 10, ...(assumeRoles ? { assumeRoles } : {}) },
        { endpoint: fake.url, credentials: { accessKeyId: "AKIDBASEEXAMPLE", secretAccessKey: "base-secret-not-real" }, backoffMs: 5, log: () => undefined },
    );
}

describe("AWS rollout check identity (issue 15 item 18)", { timeout: 20_000 }, () => {
    it("assumes every role of aws:assumeRoles in order, then reads ECS as the last one", async () => {
        const roles = assumedRoles([
            { roleArn: "arn:aws:iam::111111111111:role/hub", sessionName: "ci", externalId: "ext-1", duration: "1h30m" },
            { roleArn: "arn:aws:iam::123456789012:role/deployer", policyArns: ["arn:aws:iam::aws:policy/ReadOnlyAccess"] },
        ]);
        await expect(check(roles)).resolves.toMatchObject({ servingTaskDefinitionArn: TASK });
        expect(fake.seen.map((s) => [s.action, s.accessKey, s.sessionToken])).toEqual([
            ["AssumeRole", "AKIDBASEEXAMPLE", undefined],
            ["AssumeRole", "ASIAROLE1EXAMPLE", "session-1"],
            ["AmazonEC2ContainerServiceV20141113.DescribeServices", "ASIAROLE2EXAMPLE", "session-2"],
        ]);
        const [first, second] = fake.seen;
        expect(Object.fromEntries(["RoleArn", "RoleSessionName", "ExternalId", "DurationSeconds"].map((k) => [k, first!.form.get(k)]))).toEqual({
            RoleArn: "arn:aws:iam::111111111111:role/hub",
            RoleSessionName: "ci",
            ExternalId: "ext-1",
            DurationSeconds: "5400",
        });
        expect(second!.form.get("RoleArn")).toBe("arn:aws:iam::123456789012:role/deployer");
        expect(second!.form.get("RoleSessionName")).toBe("model-service-rollout-check-iris");
        expect(second!.form.get("PolicyArns.member.1.arn")).toBe("arn:aws:iam::aws:policy/ReadOnlyAccess");
    });

    it("reads with the deployer's own credentials when the stack assumes no role", async () => {
        await check(assumedRoles(undefined));
        expect(fake.seen.map((s) => [s.action, s.accessKey])).toEqual([["AmazonEC2ContainerServiceV20141113.DescribeServices", "AKIDBASEEXAMPLE"]]);
    });

    it("reads aws:assumeRoles as the provider does, skipping entries without a role", () => {
        expect(assumedRoles([{ roleArn: "" }, { duration: "15m" }, { roleArn: "arn:aws:iam::1:role/a", duration: "45s", sourceIdentity: "me" }, { roleArn: "arn:aws:iam::1:role/b", duration: "soon" }])).toEqual([
            { roleArn: "arn:aws:iam::1:role/a", durationSeconds: 45, sourceIdentity: "me" },
            { roleArn: "arn:aws:iam::1:role/b" },
        ]);
    });
});
