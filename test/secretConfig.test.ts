import { describe, expect, it } from "vitest";
import { parseStackConfig, type RawStackConfig } from "../config";
import { PROJECT_DIR, byName, planJson, runPlanCli } from "./helpers/plan";

const P = "model-service";
const IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/private-team/server:7.7.7";
const EMAIL = "oncall-secret@example.com";
const SECRET_FLAGS = ["--stack", "dev", "--secret", `image=${IMAGE}`, "--secret", `alarmEmails=["${EMAIL}"]`];

function parse(values: Record<string, string>, secretKeys: string[]) {
    const raw: RawStackConfig = { stack: "test", projectDir: PROJECT_DIR, secretKeys: new Set(secretKeys), values: { "aws:region": "us-east-1", [`${P}:modelArtifact`]: "examples/iris-onnx", [`${P}:image`]: IMAGE, ...values } };
    return parseStackConfig(raw);
}

describe("a setting encrypted with --secret (not listed in secrets) stays a Pulumi secret wherever it flows", () => {
    it("hands the encrypted values (each list element too) to the program to keep secret", () => {
        const { problems, secretValues } = parse({ [`${P}:alarmEmails`]: `["${EMAIL}"]`, [`${P}:tags`]: '["team=hidden-team"]' }, [`${P}:image`, `${P}:alarmEmails`, `${P}:tags`]);
        expect(problems).toEqual([]);
        expect(secretValues).toEqual(expect.arrayContaining([IMAGE, EMAIL, "team=hidden-team", "hidden-team"]));
    });

    it("refuses an encrypted setting that names or shapes the resources, without echoing it", () => {
        const { problems } = parse({ [`${P}:modelName`]: "secret-name" }, [`${P}:modelName`]);
        expect(problems).toEqual([expect.objectContaining({ key: "modelName", message: expect.stringContaining("cannot stay secret"), fix: "store it in plaintext: `pulumi config set modelName <value>`" })]);
        expect(JSON.stringify(problems)).not.toContain("secret-name");
    });

    it("marks every resource input and stack output that holds one secret, in the plan's document", { timeout: 60_000 }, () => {
        const { code, doc } = planJson(SECRET_FLAGS);
        expect(code).toBe(0);
        expect(byName(doc, "aws:sagemaker/model:Model", "iris-sagemaker-model").secretInputs).toContain("primaryContainer.image");
        expect(byName(doc, "aws:sns/topicSubscription:TopicSubscription", "iris-sagemaker-alarms-email-0").secretInputs).toContain("endpoint");
        for (const r of doc.resources.filter((r) => r.custom)) {
            const holds = (at: string) => JSON.stringify(at.split(/[.[\]]/).filter(Boolean).reduce<unknown>((v, k) => (v as Record<string, unknown>)?.[k], r.inputs));
            // The whole value: pieces the program derives from it (an ECR repository ARN cut from the image URI) are not tracked.
            const leaking = Object.keys(r.inputs).filter((k) => [IMAGE, EMAIL].some((v) => JSON.stringify(r.inputs[k]).includes(v)) && !r.secretInputs.some((s) => s === k || s.startsWith(`${k}.`) || s.startsWith(`${k}[`)) && !holds(k).includes("[secret]"));
            expect(leaking, `${r.type} ${r.name}`).toEqual([]);
        }
        expect(doc.outputs.imageUri).toBe("[secret]");
        expect(doc.outputs.cloud).toBe("aws");
    });

    it("never prints them in the readable plan", { timeout: 60_000 }, () => {
        const run = runPlanCli(SECRET_FLAGS);
        expect(run.code).toBe(0);
        expect(run.stdout).toContain("imageUri: [secret]");
        expect(run.stdout + run.stderr).not.toMatch(/private-team|oncall-secret/);
    });
});
