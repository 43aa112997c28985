import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { collectOutput } from "../offline/cliOutput";
import { runPolicyCliSafely } from "../offline/policyCli";
import { PROJECT_DIR, runPlanCli } from "./helpers/plan";

const LAUNCHER = path.join(PROJECT_DIR, "offline", "launch.cjs");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "policy-cli-"));

function write(name: string, content: unknown): string {
    const file = path.join(dir, name);
    fs.writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content));
    return file;
}

/** `npm run policy -- <args>` in this process: the tool's own entry point, its output collected. */
const policy = (...args: string[]) => collectOutput((out) => runPolicyCliSafely(args, out));

/** `npm run policy -- <args>` as its own process, where the exit code and a read that could block matter end to end. */
function policyProcess(...args: string[]) {
    const run = spawnSync(process.execPath, [LAUNCHER, "offline/policyCli", ...args], { cwd: PROJECT_DIR, encoding: "utf8", timeout: 60_000 });
    return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

const SECRET_SIG = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270" };

describe("npm run policy", () => {
    it("passes the offline plan of the dev stack", () => {
        const plan = runPlanCli(["--stack", "dev", "--json"]);
        const run = policyProcess(write("plan.json", plan.stdout), "--json");
        expect(run.code).toBe(0);
        expect(JSON.parse(run.stdout)).toEqual({ violations: [] });
    });

    it("fails a minimal document with a public bucket, naming resource and policy", async () => {
        const file = write("minimal.json", { resources: [{ type: "aws:s3/bucket:Bucket", name: "site", inputs: { acl: "public-read" } }] });
        const run = await policy(file, "--json");
        expect(run.code).toBe(1);
        const { violations } = JSON.parse(run.stdout) as { violations: { policy: string; level: string; name: string; urn: string; message: string }[] };
        expect(violations.map((v) => [v.policy, v.level, v.name])).toEqual([
            ["s3-no-public-acl", "mandatory", "site"],
            ["s3-bucket-public-access-blocked", "mandatory", "site"],
        ]);
        expect(violations[0]?.urn).toBe("urn:pulumi:file::policy::aws:s3/bucket:Bucket::site");
    });

    it("reads `pulumi stack export`, where encrypted inputs count as secret", async () => {
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
        const run = await policy(write("export.json", exported));
        expect(run.code).toBe(0);
        expect(run.stdout).toContain("2 resources checked: 0 mandatory");
    });

    it("exits 2 on a file it cannot read, saying why", async () => {
        expect((await policy(write("broken.json", "{ nope"))).code).toBe(2);
        const run = await policy(write("other.json", { hello: "world" }));
        expect(run.code).toBe(2);
        expect(run.stderr).toContain("no resources found");
        expect((await policy(path.join(dir, "missing.json"))).code).toBe(2);
    });

    it("refuses FIFOs, devices and directories with exit 2 and one line, without blocking", () => {
        const fifo = path.join(dir, "plan.fifo");
        spawnSync("mkfifo", [fifo]);
        for (const file of [fifo, "/dev/zero", dir]) {
            const run = policyProcess(file);
            expect(run.code).toBe(2);
            expect(run.stderr.trim().split("\n")).toHaveLength(1);
            expect(run.stderr).toMatch(/^Cannot read .*: (not a regular file|a directory)/);
        }
    });

    it("refuses a file over the size cap without reading it", async () => {
        const huge = path.join(dir, "huge.json");
        fs.writeFileSync(huge, "");
        fs.truncateSync(huge, 256 * 1024 * 1024 + 1); // sparse: nothing is written
        const run = await policy(huge);
        expect(run.code).toBe(2);
        expect(run.stderr).toMatch(/over the 256 MiB limit\n$/);
        fs.rmSync(huge);
    });

    it("refuses wrongly typed fields with exit 2 and one line naming the field, never a stack trace", async () => {
        const cases: [unknown, string][] = [
            [{ resources: [{ type: "aws:s3/bucket:Bucket", name: 42 }] }, '"name" must be a string'],
            [{ resources: [{ type: "aws:s3/bucket:Bucket", inputs: "acl=public-read" }] }, '"inputs" must be an object'],
            [{ resources: [{ type: "aws:s3/bucket:Bucket", secretInputs: "x" }] }, '"secretInputs" must be a list of strings'],
            [{ resources: [{ type: "aws:s3/bucket:Bucket", options: { dependsOn: 1 } }] }, '"options.dependsOn" must be a list of strings'],
            [{ resources: [{ type: "aws:s3/bucket:Bucket", propertyDependencies: { bucket: "urn" } }] }, '"propertyDependencies.bucket" must be a list of URNs'],
            [{ resources: [null] }, "resource #1 is not an object"],
            [{ resources: [{ type: 7 }] }, 'resource #1 has no "type" string'],
        ];
        for (const [doc, why] of cases) {
            const run = await policy(write("typed.json", doc));
            expect(run.code).toBe(2);
            expect(run.stderr).toContain(why);
            expect(run.stderr.trim().split("\n")).toHaveLength(1);
            expect(run.stderr).not.toMatch(/\n\s+at /);
        }
        const partialOptions = await policy(write("options.json", { resources: [{ type: "aws:s3/bucket:Bucket", name: "b", options: { protect: true } }] }));
        expect(partialOptions.code).toBe(1);
    });

    it("neutralises terminal escape sequences and control characters in names in human output", async () => {
        const name = "site\u001b[2J\u001b]0;owned\u0007\r\nfake";
        const run = await policy(write("escape.json", { resources: [{ type: "aws:s3/bucket:Bucket", name, inputs: { acl: "public-read" } }] }));
        expect(run.code).toBe(1);
        expect(run.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f]/);
        expect(run.stdout).toContain("site\\x1b[2J\\x1b]0;owned\\x07\\x0d\\x0afake");
    });
});
