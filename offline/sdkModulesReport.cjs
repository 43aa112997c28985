// Preloaded (node --require) into the program that Pulumi's runner starts in the gRPC engine mode: on exit it
// writes the files the program loaded to MODEL_SERVICE_LOADED_MODULES, so the plan can list the cloud SDK
// modules that ran in that process as the in-process mode lists its own (offline/engine.ts loadedSdkModules).
"use strict";
const fs = require("node:fs");

const target = process.env.MODEL_SERVICE_LOADED_MODULES;
if (target) process.on("exit", () => fs.writeFileSync(target, JSON.stringify(Object.keys(require.cache))));
