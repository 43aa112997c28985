import { beforeAll, describe, expect, it } from "vitest";
import type { PlanDocument } from "../offline/engine";
import { cases } from "./helpers/engineCases";
import { planJsonMany } from "./helpers/plan";

// The gRPC engine's plans are split over two files so both test workers share them: this one proves the
// engines agree; engine.preview.test.ts runs invalid config, the previews, the broken fixtures and the pack under unknowns.

const sortKeys = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(sortKeys) : v && typeof v === "object" ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])])) : v;

const withoutProviderSource = (values: Record<string, unknown>) => ("__provider" in values ? { ...values, __provider: "<serialized dynamic provider>" } : values);

/**
 * What both engines must agree on. Left out: the order of registration (the runner registers in parallel),
 * key order (a protobuf Struct sorts keys), and a dynamic provider's serialized source, which each engine's
 * loader emits on its own (the plan's launcher ahead of time, ts-node in the runner).
 */
function comparable(doc: PlanDocument): unknown {
    const resources = [...doc.resources]
        .sort((a, b) => a.urn.localeCompare(b.urn))
        .map((r) => ({
            ...r,
            inputs: withoutProviderSource(r.inputs),
            outputs: withoutProviderSource(r.outputs),
            options: { ...r.options, dependsOn: [...r.options.dependsOn].sort() },
            secretInputs: [...r.secretInputs].sort(),
            secretOutputs: [...r.secretOutputs].sort(),
            propertyDependencies: Object.fromEntries(Object.entries(r.propertyDependencies).map(([k, urns]) => [k, [...urns].sort()])),
        }));
    return sortKeys({ resources, outputs: doc.outputs, contract: doc.contract, errors: doc.errors, sdkModules: doc.sdkModules, violations: doc.violations.map((v) => JSON.stringify(v)).sort() });
}

describe("the in-process engine and Pulumi's runner against the loopback gRPC engine", () => {
    const inProcess: PlanDocument[] = [];
    const grpc: PlanDocument[] = [];
    const codes: (number | null)[][] = [];
    // All 24 plans in one pool, so both lanes stay busy with gRPC plans (a pair per test leaves one idle).
    beforeAll(async () => {
        const results = await planJsonMany(cases.flatMap((c) => [c.args, [...c.args, "--engine", "grpc"]]));
        cases.forEach((_, i) => {
            inProcess.push(results[2 * i]!.doc);
            grpc.push(results[2 * i + 1]!.doc);
            codes.push([results[2 * i]!.code, results[2 * i + 1]!.code]);
        });
    });

    it.each(cases.map((c, i) => [c.stack, c.runtime, i] as const))("%s %s: plan the same resources, outputs, contract breaches and policy verdicts", (_stack, _runtime, i) => {
        expect(grpc[i]!.engine).toBe("grpc");
        expect(grpc[i]!.errors).toEqual([]);
        expect(grpc[i]!.resources.length).toBeGreaterThan(10);
        expect(comparable(grpc[i]!)).toEqual(comparable(inProcess[i]!));
        expect(codes[i]![1]).toBe(codes[i]![0]);
        // Every output known, as the mocks answer: nothing for a preview to hide.
        expect(grpc[i]!.unknowns).toEqual([]);
    });
});
