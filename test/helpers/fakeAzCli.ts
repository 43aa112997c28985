import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/**
 * A stand-in `az` on PATH, as @azure/identity's AzureCliCredential runs it (`az account get-access-token
 * --output json --resource R`): prints `token` for every resource and records the arguments, one line a call.
 */
export function installFakeAzCli(token: string): { dir: string; calls: () => string[]; restore: () => void } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fake-az-"));
    const log = path.join(dir, "calls.log");
    const expiresOn = Math.floor(Date.now() / 1000) + 3600;
    fs.writeFileSync(
        path.join(dir, "az"),
        `#!/bin/sh\necho "$@" >> "${log}"\necho '{"accessToken":"${token}","expires_on":${expiresOn},"expiresOn":"2099-01-01 00:00:00.000000","tokenType":"Bearer"}'\n`,
        { mode: 0o755 },
    );
    const previous = process.env.PATH;
    process.env.PATH = `${dir}${path.delimiter}${previous ?? ""}`;
    return {
        dir,
        calls: () => (fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n") : []),
        restore: () => {
            process.env.PATH = previous;
            fs.rmSync(dir, { recursive: true, force: true });
        },
    };
}

/** The ARM_* and ACTIONS_* variables azure-native reads, removed for a test and put back after. */
export const ARM_VARIABLES = [
    "ARM_TENANT_ID",
    "ARM_CLIENT_ID",
    "ARM_CLIENT_SECRET",
    "ARM_CLIENT_CERTIFICATE_PATH",
    "ARM_CLIENT_CERTIFICATE_PASSWORD",
    "ARM_USE_OIDC",
    "ARM_OIDC_TOKEN",
    "ARM_OIDC_TOKEN_FILE_PATH",
    "ARM_OIDC_AUDIENCE",
    "ARM_USE_MSI",
    "ARM_USE_DEFAULT_AZURE_CREDENTIAL",
    "ACTIONS_ID_TOKEN_REQUEST_URL",
    "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
] as const;

export function withArmEnv(values: Partial<Record<(typeof ARM_VARIABLES)[number], string>>): () => void {
    const saved = Object.fromEntries(ARM_VARIABLES.map((k) => [k, process.env[k]]));
    for (const k of ARM_VARIABLES) delete process.env[k];
    Object.assign(process.env, values);
    return () => {
        for (const k of ARM_VARIABLES) {
            if (saved[k] === undefined) delete process.env[k];
            else process.env[k] = saved[k];
        }
    };
}
