// The identity the azure-native provider authenticates as, read from the same environment variables in
// the same order, so the program's own calls (the dynamic providers' ARM and Prometheus requests, the
// Kubernetes provider's kubelogin) act as whoever `pulumi up` deploys as. The order and the variable
// names are azure-native's: provider/pkg/provider/auth_azidentity.go (newSingleMethodAuthCredential,
// readAuthConfig) in pulumi/pulumi-azure-native: default credential if asked, then client
// certificate, client secret, OIDC, managed identity, and the Azure CLI last.
//
// Everything here is plain functions that reach only each other, `process`, `require` and globals: the
// dynamic providers capture them and are serialized into the stack state with them.

export type ArmCredentialKind = "default" | "clientCertificate" | "clientSecret" | "oidc" | "managedIdentity" | "azureCli";

/** Which identity the environment selects, and what each kind needs; secrets are read again when used. */
export interface ArmCredentialChoice {
    readonly kind: ArmCredentialKind;
    readonly tenantId?: string;
    readonly clientId?: string;
    /** oidc: where the federated token comes from. */
    readonly oidcSource?: "token" | "file" | "github";
    /** What is missing for the chosen kind (the provider refuses it too), else empty. */
    readonly missing: readonly string[];
    /** One phrase naming the identity, for messages: never a secret. */
    readonly description: string;
}

type Env = Readonly<Record<string, string | undefined>>;

/** The identity selected by ARM_* variables, as azure-native selects it. */
export function armCredentialChoice(env: Env): ArmCredentialChoice {
    const value = (name: string) => (env[name] ?? "").trim();
    const tenantId = value("ARM_TENANT_ID") || undefined;
    const clientId = value("ARM_CLIENT_ID") || undefined;
    const needs = (names: Record<string, string | undefined>) => Object.entries(names).filter(([, v]) => !v).map(([k]) => k);
    if (value("ARM_USE_DEFAULT_AZURE_CREDENTIAL") === "true") {
        return { kind: "default", tenantId, clientId, missing: [], description: "the Default Azure Credential (ARM_USE_DEFAULT_AZURE_CREDENTIAL)" };
    }
    if (value("ARM_CLIENT_CERTIFICATE_PATH")) {
        return { kind: "clientCertificate", tenantId, clientId, missing: needs({ ARM_TENANT_ID: tenantId, ARM_CLIENT_ID: clientId }), description: `service principal ${clientId ?? "?"} with a client certificate (ARM_CLIENT_CERTIFICATE_PATH)` };
    }
    if (value("ARM_CLIENT_SECRET")) {
        return { kind: "clientSecret", tenantId, clientId, missing: needs({ ARM_TENANT_ID: tenantId, ARM_CLIENT_ID: clientId }), description: `service principal ${clientId ?? "?"} with a client secret (ARM_CLIENT_SECRET)` };
    }
    if (value("ARM_USE_OIDC") === "true") {
        const oidcSource = value("ARM_OIDC_TOKEN") ? "token" : value("ARM_OIDC_TOKEN_FILE_PATH") ? "file" : value("ACTIONS_ID_TOKEN_REQUEST_URL") && value("ACTIONS_ID_TOKEN_REQUEST_TOKEN") ? "github" : undefined;
        const missing = [...needs({ ARM_TENANT_ID: tenantId, ARM_CLIENT_ID: clientId }), ...(oidcSource ? [] : ["ARM_OIDC_TOKEN, ARM_OIDC_TOKEN_FILE_PATH or ACTIONS_ID_TOKEN_REQUEST_URL/ACTIONS_ID_TOKEN_REQUEST_TOKEN"])];
        return { kind: "oidc", tenantId, clientId, oidcSource, missing, description: `workload identity federation (OIDC) as ${clientId ?? "?"}` };
    }
    if (value("ARM_USE_MSI") === "true") {
        return { kind: "managedIdentity", tenantId, clientId, missing: [], description: clientId ? `the managed identity ${clientId} (ARM_USE_MSI)` : "the system-assigned managed identity (ARM_USE_MSI)" };
    }
    return { kind: "azureCli", tenantId, clientId, missing: [], description: "the Azure CLI's signed-in account (az login)" };
}

/** What @azure/identity needs of a token credential, as the dynamic providers use it. */
export interface ArmTokenCredential {
    getToken(scope: string): Promise<{ token: string; expiresOnTimestamp: number } | null>;
}

