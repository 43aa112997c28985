import { describe, expect, it } from "vitest";
import { AUTONAMES, CLOUD_RULES, type Check, type ContractRule } from "../components/cloudRules";
import { fitName } from "../components/naming";
import { autonamedLogicalName } from "../components/physicalName";
import { breachOf, checkContracts, nameCollisions, valuesAt } from "../offline/contractCheck";
import { autonamed } from "../offline/mocks";
import type { RecordedResource } from "../offline/recorder";
import { planJson, runPlanCli } from "./helpers/plan";
import { PATTERN_EXAMPLES } from "./helpers/ruleExamples";

const ALL_RULES: ContractRule[] = Object.values(CLOUD_RULES).flatMap((c) => [...c.rules]);

/** A value on each side of a check that needs no hand-written example. */
function derivedExamples(check: Check): { pass: unknown; fail: unknown } | undefined {
    switch (check.kind) {
        case "length":
            return { pass: "a".repeat(check.min ?? check.max), fail: "a".repeat(check.max + 1) };
        case "range":
            return check.max !== undefined ? { pass: check.max, fail: check.max + 1 } : { pass: check.min, fail: (check.min ?? 0) - 1 };
        case "count":
            return { pass: Array.from({ length: check.max }, (_, i) => i), fail: Array.from({ length: check.max + 1 }, (_, i) => i) };
        case "enum":
            return { pass: check.values[0], fail: typeof check.values[0] === "number" ? -12345 : "not-a-listed-value" };
        default:
            return undefined;
    }
}

describe("the cloud rule tables", () => {
    it("give every rule a unique id, a source and a well-formed path", () => {
        const ids = ALL_RULES.map((r) => r.id);
        expect(new Set(ids).size).toBe(ids.length);
        for (const r of ALL_RULES) {
            expect(r.source.length, r.id).toBeGreaterThan(10);
            expect(r.type, r.id).toMatch(/^[a-z-]+:[A-Za-z0-9/]*:[A-Za-z0-9]+$|^[a-z-]+:[a-z0-9.]+\/[a-z0-9]+:[A-Za-z]+$/);
            expect(r.path, r.id).toMatch(/^[A-Za-z0-9_$@]+(\[\])?(\.[A-Za-z0-9_$@]+(\[\])?)*$/);
        }
    });

    it("give every autoname rule a source and a random part that leaves room for a name", () => {
        for (const a of AUTONAMES.values()) {
            expect(a.source.length, a.type).toBeGreaterThan(10);
            expect(a.maxLength - a.randomLength - a.separator.length, a.type).toBeGreaterThanOrEqual(8);
        }
    });

    it.each(ALL_RULES.map((r) => [r.id, r] as const))("%s refuses its failing example and accepts its passing one", (id, rule) => {
        const examples = rule.check.kind === "pattern" || rule.check.kind === "forbidden" ? PATTERN_EXAMPLES[id] : derivedExamples(rule.check);
        expect(examples, `add examples for ${id} to test/helpers/ruleExamples.ts`).toBeDefined();
        expect(breachOf(rule.check, examples!.pass), `${id} should accept ${JSON.stringify(examples!.pass)}`).toBeUndefined();
        expect(breachOf(rule.check, examples!.fail), `${id} should refuse ${JSON.stringify(examples!.fail)}`).toBeDefined();
    });
});

describe("autonaming as the providers do it", () => {
    it("appends the provider's separator and random part, lowercases where the provider does, and never truncates", () => {
        const long = `Model-${"x".repeat(80)}`;
        const bucket = autonamed("aws:s3/bucket:Bucket", long, {}, "seed").bucket as string;
        expect(bucket).toMatch(/^model-x{80}-[0-9a-f]{7}$/);
        expect(autonamed("aws:iam/role:Role", "Serving-Role", {}, "seed").name).toMatch(/^Serving-Role-[0-9a-f]{7}$/);
        // A name the program sets is sent as it is.
        expect(autonamed("aws:iam/role:Role", "r", { name: "explicit" }, "seed").name).toBe("explicit");
    });

    it("chooses logical names whose autonamed physical names fit, keeping short names and the role", () => {
        expect(autonamedLogicalName("aws:lb/targetGroup:TargetGroup", "iris-ecs", "targets-alt")).toBe("iris-ecs-targets-alt");
        const long = autonamedLogicalName("aws:lb/targetGroup:TargetGroup", `${"m".repeat(40)}-ecs`, "targets-alt");
        expect(long.length + 8).toBeLessThanOrEqual(32);
        expect(long.endsWith("-targets-alt")).toBe(true);
        // Two long names that share a prefix still differ.
        expect(autonamedLogicalName("aws:lb/targetGroup:TargetGroup", `${"m".repeat(40)}-a`, "t")).not.toBe(autonamedLogicalName("aws:lb/targetGroup:TargetGroup", `${"m".repeat(40)}-b`, "t"));
        expect(fitName("short", 10)).toBe("short");
    });
});

