import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";

/** Config as the Pulumi CLI would hand it to the program: namespaced keys, string values, secret keys. */
export interface LoadedConfig {
    readonly project: string;
    readonly values: Record<string, string>;
    readonly secretKeys: string[];
}

export class StackFileError extends Error {}

/** Stand-in for a value encrypted in the stack file; the real value never leaves the CLI's keyring. */
export function secretPlaceholder(key: string): string {
    return `offline-secret-placeholder(${key})`;
}

function toConfigString(value: unknown): string {
    return typeof value === "string" ? value : JSON.stringify(value);
}

function namespaced(project: string, key: string): string {
    return key.includes(":") ? key : `${project}:${key}`;
}

/**
 * Pulumi.yaml defaults, then Pulumi.<stack>.yaml, then `key=value` overrides, as the CLI layers them.
 * Encrypted values ({secure: ...}) become marked placeholders and are listed as secret.
 */
export function loadStackConfig(projectDir: string, stack: string, overrides: readonly string[] = [], secretOverrides: readonly string[] = []): LoadedConfig {
    const projectFile = path.join(projectDir, "Pulumi.yaml");
    const project = parse(fs.readFileSync(projectFile, "utf8")) as { name: string; config?: Record<string, { default?: unknown }> };
    const stackFile = path.join(projectDir, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(stackFile)) {
        const stacks = fs.readdirSync(projectDir).filter((f) => /^Pulumi\.[^.]+\.yaml$/.test(f)).map((f) => f.split(".")[1]);
        throw new StackFileError(`No stack file ${path.basename(stackFile)}. Fix: use --stack with one of ${stacks.join(", ")}, or create the file.`);
    }
    const stackConfig = ((parse(fs.readFileSync(stackFile, "utf8")) ?? {}) as { config?: Record<string, unknown> }).config ?? {};

    const values: Record<string, string> = {};
    const secretKeys = new Set<string>();
    for (const [key, decl] of Object.entries(project.config ?? {})) {
        if (decl && typeof decl === "object" && "default" in decl) values[namespaced(project.name, key)] = toConfigString(decl.default);
    }
    for (const [rawKey, value] of Object.entries(stackConfig)) {
        const key = namespaced(project.name, rawKey);
        if (value && typeof value === "object" && "secure" in value) {
            values[key] = secretPlaceholder(key);
            secretKeys.add(key);
        } else {
            values[key] = toConfigString(value);
        }
    }
    const apply = (pairs: readonly string[], secret: boolean) => {
        for (const pair of pairs) {
            const eq = pair.indexOf("=");
            if (eq <= 0) throw new StackFileError(`--config ${pair} is not key=value. Fix: write --config key=value, e.g. --config cloud=aws.`);
            const key = namespaced(project.name, pair.slice(0, eq));
            values[key] = pair.slice(eq + 1);
            if (secret) secretKeys.add(key);
            else secretKeys.delete(key);
        }
    };
    apply(overrides, false);
    apply(secretOverrides, true);
    return { project: project.name, values, secretKeys: [...secretKeys].sort() };
}
