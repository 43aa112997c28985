import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { CONFIG_SCHEMA, parseStackConfig, type ConfigProblem, type RawStackConfig } from "../config";
import { validateServiceArgs } from "../components/validate";
import { PROJECT_DIR } from "./helpers/plan";

const P = "model-service";

function raw(values: Record<string, string>, secretKeys: string[] = []): RawStackConfig {
    return {
        stack: "test",
        projectDir: PROJECT_DIR,
        secretKeys: new Set(secretKeys),
        values: {
            "aws:region": "us-east-1",
            [`${P}:modelArtifact`]: "examples/iris-onnx",
            [`${P}:image`]: "123456789012.dkr.ecr.us-east-1.amazonaws.com/server:1.0",
            ...values,
        },
    };
}

function problemsOf(values: Record<string, string>, secretKeys: string[] = []): ConfigProblem[] {
    const result = parseStackConfig(raw(values, secretKeys));
    expect(result.args).toBeUndefined();
    return result.problems;
}

function keysOf(problems: ConfigProblem[]): string[] {
    return problems.map((p) => p.key);
}

// Built at run time so no credential-shaped literal sits in the repository.
const FAKE_AWS_KEY_ID = ["AKIA", "Q7ZT", "M3XW", "PL4N", "B2VR"].join("");

