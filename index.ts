import { loadConfig } from "./config";
import { ModelService } from "./components/modelService";

const { args, keepSecret } = loadConfig();
const service = new ModelService(args.model.name, args);

export const cloud = keepSecret(service.cloud);
export const runtime = keepSecret(service.runtime);
export const region = keepSecret(service.region);
export const endpointUrl = keepSecret(service.endpointUrl);
export const invoke = keepSecret(service.invoke);
export const artifactUri = keepSecret(service.artifactUri);
export const imageUri = keepSecret(service.imageUri);
