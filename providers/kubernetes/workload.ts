import * as crypto from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { CustomResource } from "@pulumi/kubernetes/apiextensions/customResource";
import { Deployment } from "@pulumi/kubernetes/apps/v1/deployment";
import { HorizontalPodAutoscaler } from "@pulumi/kubernetes/autoscaling/v2/horizontalPodAutoscaler";
import { Namespace } from "@pulumi/kubernetes/core/v1/namespace";
import { Service } from "@pulumi/kubernetes/core/v1/service";
import { ServiceAccount } from "@pulumi/kubernetes/core/v1/serviceAccount";
import { NetworkPolicy } from "@pulumi/kubernetes/networking/v1/networkPolicy";
import { PodDisruptionBudget } from "@pulumi/kubernetes/policy/v1/podDisruptionBudget";
import type { InvokeInfo, ResolvedServiceArgs } from "../../components/contract";
import { HPA_MIN_REPLICAS } from "../../components/cloudRules/kubernetes";
import { SIZES } from "../../components/sizes";
import { MAX_ERRORS_PER_MINUTE } from "../../components/observability";
import { secretEnvironment, servingEnvironment } from "../../components/servingContract";
import { type ClusterCredential, GUARDED_DEPLOYMENT_ANNOTATIONS, RolloutGuard } from "./rolloutGuard";

/** What the cloud hands the shared workload: identity, secrets, load balancer flavour, image and model. */
export interface WorkloadInputs {
    readonly image: pulumi.Input<string>;
    readonly modelUri: pulumi.Input<string>;
    /** Annotations binding the Kubernetes service account to the cloud identity (workload identity). */
    readonly serviceAccountAnnotations: Record<string, pulumi.Input<string>>;
    /** Pod labels the cloud's workload identity needs (AKS: azure.workload.identity/use). */
    readonly podLabels?: Record<string, string>;
    /** Annotations that make the load balancer internal on this cloud. */
    readonly internalLoadBalancerAnnotations: Record<string, string>;
    /** Client ranges admitted when the service is private and allowedCidrs is empty (the cluster network's range). */
    readonly privateClientCidrs: pulumi.Input<string>[];
    /** Secrets from the cloud's secret store, mounted as files by the Secrets Store CSI driver. */
    readonly secretStore?: {
        /** The CSI provider: "gke" (GKE's Secret Manager add-on) or "azure" (AKS's Key Vault provider). */
        readonly provider: keyof typeof SECRETS_STORE_DRIVERS;
        /** SecretProviderClass parameters for that provider. */
        readonly parameters: Record<string, pulumi.Input<string>>;
        /** Secret key (config name) -> file name in the mount. */
        readonly files: Record<string, string>;
    };
    /** Extra container environment (cloud-specific model-store settings). */
    readonly environment?: Record<string, pulumi.Input<string>>;
    /** Namespaces whose pods scrape the server's /metrics (the cloud's managed Prometheus collectors). */
    readonly metricsScraperNamespaces?: readonly string[];
    /** How the rollout guard reaches the cluster and the managed Prometheus holding the server's metrics. */
    readonly rolloutGuard: {
        readonly apiServer: pulumi.Input<string>;
        /** base64 PEM, as a kubeconfig's certificate-authority-data. */
        readonly caCertificate: pulumi.Input<string>;
        readonly credential: ClusterCredential;
        /** Base URL of the Prometheus HTTP API. */
        readonly prometheusUrl: pulumi.Input<string>;
        /** PromQL label matchers selecting the workload's series. */
        readonly metricsScope: pulumi.Input<string>;
        /** Resources the guard's metric reads need first (the deployer's read access). */
        readonly dependsOn?: pulumi.Resource[];
    };
}

const SECRETS_PATH = "/var/run/secrets/model-service";
const APP = "model-server";
/**
 * The CSI driver each secret store's provider is served by. GKE's Secret Manager add-on registers its
 * own driver (https://cloud.google.com/secret-manager/docs/secret-manager-managed-csi-component);
 * AKS's Key Vault add-on runs the upstream Secrets Store CSI driver
 * (https://learn.microsoft.com/azure/aks/csi-secrets-store-driver).
 */
