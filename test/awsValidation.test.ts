import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { SAGEMAKER_HOSTING_INSTANCE_TYPES } from "../components/cloudRules/awsHostingInstanceTypes";
import { GPUS } from "../components/validate";
import { SIZES, defaultInstanceType } from "../components/sizes";
import type { Gpu, Size } from "../components/contract";
import type { ModelServiceArgs } from "../components/contract";
import { validateServiceArgs } from "../components/validate";
import { ecsRolloutMinutes, ecsServiceTimeouts, rolloutDurationProblems, sageMakerRolloutMinutes, SAGEMAKER_WAIT_MINUTES } from "../providers/aws/rolloutDuration";

type Overrides = Partial<Omit<ModelServiceArgs, "cloud" | "region" | "model" | "image">>;

/** AWS args that validate cleanly, plus overrides. */
export function awsArgs(runtime: "sagemaker" | "ecs", overrides: Overrides = {}): ModelServiceArgs {
    return {
        cloud: "aws",
        runtime,
        region: "us-east-1",
        model: { name: "iris", version: "1", artifact: { kind: "uri", uri: "s3://my-bucket/models/iris/1/model.tar.gz" } },
        image: { kind: "uri", uri: "123456789012.dkr.ecr.us-east-1.amazonaws.com/iris:1" },
        ...overrides,
    };
}

function problemsOf(args: ModelServiceArgs) {
    return validateServiceArgs(args).problems;
}

describe("AWS rollouts fit the provider's waits (issue 15 items 2, 3, 21; issue 13)", () => {
    it("ecs: the service's customTimeouts cover the worst case, beyond the provider's 20-minute default", () => {
        // linear at 10%: ten steps and the final bake of 10 minutes, task start and a rollback.
        const linear = { strategy: "linear", stepPercent: 10, bakeMinutes: 10 } as const;
        expect(ecsRolloutMinutes(linear)).toBe(10 + 11 * 10 + 10);
        expect(ecsServiceTimeouts(linear)).toEqual({ create: "130m", update: "130m" });
        // A rolling deployment fits the default, which stays.
        expect(ecsServiceTimeouts({ strategy: "allAtOnce", stepPercent: 10, bakeMinutes: 10 })).toEqual({ create: "20m", update: "20m" });
    });

    it("ecs: a rollout longer than one pulumi up may run (6 hours) is refused, naming rolloutBakeMinutes and the longest that fits", () => {
        const problems = problemsOf(awsArgs("ecs", { rollout: { strategy: "linear", stepPercent: 3, bakeMinutes: 15 } }));
        expect(problems).toEqual([expect.objectContaining({ field: "rollout.bakeMinutes", value: 15, message: expect.stringMatching(/takes up to 545 minutes on ecs.*360 minutes/), fix: expect.stringMatching(/lower rolloutBakeMinutes to 9 or less or raise rolloutStepPercent/) })]);
        expect(problemsOf(awsArgs("ecs", { rollout: { strategy: "linear", stepPercent: 3, bakeMinutes: 9 } }))).toEqual([]);
    });

    it("sagemaker: the whole update fits the provider's fixed 60 minutes, or is refused with the longest bake that fits", () => {
        for (const rollout of [
            { strategy: "allAtOnce", stepPercent: 10, bakeMinutes: 20 },
            { strategy: "canary", stepPercent: 10, bakeMinutes: 13 },
            { strategy: "linear", stepPercent: 50, bakeMinutes: 13 },
            { strategy: "linear", stepPercent: 10, bakeMinutes: 3 },
        ] as const) {
            expect(sageMakerRolloutMinutes(rollout), JSON.stringify(rollout)).toBeLessThanOrEqual(SAGEMAKER_WAIT_MINUTES);
            expect(rolloutDurationProblems("sagemaker", rollout)).toEqual([]);
        }
        const refused = problemsOf(awsArgs("sagemaker", { scaling: { minReplicas: 2 }, rollout: { strategy: "allAtOnce", stepPercent: 10, bakeMinutes: 21 } }));
        expect(refused).toEqual([expect.objectContaining({ field: "rollout.bakeMinutes", value: 21, message: expect.stringMatching(/up to 62 minutes on sagemaker.*waits at most 60 minutes/), fix: expect.stringContaining("lower rolloutBakeMinutes to 20 or less") })]);
        // The default canary on a two-instance stack (prod) fits.
        expect(problemsOf(awsArgs("sagemaker", { scaling: { minReplicas: 2 }, rollout: { strategy: "canary" } }))).toEqual([]);
    });

    it("other clouds are not held to AWS's waits", () => {
        expect(rolloutDurationProblems("vertex", { strategy: "linear", stepPercent: 1, bakeMinutes: 60 })).toEqual([]);
    });
});

