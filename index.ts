import * as pulumi from "@pulumi/pulumi";
import { loadConfig } from "./config";
import { ModelService } from "./lib";
import { checkModelArtifact } from "./components/artifactCheck";
import { modelOutput, withRequestExample } from "./components/requestExample";

const { args, keepSecret } = loadConfig();
const service = new ModelService(args.model.name, args);
// Validation already ran this check (and refused a model the server cannot serve); this reads its result.
const modelCheck = checkModelArtifact(args.projectDir ?? process.cwd(), args.model.artifact, args.image);

export const cloud = keepSecret(service.cloud);
export const runtime = keepSecret(service.runtime);
export const region = keepSecret(service.region);
export const endpointUrl = keepSecret(service.endpointUrl);
export const invoke = keepSecret(withRequestExample(service.invoke, modelCheck));
export const model = keepSecret(pulumi.output(modelOutput(modelCheck)));
export const artifactUri = keepSecret(service.artifactUri);
export const imageUri = keepSecret(service.imageUri);
