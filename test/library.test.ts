import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_DIR, ofType, planJson } from "./helpers/plan";

const EXAMPLE = "examples/two-services/index.ts";

/** The physical names a service's children were given explicitly (not autonamed), by type. */
function explicitNames(doc: ReturnType<typeof planJson>["doc"], service: string): string[] {
    return doc.resources.filter((r) => r.custom && r.name.startsWith(`${service}-`) && typeof r.inputs.name === "string").map((r) => `${r.type} ${String(r.inputs.name)}`);
}

describe("ModelService as a library (issue 21)", () => {
    it("is the package's entry: package.json exports lib.ts, which loads no stack config; Pulumi.yaml names the stack program", () => {
        const pkg = JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "package.json"), "utf8")) as { main: string; types: string; exports: Record<string, { types: string; default: string }> };
        expect(pkg.main).toBe("lib.ts");
        expect(pkg.exports["."]).toEqual({ types: "./lib.ts", default: "./lib.ts" });
        // Pulumi takes the program from Pulumi.yaml's main before package.json's: the stack still runs index.ts.
        expect(fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), "utf8")).toMatch(/^main: index\.ts$/m);
        const entry = fs.readFileSync(path.join(PROJECT_DIR, "lib.ts"), "utf8");
        expect(entry).not.toMatch(/from "\.\/config"|pulumi\.Config|loadConfig/);
        expect(fs.readFileSync(path.join(PROJECT_DIR, "index.ts"), "utf8")).toMatch(/from "\.\/lib"/);
    });

    it("plans two services of one model in one stack, in two regions, with no contract breach and no shared physical name", () => {
        const { code, doc } = planJson(["--stack", "dev", "--program", EXAMPLE]);
        expect(doc.errors).toEqual([]);
        expect(doc.contract).toEqual([]);
        expect(code).toBe(0);

        const providers = ofType(doc, "pulumi:providers:aws");
        expect(providers.map((p) => [p.name, p.inputs.region]).sort()).toEqual([
            ["churn-eu-aws", "eu-west-1"],
            ["churn-us-aws", "us-east-1"],
        ]);
        const endpoints = ofType(doc, "aws:sagemaker/endpoint:Endpoint").map((e) => String(e.inputs.name));
        expect(endpoints).toHaveLength(2);
        expect(new Set(endpoints).size).toBe(2);

        const [eu, us] = [explicitNames(doc, "churn-eu"), explicitNames(doc, "churn-us")];
        // The endpoint and its log group; the other children are autonamed from their (distinct) logical names.
        expect(eu.map((n) => n.split(" ")[0]).sort()).toEqual(["aws:cloudwatch/logGroup:LogGroup", "aws:sagemaker/endpoint:Endpoint"]);
        expect(eu.length).toBe(us.length);
        expect(eu.filter((n) => us.includes(n))).toEqual([]);
        expect(doc.outputs.europeUrl).not.toEqual(doc.outputs.americaUrl);
        // raw, narrowed by runtime, is the SageMaker component: its endpoint's name is the one in the URL.
        expect(String(doc.outputs.europeUrl)).toContain(`/endpoints/${String(doc.outputs.europeEndpoint)}/`);
    });
});
