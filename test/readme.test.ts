import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_DIR, runPlanCli } from "./helpers/plan";

/** Hashes that move with the code (image digests, autoname suffixes) read as placeholders; the rest must match. */
function withoutHashes(text: string): string {
    return text.replace(/sha256:[0-9a-f]{64}/g, "sha256:<digest>").replace(/-[0-9a-f]{6,8}\b/g, "-<hash>");
}

describe("the README shows what the tools print", () => {
    it("prints the dev stack's plan exactly as the README's sample, hashes aside", () => {
        const readme = fs.readFileSync(path.join(PROJECT_DIR, "README.md"), "utf8");
        const sample = /What it prints for the dev stack:\n\n```\n([\s\S]*?)```/.exec(readme)?.[1];
        expect(sample, "README section with the dev plan's sample").toBeDefined();
        const run = runPlanCli(["--stack", "dev"]);
        expect(run.code).toBe(0);
        expect(withoutHashes(sample!)).toBe(withoutHashes(run.stdout));
    });
});
