import { beforeAll, describe, expect, it } from "vitest";
import type { PlanDocument } from "../offline/engine";
import { byName, ofType, one, planJson } from "./helpers/plan";

const IMAGE = "us-docker.pkg.dev/vertex-ai/prediction/sklearn-cpu.1-3:latest";
/** A plan takes seconds alone and far longer on a loaded machine: more than the 10 s hook default. */
const PLAN_TIMEOUT_MS = 120_000;

function podSpec(doc: PlanDocument): any {
    return (one(doc, "kubernetes:apps/v1:Deployment").inputs as any).spec.template.spec;
}

describe("GKE Autopilot on the dev stack", () => {
    let doc: PlanDocument;
    let code: number | null;
    beforeAll(() => {
        ({ doc, code } = planJson(["--stack", "dev", "--config", "cloud=gcp", "--config", "runtime=gke", "--config", `image=${IMAGE}`]));
    }, PLAN_TIMEOUT_MS);

    it("plans cleanly and loads no AWS or Azure SDK", () => {
        expect(doc.errors).toEqual([]);
        expect(doc.violations).toEqual([]);
        expect(code).toBe(0);
        expect(doc.sdkModules.filter((m) => /^@pulumi\/(aws|azure-native)\//.test(m))).toEqual([]);
        expect(doc.sdkModules.some((m) => m.startsWith("@pulumi/gcp/container"))).toBe(true);
    });

    it("runs a private-node Autopilot cluster with workload identity on a release channel", () => {
        expect(one(doc, "gcp:container/cluster:Cluster").inputs).toMatchObject({
            location: "us-central1",
            enableAutopilot: true,
            releaseChannel: { channel: "REGULAR" },
            privateClusterConfig: { enablePrivateNodes: true },
            workloadIdentityConfig: { workloadPool: "my-ml-project-dev.svc.id.goog" },
            secretManagerConfig: { enabled: true },
            deletionProtection: false,
        });
        expect(one(doc, "pulumi:providers:gcp").inputs).toMatchObject({ project: "my-ml-project-dev", region: "us-central1" });
    });

    it("keeps the artifact bucket private: uniform access, public access prevention enforced, versioned", () => {
        expect(one(doc, "gcp:storage/bucket:Bucket").inputs).toMatchObject({ uniformBucketLevelAccess: true, publicAccessPrevention: "enforced", versioning: { enabled: true }, location: "US-CENTRAL1" });
        expect(ofType(doc, "gcp:storage/bucketObject:BucketObject").map((o) => o.inputs.name).sort()).toEqual(["models/iris/1/README.md", "models/iris/1/metadata.json", "models/iris/1/model.onnx"]);
    });

    it("gives the serving account object read on the model prefix only, and binds it to the pod's service account", () => {
        const sa = byName(doc, "gcp:serviceaccount/account:Account", "iris-gcp-serving-sa");
        const member = `serviceAccount:${sa.outputs.email}`;
        const read = byName(doc, "gcp:storage/bucketIAMMember:BucketIAMMember", "iris-gcp-read-model");
        const bucket = one(doc, "gcp:storage/bucket:Bucket").outputs.name;
        expect(read.inputs).toMatchObject({ role: "roles/storage.objectViewer", member, condition: { expression: `resource.name.startsWith("projects/_/buckets/${bucket}/objects/models/iris/1/")` } });
        expect(byName(doc, "gcp:storage/bucketIAMMember:BucketIAMMember", "iris-gcp-list-model").inputs).toMatchObject({ role: "roles/storage.legacyBucketReader", member });
        expect(one(doc, "gcp:serviceaccount/iAMMember:IAMMember").inputs).toMatchObject({
            serviceAccountId: sa.outputs.name,
            role: "roles/iam.workloadIdentityUser",
            member: "serviceAccount:my-ml-project-dev.svc.id.goog[iris/model-server]",
        });
        expect((one(doc, "kubernetes:core/v1:ServiceAccount").inputs as any).metadata.annotations).toEqual({ "iam.gke.io/gcp-service-account": sa.outputs.email });
    });

    it("runs a hardened Deployment with probes on the serving contract and requests from the portable size", () => {
        const spec = podSpec(doc);
        const [c] = spec.containers;
        expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
        expect(c.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } });
        expect(c.readinessProbe.httpGet).toEqual({ path: "/ping", port: 8080 });
        expect(c.livenessProbe.httpGet).toEqual({ path: "/ping", port: 8080 });
        expect(c.resources.requests).toEqual({ cpu: "2", memory: "8192Mi" });
        expect(c.image).toBe(IMAGE);
        expect(c.env).toEqual(expect.arrayContaining([{ name: "MODEL_URI", value: doc.outputs.artifactUri }]));
        expect(one(doc, "kubernetes:apps/v1:Deployment").options.ignoreChanges).toEqual(["spec.replicas"]);
    });

    it("exposes an internal load balancer, scales between min and max, keeps one pod through disruptions, admits only the VPC on the container port", () => {
        const service = one(doc, "kubernetes:core/v1:Service").inputs as any;
        expect(service.metadata.annotations).toEqual({ "networking.gke.io/load-balancer-type": "Internal" });
        // Regional without global access; the load balancer's firewall and the network policy admit the same range: the service subnet's.
        expect(service.spec).toMatchObject({ type: "LoadBalancer", ports: [{ port: 80, targetPort: 8080, protocol: "TCP", name: "http" }], loadBalancerSourceRanges: ["10.10.0.0/20"] });
        expect((one(doc, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler").inputs as any).spec).toMatchObject({ minReplicas: 1, maxReplicas: 2 });
        expect((one(doc, "kubernetes:policy/v1:PodDisruptionBudget").inputs as any).spec).toMatchObject({ maxUnavailable: 1 });
        expect((one(doc, "kubernetes:networking.k8s.io/v1:NetworkPolicy").inputs as any).spec.ingress).toEqual([
            { from: [{ ipBlock: { cidr: "10.10.0.0/20" } }], ports: [{ protocol: "TCP", port: 8080 }] },
            // Autopilot's managed Prometheus collectors (namespace gke-gmp-system) scrape /metrics on the same port.
            { from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "gke-gmp-system" } } }], ports: [{ protocol: "TCP", port: 8080 }] },
        ]);
        expect(doc.outputs.invoke).toMatchObject({ reachability: "private-network" });
        expect(doc.outputs.endpointUrl).toBe("http://10.128.0.50/invocations");
    });

    it("keeps serving through the preStop sleep while endpoints and the load balancer let go, within a grace period that covers the drain", () => {
        const spec = podSpec(doc);
        const [c] = spec.containers;
        expect(c.lifecycle).toEqual({ preStop: { sleep: { seconds: 15 } } });
        expect(c.env).toEqual(expect.arrayContaining([{ name: "SHUTDOWN_GRACE_MS", value: "20000" }]));
        expect(spec.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(15 + 20);
    });

    it("puts every Kubernetes object on the cluster's provider", () => {
        const k8s = one(doc, "pulumi:providers:kubernetes");
        expect(JSON.parse(String(k8s.inputs.kubeconfig)).users[0].user.exec.command).toBe("gke-gcloud-auth-plugin");
        for (const r of doc.resources.filter((r) => r.type.startsWith("kubernetes:"))) expect(r.options.provider?.startsWith(`${k8s.urn}::`), r.name).toBe(true);
    });
});

