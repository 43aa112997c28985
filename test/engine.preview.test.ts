import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PlanDocument } from "../offline/engine";
import type { Violation } from "../offline/evaluatePolicies";
import { UNKNOWN_WIRE } from "../offline/grpcRuntime";
import { startPolicyAnalyzer, type AnalyzedResource, type PolicyAnalyzer } from "../offline/policyAnalyzer";
import { UNKNOWN_MARK } from "../offline/recorder";
import { POLICIES } from "../policies/rules";
import { argsOf, cases, runtimes } from "./helpers/engineCases";
import { planJson, planJsonMany, PROJECT_DIR } from "./helpers/plan";

describe("invalid config under Pulumi's runner", () => {
    it("fails before any registration with the same problems, every one at once, as in-process", async () => {
        const args = ["--stack", "dev", "--config", "cloud=nope", "--config", "modelName=BAD_name"];
        const [inProcess, grpc] = await planJsonMany([args, [...args, "--engine", "grpc"]]);
        expect(grpc!.code).toBe(2);
        expect(inProcess!.code).toBe(2);
        expect(grpc!.doc.errors).toEqual(inProcess!.doc.errors);
        expect(grpc!.doc.errors[0]).toMatch(/model-service:cloud = "nope"[\s\S]*model-service:modelName = "BAD_name"/);
    });
});

