import * as crypto from "node:crypto";

/** The account/project every mocked ARN and URL uses; obviously not a real one. */
export const MOCK_AWS_ACCOUNT = "123456789012";
export const MOCK_GCP_PROJECT_NUMBER = "123456789012";

export function suffix(seed: string, length = 7): string {
    return crypto.createHash("sha256").update(seed).digest("hex").slice(0, length);
}

/** Pulumi's autonaming: logical name plus a random-looking (here: deterministic) suffix. */
export function autoname(name: string, seed: string): string {
    return `${name}-${suffix(seed)}`;
}

/** What a mock sees of a resource: its name and inputs, and its provider's region and project. */
export interface OutputsContext {
    readonly name: string;
    readonly inputs: Record<string, any>;
    readonly region: string;
    readonly project: string;
    readonly seed: string;
}

/** Provider-computed outputs of one resource type. */
export type OutputsOf = (c: OutputsContext) => { id: string; state: Record<string, unknown> };
