import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { armCredential, armCredentialChoice, armTokenSource } from "../providers/azure/armCredential";
import { installFakeAzCli, withArmEnv } from "./helpers/fakeAzCli";

const SP = { ARM_TENANT_ID: "tenant-1", ARM_CLIENT_ID: "client-1" };

describe("the identity azure-native deploys as, from ARM_* (auth_azidentity.go order)", () => {
    // By class name: the module requires @azure/identity as CommonJS, this test would import its ESM build.
    const cases: [string, Record<string, string>, string, string][] = [
        ["nothing set: the Azure CLI", {}, "azureCli", "AzureCliCredential"],
        ["AZURE_* alone is not azure-native's: still the Azure CLI", { AZURE_CLIENT_ID: "x", AZURE_CLIENT_SECRET: "y", AZURE_TENANT_ID: "z" }, "azureCli", "AzureCliCredential"],
        ["client secret", { ...SP, ARM_CLIENT_SECRET: "s3cret" }, "clientSecret", "ClientSecretCredential"],
        ["client certificate wins over a secret", { ...SP, ARM_CLIENT_SECRET: "s3cret", ARM_CLIENT_CERTIFICATE_PATH: "/tmp/cert.pem" }, "clientCertificate", "ClientCertificateCredential"],
        ["OIDC with a token", { ...SP, ARM_USE_OIDC: "true", ARM_OIDC_TOKEN: "jwt" }, "oidc", "ClientAssertionCredential"],
        ["OIDC with a token file", { ...SP, ARM_USE_OIDC: "true", ARM_OIDC_TOKEN_FILE_PATH: "/var/run/token" }, "oidc", "ClientAssertionCredential"],
        ["OIDC from GitHub Actions", { ...SP, ARM_USE_OIDC: "true", ACTIONS_ID_TOKEN_REQUEST_URL: "https://token.actions.example/x", ACTIONS_ID_TOKEN_REQUEST_TOKEN: "gh" }, "oidc", "ClientAssertionCredential"],
        ["a secret wins over OIDC", { ...SP, ARM_CLIENT_SECRET: "s3cret", ARM_USE_OIDC: "true", ARM_OIDC_TOKEN: "jwt" }, "clientSecret", "ClientSecretCredential"],
        ["system-assigned managed identity", { ARM_USE_MSI: "true" }, "managedIdentity", "ManagedIdentityCredential"],
        ["user-assigned managed identity", { ARM_USE_MSI: "true", ARM_CLIENT_ID: "client-1" }, "managedIdentity", "ManagedIdentityCredential"],
        ["the default credential when asked", { ARM_USE_DEFAULT_AZURE_CREDENTIAL: "true", ARM_CLIENT_SECRET: "s3cret" }, "default", "DefaultAzureCredential"],
    ];
    for (const [title, env, kind, credentialClass] of cases) {
        it(title, () => {
            expect(armCredentialChoice(env).kind).toBe(kind);
            expect(armCredential(env).constructor.name).toBe(credentialClass);
        });
    }

    it("names what a chosen kind lacks instead of falling through, and never echoes a secret", () => {
        const choice = armCredentialChoice({ ARM_CLIENT_SECRET: "s3cret", ARM_CLIENT_ID: "client-1" });
        expect(choice).toMatchObject({ kind: "clientSecret", missing: ["ARM_TENANT_ID"] });
        expect(() => armCredential({ ARM_CLIENT_SECRET: "s3cret", ARM_CLIENT_ID: "client-1" })).toThrow(/needs ARM_TENANT_ID/);
        expect(choice.description).not.toContain("s3cret");
        expect(armCredentialChoice({ ...SP, ARM_USE_OIDC: "true" }).missing).toEqual(["ARM_OIDC_TOKEN, ARM_OIDC_TOKEN_FILE_PATH or ACTIONS_ID_TOKEN_REQUEST_URL/ACTIONS_ID_TOKEN_REQUEST_TOKEN"]);
    });

    it("refuses a PKCS#12 certificate, which @azure/identity cannot read, saying how to convert it", () => {
        expect(() => armCredential({ ...SP, ARM_CLIENT_CERTIFICATE_PATH: "/tmp/sp.pfx" })).toThrow(/openssl pkcs12/);
    });
});

describe("armTokenSource", () => {
    let cleanup: (() => void)[] = [];
    afterEach(() => {
        cleanup.forEach((c) => c());
        cleanup = [];
    });

    it("gets each scope's token from the Azure CLI once while it is valid", async () => {
        cleanup.push(withArmEnv({}));
        const az = installFakeAzCli("cli-token");
        cleanup.push(az.restore);
        const tokens = armTokenSource();
        expect(await tokens("https://management.azure.com/.default")).toBe("cli-token");
        expect(await tokens("https://management.azure.com/.default")).toBe("cli-token");
        expect(await tokens("6dae42f8-4368-4678-94ff-3960e28e3630/.default")).toBe("cli-token");
        expect(az.calls()).toEqual([
            "account get-access-token --output json --resource https://management.azure.com",
            "account get-access-token --output json --resource 6dae42f8-4368-4678-94ff-3960e28e3630",
        ]);
    });

    it("fails naming the identity it tried and the ARM_* variables that fix it", async () => {
        cleanup.push(withArmEnv({ ARM_CLIENT_SECRET: "s3cret", ARM_CLIENT_ID: "client-1" }));
        const err = await armTokenSource()("https://management.azure.com/.default").catch((e: Error) => e);
        expect(String(err)).toMatch(/as service principal client-1 with a client secret .*needs ARM_TENANT_ID.*Fix: run `az login`, or set the ARM_\* variables/);
        expect(String(err)).not.toContain("s3cret");
    });

    it("takes an OIDC token file (as AKS workload identity and azure-native do)", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "oidc-"));
        cleanup.push(() => fs.rmSync(dir, { recursive: true, force: true }));
        const file = path.join(dir, "token");
        fs.writeFileSync(file, "jwt-1\n");
        expect(armCredentialChoice({ ...SP, ARM_USE_OIDC: "true", ARM_OIDC_TOKEN_FILE_PATH: file })).toMatchObject({ kind: "oidc", oidcSource: "file", missing: [] });
    });
});