const SECRETS_STORE_DRIVERS = { gke: "secrets-store-gke.csi.k8s.io", azure: "secrets-store.csi.k8s.io" } as const;
/**
 * On SIGTERM the pod is removed from the Service's endpoints while the server is already stopping, and
 * kube-proxy / the load balancer's health checks take seconds to notice: the preStop sleep keeps the
 * server serving meanwhile (the image has no shell or sleep, so the kubelet's sleep action,
 * beta and on by default since Kubernetes 1.30: https://kubernetes.io/docs/concepts/containers/container-lifecycle-hooks/#hook-handler-implementations).
 */
export const PRE_STOP_SLEEP_SECONDS = 15;
/** How long the server lets in-flight requests finish after SIGTERM (serving/src/config.ts SHUTDOWN_GRACE_MS). */
export const SHUTDOWN_GRACE_SECONDS = 20;
/** The kubelet kills the container this long after the pod began terminating: the preStop sleep, the drain and a margin. */
export const TERMINATION_GRACE_PERIOD_SECONDS = PRE_STOP_SLEEP_SECONDS + SHUTDOWN_GRACE_SECONDS + 5;

/**
 * The model server on any Kubernetes: namespace, workload-identity service account, a hardened
 * Deployment with probes on the serving contract, a LoadBalancer Service (internal unless public),
 * a HorizontalPodAutoscaler, a PodDisruptionBudget and a NetworkPolicy that admits only clients
 * of the load balancer (and the cloud's metrics collectors), on the container port only. Shared unchanged by gke and aks.
 */
