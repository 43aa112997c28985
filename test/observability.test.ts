import * as fs from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { PlanDocument } from "../offline/engine";
import type { RecordedResource } from "../offline/recorder";
import { BAD_OF_LAST, MAX_ERRORS_PER_MINUTE, METRIC_NAMES, POINT_WINDOW, badOfLastAlert, badPointsNeeded, errorsPerMinuteQuery, latencyP99MsQuery } from "../components/observability";
import { ServerMetrics } from "../serving/src/metrics";
import { PROJECT_DIR, byName, ofType, one, planJsonMany } from "./helpers/plan";

// Not the default, so a watcher or an alert that ignores alarmLatencyP99Ms shows.
const LATENCY_MS = 700;
const RUNTIMES = [
    ["aws", "sagemaker"],
    ["aws", "ecs"],
    ["gcp", "vertex"],
    ["gcp", "gke"],
    ["azure", "azureml"],
    ["azure", "aks"],
] as const;
type Runtime = (typeof RUNTIMES)[number][1];

/**
 * The number a PromQL alert compares its points with, from `count_over_time((... > N)[5m:1m]) >= 3`: the
 * alert judges the one bad-of-last rule on one-minute points, and the rollout guard's point window.
 */
function promThreshold(query: unknown): number {
    const text = String(query);
    const match = /^count_over_time\(\((.*) > (\d+(?:\.\d+)?)\)\[(\d+)m:1m\]\) >= (\d+)$/.exec(text);
    if (!match) throw new Error(`not a bad-of-last alert: ${text}`);
    expect(Number(match[3]), text).toBe(BAD_OF_LAST.of);
    expect(Number(match[4]), text).toBe(BAD_OF_LAST.bad);
    expect(match[1], text).toContain(`[${POINT_WINDOW}]`);
    return Number(match[2]);
}

function alarmsNamed(doc: PlanDocument, names: readonly unknown[]): RecordedResource[] {
    return names.map((n) => {
        const alarm = ofType(doc, "aws:cloudwatch/metricAlarm:MetricAlarm").find((a) => a.outputs.name === n);
        if (!alarm) throw new Error(`no alarm named ${String(n)}`);
        return alarm;
    });
}

/** The alarms a rollout rolls back on judge the one bad-of-last rule, one-minute points. */
function expectBadOfLast(alarm: RecordedResource): void {
    expect(alarm.inputs, alarm.name).toMatchObject({ period: 60, evaluationPeriods: BAD_OF_LAST.of, datapointsToAlarm: BAD_OF_LAST.bad });
}

