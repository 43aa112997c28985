import * as pulumi from "@pulumi/pulumi";

/**
 * The plan-time cost of the dynamic providers: each is serialized into the stack state the way
 * dynamic.Resource does it (a closure returning the provider), on every preview and update that
 * registers one. Prints each provider's serialized size and the time to serialize it: the first run
 * (cold: the serializer inspects every function it reaches) and the median of the next RUNS.
 *
 *     node offline/launch.cjs bench/serializeProviders
 *
 * The launcher compiles with TypeScript's own CommonJS emit, what `pulumi up` runs through ts-node, where
 * the serializer captures only the exports a function uses. (Under esbuild's CommonJS, which turns each
 * export into a getter, it captured whole modules: about 40% larger and several times slower.)
 */
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

const providers: Record<string, () => Promise<pulumi.dynamic.ResourceProvider>> = {
    "azure TrafficShift": async () => (await import("../providers/azure/trafficShift")).trafficShiftProvider,
    "kubernetes RolloutGuard": async () => (await import("../providers/kubernetes/rolloutGuard")).rolloutGuardProvider,
    "gcp VertexModelDeployment": async () => (await import("../providers/gcp/vertexDeployment")).vertexDeploymentProvider,
};

async function serializeOnce(provider: pulumi.dynamic.ResourceProvider): Promise<{ ms: number; bytes: number }> {
    const captured = provider;
    const start = process.hrtime.bigint();
    const { text } = await pulumi.runtime.serializeFunction(() => captured, { allowSecrets: true });
    return { ms: Number(process.hrtime.bigint() - start) / 1e6, bytes: Buffer.byteLength(text, "utf8") };
}

function median(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)]!;
}

async function main(): Promise<void> {
    console.log(`provider                     bytes   first ms   median ms (${RUNS} runs)`);
    for (const [name, load] of Object.entries(providers)) {
        const provider = await load();
        const first = await serializeOnce(provider);
        const rest: number[] = [];
        for (let i = 0; i < RUNS; i++) rest.push((await serializeOnce(provider)).ms);
        console.log(`${name.padEnd(26)} ${String(first.bytes).padStart(7)} ${first.ms.toFixed(1).padStart(10)} ${median(rest).toFixed(1).padStart(11)}`);
    }
}

main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
});
