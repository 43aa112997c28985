import * as pulumi from "@pulumi/pulumi";
import { getCallerIdentityOutput } from "@pulumi/aws/getCallerIdentity";
import { Key } from "@pulumi/aws/kms/key";
import { Topic } from "@pulumi/aws/sns/topic";
import { TopicSubscription } from "@pulumi/aws/sns/topicSubscription";
import type { ResolvedServiceArgs } from "../../components/contract";
import { awsPartition } from "./partition";

/**
 * An encrypted SNS topic that mails the configured addresses when an alarm fires; none without addresses.
 * Its key is a customer managed one: CloudWatch cannot publish to a topic under the AWS managed alias/aws/sns,
 * whose policy no one can change to admit cloudwatch.amazonaws.com.
 */
export function createAlarmTopic(name: string, args: ResolvedServiceArgs, opts: pulumi.CustomResourceOptions): Topic | undefined {
    if (args.alarms.emails.length === 0) return undefined;
    const account = getCallerIdentityOutput({}, { parent: opts.parent, provider: opts.provider }).accountId;
    const key = new Key(
        `${name}-alarms-key`,
        {
            description: `Encrypts the alarm topic of model service ${args.model.name}`,
            enableKeyRotation: true,
            deletionWindowInDays: 30,
            policy: pulumi.jsonStringify({
                Version: "2012-10-17",
                Statement: [
                    // The account's IAM policies decide who administers the key, as with a key's default policy.
                    { Sid: "AccountAdministers", Effect: "Allow", Principal: { AWS: pulumi.interpolate`arn:${awsPartition(args.region)}:iam::${account}:root` }, Action: "kms:*", Resource: "*" },
                    { Sid: "CloudWatchAlarmsPublish", Effect: "Allow", Principal: { Service: "cloudwatch.amazonaws.com" }, Action: ["kms:Decrypt", "kms:GenerateDataKey*"], Resource: "*" },
                ],
            }),
        },
        opts,
    );
    const topic = new Topic(`${name}-alarms`, { kmsMasterKeyId: key.arn, displayName: `Alarms of model service ${args.model.name}` }, opts);
    args.alarms.emails.forEach((email, i) => new TopicSubscription(`${name}-alarms-email-${i}`, { topic: topic.arn, protocol: "email", endpoint: email }, opts));
    return topic;
}

/** What an alarm does when it fires and when it clears. */
export function alarmActions(topic: Topic | undefined): { alarmActions?: pulumi.Input<string>[]; okActions?: pulumi.Input<string>[] } {
    return topic ? { alarmActions: [topic.arn], okActions: [topic.arn] } : {};
}
