export { startServer, type ServerHandle, type ServerOptions } from "./server";
export { configFromEnv, type ServerConfig } from "./config";
export { loadModel, type LoadedModel } from "./model";
