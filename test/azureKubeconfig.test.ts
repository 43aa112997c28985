import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { nonInteractiveKubeconfig } from "../providers/azure/kubeconfig";
import { one, planJson } from "./helpers/plan";

// What AKS's listClusterUserCredential returns with format=exec for an Entra ID cluster.
const AKS_KUBECONFIG = `apiVersion: v1
kind: Config
clusters:
- cluster:
    certificate-authority-data: Q0E=
    server: https://iris-dev-abc.hcp.eastus.azmk8s.io:443
  name: iris-dev
contexts:
- context:
    cluster: iris-dev
    user: clusterUser_rg_iris-dev
  name: iris-dev
current-context: iris-dev
users:
- name: clusterUser_rg_iris-dev
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      args:
      - get-token
      - --environment
      - AzurePublicCloud
      - --server-id
      - 6dae42f8-4368-4678-94ff-3960e28e3630
      - --client-id
      - 80faf920-1908-4b52-b5ef-a8e7bedfc67a
      - --tenant-id
      - tenant-of-cluster
      - --login
      - devicecode
      command: kubelogin
      env: null
      provideClusterInfo: false
`;

function execOf(text: string): { command: string; args: string[]; env: unknown } {
    return (parseYaml(text) as { users: { user: { exec: { command: string; args: string[]; env: unknown } } }[] }).users[0]!.user.exec;
}

const SP = { ARM_TENANT_ID: "tenant-1", ARM_CLIENT_ID: "client-1" };
const SERVER = ["get-token", "--environment", "AzurePublicCloud", "--server-id", "6dae42f8-4368-4678-94ff-3960e28e3630"];

describe("aks: kubelogin as the identity pulumi deploys as, never a device-code login (issue 14 item 4)", () => {
    const cases: [string, Record<string, string>, string[]][] = [
        ["az login locally: the Azure CLI's token", {}, [...SERVER, "--login", "azurecli", "--tenant-id", "tenant-of-cluster"]],
        ["a service principal with a secret: kubelogin reads ARM_* itself", { ...SP, ARM_CLIENT_SECRET: "s3cret" }, [...SERVER, "--login", "spn", "--use-azurerm-env-vars"]],
        ["a service principal with a certificate", { ...SP, ARM_CLIENT_CERTIFICATE_PATH: "/secrets/sp.pfx" }, [...SERVER, "--login", "spn", "--use-azurerm-env-vars"]],
        ["workload identity with a token file", { ...SP, ARM_USE_OIDC: "true", ARM_OIDC_TOKEN_FILE_PATH: "/var/run/secrets/token" }, [...SERVER, "--login", "workloadidentity", "--client-id", "client-1", "--tenant-id", "tenant-1", "--federated-token-file", "/var/run/secrets/token"]],
        ["GitHub Actions OIDC: kubelogin asks GitHub's token endpoint", { ...SP, ARM_USE_OIDC: "true", ACTIONS_ID_TOKEN_REQUEST_URL: "https://gh.example/t", ACTIONS_ID_TOKEN_REQUEST_TOKEN: "x" }, [...SERVER, "--login", "workloadidentity", "--client-id", "client-1", "--tenant-id", "tenant-1"]],
        ["a user-assigned managed identity", { ARM_USE_MSI: "true", ARM_CLIENT_ID: "client-1" }, [...SERVER, "--login", "msi", "--client-id", "client-1"]],
        ["the system-assigned managed identity", { ARM_USE_MSI: "true" }, [...SERVER, "--login", "msi"]],
    ];
    for (const [title, env, args] of cases) {
        it(title, () => {
            const exec = execOf(nonInteractiveKubeconfig(AKS_KUBECONFIG, env));
            expect(exec.command).toBe("kubelogin");
            expect(exec.args).toEqual(args);
            expect(JSON.stringify(exec)).not.toMatch(/devicecode|s3cret/);
        });
    }

    it("refuses an OIDC token given as a value, which kubelogin cannot take, saying what to set", () => {
        expect(() => nonInteractiveKubeconfig(AKS_KUBECONFIG, { ...SP, ARM_USE_OIDC: "true", ARM_OIDC_TOKEN: "jwt" })).toThrow(/ARM_OIDC_TOKEN_FILE_PATH/);
    });

    it("the plan's Kubernetes provider gets the rewritten kubeconfig of the mocked AKS answer, kept secret", () => {
        const { doc } = planJson(["--stack", "dev", "--config", "cloud=azure", "--config", "runtime=aks", "--config", "image=mcr.microsoft.com/azureml/minimal-ubuntu22.04-py39-cpu-inference:latest"]);
        const provider = one(doc, "pulumi:providers:kubernetes");
        expect(provider.secretInputs).toContain("kubeconfig");
        const exec = execOf(String(provider.inputs.kubeconfig));
        expect(exec.args).toContain("azurecli");
        expect(exec.args).not.toContain("devicecode");
        expect(exec.args).toContain("6dae42f8-4368-4678-94ff-3960e28e3630");
    });
});
