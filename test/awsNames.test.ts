import { describe, expect, it } from "vitest";
import { MODEL_NAME_MAX_LENGTH } from "../components/validate";
import { ofType, planJsonMany } from "./helpers/plan";

const LONGEST = "longest-model-name-the-validator-accepts-and-then-some".slice(0, MODEL_NAME_MAX_LENGTH).replace(/-+$/, "x");

describe("AWS physical names fit for the longest accepted model name (issue 15 item 1)", () => {
    it("ecs with traffic shifting (the alternate target group) and sagemaker: no contract breach, every ELB name within 32", { timeout: 60_000 }, async () => {
        const [ecs, sagemaker] = await planJsonMany([
            ["--stack", "prod", "--config", "runtime=ecs", "--config", "rollout=canary", "--config", `modelName=${LONGEST}`],
            ["--stack", "prod", "--config", "runtime=sagemaker", "--config", "rollout=canary", "--config", `modelName=${LONGEST}`],
        ]);
        for (const run of [ecs!, sagemaker!]) {
            expect(run.doc.errors).toEqual([]);
            expect(run.doc.contract).toEqual([]);
        }
        const elb = [...ofType(ecs!.doc, "aws:lb/targetGroup:TargetGroup"), ...ofType(ecs!.doc, "aws:lb/loadBalancer:LoadBalancer")];
        expect(elb).toHaveLength(3);
        for (const r of elb) expect(String(r.outputs.name).length, String(r.outputs.name)).toBeLessThanOrEqual(32);
        for (const r of ofType(ecs!.doc, "aws:iam/role:Role")) expect(String(r.outputs.name).length).toBeLessThanOrEqual(64);
        for (const type of ["aws:sagemaker/model:Model", "aws:sagemaker/endpointConfiguration:EndpointConfiguration", "aws:sagemaker/endpoint:Endpoint"]) {
            for (const r of ofType(sagemaker!.doc, type)) expect(String(r.outputs.name).length, type).toBeLessThanOrEqual(63);
        }
    });
});
