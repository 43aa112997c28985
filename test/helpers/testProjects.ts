import * as fs from "node:fs";
import * as path from "node:path";

/**
 * Test files that construct components under Pulumi's mock runtime (pulumi.runtime.setMocks, directly or
 * through test/helpers/unitMocks.ts), or drive its runtime and closure serializer in-process: that state is
 * process-global, so vitest.config.mts gives each of these files a fresh process. Found by what the file
 * says, so a new file of this kind is isolated without a list to keep; test/vitestProjects.test.ts checks it.
 */
export const RUNTIME_STATE = /setMocks|helpers\/unitMocks|helpers\/serializedProvider|@pulumi\/pulumi\/runtime/;

/** The isolated files under `dir`, as project-relative paths ("test/x.test.ts"). */
export function isolatedTestFiles(dir: string): string[] {
    return fs
        .readdirSync(dir)
        .filter((name) => name.endsWith(".test.ts") && RUNTIME_STATE.test(fs.readFileSync(path.join(dir, name), "utf8")))
        .map((name) => `test/${name}`)
        .sort();
}
