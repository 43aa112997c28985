import type * as pulumi from "@pulumi/pulumi";
import { MetricAlarm, type MetricAlarmArgs } from "@pulumi/aws/cloudwatch/metricAlarm";
import type { Topic } from "@pulumi/aws/sns/topic";
import type { ResolvedServiceArgs } from "../../components/contract";
import { BAD_OF_LAST } from "../../components/observability";
import { alarmActions } from "./alarmTopic";

/** What a rollback alarm watches: the metric, its statistic and the threshold a bad minute exceeds. */
export type AlarmMetric = Pick<MetricAlarmArgs, "namespace" | "metricName" | "dimensions" | "statistic" | "extendedStatistic" | "threshold">;

/**
 * An alarm the AWS runtimes roll back on, on the rule every runtime's alarms share (components/observability.ts):
 * a minute above the threshold is bad, BAD_OF_LAST.bad bad minutes of the last BAD_OF_LAST.of fire it, and a
 * minute without data is not bad. It mails the alarm topic, if any, when it fires and when it clears.
 */
export function createRollbackAlarm(name: string, args: ResolvedServiceArgs, description: string, metric: AlarmMetric, topic: Topic | undefined, opts: pulumi.CustomResourceOptions): MetricAlarm {
    return new MetricAlarm(
        name,
        {
            alarmDescription: `Model service ${args.model.name}: ${description}`,
            ...metric,
            period: 60,
            evaluationPeriods: BAD_OF_LAST.of,
            datapointsToAlarm: BAD_OF_LAST.bad,
            comparisonOperator: "GreaterThanThreshold",
            treatMissingData: "notBreaching",
            ...alarmActions(topic),
        },
        opts,
    );
}
