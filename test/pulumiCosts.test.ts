import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_DIR } from "./helpers/plan";

interface Probe {
    readonly atLoad: boolean;
    readonly values: number[];
    readonly framesBeforeRead: number;
    readonly debugString: string;
    readonly ids: number[];
    readonly codePaths: string[];
    readonly arboristAfterCodePaths: boolean;
}

/** The probe in a fresh Node.js process, with or without the preload (the workers of this suite have it). */
function probe(preload: boolean): Probe {
    const run = spawnSync(process.execPath, [...(preload ? ["--require", path.join(PROJECT_DIR, "offline", "pulumiCosts.cjs")] : []), path.join(PROJECT_DIR, "test", "fixtures", "pulumiCosts", "probe.cjs")], {
        cwd: PROJECT_DIR,
        encoding: "utf8",
        env: { ...process.env, NODE_OPTIONS: "" },
    });
    expect(run.status, run.stderr).toBe(0);
    return JSON.parse(run.stdout) as Probe;
}

describe("offline/pulumiCosts.cjs: what @pulumi/pulumi does that no plan reads, skipped without changing what code sees", () => {
    const [without, preloaded] = [probe(false), probe(true)];

    it("loads @npmcli/arborist only when computeCodePaths needs it, which then works as before", () => {
        expect(without.atLoad).toBe(true);
        expect(preloaded.atLoad).toBe(false);
        expect(preloaded.arboristAfterCodePaths).toBe(true);
        expect(preloaded.codePaths).toEqual(without.codePaths);
        expect(preloaded.codePaths).toContain(path.join("node_modules", "yaml"));
    });

    it("formats a debuggable promise's stack trace when it is read, not when the promise is made, and the trace names its caller", () => {
        expect(without.framesBeforeRead).toBe(3);
        expect(preloaded.framesBeforeRead).toBe(0);
        for (const run of [without, preloaded]) {
            expect(run.values).toEqual([0, 1, 2]);
            expect(run.ids[1]).toBe(run.ids[0]! + 1);
            expect(run.debugString).toMatch(/^CONTEXT\(\d+\): probe 1\nSTACK_TRACE:\nError\n {4}at (?:Object\.)?debuggablePromise .*\n {4}at registerLikeTheSdk .*probe\.cjs:\d+:\d+\)/);
        }
        // The same frames of the program's own code below the function that captured them.
        const programFrames = (s: string) => s.split("\n").filter((line) => line.includes("probe.cjs"));
        expect(programFrames(preloaded.debugString).length).toBeGreaterThan(1);
        expect(programFrames(preloaded.debugString)).toEqual(programFrames(without.debugString));
    });
});
