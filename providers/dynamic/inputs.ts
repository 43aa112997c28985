// The inputs of a dynamic provider as the engine passes them: values unknown until apply, undefined
// values the wire format rejects, and the checks every provider's `check` makes. Serialized with the
// providers: plain functions only.

/** The engine's placeholder for a value not known until apply (runtime.unknownValue). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export function isUnknown(value: unknown): boolean {
    if (value === UNKNOWN) return true;
    if (Array.isArray(value)) return value.some(isUnknown);
    if (value && typeof value === "object") return Object.values(value).some(isUnknown);
    return false;
}

/** Drops undefined values: the engine's wire format (protobuf Struct) rejects them. */
export function definedOnly<T extends object>(obj: T): T {
    return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as T;
}

/** The keys whose values differ between olds and news (undefined and null alike). */
export function changedKeys(olds: any, news: any, keys: readonly string[]): string[] {
    return keys.filter((key) => JSON.stringify(olds?.[key] ?? null) !== JSON.stringify(news?.[key] ?? null));
}

export interface CheckFailure {
    property: string;
    reason: string;
}

/** Collects check failures of `p`; values unknown until apply pass every check. */
export function inputChecker(p: any) {
    const failures: CheckFailure[] = [];
    const fail = (property: string, reason: string) => {
        failures.push({ property, reason });
    };
    const known = (key: string) => p[key] !== undefined && !isUnknown(p[key]);
    const requiredStrings = (keys: readonly string[]) => {
        for (const key of keys) {
            if (p[key] === undefined || p[key] === null || p[key] === "") fail(key, "is required");
            else if (!isUnknown(p[key]) && typeof p[key] !== "string") fail(key, "must be a string");
        }
    };
    const number = (key: string, min: number, max: number, options: { required?: boolean; whole?: boolean } = {}) => {
        const value = p[key];
        if (value === undefined || value === null) {
            if (options.required) fail(key, "is required");
        } else if (!isUnknown(value) && (typeof value !== "number" || (options.whole && !Number.isInteger(value)) || value < min || value > max)) {
            fail(key, `must be a ${options.whole ? "whole " : ""}number from ${min} to ${max}`);
        }
    };
    return { failures, fail, known, requiredStrings, number };
}
