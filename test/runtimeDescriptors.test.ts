import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import type { ModelServiceArgs, Runtime } from "../components/contract";
import { FEATURES } from "../components/features";
import type { RuntimeDescriptor } from "../components/runtimeDescriptor";
import { RUNTIMES, type RuntimeRegistry } from "../components/runtimes";
import { validateServiceArgs } from "../components/validate";

const ROOT = path.resolve(__dirname, "..");
const NAMES = Object.keys(RUNTIMES) as Runtime[];

/** AWS args that validate cleanly on the fake runtime below. */
const args = (overrides: Partial<ModelServiceArgs> = {}): ModelServiceArgs => ({
    cloud: "aws",
    runtime: "fake" as Runtime,
    region: "us-east-1",
    model: { name: "iris", version: "1", artifact: { kind: "uri", uri: "s3://my-bucket/models/iris/1/model.tar.gz" } },
    image: { kind: "uri", uri: "ghcr.io/acme/server:1" },
    ...overrides,
});

/** A runtime no code names: validation can apply its rules only by asking its descriptor. */
const FAKE: RuntimeDescriptor = {
    name: "fake" as Runtime,
    cloud: "aws",
    managed: false,
    load: async () => {
        throw new Error("never loaded by validation");
    },
    takesInstanceType: false,
    features: { ...RUNTIMES.ecs.features, GPU: false, auth: true },
    gpuRefusal: { message: "cannot be honoured by fake: no accelerators", fix: "set gpu to none" },
    exposure: { front: "a fake front", allowedCidrs: "never" },
    minReplicasFloor: 3,
    ownKeys: [{ field: "gcp.internalGlobalAccess", given: (a) => (a.gcp?.internalGlobalAccess ? true : undefined), fix: "use fake" }],
    imageProblem: (uri) => (uri.startsWith("ghcr.io/") ? undefined : { message: "is not on ghcr.io", fix: "push it to ghcr.io" }),
    validate: ({ args: a }, problem) => {
        if (a.environment?.FAKE_MODE !== "on") problem("environment", a.environment?.FAKE_MODE, "must turn FAKE_MODE on", "set FAKE_MODE=on");
    },
    validateRollout: ({ rollout }, problem) => {
        if (rollout.strategy === "canary") problem("rollout.strategy", rollout.strategy, "is not offered by fake", "use allAtOnce");
    },
};
const REGISTRY: RuntimeRegistry = { ...RUNTIMES, fake: FAKE };
const fields = (a: ModelServiceArgs) => validateServiceArgs(a, REGISTRY).problems.map((p) => [p.field, p.message]);

describe("runtime descriptors (issue 21): one source of truth per runtime", () => {
    it("every runtime has a descriptor in its own folder, under its own name, and the registry is that list", () => {
        for (const runtime of NAMES) {
            const d = RUNTIMES[runtime];
            expect(d.name).toBe(runtime);
            const file = path.join(ROOT, "providers", d.cloud, `${runtime}.runtime.ts`);
            expect(fs.existsSync(file), file).toBe(true);
            expect(fs.readFileSync(file, "utf8")).toMatch(new RegExp(`export const ${runtime.toUpperCase()}_RUNTIME: RuntimeDescriptor`));
            expect(Object.keys(d.features).sort()).toEqual([...FEATURES].sort());
            // The feature row is what validation refuses a GPU by: a runtime without GPUs must say why.
            if (!d.features.GPU) expect(d.gpuRefusal?.message, runtime).toMatch(new RegExp(`^cannot be honoured by ${runtime}`));
            if (d.takesInstanceType) expect(d.instanceTypeFor?.("small", "none"), runtime).toMatch(/./);
            else expect(d.instanceTypeFor, runtime).toBeUndefined();
        }
    });

    it("descriptor files import no cloud SDK and no implementation eagerly (only load() imports them)", () => {
        for (const runtime of NAMES) {
            const file = path.join(ROOT, "providers", RUNTIMES[runtime].cloud, `${runtime}.runtime.ts`);
            const eager = [...fs.readFileSync(file, "utf8").matchAll(/^import (?!type )[^;]*from "([^"]+)"/gm)].map((m) => m[1]!);
            expect(eager.filter((m) => m.startsWith("@pulumi/")), runtime).toEqual([]);
            expect(eager.filter((m) => m === `./${runtime}`), runtime).toEqual([]);
        }
    });

    it("validation applies a registered descriptor's rules: replica floor, image rule, own keys, hooks, GPU refusal", () => {
        const good = args({ environment: { FAKE_MODE: "on" }, scaling: { minReplicas: 3, maxReplicas: 4 } });
        expect(validateServiceArgs(good, REGISTRY).problems).toEqual([]);
        expect(validateServiceArgs(good, REGISTRY).resolved?.runtime).toBe("fake");
        expect(fields({ ...good, scaling: { minReplicas: 2, maxReplicas: 4 } })).toEqual([["scaling.minReplicas", "must be a whole number of at least 3 on fake"]]);
        expect(fields({ ...good, image: { kind: "uri", uri: "docker.io/acme/server:1" } })).toEqual([["image.uri", "is not on ghcr.io"]]);
        expect(fields({ ...good, environment: {} })).toEqual([["environment", "must turn FAKE_MODE on"]]);
        expect(fields({ ...good, rollout: { strategy: "canary" } })).toEqual([["rollout.strategy", "is not offered by fake"]]);
        expect(fields({ ...good, compute: { gpu: "t4" } })).toEqual([["compute.gpu", "cannot be honoured by fake: no accelerators"]]);
        expect(fields({ ...good, network: { allowedCidrs: ["203.0.113.0/24"] } })).toEqual([["network.allowedCidrs", "cannot be honoured by fake: a fake front has no IP allow-list, access is by identity"]]);
    });

    it("a runtime-only key is refused on every other runtime, naming its owner", () => {
        const onEcs = { ...args({ runtime: "ecs", gcp: { internalGlobalAccess: true } }) };
        const problems = validateServiceArgs(onEcs, REGISTRY).problems.filter((p) => p.field === "gcp.internalGlobalAccess");
        expect(problems.map((p) => [p.message, p.fix])).toEqual([
            ["is used only by gke, not by ecs", "remove it, or use runtime gke with public false"],
            ["is used only by fake, not by ecs", "use fake"],
        ]);
    });

    it("components name no runtime: their rules come from descriptors", () => {
        for (const file of ["validate.ts", "sizes.ts", "gcpValidation.ts", "exposure.ts", "features.ts"]) {
            const text = fs.readFileSync(path.join(ROOT, "components", file), "utf8");
            expect(text, file).not.toMatch(new RegExp(`["'](${NAMES.join("|")})["']`));
        }
    });
});