/**
 * The @azure/identity credential for the identity the environment selects (see armCredentialChoice):
 * ClientCertificateCredential (PEM; azure-native also reads PFX, which @azure/identity cannot),
 * ClientSecretCredential, ClientAssertionCredential over the OIDC token (a value, a file read at each
 * exchange, or GitHub's token endpoint with audience api://AzureADTokenExchange, as azure-native asks it),
 * ManagedIdentityCredential, or AzureCliCredential.
 */
export function armCredential(env: Env): ArmTokenCredential {
    const choice = armCredentialChoice(env);
    if (choice.missing.length > 0) throw new Error(`${choice.description} also needs ${choice.missing.join(" and ")}`);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const identity = require("@azure/identity") as typeof import("@azure/identity");
    const value = (name: string) => (env[name] ?? "").trim();
    const tenantId = choice.tenantId!;
    const clientId = choice.clientId!;
    switch (choice.kind) {
        case "default":
            return new identity.DefaultAzureCredential({ ...(choice.tenantId ? { tenantId: choice.tenantId } : {}), ...(choice.clientId ? { managedIdentityClientId: choice.clientId } : {}) });
        case "clientCertificate": {
            const certificatePath = value("ARM_CLIENT_CERTIFICATE_PATH");
            if (/\.(pfx|p12)$/i.test(certificatePath)) throw new Error(`ARM_CLIENT_CERTIFICATE_PATH (${certificatePath}) is a PKCS#12 file, which @azure/identity cannot read; convert it to PEM (openssl pkcs12 -in cert.pfx -out cert.pem -nodes) and point ARM_CLIENT_CERTIFICATE_PATH at that`);
            return new identity.ClientCertificateCredential(tenantId, clientId, { certificatePath });
        }
        case "clientSecret":
            return new identity.ClientSecretCredential(tenantId, clientId, value("ARM_CLIENT_SECRET"));
        case "oidc": {
            const audience = value("ARM_OIDC_AUDIENCE") || "api://AzureADTokenExchange";
            const assertion = async (): Promise<string> => {
                if (choice.oidcSource === "token") return value("ARM_OIDC_TOKEN");
                if (choice.oidcSource === "file") {
                    // eslint-disable-next-line @typescript-eslint/no-require-imports
                    return (require("node:fs") as typeof import("node:fs")).readFileSync(value("ARM_OIDC_TOKEN_FILE_PATH"), "utf8").trim();
                }
                const url = new URL(value("ACTIONS_ID_TOKEN_REQUEST_URL"));
                url.searchParams.set("audience", audience);
                const res = await fetch(url, { headers: { authorization: `Bearer ${value("ACTIONS_ID_TOKEN_REQUEST_TOKEN")}`, accept: "application/json" } });
                if (!res.ok) throw new Error(`GitHub OIDC token request failed: ${res.status}`);
                const token = ((await res.json()) as { value?: string }).value;
                if (!token) throw new Error("GitHub OIDC token response has no value");
                return token;
            };
            return new identity.ClientAssertionCredential(tenantId, clientId, assertion);
        }
        case "managedIdentity":
            return choice.clientId ? new identity.ManagedIdentityCredential({ clientId: choice.clientId }) : new identity.ManagedIdentityCredential();
        case "azureCli":
            return new identity.AzureCliCredential(choice.tenantId ? { tenantId: choice.tenantId } : {});
    }
}

/**
 * A bearer token source for one or more scopes over armCredential(process.env), built on first use;
 * each scope's token is kept until five minutes before it expires.
 */
export function armTokenSource(): (scope: string) => Promise<string> {
    let credential: ArmTokenCredential | undefined;
    const kept: Record<string, { token: string; expiresOnTimestamp: number }> = {};
    return async (scope) => {
        const cached = kept[scope];
        if (cached && cached.expiresOnTimestamp - Date.now() > 300_000) return cached.token;
        try {
            credential ??= armCredential(process.env);
            const token = await credential.getToken(scope);
            if (!token?.token) throw new Error("no access token was returned");
            kept[scope] = token;
            return token.token;
        } catch (err) {
            const choice = armCredentialChoice(process.env);
            throw new Error(
                `could not get an Azure token as ${choice.description}: ${err instanceof Error ? err.message : String(err)}. ` +
                    "Fix: run `az login`, or set the ARM_* variables the azure-native provider reads (ARM_TENANT_ID, ARM_CLIENT_ID and ARM_CLIENT_SECRET, ARM_CLIENT_CERTIFICATE_PATH, or ARM_USE_OIDC=true with a token, or ARM_USE_MSI=true)",
            );
        }
    };
}