describe("alerts and rollout watchers read the same thresholds on every runtime", { timeout: 240_000 }, () => {
    const docs = new Map<Runtime, PlanDocument>();
    beforeAll(async () => {
        const runs = await planJsonMany(
            RUNTIMES.map(([cloud, runtime]) => ["--stack", "dev", "--config", `cloud=${cloud}`, "--config", `runtime=${runtime}`, "--config", "rollout=canary", "--config", "minReplicas=2", "--config", `alarmLatencyP99Ms=${LATENCY_MS}`]),
        );
        runs.forEach(({ code, doc }, i) => {
            expect(code, RUNTIMES[i]![1]).toBe(0);
            docs.set(RUNTIMES[i]![1], doc);
        });
    }, 240_000);

    it("sagemaker: the alarms the endpoint rolls back on", () => {
        const doc = docs.get("sagemaker")!;
        const endpoint = one(doc, "aws:sagemaker/endpoint:Endpoint");
        const names = (endpoint.inputs.deploymentConfig as { autoRollbackConfiguration: { alarms: { alarmName: string }[] } }).autoRollbackConfiguration.alarms.map((a) => a.alarmName);
        const alarms = alarmsNamed(doc, names);
        expect(alarms.map((a) => a.inputs.metricName).sort()).toEqual(["Invocation5XXErrors", "InvocationModelErrors", "ModelLatency"]);
        for (const alarm of alarms) {
            expectBadOfLast(alarm);
            // ModelLatency is in microseconds.
            expect(alarm.inputs.threshold, alarm.name).toBe(alarm.inputs.metricName === "ModelLatency" ? LATENCY_MS * 1000 : MAX_ERRORS_PER_MINUTE);
        }
    });

    it("ecs: the alarms the deployment rolls back on", () => {
        const doc = docs.get("ecs")!;
        const service = one(doc, "aws:ecs/service:Service");
        const alarms = alarmsNamed(doc, (service.inputs.alarms as { alarmNames: string[] }).alarmNames);
        expect(alarms.map((a) => a.inputs.metricName).sort()).toEqual(["HTTPCode_Target_5XX_Count", "TargetResponseTime"]);
        for (const alarm of alarms) {
            expectBadOfLast(alarm);
            // TargetResponseTime is in seconds.
            expect(alarm.inputs.threshold, alarm.name).toBe(alarm.inputs.metricName === "TargetResponseTime" ? LATENCY_MS / 1000 : MAX_ERRORS_PER_MINUTE);
        }
    });

    it("vertex: the alert policies and the deployment's bake", () => {
        const doc = docs.get("vertex")!;
        const deployment = doc.resources.find((r) => r.inputs.rollbackErrorThreshold !== undefined)!;
        const threshold = (name: string) => (byName(doc, "gcp:monitoring/alertPolicy:AlertPolicy", name).inputs.conditions as { conditionThreshold: { thresholdValue: number } }[])[0]!.conditionThreshold.thresholdValue;
        expect(deployment.inputs.rollbackErrorThreshold).toBe(MAX_ERRORS_PER_MINUTE);
        expect(threshold("iris-vertex-errors")).toBe(deployment.inputs.rollbackErrorThreshold);
        expect(deployment.inputs.rollbackLatencyP99Ms).toBe(LATENCY_MS);
        expect(threshold("iris-vertex-latency-p99")).toBe(deployment.inputs.rollbackLatencyP99Ms);
    });

    it("azureml: the metric alerts and the traffic shifter", () => {
        const doc = docs.get("azureml")!;
        const shift = one(doc, "pulumi-nodejs:dynamic/azure:TrafficShift");
        const threshold = (name: string) => (byName(doc, "azure-native:monitor:MetricAlert", name).inputs.criteria as { allOf: { threshold: number }[] }).allOf[0]!.threshold;
        expect(shift.inputs.max5xxPerMinute).toBe(MAX_ERRORS_PER_MINUTE);
        expect(threshold("iris-azureml-errors")).toBe(shift.inputs.max5xxPerMinute);
        expect(shift.inputs.latencyP99Ms).toBe(LATENCY_MS);
        expect(threshold("iris-azureml-latency-p99")).toBe(shift.inputs.latencyP99Ms);
    });

    it("gke: the PromQL alert policies and the rollout guard", () => {
        const doc = docs.get("gke")!;
        const guard = one(doc, "pulumi-nodejs:dynamic/kubernetes:RolloutGuard");
        const condition = (name: string) => (byName(doc, "gcp:monitoring/alertPolicy:AlertPolicy", name).inputs.conditions as { conditionPrometheusQueryLanguage: { query: string; duration?: string } }[])[0]!.conditionPrometheusQueryLanguage;
        const query = (name: string) => {
            // A duration would ask for consecutive breaches on top of the expression's own count.
            expect(condition(name).duration, name).toBeUndefined();
            return condition(name).query;
        };
        expect(guard.inputs.max5xxPerMinute).toBe(MAX_ERRORS_PER_MINUTE);
        expect(promThreshold(query("iris-gke-errors"))).toBe(guard.inputs.max5xxPerMinute);
        expect(guard.inputs.latencyP99Ms).toBe(LATENCY_MS);
        expect(promThreshold(query("iris-gke-latency-p99"))).toBe(guard.inputs.latencyP99Ms);
    });

    it("aks: the Prometheus rule group and the rollout guard", () => {
        const doc = docs.get("aks")!;
        const guard = one(doc, "pulumi-nodejs:dynamic/kubernetes:RolloutGuard");
        const rules = one(doc, "azure-native:alertsmanagement:PrometheusRuleGroup").inputs.rules as { alert: string; expression: string; for?: string }[];
        const expression = (alert: string) => {
            const rule = rules.find((r) => r.alert === alert)!;
            expect(rule.for, alert).toBeUndefined();
            return rule.expression;
        };
        expect(guard.inputs.max5xxPerMinute).toBe(MAX_ERRORS_PER_MINUTE);
        expect(promThreshold(expression("ModelServerErrors"))).toBe(guard.inputs.max5xxPerMinute);
        expect(guard.inputs.latencyP99Ms).toBe(LATENCY_MS);
        expect(promThreshold(expression("ModelServerLatencyP99"))).toBe(guard.inputs.latencyP99Ms);
    });
});

describe("the observability contract", () => {
    it("names series the reference server exports", async () => {
        const metrics = new ServerMetrics();
        metrics.observe("/invocations", "POST", 500, 0.01);
        const text = await metrics.registry.metrics();
        expect(text).toMatch(new RegExp(`^${METRIC_NAMES.requests}\\{route="/invocations",method="POST",status="500"\\} 1$`, "m"));
        expect(text).toMatch(new RegExp(`^${METRIC_NAMES.requestDuration}_bucket\\{le="0.01",route="/invocations"\\} 1$`, "m"));
    });

    it("builds the PromQL the alerts and the rollout guard send", () => {
        expect(errorsPerMinuteQuery('namespace="iris"', "5m")).toBe('sum(rate(model_server_requests_total{namespace="iris",status=~"5.."}[5m])) * 60');
        expect(latencyP99MsQuery('namespace="iris",route="/invocations"', "2m")).toBe('histogram_quantile(0.99, sum by (le) (rate(model_server_request_duration_seconds_bucket{namespace="iris",route="/invocations"}[2m]))) * 1000');
    });

    it("writes the bad-of-last rule as a PromQL subquery over one-minute points", () => {
        expect(badOfLastAlert("errors > 5")).toBe("count_over_time((errors > 5)[5m:1m]) >= 3");
    });

    it("calls it bad at 3 of the last 5 points, a majority while fewer exist", () => {
        expect([1, 2, 3, 4, 5, 9].map(badPointsNeeded)).toEqual([1, 2, 2, 3, 3, 3]);
    });

    it("is what the README's rollout table says", () => {
        const readme = fs.readFileSync(path.join(PROJECT_DIR, "README.md"), "utf8");
        const rules = [...readme.matchAll(/(\d+) bad (?:checks|minutes) of the last (\d+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
        expect(rules.length).toBeGreaterThanOrEqual(2);
        for (const rule of rules) expect(rule).toEqual([BAD_OF_LAST.bad, BAD_OF_LAST.of]);
        const errors = [...readme.matchAll(/more than (\d+) (?:prediction errors|answers 5xx)/g)].map((m) => Number(m[1]));
        expect(errors.length).toBeGreaterThanOrEqual(2);
        for (const figure of errors) expect(figure).toBe(MAX_ERRORS_PER_MINUTE);
    });
});