describe("GKE alerts", () => {
    const alertPolicies = (doc: PlanDocument) => ofType(doc, "gcp:monitoring/alertPolicy:AlertPolicy");
    const query = (r: { inputs: Record<string, unknown> }) => (r.inputs as any).conditions[0].conditionPrometheusQueryLanguage.query as string;

    it("scrapes the server's metrics and alerts on 5xx, p99 latency and available replicas of this service only, mailing the alarm recipients", () => {
        const { doc, code } = planJson(["--stack", "dev", "--config", "cloud=gcp", "--config", "runtime=gke", "--config", `image=${IMAGE}`, "--config", 'alarmEmails=["oncall@example.com"]', "--config", "alarmLatencyP99Ms=300"]);
        expect(code).toBe(0);
        const cluster = one(doc, "gcp:container/cluster:Cluster");
        expect(cluster.inputs.monitoringConfig).toEqual({ managedPrometheus: { enabled: true } });
        const deployment = one(doc, "kubernetes:apps/v1:Deployment");
        const namespace = (deployment.inputs as any).metadata.namespace;
        const monitoring = one(doc, "kubernetes:monitoring.googleapis.com/v1:PodMonitoring");
        expect(monitoring.inputs).toMatchObject({ metadata: { namespace }, spec: { selector: { matchLabels: (deployment.inputs as any).spec.selector.matchLabels }, endpoints: [{ port: 8080, path: "/metrics" }], targetLabels: { metadata: ["pod", "container"] } } });

        const channel = one(doc, "gcp:monitoring/notificationChannel:NotificationChannel");
        expect(channel.inputs).toMatchObject({ type: "email", labels: { email_address: "oncall@example.com" } });
        const policies = alertPolicies(doc);
        expect(policies.map((p) => query(p).match(/\b(model_server_\w+|kube_\w+)\{/)![1]).sort()).toEqual([
            "kube_deployment_status_replicas_available",
            "model_server_request_duration_seconds_bucket",
            "model_server_requests_total",
        ]);
        for (const p of policies) {
            expect(query(p)).toContain(`cluster="${cluster.outputs.name}",namespace="${namespace}"`);
            expect(p.inputs.notificationChannels).toEqual([channel.id]);
            expect(p.inputs.project).toBe("my-ml-project-dev");
            // After the first rollout is available and the scrape exists: no page for a deployment in progress.
            expect(p.options.dependsOn).toEqual(expect.arrayContaining([one(doc, "pulumi-nodejs:dynamic/kubernetes:RolloutGuard").urn, monitoring.urn]));
        }
        const byMetric = (metric: string) => query(policies.find((p) => query(p).includes(metric))!);
        expect(byMetric("model_server_requests_total")).toContain('status=~"5.."');
        expect(byMetric("model_server_request_duration_seconds_bucket")).toMatch(/^count_over_time\(\(histogram_quantile\(0\.99, .*route="\/invocations".*\* 1000 > 300\)\[5m:1m\]\) >= 3$/);
        expect(byMetric("kube_deployment_status_replicas_available")).toContain(`deployment="${(deployment.inputs as any).metadata.name}"`);
    });

    it("creates no notification channel when nobody is to be told, and follows the default latency threshold", () => {
        const { doc } = planJson(["--stack", "dev", "--config", "cloud=gcp", "--config", "runtime=gke", "--config", `image=${IMAGE}`]);
        expect(ofType(doc, "gcp:monitoring/notificationChannel:NotificationChannel")).toEqual([]);
        expect(alertPolicies(doc)).toHaveLength(3);
        for (const p of alertPolicies(doc)) expect(p.inputs.notificationChannels).toEqual([]);
        expect(alertPolicies(doc).map(query).find((q) => q.includes("histogram_quantile"))).toMatch(/ > 1000\)\[5m:1m\]\) >= 3$/);
    });
});

