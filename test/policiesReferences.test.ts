import { describe, expect, it } from "vitest";
import { evaluatePolicies, plaintextSecretsInState } from "../offline/evaluatePolicies";
import { POLICIES } from "../policies/rules";
import { findSecretInConfigFile } from "../policies/secretPatterns";
import { resource } from "./helpers/resources";

// Issue 18 item 7: references are not leaks and placeholders are not credentials, and a literal
// credential written into a configuration file held in a ConfigMap or an app setting is found.

/** Every secret-store reference and template form of the platforms the pack covers, as a secret-named value. */
const REFERENCES: readonly [string, string][] = [
    ["Key Vault reference by SecretUri", "@Microsoft.KeyVault(SecretUri=https://myvault.vault.azure.net/secrets/db-password/)"],
    ["Key Vault reference by versioned SecretUri", "@Microsoft.KeyVault(SecretUri=https://myvault.vault.azure.net/secrets/db-password/ec96f02080254f109c51a1f14cdb1931)"],
    ["Key Vault reference by VaultName and SecretName", "@Microsoft.KeyVault(VaultName=myvault;SecretName=db-password)"],
    ["Key Vault reference with a SecretVersion", "@Microsoft.KeyVault(VaultName=myvault;SecretName=db-password;SecretVersion=ec96f02080254f109c51a1f14cdb1931)"],
    ["Key Vault secret URI", "https://myvault.vault.azure.net/secrets/db-password/ec96f02080254f109c51a1f14cdb1931"],
    ["Secrets Manager ARN", "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-password-AbCdEf"],
    ["SSM parameter ARN", "arn:aws:ssm:us-east-1:123456789012:parameter/prod/db/password"],
    ["SSM parameter name", "/prod/db/password"],
    ["CloudFormation dynamic reference (Secrets Manager)", "{{resolve:secretsmanager:prod/db:SecretString:password}}"],
    ["CloudFormation dynamic reference by ARN", "{{resolve:secretsmanager:arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf:SecretString:password::}}"],
    ["CloudFormation dynamic reference (SSM SecureString)", "{{resolve:ssm-secure:/prod/db/password:3}}"],
    ["Secret Manager version by project id", "projects/my-project/secrets/db-password/versions/latest"],
    ["Secret Manager version by project number", "projects/123456789012/secrets/db-password/versions/3"],
    ["${VAR}", "${DB_PASSWORD}"],
    ["GitHub Actions expression", "${{ secrets.DB_PASSWORD }}"],
    ["Terraform variable", "${var.db_password}"],
    ["Helm template", "{{ .Values.db.password }}"],
    ["Jinja template", "{{ db_password }}"],
    ["<PLACEHOLDER>", "<PLACEHOLDER>"],
    ["<your-password>", "<your-password>"],
    ["$(VAR), Kubernetes dependent variable", "$(DB_PASSWORD)"],
    ["$VAR", "$DB_PASSWORD"],
    ["a connection string around ${VAR}", "postgres://app:${DB_PASSWORD}@db:5432/app"],
    ["a connection string around $(VAR)", "postgres://app:$(DB_PASSWORD)@db:5432/app"],
    ["Python interpolation", "%(DB_PASSWORD)s"],
    ["Octopus / Azure DevOps token", "#{DbPassword}#"],
];

/** The same references written into configuration files. */
const REFERENCE_FILES: readonly [string, string][] = [
    ["application.properties", "spring.datasource.url=jdbc:postgresql://db:5432/app\nspring.datasource.password=${DB_PASSWORD}\napi.token=$(API_TOKEN)\n"],
    [
        "config.yaml",
        "database:\n  password: ${DB_PASSWORD}\n  token: \"{{resolve:secretsmanager:prod/db:SecretString:password}}\"\n  kv: \"@Microsoft.KeyVault(SecretUri=https://myvault.vault.azure.net/secrets/db/)\"\n  api_key: <YOUR_API_KEY>\n  secret: $(SECRET)\n  gcp_secret: projects/p/secrets/s/versions/latest\n  secret_arn: arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf\n  client_secret: '{{ .Values.clientSecret }}'\n",
    ],
    ["appsettings.json", '{\n  "ApiKey": "@Microsoft.KeyVault(VaultName=myvault;SecretName=api-key)",\n  "ClientSecret": "#{ClientSecret}#"\n}\n'],
    ["settings.ini", "[database]\npassword = %(DB_PASSWORD)s\n"],
    ["web.config", '<appSettings>\n  <add key="ApiKey" value="#{ApiKey}#" />\n  <add key="Password" value="${DB_PASSWORD}" />\n</appSettings>\n'],
    ["deployment.yaml", "env:\n  - name: DB_PASSWORD\n    valueFrom:\n      secretKeyRef:\n        name: db-credentials\n        key: password\n"],
    ["prometheus.yml", "scrape_configs:\n  - job_name: model\n    bearer_token_file: /var/run/secrets/kubernetes.io/serviceaccount/token\n"],
];

