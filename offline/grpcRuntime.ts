import { createRequire } from "node:module";
import * as path from "node:path";
import { projectRoot } from "./projectRoot";

// The gRPC library and messages @pulumi/pulumi itself uses: its generated services check message classes
// with instanceof, so the server must use the same copies the SDK resolves.
const fromPulumi = createRequire(require.resolve("@pulumi/pulumi"));

/* eslint-disable @typescript-eslint/no-require-imports */
export const grpc = fromPulumi("@grpc/grpc-js") as typeof import("@grpc/grpc-js");
export const resourceRpc = require("@pulumi/pulumi/proto/resource_grpc_pb") as Record<string, any>;
export const resourceProto = require("@pulumi/pulumi/proto/resource_pb") as Record<string, any>;
export const engineRpc = require("@pulumi/pulumi/proto/engine_grpc_pb") as Record<string, any>;
export const engineProto = require("@pulumi/pulumi/proto/engine_pb") as Record<string, any>;
export const analyzerRpc = require("@pulumi/pulumi/proto/analyzer_grpc_pb") as Record<string, any>;
export const analyzerProto = require("@pulumi/pulumi/proto/analyzer_pb") as Record<string, any>;
export const Empty = (resourceRpc.ResourceMonitorService.signalAndWaitForShutdown.responseType) as new () => unknown;
export const Struct = fromPulumi("google-protobuf/google/protobuf/struct_pb").Struct as { fromJavaScript(value: Record<string, unknown>): unknown };
/* eslint-enable @typescript-eslint/no-require-imports */

/** The value Pulumi's wire protocol uses for "unknown until the resource exists" (sdk/nodejs/runtime/rpc.ts). */
export const UNKNOWN_WIRE = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/**
 * V8 flags every Pulumi process this project starts gets from its first line: Pulumi's closure serializer
 * turns --allow-natives-syntax on when it loads (sdk/nodejs/runtime/closure/v8.ts), and V8 rejects a code
 * cache made under other flags, so set from the start the processes share NODE_COMPILE_CACHE (offline/launch.cjs).
 */
export const SHARED_V8_FLAGS: readonly string[] = ["--allow-natives-syntax"];

/** Preloads offline/pulumiCosts.cjs into a Pulumi process: it skips work of @pulumi/pulumi's that a plan never reads (see the file). */
export const PULUMI_COSTS: readonly string[] = ["--require", path.join(projectRoot(), "offline", "pulumiCosts.cjs")];
