import type * as pulumi from "@pulumi/pulumi";
import { AWS_OUTPUTS } from "./mockOutputs/aws";
import { AUTONAMES } from "../components/cloudRules";
import { AZURE_OUTPUTS } from "./mockOutputs/azure";
import { MOCK_AWS_ACCOUNT, MOCK_AZURE_SUBSCRIPTION, MOCK_AZURE_TENANT, MOCK_GCP_PROJECT_NUMBER, suffix, type OutputsOf } from "./mockOutputs/common";
import { GCP_OUTPUTS } from "./mockOutputs/gcp";
import { KUBERNETES_GUARD_OUTPUTS, kubernetesOutputs } from "./mockOutputs/kubernetes";

export { MOCK_AWS_ACCOUNT };

const OUTPUTS: Record<string, OutputsOf> = { ...AWS_OUTPUTS, ...GCP_OUTPUTS, ...AZURE_OUTPUTS, ...KUBERNETES_GUARD_OUTPUTS };

/**
 * Mocks that answer like the providers would: realistic ids and outputs per resource type, and the
 * data sources the program calls. Anything unknown is an error, so a new resource type cannot slip
 * through a plan with made-up outputs.
 */
export class RealisticMocks implements pulumi.runtime.Mocks {
    private readonly providers = new Map<string, Record<string, any>>();

    constructor(private readonly defaults: { readonly region: string; readonly project: string }, private readonly stack: string) {}

