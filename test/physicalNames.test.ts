import { beforeAll, describe, expect, it } from "vitest";
import { builtRuntimes, runtimesOf, CLOUDS } from "../components/runtimes";
import { nameCollisions, physicalNames } from "../offline/contractCheck";
import type { PlanDocument } from "../offline/engine";
import { runtimePlanArgs } from "../offline/planAllJobs";
import { planJsonMany } from "./helpers/plan";

// Physical names across plans (issue 13): a runtime switch inside one stack must not make a new URN
// claim a name an old URN holds (Pulumi creates before it deletes); two stacks in one account, and two
// customers with the same config, must not claim one name.
const OTHER_ACCOUNT = "210987654321";
const runtimes = builtRuntimes();
const argsOf = runtimePlanArgs;

const plans = new Map<string, PlanDocument>();
const planOf = (key: string) => {
    const doc = plans.get(key);
    if (!doc) throw new Error(`no plan ${key}`);
    return doc;
};

beforeAll(async () => {
    const runs: [string, string[]][] = runtimes.flatMap((r) => [
        [`dev/${r}`, argsOf("dev", r)],
        [`prod/${r}`, argsOf("prod", r)],
        [`dev/${r}/other-account`, argsOf("dev", r, ["--mock-account", OTHER_ACCOUNT])],
    ]);
    const results = await planJsonMany(runs.map(([, args]) => args));
    runs.forEach(([key], i) => {
        const { code, doc } = results[i]!;
        if (doc.errors.length > 0) throw new Error(`${key}: ${doc.errors.join("\n")} (exit ${code})`);
        plans.set(key, doc);
    });
    // 18 plans, two at a time: a minute on an idle 2-core machine, several when it is shared.
}, 900_000);

describe("physical names", () => {
    it.each(runtimes)("are claimed by one URN each inside a %s plan", (runtime) => {
        expect(nameCollisions(planOf(`dev/${runtime}`).resources)).toEqual([]);
        expect(nameCollisions(planOf(`prod/${runtime}`).resources)).toEqual([]);
    });

    it.each(CLOUDS.flatMap((cloud) => ["dev", "prod"].map((stack) => [cloud, stack] as const)))("stay with their URN when %s's runtime switches on %s", (cloud, stack) => {
        const [a, b] = runtimesOf(cloud);
        const collisions = nameCollisions(planOf(`${stack}/${a}`).resources, planOf(`${stack}/${b}`).resources);
        expect(collisions, `switching ${stack} between ${a} and ${b} would create these names before deleting their holders`).toEqual([]);
    });

    it.each(runtimes)("differ between the dev and prod stacks in one account (%s)", (runtime) => {
        const dev = new Set(physicalNames(planOf(`dev/${runtime}`).resources).map((n) => n.key));
        const shared = physicalNames(planOf(`prod/${runtime}`).resources).filter((n) => dev.has(n.key));
        expect(shared.map((n) => `${n.type} ${n.name}`)).toEqual([]);
    });

    it.each(runtimes)("that every customer shares differ between two accounts with the same config (%s)", (runtime) => {
        const global = (doc: PlanDocument) => physicalNames(doc.resources).filter((n) => n.uniqueness === "world" || n.uniqueness === "region");
        const mine = new Set(global(planOf(`dev/${runtime}`)).map((n) => `${n.type}|${n.name}`));
        const theirs = global(planOf(`dev/${runtime}/other-account`));
        expect(theirs.filter((n) => mine.has(`${n.type}|${n.name}`)).map((n) => `${n.type} ${n.name}`)).toEqual([]);
    });

    it("on Google Cloud include the ids the program chooses itself, which a vertex <-> gke switch keeps", () => {
        // Service account, repository and log bucket ids are not autonamed: without their rows the switch test above would not see them.
        const types = new Set(physicalNames(planOf("dev/vertex").resources).map((n) => n.type));
        for (const t of ["gcp:serviceaccount/account:Account", "gcp:artifactregistry/repository:Repository", "gcp:logging/projectBucketConfig:ProjectBucketConfig", "gcp:storage/bucket:Bucket", "gcp:vertex/aiEndpoint:AiEndpoint"]) expect(types).toContain(t);
        // The ids the program sets are equal; autonamed ones keep their state's random part, since the URN stays.
        const shared = (doc: PlanDocument) =>
            doc.resources
                .filter((r) => physicalNames([r]).length > 0 && !/model-service:gcp:(Vertex|Gke)Service\$/.test(r.urn))
                .map((r) => `${r.urn} ${JSON.stringify([r.inputs.accountId, r.inputs.repositoryId, r.inputs.bucketId, r.inputs.secretId])}`);
        expect(shared(planOf("dev/gke")).sort()).toEqual(shared(planOf("dev/vertex")).sort());
    });

    it("are found for the world-unique resources of every cloud", () => {
        // Without rows in the cloud tables the tests above would pass on nothing: each cloud's plan names its buckets or accounts.
        for (const runtime of ["sagemaker", "ecs", "vertex", "gke"] as const) expect(physicalNames(planOf(`dev/${runtime}`).resources).some((n) => n.uniqueness === "world")).toBe(true);
    });
});
