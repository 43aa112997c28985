import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import type { ModelServiceArgs } from "../components/contract";
import { PROJECT_DIR } from "./helpers/plan";
import { setUnitMocks } from "./helpers/unitMocks";

interface Registered {
    type: string;
    name: string;
    provider?: string;
}
const registered: Registered[] = [];
const settle = () => new Promise((resolve) => setTimeout(resolve, 300));
const urnOf = (resource: pulumi.Resource) => new Promise<string>((resolve) => resource.urn.apply(resolve));

const GCP: ModelServiceArgs = {
    cloud: "gcp",
    region: "us-central1",
    model: { name: "churn", version: "3", artifact: { kind: "local", path: "examples/iris-onnx" } },
    image: { kind: "uri", uri: "us-central1-docker.pkg.dev/my-ml-project/serving/server:3" },
    budget: { monthlyUsd: 100, emails: ["ml-team@example.com"], gcpBillingAccount: "012345-6789AB-CDEF01" },
    gcp: { project: "my-ml-project" },
    projectDir: PROJECT_DIR,
};

/** Every child of `service` of the given package, with the provider it registered through. */
function childrenOf(service: string, pkg: string): Registered[] {
    return registered.filter((r) => r.name.startsWith(`${service}-`) && r.type.startsWith(`${pkg}:`));
}

describe("children honour the caller's providers (issue 21, library)", () => {
    let ModelService: typeof import("../components/modelService").ModelService;

    beforeAll(async () => {
        await setUnitMocks((args) => registered.push({ type: args.type, name: args.name, provider: args.provider }));
        ({ ModelService } = await import("../components/modelService"));
    });

    it("gcp: every child, the budget's too, goes through the caller's provider, and the service creates no gcp provider", async () => {
        const caller = new (await import("@pulumi/gcp/provider")).Provider("caller-gcp", { project: "my-ml-project", region: "us-central1" });
        const callerUrn = await urnOf(caller);
        const service = new ModelService("given-gcp", GCP, { providers: [caller] });
        const raw = await service.raw;
        await settle();
        expect(registered.filter((r) => r.type === "pulumi:providers:gcp" && r.name.startsWith("given-gcp"))).toEqual([]);
        const children = childrenOf("given-gcp", "gcp");
        expect(children.map((c) => c.type)).toEqual(expect.arrayContaining(["gcp:storage/bucket:Bucket", "gcp:vertex/aiEndpoint:AiEndpoint", "gcp:billing/budget:Budget", "gcp:compute/network:Network"]));
        for (const child of children) expect(child.provider, `${child.type} ${child.name}`).toMatch(new RegExp(`^${callerUrn.replace(/[$]/g, "\\$")}::`));
        expect(raw.children.provider).toBe(caller);
    });

    it("gcp: without one, the service's own provider (and the budget's billing provider)", async () => {
        const service = new ModelService("own-gcp", GCP);
        await service.raw;
        await settle();
        expect(registered.filter((r) => r.type === "pulumi:providers:gcp" && r.name.startsWith("own-gcp")).map((r) => r.name).sort()).toEqual(["own-gcp-gcp", "own-gcp-gcp-billing"]);
    });
});
