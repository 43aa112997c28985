import * as pulumi from "@pulumi/pulumi";
import { ServiceConnectionPolicy } from "@pulumi/gcp/networkconnectivity/serviceConnectionPolicy";
import { AiEndpoint } from "@pulumi/gcp/vertex/aiEndpoint";
import { GCP_TYPES } from "../../components/cloudRules/gcp";
import type { FoundationPlacement, ImplementationFactory, ResolvedServiceArgs } from "../../components/contract";
import { autonamedLogicalName } from "../../components/physicalName";
import { ServiceComponent } from "../../components/serviceComponent";
import { resourceName } from "../../components/naming";
import { VERTEX_GPU, VERTEX_RUNTIME } from "./vertex.runtime";
import { secretEnvironment, servingEnvironment } from "../../components/servingContract";
import { MAX_ERRORS_PER_MINUTE } from "../../components/observability";
import { createVertexAlerts } from "./alerts";
import { createGcpFoundation, gcpFoundationChildren } from "./foundation";
import { routeServingLogs } from "./logs";
import { grantVertexServiceAgent } from "./vertexAgent";
import { VertexModelDeployment } from "./vertexDeployment";

// Beside the foundation's (./foundation.ts SHARED_APIS: Cloud Monitoring carries the alerts and the rollout's bake checks).
const APIS = ["aiplatform.googleapis.com"];
/** Private Service Connect automation creates the consumer's forwarding rule through a service connection policy. */
const PRIVATE_APIS = ["networkconnectivity.googleapis.com"];
/** The service class Vertex AI's PSC automation connects through (https://cloud.google.com/vertex-ai/docs/predictions/private-service-connect#create-endpoint-with-automation). */
const VERTEX_SERVICE_CLASS = "gcp-vertexai";

/**
 * ModelService on Vertex AI: an endpoint (Private Service Connect, allow-listed to the project, unless
 * public) and the model uploaded and deployed to it with dedicated, autoscaled resources by a dynamic
 * provider, since the gcp provider cannot deploy models. With a canary or linear rollout, a new model
 * is deployed beside the old one and baked against the alarms' thresholds, rolling back on a breach.
 */
export class VertexService extends ServiceComponent {
    readonly runtime = "vertex" as const;
    readonly endpoint: AiEndpoint;
    readonly deployment: VertexModelDeployment;

