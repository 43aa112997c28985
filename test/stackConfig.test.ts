import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { loadStackConfig, missingProjectKeys } from "../offline/stackConfig";
import { PROJECT_DIR } from "./helpers/plan";

function project(pulumiYaml: string, stackYaml: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stack-config-"));
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), pulumiYaml);
    fs.writeFileSync(path.join(dir, "Pulumi.dev.yaml"), stackYaml);
    return dir;
}

const DECLARED = "name: p\nruntime: nodejs\nconfig:\n  region:\n    type: string\n    default: eu\n  owner:\n    type: string\n  team:\n    type: string\n";

describe("stack config as the Pulumi CLI merges it", () => {
    it("refuses a stack that leaves a key declared without a default unset, naming every such key and the fix", () => {
        const dir = project(DECLARED, "config:\n  p:region: us\n");
        expect(() => loadStackConfig(dir, "dev")).toThrow(/^Stack 'dev' is missing configuration values 'owner', 'team': Pulumi\.yaml declares them without a default.*Fix: pulumi config set owner <value>; pulumi config set team <value>/);
    });

    it("counts a key set in the stack file or by --config / --secret as set, and fills in defaults", () => {
        const dir = project(DECLARED, "config:\n  p:owner: me\n");
        expect(loadStackConfig(dir, "dev", ["team=ml"]).values).toMatchObject({ "p:owner": "me", "p:team": "ml", "p:region": "eu" });
        expect(() => loadStackConfig(dir, "dev", [], ["team=ml"])).not.toThrow();
    });

    it("holds the shipped Pulumi.yaml to it: every key it declares has a default or is set by every stack", () => {
        const declared = (parse(fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), "utf8")) as { config: Record<string, never> }).config;
        for (const stack of ["dev", "prod"]) {
            const stackConfig = (parse(fs.readFileSync(path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, unknown> }).config;
            expect(missingProjectKeys("model-service", declared, stackConfig), `Pulumi.${stack}.yaml`).toEqual([]);
        }
    });

    it("ignores other namespaces' keys: provider config is the provider's to require", () => {
        expect(missingProjectKeys("p", { "aws:region": { type: "string" } as never }, {})).toEqual([]);
    });
});