describe("parseStackConfig", () => {
    it("turns a valid stack into ModelService args with the documented defaults", () => {
        const { args, problems } = parseStackConfig(raw({}));
        expect(problems).toEqual([]);
        expect(args).toMatchObject({
            cloud: "aws",
            runtime: undefined,
            region: "us-east-1",
            model: { name: "model", version: "1", artifact: { kind: "local", path: "examples/iris-onnx" } },
            serving: { port: 8080, healthRoute: "/ping", predictRoute: "/invocations" },
            compute: { size: "small", gpu: "none" },
            scaling: { minReplicas: 1, maxReplicas: undefined, targetRequestsPerMinute: 600 },
            network: { public: false, allowedCidrs: [] },
            protect: false,
        });
    });

    it("derives an unset maxReplicas from minReplicas the way a library caller gets it, not a fixed 2", () => {
        const three = parseStackConfig(raw({ [`${P}:minReplicas`]: "3" }));
        expect(three.problems).toEqual([]);
        expect(validateServiceArgs(three.args!).resolved?.scaling.maxReplicas).toBe(3);
        expect(validateServiceArgs(parseStackConfig(raw({})).args!).resolved?.scaling.maxReplicas).toBe(2);
    });

    it("reads integers, booleans and lists the way the Pulumi CLI passes them (strings and JSON)", () => {
        const { args } = parseStackConfig(
            raw({
                [`${P}:minReplicas`]: "2",
                [`${P}:maxReplicas`]: "4",
                [`${P}:public`]: "true",
                [`${P}:allowedCidrs`]: '["10.0.0.0/16"]',
                [`${P}:tags`]: '["team=ml","cost-center=42"]',
            }),
        );
        expect(args?.scaling).toMatchObject({ minReplicas: 2, maxReplicas: 4 });
        expect(args?.network).toEqual({ public: true, allowedCidrs: ["10.0.0.0/16"], allowedCidrsMaxShare: 1 / 256 });
        expect(args?.tags).toEqual({ team: "ml", "cost-center": "42" });
    });

    it("takes an s3:// artifact as an existing URI rather than a local path", () => {
        const { args } = parseStackConfig(raw({ [`${P}:modelArtifact`]: "s3://models-bucket/iris/1/model.tar.gz" }));
        expect(args?.model.artifact).toEqual({ kind: "uri", uri: "s3://models-bucket/iris/1/model.tar.gz" });
    });

    it("rejects an unknown cloud and names the choices", () => {
        const [p] = problemsOf({ [`${P}:cloud`]: "mars" });
        expect(p).toMatchObject({ key: "cloud", value: '"mars"' });
        expect(p?.fix).toContain("aws|gcp|azure");
    });

    it("rejects a runtime that the chosen cloud does not offer, and one that does not exist", () => {
        expect(problemsOf({ [`${P}:runtime`]: "vertex" })[0]).toMatchObject({ key: "runtime", message: "runs on gcp, not on aws" });
        expect(problemsOf({ [`${P}:runtime`]: "lambda" })[0]).toMatchObject({ key: "runtime", message: "is not a known runtime" });
    });

    it("requires the Google Cloud project on gcp, naming the provider key", () => {
        const [p] = problemsOf({ [`${P}:cloud`]: "gcp", "gcp:region": "us-central1", [`${P}:image`]: "us-docker.pkg.dev/p/r/server:1" });
        expect(p).toMatchObject({ key: "gcp:project", message: "is not a Google Cloud project id", fix: "pulumi config set gcp:project <project id>" });
    });

    it("rejects minReplicas above maxReplicas, naming both", () => {
        const [p] = problemsOf({ [`${P}:minReplicas`]: "5", [`${P}:maxReplicas`]: "3" });
        expect(p).toMatchObject({ key: "minReplicas", value: '"5"', message: "is greater than maxReplicas (3)" });
    });

    it("rejects an instance type of another cloud, and a malformed one", () => {
        const [gcpType] = problemsOf({ [`${P}:instanceType`]: "n1-standard-4" });
        expect(gcpType).toMatchObject({ key: "instanceType", message: "is a gcp instance type, not a aws one" });
        const [bogus] = problemsOf({ [`${P}:instanceType`]: "huge" });
        expect(bogus).toMatchObject({ key: "instanceType", message: "is not a aws instance type" });
    });

    it("rejects a port or routes that SageMaker cannot honour", () => {
        const problems = problemsOf({ [`${P}:port`]: "9000", [`${P}:healthRoute`]: "/healthz", [`${P}:predictRoute`]: "/predict" });
        expect(keysOf(problems)).toEqual(["port", "healthRoute", "predictRoute"]);
        expect(problems[0]?.message).toBe("cannot be honoured by sagemaker, which always uses 8080");
    });

    it("rejects an artifact path that does not exist, showing where it looked", () => {
        const [p] = problemsOf({ [`${P}:modelArtifact`]: "models/missing.onnx" });
        expect(p?.key).toBe("modelArtifact");
        expect(p?.message).toContain(path.join(PROJECT_DIR, "models/missing.onnx"));
    });

    it("rejects a SageMaker image outside ECR", () => {
        const [p] = problemsOf({ [`${P}:image`]: "docker.io/library/python:3.12" });
        expect(p).toMatchObject({ key: "image" });
        expect(p?.message).toContain("SageMaker pulls only from ECR");
    });

    it("rejects 0.0.0.0/0 and malformed CIDRs", () => {
        const problems = problemsOf({ [`${P}:allowedCidrs`]: '["0.0.0.0/0","10.0.0.0/33"]' });
        expect(problems.map((p) => [p.key, p.value])).toEqual([
            ["allowedCidrs", '"0.0.0.0/0"'],
            ["allowedCidrs", '"10.0.0.0/33"'],
        ]);
    });

    it("rejects a key this project does not have, suggesting the nearest", () => {
        const [p] = problemsOf({ [`${P}:minReplica`]: "1" });
        expect(p).toMatchObject({ key: "minReplica", message: "is not a setting of this project" });
        expect(p?.fix).toContain("did you mean minReplicas?");
    });

    it("rejects a credential stored in plaintext, without echoing it", () => {
        const problems = problemsOf({ "aws:accessKey": FAKE_AWS_KEY_ID });
        expect(problems).toHaveLength(1);
        expect(problems[0]?.key).toBe("aws:accessKey");
        expect(problems[0]?.fix).toContain("pulumi config set --secret aws:accessKey");
        expect(JSON.stringify(problems)).not.toContain(FAKE_AWS_KEY_ID);
    });

    it("accepts the same credential when the stack stores it encrypted", () => {
        expect(parseStackConfig(raw({ "aws:accessKey": FAKE_AWS_KEY_ID }, ["aws:accessKey"])).problems).toEqual([]);
    });

    it("hands listed secrets over as secret outputs, and refuses plaintext or missing ones", async () => {
        const ok = parseStackConfig(raw({ [`${P}:secrets`]: '["hfToken"]', [`${P}:hfToken`]: "hf-value-123456" }, [`${P}:hfToken`]));
        expect(ok.problems).toEqual([]);
        expect(Object.keys(ok.args?.secrets ?? {})).toEqual(["hfToken"]);

        const plaintext = problemsOf({ [`${P}:secrets`]: '["hfToken"]', [`${P}:hfToken`]: "hf-value-123456" });
        expect(plaintext.map((p) => p.key)).toEqual([`${P}:hfToken`]);
        expect(JSON.stringify(plaintext)).not.toContain("hf-value-123456");

        const missing = problemsOf({ [`${P}:secrets`]: '["hfToken"]' });
        expect(missing[0]).toMatchObject({ key: "secrets", message: `names ${P}:hfToken, which is not set` });
    });

    it("rejects a secret-named plain environment variable", () => {
        const [p] = problemsOf({ [`${P}:environment`]: '["DB_PASSWORD=hunter2-hunter2"]' });
        expect(p).toMatchObject({ key: "environment", message: "holds a secret in plain environment" });
    });

    it("checks what the ecs runtime cannot honour or needs", () => {
        const ecs = { [`${P}:runtime`]: "ecs" };
        expect(problemsOf({ ...ecs, [`${P}:gpu`]: "t4" })[0]).toMatchObject({ key: "gpu", message: "cannot be honoured by ecs: Fargate has no GPUs" });
        expect(problemsOf({ ...ecs, [`${P}:public`]: "true" })[0]).toMatchObject({ key: "allowedCidrs", message: expect.stringMatching(/^is empty while public is true: ecs puts an Application Load Balancer that does not authenticate callers in front/) });
        expect(problemsOf({ ...ecs, [`${P}:awsCertificateArn`]: "my-cert" })[0]).toMatchObject({ key: "awsCertificateArn", message: "is not an ACM certificate ARN" });
        expect(problemsOf({ ...ecs, [`${P}:awsVpcId`]: "vpc-0123456789abcdef0" })[0]).toMatchObject({ key: "awsPrivateSubnetIds" });
        expect(problemsOf({ ...ecs, [`${P}:awsPrivateSubnetIds`]: '["subnet-0123456789abcdef0"]' })[0]).toMatchObject({ key: "awsVpcId" });
        expect(problemsOf({ ...ecs, [`${P}:awsNatGateways`]: "3" })[0]).toMatchObject({ key: "awsNatGateways", message: "must be 1 or 2 (one per zone)" });
        expect(problemsOf({ ...ecs, [`${P}:awsEgress`]: "internet" })[0]).toMatchObject({ key: "awsEgress" });
    });

    it("takes every rollout strategy on every runtime, and refuses an unknown one or a step out of range", () => {
        const clouds = { sagemaker: "aws", ecs: "aws", vertex: "gcp", gke: "gcp", azureml: "azure", aks: "azure" };
        for (const [runtime, cloud] of Object.entries(clouds)) {
            for (const strategy of ["allAtOnce", "canary", "linear"]) {
                // Three-minute bakes: SageMaker's linear default (ten 10% steps of 10 minutes) outlasts the provider's 60-minute wait.
                expect(parseStackConfig(raw({ [`${P}:cloud`]: cloud, [`${P}:runtime`]: runtime, [`${P}:rollout`]: strategy, [`${P}:rolloutBakeMinutes`]: "3" })).problems.filter((q) => q.key.startsWith("rollout"))).toEqual([]);
            }
        }
        expect(problemsOf({ [`${P}:rollout`]: "blue-green" })[0]).toMatchObject({ key: "rollout", message: "is not a rollout strategy" });
        expect(problemsOf({ [`${P}:rolloutStepPercent`]: "80" })[0]).toMatchObject({ key: "rolloutStepPercent" });
    });

    it("refuses what the Kubernetes runtimes cannot honour: a GPU, zero replicas", () => {
        const gke = { [`${P}:cloud`]: "gcp", [`${P}:runtime`]: "gke", "gcp:region": "us-central1", "gcp:project": "my-ml-project", [`${P}:image`]: "us-docker.pkg.dev/p/r/s:1" };
        expect(problemsOf({ ...gke, [`${P}:gpu`]: "t4" })[0]).toMatchObject({ key: "gpu", message: "cannot be honoured by gke yet: the shared workload requests no GPUs" });
        expect(problemsOf({ ...gke, [`${P}:minReplicas`]: "0" })[0]).toMatchObject({ key: "minReplicas", message: "must be a whole number of at least 1 on gke" });
        expect(parseStackConfig(raw({ [`${P}:runtime`]: "ecs", [`${P}:minReplicas`]: "0" })).problems).toEqual([]);
    });

    it("lets ecs run an image from any registry, where SageMaker needs ECR", () => {
        expect(parseStackConfig(raw({ [`${P}:runtime`]: "ecs", [`${P}:image`]: "ghcr.io/acme/server:1.0" })).problems).toEqual([]);
    });

    it("builds the reference server when no image is set, and refuses image with imageBuildContext", () => {
        expect(parseStackConfig(raw({ [`${P}:image`]: "" })).args?.image).toEqual({ kind: "build", context: "serving" });
        expect(problemsOf({ [`${P}:imageBuildContext`]: "examples" })[0]).toMatchObject({ key: "image", message: "is set together with imageBuildContext" });
        expect(problemsOf({ [`${P}:image`]: "", [`${P}:imageBuildContext`]: "examples" })[0]).toMatchObject({ key: "imageBuildContext", message: expect.stringMatching(/^has no Dockerfile/) });
    });

    it("reports an empty or missing modelArtifact as one problem beside the others, never a raw ZodError", () => {
        for (const artifact of ["", undefined]) {
            const values: Record<string, string> = { [`${P}:minReplicas`]: "9", [`${P}:maxReplicas`]: "3", [`${P}:cloud`]: "mars" };
            const input = raw(values);
            const own = { ...input.values } as Record<string, string | undefined>;
            own[`${P}:modelArtifact`] = artifact;
            const result = parseStackConfig({ ...input, values: Object.fromEntries(Object.entries(own).filter((e): e is [string, string] => e[1] !== undefined)) });
            expect(result.args).toBeUndefined();
            expect(keysOf(result.problems).sort(), String(artifact)).toEqual(["cloud", "minReplicas", "modelArtifact"]);
            expect(result.problems.find((p) => p.key === "modelArtifact")).toMatchObject({ message: "is required", fix: expect.stringContaining("pulumi config set modelArtifact") });
        }
        const withOthers = problemsOf({ [`${P}:modelArtifact`]: "", [`${P}:minReplicas`]: "9", [`${P}:maxReplicas`]: "3", [`${P}:port`]: "eighty" });
        expect(keysOf(withOthers).sort()).toEqual(["minReplicas", "modelArtifact", "port"]);
    });

    it("reports every problem at once, with wrong types next to semantic problems", () => {
        const problems = problemsOf({ [`${P}:cloud`]: "aws", [`${P}:port`]: "eighty", [`${P}:minReplicas`]: "9", [`${P}:maxReplicas`]: "3", [`${P}:size`]: "huge", [`${P}:modelArtifact`]: "nope" });
        expect(keysOf(problems).sort()).toEqual(["minReplicas", "modelArtifact", "port", "size"]);
    });
});

