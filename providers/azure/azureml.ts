import * as pulumi from "@pulumi/pulumi";
import { Component } from "@pulumi/azure-native/applicationinsights/component";
import { EnvironmentContainer } from "@pulumi/azure-native/machinelearningservices/environmentContainer";
import { EnvironmentVersion } from "@pulumi/azure-native/machinelearningservices/environmentVersion";
import { ModelContainer } from "@pulumi/azure-native/machinelearningservices/modelContainer";
import { ModelVersion } from "@pulumi/azure-native/machinelearningservices/modelVersion";
import { OnlineDeployment } from "@pulumi/azure-native/machinelearningservices/onlineDeployment";
import { OnlineEndpoint } from "@pulumi/azure-native/machinelearningservices/onlineEndpoint";
import { Workspace } from "@pulumi/azure-native/machinelearningservices/workspace";
import { Deployment as ArmDeployment } from "@pulumi/azure-native/resources/deployment";
import type { ImplementationFactory, ResolvedServiceArgs } from "../../components/contract";
import { resourceName } from "../../components/naming";
import { ServiceComponent } from "../../components/serviceComponent";
import { defaultInstanceType } from "../../components/sizes";
import { createActionGroup, createAzureMlAlerts } from "./alerts";
import { containerScope, createFoundation, foundationChildren, grant } from "./foundation";
import { createAzureServingImage } from "./registryImage";

const ML_API_VERSION = "2024-10-01";

/**
 * ModelService on an Azure ML managed online endpoint: a workspace with its dependencies, the model
 * and the image registered, a key-authenticated endpoint (public network access off unless asked),
 * a managed deployment with probes and target-utilization scaling, and the endpoint's traffic set to
 * the deployment once it exists.
 */
export class AzureMlService extends ServiceComponent {
    readonly endpoint: OnlineEndpoint;
    readonly deployment: OnlineDeployment;

