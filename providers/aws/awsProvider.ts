import * as pulumi from "@pulumi/pulumi";
import { Provider } from "@pulumi/aws/provider";
import type { ResolvedServiceArgs } from "../../components/contract";
import { standardTags } from "../../components/naming";

/** One provider per service (named `name`): its region, and default tags that land on every taggable resource. */
export function createAwsProvider(name: string, args: ResolvedServiceArgs, parent: pulumi.Resource): Provider {
    return new Provider(name, { region: args.region, defaultTags: { tags: standardTags(args) } }, { parent });
}
