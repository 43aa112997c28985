import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import type { ModelServiceArgs } from "../components/contract";
import { PROJECT_DIR } from "./helpers/plan";
import { setUnitMocks } from "./helpers/unitMocks";

interface Registered {
    type: string;
    name: string;
    inputs: Record<string, any>;
    provider?: string;
}
const registered: Registered[] = [];

const ARGS: ModelServiceArgs = {
    cloud: "aws",
    region: "eu-west-1",
    model: { name: "churn", version: "3", artifact: { kind: "uri", uri: "s3://models-b/churn/3/model.tar.gz" } },
    image: { kind: "uri", uri: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/server:3" },
    projectDir: PROJECT_DIR,
};

const settle = () => new Promise((resolve) => setTimeout(resolve, 200));

describe("the AWS provider honours the stack's aws: identity settings and the caller's provider (issue 15 item 18)", () => {
    let ModelService: typeof import("../components/modelService").ModelService;

    beforeAll(async () => {
        pulumi.runtime.setAllConfig(
            {
                "aws:profile": "ml-deploy",
                "aws:assumeRoles": JSON.stringify([{ roleArn: "arn:aws:iam::210987654321:role/deployer", sessionName: "model-service" }]),
                "aws:allowedAccountIds": JSON.stringify(["210987654321"]),
                "aws:secretKey": "not-a-real-secret-key-0000000000000000000",
            },
            ["aws:secretKey"],
        );
        await setUnitMocks((args) => registered.push({ type: args.type, name: args.name, inputs: args.inputs, provider: args.provider }));
        ({ ModelService } = await import("../components/modelService"));
    });

    it("hands aws:profile, aws:assumeRoles and aws:allowedAccountIds (and credentials, secret) to its own provider", async () => {
        const service = new ModelService("own", ARGS);
        await service.raw;
        await settle();
        const providers = registered.filter((r) => r.type === "pulumi:providers:aws" && r.name === "own-aws");
        expect(providers).toHaveLength(1);
        const inputs = providers[0]!.inputs;
        expect(inputs.profile).toBe("ml-deploy");
        expect(inputs.region).toBe("eu-west-1");
        expect(JSON.parse(inputs.allowedAccountIds)).toEqual(["210987654321"]);
        expect(JSON.parse(inputs.assumeRoles)).toEqual([{ roleArn: "arn:aws:iam::210987654321:role/deployer", sessionName: "model-service" }]);
        expect(inputs.secretKey).toBeDefined();
    });

    it("deploys through the caller's provider when the ModelService is given one, and creates none of its own", async () => {
        const caller = new (await import("@pulumi/aws/provider")).Provider("caller", { region: "eu-west-1" });
        const callerUrn = await new Promise<string>((resolve) => caller.urn.apply(resolve));
        const service = new ModelService("given", ARGS, { providers: { aws: caller } });
        await service.raw;
        await settle();
        expect(registered.filter((r) => r.type === "pulumi:providers:aws" && r.name === "given-aws")).toEqual([]);
        const children = registered.filter((r) => r.name.startsWith("given-") && r.type.startsWith("aws:"));
        expect(children.length).toBeGreaterThan(5);
        for (const child of children) expect(child.provider, `${child.type} ${child.name}`).toMatch(new RegExp(`^${callerUrn.replace(/[$]/g, "\\$")}::`));
    });
});
