import * as pulumi from "@pulumi/pulumi";
import { Datastore } from "@pulumi/azure-native/machinelearningservices/datastore";

/** `https://<account>.blob.core.windows.net/<container>/<path>` */
const BLOB_URL = /^https:\/\/([a-z0-9]{3,24})\.blob\.core\.windows\.net\/([a-z0-9](?:[a-z0-9-]{1,61}[a-z0-9])?)(?:\/(.*))?$/;

export interface BlobLocation {
    readonly account: string;
    readonly container: string;
    readonly path: string;
}

/** The account, container and path of an Azure blob URL (the validator admits no other kind on azure). */
export function blobLocation(url: string): BlobLocation {
    const m = BLOB_URL.exec(url);
    if (!m) throw new Error(`${url} is not an Azure blob URL (https://<account>.blob.core.windows.net/<container>/<path>)`);
    return { account: m[1]!, container: m[2]!, path: m[3] ?? "" };
}

/** A datastore name for one container: letters, digits and underscores, like the workspace's own (workspaceblobstore). */
export function datastoreNameFor(location: Pick<BlobLocation, "account" | "container">): string {
    return `ms_${location.account}_${location.container}`.replace(/[^A-Za-z0-9_]/g, "_");
}

/**
 * The model's folder as Azure ML names it for a model version: `azureml://` on a datastore registered for
 * its container. Model paths are local files, datastore paths, job outputs or other model assets
 * (https://learn.microsoft.com/azure/machine-learning/how-to-manage-models#supported-paths), and Microsoft's
 * REST sample registers an online model as a datastore path, not a blob URL
 * (Azure/azureml-examples cli/deploy-rest.sh, create_model). Identity-based (credentials None): the
 * endpoint's identity reads the blobs with its own Storage Blob Data Reader grant.
 */
export function registerModelDatastore(
    name: string,
    artifactUri: pulumi.Input<string>,
    ml: { resourceGroupName: pulumi.Input<string>; workspaceName: pulumi.Input<string>; subscriptionId: pulumi.Input<string> },
    opts: pulumi.CustomResourceOptions,
    /** Where the storage account lives, when it is the stack's own. */
    account?: { subscriptionId: pulumi.Input<string>; resourceGroup: pulumi.Input<string> },
): { datastore: Datastore; modelUri: pulumi.Output<string> } {
    const location = pulumi.output(artifactUri).apply(blobLocation);
    const datastore = new Datastore(
        `${name}-model-datastore`,
        {
            resourceGroupName: ml.resourceGroupName,
            workspaceName: ml.workspaceName,
            name: location.apply(datastoreNameFor),
            properties: {
                datastoreType: "AzureBlob",
                accountName: location.apply((l) => l.account),
                containerName: location.apply((l) => l.container),
                endpoint: "core.windows.net",
                protocol: "https",
                credentials: { credentialsType: "None" },
                ...(account ? { subscriptionId: account.subscriptionId, resourceGroup: account.resourceGroup } : {}),
                description: "The served model's container (identity-based access)",
            },
        },
        opts,
    );
    const modelUri = pulumi.interpolate`azureml://subscriptions/${ml.subscriptionId}/resourcegroups/${ml.resourceGroupName}/workspaces/${ml.workspaceName}/datastores/${datastore.name}/paths/${location.apply((l) => l.path)}`;
    return { datastore, modelUri };
}
