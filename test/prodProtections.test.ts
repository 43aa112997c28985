import { describe, expect, it } from "vitest";
import type { Runtime } from "../components/contract";
import { RUNTIMES } from "../components/runtimes";
import { planJson } from "./helpers/plan";

// Kubernetes workloads keep their names and roll in place (a full new set of pods before any old one leaves).
const ENDPOINTS = ["aws:sagemaker/endpoint:Endpoint", "aws:ecs/service:Service", "gcp:vertex/aiEndpoint:AiEndpoint", "azure-native:machinelearningservices:OnlineEndpoint", "kubernetes:apps/v1:Deployment"];
const ARTIFACT_STORES = ["aws:s3/bucket:Bucket", "gcp:storage/bucket:Bucket", "azure-native:storage:StorageAccount"];

describe("prod protections on every runtime", () => {
    for (const runtime of Object.keys(RUNTIMES) as Runtime[]) {
        it(`${runtime}: the artifact store outlives the stack, and nothing (endpoints included) is deleted before its replacement exists`, () => {
            const { doc } = planJson(["--stack", "prod", "--config", `cloud=${RUNTIMES[runtime].cloud}`, "--config", `runtime=${runtime}`]);
            expect(doc.errors).toEqual([]);
            const endpoints = doc.resources.filter((r) => ENDPOINTS.includes(r.type));
            expect(endpoints.length).toBeGreaterThan(0);
            // Except sagemaker's scaling guard: replaced delete-first on an instance-type change, it takes the autoscaling
            // registration with it before the endpoint updates (SageMaker refuses the update otherwise); nothing that serves.
            expect(doc.resources.filter((r) => r.options.deleteBeforeReplace && !(r.type === "aws:ssm/parameter:Parameter" && r.name.endsWith("-scaling-guard"))).map((r) => r.name)).toEqual([]);
            for (const workload of endpoints.filter((r) => r.type === "kubernetes:apps/v1:Deployment")) expect((workload.inputs.spec as any).strategy.rollingUpdate.maxUnavailable).toBe(0);
            const stores = doc.resources.filter((r) => ARTIFACT_STORES.includes(r.type));
            expect(stores.length).toBeGreaterThan(0);
            for (const store of stores) expect(store.options).toMatchObject({ protect: true, retainOnDelete: true });
        });
    }
});
