import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { armCredentialChoice, type ArmCredentialChoice } from "./armCredential";

type Env = Readonly<Record<string, string | undefined>>;

interface ExecConfig {
    command?: string;
    args?: string[];
    env?: { name: string; value: string }[] | null;
    [key: string]: unknown;
}

/**
 * kubelogin's arguments for the identity azure-native deploys as, never an interactive login. The modes
 * and flags are kubelogin's (Azure/kubelogin pkg/internal/token/options.go and provider.go): `azurecli`;
 * `spn --use-azurerm-env-vars`, which reads ARM_CLIENT_ID, ARM_CLIENT_SECRET, ARM_CLIENT_CERTIFICATE_PATH
 * (PFX), ARM_CLIENT_CERTIFICATE_PASSWORD and ARM_TENANT_ID when it runs, so no secret lands in the
 * kubeconfig; `workloadidentity` with the federated token file, or GitHub Actions' token endpoint when
 * ACTIONS_ID_TOKEN_REQUEST_* are set; `msi`, with the user-assigned identity's client id.
 */
export function kubeloginLogin(choice: ArmCredentialChoice, env: Env): string[] {
    switch (choice.kind) {
        case "clientSecret":
        case "clientCertificate":
            return ["--login", "spn", "--use-azurerm-env-vars"];
        case "oidc":
            if (choice.oidcSource === "token" || choice.oidcSource === undefined) {
                throw new Error(
                    "aks: kubelogin cannot take an OIDC token from ARM_OIDC_TOKEN. Fix: write the token to a file and set ARM_OIDC_TOKEN_FILE_PATH instead, or run in GitHub Actions with `permissions: id-token: write`",
                );
            }
            return [
                "--login",
                "workloadidentity",
                "--client-id",
                choice.clientId ?? "",
                "--tenant-id",
                choice.tenantId ?? "",
                ...(choice.oidcSource === "file" ? ["--federated-token-file", (env.ARM_OIDC_TOKEN_FILE_PATH ?? "").trim()] : []),
            ];
        case "managedIdentity":
            return ["--login", "msi", ...(choice.clientId ? ["--client-id", choice.clientId] : [])];
        case "default":
        case "azureCli":
            return ["--login", "azurecli"];
    }
}

/** The value of `--flag` in kubelogin's arguments. */
function flag(args: readonly string[], name: string): string | undefined {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
}

/**
 * The user kubeconfig AKS returns, its kubelogin call rewritten to authenticate as whoever runs
 * `pulumi up` (see kubeloginLogin), keeping the cluster's server application id and cloud.
 */
export function nonInteractiveKubeconfig(text: string, env: Env): string {
    const config = parseYaml(text) as { users?: { user?: { exec?: ExecConfig } }[] } | null;
    const login = kubeloginLogin(armCredentialChoice(env), env);
    for (const user of config?.users ?? []) {
        const exec = user.user?.exec;
        if (!exec || exec.command !== "kubelogin") continue;
        const args = exec.args ?? [];
        const serverId = flag(args, "--server-id");
        const environment = flag(args, "--environment");
        const tenantId = flag(args, "--tenant-id");
        const kept = [...(environment ? ["--environment", environment] : []), ...(serverId ? ["--server-id", serverId] : [])];
        // The Azure CLI's own tenant is the cluster's; the other modes name theirs.
        const tenant = login[1] === "azurecli" && tenantId ? ["--tenant-id", tenantId] : [];
        exec.args = ["get-token", ...kept, ...login, ...tenant];
    }
    return stringifyYaml(config);
}
