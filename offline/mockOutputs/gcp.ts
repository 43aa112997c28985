import { MOCK_GCP_PROJECT_NUMBER, autoname, suffix, type OutputsOf } from "./common";

const iamMember: OutputsOf = ({ inputs, seed }) => ({ id: `${inputs.role}/${inputs.member}`, state: { etag: `BwY${suffix(seed, 9)}` } });

/** Provider-computed outputs of each Google Cloud resource type the project uses. */
export const GCP_OUTPUTS: Record<string, OutputsOf> = {
    "gcp:projects/service:Service": ({ inputs, project }) => ({ id: `${inputs.project ?? project}/${inputs.service}`, state: { project: inputs.project ?? project } }),
    "gcp:storage/bucket:Bucket": ({ name, inputs, seed }) => {
        const bucket = inputs.name ?? autoname(name, seed);
        return { id: bucket, state: { name: bucket, url: `gs://${bucket}`, selfLink: `https://www.googleapis.com/storage/v1/b/${bucket}` } };
    },
    "gcp:storage/bucketObject:BucketObject": ({ inputs, seed }) => ({
        id: `${inputs.bucket}-${inputs.name}`,
        state: { md5hash: Buffer.from(suffix(seed, 16), "hex").toString("base64"), mediaLink: `https://storage.googleapis.com/download/storage/v1/b/${inputs.bucket}/o/${encodeURIComponent(String(inputs.name))}?alt=media` },
    }),
    "gcp:storage/bucketIAMMember:BucketIAMMember": iamMember,
    "gcp:artifactregistry/repository:Repository": ({ inputs, region, project }) => {
        const location = inputs.location ?? region;
        return { id: `projects/${project}/locations/${location}/repositories/${inputs.repositoryId}`, state: { name: inputs.repositoryId, location } };
    },
    "gcp:artifactregistry/repositoryIamMember:RepositoryIamMember": iamMember,
    "gcp:serviceaccount/account:Account": ({ inputs, project, seed }) => {
        const email = `${inputs.accountId}@${inputs.project ?? project}.iam.gserviceaccount.com`;
        return { id: `projects/${project}/serviceAccounts/${email}`, state: { email, name: `projects/${project}/serviceAccounts/${email}`, uniqueId: String(BigInt(`0x${suffix(seed, 15)}`)), member: `serviceAccount:${email}` } };
    },
    "gcp:serviceaccount/iAMMember:IAMMember": iamMember,
    "gcp:secretmanager/secret:Secret": ({ inputs, project }) => {
        const id = `projects/${inputs.project ?? project}/secrets/${inputs.secretId}`;
        return { id, state: { name: id } };
    },
    "gcp:secretmanager/secretVersion:SecretVersion": ({ inputs }) => ({ id: `${inputs.secret}/versions/1`, state: { name: `${inputs.secret}/versions/1`, version: "1" } }),
    "gcp:secretmanager/secretIamMember:SecretIamMember": iamMember,
    // pulumi-gcp autonames the endpoint (components/cloudRules/gcp.ts), so the id Vertex AI gets is that name, never a generated number.
    "gcp:vertex/aiEndpoint:AiEndpoint": ({ name, inputs, region, project, seed }) => {
        const id = String(inputs.name ?? autoname(name, seed));
        const location = inputs.location ?? region;
        return { id: `projects/${project}/locations/${location}/endpoints/${id}`, state: { name: id, location, region: inputs.region ?? location } };
    },
    "gcp:projects/iAMMember:IAMMember": iamMember,
    "gcp:projects/serviceIdentity:ServiceIdentity": ({ inputs }) => {
        const email = `service-${MOCK_GCP_PROJECT_NUMBER}@gcp-sa-${String(inputs.service).split(".")[0]}.iam.gserviceaccount.com`;
        return { id: `projects/${inputs.project}/services/${inputs.service}`, state: { email, member: `serviceAccount:${email}` } };
    },
    "gcp:compute/network:Network": ({ inputs, project }) => {
        const id = `projects/${inputs.project ?? project}/global/networks/${inputs.name}`;
        return { id, state: { selfLink: `https://www.googleapis.com/compute/v1/${id}` } };
    },
    "gcp:compute/subnetwork:Subnetwork": ({ inputs, region, project }) => {
        const id = `projects/${inputs.project ?? project}/regions/${inputs.region ?? region}/subnetworks/${inputs.name}`;
        return { id, state: { selfLink: `https://www.googleapis.com/compute/v1/${id}`, gatewayAddress: "10.10.0.1" } };
    },
    "gcp:logging/projectBucketConfig:ProjectBucketConfig": ({ inputs, project }) => {
        const id = `projects/${inputs.project ?? project}/locations/${inputs.location}/buckets/${inputs.bucketId}`;
        return { id, state: { name: id, lifecycleState: "ACTIVE" } };
    },
    "gcp:logging/projectSink:ProjectSink": ({ inputs, project }) => ({
        id: `projects/${inputs.project ?? project}/sinks/${inputs.name}`,
        state: { writerIdentity: `serviceAccount:service-${MOCK_GCP_PROJECT_NUMBER}@gcp-sa-logging.iam.gserviceaccount.com` },
    }),
    "gcp:logging/projectExclusion:ProjectExclusion": ({ inputs, project }) => ({ id: `projects/${inputs.project ?? project}/exclusions/${inputs.name}`, state: {} }),
    "gcp:container/cluster:Cluster": ({ name, inputs, seed }) => ({
        id: String(inputs.name ?? autoname(name, seed)),
        state: {
            name: inputs.name ?? autoname(name, seed),
            endpoint: `192.0.2.${parseInt(suffix(seed, 2), 16) % 250}`,
            masterAuth: { clusterCaCertificate: Buffer.from("offline mock CA certificate").toString("base64") },
        },
    }),
    "gcp:monitoring/notificationChannel:NotificationChannel": ({ project, seed }) => {
        const id = `projects/${project}/notificationChannels/${parseInt(suffix(seed, 12), 16)}`;
        return { id, state: { name: id } };
    },
    "gcp:monitoring/alertPolicy:AlertPolicy": ({ project, seed }) => {
        const id = `projects/${project}/alertPolicies/${parseInt(suffix(seed, 12), 16)}`;
        return { id, state: { name: id } };
    },
    "gcp:billing/budget:Budget": ({ inputs, seed }) => {
        const id = `billingAccounts/${inputs.billingAccount}/budgets/${suffix(seed, 32)}`;
        return { id, state: { name: id } };
    },
    "gcp:networkconnectivity/serviceConnectionPolicy:ServiceConnectionPolicy": ({ inputs, region, project }) => ({
        id: `projects/${inputs.project ?? project}/locations/${inputs.location ?? region}/serviceConnectionPolicies/${inputs.name}`,
        state: { etag: "offline", infrastructure: "PSC" },
    }),
    "pulumi-nodejs:dynamic:Resource": ({ inputs, region, project, seed }) => {
        const modelId = String(parseInt(suffix(seed, 12), 16));
        const deployedModelId = String(parseInt(suffix(`d${seed}`, 12), 16));
        const endpointName = String(inputs.endpointName ?? "");
        return {
            id: `${endpointName}/deployedModels/${deployedModelId}`,
            state: {
                modelName: `projects/${MOCK_GCP_PROJECT_NUMBER}/locations/${inputs.region ?? region}/models/${modelId}`,
                deployedModelId,
                project: inputs.project ?? project,
                // PSC automation's forwarding rule, in the service subnet (providers/gcp/network.ts).
                ...(inputs.privateServiceConnect ? { privateAddress: `10.10.0.${2 + (parseInt(suffix(seed, 2), 16) % 250)}` } : {}),
            },
        };
    },
};
