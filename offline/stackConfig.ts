import * as fs from "node:fs";
import * as path from "node:path";
import { parse, YAMLParseError } from "yaml";

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

// The Pulumi CLI's rule for a stack's own name (pulumi/pulumi pkg/backend/diy/backend.go, validateStackName):
// it also keeps Pulumi.<stack>.yaml a file of this project, never a path out of it.
const STACK_NAME = /^[A-Za-z0-9_.-]{1,100}$/;

/** Why a --stack value is not a plain stack name, or undefined when it is one. */
export function stackNameProblem(stack: string): string | undefined {
    if (STACK_NAME.test(stack) && stack !== "." && stack !== "..") return undefined;
    return `--stack ${JSON.stringify(stack)} is not a stack name: stack names are 1-100 letters, digits, hyphens, underscores or periods, and name a file Pulumi.<stack>.yaml beside Pulumi.yaml. Fix: use --stack with a plain name such as dev`;
}

/** A key's declaration in Pulumi.yaml's config block. */
type ProjectConfigDecl = { type?: string; default?: unknown; value?: unknown } | null | undefined;

/** Whether Pulumi fills the key in when the stack does not set it (a `default` or `value` that is not null). */
function hasDefault(decl: ProjectConfigDecl): decl is { default?: unknown; value?: unknown } {
    return !!decl && typeof decl === "object" && ((decl.default !== undefined && decl.default !== null) || (decl.value !== undefined && decl.value !== null));
}

/**
 * Keys of this project that Pulumi.yaml declares without a default and the stack does not set: the Pulumi CLI
 * refuses such a stack before the program runs ("Stack 'dev' is missing configuration value 'x'"; pulumi/pulumi
 * sdk/go/common/workspace/config.go, mergeConfig: !foundOnStack && !hasValue && !hasDefault && namespace == project).
 * `--config` and `--secret` overrides count as set: `pulumi up --config` writes them to the stack file.
 */
export function missingProjectKeys(project: string, declared: Record<string, ProjectConfigDecl>, stackConfig: Record<string, unknown>, ...overrides: (readonly string[])[]): string[] {
    const set = new Set([...Object.keys(stackConfig), ...overrides.flat().map((pair) => pair.slice(0, pair.indexOf("=")))].map((k) => namespaced(project, k)));
    return Object.entries(declared)
        .filter(([key, decl]) => {
            const full = namespaced(project, key);
            return !hasDefault(decl) && full.startsWith(`${project}:`) && !set.has(full);
        })
        .map(([key]) => key)
        .sort();
}

/** A YAML file's mapping, or a problem naming the file, where it breaks and the fix. */
function readYamlMapping(file: string, problems: string[]): Record<string, unknown> | undefined {
    let doc: unknown;
    try {
        doc = parse(fs.readFileSync(file, "utf8"));
    } catch (err) {
        const where = err instanceof YAMLParseError && err.linePos ? ` at line ${err.linePos[0].line}, column ${err.linePos[0].col}` : "";
        const what = err instanceof YAMLParseError ? err.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "") : (err as Error).message;
        problems.push(`${path.basename(file)} is not valid YAML${where}: ${what}. Fix: correct ${path.basename(file)}${where} (pulumi config set rewrites it correctly)`);
        return undefined;
    }
    if (doc === null || doc === undefined) return {};
    if (typeof doc !== "object" || Array.isArray(doc)) {
        problems.push(`${path.basename(file)} is not a YAML mapping. Fix: write it as keys and values, e.g. "config:" followed by indented "model-service:cloud: aws"`);
        return undefined;
    }
    return doc as Record<string, unknown>;
}

/**
 * Pulumi.yaml defaults, then Pulumi.<stack>.yaml, then `key=value` overrides, as the CLI layers them.
 * Encrypted values ({secure: ...}) become marked placeholders and are listed as secret. Every problem with
 * the stack name, the files or the overrides is thrown at once, as one StackFileError.
 */
/** The stacks that have a stack file (Pulumi.<stack>.yaml) in the project, sorted. */
export function stackNames(projectDir: string): string[] {
    return fs.readdirSync(projectDir).flatMap((f) => /^Pulumi\.([^.]+)\.yaml$/.exec(f)?.[1] ?? []).sort();
}

export function loadStackConfig(projectDir: string, stack: string, overrides: readonly string[] = [], secretOverrides: readonly string[] = []): LoadedConfig {
    const problems: string[] = [];
    for (const pair of [...overrides, ...secretOverrides]) {
        if (pair.indexOf("=") <= 0) problems.push(`--config ${pair} is not key=value. Fix: write --config key=value, e.g. --config cloud=aws`);
    }
    const nameProblem = stackNameProblem(stack);
    if (nameProblem) problems.push(nameProblem);
    const project = readYamlMapping(path.join(projectDir, "Pulumi.yaml"), problems) as { name?: unknown; config?: Record<string, ProjectConfigDecl> } | undefined;
    const stackFile = path.join(projectDir, `Pulumi.${stack}.yaml`);
    let stackDoc: { config?: unknown } | undefined;
    if (nameProblem) {
        stackDoc = undefined;
    } else if (!fs.existsSync(stackFile)) {
        problems.push(`No stack file ${path.basename(stackFile)}. Fix: use --stack with one of ${stackNames(projectDir).join(", ")}, or create the file`);
    } else {
        stackDoc = readYamlMapping(stackFile, problems);
        if (stackDoc && stackDoc.config !== undefined && (typeof stackDoc.config !== "object" || stackDoc.config === null || Array.isArray(stackDoc.config))) {
            problems.push(`${path.basename(stackFile)}: config is not a mapping of keys to values. Fix: indent each setting under "config:", e.g. "  model-service:cloud: aws"`);
        }
    }
    if (problems.length > 0 || !project || !stackDoc) throw new StackFileError(problems.map((p) => `${p}.`).join("\n"));
    const projectName = String(project.name);
    const stackConfig = (stackDoc.config ?? {}) as Record<string, unknown>;

    const values: Record<string, string> = {};
    const secretKeys = new Set<string>();
    for (const [key, decl] of Object.entries(project.config ?? {})) {
        if (hasDefault(decl)) values[namespaced(projectName, key)] = toConfigString(decl.default ?? decl.value);
    }
    const missing = missingProjectKeys(projectName, project.config ?? {}, stackConfig, overrides, secretOverrides);
    if (missing.length > 0) {
        throw new StackFileError(
            `Stack '${stack}' is missing configuration ${missing.length === 1 ? "value" : "values"} ${missing.map((k) => `'${k}'`).join(", ")}: Pulumi.yaml declares ${missing.length === 1 ? "it" : "them"} without a default, so pulumi up refuses the stack before the program runs. ` +
                `Fix: ${missing.map((k) => `pulumi config set ${k} <value>`).join("; ")} (or give ${missing.length === 1 ? "the key" : "each key"} a default in Pulumi.yaml).`,
        );
    }
    for (const [rawKey, value] of Object.entries(stackConfig)) {
        const key = namespaced(projectName, rawKey);
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
            const key = namespaced(projectName, pair.slice(0, eq));
            values[key] = pair.slice(eq + 1);
            if (secret) secretKeys.add(key);
            else secretKeys.delete(key);
        }
    };
    apply(overrides, false);
    apply(secretOverrides, true);
    return { project: projectName, values, secretKeys: [...secretKeys].sort() };
}