export function createWorkload(name: string, args: ResolvedServiceArgs, inputs: WorkloadInputs, opts: pulumi.CustomResourceOptions) {
    const { port, healthRoute, predictRoute } = args.serving;
    const labels = { app: APP, "model-service": args.model.name, "model-version": args.model.version };
    const size = SIZES[args.compute.size];
    const namespace = new Namespace(`${name}-ns`, { metadata: { name: args.model.name, labels: { "pod-security.kubernetes.io/enforce": "restricted" } } }, opts);
    const ns = namespace.metadata.name;
    const serviceAccount = new ServiceAccount(`${name}-sa`, { metadata: { namespace: ns, name: APP, annotations: inputs.serviceAccountAnnotations }, automountServiceAccountToken: false }, opts);

    const secretKeys = Object.keys(inputs.secretStore?.files ?? {});
    const secretClass = inputs.secretStore && secretKeys.length > 0
        ? new CustomResource(
              `${name}-secrets`,
              {
                  apiVersion: "secrets-store.csi.x-k8s.io/v1",
                  kind: "SecretProviderClass",
                  metadata: { namespace: ns, name: `${APP}-secrets` },
                  spec: { provider: inputs.secretStore.provider, parameters: inputs.secretStore.parameters },
              },
              opts,
          )
        : undefined;

    const env = [
        ...Object.entries({ ...servingEnvironment(args, inputs.modelUri), SHUTDOWN_GRACE_MS: String(SHUTDOWN_GRACE_SECONDS * 1000) }).map(([k, v]) => ({ name: k, value: v })),
        ...Object.entries(inputs.environment ?? {}).map(([k, v]) => ({ name: k, value: v })),
        // Secret values are files from the secret store, never literal environment values.
        ...Object.entries(secretEnvironment("file", Object.fromEntries(secretKeys.map((key) => [key, `${SECRETS_PATH}/${inputs.secretStore!.files[key]}`])))).map(([name, value]) => ({ name, value })),
    ];
    const probe = (initialDelaySeconds: number, failureThreshold: number) => ({ httpGet: { path: healthRoute, port }, initialDelaySeconds, periodSeconds: 10, timeoutSeconds: 5, failureThreshold });
    const deployment = new Deployment(
        `${name}-deployment`,
        {
            // The rollout guard below waits for the rollout (and undoes it), not the kubernetes provider;
            // the provider's next apply takes back the fields a rollback wrote (see rolloutGuard.ts); the
            // forced apply leaves spec.replicas to the autoscaler, as ignoreChanges drops it from the apply.
            metadata: { namespace: ns, name: APP, labels, annotations: { ...GUARDED_DEPLOYMENT_ANNOTATIONS } },
            spec: {
                replicas: args.scaling.minReplicas,
                selector: { matchLabels: { app: APP } },
                // allAtOnce surges a full new set; canary and linear add stepPercent of the pods at a time,
                // each ready and held for the bake period (minReadySeconds) while the guard reads its
                // metrics, before the next; no pod leaves before its replacement is ready.
                strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: args.rollout.strategy === "allAtOnce" ? "100%" : `${args.rollout.stepPercent}%`, maxUnavailable: 0 } },
                minReadySeconds: args.rollout.strategy === "allAtOnce" ? 0 : args.rollout.bakeMinutes * 60,
                progressDeadlineSeconds: 600 + args.rollout.bakeMinutes * 60 * 10,
                template: {
                    metadata: { labels: { ...labels, ...inputs.podLabels } },
                    spec: {
                        serviceAccountName: serviceAccount.metadata.name,
                        automountServiceAccountToken: true,
                        terminationGracePeriodSeconds: TERMINATION_GRACE_PERIOD_SECONDS,
                        securityContext: { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001, seccompProfile: { type: "RuntimeDefault" } },
                        containers: [
                            {
                                name: APP,
                                image: inputs.image,
                                ports: [{ name: "http", containerPort: port }],
                                env,
                                resources: {
                                    requests: { cpu: String(size.vcpu), memory: `${size.memoryMiB}Mi` },
                                    limits: { memory: `${size.memoryMiB}Mi` },
                                },
                                readinessProbe: probe(5, 3),
                                livenessProbe: probe(30, 6),
                                startupProbe: { httpGet: { path: healthRoute, port }, periodSeconds: 10, failureThreshold: 30 },
                                lifecycle: { preStop: { sleep: { seconds: PRE_STOP_SLEEP_SECONDS } } },
                                securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
                                volumeMounts: [{ name: "tmp", mountPath: "/tmp" }, ...(secretClass ? [{ name: "secrets", mountPath: SECRETS_PATH, readOnly: true }] : [])],
                            },
                        ],
                        volumes: [
                            { name: "tmp", emptyDir: {} },
                            ...(secretClass ? [{ name: "secrets", csi: { driver: SECRETS_STORE_DRIVERS[inputs.secretStore!.provider], readOnly: true, volumeAttributes: { secretProviderClass: `${APP}-secrets` } } }] : []),
                        ],
                    },
                },
            },
        },
        // The autoscaler owns the replica count after the first rollout.
        { ...opts, dependsOn: secretClass ? [secretClass] : [], ignoreChanges: ["spec.replicas"] },
    );
    const guard = new RolloutGuard(
        `${name}-rollout`,
        {
            apiServer: inputs.rolloutGuard.apiServer,
            caCertificate: inputs.rolloutGuard.caCertificate,
            credential: inputs.rolloutGuard.credential,
            namespace: ns,
            deployment: deployment.metadata.name,
            image: inputs.image,
            modelVersion: args.model.version,
            templateFingerprint: deployment.spec.template.apply((t) => crypto.createHash("sha256").update(JSON.stringify(t)).digest("hex")),
            prometheusUrl: inputs.rolloutGuard.prometheusUrl,
            metricsScope: inputs.rolloutGuard.metricsScope,
            predictRoute,
            bakeSeconds: args.rollout.bakeMinutes * 60,
            latencyP99Ms: args.alarms.latencyP99Ms,
            max5xxPerMinute: MAX_ERRORS_PER_MINUTE,
            // Every surge step may take a pod's start-up plus its hold (minReadySeconds).
            rolloutTimeoutSeconds: Math.min(86_400, rolloutSteps(args) * (600 + (args.rollout.strategy === "allAtOnce" ? 0 : args.rollout.bakeMinutes * 60))),
        },
        { parent: opts.parent, dependsOn: [deployment, ...(inputs.rolloutGuard.dependsOn ?? [])] },
    );
    // The load balancer's source ranges and the network policy admit the same clients: the allowed CIDRs,
    // else (private only) the cluster network's range.
    const clients = args.network.allowedCidrs.length > 0 ? args.network.allowedCidrs.map((cidr) => pulumi.output(cidr)) : inputs.privateClientCidrs.map((cidr) => pulumi.output(cidr));
    const service = new Service(
        `${name}-service`,
        {
            metadata: { namespace: ns, name: APP, labels, annotations: args.network.public ? {} : inputs.internalLoadBalancerAnnotations },
            spec: {
                type: "LoadBalancer",
                selector: { app: APP },
                ports: [{ name: "http", port: 80, targetPort: port, protocol: "TCP" }],
                // Local keeps client addresses, so source ranges and the network policy see the real caller.
                externalTrafficPolicy: "Local",
                loadBalancerSourceRanges: clients,
            },
        },
        opts,
    );
    const autoscaler = new HorizontalPodAutoscaler(
        `${name}-hpa`,
        {
            metadata: { namespace: ns, name: APP },
            spec: {
                scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: deployment.metadata.name },
                minReplicas: Math.max(HPA_MIN_REPLICAS, args.scaling.minReplicas),
                maxReplicas: args.scaling.maxReplicas,
                metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 60 } } }],
            },
        },
        opts,
    );
    const disruptionBudget = new PodDisruptionBudget(`${name}-pdb`, { metadata: { namespace: ns, name: APP }, spec: { maxUnavailable: 1, selector: { matchLabels: { app: APP } } } }, opts);
    const networkPolicy = new NetworkPolicy(
        `${name}-ingress`,
        {
            metadata: { namespace: ns, name: `${APP}-ingress` },
            spec: {
                podSelector: { matchLabels: { app: APP } },
                policyTypes: ["Ingress"],
                ingress: [
                    { from: clients.map((cidr) => ({ ipBlock: { cidr } })), ports: [{ protocol: "TCP", port }] },
                    ...(inputs.metricsScraperNamespaces ?? []).map((scraper) => ({
                        from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": scraper } } }],
                        ports: [{ protocol: "TCP", port }],
                    })),
                ],
            },
        },
        opts,
    );
    const host = service.status.loadBalancer.ingress.apply((ingress) => ingress?.[0]?.ip ?? ingress?.[0]?.hostname ?? "pending");
    // What serves once the guard let the update through: the model version and the Deployment revision.
    const servingVersion = pulumi.interpolate`model version ${guard.servingModelVersion} (Deployment revision ${guard.servingRevision})`;
    return { namespace, serviceAccount, deployment, rolloutGuard: guard, servingVersion, service, autoscaler, disruptionBudget, networkPolicy, secretClass, podSelector: { app: APP }, portName: "http", url: pulumi.interpolate`http://${host}${predictRoute}` };
}

