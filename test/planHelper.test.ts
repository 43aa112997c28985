import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, inject, it } from "vitest";
import { knownPlanArgs, PlanPool, requestPlan } from "../offline/planPool";
import { PROJECT_DIR, planJson, runPlanCli, spawnPlanCli } from "./helpers/plan";

// test/helpers/plan.ts memoizes plans by their arguments; these prove what it must not hide.
const root = fs.mkdtempSync(path.join(os.tmpdir(), "plan-helper-"));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe("the plan helpers' memo", () => {
    it("plans again when the arguments name a file under the temp dir, which a test may have rewritten", () => {
        const model = path.join(root, "model");
        fs.mkdirSync(model);
        fs.writeFileSync(path.join(model, "model.onnx"), "not an ONNX model");
        const args = ["--stack", "dev", "--config", `modelArtifact=${model}`, "--config", `modelArtifactRoot=${root}`];
        expect(runPlanCli(args).code).toBe(2);
        for (const f of fs.readdirSync(path.join(PROJECT_DIR, "examples", "iris-onnx"))) fs.copyFileSync(path.join(PROJECT_DIR, "examples", "iris-onnx", f), path.join(model, f));
        const again = runPlanCli(args);
        expect(again.code, again.stderr).toBe(0);
    });

    it("hands every caller its own document, so one test's changes do not reach another's", () => {
        const first = planJson(["--stack", "dev"]).doc;
        const count = first.resources.length;
        expect(count).toBeGreaterThan(0);
        first.resources.length = 0;
        expect(planJson(["--stack", "dev"]).doc.resources).toHaveLength(count);
    });
});

describe("the synchronous pool client (test/helpers/planClient.cjs)", () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { requestPlanSync } = require("./helpers/planClient.cjs") as { requestPlanSync: (socket: string, request: string) => string };

    it("answers from the run's pool without starting a process, and says which socket failed when there is none", async () => {
        // The run's pool serves from the global setup's process: this thread waits while another serves.
        const socket = inject("planPoolSocket");
        expect(socket).toBeTruthy();
        const args = ["--stack", "dev", "--config", "cloud=nope", "--json"];
        const answer = JSON.parse(requestPlanSync(socket!, JSON.stringify({ args, memo: false }))) as { code: number; stdout: string };
        expect(answer.code).toBe(2);
        expect(answer).toEqual(await requestPlan(socket!, args, false));
        const missing = path.join(root, "no-socket");
        expect(() => requestPlanSync(missing, "{}")).toThrow(`plan pool at ${missing}: connect ENOENT`);
    });
});

describe("the plan pool (offline/planServer.ts)", () => {
    // One server, so each plan follows others of other clouds, programs and outcomes in the same process.
    const pool = new PlanPool(1);
    afterAll(() => pool.stop());
    const fixture = ["--stack", "dev", "--program", "test/fixtures/engine/previewBreaches.cjs", "--json"];
    const sequence: [string, string[]][] = [
        ["aws", ["--stack", "dev", "--json"]],
        ["gcp after aws", ["--stack", "dev", "--config", "cloud=gcp", "--json"]],
        ["a --program fixture", fixture],
        ["the same fixture again: its module is loaded afresh", fixture],
        ["azure, human output", ["--stack", "prod", "--config", "cloud=azure", "--config", "runtime=aks"]],
        // The modules of dynamic providers stay loaded between plans: their second use must serialize as a new process does.
        ["vertex again, prod: its dynamic provider's module was kept", ["--stack", "prod", "--config", "cloud=gcp", "--json"]],
        ["aks again, dev: the rollout guard and cluster access were kept", ["--stack", "dev", "--config", "cloud=azure", "--config", "runtime=aks", "--json"]],
        ["invalid config", ["--stack", "dev", "--config", "cloud=nope", "--json"]],
        ["aws after all of them", ["--stack", "dev", "--json"]],
    ];

    it("answers every plan byte for byte as its own `npm run plan` process does, whatever ran before it on the server", async () => {
        const codes = new Set<number | null>();
        for (const [label, args] of sequence) {
            const served = await pool.plan({ args, memo: false });
            const own = spawnPlanCli(args);
            expect({ label, ...served }).toEqual({ label, ...own });
            codes.add(own.code);
        }
        // Not vacuous: the sequence holds both outcomes.
        expect([...codes].sort()).toEqual([0, 2]);
    });

    it("memoizes only when asked, and hands each caller the same answer", async () => {
        const args = ["--stack", "dev", "--json"];
        const [a, b] = await Promise.all([pool.plan({ args, memo: true }), pool.plan({ args, memo: true })]);
        expect(a).toBe(b);
        expect(await pool.plan({ args, memo: false })).not.toBe(a);
    });

    it("answers a memoized gRPC preview with the known run of the plan without --preview, byte for byte as the preview's own process does", async () => {
        const program = ["--stack", "dev", "--program", "test/fixtures/engine/previewBreaches.cjs", "--engine", "grpc"];
        const preview = [...program, "--preview", "--json"];
        const before = pool.plansMade;
        const served = await pool.plan({ args: preview, memo: true });
        // The plan without --preview, then the preview with its URNs: one program run each.
        expect(pool.plansMade - before).toBe(2);
        await pool.plan({ args: [...program, "--json"], memo: true });
        expect(pool.plansMade - before).toBe(2);
        // Its own process runs the known run itself, beside the preview: the same verdict, a registration inside apply among it.
        expect(served).toEqual(spawnPlanCli(preview));
        expect(served.code).toBe(2);
        expect(served.stdout).toContain("aws:s3/bucketPolicy:BucketPolicy::data-tls-only is registered only once outputs are known");
    });

    it("takes the known run from the memo only for gRPC previews with --json, and plans every other as asked", () => {
        expect(knownPlanArgs(["--stack", "dev", "--engine", "grpc", "--preview", "--json"])).toEqual(["--stack", "dev", "--engine", "grpc", "--json"]);
        expect(knownPlanArgs(["--stack", "dev", "--engine=grpc", "--json", "--preview"])).toEqual(["--stack", "dev", "--engine=grpc", "--json"]);
        expect(knownPlanArgs(["--stack", "dev", "--engine", "grpc", "--preview"])).toBeUndefined();
        expect(knownPlanArgs(["--stack", "dev", "--engine", "grpc", "--json"])).toBeUndefined();
        expect(knownPlanArgs(["--stack", "dev", "--preview", "--json"])).toBeUndefined();
        expect(knownPlanArgs(["--stack", "dev", "--engine", "in-process", "--preview", "--json"])).toBeUndefined();
    });
});
