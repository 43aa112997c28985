import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_DIR, runPlanCli } from "./helpers/plan";

const LAUNCHER = path.join(PROJECT_DIR, "offline", "launch.cjs");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "policy-cli-"));

function write(name: string, content: unknown): string {
    const file = path.join(dir, name);
    fs.writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content));
    return file;
}

function policy(...args: string[]) {
    const run = spawnSync(process.execPath, [LAUNCHER, "offline/policyCli", ...args], { cwd: PROJECT_DIR, encoding: "utf8" });
    return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

const SECRET_SIG = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270" };

describe("npm run policy", () => {
    it("passes the offline plan of the dev stack", () => {
        const plan = runPlanCli(["--stack", "dev", "--json"]);
        const run = policy(write("plan.json", plan.stdout), "--json");
        expect(run.code).toBe(0);
        expect(JSON.parse(run.stdout)).toEqual({ violations: [] });
    });

    it("fails a minimal document with a public bucket, naming resource and policy", () => {
        const file = write("minimal.json", { resources: [{ type: "aws:s3/bucket:Bucket", name: "site", inputs: { acl: "public-read" } }] });
        const run = policy(file, "--json");
        expect(run.code).toBe(1);
        const { violations } = JSON.parse(run.stdout) as { violations: { policy: string; level: string; name: string; urn: string; message: string }[] };
        expect(violations.map((v) => [v.policy, v.level, v.name])).toEqual([
            ["s3-no-public-acl", "mandatory", "site"],
            ["s3-bucket-public-access-blocked", "mandatory", "site"],
        ]);
        expect(violations[0]?.urn).toBe("urn:pulumi:file::policy::aws:s3/bucket:Bucket::site");
    });

    it("reads `pulumi stack export`, where encrypted inputs count as secret", () => {
        const exported = {
            version: 3,
            deployment: {
                resources: [
                    { urn: "urn:pulumi:prod::p::pulumi:pulumi:Stack::p-prod", type: "pulumi:pulumi:Stack", custom: false },
                    {
                        urn: "urn:pulumi:prod::p::aws:lambda/function:Function::fn",
                        type: "aws:lambda/function:Function",
                        custom: true,
                        inputs: { environment: { variables: { DB_PASSWORD: { ...SECRET_SIG, ciphertext: "v1:abc" } } } },
                    },
                ],
            },
        };
        const run = policy(write("export.json", exported));
        expect(run.code).toBe(0);
        expect(run.stdout).toContain("2 resources checked: 0 mandatory");
    });

    it("exits 2 on a file it cannot read, saying why", () => {
        expect(policy(write("broken.json", "{ nope")).code).toBe(2);
        const run = policy(write("other.json", { hello: "world" }));
        expect(run.code).toBe(2);
        expect(run.stderr).toContain("no resources found");
        expect(policy(path.join(dir, "missing.json")).code).toBe(2);
    });
});