describe("Pulumi.yaml documents exactly the keys config.ts reads", () => {
    const project = parse(fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), "utf8")) as {
        config: Record<string, { type: string; description: string; default?: unknown }>;
    };

    it("has the same keys, each typed and described", () => {
        expect(Object.keys(project.config).sort()).toEqual(Object.keys(CONFIG_SCHEMA.shape).sort());
        for (const [key, decl] of Object.entries(project.config)) {
            expect(["string", "integer", "boolean", "array"], key).toContain(decl.type);
            expect(decl.description.length, key).toBeGreaterThan(10);
        }
    });

    it("declares defaults that mean what the schema does when a key is unset", () => {
        const defaults = CONFIG_SCHEMA.parse({ modelArtifact: "x" }) as Record<string, unknown>;
        for (const [key, decl] of Object.entries(project.config)) {
            if (key === "modelArtifact") continue;
            // The CLI hands the program Pulumi.yaml's default as a string (or JSON), as it does a stack value.
            const asGiven = typeof decl.default === "string" ? decl.default : JSON.stringify(decl.default);
            const parsed = CONFIG_SCHEMA.parse({ modelArtifact: "x", [key]: asGiven }) as Record<string, unknown>;
            expect(parsed[key], key).toEqual(defaults[key]);
        }
    });

    it("is the same list the README's config reference documents", () => {
        const readme = fs.readFileSync(path.join(PROJECT_DIR, "README.md"), "utf8");
        for (const key of Object.keys(project.config)) expect(readme, key).toContain(`\`${key}\``);
    });
});
