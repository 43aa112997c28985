/**
 * Recognises values that look like credentials, so they can be refused in plaintext config and in
 * resource inputs. Each pattern names what it found; callers never echo the value itself.
 */
export interface SecretFinding {
    readonly kind: string;
}

const VALUE_PATTERNS: readonly { kind: string; pattern: RegExp }[] = [
    { kind: "AWS access key id", pattern: /\b(AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}\b/ },
    { kind: "private key", pattern: /-----BEGIN (?:[A-Z]+ )*PRIVATE KEY( BLOCK)?-----/ },
    { kind: "GitHub token", pattern: /\b(ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36}\b|\bgithub_pat_[A-Za-z0-9_]{82}\b/ },
    { kind: "Slack token", pattern: /\bxox[baprs]-[A-Za-z0-9-]{10,}\b/ },
    { kind: "Stripe secret key", pattern: /\b(sk|rk)_live_[A-Za-z0-9]{20,}\b/ },
    { kind: "Anthropic API key", pattern: /\bsk-ant-(api|admin)\d{2}-[A-Za-z0-9_-]{80,}AA\b/ },
    { kind: "OpenAI API key", pattern: /\bsk-(proj-|svcacct-)?[A-Za-z0-9_-]{20,}T3BlbkFJ[A-Za-z0-9_-]{20,}\b/ },
    { kind: "Hugging Face token", pattern: /\bhf_[A-Za-z]{34}\b/ },
    { kind: "Google API key", pattern: /\bAIza[0-9A-Za-z_-]{35}\b/ },
    { kind: "GCP service account key", pattern: /"type"\s*:\s*"service_account"[\s\S]*"private_key"/ },
    { kind: "Azure storage connection string", pattern: /AccountKey=[A-Za-z0-9+/]{86}==/ },
    { kind: "JSON web token", pattern: /\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\b/ },
    { kind: "password in a URL", pattern: /\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:[^\s:/@]{3,}@[^\s/]+/i },
];

/** Key names that hold secrets, whatever their value looks like. */
const SECRET_KEY_NAME = /(pass(word|wd|phrase)?|secret|token|api[-_]?key|access[-_]?key|private[-_]?key|credential|auth[-_]?key|client[-_]?secret|conn(ection)?[-_]?string)$/i;

/** Finds a credential in a value, by its shape alone. */
export function findSecretInValue(value: string): SecretFinding | undefined {
    for (const { kind, pattern } of VALUE_PATTERNS) {
        if (pattern.test(value)) return { kind };
    }
    return undefined;
}

/** Whether a key's name says it holds a secret (password, token, apiKey, ...). */
export function isSecretKeyName(key: string): boolean {
    const last = key.split(/[:.]/).pop() ?? key;
    return SECRET_KEY_NAME.test(last);
}

/**
 * Finds a secret in a named value: a credential by its shape, or a non-trivial value under a
 * secret-sounding key name. Empty values and references to secret stores are not secrets.
 */
export function findSecret(key: string, value: string): SecretFinding | undefined {
    const byValue = findSecretInValue(value);
    if (byValue) return byValue;
    if (isSecretKeyName(key) && value.length >= 8 && !looksLikeReference(value)) return { kind: `value of a key named like a secret (${key})` };
    return undefined;
}

function looksLikeReference(value: string): boolean {
    return /^(arn:|projects\/|https:\/\/[a-z0-9-]+\.vault\.azure\.net\/|\$\{|\{\{)/.test(value);
}

/** Redacts a secret for messages: its length only. */
export function redact(value: string): string {
    return `[redacted, ${value.length} characters]`;
}
