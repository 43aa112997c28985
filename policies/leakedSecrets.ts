import type { ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { findEntropySecret, findSecret, findSecretInConfigFile, findSecretInValue, type SecretFinding } from "./secretPatterns";
import { UNKNOWN, jsonDocument } from "./unknown";

/** One literal value a resource hands to a workload or stamps on itself, with where it sits. */
interface Literal {
    readonly path: string;
    readonly name: string;
    readonly value: string;
    /** Literals of one script share a group: one finding per script is enough. */
    readonly group?: string;
    /** A tag, label or annotation: metadata, never a configuration file. */
    readonly label?: boolean;
}

/** Keys whose values are environment maps ({NAME: value}) or lists ([{name, value}]). */
const ENV_KEYS = new Set(["env", "envs", "environment", "environmentVariables", "variables", "appSettings"]);
const LABEL_KEYS = new Set(["tags", "labels", "annotations", "tagsAll"]);
const SCRIPT_KEYS = new Set(["userData", "userDataBase64", "metadataStartupScript", "startup-script", "startupScript", "customData"]);
const CONFIG_MAPS = new Set(["kubernetes:core/v1:ConfigMap", "kubernetes:core/v1:ConfigMapPatch"]);
/** Type tokens whose `properties` are an app settings map ({NAME: value}). */
const APP_SETTINGS_MAPS = new Set(["azure-native:web:WebAppApplicationSettings", "azure-native:web:WebAppApplicationSettingsSlot"]);
/** Type tokens whose props hold a JSON string of container definitions. */
const JSON_CONTAINER_FIELDS: Readonly<Record<string, string>> = { "aws:ecs/taskDefinition:TaskDefinition": "containerDefinitions" };

/**
 * A field's value, or undefined while it is unknown: at preview CrossGuard's proxy throws UnknownValueError on
 * reading an unknown field, which would skip the whole resource, so one computed ARN would hide a literal
 * credential beside it. Matched by name so that the offline plan need not load @pulumi/policy.
 */
function field(obj: object, key: string | number): unknown {
    try {
        return (obj as Record<string | number, unknown>)[key];
    } catch (err) {
        if (err instanceof Error && err.constructor.name === "UnknownValueError") return undefined;
        throw err;
    }
}

/** Own keys and values, read one by one (field), never through Object.entries on the proxy. */
function fieldsOf(obj: object): [string, unknown][] {
    return Object.keys(obj).map((key) => [key, field(obj, key)]);
}

function push(out: Literal[], path: string, name: string, value: unknown, group?: string, label?: boolean): void {
    if (typeof value === "string" && value !== "" && !value.includes(UNKNOWN)) out.push({ path, name, value, group, ...(label ? { label } : {}) });
}

/** Environment entries, labels and scripts anywhere in a resource's inputs. References (valueFrom, secretKeyRef, secureValue) are skipped by construction. */
function collect(value: unknown, path: string, out: Literal[]): void {
    if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) collect(field(value, i), `${path}[${i}]`, out);
        return;
    }
    if (!value || typeof value !== "object") return;
    for (const [key, child] of fieldsOf(value)) {
        const at = path ? `${path}.${key}` : key;
        if (ENV_KEYS.has(key) || LABEL_KEYS.has(key)) {
            const label = LABEL_KEYS.has(key);
            if (Array.isArray(child)) {
                for (let i = 0; i < child.length; i++) {
                    const entry = field(child, i);
                    const name = entry && typeof entry === "object" ? field(entry, "name") : undefined;
                    if (typeof name === "string") push(out, `${at}[${i}](${name})`, name, field(entry as object, "value"), undefined, label);
                }
            } else if (child && typeof child === "object") {
                for (const [name, v] of fieldsOf(child)) {
                    if (typeof v === "string") push(out, `${at}.${name}`, name, v, undefined, label);
                }
            }
        } else if (SCRIPT_KEYS.has(key) && typeof child === "string") {
            scriptLiterals(child, at, out);
        }
        if (child && typeof child === "object") collect(child, at, out);
    }
}

/** Scripts: the whole text by credential shape, and NAME=value / NAME: value lines by name. */
function scriptLiterals(text: string, path: string, out: Literal[]): void {
    const decoded = /^[A-Za-z0-9+/]+={0,2}$/.test(text) && text.length % 4 === 0 ? Buffer.from(text, "base64").toString("utf8") : text;
    for (const line of decoded.split(/\r?\n/)) {
        const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*[=:]\s*["']?([^"'\s#]+)["']?\s*$/.exec(line);
        if (m) push(out, `${path}(${m[1]})`, m[1]!, m[2], path);
    }
    push(out, path, "script", decoded, path);
}

/** Every literal a policy should look at, for any resource type. */
export function literalsOf(type: string, props: Record<string, unknown>): Literal[] {
    const out: Literal[] = [];
    const jsonField = JSON_CONTAINER_FIELDS[type];
    if (jsonField) {
        const containers = jsonDocument(props[jsonField], jsonField);
        if (containers) collect({ [jsonField]: containers }, "", out);
    }
    if (CONFIG_MAPS.has(type)) {
        for (const [name, v] of Object.entries((props.data as Record<string, unknown>) ?? {})) push(out, `data.${name}`, name, v);
    }
    if (APP_SETTINGS_MAPS.has(type)) {
        for (const [name, v] of Object.entries((props.properties as Record<string, unknown>) ?? {})) push(out, `properties.${name}`, name, v);
    }
    collect(Object.fromEntries(fieldsOf(props).filter(([k]) => k !== jsonField)), "", out);
    return out;
}

function findHigh(literal: Literal): SecretFinding | undefined {
    if (literal.name === "script") return findSecretInValue(literal.value);
    // A value of several lines in a ConfigMap, environment or app setting is a file: its own keys name its secrets.
    return findSecret(literal.name, literal.value) ?? (literal.label ? undefined : findSecretInConfigFile(literal.value));
}

function scan(args: ResourceValidationArgs, detect: (l: Literal) => SecretFinding | undefined, report: (message: string) => void, advice: string): void {
    const reported = new Set<string>();
    for (const literal of literalsOf(args.type, args.props)) {
        if (literal.group && reported.has(literal.group)) continue;
        const finding = detect(literal);
        if (literal.group && finding) reported.add(literal.group);
        if (finding) report(`Move '${literal.path}' on '${args.name}' out of plain text: it holds ${finding.kind}. ${advice}`);
    }
}

const ADVICE = "Reference a secret store instead (ECS secrets.valueFrom, Kubernetes secretKeyRef, Azure secureValue or Key Vault, Secret Manager), or mark it secret.";

/** Known credential formats and secret-named keys with literal values. */
export const noSecretLiterals: ResourceValidationPolicy = {
    name: "no-secret-literals",
    description: "Container environments, ConfigMaps, tags, labels, annotations and startup scripts carry no credentials in plain text.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => scan(args, findHigh, reportViolation, ADVICE),
};

/** Random-looking strings that match no known format: worth a look, not a block. */
export const noHighEntropyLiterals: ResourceValidationPolicy = {
    name: "no-high-entropy-literals",
    description: "Plain-text environment values, labels and scripts that look random (possible unknown credentials).",
    enforcementLevel: "advisory",
    validateResource: (args, reportViolation) =>
        scan(args, (l) => (findHigh(l) ? undefined : findEntropySecret(l.value)), reportViolation, `If it is a credential: ${ADVICE}`),
};

export const LEAKED_SECRET_POLICIES = [noSecretLiterals, noHighEntropyLiterals];
