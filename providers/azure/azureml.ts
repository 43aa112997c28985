import * as pulumi from "@pulumi/pulumi";
import { Component } from "@pulumi/azure-native/applicationinsights/component";
import { EnvironmentContainer } from "@pulumi/azure-native/machinelearningservices/environmentContainer";
import { EnvironmentVersion } from "@pulumi/azure-native/machinelearningservices/environmentVersion";
import { ModelContainer } from "@pulumi/azure-native/machinelearningservices/modelContainer";
import { ModelVersion } from "@pulumi/azure-native/machinelearningservices/modelVersion";
import { OnlineDeployment } from "@pulumi/azure-native/machinelearningservices/onlineDeployment";
import { OnlineEndpoint } from "@pulumi/azure-native/machinelearningservices/onlineEndpoint";
import { Workspace } from "@pulumi/azure-native/machinelearningservices/workspace";
import type { AutoscaleSetting } from "@pulumi/azure-native/monitor/autoscaleSetting";
import { DiagnosticSetting } from "@pulumi/azure-native/monitor/diagnosticSetting";
import { AZURE_TYPES } from "../../components/cloudRules/azure";
import type { FoundationPlacement, ImplementationFactory, ResolvedServiceArgs } from "../../components/contract";
import { autonamedLogicalName } from "../../components/physicalName";
import { ServiceComponent } from "../../components/serviceComponent";
import { AZUREML_RUNTIME } from "./azureml.runtime";
import { secretEnvironment, servingEnvironment } from "../../components/servingContract";
import { MAX_ERRORS_PER_MINUTE } from "../../components/observability";
import { createActionGroup, createAzureMlAlerts } from "./alerts";
import { createAzureMlAutoscale } from "./autoscale";
import { containerScope, createFoundation, foundationChildren, grant } from "./foundation";
import { registerModelDatastore } from "./modelDatastore";
import { WORKSPACE_PRIVATE_DNS_ZONES, createWorkspacePrivateAccess } from "./privateAccess";
import { createAzureServingImage } from "./registryImage";
import { azureMlRelease } from "./release";
import { TrafficShift } from "./trafficShift";

/**
 * ModelService on an Azure ML managed online endpoint: a workspace with its dependencies, the model
 * and the image registered, a key-authenticated endpoint (public network access off unless asked),
 * a managed deployment per release with probes and Azure Monitor autoscale, and the endpoint's
 * traffic moved onto the new release as the rollout says, watched, and moved back if it misbehaves.
 */
export class AzureMlService extends ServiceComponent {
    readonly runtime = "azureml" as const;
    readonly endpoint: OnlineEndpoint;
    readonly deployment: OnlineDeployment;
    readonly traffic: TrafficShift;
    readonly autoscale: AutoscaleSetting;