/** Configuration files with a literal credential in them. */
const LEAKING_FILES: readonly [string, string, string][] = [
    ["application.properties", "spring.datasource.url=jdbc:postgresql://db:5432/app\nspring.datasource.username=app\nspring.datasource.password=Zq8pW3rT9vLx2mNc\n", "Zq8pW3rT9vLx2mNc"],
    ["appsettings.json", '{\n  "ConnectionStrings": {\n    "Default": "Server=db;Database=app;User Id=sa;Password=Kp4vN8qR2wYz6tLb;"\n  }\n}\n', "Kp4vN8qR2wYz6tLb"],
    ["config.yaml", "database:\n  host: db\n  password: Hq3mX7vB1nZc9wRt\nlogLevel: info\n", "Hq3mX7vB1nZc9wRt"],
    [".env", "DB_HOST=db\nAPI_TOKEN=tk_9f8e7d6c5b4a3928\n", "tk_9f8e7d6c5b4a3928"],
    ["web.config", '<appSettings>\n  <add key="ApiKey" value="9f8e7d6c5b4a39281706" />\n</appSettings>\n', "9f8e7d6c5b4a39281706"],
];

/** The pack's mandatory findings, and the offline plan's own (a credential in plaintext state). */
const mandatory = async (r: ReturnType<typeof resource>) => [...(await evaluatePolicies(POLICIES, [r])), ...plaintextSecretsInState([r])].filter((v) => v.level === "mandatory");

/** Where the pack reads a secret-named plain value, one resource per platform. */
function holders(name: string, value: string): ReturnType<typeof resource>[] {
    return [
        resource("kubernetes:core/v1:ConfigMap", { data: { [name]: value } }),
        resource("kubernetes:apps/v1:Deployment", { spec: { template: { spec: { containers: [{ name: "server", env: [{ name, value }] }] } } } }),
        resource("aws:lambda/function:Function", { environment: { variables: { [name]: value } } }),
        resource("aws:ecs/taskDefinition:TaskDefinition", { containerDefinitions: JSON.stringify([{ name: "server", environment: [{ name, value }] }]) }),
        resource("gcp:cloudrunv2/service:Service", { template: { containers: [{ envs: [{ name, value }] }] } }),
        resource("azure-native:web:WebApp", { siteConfig: { appSettings: [{ name, value }] } }),
        resource("azure-native:web:WebAppApplicationSettings", { properties: { [name]: value } }),
        resource("azure-native:machinelearningservices:OnlineDeployment", { properties: { environmentVariables: { [name]: value } } }),
    ];
}

describe("references and placeholders are not leaks", () => {
    it.each(REFERENCES)("%s under a secret-named key passes on every platform", async (_what, value) => {
        for (const r of holders("DB_PASSWORD", value)) expect(await mandatory(r), `${r.type}: ${value}`).toEqual([]);
    });

    it("structural references pass: Kubernetes secretKeyRef, ECS secrets valueFrom, App Service Key Vault settings", async () => {
        const structural = [
            resource("kubernetes:apps/v1:Deployment", { spec: { template: { spec: { containers: [{ name: "server", env: [{ name: "DB_PASSWORD", valueFrom: { secretKeyRef: { name: "db-credentials", key: "password" } } }] }] } } } }),
            resource("aws:ecs/taskDefinition:TaskDefinition", { containerDefinitions: JSON.stringify([{ name: "server", secrets: [{ name: "DB_PASSWORD", valueFrom: "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf" }] }]) }),
            resource("azure-native:web:WebApp", { siteConfig: { appSettings: [{ name: "DB_PASSWORD", value: "@Microsoft.KeyVault(VaultName=myvault;SecretName=db-password)" }] } }),
        ];
        for (const r of structural) expect(await mandatory(r), r.type).toEqual([]);
    });

    it.each(REFERENCE_FILES)("%s holding only references passes in a ConfigMap and an app setting", async (file, text) => {
        expect(findSecretInConfigFile(text)).toBeUndefined();
        for (const r of holders(file, text)) expect(await mandatory(r), `${r.type}: ${file}`).toEqual([]);
    });
});

describe("a literal credential inside a configuration file is found", () => {
    it.each(LEAKING_FILES)("%s in a ConfigMap, an environment and an app setting, without echoing the value", async (file, text, secret) => {
        for (const r of holders(file, text)) {
            const found = await mandatory(r);
            expect(found.map((v) => v.policy), `${r.type}: ${file}`).toEqual(["no-secret-literals"]);
            expect(found[0]!.message).not.toContain(secret);
        }
    });

    it("names the file's key in the message, and leaves one-line values and labels to the key-name rules", async () => {
        const [configMap] = holders("application.properties", LEAKING_FILES[0]![1]);
        expect((await mandatory(configMap!))[0]!.message).toContain("it holds a literal spring.datasource.password in a configuration file");
        expect(findSecretInConfigFile("password=Zq8pW3rT9vLx2mNc")).toBeUndefined();
        const labelled = resource("kubernetes:core/v1:ConfigMap", { metadata: { annotations: { note: "rotated:\npassword: Zq8pW3rT9vLx2mNc" } }, data: {} });
        expect(await mandatory(labelled)).toEqual([]);
    });
});
