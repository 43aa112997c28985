/** How the offline plan marks a value that is unknown until deploy (CrossGuard's own proxy throws instead). */
export const UNKNOWN = "<unknown>";

/** A rule met a value it cannot judge before deploy; reported as "skipped", never as a pass or a crash. */
export class UnknownValueSkipped extends Error {
    constructor(readonly field: string) {
        super(`${field} is unknown until deploy`);
        this.name = "UnknownValueSkipped";
    }
}

/** Returns the value, or stops the rule for this resource when it is not known yet. */
export function known<T>(value: T, field: string): T {
    if (value === UNKNOWN || (typeof value === "string" && value.includes(UNKNOWN))) throw new UnknownValueSkipped(field);
    return value;
}

/** Parses a JSON document given as a string or an object; undefined when absent or not JSON. */
export function jsonDocument(value: unknown, field: string): unknown {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "string") return value;
    known(value, field);
    try {
        return JSON.parse(value);
    } catch {
        return undefined;
    }
}