describe("GKE with secrets, public access and a protected prod stack", () => {
    let doc: PlanDocument;
    const secretValue = "offline-gke-secret-value-31";
    beforeAll(() => {
        doc = planJson([
            "--stack", "prod",
            "--config", "cloud=gcp",
            "--config", "runtime=gke",
            "--config", `image=${IMAGE}`,
            "--config", "public=true",
            "--config", 'allowedCidrs=["203.0.113.0/24"]',
            "--config", 'secrets=["hfToken"]',
            "--secret", `hfToken=${secretValue}`,
        ]).doc;
    }, PLAN_TIMEOUT_MS);

    it("plans cleanly and protects the bucket and the cluster", () => {
        expect(doc.errors).toEqual([]);
        expect(doc.violations).toEqual([]);
        expect(doc.resources.filter((r) => r.options.protect).map((r) => r.type).sort()).toEqual(["gcp:container/cluster:Cluster", "gcp:logging/projectBucketConfig:ProjectBucketConfig", "gcp:secretmanager/secret:Secret", "gcp:storage/bucket:Bucket"]);
        expect(one(doc, "gcp:container/cluster:Cluster").inputs.deletionProtection).toBe(true);
    });

    it("keeps the secret in Secret Manager, readable by the serving account only, mounted as a file", () => {
        const secret = one(doc, "gcp:secretmanager/secret:Secret");
        expect(one(doc, "gcp:secretmanager/secretVersion:SecretVersion").secretInputs).toContain("secretData");
        const sa = byName(doc, "gcp:serviceaccount/account:Account", "iris-gcp-serving-sa");
        expect(one(doc, "gcp:secretmanager/secretIamMember:SecretIamMember").inputs).toMatchObject({ secretId: secret.id, role: "roles/secretmanager.secretAccessor", member: `serviceAccount:${sa.outputs.email}` });
        const spc = one(doc, "kubernetes:secrets-store.csi.x-k8s.io/v1:SecretProviderClass").inputs as any;
        expect(spc.spec).toEqual({ provider: "gke", parameters: { secrets: `- resourceName: "${secret.id}/versions/latest"\n  path: "hfToken"` } });
        // GKE's Secret Manager add-on serves provider gke through its own CSI driver.
        expect(podSpec(doc).volumes).toContainEqual({ name: "secrets", csi: { driver: "secrets-store-gke.csi.k8s.io", readOnly: true, volumeAttributes: { secretProviderClass: "model-server-secrets" } } });
        const [c] = podSpec(doc).containers;
        expect(c.env).toEqual(expect.arrayContaining([{ name: "SECRET_HF_TOKEN_FILE", value: "/var/run/secrets/model-service/hfToken" }]));
        expect(c.volumeMounts).toEqual(expect.arrayContaining([{ name: "secrets", mountPath: "/var/run/secrets/model-service", readOnly: true }]));
        expect(JSON.stringify(doc.resources.filter((r) => r.type !== "gcp:secretmanager/secretVersion:SecretVersion"))).not.toContain(secretValue);
    });

    it("opens a public load balancer to the allowed CIDRs only, in the source ranges and the network policy", () => {
        const service = one(doc, "kubernetes:core/v1:Service").inputs as any;
        expect(service.metadata.annotations).toEqual({});
        expect(service.spec.loadBalancerSourceRanges).toEqual(["203.0.113.0/24"]);
        expect((one(doc, "kubernetes:networking.k8s.io/v1:NetworkPolicy").inputs as any).spec.ingress[0].from).toEqual([{ ipBlock: { cidr: "203.0.113.0/24" } }]);
        expect((one(doc, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler").inputs as any).spec).toMatchObject({ minReplicas: 2, maxReplicas: 6 });
    });
});

describe("GKE private clients", () => {
    it("takes global access and the client ranges from config, the same ranges in the load balancer and the network policy", () => {
        const { doc, code } = planJson(["--stack", "dev", "--config", "cloud=gcp", "--config", "runtime=gke", "--config", `image=${IMAGE}`, "--config", "gcpInternalGlobalAccess=true", "--config", 'allowedCidrs=["10.8.0.0/16","172.16.4.0/22"]']);
        expect(code).toBe(0);
        const service = one(doc, "kubernetes:core/v1:Service").inputs as any;
        expect(service.metadata.annotations).toEqual({ "networking.gke.io/load-balancer-type": "Internal", "networking.gke.io/internal-load-balancer-allow-global-access": "true" });
        expect(service.spec.loadBalancerSourceRanges).toEqual(["10.8.0.0/16", "172.16.4.0/22"]);
        expect((one(doc, "kubernetes:networking.k8s.io/v1:NetworkPolicy").inputs as any).spec.ingress[0].from).toEqual([{ ipBlock: { cidr: "10.8.0.0/16" } }, { ipBlock: { cidr: "172.16.4.0/22" } }]);
    });

    it("refuses global access on a public service", () => {
        const { doc, code } = planJson(["--stack", "dev", "--config", "cloud=gcp", "--config", "runtime=gke", "--config", `image=${IMAGE}`, "--config", "gcpInternalGlobalAccess=true", "--config", "public=true", "--config", 'allowedCidrs=["203.0.113.0/24"]']);
        expect(code).toBe(2);
        expect(doc.errors.join("\n")).toContain('model-service:gcpInternalGlobalAccess = "true": applies to the internal load balancer, and public is true');
    });
});

describe("GKE rollouts", () => {
    it("rolls pods forward in steps of the canary size, each ready and baked before the next, none removed early", () => {
        const canary = planJson(["--stack", "dev", "--config", "cloud=gcp", "--config", "runtime=gke", "--config", "rollout=canary", "--config", "rolloutStepPercent=20", "--config", "rolloutBakeMinutes=3"]).doc;
        expect((one(canary, "kubernetes:apps/v1:Deployment").inputs as any).spec).toMatchObject({ strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "20%", maxUnavailable: 0 } }, minReadySeconds: 180 });
        const all = planJson(["--stack", "dev", "--config", "cloud=gcp", "--config", "runtime=gke"]).doc;
        expect((one(all, "kubernetes:apps/v1:Deployment").inputs as any).spec).toMatchObject({ strategy: { rollingUpdate: { maxSurge: "100%", maxUnavailable: 0 } }, minReadySeconds: 0 });
    });
});

describe("GKE rollout guard", () => {
    it("follows, bakes and can undo the rollout with the deployer's Google token, the cluster's CA and Managed Service for Prometheus", () => {
        const doc = planJson(["--stack", "dev", "--config", "cloud=gcp", "--config", "runtime=gke", "--config", "rollout=canary", "--config", "rolloutBakeMinutes=3", "--config", "alarmLatencyP99Ms=400"]).doc;
        const guard = one(doc, "pulumi-nodejs:dynamic/kubernetes:RolloutGuard");
        const deployment = one(doc, "kubernetes:apps/v1:Deployment");
        const cluster = one(doc, "gcp:container/cluster:Cluster");
        const d = deployment.inputs as any;
        expect(guard.inputs).toMatchObject({
            apiServer: `https://${(cluster.outputs as any).endpoint}`,
            caCertificate: (cluster.outputs as any).masterAuth.clusterCaCertificate,
            credential: "google",
            prometheusUrl: "https://monitoring.googleapis.com/v1/projects/my-ml-project-dev/location/global/prometheus",
            metricsScope: `cluster="${cluster.outputs.name}",namespace="${d.metadata.namespace}"`,
            deployment: d.metadata.name,
            bakeSeconds: 180,
            latencyP99Ms: 400,
            // 10 steps of 10%, each up to 10 minutes to start plus the 3-minute hold.
            rolloutTimeoutSeconds: 10 * (600 + 180),
        });
        expect(guard.options.dependsOn).toContain(deployment.urn);
        expect(d.metadata.annotations).toEqual({ "pulumi.com/skipAwait": "true", "pulumi.com/patchForce": "true" });
        // A new model version is a new pod template, so a new fingerprint: a rollout to watch.
        const v2 = one(planJson(["--stack", "dev", "--config", "cloud=gcp", "--config", "runtime=gke", "--config", "rollout=canary", "--config", "rolloutBakeMinutes=3", "--config", "alarmLatencyP99Ms=400", "--config", "modelVersion=2"]).doc, "pulumi-nodejs:dynamic/kubernetes:RolloutGuard").inputs as any;
        expect(v2.modelVersion).toBe("2");
        expect(v2.templateFingerprint).not.toBe((guard.inputs as any).templateFingerprint);
    });
});

describe("Google Cloud validation", () => {
    it("refuses an ECR image on gcp, and a project id that is not one", () => {
        const ecr = planJson(["--stack", "dev", "--config", "cloud=gcp", "--config", "runtime=gke", "--config", "image=123456789012.dkr.ecr.us-east-1.amazonaws.com/server:1"]);
        expect(ecr.code).toBe(2);
        expect(ecr.doc.errors.join("\n")).toContain("is in a private Amazon ECR registry, which gcp cannot pull from");
        const project = planJson(["--stack", "dev", "--config", "cloud=gcp", "--config", "runtime=gke", "--config", `image=${IMAGE}`, "--config", "gcp:project=X"]);
        expect(project.doc.errors.join("\n")).toContain('gcp:project = "X": is not a Google Cloud project id');
    });
});