describe("the contract check", () => {
    const resource = (type: string, name: string, inputs: Record<string, unknown>, outputs: Record<string, unknown> = {}, secretInputs: string[] = []): RecordedResource => ({
        urn: `urn:pulumi:dev::p::${type}::${name}`,
        type,
        name,
        custom: true,
        inputs,
        outputs,
        secretInputs,
        secretOutputs: [],
        propertyDependencies: {},
        options: { protect: false, dependsOn: [], deleteBeforeReplace: false, retainOnDelete: false, ignoreChanges: [] },
    });

    it("walks paths into every item of an array", () => {
        const value = { notifications: [{ to: ["a", "b"] }, { to: ["c"] }] };
        expect(valuesAt(value, "notifications[].to")).toEqual([
            { path: "notifications[0].to", value: ["a", "b"] },
            { path: "notifications[1].to", value: ["c"] },
        ]);
        expect(valuesAt(value, "missing.path")).toEqual([]);
    });

    it("judges autonamed names by what the provider sends, and skips values unknown until deploy", () => {
        const tooLong = resource("aws:lb/targetGroup:TargetGroup", "x".repeat(25), {}, { name: `${"x".repeat(25)}-abcdef0` });
        const fits = resource("aws:lb/targetGroup:TargetGroup", "x".repeat(24), {}, { name: `${"x".repeat(24)}-abcdef0` });
        const unknown = resource("aws:s3/bucket:Bucket", "b", { bucket: "<unknown>" });
        const breaches = checkContracts([tooLong, fits, unknown]);
        expect(breaches.map((b) => [b.rule, b.urn])).toEqual([["autoname:aws:lb/targetGroup:TargetGroup", tooLong.urn]]);
        expect(breaches[0]!.message).toContain("33 characters");
        expect(breaches[0]!.source).toContain("resources.go");
    });

    it("never shows a secret input's value", () => {
        const bucket = resource("aws:s3/bucket:Bucket", "b", { bucket: "Secret_Bucket" }, {}, ["bucket"]);
        const [breach] = checkContracts([bucket]);
        expect(breach).toMatchObject({ rule: "aws.s3.bucket.name", value: "[secret]" });
        expect(breach!.message).not.toContain("Secret_Bucket");
        // A count shows how many items, not what they are.
        const budget = resource("aws:budgets/budget:Budget", "b", { name: "b", notifications: [1, 2, 3, 4, 5, 6] });
        expect(checkContracts([budget])[0]).toMatchObject({ rule: "aws.budgets.budget.notifications", value: "6 items" });
    });

    it("finds two URNs claiming one physical name, and not one URN seen twice", () => {
        const a = resource("aws:iam/role:Role", "a", { name: "shared" });
        const b = { ...resource("aws:iam/role:Role", "b", { name: "shared" }) };
        expect(nameCollisions([a], [a])).toEqual([]);
        expect(nameCollisions([a], [b])).toEqual([{ key: "aws:iam/role:Role|shared", urns: [a.urn, b.urn].sort() }]);
        // Scoped names collide only inside one scope.
        const inVpc1 = resource("aws:ec2/securityGroup:SecurityGroup", "s1", { name: "sg", vpcId: "vpc-1" });
        const inVpc2 = resource("aws:ec2/securityGroup:SecurityGroup", "s2", { name: "sg", vpcId: "vpc-2" });
        expect(nameCollisions([inVpc1, inVpc2])).toEqual([]);
    });

    it("fails the plan with every breach, printed under its own heading and in --json", () => {
        const { code, doc } = planJson(["--stack", "dev", "--program", "test/fixtures/contract/breaches.cjs"]);
        expect(code).toBe(1);
        expect(doc.errors).toEqual([]);
        const found = doc.contract.map((b) => `${b.rule} ${b.path}`).sort();
        expect(found).toEqual(
            ["autoname:aws:lb/targetGroup:TargetGroup name", "aws.budgets.budget.notifications notifications", "aws.logs.logGroup.retention retentionInDays", "aws.s3.bucket.name bucket"].sort(),
        );
        const tg = doc.contract.find((b) => b.rule.startsWith("autoname:"))!;
        expect(tg.urn).toMatch(/::model-service-targets-abc$/);
        expect(tg.value).toMatch(/^model-service-targets-abc-[0-9a-f]{7}$/);
        for (const b of doc.contract) expect(b.source, b.rule).toMatch(/https:\/\/|resources\.go/);

        const human = runPlanCli(["--stack", "dev", "--program", "test/fixtures/contract/breaches.cjs"]);
        expect(human.code).toBe(1);
        expect(human.stdout).toContain("Cloud contract breaches");
        expect(human.stdout).toContain("[aws.s3.bucket.name] bucket = \"Model_Artifacts\"");
        expect(human.stdout).toMatch(/Result: .*; 4 contract breaches; .*\(exit 1\)/);
    });
});
