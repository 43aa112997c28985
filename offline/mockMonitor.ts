import type * as pulumi from "@pulumi/pulumi";

/** Pulumi's own mock monitor (sdk/nodejs/runtime/mocks.ts), the one setMocks installs; constructed directly for a second, independent run. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const MockMonitor = (require("@pulumi/pulumi/runtime/mocks") as { MockMonitor: new (mocks: pulumi.runtime.Mocks) => object }).MockMonitor;
