import { loadConfig } from "./config";
import { ModelService } from "./components/modelService";

const { args } = loadConfig();
const service = new ModelService(args.model.name, args);

export const cloud = service.cloud;
export const runtime = service.runtime;
export const region = service.region;
export const endpointUrl = service.endpointUrl;
export const invoke = service.invoke;
export const artifactUri = service.artifactUri;
export const imageUri = service.imageUri;
