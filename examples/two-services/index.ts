// Two ModelServices in one stack, as a Pulumi program that uses this package as a library would hold
// them: the same model in two AWS regions. Each service names its children after its own name, so
// the two never claim one physical name. In a program of your own, import from "model-service".
import { ModelService, type ModelServiceArgs } from "../../lib";

const shared: Omit<ModelServiceArgs, "region" | "image"> = {
    cloud: "aws",
    runtime: "sagemaker",
    model: { name: "churn", version: "3", artifact: { kind: "uri", uri: "s3://models-example/churn/3/model.tar.gz" } },
    scaling: { minReplicas: 1, maxReplicas: 4 },
};

const europe = new ModelService("churn-eu", { ...shared, region: "eu-west-1", image: { kind: "uri", uri: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/server:3" } });
const america = new ModelService("churn-us", { ...shared, region: "us-east-1", image: { kind: "uri", uri: "123456789012.dkr.ecr.us-east-1.amazonaws.com/server:3" } });

export const europeUrl = europe.endpointUrl;
export const americaUrl = america.endpointUrl;
// `raw` is typed by runtime: narrowed to sagemaker, it has the endpoint itself.
export const europeEndpoint = europe.raw.then((r) => (r.runtime === "sagemaker" ? r.endpoint.name : undefined));