    newResource(args: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult {
        // Seeded by account too: another customer's random parts differ, as the providers' do.
        const seed = `${MOCK_AWS_ACCOUNT}/${this.stack}/${args.type}/${args.name}`;
        if (args.type.startsWith("pulumi:providers:")) {
            this.providers.set(args.name, args.inputs);
            return { id: `provider-${args.name}`, state: args.inputs };
        }
        if (args.custom === false) return { id: undefined, state: args.inputs };
        const outputs = args.type.startsWith("kubernetes:") ? kubernetesOutputs : OUTPUTS[args.type];
        if (!outputs) throw new Error(`The offline engine has no mock for ${args.type}. Fix: add its outputs to offline/mockOutputs/.`);
        const inputs = autonamed(args.type, args.name, args.inputs, seed);
        const { id, state } = outputs({ name: args.name, inputs, ...this.placeOf(args.provider), seed });
        return { id, state: { ...inputs, ...state } };
    }

    call(args: pulumi.runtime.MockCallArgs): pulumi.runtime.MockCallResult {
        const { region, project } = this.placeOf(args.provider);
        switch (args.token) {
            case "aws:ecr/getAuthorizationToken:getAuthorizationToken":
                return {
                    id: region,
                    region,
                    userName: "AWS",
                    password: "offline-registry-password",
                    authorizationToken: Buffer.from("AWS:offline-registry-password").toString("base64"),
                    proxyEndpoint: `https://${MOCK_AWS_ACCOUNT}.dkr.ecr.${region}.amazonaws.com`,
                    expiresAt: "2099-01-01T00:00:00Z",
                };
            case "aws:index/getCallerIdentity:getCallerIdentity":
                return { id: MOCK_AWS_ACCOUNT, accountId: MOCK_AWS_ACCOUNT, arn: `arn:aws:iam::${MOCK_AWS_ACCOUNT}:user/offline`, userId: "AIDAOFFLINE" };
            case "aws:index/getRegion:getRegion":
                return { id: region, name: region, region };
            case "aws:index/getAvailabilityZones:getAvailabilityZones": {
                // An account that opted in to a Local Zone lists it first, as DescribeAvailabilityZones may; filters apply.
                const all = [
                    { name: `${region}-bos-1a`, zoneId: `${region.slice(0, 3)}-bos1-az1`, groupName: `${region}-bos-1`, "opt-in-status": "opted-in", "zone-type": "local-zone" },
                    ...["a", "b", "c"].map((z, i) => ({ name: `${region}${z}`, zoneId: `${region.slice(0, 3)}az${i + 1}`, groupName: region, "opt-in-status": "opt-in-not-required", "zone-type": "availability-zone" })),
                ];
                const filters = (args.inputs.filters ?? []) as { name: keyof (typeof all)[number]; values: string[] }[];
                const zones = all.filter((z) => filters.every((f) => f.values.includes(String(z[f.name]))));
                return { id: region, names: zones.map((z) => z.name), zoneIds: zones.map((z) => z.zoneId), groupNames: [...new Set(zones.map((z) => z.groupName))] };
            }
            case "aws:ec2/getVpc:getVpc":
                return { id: args.inputs.id, arn: `arn:aws:ec2:${region}:${MOCK_AWS_ACCOUNT}:vpc/${args.inputs.id}`, cidrBlock: "10.1.0.0/16", state: "available" };
            case "aws:index/getPartition:getPartition":
                return { id: "aws", partition: "aws", dnsSuffix: "amazonaws.com" };
            case "gcp:organizations/getClientConfig:getClientConfig":
                return { id: project, project, region, zone: `${region}-a`, accessToken: "offline-access-token" };
            case "gcp:storage/getBucket:getBucket":
                // An existing bucket, in the stack's region (providers/gcp/vertexAgent.ts checks it at deploy time).
                return { id: args.inputs.name, name: args.inputs.name, location: region.toUpperCase(), url: `gs://${args.inputs.name}` };
            case "gcp:organizations/getProject:getProject":
                return { id: `projects/${project}`, projectId: project, number: MOCK_GCP_PROJECT_NUMBER, name: project };
            case "azure-native:authorization:getClientConfig":
                return { clientId: "00000000-0000-4000-8000-0000000000c1", objectId: "00000000-0000-4000-8000-0000000000d1", subscriptionId: MOCK_AZURE_SUBSCRIPTION, tenantId: MOCK_AZURE_TENANT };
            case "azure-native:authorization:getClientToken":
                return { token: "offline-arm-access-token" };
            case "azure-native:containerservice:listManagedClusterUserCredentials":
                return { kubeconfigs: [{ name: "clusterUser", value: Buffer.from(azureKubeconfig(String(args.inputs.resourceName))).toString("base64") }] };
            default:
                throw new Error(`The offline engine has no mock for the data source ${args.token}. Fix: answer it in RealisticMocks.call (offline/mocks.ts).`);
        }
    }

    /** Region and project from the resource's provider; a provider reference is "<urn>::<id>", the urn ending in its name. */
    private placeOf(providerRef: string | undefined): { region: string; project: string } {
        const name = providerRef?.split("::").slice(-2, -1)[0];
        const inputs = (name && this.providers.get(name)) || {};
        return { region: inputs.region ?? inputs.location ?? this.defaults.region, project: inputs.project ?? this.defaults.project };
    }
}

/**
 * What the provider's Check does to a resource whose name is left unset: the logical name (lowercased where
 * the provider lowercases it), the provider's separator and random part, in full. Never truncated: a name
 * too long for the API stays too long, and the contract check reports it as `pulumi up` would fail on it.
 */
export function autonamed(type: string, name: string, inputs: Record<string, any>, seed: string): Record<string, any> {
    const rule = AUTONAMES.get(type);
    if (!rule || inputs[rule.property] !== undefined) return inputs;
    const logical = rule.transform === "lowercase" ? name.toLowerCase() : name;
    return { ...inputs, [rule.property]: `${logical}${rule.separator}${suffix(seed, rule.randomLength)}` };
}

/**
 * The exec-format kubeconfig AKS returns for Entra ID clusters (listClusterUserCredential, format=exec):
 * kubelogin with the AKS server application, the Azure CLI's AKS client and `--login devicecode`, which
 * waits for someone to open a browser (https://azure.github.io/kubelogin/concepts/login-modes/devicecode.html).
 */
function azureKubeconfig(cluster: string): string {
    return JSON.stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: cluster, cluster: { server: `https://${cluster}.hcp.offline.azmk8s.io:443`, "certificate-authority-data": Buffer.from("offline mock CA").toString("base64") } }],
        contexts: [{ name: cluster, context: { cluster, user: `clusterUser_${cluster}` } }],
        "current-context": cluster,
        users: [
            {
                name: `clusterUser_${cluster}`,
                user: {
                    exec: {
                        apiVersion: "client.authentication.k8s.io/v1beta1",
                        command: "kubelogin",
                        args: ["get-token", "--environment", "AzurePublicCloud", "--server-id", "6dae42f8-4368-4678-94ff-3960e28e3630", "--client-id", "80faf920-1908-4b52-b5ef-a8e7bedfc67a", "--tenant-id", MOCK_AZURE_TENANT, "--login", "devicecode"],
                        env: null,
                        installHint: "kubelogin is not installed which is required to connect to AAD enabled cluster.",
                        provideClusterInfo: false,
                    },
                },
            },
        ],
    });
}
