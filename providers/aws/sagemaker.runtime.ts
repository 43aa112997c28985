import type { Gpu, Size } from "../../components/contract";
import { parseEcrImage } from "../../components/ecrImage";
import { SAGEMAKER_HOSTING_INSTANCE_TYPES } from "../../components/cloudRules/awsHostingInstanceTypes";
import type { RuntimeDescriptor } from "../../components/runtimeDescriptor";
import { rolloutDurationProblems } from "./rolloutDuration";

const SAGEMAKER_CPU: Readonly<Record<Size, string>> = {
    small: "ml.m5.large",
    medium: "ml.m5.xlarge",
    large: "ml.m5.2xlarge",
    xlarge: "ml.m5.4xlarge",
};

const SAGEMAKER_GPU: Readonly<Record<Exclude<Gpu, "none">, string>> = {
    t4: "ml.g4dn.xlarge",
    a10g: "ml.g5.xlarge",
    l4: "ml.g6.xlarge",
    a100: "ml.p4d.24xlarge",
};

/** AWS's managed runtime: a SageMaker real-time endpoint (providers/aws/sagemaker.ts). */
export const SAGEMAKER_RUNTIME: RuntimeDescriptor = {
    name: "sagemaker",
    cloud: "aws",
    managed: true,
    load: async () => (await import("./sagemaker")).createSageMakerService,
    fixedContract: { port: 8080, healthRoute: "/ping", predictRoute: "/invocations" },
    takesInstanceType: true,
    instanceTypeFor: (size, gpu) => (gpu === "none" ? SAGEMAKER_CPU[size] : SAGEMAKER_GPU[gpu]),
    features: { autoscaling: true, "scale to zero": false, GPU: true, "private network": true, auth: true, canary: true, rollback: true, alarms: true, secrets: true },
    // providers/aws/invokerPolicy.ts: the runtime API is an AWS endpoint either way; private allowedCidrs become aws:VpcSourceIp
    // (through a VPC endpoint, required unless public), public ones aws:SourceIp.
    exposure: { front: "the SageMaker runtime API (IAM-signed requests)", allowedCidrs: "always" },
    minReplicasFloor: 1,
    imageProblem: (uri) =>
        parseEcrImage(uri)
            ? undefined
            : { message: "is not an Amazon ECR image with a tag or digest; SageMaker pulls only from ECR", fix: "push the image to ECR and use ACCOUNT.dkr.ecr.REGION.amazonaws.com/REPO:TAG, or set imageBuildContext" },
    instanceTypeProblem: (instanceType) => {
        if (SAGEMAKER_HOSTING_INSTANCE_TYPES.includes(instanceType)) return undefined;
        const family = instanceType.split(".").slice(0, 2).join(".");
        const same = SAGEMAKER_HOSTING_INSTANCE_TYPES.filter((t) => t.startsWith(`${family}.`));
        return {
            message: "is not an instance type SageMaker real-time endpoints run on (training, notebook and Elastic Inference types are not)",
            fix: same.length > 0 ? `use one of ${same.join(", ")}` : "use a hosting type such as ml.m5.large, ml.c5.xlarge or ml.g5.xlarge, or remove it to derive one from size",
        };
    },
    validateRollout: ({ rollout, scaling }, problem) => {
        if (rollout.strategy === "linear" && rollout.stepPercent < 10) {
            problem("rollout.stepPercent", rollout.stepPercent, "is below the 10 percent of capacity a SageMaker linear step takes at least (10-50%)", "set rolloutStepPercent to 10 or more, or use rollout canary");
        }
        // A canary or linear step is at most 50% of the variant's instances; one instance is 100%.
        if (rollout.strategy !== "allAtOnce" && Number.isInteger(scaling.minReplicas) && scaling.minReplicas < 2) {
            problem("scaling.minReplicas", scaling.minReplicas, `is too few for rollout ${rollout.strategy} on sagemaker: a traffic step may take at most 50% of the variant's instances, and one instance is all of them`, `set minReplicas to 2 or more, or use rollout allAtOnce`);
        }
    },
    rolloutDurationProblems: (rollout) => rolloutDurationProblems("sagemaker", rollout),
};
