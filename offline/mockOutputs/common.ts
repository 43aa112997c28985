import * as crypto from "node:crypto";

/** The account/project every mocked ARN and URL uses; obviously not a real one. */
export let MOCK_AWS_ACCOUNT = "123456789012";
export let MOCK_GCP_PROJECT_NUMBER = "123456789012";
export let MOCK_AZURE_SUBSCRIPTION = "00000000-0000-4000-8000-000000000001";
export const MOCK_AZURE_TENANT = "00000000-0000-4000-8000-000000000002";

/**
 * Plans as another customer would: another AWS account, GCP project number and Azure subscription, and
 * other random parts in autonamed names (the providers draw them at random; here they are seeded by the
 * account). One plan per process, so a module-level setting is enough.
 */
export function setMockAccount(account: string): void {
    if (!/^\d{12}$/.test(account)) throw new Error(`--mock-account ${JSON.stringify(account)}: expected 12 digits, like an AWS account id`);
    MOCK_AWS_ACCOUNT = account;
    MOCK_GCP_PROJECT_NUMBER = account;
    MOCK_AZURE_SUBSCRIPTION = `00000000-0000-4000-8000-${account}`;
}

export function suffix(seed: string, length = 7): string {
    return crypto.createHash("sha256").update(seed).digest("hex").slice(0, length);
}

/** Pulumi's autonaming for a type without a rule in components/cloudRules: logical name, "-", 7 random (here: seeded) hex. */
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