    constructor(name: string, args: ResolvedServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("model-service:azure:AzureMlService", name, {}, opts);
        const child: pulumi.CustomResourceOptions = { parent: this };
        const f = createFoundation(name, args, child);
        const { resourceGroupName, tags } = f;
        const { port, healthRoute, predictRoute } = args.serving;

        const image = createAzureServingImage(name, args, f, child);
        const insights = new Component(`${name}-insights`, { resourceGroupName, location: args.region, kind: "web", applicationType: "web", workspaceResourceId: f.logs.id, disableLocalAuth: true, tags }, child);
        const workspace = new Workspace(
            `${name}-workspace`,
            {
                resourceGroupName,
                workspaceName: resourceName([args.model.name, pulumi.getStack()], 33),
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

        const modelContainer = new ModelContainer(`${name}-model`, { ...ml, name: args.model.name, properties: { description: `Model served by ${args.model.name}`, tags } }, child);
        const modelVersion = new ModelVersion(
            `${name}-model-version`,
            { ...ml, name: modelContainer.name, version: args.model.version, properties: { modelUri: f.artifactUri, modelType: "custom_model", description: `Version ${args.model.version}` } },
            { ...child, dependsOn: f.uploads },
        );
        const environmentContainer = new EnvironmentContainer(`${name}-environment`, { ...ml, name: `${args.model.name}-server`, properties: { description: "Serving image" } }, child);
        const route = (routePath: string) => ({ path: routePath, port });
        const environmentVersion = new EnvironmentVersion(
            `${name}-environment-version`,
            {
                ...ml,
                name: environmentContainer.name,
                version: args.model.version,
                properties: {
                    image: image.uri,
                    osType: "Linux",
                    inferenceConfig: { livenessRoute: route(healthRoute), readinessRoute: route(healthRoute), scoringRoute: route(predictRoute) },
                },
            },
            child,
        );

        this.endpoint = new OnlineEndpoint(
            `${name}-endpoint`,
            {
                ...ml,
                endpointName: resourceName([args.model.name, pulumi.getStack()], 32),
                location: args.region,
                kind: "Managed",
                identity: { type: "SystemAssigned" },
                properties: { authMode: "Key", publicNetworkAccess: args.network.public ? "Enabled" : "Disabled", description: `Model service ${args.model.name}` },
                tags,
            },
            // Traffic is set below, once the deployment exists; Pulumi must not reset it.
            { ...child, ignoreChanges: ["properties.traffic"] },
        );
        const principalId = this.endpoint.identity.apply((identity) => identity?.principalId ?? "");
        const grants = [
            grant(`${name}-endpoint-reads-models`, f, "storageBlobDataReader", principalId, containerScope(f), child),
            grant(`${name}-endpoint-pulls-images`, f, "acrPull", principalId, f.registry.id, child),
            ...(Object.keys(f.secrets).length > 0 ? [grant(`${name}-endpoint-reads-secrets`, f, "keyVaultSecretsUser", principalId, f.vault.id, child)] : []),
        ];
        const probe = (initialDelay: string) => ({ initialDelay, period: "PT10S", timeout: "PT5S", failureThreshold: 6, successThreshold: 1 });
        const deploymentName = "primary";
        this.deployment = new OnlineDeployment(
            `${name}-deployment`,
            {
                ...ml,
                endpointName: this.endpoint.name,
                deploymentName,
                location: args.region,
                kind: "Managed",
                sku: { name: "Default", capacity: args.scaling.minReplicas },
                properties: {
                    endpointComputeType: "Managed",
                    model: modelVersion.id,
                    environmentId: environmentVersion.id,
                    instanceType: args.compute.instanceType ?? defaultInstanceType("azureml", args.compute.size, args.compute.gpu)!,
                    environmentVariables: {
                        ...args.environment,
                        MODEL_NAME: args.model.name,
                        MODEL_VERSION: args.model.version,
                        // The serving contract, for servers that take their routes from the environment.
                        PORT: String(port),
                        HEALTH_ROUTE: healthRoute,
                        PREDICT_ROUTE: predictRoute,
                        ...Object.fromEntries(Object.entries(f.secrets).map(([key, s]) => [`SECRET_${key.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase()}_URI`, s.properties.secretUri])),
                    },
                    livenessProbe: probe("PT30S"),
                    readinessProbe: probe("PT10S"),
                    requestSettings: { requestTimeout: "PT60S", maxConcurrentRequestsPerInstance: 1, maxQueueWait: "PT1S" },
                    scaleSettings: { scaleType: "TargetUtilization", minInstances: args.scaling.minReplicas, maxInstances: args.scaling.maxReplicas, targetUtilizationPercentage: 70, pollingInterval: "PT1M" },
                    appInsightsEnabled: true,
                    egressPublicNetworkAccess: "Enabled",
                },
                tags,
            },
            { ...child, dependsOn: grants },
        );

        // Phase two: an incremental ARM deployment sets the endpoint's traffic to the now-existing deployment.
        const traffic = new ArmDeployment(
            `${name}-traffic`,
            {
                resourceGroupName,
                properties: {
                    mode: "Incremental",
                    template: pulumi.all([workspaceName, this.endpoint.name, this.deployment.name]).apply(([ws, ep, dep]) => ({
                        $schema: "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
                        contentVersion: "1.0.0.0",
                        resources: [
                            {
                                type: "Microsoft.MachineLearningServices/workspaces/onlineEndpoints",
                                apiVersion: ML_API_VERSION,
                                name: `${ws}/${ep}`,
                                location: args.region,
                                kind: "Managed",
                                identity: { type: "SystemAssigned" },
                                properties: { authMode: "Key", publicNetworkAccess: args.network.public ? "Enabled" : "Disabled", traffic: { [dep]: 100 } },
                                tags,
                            },
                        ],
                    })),
                },
            },
            { ...child, dependsOn: [this.deployment] },
        );

        const actionGroup = createActionGroup(name, args, resourceGroupName, tags, child);
        const alerts = createAzureMlAlerts(name, args, { resourceGroupName, tags, actionGroup }, this.endpoint.id, this.deployment.id, { ...child, dependsOn: [traffic] });

        const scoringUri = this.endpoint.properties.apply((p) => p.scoringUri ?? "");
        this.publish({
            endpointUrl: scoringUri,
            invoke: pulumi.all([scoringUri, this.endpoint.name, workspaceName, resourceGroupName]).apply(([url, ep, ws, rg]) => ({
                auth: "azure-key",
                reachability: args.network.public ? ("internet" as const) : ("private-network" as const),
                example: `curl -sS -X POST -H "Authorization: Bearer $(az ml online-endpoint get-credentials -n ${ep} -w ${ws} -g ${rg} --query primaryKey -o tsv)" -H 'Content-Type: application/json' --data @request.json ${url}`,
                note: args.network.public
                    ? "Callers send the endpoint key (or an Azure ML token) as a bearer token; anonymous calls are refused."
                    : "Public network access is off: call through a private endpoint of the workspace, with the endpoint key or an Azure ML token.",
            })),
            artifactUri: f.artifactUri,
            imageUri: image.uri,
            children: {
                ...foundationChildren(f),
                applicationInsights: insights,
                workspace,
                modelVersion,
                environmentVersion,
                endpoint: this.endpoint,
                deployment: this.deployment,
                traffic,
                ...(actionGroup ? { actionGroup } : {}),
                ...Object.fromEntries(alerts.map((a, i) => [`alert:${i}`, a])),
            },
        });
    }
}

export const createAzureMlService: ImplementationFactory = (name, args, opts) => new AzureMlService(name, args, opts);