/** How many surges a rollout takes: one for allAtOnce, else one per stepPercent of the pods. */
function rolloutSteps(args: ResolvedServiceArgs): number {
    return args.rollout.strategy === "allAtOnce" ? 1 : Math.ceil(100 / args.rollout.stepPercent);
}

export type Workload = ReturnType<typeof createWorkload>;

/** The workload's children for `raw`. */
export function workloadChildren(w: Workload): Record<string, pulumi.Resource> {
    return { deployment: w.deployment, rolloutGuard: w.rolloutGuard, service: w.service, autoscaler: w.autoscaler, disruptionBudget: w.disruptionBudget, networkPolicy: w.networkPolicy };
}

/** How to call the workload: no authentication at the service, reachability from the network settings. */
export function workloadInvoke(url: pulumi.Output<string>, args: ResolvedServiceArgs, privateNote: string): pulumi.Output<InvokeInfo> {
    return url.apply((u) => ({
        auth: "none",
        reachability: args.network.public ? ("internet" as const) : ("private-network" as const),
        example: `curl -sS -X POST -H 'Content-Type: application/json' --data @request.json ${u}`,
        note: args.network.public
            ? `Reachable from ${args.network.allowedCidrs.join(", ")} only (load balancer source ranges and a network policy); the service does not authenticate callers.`
            : privateNote,
    }));
}
