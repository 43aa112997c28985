import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { Runtime } from "../components/contract";
import { FEATURE_TABLE } from "../components/features";
import { RUNTIMES } from "../components/runtimes";
import { parseStackConfig, type RawStackConfig } from "../config";
import { PROJECT_DIR, planJson } from "./helpers/plan";

const P = "model-service";
const RUNTIME_NAMES = Object.keys(RUNTIMES) as Runtime[];
const CLOUD_OF: Record<Runtime, Record<string, string>> = {
    sagemaker: { [`${P}:cloud`]: "aws", [`${P}:image`]: "123456789012.dkr.ecr.us-east-1.amazonaws.com/server:1.0" },
    ecs: { [`${P}:cloud`]: "aws", [`${P}:image`]: "123456789012.dkr.ecr.us-east-1.amazonaws.com/server:1.0" },
    vertex: { [`${P}:cloud`]: "gcp", "gcp:project": "my-ml-project", [`${P}:image`]: "us-docker.pkg.dev/p/r/server:1" },
    gke: { [`${P}:cloud`]: "gcp", "gcp:project": "my-ml-project", [`${P}:image`]: "us-docker.pkg.dev/p/r/server:1" },
    azureml: { [`${P}:cloud`]: "azure", [`${P}:image`]: "myregistry.azurecr.io/server:1" },
    aks: { [`${P}:cloud`]: "azure", [`${P}:image`]: "myregistry.azurecr.io/server:1" },
};

function problemsOf(runtime: Runtime, values: Record<string, string>) {
    const raw: RawStackConfig = {
        stack: "test",
        projectDir: PROJECT_DIR,
        secretKeys: new Set(),
        values: { "aws:region": "us-east-1", "gcp:region": "us-central1", "azure-native:location": "eastus", [`${P}:modelArtifact`]: "examples/iris-onnx", [`${P}:runtime`]: runtime, ...CLOUD_OF[runtime], ...values },
    };
    return parseStackConfig(raw).problems;
}

describe("public and allowedCidrs, per runtime, as the providers build them", () => {
    it.each(RUNTIME_NAMES)("%s: public without allowedCidrs is refused exactly where callers are not authenticated", (runtime) => {
        const problems = problemsOf(runtime, { [`${P}:public`]: "true" });
        if (FEATURE_TABLE[runtime].auth) {
            expect(problems).toEqual([]);
        } else {
            expect(problems).toEqual([expect.objectContaining({ key: "allowedCidrs", message: expect.stringMatching(new RegExp(`^is empty while public is true: ${runtime} puts .* in front, so every address on the internet could call the model$`)) })]);
        }
    });

    it.each([
        ["sagemaker", "false", true],
        ["sagemaker", "true", true],
        ["ecs", "false", true],
        ["ecs", "true", true],
        ["gke", "true", true],
        ["aks", "true", true],
        ["gke", "false", true],
        ["aks", "false", true],
        ["vertex", "true", false],
        ["vertex", "false", false],
        ["azureml", "true", false],
        ["azureml", "false", false],
    ] as const)("%s with public %s honours allowedCidrs: %s", (runtime, isPublic, honoured) => {
        const problems = problemsOf(runtime, { [`${P}:public`]: isPublic, [`${P}:allowedCidrs`]: '["203.0.113.0/24"]' });
        if (honoured) expect(problems).toEqual([]);
        else expect(problems).toEqual([expect.objectContaining({ key: "allowedCidrs", value: '"203.0.113.0/24"', message: expect.stringMatching(new RegExp(`^cannot be honoured by ${runtime}`)) })]);
    });

    it("ecs refuses IPv6 client networks: its security group rules are IPv4 (cidrIpv4)", () => {
        expect(problemsOf("ecs", { [`${P}:allowedCidrs`]: '["2001:db8::/48"]' })).toEqual([expect.objectContaining({ key: "allowedCidrs", message: "cannot be honoured by ecs: its security group rules take an IPv4 CIDR block (IPv6 goes in cidrIpv6)" })]);
        expect(problemsOf("sagemaker", { [`${P}:allowedCidrs`]: '["2001:db8::/48"]' })).toEqual([]);
    });

    it.each([["gke", "gcp"], ["aks", "azure"]])("npm run plan refuses %s with public and no allowedCidrs (it planned an open load balancer)", { timeout: 60_000 }, (runtime, cloud) => {
        const { code, doc } = planJson(["--stack", "dev", "--config", `cloud=${cloud}`, "--config", `runtime=${runtime}`, "--config", "public=true"]);
        expect(code).toBe(2);
        expect(doc.resources).toEqual([]);
        expect(doc.errors.join("\n")).toContain(`model-service:allowedCidrs = "[]": is empty while public is true: ${runtime} puts a LoadBalancer Service that does not authenticate callers in front`);
    });
});

/** Sentences (split at ; and .) that mention authentication, with the runtimes each one names. */
function authClaims(text: string): { text: string; runtimes: Runtime[]; negative: boolean }[] {
    return text
        .split(/(?<=[.;])\s+/)
        .filter((sentence) => /authenticat/i.test(sentence))
        .map((sentence) => ({
            text: sentence,
            runtimes: RUNTIME_NAMES.filter((r) => new RegExp(`\\b${r}\\b`).test(sentence)),
            negative: /\b(not|never|no|without)\b[^.;]*authenticat|unauthenticated/i.test(sentence),
        }));
}

describe("the docs claim authentication only where the feature table (and the code) has it", () => {
    const project = parse(fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), "utf8")) as { config: Record<string, { description: string }> };
    const readmeRow = fs
        .readFileSync(path.join(PROJECT_DIR, "README.md"), "utf8")
        .split("\n")
        .find((line) => line.startsWith("| `public` |"));
    const texts: [string, string][] = [
        ["Pulumi.yaml public", project.config.public!.description],
        ["README config table, public", readmeRow?.split(" | ")[3] ?? ""],
    ];

    it.each(texts)("%s: every sentence about authentication names its runtimes, and each is right", (_, text) => {
        const claims = authClaims(text);
        expect(claims.length, text).toBeGreaterThan(0);
        for (const claim of claims) {
            expect(claim.runtimes.length, `a blanket claim: "${claim.text}"`).toBeGreaterThan(0);
            for (const runtime of claim.runtimes) expect(FEATURE_TABLE[runtime].auth, `"${claim.text}" about ${runtime}`).toBe(!claim.negative);
        }
        const warned = claims.filter((c) => c.negative).flatMap((c) => c.runtimes);
        for (const runtime of RUNTIME_NAMES.filter((r) => !FEATURE_TABLE[r].auth)) expect(warned, `${runtime} does not authenticate; the text must say so`).toContain(runtime);
    });

    it("catches the claims this test exists for", () => {
        const bad = ["Reachable from the internet. Off by default: the endpoint stays private and authenticated.", "reachable from the internet; the endpoint stays authenticated either way", "gke and aks authenticate every call."];
        for (const text of bad) {
            const wrong = authClaims(text).some((c) => c.runtimes.length === 0 || c.runtimes.some((r) => FEATURE_TABLE[r].auth !== !c.negative));
            expect(wrong, text).toBe(true);
        }
    });
});