    constructor(name: string, args: ResolvedServiceArgs, opts: pulumi.ComponentResourceOptions, foundation: FoundationPlacement) {
        super("model-service:gcp:VertexService", name, {}, opts);
        const isPrivate = !args.network.public;
        const f = createGcpFoundation(foundation, args, isPrivate ? [...APIS, ...PRIVATE_APIS] : APIS, this);
        const { child, project, artifact, image, identity, secrets } = f;

        // PSC automation creates the forwarding rule's address in the service's subnet, through this policy.
        const psc = isPrivate
            ? new ServiceConnectionPolicy(
                  autonamedLogicalName(GCP_TYPES.serviceConnectionPolicy, name, "psc"),
                  { project, location: args.region, network: f.network.network.id, serviceClass: VERTEX_SERVICE_CLASS, pscConfig: { subnetworks: [f.network.subnet.id] }, description: `Private Service Connect for model service ${args.model.name}` },
                  child,
              )
            : undefined;
        // Autonamed: pulumi-gcp sends `<logical>-<7 hex>` as the endpoint id, which must fit 63 characters.
        this.endpoint = new AiEndpoint(
            autonamedLogicalName(GCP_TYPES.endpoint, name, "endpoint"),
            {
                displayName: resourceName([args.model.name, pulumi.getStack()], 128),
                description: `Model service ${args.model.name}`,
                location: args.region,
                region: args.region,
                project,
                ...(isPrivate
                    ? {
                          privateServiceConnectConfig: {
                              enablePrivateServiceConnect: true,
                              projectAllowlists: [project],
                              // Without it PSC requests are not IAM-authorized: anyone who reaches the address could predict.
                              enableSecurePrivateServiceConnect: true,
                              // Vertex AI creates the consumer side (a forwarding rule) in the service's network.
                              pscAutomationConfigs: [{ projectId: project, network: f.network.network.id }],
                          },
                      }
                    : {}),
            },
            { ...child, dependsOn: [...f.apis, ...(psc ? [psc] : [])] },
        );
        const agent = grantVertexServiceAgent(name, args, artifact, image, child);
        const accelerator = args.compute.gpu === "none" ? undefined : VERTEX_GPU[args.compute.gpu];
        const env = [
            // Vertex AI hands the model over as AIP_STORAGE_URI; the container reads secret values from Secret Manager with its own identity.
            ...Object.entries({ ...servingEnvironment(args), ...secretEnvironment("reference", Object.fromEntries(Object.entries(secrets).map(([key, s]) => [key, pulumi.interpolate`${s.secret.id}/versions/latest`]))) }).map(([name, value]) => ({ name, value })),
        ];
        this.deployment = new VertexModelDeployment(
            `${name}-deployment`,
            {
                project,
                region: args.region,
                endpointName: this.endpoint.id,
                displayName: resourceName([args.model.name, args.model.version], 128),
                // Known only once the bucket's region was checked (an existing gs:// artifact must be in the endpoint's region).
                artifactUri: pulumi.all([artifact.uri, agent.regionCheck]).apply(([uri]) => uri),
                imageUri: image.uri,
                port: args.serving.port,
                healthRoute: args.serving.healthRoute,
                predictRoute: args.serving.predictRoute,
                env,
                machineType: args.compute.instanceType ?? VERTEX_RUNTIME.instanceTypeFor!(args.compute.size, args.compute.gpu)!,
                ...(accelerator ? { acceleratorType: accelerator.acceleratorType, acceleratorCount: 1 } : {}),
                minReplicas: args.scaling.minReplicas,
                maxReplicas: args.scaling.maxReplicas,
                targetCpuUtilization: 60,
                targetRequestsPerMinute: args.scaling.targetRequestsPerMinute,
                serviceAccount: identity.account.email,
                trafficPercent: 100,
                rolloutStrategy: args.rollout.strategy,
                rolloutStepPercent: args.rollout.stepPercent,
                rolloutBakeMinutes: args.rollout.bakeMinutes,
                // A bake sums errors over the bake, the alert counts them a minute: both use the one figure.
                rollbackErrorThreshold: MAX_ERRORS_PER_MINUTE,
                rollbackLatencyP99Ms: args.alarms.latencyP99Ms,
                privateServiceConnect: isPrivate,
            },
            { parent: this, dependsOn: [...identity.grants, ...agent.grants, ...artifact.uploads, ...Object.values(secrets).map((s) => s.access)] },
        );

        const alerts = createVertexAlerts(name, args, this.endpoint.name, child);
        const logs = routeServingLogs(name, args, f.logBucket, pulumi.interpolate`resource.type="aiplatform.googleapis.com/Endpoint" AND resource.labels.endpoint_id="${this.endpoint.name}"`, child);
        const base = `https://${args.region}-aiplatform.googleapis.com/v1`;
        // A PSC endpoint answers at its forwarding rule's address in the service's network, not at the shared regional host.
        const endpointUrl = isPrivate ? pulumi.interpolate`http://${this.deployment.privateAddress}/v1/${this.endpoint.id}:predict` : pulumi.interpolate`${base}/${this.endpoint.id}:predict`;
        const invoke = pulumi.all([endpointUrl, this.endpoint.id]).apply(([url, endpointName]) => ({
            auth: "gcp-oauth",
            reachability: args.network.public ? ("internet" as const) : ("private-network" as const),
            example: `curl -sS -X POST -H "Authorization: Bearer $(gcloud auth print-access-token)" -H 'Content-Type: application/json' --data @request.json ${url}`,
            note: args.network.public
                ? `Callers need roles/aiplatform.user (or aiplatform.endpoints.predict) and an OAuth bearer token; ${base}/${endpointName}:rawPredict passes the body through unchanged.`
                : `Private Service Connect endpoint: reachable from the service's network (${f.network.subnetRange}, its subnet in ${args.region}) through the forwarding rule Vertex AI created there; every request needs an OAuth bearer token of an identity with roles/aiplatform.user (secure PSC authorizes each call with IAM). Peer or connect your network to reach it from elsewhere.`,
        }));
        this.publish({
            endpointUrl,
            invoke,
            artifactUri: artifact.uri,
            imageUri: image.uri,
            children: { ...gcpFoundationChildren(f), endpoint: this.endpoint, deployment: this.deployment, logSink: logs.sink, ...Object.fromEntries(alerts.map((a, i) => [`alert:${i}`, a])) },
        });
    }
}

export const createVertexService: ImplementationFactory = (name, args, opts, foundation) => new VertexService(name, args, opts, foundation);
