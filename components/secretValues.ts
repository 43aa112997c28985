import * as pulumi from "@pulumi/pulumi";

/** True when a value holds one of the secret strings anywhere (a secret image URI inside a container definition, say). */
function holdsSecret(value: unknown, secrets: readonly string[]): boolean {
    if (typeof value === "string") return secrets.some((s) => value.includes(s));
    if (Array.isArray(value)) return value.some((v) => holdsSecret(v, secrets));
    if (value !== null && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) return Object.values(value).some((v) => holdsSecret(v, secrets));
    return false;
}

/** Marks secret every part of an input that holds a secret string, however deep, once it resolves. */
function markInput(value: unknown, secrets: readonly string[]): unknown {
    if (pulumi.Output.isInstance(value) || value instanceof Promise) {
        return pulumi.output(value).apply((resolved) => (holdsSecret(resolved, secrets) ? pulumi.secret(resolved) : resolved));
    }
    if (typeof value === "string") return holdsSecret(value, secrets) ? pulumi.secret(value) : value;
    if (Array.isArray(value)) return value.map((v) => markInput(v, secrets));
    if (value !== null && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, markInput(v, secrets)]));
    }
    return value;
}

/**
 * Keeps values that are encrypted in stack config secret wherever the program passes them: every resource
 * registered from now on gets the inputs that hold one marked secret (so the engine encrypts them in state,
 * and outputs computed from them stay secret). Dynamic providers' serialized code (`__provider`) is left as is.
 */
export function keepConfigSecrets(secrets: readonly string[]): void {
    const needles = secrets.filter((s) => s !== "");
    if (needles.length === 0) return;
    pulumi.runtime.registerStackTransformation(({ props, opts }) => ({
        props: Object.fromEntries(Object.entries(props).map(([k, v]) => [k, k.startsWith("__") ? v : markInput(v, needles)])),
        opts,
    }));
}

/** The same output, secret when its value holds a config secret: for stack outputs, which no transformation sees. */
export function secretIfHolds<T>(output: pulumi.Output<T>, secrets: readonly string[]): pulumi.Output<T> {
    const needles = secrets.filter((s) => s !== "");
    if (needles.length === 0) return output;
    return output.apply((value) => (holdsSecret(value, needles) ? pulumi.secret(value) : value)) as pulumi.Output<T>;
}