    constructor(name: string, args: ResolvedServiceArgs, placement: FoundationPlacement, opts?: pulumi.ComponentResourceOptions) {
        super("model-service:azure:AzureMlService", name, {}, opts);
        const child: pulumi.CustomResourceOptions = { parent: this };
        const f = createFoundation(placement, args);
        const { resourceGroupName, tags } = f;
        const { port, healthRoute, predictRoute } = args.serving;

        const image = createAzureServingImage(placement.name, args, f, { parent: placement.parent });
        // Local auth off: only Entra-authenticated telemetry is ingested, and Azure ML documents no Entra-authenticated
        // path for a deployment's telemetry, so the deployment does not send to it (appInsightsEnabled false below):
        // its logs reach Log Analytics through the endpoint's diagnostic setting instead (issue 14 item 17).
        const insights = new Component(
            autonamedLogicalName(AZURE_TYPES.appInsights, name, "insights"),
            { resourceGroupName, location: args.region, kind: "web", applicationType: "web", workspaceResourceId: f.logs.id, disableLocalAuth: true, tags },
            child,
        );
        // Autonamed: a deleted workspace keeps its name for 14 days (soft delete), so a recreated stack needs a new one.
        const workspace = new Workspace(
            autonamedLogicalName(AZURE_TYPES.mlWorkspace, name, "workspace"),
            {
                resourceGroupName,
                location: args.region,
                identity: { type: "SystemAssigned" },
                sku: { name: "Basic", tier: "Basic" },
                storageAccount: f.storage.id,
                keyVault: f.vault.id,
                applicationInsights: insights.id,
                containerRegistry: f.registry.id,
                systemDatastoresAuthMode: "identity",
                tags,
            },
            { ...child, protect: args.protect },
        );
        const workspaceName = workspace.name;
        const ml = { resourceGroupName, workspaceName };

        // Model versions take datastore paths, not blob URLs (issue 14 item 17): the model's container is registered.
        const ownAccount = args.model.artifact.kind === "local" ? { subscriptionId: f.client.subscriptionId, resourceGroup: resourceGroupName } : undefined;
        const models = registerModelDatastore(name, f.artifactUri, { ...ml, subscriptionId: f.client.subscriptionId }, child, ownAccount);
        const modelContainer = new ModelContainer(`${name}-model`, { ...ml, name: args.model.name, properties: { description: `Model served by ${args.model.name}`, tags } }, child);
        const modelVersion = new ModelVersion(
            `${name}-model-version`,
            { ...ml, name: modelContainer.name, version: args.model.version, properties: { modelUri: models.modelUri, modelType: "custom_model", description: `Version ${args.model.version}` } },
            { ...child, dependsOn: [...f.uploads, models.datastore] },
        );
        const environmentContainer = new EnvironmentContainer(`${name}-environment`, { ...ml, name: `${args.model.name}-server`, properties: { description: "Serving image" } }, child);
        const route = (routePath: string) => ({ path: routePath, port });
        const instanceType = args.compute.instanceType ?? AZUREML_RUNTIME.instanceTypeFor!(args.compute.size, args.compute.gpu)!;
        // Each release is its own environment version and deployment, named after it: the old release
        // keeps serving beside the new one, and Pulumi deletes it only at the end of a successful update
        // (a replaced resource would be left pending delete by a failed rollout, and deleted first by the
        // next update, though it serves again).
        const release = azureMlRelease(args, instanceType);
        const environmentVersion = new EnvironmentVersion(
            `${name}-environment-${release.deploymentName}`,
            {
                ...ml,
                name: environmentContainer.name,
                // Environment versions are immutable: a new image needs a new version.
                version: release.deploymentName,
                properties: {
                    image: image.uri,
                    osType: "Linux",
                    inferenceConfig: { livenessRoute: route(healthRoute), readinessRoute: route(healthRoute), scoringRoute: route(predictRoute) },
                },
            },
            child,
        );

        // Endpoint names are unique per region across every tenant: autonamed, the random part kept in state.
        // Its inputs stay the same from release to release: any change PUTs the endpoint without its
        // traffic, and Azure ML then sends nothing to any deployment (issue 14 item 11).
        this.endpoint = new OnlineEndpoint(
            autonamedLogicalName(AZURE_TYPES.onlineEndpoint, name, "endpoint"),
            {
                ...ml,
                location: args.region,
                kind: "Managed",
                identity: { type: "SystemAssigned" },
                properties: { authMode: "Key", publicNetworkAccess: args.network.public ? "Enabled" : "Disabled", description: `Model service ${args.model.name}` },
                tags: releaseIndependentTags(tags),
            },
            // Traffic is set below, once the deployment exists; Pulumi must not reset it.
            { ...child, ignoreChanges: ["properties.traffic"] },
        );
        // Public network access off: callers come in through a private endpoint of the workspace (issue 14 item 12).
        const privateAccess = args.network.public ? undefined : createWorkspacePrivateAccess(name, args, { resourceGroupName, tags }, workspace.id, child);
        const endpointLogs = new DiagnosticSetting(
            `${name}-endpoint-logs`,
            {
                resourceUri: this.endpoint.id,
                name: "model-service-logs",
                workspaceId: f.logs.id,
                logAnalyticsDestinationType: "Dedicated",
                logs: ONLINE_ENDPOINT_LOG_CATEGORIES.map((category) => ({ category, enabled: true })),
            },
            child,
        );
        const principalId = this.endpoint.identity.apply((identity) => identity?.principalId ?? "");
        // No AcrPull: Azure ML grants the endpoint's system-assigned identity AcrPull on the workspace's
        // registry itself, and a second assignment fails with RoleAssignmentExists (issue 14 item 6;
        // https://learn.microsoft.com/azure/machine-learning/how-to-access-resources-from-endpoints-managed-identities).
        const grants = [
            grant(`${name}-endpoint-reads-models`, f, "storageBlobDataReader", principalId, containerScope(f), child),
            ...(Object.keys(f.secrets).length > 0 ? [grant(`${name}-endpoint-reads-secrets`, f, "keyVaultSecretsUser", principalId, f.vault.id, child)] : []),
        ];
        const probe = (initialDelay: string) => ({ initialDelay, period: "PT10S", timeout: "PT5S", failureThreshold: 6, successThreshold: 1 });
        this.deployment = new OnlineDeployment(
            `${name}-deployment-${release.deploymentName}`,
            {
                ...ml,
                endpointName: this.endpoint.name,
                deploymentName: release.deploymentName,
                location: args.region,
                kind: "Managed",
                sku: { name: "Default", capacity: args.scaling.minReplicas },
                properties: {
                    endpointComputeType: "Managed",
                    model: modelVersion.id,
                    environmentId: environmentVersion.id,
                    instanceType,
                    // Azure ML mounts the model (AZUREML_MODEL_DIR); the server reads each secret from Key Vault by its URI.
                    environmentVariables: { ...servingEnvironment(args), ...secretEnvironment("reference", Object.fromEntries(Object.entries(f.secrets).map(([key, s]) => [key, s.properties.secretUri]))) },
                    livenessProbe: probe("PT30S"),
                    readinessProbe: probe("PT10S"),
                    requestSettings: { requestTimeout: "PT60S", maxConcurrentRequestsPerInstance: 1, maxQueueWait: "PT1S" },
                    // Managed deployments take the Default scale type only; the autoscale setting below scales them.
                    scaleSettings: { scaleType: "Default" },
                    appInsightsEnabled: false,
                    egressPublicNetworkAccess: "Enabled",
                },
                tags,
            },
            { ...child, dependsOn: grants },
        );

        // Traffic moves once the new deployment is ready: all at once, as a canary or in linear steps,
        // each step watched through the endpoint's metrics and rolled back to the old release on a breach.
        this.traffic = new TrafficShift(
            `${name}-traffic`,
            {
                endpointId: this.endpoint.id,
                deploymentName: this.deployment.name,
                strategy: args.rollout.strategy,
                stepPercent: args.rollout.stepPercent,
                bakeSeconds: args.rollout.bakeMinutes * 60,
                latencyP99Ms: args.alarms.latencyP99Ms,
                max5xxPerMinute: MAX_ERRORS_PER_MINUTE,
                allowIdleBake: args.azure.allowIdleBake ?? false,
            },
            { ...child, dependsOn: [this.deployment] },
        );
        this.autoscale = createAzureMlAutoscale(
            autonamedLogicalName(AZURE_TYPES.autoscaleSetting, name, `autoscale-${release.deploymentName}`),
            args,
            { resourceGroupName, tags },
            this.endpoint.id,
            this.deployment,
            { ...child, dependsOn: [this.deployment] },
        );

        const actionGroup = createActionGroup(name, args, resourceGroupName, tags, child);
        const alerts = createAzureMlAlerts(name, args, { resourceGroupName, tags, actionGroup }, this.endpoint.id, this.deployment.id, { ...child, dependsOn: [this.traffic] });

        const scoringUri = this.endpoint.properties.apply((p) => p.scoringUri ?? "");
        const network = privateAccess ? pulumi.all([privateAccess.virtualNetworkId, privateAccess.subnetId]) : pulumi.output(undefined);
        this.publish({
            endpointUrl: scoringUri,
            invoke: pulumi.all([scoringUri, this.endpoint.name, workspaceName, resourceGroupName, network]).apply(([url, ep, ws, rg, net]) => ({
                auth: "azure-key",
                reachability: args.network.public ? ("internet" as const) : ("private-network" as const),
                example: `curl -sS -X POST -H "Authorization: Bearer $(az ml online-endpoint get-credentials -n ${ep} -w ${ws} -g ${rg} --query primaryKey -o tsv)" -H 'Content-Type: application/json' --data @request.json ${url}`,
                note: net
                    ? `Public network access is off: call from ${net[0]}, where ${new URL(url || "https://endpoint/").host} resolves to the workspace's private endpoint through the private DNS zones ${WORKSPACE_PRIVATE_DNS_ZONES.join(" and ")} in ${rg} (from a network peered with it, link those zones to that network too), with the endpoint key or an Azure ML token as a bearer token.`
                    : "Callers send the endpoint key (or an Azure ML token) as a bearer token; anonymous calls are refused.",
                ...(net ? { privateNetwork: { virtualNetworkId: net[0], subnetId: net[1], privateDnsZones: [...WORKSPACE_PRIVATE_DNS_ZONES] } } : {}),
            })),
            artifactUri: f.artifactUri,
            imageUri: image.uri,
            children: {
                ...foundationChildren(f),
                applicationInsights: insights,
                workspace,
                modelDatastore: models.datastore,
                endpointLogs,
                modelVersion,
                environmentVersion,
                endpoint: this.endpoint,
                deployment: this.deployment,
                traffic: this.traffic,
                autoscale: this.autoscale,
                ...(privateAccess
                    ? {
                          workspacePrivateEndpoint: privateAccess.privateEndpoint,
                          workspacePrivateDnsZoneGroup: privateAccess.zoneGroup,
                          ...(privateAccess.virtualNetwork ? { virtualNetwork: privateAccess.virtualNetwork } : {}),
                          ...Object.fromEntries(privateAccess.zones.map((z, i) => [`privateDnsZone:${WORKSPACE_PRIVATE_DNS_ZONES[i]}`, z])),
                      }
                    : {}),
                ...(actionGroup ? { actionGroup } : {}),
                ...Object.fromEntries(alerts.map((a, i) => [`alert:${i}`, a])),
            },
        });
    }
}

export const createAzureMlService: ImplementationFactory = (name, args, opts, foundation) => new AzureMlService(name, args, foundation, opts);

/**
 * The online endpoint's resource logs, by diagnostic category: console output of the containers, every
 * scoring request, and the deployment's events (https://learn.microsoft.com/azure/machine-learning/monitor-azure-machine-learning-reference#supported-resource-logs-for-microsoftmachinelearningservicesworkspacesonlineendpoints).
 */
export const ONLINE_ENDPOINT_LOG_CATEGORIES = ["AmlOnlineEndpointConsoleLog", "AmlOnlineEndpointTrafficLog", "AmlOnlineEndpointEventLog"] as const;

/** The tags without the model version, which changes with every release. */
function releaseIndependentTags(tags: Record<string, string>): Record<string, string> {
    return Object.fromEntries(Object.entries(tags).filter(([key]) => key !== "model-version"));
}
