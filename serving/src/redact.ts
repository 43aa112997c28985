/**
 * Removes credentials that travel inside URLs from any text the server logs or puts into an error:
 * query parameters that carry a signature or token (Azure SAS `sig`, S3 presigned `X-Amz-*`, GCS
 * signed `X-Goog-*`, OAuth `access_token`, ...) and userinfo (`scheme://user:pass@host`). Names are
 * kept so the message still says what was there; values become REDACTED.
 */

/**
 * Query parameters whose value is a credential. Sources: Azure SAS (learn.microsoft.com/rest/api/storageservices/create-service-sas, `sig`),
 * S3 presigned URLs (docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html), GCS V4 signed URLs
 * (cloud.google.com/storage/docs/authentication/signatures), OAuth 2.0 (RFC 6749 section 4.2.2, RFC 6750 section 2.3).
 */
export const SECRET_QUERY_PARAMS = [
    "sig",
    "signature",
    "x-amz-signature",
    "x-amz-credential",
    "x-amz-security-token",
    "x-goog-signature",
    "x-goog-credential",
    "token",
    "access_token",
    "refresh_token",
    "id_token",
    "client_secret",
    "password",
    "api_key",
    "apikey",
    "key",
] as const;

export const REDACTED = "REDACTED";

const names = SECRET_QUERY_PARAMS.map((n) => n.replace(/[-_]/g, (c) => `\\${c}`)).join("|");
// A parameter starts the text, or follows ? & ; (also &amp;), a quote, a space, or their escapes %3F %26;
// its value runs to the next & (or %26), space, quote, backslash, # or angle bracket, or a colon ending the URL ("uri: reason").
const PARAM = new RegExp(`(?<=^|[?&;\\s"'(,]|%3[Ff]|%26)(${names})(=|%3[Dd])(?:[^&\\s#"'<>\\\\%:]|%(?!26)|:(?!\\s|$))*`, "gi");
const USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@"'<>\\]+@/gi;
const MAYBE_SECRET = /[=@]|%3D/i;

/** `text` with every URL credential replaced by REDACTED; text without "=" or "@" is returned as is. */
export function redactSecrets(text: string): string {
    if (!MAYBE_SECRET.test(text)) return text;
    return text.replace(USERINFO, `$1${REDACTED}@`).replace(PARAM, (_, name: string, eq: string) => `${name}${eq}${REDACTED}`);
}

/** Log fields with every string inside (arrays and objects included, 4 levels deep) redacted. */
export function redactFields(value: unknown, depth = 0): unknown {
    if (typeof value === "string") return redactSecrets(value);
    if (depth >= 4 || value === null || typeof value !== "object") return value;
    if (Array.isArray(value)) return value.map((v) => redactFields(v, depth + 1));
    if (value instanceof Error) return redactSecrets(value.message);
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactFields(v, depth + 1)]));
}
