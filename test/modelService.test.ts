import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import type { ModelServiceArgs } from "../components/contract";
import { PROJECT_DIR } from "./helpers/plan";
import { setUnitMocks } from "./helpers/unitMocks";

const registered: string[] = [];

function loaded(pattern: RegExp): string[] {
    return Object.keys(require.cache).filter((file) => pattern.test(file));
}

const AWS_SDK = /node_modules[\\/]@pulumi[\\/]aws[\\/]/;
const OTHER_CLOUDS = /node_modules[\\/]@pulumi[\\/](gcp|azure-native|kubernetes)[\\/]/;

const validArgs: ModelServiceArgs = {
    cloud: "aws",
    region: "eu-west-1",
    model: { name: "churn", version: "3", artifact: { kind: "local", path: "examples/iris-onnx" } },
    image: { kind: "uri", uri: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/server:3" },
    projectDir: PROJECT_DIR,
};

function value<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => output.apply(resolve));
}

describe("ModelService", () => {
    let ModelService: typeof import("../components/modelService").ModelService;

    beforeAll(async () => {
        // A preview: in an update the AWS rollout check would read the endpoint with real credentials.
        await setUnitMocks((args) => registered.push(args.type));
        ({ ModelService } = await import("../components/modelService"));
    });

    it("loads no cloud SDK until a service is constructed", () => {
        expect(loaded(AWS_SDK)).toEqual([]);
        expect(loaded(OTHER_CLOUDS)).toEqual([]);
    });

    it("throws every problem before registering anything", () => {
        const bad: ModelServiceArgs = { ...validArgs, runtime: "vertex", scaling: { minReplicas: 4, maxReplicas: 2 }, compute: { instanceType: "Standard_DS3_v2" } };
        expect(() => new ModelService("bad", bad)).toThrowError(/3 problem\(s\)[\s\S]*runtime = "vertex": runs on gcp, not on aws[\s\S]*compute\.instanceType[\s\S]*scaling\.minReplicas = 4/);
        expect(registered).toEqual([]);
        expect(loaded(AWS_SDK)).toEqual([]);
    });

    it("fails validation for a runtime that is not built, rather than faking it", async () => {
        // Every runtime is built today; take one's loader away to prove the path still holds.
        const { RUNTIMES } = await import("../components/runtimes");
        const entry = RUNTIMES.aks as { load?: unknown; plannedIn?: string };
        const saved = { load: entry.load, plannedIn: entry.plannedIn };
        Object.assign(entry, { load: undefined, plannedIn: "issue 99" });
        try {
            const azure: ModelServiceArgs = { ...validArgs, cloud: "azure", region: "westeurope", runtime: "aks", image: { kind: "uri", uri: "myregistry.azurecr.io/server:3" } };
            expect(() => new ModelService("aks", azure)).toThrowError(/runtime = "aks": is not built yet \(issue 99\)/);
        } finally {
            Object.assign(entry, saved);
        }
        expect(registered).toEqual([]);
    });

    it("has every runtime of the matrix built", async () => {
        const { RUNTIMES } = await import("../components/runtimes");
        expect(Object.entries(RUNTIMES).filter(([, e]) => !e.load).map(([r]) => r)).toEqual([]);
    });

    it("names two services of one model in one stack apart: stack-unique names derive from the component's name", async () => {
        const [a, b] = [new ModelService("churn-blue", validArgs), new ModelService("churn-green", validArgs)];
        const [urlA, urlB] = await Promise.all([value(a.endpointUrl), value(b.endpointUrl)]);
        expect(urlA).toMatch(/\/endpoints\/churn-blue-unit-[0-9a-f]{6}\/invocations$/);
        expect(urlB).toMatch(/\/endpoints\/churn-green-unit-[0-9a-f]{6}\/invocations$/);
    });

    it("loads only the chosen runtime's SDK, by submodule, and exposes the contract's outputs", async () => {
        const service = new ModelService("churn", validArgs);
        expect(await value(service.endpointUrl)).toMatch(/^https:\/\/runtime\.sagemaker\.eu-west-1\.amazonaws\.com\/endpoints\/churn-unit-[0-9a-f]{6}\/invocations$/);
        expect(await value(service.runtime)).toBe("sagemaker");
        expect(await value(service.region)).toBe("eu-west-1");
        expect((await value(service.invoke)).auth).toBe("aws-sigv4");
        expect(await value(service.imageUri)).toBe(validArgs.image.kind === "uri" ? validArgs.image.uri : "");
        const raw = await service.raw;
        expect(Object.keys(raw.children)).toEqual(expect.arrayContaining(["bucket", "role", "model", "endpointConfiguration", "endpoint", "scalingPolicy"]));
        // raw is told apart by runtime: narrowed to sagemaker, its typed endpoint is the one among the children.
        expect(raw.runtime).toBe("sagemaker");
        if (raw.runtime !== "sagemaker") throw new Error("raw is not the SageMaker component");
        expect(raw.endpoint).toBe(raw.children.endpoint);
        expect(await value(raw.endpoint.name)).toMatch(/^churn-unit-[0-9a-f]{6}$/);

        expect(loaded(/node_modules[\\/]@pulumi[\\/]aws[\\/]sagemaker[\\/]/).length).toBeGreaterThan(0);
        expect(loaded(/node_modules[\\/]@pulumi[\\/]aws[\\/]index\.js$/)).toEqual([]);
        expect(loaded(OTHER_CLOUDS)).toEqual([]);
        expect(registered).toContain("aws:sagemaker/endpoint:Endpoint");
    });
});