describe("the preview mode (--engine grpc --preview)", () => {
    const previews: { code: number | null; doc: PlanDocument }[] = [];
    beforeAll(async () => {
        previews.push(...(await planJsonMany(runtimes.map((r) => [...argsOf("dev", r), "--engine", "grpc", "--preview"]))));
    });

    it.each(runtimes.map((r, i) => [r, i] as const))("%s: the program completes with unknown ids and computed outputs, and the pack tolerates them", (_runtime, i) => {
        const { code, doc } = previews[i]!;
        expect(doc.errors).toEqual([]);
        expect(code).toBe(0);
        expect(doc.preview).toBe(true);
        // Recorded where they are: every listed path holds the unknown mark, and every custom resource's id is unknown.
        expect(doc.unknowns.length).toBeGreaterThan(5);
        for (const u of doc.unknowns) {
            const r = doc.resources.find((x) => x.urn === u.urn)!;
            if (u.inputs.length > 0) expect(JSON.stringify(r.inputs), u.urn).toContain(JSON.stringify(UNKNOWN_MARK));
            if (u.outputs.length > 0) expect(JSON.stringify(r.outputs), u.urn).toContain(JSON.stringify(UNKNOWN_MARK));
        }
        expect(doc.resources.filter((r) => r.custom && !r.type.startsWith("pulumi:providers:") && r.id !== undefined)).toEqual([]);
        // The analyzer skips what it cannot judge, as CrossGuard reports it: advisory, with the field that was unknown.
        for (const s of doc.violations.filter((v) => v.message.includes("during preview"))) {
            expect(s.level).toBe("advisory");
            expect(s.message).toMatch(new RegExp(`^can't run policy '${s.policy}' from policy pack '[^']+' during preview: .+ can't be known during preview$`));
        }
        expect(doc.violations.filter((v) => v.level === "mandatory")).toEqual([]);
    });

    it("skips, as CrossGuard does, a policy whose deciding value is unknown: the S3 bucket policy that names the bucket's ARN", () => {
        const sagemaker = previews[runtimes.indexOf("sagemaker")]!.doc;
        expect(sagemaker.violations).toContainEqual({
            policy: "s3-no-public-bucket-policy",
            level: "advisory",
            urn: expect.stringMatching(/aws:s3\/bucketPolicy:BucketPolicy::iris-aws-artifacts-tls-only$/),
            message: expect.stringContaining("string value at .policy can't be known during preview"),
        });
    });

    it("catches what a preview hides and the mocks do not: a registration inside apply and a JSON.parse of an unknown", () => {
        const fixture = ["--stack", "dev", "--program", "test/fixtures/engine/previewBreaches.cjs"];
        const mocked = planJson(fixture);
        expect(mocked.doc.errors).toEqual([]);
        expect(mocked.doc.resources.map((r) => r.name).sort()).toEqual(["data", "data-public-access", "data-tls-only"]);
        const preview = planJson([...fixture, "--engine", "grpc", "--preview"]);
        expect(preview.code).toBe(2);
        expect(preview.doc.errors).toEqual([
            expect.stringMatching(/^The program never finished at preview: the stack's outputs were never registered/),
            expect.stringMatching(/aws:s3\/bucketPolicy:BucketPolicy::data-tls-only is registered only once outputs are known \(inside an apply\)/),
        ]);
    });
});

describe("every policy under the real analyzer, when the values it reads are unknown", () => {
    // Every resource the stacks plan, every property unknown: what a preview of a brand-new stack can hand the pack at worst.
    let violations: Violation[] = [];
    let analyzer: PolicyAnalyzer | undefined;
    const knownVerdicts = new Set<string>();
    let failure: unknown;
    beforeAll(async () => {
        // In-process, with the arguments engine.test.ts plans them with: one run plans each once (test/helpers/plan.ts).
        const plans = await planJsonMany(cases.filter((c) => c.stack === "prod").map((c) => c.args));
        for (const { doc } of plans) for (const v of doc.violations) knownVerdicts.add(`${v.policy} ${v.urn} ${v.message}`);
        const seen = new Set<string>();
        const resources: AnalyzedResource[] = [];
        for (const { doc } of plans) {
            for (const record of doc.resources) {
                if (seen.has(record.urn)) continue;
                seen.add(record.urn);
                const unknown = Object.fromEntries(Object.keys({ ...record.inputs, ...record.outputs }).map((k) => [k, UNKNOWN_WIRE]));
                resources.push({ record, checkedInputs: unknown, outputs: unknown });
            }
        }
        analyzer = startPolicyAnalyzer(path.join(PROJECT_DIR, "policies"), "127.0.0.1:0", { organization: "organization", project: "model-service", stack: "prod", dryRun: true, config: {}, secretKeys: [] });
        try {
            violations = await analyzer.analyze(resources);
        } catch (err) {
            failure = err;
        }
    });
    afterAll(() => analyzer?.close());

    it("still find a credential beside a value that is unknown until deploy", async () => {
        const token = `ghp_${"aB3dE5gH7jK9mN1pQ3sT5vX7zA9cE1gI3kM5"}`;
        const inputs = { executionRoleArn: UNKNOWN_WIRE, primaryContainer: { image: UNKNOWN_WIRE, environment: { GITHUB_TOKEN: token, MODEL_NAME: "iris" } } };
        const urn = "urn:pulumi:prod::model-service::aws:sagemaker/model:Model::leaky";
        const record = { urn, type: "aws:sagemaker/model:Model", name: "leaky", custom: true, inputs: {}, secretInputs: [], propertyDependencies: {}, outputs: {}, secretOutputs: [], options: { protect: false, dependsOn: [], deleteBeforeReplace: false, retainOnDelete: false, ignoreChanges: [] } };
        const found = await analyzer!.analyze([{ record, checkedInputs: inputs, outputs: inputs }]);
        expect(found.filter((v) => v.policy === "no-secret-literals")).toEqual([
            { policy: "no-secret-literals", level: "mandatory", urn, message: expect.stringContaining("Move 'primaryContainer.environment.GITHUB_TOKEN' on 'leaky' out of plain text") },
        ]);
    });

    it.each(POLICIES.map((p) => [p.name] as const))("%s never crashes, and only skips (advisory, with the field) or repeats what it reports on known values", (name) => {
        expect(failure).toBeUndefined();
        for (const v of violations.filter((x) => x.policy === name)) {
            if (v.message.startsWith(`can't run policy '${name}'`)) expect(v.level).toBe("advisory");
            else expect(knownVerdicts, v.message).toContain(`${v.policy} ${v.urn} ${v.message}`);
        }
    });
});