describe("SageMaker traffic steps (issue 15 item 4)", () => {
    it("refuses a linear step below 10% of capacity", () => {
        const problems = problemsOf(awsArgs("sagemaker", { scaling: { minReplicas: 4, maxReplicas: 4 }, rollout: { strategy: "linear", stepPercent: 5, bakeMinutes: 1 } }));
        expect(problems).toEqual([expect.objectContaining({ field: "rollout.stepPercent", value: 5, fix: expect.stringContaining("rolloutStepPercent to 10 or more") })]);
        expect(problemsOf(awsArgs("sagemaker", { scaling: { minReplicas: 4, maxReplicas: 4 }, rollout: { strategy: "linear", stepPercent: 10, bakeMinutes: 1 } }))).toEqual([]);
        // ECS linear keeps its own floor of 3%.
        expect(problemsOf(awsArgs("ecs", { rollout: { strategy: "linear", stepPercent: 5, bakeMinutes: 1 } }))).toEqual([]);
    });

    it("refuses a canary or linear rollout on one instance, where no step can be at most 50%", () => {
        for (const strategy of ["canary", "linear"] as const) {
            const problems = problemsOf(awsArgs("sagemaker", { rollout: { strategy, stepPercent: 20, bakeMinutes: 1 } }));
            expect(problems).toEqual([expect.objectContaining({ field: "scaling.minReplicas", value: 1, fix: "set minReplicas to 2 or more, or use rollout allAtOnce" })]);
        }
        expect(problemsOf(awsArgs("sagemaker", { rollout: { strategy: "allAtOnce" } }))).toEqual([]);
        expect(problemsOf(awsArgs("ecs", { rollout: { strategy: "canary", stepPercent: 20, bakeMinutes: 1 } }))).toEqual([]);
    });
});

describe("SageMaker instance types are real-time hosting types (issue 15 item 7)", () => {
    it("is the SageMaker API model's ProductionVariantInstanceType enum, as the installed SDK has it", () => {
        const enums = fs.readFileSync(path.join(__dirname, "..", "node_modules", "@aws-sdk", "client-sagemaker", "dist-es", "models", "enums.js"), "utf8");
        const start = enums.indexOf("export const ProductionVariantInstanceType = {");
        const sdk = [...enums.slice(start, enums.indexOf("};", start)).matchAll(/: "([^"]+)"/g)].map((m) => m[1]!).sort();
        expect([...SAGEMAKER_HOSTING_INSTANCE_TYPES].sort()).toEqual(sdk);
    });

    it("refuses training, notebook and Elastic Inference types, naming hosting types of the same family when there are", () => {
        const c5n = problemsOf(awsArgs("sagemaker", { compute: { instanceType: "ml.c5n.xlarge" } }));
        expect(c5n).toEqual([expect.objectContaining({ field: "compute.instanceType", value: "ml.c5n.xlarge", fix: expect.stringContaining("ml.m5.large") })]);
        const eia = problemsOf(awsArgs("sagemaker", { compute: { instanceType: "ml.eia1.medium" } }));
        expect(eia).toEqual([expect.objectContaining({ field: "compute.instanceType", value: "ml.eia1.medium" })]);
        const g5 = problemsOf(awsArgs("sagemaker", { compute: { instanceType: "ml.g5.3xlarge" } }));
        expect(g5[0]?.fix).toContain("ml.g5.xlarge");
        expect(problemsOf(awsArgs("sagemaker", { compute: { instanceType: "ml.c5.xlarge" } }))).toEqual([]);
    });

    it("derives only hosting types from size and gpu", () => {
        for (const size of Object.keys(SIZES) as Size[]) {
            for (const gpu of GPUS as Gpu[]) {
                const type = defaultInstanceType("sagemaker", size, gpu);
                if (type) expect(SAGEMAKER_HOSTING_INSTANCE_TYPES, `${size}/${gpu}`).toContain(type);
            }
        }
    });
});
