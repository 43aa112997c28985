import * as pulumi from "@pulumi/pulumi";
import { Topic } from "@pulumi/aws/sns/topic";
import { TopicSubscription } from "@pulumi/aws/sns/topicSubscription";
import type { ResolvedServiceArgs } from "../../components/contract";

/** An encrypted SNS topic that mails the configured addresses when an alarm fires; none without addresses. */
export function createAlarmTopic(name: string, args: ResolvedServiceArgs, opts: pulumi.CustomResourceOptions): Topic | undefined {
    if (args.alarms.emails.length === 0) return undefined;
    const topic = new Topic(`${name}-alarms`, { kmsMasterKeyId: "alias/aws/sns", displayName: `Alarms of model service ${args.model.name}` }, opts);
    args.alarms.emails.forEach((email, i) => new TopicSubscription(`${name}-alarms-email-${i}`, { topic: topic.arn, protocol: "email", endpoint: email }, opts));
    return topic;
}

/** What an alarm does when it fires and when it clears. */
export function alarmActions(topic: Topic | undefined): { alarmActions?: pulumi.Input<string>[]; okActions?: pulumi.Input<string>[] } {
    return topic ? { alarmActions: [topic.arn], okActions: [topic.arn] } : {};
}
