import * as pulumi from "@pulumi/pulumi";
import { armTokenSource } from "./armCredential";

// Waits until the identity running pulumi may create namespaces on an AKS cluster with Azure RBAC for
// Kubernetes, asking the API server itself (a SelfSubjectAccessReview, which every authenticated user
// may send). A new Azure role assignment takes effect only after it propagates: "it can take up to 10
// minutes for changes to take effect" (https://learn.microsoft.com/azure/role-based-access-control/troubleshooting#symptom---role-assignment-changes-are-not-being-detected),
// and the first Kubernetes object sent before then gets 403. A dynamic resource, serialized with the
// plain functions it reaches (node:http/https required lazily).

/** The Entra ID application of the AKS API server: tokens for the cluster carry this audience. */
const AKS_SCOPE = "6dae42f8-4368-4678-94ff-3960e28e3630/.default";
const DEFAULT_TIMEOUT_SECONDS = 900;

export interface ClusterAccessInputs {
    /** https://<fqdn>:443, from the cluster's kubeconfig. */
    apiServer: pulumi.Input<string>;
    /** The API server's CA, base64 PEM, from the kubeconfig. */
    caCertificate: pulumi.Input<string>;
    /** The role assignment granting the access: a new one is waited for again. */
    roleAssignmentId: pulumi.Input<string>;
    /** Seconds to wait before failing. Default 900. */
    timeoutSeconds?: pulumi.Input<number>;
    /** Seconds between checks. Default 10. */
    intervalSeconds?: pulumi.Input<number>;
}

export interface ClusterAccessDeps {
    /** A bearer token for the AKS API server. Default: the identity azure-native uses (./armCredential). */
    getAccessToken?: () => Promise<string>;
}

interface AccessProps {
    apiServer: string;
    caCertificate: string;
    roleAssignmentId: string;
    timeoutSeconds?: number;
    intervalSeconds?: number;
}

export function createClusterAccessProvider(deps?: ClusterAccessDeps): pulumi.dynamic.ResourceProvider {
    const getAccessToken = deps?.getAccessToken;
    const token = () => {
        if (getAccessToken) return getAccessToken;
        const tokens = armTokenSource();
        return () => tokens(AKS_SCOPE);
    };
    return {
        async create(inputs: any) {
            await waitForAccess(inputs, token());
            return { id: `${inputs.roleAssignmentId}/propagated`, outs: inputs };
        },
        async diff(_id: string, olds: any, news: any) {
            const replaces = ["apiServer", "roleAssignmentId"].filter((k) => olds[k] !== news[k]);
            const changes = replaces.length > 0 || ["caCertificate", "timeoutSeconds", "intervalSeconds"].some((k) => olds[k] !== news[k]);
            return { changes, replaces, deleteBeforeReplace: false };
        },
        async update(_id: string, _olds: any, news: any) {
            return { outs: news };
        },
        async delete() {
            // Nothing to undo: the role assignment is its own resource.
        },
    };
}

export const clusterAccessProvider: pulumi.dynamic.ResourceProvider = createClusterAccessProvider();

/** Exists once the deployer's Kubernetes access through Azure RBAC has taken effect on the cluster. */
export class ClusterAccess extends pulumi.dynamic.Resource {
    constructor(name: string, args: ClusterAccessInputs, opts?: pulumi.CustomResourceOptions) {
        super(clusterAccessProvider, name, args, opts, "azure", "ClusterAccess");
    }
}

function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

/** POSTs one SelfSubjectAccessReview (may I create namespaces?) and returns the status code and answer. */
function accessReview(p: AccessProps, bearer: string): Promise<{ status: number; allowed: boolean; text: string }> {
    const url = new URL("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", p.apiServer);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const transport = (url.protocol === "https:" ? require("node:https") : require("node:http")) as typeof import("node:https");
    const body = JSON.stringify({ apiVersion: "authorization.k8s.io/v1", kind: "SelfSubjectAccessReview", spec: { resourceAttributes: { verb: "create", resource: "namespaces" } } });
    return new Promise((resolve, reject) => {
        const req = transport.request(
            url,
            {
                method: "POST",
                headers: { authorization: `Bearer ${bearer}`, "content-type": "application/json", accept: "application/json" },
                ...(url.protocol === "https:" && p.caCertificate ? { ca: Buffer.from(p.caCertificate, "base64").toString("utf8") } : {}),
                timeout: 30_000,
            },
            (res) => {
                let text = "";
                res.on("data", (chunk) => (text += chunk));
                res.on("end", () => {
                    let allowed = false;
                    try {
                        allowed = (JSON.parse(text) as { status?: { allowed?: boolean } }).status?.allowed === true;
                    } catch {
                        // Not JSON: not allowed.
                    }
                    resolve({ status: res.statusCode ?? 0, allowed, text });
                });
            },
        );
        req.on("timeout", () => req.destroy(new Error("request timed out")));
        req.on("error", reject);
        req.end(body);
    });
}

/** Asks until the API server says yes, or fails at the deadline saying what it last answered. */
async function waitForAccess(p: AccessProps, token: () => Promise<string>): Promise<void> {
    const deadline = Date.now() + (p.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS) * 1000;
    const every = (p.intervalSeconds ?? 10) * 1000;
    let last = "no answer yet";
    for (;;) {
        try {
            const answer = await accessReview(p, await token());
            if (answer.status === 201 || answer.status === 200) {
                if (answer.allowed) return;
                last = "the API server does not yet let this identity create namespaces";
            } else {
                last = `the API server answered ${answer.status}: ${answer.text.slice(0, 200)}`;
            }
        } catch (err) {
            last = err instanceof Error ? err.message : String(err);
        }
        if (Date.now() + every > deadline) {
            throw new Error(
                `aks: the deployer's Azure Kubernetes Service RBAC Cluster Admin role on ${p.apiServer} did not take effect within ${(p.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS) / 60} minutes (${last}). ` +
                    "Fix: check the role assignment (az role assignment list --scope <cluster id>), then run pulumi up again.",
            );
        }
        await sleep(every);
    }
}
