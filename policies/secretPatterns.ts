/**
 * Recognises values that look like credentials, so they can be refused in plaintext config and in
 * resource inputs. Each finding names what it found; neither a finding nor redact() ever echoes the
 * value itself.
 *
 * Two detectors, kept apart because callers treat them differently:
 * - high confidence (findSecretInValue, findSecret): known credential formats (gitleaks-style
 *   regexes behind cheap literal pre-checks), literal values assigned to secret-named keys, and
 *   literal values under a secret-named key. Callers treat these as mandatory.
 * - entropy (findEntropySecret): random-looking tokens, detect-secrets style, with filters for what
 *   infrastructure code is full of (ARNs, IDs, digests, hashes, encoded policies, URLs, paths,
 *   placeholders). Advisory only.
 *
 * Linear in input size, whatever the input: every run a pattern quantifies is bounded (MAX_RUN), no
 * pattern scans a long run and then fails from many start positions (JWT is anchored on its ".ey"),
 * checks beyond a match (what else the document holds) are computed once per value, and long values
 * are scanned for known formats in overlapping windows (WINDOW, OVERLAP), so neither time nor the
 * regex backtracking stack grows with the value past a window. The passes that run on every value are
 * the needle prefilter (two global regex alternations of literal needles, needles whose occurrences can overlap
 * kept in the same one), one secret-keyword search shared by both detectors, and the entropy detector's
 * token-run check (it reads a run's last character first); the entropy detector masks only the lines
 * that can yield a token.
 */

export type SecretConfidence = "high" | "entropy";

export interface SecretFinding {
    /** What was found, in words ("GitHub token"); never contains the value. */
    readonly kind: string;
    /** "high": a known format or a secret-named key with a literal value; "entropy": randomness alone. */
    readonly confidence: SecretConfidence;
}

// ---------------------------------------------------------------------------------------------
// Small helpers

const LOWER = /[a-z]/;
const UPPER = /[A-Z]/;
const DIGIT = /[0-9]/;

const COUNTS = new Int32Array(256);

let lastEntropyOf = "";
let lastEntropy = 0;

/** Shannon entropy in bits per character; the last answer is kept, as a token is judged by the placeholder filter and then by its entropy. */
function shannonEntropy(s: string): number {
    if (s === lastEntropyOf) return lastEntropy;
    lastEntropy = entropyOf(s);
    lastEntropyOf = s;
    return lastEntropy;
}

/** Longest string whose entropy terms are kept in ENTROPY_TERMS. */
const TERM_TABLE_LENGTH = 256;
/** (n / length) * log2(n / length) by length * (TERM_TABLE_LENGTH + 1) + n, computed on first use (NaN until then). */
const ENTROPY_TERMS = new Float64Array((TERM_TABLE_LENGTH + 1) * (TERM_TABLE_LENGTH + 1)).fill(NaN);

/** (n / length) * log2(n / length), the same number as computed in place: tokens are short, so the terms recur. */
function entropyTerm(n: number, length: number): number {
    if (length > TERM_TABLE_LENGTH) return (n / length) * Math.log2(n / length);
    const slot = length * (TERM_TABLE_LENGTH + 1) + n;
    let term = ENTROPY_TERMS[slot]!;
    if (Number.isNaN(term)) ENTROPY_TERMS[slot] = term = (n / length) * Math.log2(n / length);
    return term;
}

/** The distinct codes below 256 of the string being measured, in order of first occurrence. */
const DISTINCT = new Uint8Array(256);

function entropyOf(s: string): number {
    if (s.length === 0) return 0;
    let wide: Map<number, number> | undefined;
    let distinct = 0;
    for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i);
        if (c < 256) {
            if (COUNTS[c] === 0) DISTINCT[distinct++] = c;
            COUNTS[c]!++;
        } else (wide ??= new Map()).set(c, (wide.get(c) ?? 0) + 1);
    }
    // Terms summed in order of first occurrence, as a second pass over the string would sum them: the same number to the last bit.
    let h = 0;
    for (let k = 0; k < distinct; k++) {
        const c = DISTINCT[k]!;
        h -= entropyTerm(COUNTS[c]!, s.length);
        COUNTS[c] = 0;
    }
    if (wide) for (const n of wide.values()) h -= (n / s.length) * Math.log2(n / s.length);
    return h;
}

const expectedEntropyMemo = new Map<number, number>();

/**
 * Expected Shannon entropy of a uniformly random string of length n over an alphabet of size a
 * (exact expectation of the plug-in estimator: a * sum_k P(Binomial(n, 1/a) = k) * -(k/n) log2(k/n)).
 */
function expectedRandomEntropy(n: number, a: number): number {
    const len = Math.min(n, 256);
    const memoKey = len * 1000 + a;
    const known = expectedEntropyMemo.get(memoKey);
    if (known !== undefined) return known;
    const p = 1 / a;
    let pmf = Math.pow(1 - p, len); // P(k = 0)
    let h = 0;
    for (let k = 1; k <= len; k++) {
        pmf *= ((len - k + 1) / k) * (p / (1 - p));
        const f = k / len;
        h -= a * pmf * f * Math.log2(f);
    }
    expectedEntropyMemo.set(memoKey, h);
    return h;
}

const HAS_LOWER = 1;
const HAS_UPPER = 2;
const HAS_DIGIT = 4;
/** A character outside [A-Za-z0-9]. */
const HAS_OTHER = 8;
/** A character outside [A-Za-z0-9_.-]. */
const HAS_NON_SEPARATOR = 16;
const HAS_LOWER_NON_HEX = 32;
const HAS_UPPER_NON_HEX = 64;

/** HAS_* bits of each code below 128 (a code above is HAS_OTHER | HAS_NON_SEPARATOR): a look-up per character instead of four range tests took classBits from 3 to 1-1.5 ns a character. */
const CLASS_BITS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
    if (c >= 97 && c <= 122) CLASS_BITS[c] = c > 102 ? HAS_LOWER | HAS_LOWER_NON_HEX : HAS_LOWER;
    else if (c >= 65 && c <= 90) CLASS_BITS[c] = c > 70 ? HAS_UPPER | HAS_UPPER_NON_HEX : HAS_UPPER;
    else if (c >= 48 && c <= 57) CLASS_BITS[c] = HAS_DIGIT;
    else CLASS_BITS[c] = c === 95 || c === 46 || c === 45 ? HAS_OTHER : HAS_OTHER | HAS_NON_SEPARATOR;
}

/** The character classes a string uses, as HAS_* bits, in one pass over its character codes. */
function classBits(s: string): number {
    let bits = 0;
    for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i);
        bits |= c < 128 ? CLASS_BITS[c]! : HAS_OTHER | HAS_NON_SEPARATOR;
    }
    return bits;
}

/** Size of the alphabet a token draws from, judged by the character classes it uses. */
function alphabetSize(s: string, bits = classBits(s)): number {
    const hexDigits = s.length > 0 && (bits & (HAS_OTHER | HAS_LOWER_NON_HEX | HAS_UPPER_NON_HEX)) === 0;
    if (hexDigits && (bits & (HAS_LOWER | HAS_UPPER)) !== (HAS_LOWER | HAS_UPPER)) return 16;
    let a = 0;
    if (bits & HAS_LOWER) a += 26;
    if (bits & HAS_UPPER) a += 26;
    if (bits & HAS_DIGIT) a += 10;
    if (bits & HAS_OTHER) a += 2;
    return Math.max(a, 2);
}

/** Character classes present: lower, upper, digit, other (separators -_. do not count). */
function charClasses(s: string, bits = classBits(s)): number {
    return (bits & HAS_LOWER ? 1 : 0) + (bits & HAS_UPPER ? 1 : 0) + (bits & HAS_DIGIT ? 1 : 0) + (bits & HAS_NON_SEPARATOR ? 1 : 0);
}

/** Runs of same-case letters or digits, CamelCase aware: "getAPIToken2" -> get, API, Token, 2. */
const CHUNK = /[A-Z]?[a-z]+|[A-Z]+(?![a-z])|[0-9]+/g;

const isLowerCode = (c: number) => c >= 97 && c <= 122;
const isUpperCode = (c: number) => c >= 65 && c <= 90;
const isDigitCode = (c: number) => c >= 48 && c <= 57;

/**
 * Whether a token reads like words (identifiers, kebab-case names, CamelCase) rather than random
 * characters: long letter chunks carry most of it. Splits as CHUNK does, with a loop over character
 * codes: this runs on every token, and a regex match per chunk dominated the detector's time.
 */
function looksLikeWords(s: string): boolean {
    let chunks = 0;
    let wordChars = 0;
    let letters = 0;
    let alnum = 0;
    for (let i = 0; i < s.length; ) {
        const c = s.charCodeAt(i);
        let end = i + 1;
        if (isDigitCode(c)) {
            while (end < s.length && isDigitCode(s.charCodeAt(end))) end++;
            chunks++;
            alnum += end - i;
            i = end;
            continue;
        }
        if (isLowerCode(c) || (isUpperCode(c) && end < s.length && isLowerCode(s.charCodeAt(end)))) {
            while (end < s.length && isLowerCode(s.charCodeAt(end))) end++; // [A-Z]?[a-z]+
        } else if (isUpperCode(c)) {
            while (end < s.length && isUpperCode(s.charCodeAt(end))) end++;
            if (end < s.length && isLowerCode(s.charCodeAt(end))) end--; // [A-Z]+(?![a-z]): the last capital starts the next word
        } else {
            i++;
            continue;
        }
        chunks++;
        alnum += end - i;
        letters += end - i;
        if (isWordChunkAt(s, i, end)) wordChars += end - i;
        i = end;
    }
    if (letters === 0) return alnum === 0;
    return wordChars / letters >= 0.6 || alnum / chunks >= 5;
}

/** CamelCase or snake_case identifiers: letter chunks four or more long on average (random mixed case averages two). */
function looksLikeIdentifier(s: string): boolean {
    const chunks = s.match(CHUNK);
    return chunks !== null && s.length / chunks.length >= 4;
}

/** Abbreviations identifiers are full of, vowels or not. */
const ABBREVIATIONS = new Set(["id", "db", "io", "ip", "os", "ui", "to", "of", "in", "on", "at", "by", "is", "up", "no", "or", "my", "fs", "vm", "ml", "ai", "az", "sql", "ssh", "tls", "ssl", "dns", "vpc", "cpu", "gpu", "gcp", "url", "cmd", "pkg", "src", "dst", "tmp", "ctx", "msg", "cfg", "std", "lib", "img", "kms", "ecr", "ecs", "eks", "rds", "sns", "sqs", "xml", "yml", "http", "https", "html", "json", "js", "ts", "py"]);

const LONGEST_ABBREVIATION = Math.max(...[...ABBREVIATIONS].map((a) => a.length));

/** A run of letters of at most LONGEST_ABBREVIATION, lower-cased, as a number (five bits a letter, then the length): no slice per chunk. */
function letterCode(s: string, start: number, end: number): number {
    let code = 0;
    for (let i = start; i < end; i++) code = code * 32 + ((s.charCodeAt(i) | 0x20) - 96);
    return code * 8 + (end - start);
}

/** ABBREVIATIONS as letterCode numbers (every one is lower-case letters), in an open-addressed table: a Set look-up per letter chunk cost more than the rest of looksLikeWords. */
const ABBREVIATION_SLOTS = new Int32Array(512);
for (const a of ABBREVIATIONS) {
    let slot = letterCode(a, 0, a.length) % ABBREVIATION_SLOTS.length;
    while (ABBREVIATION_SLOTS[slot] !== 0) slot = (slot + 1) % ABBREVIATION_SLOTS.length;
    ABBREVIATION_SLOTS[slot] = letterCode(a, 0, a.length);
}

function isAbbreviationCode(code: number): boolean {
    for (let slot = code % ABBREVIATION_SLOTS.length; ABBREVIATION_SLOTS[slot] !== 0; slot = (slot + 1) % ABBREVIATION_SLOTS.length) {
        if (ABBREVIATION_SLOTS[slot] === code) return true;
    }
    return false;
}

/** a e i o u y, either case, by character code. */
const VOWEL_CODE = new Uint8Array(128);
for (const c of "aeiouyAEIOUY") VOWEL_CODE[c.charCodeAt(0)] = 1;

/** Whether s[start, end), a run of letters, is pronounceable (three or more letters, a sixth of them vowels, no five consonants in a row) or a common abbreviation. */
function isWordChunkAt(s: string, start: number, end: number): boolean {
    const length = end - start;
    if (length >= 3 && isPronounceableAt(s, start, end)) return true;
    return length <= LONGEST_ABBREVIATION && isAbbreviationCode(letterCode(s, start, end));
}

/** Whether s[start, end) has a sixth of its letters vowels and no five consonants in a row. */
function isPronounceableAt(s: string, start: number, end: number): boolean {
    let vowels = 0;
    let consonantRun = 0;
    for (let i = start; i < end; i++) {
        if (VOWEL_CODE[s.charCodeAt(i)] === 1) {
            vowels++;
            consonantRun = 0;
        } else if (++consonantRun >= 5) return false;
    }
    return vowels * 6 >= end - start;
}

/** A run of n or more consecutive ascending characters (abcdef, 123456): hand-typed, not random. */
function hasSequentialRun(s: string, n: number): boolean {
    let run = 1;
    for (let i = 1; i < s.length; i++) {
        run = s.charCodeAt(i) === s.charCodeAt(i - 1) + 1 ? run + 1 : 1;
        if (run >= n) return true;
    }
    return false;
}

/** Placeholder markers: xxxx, ****, EXAMPLE, <...>, ${...}, {{...}}, your-token-here, changeme... */
const PLACEHOLDER_MARK = /x{4}|X{4}|\*{3}|#{3}|\.{3}|…|<[^<>\n]{0,100}>|\$\{|\{\{|\$\([A-Za-z_][A-Za-z0-9_]{0,100}\)|%\([A-Za-z_][\w.-]{0,100}|#\{[^{}\s]{1,100}\}|%[sd]\b|EXAMPLE|example|changeme|change[_-]me|placeholder|PLACEHOLDER|replace[_-]?me|REPLACE[_-]?ME|your[_-]|YOUR[_-]|_here\b|_HERE\b|dummy|DUMMY|redacted|REDACTED|insert[_-]|INSERT[_-]|0{10}|\[secret\]/;

/** AWS's documented example credentials (docs.aws.amazon.com); real in shape, published on purpose. */
const DOCUMENTED_EXAMPLES = new Set(["AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"]);

/** Whether a credential-shaped token is a placeholder or documented example rather than a credential. */
function isPlaceholder(token: string, body: string = token): boolean {
    if (DOCUMENTED_EXAMPLES.has(token) || PLACEHOLDER_MARK.test(token)) return true;
    // A long body made of one or two repeated characters (or a tiny cycle) is typed, not generated.
    if (body.length >= 16 && shannonEntropy(body) < 2.5) return true;
    return false;
}

// ---------------------------------------------------------------------------------------------
// Bounds that keep the detector linear

/** The longest run any known-format pattern quantifies: every `+`, `*` and `{n,}` there is written {n,MAX_RUN}. */
const MAX_RUN = 8192;
/** Values longer than this are scanned for known formats in overlapping windows of about this size. */
const WINDOW = 256 * 1024;
/** Windows overlap by more than any match and the context its assertions read (a JWT: three MAX_RUN segments), so none is lost at a border. */
const OVERLAP = 32 * 1024;
/** How far before a nominal border a whitespace character is looked for: borders fall between tokens, where a window edge reads as the whitespace it replaces. */
const BORDER_SLACK = 16 * 1024;

/** The limits above, for tests that check the patterns against them. */
export const DETECTOR_LIMITS = { MAX_RUN, WINDOW, OVERLAP, BORDER_SLACK } as const;

function isWhitespace(code: number): boolean {
    return code === 0x20 || code === 0x0a || code === 0x09 || code === 0x0d;
}

/** The position just after the last whitespace in (at - BORDER_SLACK, at], or `at` when that stretch has none. */
function borderAtOrBefore(text: string, at: number): number {
    for (let i = at; i > at - BORDER_SLACK && i > 0; i--) if (isWhitespace(text.charCodeAt(i - 1))) return i;
    return at;
}

/**
 * [start, end) windows covering the text: consecutive windows overlap by at least OVERLAP, so every
 * span of OVERLAP characters or fewer lies whole inside one of them.
 */
export function scanWindows(text: string): [number, number][] {
    const windows: [number, number][] = [];
    let start = 0;
    while (text.length - start > WINDOW) {
        const end = borderAtOrBefore(text, start + WINDOW);
        windows.push([start, end]);
        start = borderAtOrBefore(text, end - OVERLAP);
    }
    windows.push([start, text.length]);
    return windows;
}

// ---------------------------------------------------------------------------------------------
// Known formats

/** The whole value a window belongs to, for what a format checks beyond its match; each fact is computed once per value. */
class ScannedValue {
    private privateKeyField?: boolean;
    private sasVersion?: boolean;
    private lastPemEnd?: number;
    private dashesFrom = -1;
    private dashesAt = -1;

    constructor(readonly text: string) {}

    /** Whether the document holds a "private_key" field (a service account key file, not a mention of its type). */
    get hasPrivateKeyField(): boolean {
        return (this.privateKeyField ??= this.text.includes("private_key"));
    }

    /** Whether the document holds a SAS version or expiry parameter (sv=, se=), which makes sig= a SAS signature. */
    get hasSasParameters(): boolean {
        return (this.sasVersion ??= /(?:^|[?&;"'\s])(?:sv|se)=/.test(this.text));
    }

    /** Whether a PEM END line follows `at`. */
    hasPemEndAfter(at: number): boolean {
        return (this.lastPemEnd ??= this.text.lastIndexOf("-----END")) >= at;
    }

    /** The first "-----" at or after `from`, or -1; remembered, so that headers in a row read the text once. */
    nextDashes(from: number): number {
        if (this.dashesFrom < 0 || from < this.dashesFrom || (this.dashesAt >= 0 && from > this.dashesAt)) {
            this.dashesFrom = from;
            this.dashesAt = this.text.indexOf("-----", from);
        }
        return this.dashesAt;
    }
}

interface KnownFormat {
    readonly kind: string;
    /** Literal substrings, one of which must occur before the regex runs (cheap pre-check). */
    readonly needles: readonly string[];
    /** Global regex; group 1, when present, is the credential's random body. */
    readonly pattern: RegExp;
    /** For a pattern anchored on a literal inside the credential (JWT's ".ey"): the whole credential and its body. */
    readonly parts?: (match: RegExpExecArray) => { token: string; body: string };
    /** Extra checks beyond the placeholder filter; `at` is where the window starts in the whole value. */
    readonly accept?: (match: RegExpExecArray, window: string, value: ScannedValue, at: number) => boolean;
    /** Formats whose body is the only evidence also refuse hand-typed sequences (abcdef..., 123456...). */
    readonly refuseSequences?: boolean;
    /** For a needle the pattern matches only in some places: whether its match at `start` calls for the format. */
    readonly calledAt?: (text: string, needle: string, start: number) => boolean;
}

const AWS_SECRET_NAME = /(?:aws_?secret_?(?:access_?)?key|secret_?access_?key)["'\]]{0,2}[ \t]{0,20}(?::=|=>|[:=])[ \t]{0,20}["']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])/gi;

const KNOWN_FORMATS: readonly KnownFormat[] = [
    {
        kind: "AWS access key id",
        needles: ["AKIA", "ASIA", "ABIA", "ACCA", "A3T"],
        pattern: /\b(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)([A-Z2-7]{16})\b/g,
    },
    { kind: "AWS secret access key", needles: [], pattern: AWS_SECRET_NAME, accept: (m) => !/EXAMPLE/.test(m[1] ?? "") },
    {
        kind: "Amazon Bedrock API key",
        needles: ["ABSK", "bedrock-api-key-"],
        // Short-lived keys are bedrock-api-key- and the base64 of the service's host name.
        pattern: new RegExp(`\\bABSK([A-Za-z0-9+/]{109,269}={0,2})(?![A-Za-z0-9+/=])|\\bbedrock-api-key-${Buffer.from("bedrock.amazonaws.com").toString("base64")}[A-Za-z0-9+/=%&-]{0,8192}`, "g"),
    },
    { kind: "GCP service account key", needles: ["service_account"], pattern: /\\?"type\\?"\s{0,64}:\s{0,64}\\?"service_account\\?"/g, accept: (_m, _w, value) => value.hasPrivateKeyField },
    { kind: "private key", needles: ["PRIVATE KEY"], pattern: /-----BEGIN[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----/g, accept: privateKeyHasBody },
    { kind: "GitHub token", needles: ["ghp_", "gho_", "ghu_", "ghs_", "ghr_"], pattern: /\bgh[pousr]_([A-Za-z0-9]{36})\b/g },
    { kind: "GitHub fine-grained token", needles: ["github_pat_"], pattern: /\bgithub_pat_(\w{82})\b/g },
    {
        kind: "GitLab token",
        needles: ["glpat-", "glcbt-", "gldt-", "glffct-", "glft-", "glimt-", "glagent-", "gloas-", "glptt-", "glrt-", "glsoat-", "GR1348941", "_gitlab_session="],
        pattern: /\b(?:gl(?:pat|cbt|dt|ffct|ft|rt|soat)-([\w-]{20,300}(?:\.[0-9a-z]{9})?)|glimt-([\w-]{25,300})|glagent-([\w-]{50,300})|gloas-([\w-]{64,300})|glptt-([0-9a-f]{40})|GR1348941([\w-]{20}))(?![\w-])|_gitlab_session=([0-9a-z]{32})\b/g,
    },
    {
        kind: "Slack token",
        needles: ["xox", "xapp-"],
        pattern: /\b(?:xoxb-[0-9]{10,13}-[0-9]{10,13}[a-zA-Z0-9-]{0,8192}|xoxb-[0-9]{8,14}-[a-zA-Z0-9]{18,26}|xox[pe](?:-[0-9]{10,13}){3}-[a-zA-Z0-9-]{28,34}|xoxe\.xox[bp]-\d-[A-Za-z0-9]{163,166}|xoxe-\d-[A-Za-z0-9]{146}|xox[ar]-(?:\d-)?([0-9a-zA-Z]{8,48})|xox[os]-\d{1,8192}-\d{1,8192}-\d{1,8192}-[a-fA-F\d]{1,8192}|xapp-\d-[A-Za-z0-9]{1,8192}-\d{1,8192}-[A-Za-z0-9]{1,8192})/g,
    },
    { kind: "Slack webhook URL", needles: ["hooks.slack.com"], pattern: /hooks\.slack\.com\/(?:services|workflows|triggers)\/([A-Za-z0-9+/]{43,56})/g },
    { kind: "Stripe secret key", needles: ["sk_live_", "rk_live_", "sk_prod_", "rk_prod_"], pattern: /\b[rs]k_(?:live|prod)_([A-Za-z0-9]{10,99})\b/g },
    {
        kind: "OpenAI API key",
        needles: ["T3BlbkFJ", "sk-proj-", "sk-svcacct-", "sk-admin-"],
        pattern: /\bsk-(?:(?:proj|svcacct|admin)-)?[A-Za-z0-9_-]{20,74}T3BlbkFJ[A-Za-z0-9_-]{20,74}|\bsk-(?:proj|svcacct|admin)-([A-Za-z0-9_-]{80,8192})/g,
    },
    { kind: "Anthropic API key", needles: ["sk-ant-"], pattern: /\bsk-ant-(?:api03|admin01)-([\w-]{93})AA(?![\w-])/g },
    { kind: "Hugging Face token", needles: ["hf_", "api_org_"], pattern: /\b(?:hf_|api_org_)([A-Za-z]{34})(?![A-Za-z0-9_])/g, accept: (m) => !looksLikeIdentifier(m[1] ?? "") },
    { kind: "npm token", needles: ["npm_"], pattern: /\bnpm_([A-Za-z0-9]{36})(?![A-Za-z0-9_])/g },
    { kind: "PyPI token", needles: ["pypi-AgEIcHlwaS5vcmc"], pattern: /pypi-AgEIcHlwaS5vcmc([A-Za-z0-9_-]{50,8192})/g },
    { kind: "Docker Hub token", needles: ["dckr_pat_"], pattern: /\bdckr_pat_([A-Za-z0-9_-]{27,8192})/g },
    { kind: "Google API key", needles: ["AIza"], pattern: /\bAIza([\w-]{35})(?![\w-])/g, refuseSequences: true },
    { kind: "Azure storage account key", needles: ["AccountKey="], pattern: /AccountKey=([A-Za-z0-9+/]{86}==)/g },
    { kind: "Azure SAS token", needles: ["sig="], pattern: /(?:^|[?&;"'\s])sig=([A-Za-z0-9%+/=]{30,8192})/g, accept: (_m, _w, value) => value.hasSasParameters },
    {
        kind: "Azure AD client secret",
        needles: ["Q~"],
        pattern: /(?:^|[\\'"`\s>=:(,)])([A-Za-z0-9_~.]{3}\dQ~[A-Za-z0-9_~.-]{31,34})(?=$|[\\'"`\s<),])/g,
        refuseSequences: true,
    },
    { kind: "Databricks token", needles: ["dapi"], pattern: /\bdapi([a-f0-9]{32})(?:-\d)?\b/g },
    { kind: "Pulumi access token", needles: ["pul-"], pattern: /\bpul-([a-f0-9]{40})\b/g },
    { kind: "Terraform Cloud token", needles: [".atlasv1."], pattern: /\b[A-Za-z0-9]{14}\.atlasv1\.([A-Za-z0-9_=-]{60,70})\b/g },
    {
        kind: "HashiCorp Vault token",
        needles: ["hvs.", "hvb.", "s."],
        pattern: /\bhvs\.([\w-]{90,120})|\bhvb\.([\w-]{138,300})|\bs\.([A-Za-z0-9]{24})(?![\w.-])/g,
        // The legacy s.<24> form reads like code (s.ReadTimeoutInMilliseconds): require all three classes.
        accept: (m) => m[3] === undefined || (LOWER.test(m[3]) && UPPER.test(m[3]) && DIGIT.test(m[3]) && !looksLikeWords(m[3])),
        // "s." is matched only after a word boundary (amazonaws.com holds it after a letter). No needle
        // can hide such an "s." or an "hvs." or "hvb." from the needle scan: none holds "s." after a non-word character, nor "h" before "v".
        calledAt: (text, needle, start) => needle !== "s." || !isWordCode(text.charCodeAt(start - 1)),
    },
    { kind: "Clojars token", needles: ["CLOJARS_"], pattern: /\bCLOJARS_([a-z0-9]{60})\b/gi },
    { kind: "SendGrid API key", needles: ["SG."], pattern: /\bSG\.([\w-]{22}\.[\w-]{43})\b/g },
    { kind: "Shopify access token", needles: ["shpat_", "shpca_", "shppa_", "shpss_"], pattern: /\bshp(?:at|ca|pa|ss)_([a-fA-F0-9]{32})\b/g },
    { kind: "Grafana token", needles: ["glsa_", "glc_"], pattern: /\bglsa_([A-Za-z0-9]{32}_[A-Fa-f0-9]{8})\b|\bglc_([A-Za-z0-9+/]{32,400}={0,2})/g },
    {
        kind: "JSON web token",
        needles: [".ey"],
        // Anchored on the ".ey" between header and payload: the header is read backwards from there (a
        // lookbehind, longest first), so runs of "ey" starts without a dot cost nothing. (?=(run))\3 is
        // an atomic run: the engine cannot backtrack into it.
        pattern: /\.ey(?<=\b(ey([A-Za-z0-9_-]{17,8192}))\.ey)(?=([A-Za-z0-9_/\\-]{17,8192}))\3\.(?:[A-Za-z0-9_/\\-]{10,8192}={0,2})?/g,
        parts: (m) => ({ token: `${m[1] ?? ""}${m[0]}`, body: m[2] ?? "" }),
    },
    { kind: "bearer token", needles: ["Bearer "], pattern: /\bBearer[ \t]{1,64}([A-Za-z0-9._~+/-]{20,8192}={0,8})/g, accept: (m) => looksGenerated(m[1] ?? ""), refuseSequences: true },
    { kind: "HTTP basic auth credentials", needles: ["Basic "], pattern: /\bBasic[ \t]{1,64}([A-Za-z0-9+/]{12,8192}={0,2})(?![A-Za-z0-9+/=])/g, accept: (m) => basicAuthDecodes(m[1] ?? "") },
    // Starts at the literal "://" (fast to find); urlPasswordIsReal checks the scheme before it.
    { kind: "password in a URL", needles: ["://"], pattern: /:\/\/([^\s:/?#@"'<>]{1,256}):([^\s/?#@"'<>]{1,256})@[A-Za-z0-9[]/g, accept: urlPasswordIsReal },
];

/** Every needle, longest first (equal lengths in table order), with the formats it calls for. */
const NEEDLE_FORMATS = new Map<string, number[]>();
KNOWN_FORMATS.forEach((f, i) => f.needles.forEach((n) => NEEDLE_FORMATS.set(n, [...(NEEDLE_FORMATS.get(n) ?? []), i])));
/**
 * The formats without needles (the AWS secret key, named in any case). Each match of theirs holds
 * "secret", one of SECRET_KEYWORD's words, so they run only on a value where SECRET_KEYWORD matches.
 */
const KEYWORD_FORMATS = KNOWN_FORMATS.flatMap((f, i) => (f.needles.length === 0 ? [i] : []));
const NEEDLES = [...NEEDLE_FORMATS].map(([needle, formats]) => ({ needle, formats })).sort((a, b) => b.needle.length - a.needle.length);

const escapeRegex = (literal: string) => literal.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

type Needle = (typeof NEEDLES)[number];

/** Whether an occurrence of `b` can start inside one of `a` ("ghp_" and "_gitlab_session=", "hvs." and "s."). */
function canStartInside(a: string, b: string): boolean {
    for (let offset = 1; offset < a.length; offset++) {
        const shared = Math.min(a.length - offset, b.length);
        if (a.slice(offset, offset + shared) === b.slice(0, shared)) return true;
    }
    return false;
}

/**
 * NEEDLES split for separate scans: needles that start with the same character, or whose occurrences
 * can overlap, stay together, so that each scan reads its needles as one alternation of every needle
 * would (leftmost, longest first, not overlapping) and the union of the scans calls for the same formats.
 * The largest such group is scanned alone and the rest together: on the bench's infrastructure values
 * the two scans took 30% less time than one alternation of every needle.
 */
function needleGroups(): Needle[][] {
    const group = new Map(NEEDLES.map(({ needle }) => [needle.charAt(0), needle.charAt(0)]));
    const root = (c: string): string => (group.get(c) === c ? c : root(group.get(c)!));
    for (const a of NEEDLES) for (const b of NEEDLES) if (canStartInside(a.needle, b.needle)) group.set(root(a.needle.charAt(0)), root(b.needle.charAt(0)));
    const components = new Map<string, Needle[]>();
    for (const n of NEEDLES) components.set(root(n.needle.charAt(0)), [...(components.get(root(n.needle.charAt(0))) ?? []), n]);
    const [largest, ...rest] = [...components.values()].sort((a, b) => b.length - a.length);
    return rest.length > 0 ? [largest!, rest.flat()] : [largest!];
}

interface NeedleScan {
    /**
     * The group's needles in one global regex, grouped by first character and in NEEDLES' order within
     * a group: needles of different first characters never match at the same position, so at each
     * position the longest needle wins (the grouping lets the engine dispatch on the first character).
     */
    readonly regex: RegExp;
    /** The group's needles by the code of their last character, longest first (every needle is ASCII). */
    readonly byLast: readonly Needle[][];
}

const NEEDLE_SCANS: readonly NeedleScan[] = needleGroups().map((needles) => {
    const byFirst = new Map<string, string[]>();
    for (const { needle } of needles) byFirst.set(needle.charAt(0), [...(byFirst.get(needle.charAt(0)) ?? []), escapeRegex(needle.slice(1))]);
    const byLast: Needle[][] = Array.from({ length: 128 }, () => []);
    for (const n of needles) byLast[n.needle.charCodeAt(n.needle.length - 1)]!.push(n);
    return { regex: new RegExp([...byFirst].map(([first, rests]) => `${escapeRegex(first)}(?:${rests.join("|")})`).join("|"), "g"), byLast };
});

/**
 * The needle of the scan's match that ends at `end`, the scan having started at `from`: the longest
 * needle of its group that ends there and starts at or after `from`, as the match starts at the
 * leftmost needle. Found from the match's end, so the scan can run as test() and allocate no match array.
 */
function needleEndingAt(scan: NeedleScan, text: string, from: number, end: number): Needle {
    for (const n of scan.byLast[text.charCodeAt(end - 1)]!) {
        const start = end - n.needle.length;
        if (start >= from && text.startsWith(n.needle, start)) return n;
    }
    throw new Error("no needle ends at a needle match");
}

function privateKeyHasBody(m: RegExpExecArray, _window: string, value: ScannedValue, at: number): boolean {
    const start = at + m.index + m[0].length;
    // The body ends at the next "-----" (its END line, or the next header): headers in a row read disjoint bodies.
    const next = value.nextDashes(start);
    const end = Math.min(start + (value.hasPemEndAfter(start) ? 65536 : 4096), next === -1 ? Infinity : next);
    const body = value.text.slice(start, end);
    // PEM body: base64 lines (maybe with literal \n escapes, or encryption headers); count its characters.
    const b64 = body
        .replace(/\\[nr]/g, "\n")
        .replace(/^[ \t]*[A-Za-z-]+:.*$/gm, "")
        .replace(/[^A-Za-z0-9+/=]/g, "");
    return b64.length >= 40 && !isPlaceholder(b64);
}

const URL_PLACEHOLDER_PASSWORDS = new Set(["password", "passwd", "pass", "pwd", "secret", "changeme", "example", "test", "dummy", "xxx", "****", "...", "redacted"]);

function urlPasswordIsReal(m: RegExpExecArray, text: string): boolean {
    if (!/(?:^|[^A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]{0,20}$/.test(text.slice(Math.max(0, m.index - 22), m.index))) return false;
    const user = m[1] ?? "";
    const password = m[2] ?? "";
    // Templates and masks: ${DB_PASSWORD}, <password>, %s, %(password)s, ****, xxx.
    if (password.length < 3 || /[{}<>$]|^%|^[*.]+$|^x+$/i.test(password)) return false;
    const lower = password.toLowerCase();
    if (URL_PLACEHOLDER_PASSWORDS.has(lower) || lower === user.toLowerCase() || PLACEHOLDER_MARK.test(password)) return false;
    return !/^(?:your|my)?[-_]?(?:pass(?:word)?|pwd|secret)$/i.test(password);
}

function basicAuthDecodes(b64: string): boolean {
    const decoded = Buffer.from(b64, "base64").toString("latin1");
    const colon = decoded.indexOf(":");
    return colon > 0 && colon < decoded.length - 3 && /^[\x20-\x7e]+$/.test(decoded) && !isPlaceholder(decoded);
}

/** Random-looking enough to be generated: mixed classes, no words, no typed sequences. */
function looksGenerated(s: string): boolean {
    return charClasses(s) >= 2 && !looksLikeWords(s) && !hasSequentialRun(s, 6) && !isPlaceholder(s);
}

function formatMatches(format: KnownFormat, window: string, value: ScannedValue, at: number): boolean {
    const { pattern } = format;
    pattern.lastIndex = 0;
    for (let m = pattern.exec(window); m; m = pattern.exec(window)) {
        if (m[0].length === 0) pattern.lastIndex++;
        let token = m[0];
        let body = m[0];
        if (format.parts) ({ token, body } = format.parts(m));
        else {
            for (let g = 1; g < m.length; g++) {
                const group = m[g];
                if (group !== undefined) {
                    body = group;
                    break;
                }
            }
        }
        if (isPlaceholder(token.trim(), body)) continue;
        if (format.refuseSequences && hasSequentialRun(body, 8)) continue;
        if (format.accept && !format.accept(m, window, value, at)) continue;
        return true;
    }
    return false;
}

/**
 * Which formats a text's needles call for, marked in `run` (all zero before), and how many. Reads the
 * text as a global regex alternation of NEEDLES would (leftmost, longest needle first, matches not
 * overlapping), so the same formats run.
 */
function formatsCalledFor(text: string, hasKeyword: boolean, run: Uint8Array): number {
    let called = 0;
    if (hasKeyword) for (const f of KEYWORD_FORMATS) called += markCalled(run, f);
    for (const scan of NEEDLE_SCANS) {
        const { regex } = scan;
        regex.lastIndex = 0;
        for (let from = 0; regex.test(text); from = regex.lastIndex) {
            const { needle, formats } = needleEndingAt(scan, text, from, regex.lastIndex);
            const start = regex.lastIndex - needle.length;
            for (const f of formats) if (KNOWN_FORMATS[f]!.calledAt?.(text, needle, start) ?? true) called += markCalled(run, f);
        }
    }
    return called;
}

/** Marks format f called; 1 if it was not yet. */
function markCalled(run: Uint8Array, f: number): number {
    if (run[f] === 1) return 0;
    run[f] = 1;
    return 1;
}

/** The formats a value of one window calls for: all zero between values, so that a value calling for none (most) costs no pass over it. */
const SINGLE_WINDOW_RUN = new Uint8Array(KNOWN_FORMATS.length);

/**
 * The first known format (in table order) found anywhere in the value. A long value is read in
 * windows; formats stay the outer loop, so the kind reported is the one a single scan would report.
 */
function knownFormatIn(value: string): KnownFormat | undefined {
    const hasKeyword = findSecretKeyword(value);
    if (value.length <= WINDOW) {
        // No accept check reads another value's formats, so one buffer serves every value of a window.
        const run = SINGLE_WINDOW_RUN;
        if (formatsCalledFor(value, hasKeyword, run) === 0) return undefined;
        const scanned = new ScannedValue(value);
        let found: KnownFormat | undefined;
        for (let i = 0; i < KNOWN_FORMATS.length; i++) {
            if (run[i] && !found && formatMatches(KNOWN_FORMATS[i]!, value, scanned, 0)) found = KNOWN_FORMATS[i];
            run[i] = 0;
        }
        return found;
    }
    const scanned = new ScannedValue(value);
    const windows = scanWindows(value).map(([start, end]) => {
        const text = start === 0 && end === value.length ? value : value.slice(start, end);
        const run = new Uint8Array(KNOWN_FORMATS.length);
        formatsCalledFor(text, hasKeyword, run);
        return { text, start, run };
    });
    return KNOWN_FORMATS.find((format, i) => windows.some((w) => w.run[i] && formatMatches(format, w.text, scanned, w.start)));
}

/** The patterns of the known formats, for tests that check them against DETECTOR_LIMITS. */
export function knownFormatPatterns(): readonly RegExp[] {
    return KNOWN_FORMATS.map((f) => f.pattern);
}

// ---------------------------------------------------------------------------------------------
// Key names

/** Single words that name a secret on their own (the last word of a key). */
const SECRET_WORDS = new Set(["password", "passwd", "pwd", "passphrase", "secret", "token", "apikey", "credential", "credentials", "creds", "connectionstring", "connstring", "connstr"]);

/** Two-word endings that name a secret: api key, access key, ... */
const SECRET_PAIRS = new Set(["api key", "access key", "private key", "auth key", "secret key", "account key", "master key", "client secret", "connection string", "conn string", "conn str", "secret string", "secret binary", "secret value"]);

/** Glued endings (CLIENTSECRET, dbpassword, AWSSECRETACCESSKEY): the last word ends with one of these. */
const SECRET_SUFFIXES = ["password", "passwd", "passphrase", "secret", "token", "apikey", "accesskey", "privatekey", "authkey", "secretkey", "accountkey", "credentials", "credential", "connectionstring"];

/** Qualifiers that make a "token"/"secret" name something else: pagination cursors, CSRF tokens, NLP tokens... */
const NOT_SECRET_QUALIFIERS = new Set([
    "next", "page", "pagination", "continuation", "cancel", "cancellation", "csrf", "xsrf", "public", "idempotency", "creation",
    "bos", "eos", "pad", "unk", "sep", "cls", "mask", "special", "max", "min", "num", "total", "count", "input", "output", "prompt", "completion", "stop",
]);

/** Splits a key name into lower-case words: camelCase, PascalCase, ACRONYMWord, snake_case, kebab-case. */
function keyWords(name: string): string[] {
    const words = name
        .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
        .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
        .split(/[^A-Za-z0-9]+/)
        .filter(Boolean)
        .map((w) => w.toLowerCase());
    // token1, api_key_2: trailing numbers say which one, not what it is.
    while (words.length > 0 && /^\d+$/.test(words[words.length - 1] ?? "")) words.pop();
    const last = words.length - 1;
    if (last >= 0) words[last] = (words[last] ?? "").replace(/\d+$/, "");
    return words.filter(Boolean);
}

/** Longer than any name a key is given; keyWords' ACRONYMWord split is quadratic on a long upper-case run. */
const MAX_KEY_NAME = 256;
/** Key names recur (every resource has env.LOG_LEVEL): answers are kept, up to this many names. */
const KEY_NAME_MEMO_SIZE = 4096;

/** `compute`, with its answers kept for up to KEY_NAME_MEMO_SIZE keys. */
function memoizedByKey(compute: (key: string) => boolean): (key: string) => boolean {
    const memo = new Map<string, boolean>();
    return (key) => {
        let known = memo.get(key);
        if (known === undefined) {
            known = compute(key);
            if (memo.size >= KEY_NAME_MEMO_SIZE) memo.clear();
            memo.set(key, known);
        }
        return known;
    };
}

/** The part of a namespaced key after its last ':', '.' or '/' (model-service:dbPassword, app.db.password). */
function lastSegment(key: string): string {
    let i = key.length;
    while (i > 0 && !":./".includes(key.charAt(i - 1))) i--;
    return key.slice(i);
}

/** Whether a key's name says it holds a secret (password, token, apiKey, DB_PASSWORD, client-secret...). */
export function isSecretKeyName(key: string): boolean {
    return secretKeyName(key);
}

const secretKeyName = memoizedByKey(keyNameSaysSecret);

function keyNameSaysSecret(key: string): boolean {
    const segment = lastSegment(key);
    if (segment.length > MAX_KEY_NAME) return false;
    const words = keyWords(segment);
    const last = words[words.length - 1];
    if (last === undefined) return false;
    const prev = words[words.length - 2];
    // PWD alone is the shell's working directory.
    if (last === "pwd" && words.length === 1) return false;
    if (SECRET_WORDS.has(last) || (prev !== undefined && SECRET_PAIRS.has(`${prev} ${last}`))) {
        return prev === undefined || !NOT_SECRET_QUALIFIERS.has(prev);
    }
    for (const suffix of SECRET_SUFFIXES) {
        if (last.length > suffix.length && last.endsWith(suffix)) return !NOT_SECRET_QUALIFIERS.has(last.slice(0, -suffix.length));
    }
    return false;
}

// ---------------------------------------------------------------------------------------------
// Literal values vs references

const REFERENCE = new RegExp(
    [
        "^arn:", // AWS ARNs (Secrets Manager, SSM, KMS...)
        "^projects/[^/\\s]+/secrets/", // GCP Secret Manager
        "^https://[a-z0-9-]+\\.vault\\.azure\\.net/", // Azure Key Vault
        "^@Microsoft\\.KeyVault\\(", // App Service Key Vault references
        "^\\$\\{", // ${VAR}, ${{ secrets.X }}, Terraform/Pulumi interpolation
        "^\\{\\{", // {{ .Values.x }}, {{resolve:secretsmanager:...}}
        "^\\$\\(", // $(cat /run/secrets/x)
        "^\\$[A-Za-z_][A-Za-z0-9_]*$", // $VAR
        "^%[A-Za-z_][A-Za-z0-9_]*%$", // %VAR%
        "^(?:op|vault|ssm|secretsmanager|sm|gcpsm|azkv|awssm|env):", // secret-store URIs
        "^(?:~|\\.{1,2})?/[\\w.@+-]+(?:/[\\w.@+-]+)*/?$", // file paths (/run/secrets/x, ./key.json) and SSM names
        "^[A-Za-z]:\\\\", // Windows paths
        "^ENC\\[", // SOPS-encrypted values
    ].join("|"),
);

/** Longer than any reference (ARNs are at most 2048 characters, paths PATH_MAX 4096): a longer value is not one. */
const MAX_REFERENCE_LENGTH = 4096;

const BOOLEAN_OR_NULL = /^(?:true|false|yes|no|on|off|null|nil|none|undefined)$/i;
const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?$/i;

/** Whether a value under a secret-named key is a literal secret (not empty, short, a flag, a number, a reference or a placeholder). */
function isLiteralSecretValue(value: string): boolean {
    const v = value.trim();
    if (v.length < 8 || BOOLEAN_OR_NULL.test(v) || NUMBER.test(v) || (v.length <= MAX_REFERENCE_LENGTH && REFERENCE.test(v))) return false;
    return !isPlaceholder(v);
}

/** Code that computes a value rather than holding one: process.env.X, var.database_password, getenv(, JSON.stringify({, dbPassword. */
const CODE_REFERENCE = /^([A-Za-z_$][\w$]*(?:(?:\??\.|::|->)[A-Za-z_$][\w$]*)*)(?:[([{].*)?$/;

function isCodeReference(v: string): boolean {
    const path = CODE_REFERENCE.exec(v)?.[1];
    if (path === undefined) return false;
    const segments = path.split(/\??\.|::|->/);
    // A member path or call (rpc.getSecret(, var.database_password): code unless a segment is a long random run (hvs.CAES...).
    if (segments.length > 1 || path.length < v.length) return segments.every((s) => s.length < 16 || looksLikeWords(s));
    // A bare word (dbPassword, stringToToken) is a variable; with digits mixed in (hunter2hunter) it reads as a literal.
    return !DIGIT.test(path) || looksLikeWords(path);
}

// ---------------------------------------------------------------------------------------------
// Assignments in text: NAME = "value", "name": "value", --token value, getenv("NAME", "value")

const SECRET_KEYWORD = /pass(?:word|wd|phrase)|pwd|secret|token|api[_.-]?key|access[_.-]?key|private[_.-]?key|auth[_.-]?key|account[_.-]?key|credential|creds|conn(?:ection)?[_.-]?str/gi;
const IDENT_CHAR = /[A-Za-z0-9_.-]/;
const QUOTES = "\"'`";

let keywordText: string | undefined;
let keywordFound = false;

/**
 * Whether SECRET_KEYWORD matches anywhere in the text. The last answer is kept: findSecret finds it
 * first (whether the AWS secret key format can match), then findEntropySecret asks, of the same value.
 */
function hasSecretKeyword(text: string): boolean {
    return text === keywordText ? keywordFound : findSecretKeyword(text);
}

/** Whether SECRET_KEYWORD matches anywhere in the text, kept as the last answer: findSecret's value is a new one, not worth comparing with the last (values of a kind often have the same length, and then the comparison reads them). */
function findSecretKeyword(text: string): boolean {
    SECRET_KEYWORD.lastIndex = 0;
    keywordFound = SECRET_KEYWORD.test(text);
    keywordText = text;
    return keywordFound;
}

/** Finds NAME <op> VALUE where NAME is secret-named and VALUE a literal that could be a credential. */
function findSecretAssignment(text: string): { name: string; value: string } | undefined {
    if (!hasSecretKeyword(text)) return undefined;
    SECRET_KEYWORD.lastIndex = 0;
    for (let m = SECRET_KEYWORD.exec(text); m; m = SECRET_KEYWORD.exec(text)) {
        let start = m.index;
        while (start > 0 && start > m.index - 80 && IDENT_CHAR.test(text.charAt(start - 1))) start--;
        let end = m.index + m[0].length;
        while (end < text.length && end < m.index + 80 && IDENT_CHAR.test(text.charAt(end))) end++;
        SECRET_KEYWORD.lastIndex = end;
        const value = assignedValue(text, start, end);
        if (value === undefined || (!value.quoted && isCodeReference(value.text))) continue;
        const name = text.slice(start, end);
        if (!isSecretKeyName(name)) continue;
        if (isLiteralSecretValue(value.text) && looksLikeCredential(value.text)) return { name: name.replace(/^-+/, ""), value: value.text };
    }
    return undefined;
}

/** A literal in text that could be a credential: no spaces, at least two character classes, not a bare word. */
function looksLikeCredential(v: string): boolean {
    if (/\s/.test(v) || charClasses(v) < 2) return false;
    if (/^[A-Z0-9_]+$/.test(v) && /[A-Z]{3,}_[A-Z]{3,}/.test(v)) return false; // ACCESS_TOKEN: a constant's name
    return !hasSequentialRun(v, 8);
}

/** The value assigned to the name at [start, end), if the text assigns one. */
function assignedValue(text: string, start: number, end: number): { text: string; quoted: boolean } | undefined {
    let i = end;
    let nameQuoted = false;
    // Closing quote or bracket of the name: "password": / ['PASSWORD'] = / \"pass\":
    for (let k = 0; k < 3 && i < text.length && "\"'`]\\".includes(text.charAt(i)); k++, i++) nameQuoted ||= QUOTES.includes(text.charAt(i));
    const afterName = i;
    while (i < text.length && (text.charAt(i) === " " || text.charAt(i) === "\t")) i++;
    const op = text.slice(i, i + 3);
    let opLen = 0;
    if (op.startsWith(":=") || op.startsWith("=>") || op.startsWith("?=")) opLen = 2;
    else if (op.startsWith("||=")) opLen = 3;
    else if (op.startsWith("=") && !op.startsWith("==")) opLen = 1;
    else if (op.startsWith(":") && !op.startsWith("::")) {
        // YAML and JSON: "key: value" or "key":"value"; not maven coords or URLs (a:b).
        const next = text.charAt(i + 1);
        if (next !== " " && next !== "\t" && !nameQuoted && !(next !== "" && QUOTES.includes(next))) return undefined;
        opLen = 1;
    } else if (op.startsWith(",") && nameQuoted && /\(\s*["'`]$/.test(text.slice(Math.max(0, start - 8), start))) {
        opLen = 1; // getenv("NAME", "default")
    } else if (text.charAt(start) === "-" && i > afterName) {
        opLen = 0; // --token VALUE, -ClientSecret 'VALUE'
    } else return undefined;
    i += opLen;
    while (i < text.length && (text.charAt(i) === " " || text.charAt(i) === "\t")) i++;
    if (text.charAt(i) === "\\" && QUOTES.includes(text.charAt(i + 1))) i++;
    const open = text.charAt(i);
    if (open !== "" && QUOTES.includes(open)) {
        let close = i + 1;
        while (close < text.length && close < i + 1024 && text.charAt(close) !== open && text.charAt(close) !== "\n") close++;
        if (text.charAt(close) !== open) return undefined;
        let v = text.slice(i + 1, close);
        if (v.endsWith("\\")) v = v.slice(0, -1);
        return { text: v, quoted: true };
    }
    let stop = i;
    while (stop < text.length && stop < i + 1024 && !/[\s,;)}\]"'`<>&\\]/.test(text.charAt(stop))) stop++;
    return stop > i ? { text: text.slice(i, stop), quoted: false } : undefined;
}

// ---------------------------------------------------------------------------------------------
// Kubernetes Secret manifests

const K8S_SECRET_KIND = /^[ \t]*kind:[ \t]*["']?secret["']?[ \t]*$/im;

/** A Kubernetes Secret manifest (kind: Secret) whose data or stringData holds a literal value. */
function kubernetesSecretHasData(text: string): boolean {
    return K8S_SECRET_KIND.test(text) && text.split(/^---[ \t]*$/m).some((doc) => K8S_SECRET_KIND.test(doc) && secretManifestHasData(doc));
}

function secretManifestHasData(doc: string): boolean {
    const lines = doc.split(/\r?\n/);
    let section: "data" | "stringData" | undefined;
    let indent = -1;
    for (let n = 0; n < lines.length; n++) {
        const line = lines[n] ?? "";
        const lead = /^[ \t]*/.exec(line)?.[0].length ?? 0;
        const header = /^[ \t]*(data|stringData):[ \t]*$/.exec(line);
        if (header) {
            section = header[1] as "data" | "stringData";
            indent = lead;
            continue;
        }
        if (section === undefined || /^[ \t]*(?:#.*)?$/.test(line)) continue;
        if (lead <= indent) {
            section = undefined;
            continue;
        }
        const entry = /^[ \t]*["']?[\w.-]+["']?:[ \t]*(.*)$/.exec(line);
        if (!entry) continue;
        let value = (entry[1] ?? "").trim().replace(/^["']|["']$/g, "");
        if (value === "|" || value === ">" || value === "|-" || value === ">-") value = (lines[n + 1] ?? "").trim();
        if (section === "data" ? /^[A-Za-z0-9+/]{10}[A-Za-z0-9+/]*={0,2}$/.test(value) && !isPlaceholder(value) : isLiteralSecretValue(value)) return true;
    }
    return false;
}

// ---------------------------------------------------------------------------------------------
// Public API: high confidence

/** Finds a credential in a value by its shape alone: known formats, secret-named assignments in text. */
export function findSecretInValue(value: string): SecretFinding | undefined {
    if (value.length < 8) return undefined;
    const format = knownFormatIn(value);
    if (format) return { kind: format.kind, confidence: "high" };
    if (value.includes("ind:") && kubernetesSecretHasData(value)) return { kind: "Kubernetes Secret manifest with data", confidence: "high" };
    return undefined;
}

/**
 * Finds a credential written into a configuration file (a value of more than one line, such as an
 * application.properties, appsettings.json, YAML or .env file held in a ConfigMap or an app setting): a
 * secret-named key assigned a literal that could be a credential. References to secret stores (Key
 * Vault, Secrets Manager and SSM ARNs or {{resolve:...}}, Secret Manager names), templates (${...},
 * {{ }}, $(VAR), <PLACEHOLDER>) and placeholders are not literals. A one-line value is left to
 * findSecret, which knows its key's name.
 */
export function findSecretInConfigFile(value: string): SecretFinding | undefined {
    if (!value.includes("\n")) return undefined;
    const assignment = findSecretAssignment(value) ?? (value.includes("<add") ? findXmlSetting(value) : undefined);
    return assignment ? { kind: `a literal ${assignment.name.slice(0, 64)} in a configuration file`, confidence: "high" } : undefined;
}

/** .NET configuration (web.config, app.config): <add key="ApiKey" value="..." />. */
const XML_SETTING = /<add\s{1,20}key\s{0,20}=\s{0,20}(["'])([^"'<>\n]{1,256})\1\s{1,20}value\s{0,20}=\s{0,20}(["'])([^"'<>\n]{0,1024})\3/gi;

function findXmlSetting(text: string): { name: string; value: string } | undefined {
    XML_SETTING.lastIndex = 0;
    for (let m = XML_SETTING.exec(text); m; m = XML_SETTING.exec(text)) {
        const name = m[2] ?? "";
        const v = m[4] ?? "";
        if (isSecretKeyName(name) && isLiteralSecretValue(v) && looksLikeCredential(v)) return { name, value: v };
    }
    return undefined;
}

/**
 * Finds a secret in a named value: a credential by its shape, or a non-trivial literal value under a
 * secret-sounding key name. Empty or short values, flags, numbers, placeholders and references to
 * secret stores are not secrets. Entropy alone never makes a finding here: see findEntropySecret.
 */
export function findSecret(key: string, value: string): SecretFinding | undefined {
    const byValue = findSecretInValue(value);
    if (byValue) return byValue;
    if (isSecretKeyName(key) && isLiteralSecretValue(value)) return { kind: `value of a key named like a secret (${key})`, confidence: "high" };
    return undefined;
}

// ---------------------------------------------------------------------------------------------
// Public API: entropy

/** PEM blocks that hold public material or ciphertext, not a private key. */
const PUBLIC_PEM = new Set(["CERTIFICATE", "PUBLIC KEY", "RSA PUBLIC KEY", "PGP MESSAGE", "PGP PUBLIC KEY BLOCK", "PGP SIGNATURE", "CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST", "X509 CRL"]);

/**
 * Blanks public PEM blocks and SOPS ciphertext (ENC[...]). Done with indexOf rather than a regex: each
 * search starts where the last one ended, so unterminated blocks cannot make it quadratic.
 */
function maskDelimitedBlocks(text: string): string {
    let out = "";
    let last = 0;
    let from = 0;
    for (;;) {
        const begin = text.indexOf("-----BEGIN ", from);
        if (begin < 0) break;
        const labelEnd = text.indexOf("-----", begin + 11);
        if (labelEnd < 0) break;
        from = labelEnd;
        if (!PUBLIC_PEM.has(text.slice(begin + 11, labelEnd))) continue;
        const end = text.indexOf("-----END", labelEnd + 5);
        if (end < 0) break;
        const close = text.indexOf("-----", end + 8);
        const stop = close < 0 ? text.length : close + 5;
        out += `${text.slice(last, begin)} `;
        last = from = stop;
    }
    if (last > 0) text = out + text.slice(last);
    out = "";
    last = from = 0;
    for (;;) {
        const begin = text.indexOf("ENC[", from);
        if (begin < 0) break;
        const end = text.indexOf("]", begin + 4);
        if (end < 0) break;
        out += `${text.slice(last, begin)} `;
        last = from = end + 1;
    }
    return last > 0 ? out + text.slice(last) : text;
}

/** JavaScript's \s (WhiteSpace and LineTerminator), by character code. */
function isRegexSpaceCode(c: number): boolean {
    if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d);
    return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

const isLetterCode = (c: number) => isLowerCode(c) || isUpperCode(c);
const isAlnumCode = (c: number) => isLetterCode(c) || isDigitCode(c);
/** \w; false for NaN, the code before a text's start. */
const isWordCode = (c: number) => isAlnumCode(c) || c === 95;
const isHexCode = (c: number) => isDigitCode(c) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
/** What a file path's lookbehind accepts before it: [\s"'=:,(\[]. */
const isPathLeadCode = (c: number) => isRegexSpaceCode(c) || c === 0x22 || c === 0x27 || c === 0x3d || c === 0x3a || c === 0x2c || c === 0x28 || c === 0x5b;

/** Whether text[i] is preceded by a non-word character, or starts the text (\b before a word character). */
const afterNonWord = (text: string, i: number) => !isWordCode(text.charCodeAt(i - 1));

/** Whether text[from, to) is all of one class. */
function allIn(text: string, from: number, to: number, isClass: (c: number) => boolean): boolean {
    for (let i = from; i < to; i++) if (!isClass(text.charCodeAt(i))) return false;
    return true;
}

/** [-0-9a-zA-F]: what a resource ID holds from its first "-" on (at least nine characters: "-" and eight hex digits). */
const isResourceIdCode = (c: number) => c === 0x2d || isDigitCode(c) || isLowerCode(c) || (c >= 65 && c <= 70);
const isSchemeCode = (c: number) => isAlnumCode(c) || c === 0x2b || c === 0x2e || c === 0x2d; // [A-Za-z0-9+.-]

/**
 * Where a span part's matches can start, so that its regex is tried at a few positions instead of
 * at every one: every match holds `literal` (a string, or a global regex of three-character literals) `min` to `max`
 * characters after its start, and `startsAt` is a necessary condition on a start `i` given the
 * literal at `at` (what the pattern asserts up to there).
 */
interface SpanAnchor {
    readonly literal: string | RegExp;
    readonly min: number;
    readonly max: number;
    readonly startsAt: (text: string, i: number, at: number) => boolean;
    /** For a part whose start is fixed by the literal's position: that start (then `startsAt` is checked there alone). */
    readonly only?: (text: string, at: number) => number;
}

/** Where the run of lower-case letters that ends at `at` starts (at itself when there is none). */
function lowerRunBefore(text: string, at: number): number {
    let i = at;
    while (i > 0 && isLowerCode(text.charCodeAt(i - 1))) i--;
    return i;
}

interface SpanPart {
    readonly pattern: string;
    /** Parts without an anchor are rare in infrastructure values; their own regex looks for them. */
    readonly anchor?: SpanAnchor;
    /** For parts without an anchor: literals one of which every match contains. */
    readonly needs?: readonly string[];
}

/**
 * Spans that are never credentials in infrastructure code; replaced by a space before tokenising.
 * They are found as one global alternation of the patterns would find them in the line (leftmost,
 * the first part on a tie), but part by part: an alternation tried at every position was the
 * detector's largest cost.
 */
const BENIGN_SPAN_PARTS: readonly SpanPart[] = [
    { pattern: "\\barn:[A-Za-z0-9-]+:[^\\s\"'<>,;]*", anchor: { literal: "arn:", min: 0, max: 0, startsAt: afterNonWord } }, // ARNs
    { pattern: "\\b(?:ssh-(?:rsa|dss|ed25519)|ecdsa-sha2-nistp\\d+|sk-ssh-ed25519@openssh\\.com)[ \\t]+AAAA[A-Za-z0-9+/]+={0,2}", needs: ["AAAA"] }, // SSH public keys
    { pattern: "\\burn:pulumi:[^\\s\"']*", needs: ["urn:pulumi:"] }, // Pulumi URNs
    // IAM unique IDs (and access key IDs, which are not the secret half)
    { pattern: "\\b(?:AIDA|AROA|AGPA|ANPA|ANVA|AIPA|APKA|ASCA|AKIA|ASIA)[A-Z0-9]{16}[A-Z0-9]*\\b", needs: ["AIDA", "AROA", "AGPA", "ANPA", "ANVA", "AIPA", "APKA", "ASCA", "AKIA", "ASIA"] },
    // Digests and SRI hashes
    { pattern: "\\b(?:sha(?:1|224|256|384|512)|md5)[:-][A-Za-z0-9+/=]{16}[A-Za-z0-9+/=]*", anchor: { literal: /sha|md5/g, min: 0, max: 0, startsAt: afterNonWord } },
    // GUIDs/UUIDs: the first "-" is the ninth character.
    {
        pattern: "\\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\\b",
        anchor: { literal: "-", min: 8, max: 8, startsAt: (text, i) => isHexCode(text.charCodeAt(i)) && afterNonWord(text, i) },
    },
    // AWS resource IDs: vpc-, subnet-, eni-perm-, ipam-pool-...; the first "-" follows one to twelve lower-case letters.
    {
        pattern: "(?<![A-Za-z0-9])[a-z]{1,12}(?:-[a-z]{1,12}){0,3}-(?:[0-9a-fA-F]{8}|[0-9a-fA-F]{16}|[0-9a-z]{17})(?![A-Za-z0-9])",
        anchor: { literal: "-", min: 1, max: 12, startsAt: (text, i, at) => !isAlnumCode(text.charCodeAt(i - 1)) && allIn(text, at, at + 9, isResourceIdCode), only: lowerRunBefore },
    },
    { pattern: "<[^<>\\n]{1,200}>", needs: ["<"] }, // <placeholder>, tags
    { pattern: "\\$\\{[^}\\n]{0,200}\\}", needs: ["${"] }, // ${interpolation}
    { pattern: "\\{\\{[^}\\n]{0,200}\\}\\}", needs: ["{{"] }, // {{template}}
    { pattern: "\\bprojects/[^\\s\"']+", needs: ["projects/"] }, // GCP resource names
    { pattern: "/subscriptions/[^\\s\"']+", needs: ["/subscriptions/"] }, // Azure resource IDs
    // URLs (credentials in them are handled below): "://" follows a scheme of one to twenty-one characters.
    {
        pattern: "\\b[A-Za-z][A-Za-z0-9+.-]{0,20}://[^\\s\"'<>]*",
        anchor: { literal: "://", min: 1, max: 21, startsAt: (text, i, at) => isLetterCode(text.charCodeAt(i)) && afterNonWord(text, i) && allIn(text, i + 1, at, isSchemeCode) },
    },
    // File paths: the first "/" is at the start, or after "~", "." or "..".
    {
        pattern: "(?:^|(?<=[\\s\"'=:,(\\[]))(?:~|\\.{1,2})?(?:/[\\w.@+-]+){2,}/?",
        anchor: { literal: "/", min: 0, max: 2, startsAt: (text, i) => i === 0 || isPathLeadCode(text.charCodeAt(i - 1)) },
    },
];

/** Each part's pattern, sticky (tried at an anchor's candidate starts) or global (searched for). */
const SPAN_PART_REGEXES = BENIGN_SPAN_PARTS.map((p) => new RegExp(p.pattern, p.anchor ? "y" : "g"));

/** The parts in the order they are searched for: those anchored on literals that are rare in text first ("-" and "/" last), so that a span found early bounds the search for the others. */
const SPAN_SEARCH_ORDER = BENIGN_SPAN_PARTS.map((_p, i) => i).sort((a, b) => spanSearchRank(a) - spanSearchRank(b) || a - b);

function spanSearchRank(i: number): number {
    const literal = BENIGN_SPAN_PARTS[i]!.anchor?.literal;
    return typeof literal === "string" && literal.length === 1 ? 1 : 0;
}

/** The same without the unanchored parts, for a value that holds none of their literals. */
const ANCHORED_SEARCH_ORDER = SPAN_SEARCH_ORDER.filter((i) => BENIGN_SPAN_PARTS[i]!.anchor);
/** Any literal of an unanchored part. */
const UNANCHORED_SPAN_NEEDS = new RegExp(BENIGN_SPAN_PARTS.flatMap((p) => p.needs ?? []).map(escapeRegex).join("|"));

/** The parts a value's lines are searched for. */
function spanPartsFor(value: string): readonly number[] {
    return UNANCHORED_SPAN_NEEDS.test(value) ? SPAN_SEARCH_ORDER : ANCHORED_SEARCH_ORDER;
}

/**
 * What is known of each part's matches in the line being read, as the scan moves forward: no match
 * starts in [the scan's position, SPAN_CLEAR), and SPAN_START is the match at SPAN_CLEAR (-1 when none is known).
 */
const SPAN_CLEAR = new Int32Array(BENIGN_SPAN_PARTS.length);
const SPAN_START = new Int32Array(BENIGN_SPAN_PARTS.length);
const SPAN_END = new Int32Array(BENIGN_SPAN_PARTS.length);
const NO_MORE = 0x7fffffff;

/** The last line's spans: every caller reads them before it asks for another line's. */
const SPANS: number[] = [];

/** The spans of a line as flat [start, end) pairs: leftmost first, the earlier part on a tie, none overlapping. */
function benignSpansOf(line: string, parts: readonly number[]): readonly number[] {
    for (const k of parts) {
        SPAN_CLEAR[k] = 0;
        SPAN_START[k] = -1;
    }
    const spans = SPANS;
    spans.length = 0;
    // No span is empty, so none starts at the line's end.
    for (let at = 0; at < line.length; ) {
        let first = -1;
        for (const k of parts) {
            // Only a match before the first found so far, or at it from an earlier part, comes first.
            const limit = first < 0 ? line.length : first > k ? SPAN_START[first]! + 1 : SPAN_START[first]!;
            if (spanStartBefore(line, k, at, limit)) first = k;
        }
        if (first < 0) return spans;
        spans.push(SPAN_START[first]!, SPAN_END[first]!);
        at = SPAN_END[first]!;
    }
    return spans;
}

/** Whether part k's leftmost match at or after `at` starts before `limit`. */
function spanStartBefore(line: string, k: number, at: number, limit: number): boolean {
    if (SPAN_START[k]! >= 0 ? SPAN_START[k]! < at : SPAN_CLEAR[k]! < at) {
        SPAN_CLEAR[k] = at;
        SPAN_START[k] = -1;
    }
    if (SPAN_START[k]! < 0 && SPAN_CLEAR[k]! < limit) searchSpan(line, k, SPAN_CLEAR[k]!, limit);
    return SPAN_START[k]! >= 0 && SPAN_START[k]! < limit;
}

function foundSpan(k: number, start: number, end: number): void {
    SPAN_START[k] = start;
    SPAN_END[k] = end;
    SPAN_CLEAR[k] = start >= 0 ? start : NO_MORE;
}

/** Looks for part k's leftmost match at or after `from`, trying anchored starts only below `limit`. */
function searchSpan(line: string, k: number, from: number, limit: number): void {
    const regex = SPAN_PART_REGEXES[k]!;
    const anchor = BENIGN_SPAN_PARTS[k]!.anchor;
    if (!anchor) {
        regex.lastIndex = from;
        const m = regex.exec(line);
        foundSpan(k, m ? m.index : -1, m ? m.index + m[0].length : -1);
        return;
    }
    const { min, max, startsAt, only } = anchor;
    let tried = from - 1;
    for (let at = nextLiteral(line, anchor.literal, from + min); at >= 0; at = nextLiteral(line, anchor.literal, at + 1)) {
        if (at - max >= limit) {
            SPAN_CLEAR[k] = limit;
            return;
        }
        // With `only`, the one start in reach, as a range of at most one position.
        const lowest = only ? Math.max(only(line, at), at - max) : at - max;
        const highest = only ? Math.min(lowest, at - min) : at - min;
        for (let i = Math.max(tried + 1, lowest); i <= highest; i++) {
            if (i >= limit) {
                SPAN_CLEAR[k] = limit;
                return;
            }
            if (!startsAt(line, i, at)) continue;
            regex.lastIndex = i;
            if (regex.test(line)) {
                foundSpan(k, i, regex.lastIndex);
                return;
            }
        }
        tried = Math.max(tried, highest);
    }
    foundSpan(k, -1, -1);
}

/** The first occurrence of a literal (a string, or a global regex of literals all three characters long) at or after `from`, or -1. */
function nextLiteral(text: string, literal: string | RegExp, from: number): number {
    if (typeof literal === "string") return text.indexOf(literal, from);
    literal.lastIndex = from;
    return literal.test(text) ? literal.lastIndex - 3 : -1;
}

/** Characters of TOKEN's class, by code. */
const TOKEN_CHAR = new Uint8Array(128);
for (const c of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/_-") TOKEN_CHAR[c.charCodeAt(0)] = 1;
const TOKEN_MIN = 20;

const isTokenCode = (c: number) => c < 128 && TOKEN_CHAR[c] === 1;

/**
 * Whether text[start, end) has a run of TOKEN_MIN token characters: without one (and without a URL
 * query to keep values from), no token comes out. Reads the last character a run from `from` would
 * need first, and backwards from there: a character outside the class rules out every run that
 * would hold it, so most characters of words and short IDs are never read.
 */
function hasTokenRunIn(text: string, start: number, end: number): boolean {
    for (let from = start; from + TOKEN_MIN <= end; ) {
        let i = from + TOKEN_MIN - 1;
        while (i >= from && isTokenCode(text.charCodeAt(i))) i--;
        if (i < from) return true;
        from = i + 1;
    }
    return false;
}

/** Query parameters, and the names of those whose values are credentials even inside a URL. */
const QUERY_PARAM = /[?&#;]([\w.-]{1,100})=([^&#\s"'<>]+)/g;
const SECRET_PARAM_NAME = /token|key|sig|secret|passw|pwd|auth|credential|code/i;

/** Last words of keys whose values are random but not secrets: IDs, hashes, nonces, versions, names. */
const NOT_SECRET_CONTEXT = new Set(["signature", "id", "ids", "uuid", "guid", "hash", "digest", "checksum", "sha", "md", "commit", "rev", "revision", "version", "etag", "integrity", "nonce", "salt", "fingerprint", "thumbprint", "name", "url", "uri", "path", "file", "arn"]);
/** Words anywhere in such keys that make the value public: public keys, CSRF tokens. */
const PUBLIC_CONTEXT = new Set(["public", "pub", "pubkey", "csrf", "xsrf"]);

/** Keys before tokens recur (every line of a .env file has one): answers are kept, as for isSecretKeyName. */
const notSecretContext = memoizedByKey(keyNamesNotSecret);

function isNotSecretContext(key: string): boolean {
    return key !== "" && notSecretContext(key);
}

function keyNamesNotSecret(key: string): boolean {
    const words = keyWords(lastSegment(key));
    const last = words[words.length - 1];
    return (last !== undefined && NOT_SECRET_CONTEXT.has(last)) || words.some((w) => PUBLIC_CONTEXT.has(w));
}

/** Bits per character a value assigned to a secret-named key needs (gitleaks' generic rule asks 3.5 of 10+ characters). */
const ASSIGNED_MIN_ENTROPY = 3.0;
const HASH_HEX_LENGTHS = new Set([32, 40, 56, 64, 96, 128]);

/**
 * Finds a random-looking token (Shannon entropy over the base64 or hex alphabet, tokens of 20+
 * characters) that is not one of the things infrastructure code is full of: ARNs, IDs, GUIDs,
 * digests, hashes, base64-encoded JSON documents, URLs without credentials, paths, placeholders and
 * documented examples. Advisory: it never feeds findSecret.
 */
export function findEntropySecret(value: string): SecretFinding | undefined {
    if (value.length < 8) return undefined;
    // Next to a secret-named key (DB_PASSWORD=..., "client_secret": "..."), shorter tokens with less entropy count.
    const assignment = findSecretAssignment(value);
    if (assignment && shannonEntropy(assignment.value) >= ASSIGNED_MIN_ENTROPY) {
        return { kind: `random-looking value assigned to ${assignment.name.slice(0, 64)}`, confidence: "entropy" };
    }
    if (value.length < TOKEN_MIN) return undefined;
    const delimited = maskDelimitedBlocks(value);
    // No benign span, token or kept query value spans a line break, so each line is masked and read on its own.
    // Masking only removes characters, except for the query values kept from URLs: a line with neither a
    // long run nor a URL query yields no token and is not masked at all.
    // The next "://" and "=" at or after the line read: kept from line to line, so each is searched for once over the value.
    let scheme = -2;
    let equals = -2;
    // The span parts the value's lines are searched for, worked out at the first line that needs them.
    let parts: readonly number[] | undefined;
    for (let start = 0; start <= delimited.length; ) {
        const newline = delimited.indexOf("\n", start);
        const end = newline < 0 ? delimited.length : newline;
        const hasRun = hasTokenRunIn(delimited, start, end);
        let candidate = hasRun;
        if (!candidate) {
            if (scheme !== -1 && scheme < start) scheme = delimited.indexOf("://", start);
            // Most lines hold no "://": their "=" is not looked for.
            if (scheme >= 0 && scheme < end && equals !== -1 && equals < start) equals = delimited.indexOf("=", start);
            candidate = scheme >= 0 && scheme < end && equals >= 0 && equals < end;
        }
        if (candidate) {
            parts ??= spanPartsFor(delimited);
            const verdict = judgeLine(delimited, start, end, parts, hasRun);
            if (verdict) return { kind: verdict, confidence: "entropy" };
        }
        start = end + 1;
    }
    return undefined;
}

/** A line with its benign spans (as benignSpansOf gives them) blanked: URLs keep only the values of credential-named query parameters. */
function maskLine(line: string, spans: readonly number[]): string {
    if (spans.length === 0) return line;
    let masked = "";
    let last = 0;
    for (let k = 0; k < spans.length; k += 2) {
        const span = line.slice(spans[k]!, spans[k + 1]!);
        masked += line.slice(last, spans[k]!) + (span.includes("://") ? ` ${credentialQueryValues(span).join(" ")} ` : " ");
        last = spans[k + 1]!;
    }
    return masked + line.slice(last);
}

/** The values of a URL's credential-named query parameters, decoded. */
function credentialQueryValues(url: string): string[] {
    const kept: string[] = [];
    QUERY_PARAM.lastIndex = 0;
    for (let q = QUERY_PARAM.exec(url); q; q = QUERY_PARAM.exec(url)) {
        if (SECRET_PARAM_NAME.test(q[1] ?? "")) kept.push(decodeURIComponentSafe(q[2] ?? ""));
    }
    return kept;
}

/** Whether the masked line could hold a token: a run of TOKEN_MIN between spans, or a URL span with a query to keep values from. */
function mayHoldToken(line: string, spans: readonly number[]): boolean {
    // The next "://" and "=" at or after the span read, each searched for once over the line.
    let url = -2;
    let equals = -2;
    let last = 0;
    for (let k = 0; k < spans.length; k += 2) {
        const start = spans[k]!;
        const end = spans[k + 1]!;
        if (hasTokenRunIn(line, last, start)) return true;
        if (url !== -1 && url < start) url = line.indexOf("://", start);
        if (url >= 0 && url + 3 <= end) {
            if (equals !== -1 && equals < start) equals = line.indexOf("=", start);
            if (equals >= 0 && equals < end) return true;
        }
        last = end;
    }
    return hasTokenRunIn(line, last, line.length);
}

/** The verdict on the first random-looking token of the line text[start, end), if any. */
function judgeLine(text: string, start: number, end: number, parts: readonly number[], hasRun: boolean): string | undefined {
    const line = text.slice(start, end);
    const spans = benignSpansOf(line, parts);
    if (spans.length === 0 ? !hasRun : !mayHoldToken(line, spans)) return undefined;
    const masked = maskLine(line, spans);
    for (let from = 0; ; ) {
        const run = nextTokenRun(masked, from);
        if (run === undefined) return undefined;
        from = run.end;
        const token = trimSeparators(masked.slice(run.start, run.end));
        if (token.length < TOKEN_MIN) continue;
        const verdict = judgeToken(token, () => keyBeforeInLine(text, start, parts, masked, run.start));
        if (verdict) return verdict;
    }
}

/**
 * The next match of /[A-Za-z0-9+/_-]{20}[A-Za-z0-9+/_-]*={0,2}/ at or after `from`, by character
 * codes: a maximal run of TOKEN_MIN or more token characters and up to two "=" after it.
 */
function nextTokenRun(text: string, from: number): { start: number; end: number } | undefined {
    for (let i = from; i < text.length; ) {
        if (!isTokenCode(text.charCodeAt(i))) {
            i++;
            continue;
        }
        const start = i;
        while (i < text.length && isTokenCode(text.charCodeAt(i))) i++;
        if (i - start < TOKEN_MIN) continue;
        let end = i;
        while (end < text.length && end - i < 2 && text.charCodeAt(end) === 0x3d) end++;
        return { start, end };
    }
    return undefined;
}

/**
 * keyBefore on the masked text, from a token at `at` in the masked line that starts at text[lineStart]:
 * the line alone answers unless only assignment gaps precede the token there, within keyBefore's reach,
 * and earlier lines exist; then the lines before it are masked too (rare: a value on the line after its key).
 */
function keyBeforeInLine(text: string, lineStart: number, parts: readonly number[], masked: string, at: number): string {
    let gapsOnly = lineStart > 0 && at < KEY_GAP_STEPS;
    for (let i = 0; gapsOnly && i < at; i++) gapsOnly = ASSIGNMENT_GAP.test(masked.charAt(i));
    if (!gapsOnly) return keyBefore(masked, at);
    const before: string[] = [];
    for (let end = lineStart - 1, lines = 0; end >= 0 && lines < KEY_GAP_STEPS; lines++) {
        const start = end === 0 ? 0 : text.lastIndexOf("\n", end - 1) + 1;
        const line = text.slice(start, end);
        before.unshift(maskLine(line, benignSpansOf(line, parts)));
        end = start - 1;
    }
    const context = `${before.join("\n")}\n`;
    return keyBefore(context + masked, context.length + at);
}

const SEPARATORS = new Set(["-", "_", "/", "+"]);

/** The token without leading and trailing -_/+ (a loop: /[-_/+]+$/ rescans the run from every start, quadratic on a---...---a). */
function trimSeparators(token: string): string {
    let start = 0;
    let end = token.length;
    while (start < end && SEPARATORS.has(token.charAt(start))) start++;
    while (end > start && SEPARATORS.has(token.charAt(end - 1))) end--;
    return token.slice(start, end);
}

function decodeURIComponentSafe(s: string): string {
    try {
        return decodeURIComponent(s);
    } catch {
        return s;
    }
}

/** Returns a kind if the token looks like a generated secret, else undefined. */
function judgeToken(token: string, keyOf: () => string): string | undefined {
    // Every check but the verdict refuses and none has side effects, so they run cheapest and most
    // refusing first: the character classes and the entropy (which the verdict needs anyway), then
    // what reads the token again; the key before the token (the costliest, and rarely needed) last.
    // A long run likely holds a placeholder mark (0{10}, xxxx), which the regex stops at: there, that is the cheapest refusal.
    const typedFirst = token.length > LONG_TOKEN;
    if (typedFirst && isTypedToken(token)) return undefined;
    const bare = token.charCodeAt(token.length - 1) === 0x3d ? withoutTrailingEquals(token) : token;
    const bits = classBits(bare);
    const hex = bare.length > 0 && (bits & (HAS_OTHER | HAS_LOWER_NON_HEX | HAS_UPPER_NON_HEX)) === 0; // /^[0-9a-fA-F]+$/
    if (hex) {
        // Hex up to 40 characters is an ID or a hash far more often than a secret; so are the hash lengths.
        if (bare.length <= 40 || HASH_HEX_LENGTHS.has(bare.length) || !(bits & (HAS_LOWER | HAS_UPPER)) || !(bits & HAS_DIGIT)) return undefined;
        const h = shannonEntropy(bare);
        if (!(h >= 3.0 && h >= 0.85 * expectedRandomEntropy(bare.length, 16))) return undefined;
        if (!typedFirst && isTypedToken(token)) return undefined;
        return isNotSecretContext(keyOf()) ? undefined : `high-entropy hex string (${h.toFixed(1)} bits/char)`;
    }
    // Words, identifiers and single-case letters are not generated secrets.
    const mixedCase = (bits & (HAS_LOWER | HAS_UPPER)) === (HAS_LOWER | HAS_UPPER);
    if (charClasses(bare, bits) < 2 || (!(bits & HAS_DIGIT) && !mixedCase)) return undefined;
    const h = shannonEntropy(bare);
    const expected = expectedRandomEntropy(bare.length, alphabetSize(bare, bits));
    if (h < Math.min(4.5, 0.9 * expected) || h < 3.5) return undefined;
    // Base64 of text (encoded seeds, documents) is the commonest token left here.
    if (isEncodedText(token) || (!typedFirst && isTypedToken(token))) return undefined;
    // Resource paths: app/iris-ecs-lb-9bc97f2/9bc97f2cd061eaed, models/iris/1/model.
    if ((bare.includes("/") && bare.split("/").every(isPathSegment)) || looksLikeWords(bare)) return undefined;
    if (isNotSecretContext(keyOf())) return undefined;
    return `high-entropy string (${h.toFixed(1)} bits/char)`;
}

/** Tokens longer than this are checked for typed content before anything else. */
const LONG_TOKEN = 256;

/** Digits only, a documented example, a placeholder or a hand-typed sequence: typed by a person, not generated. */
function isTypedToken(token: string): boolean {
    return /^\d+$/.test(token) || DOCUMENTED_EXAMPLES.has(token) || isPlaceholder(token) || hasSequentialRun(token, 5);
}

/** The token without its trailing "=" padding. */
function withoutTrailingEquals(token: string): string {
    let end = token.length;
    while (end > 0 && token.charCodeAt(end - 1) === 0x3d) end--;
    return token.slice(0, end);
}

/** A segment of a resource path: words, a short hex ID, or lower-case kebab-case (iris-ecs-lb-9bc97f2). */
function isPathSegment(segment: string): boolean {
    return segment.length <= 3 || /^[0-9a-f]{1,40}$/.test(segment) || /^[a-z0-9]+(?:[-_.][a-z0-9]+)+$/.test(segment) || looksLikeWords(segment);
}

/** The key a token is assigned to, if any: `name = "TOKEN"`, `"name": "TOKEN"`, `name=TOKEN`. */
function keyBefore(text: string, at: number): string {
    let i = at;
    let steps = 0;
    let assigns = false;
    while (i > 0 && steps < KEY_GAP_STEPS && ASSIGNMENT_GAP.test(text.charAt(i - 1))) {
        i--;
        steps++;
        assigns ||= text.charAt(i) === ":" || text.charAt(i) === "=";
    }
    if (!assigns) return "";
    let start = i;
    while (start > 0 && i - start < 64 && IDENT_CHAR.test(text.charAt(start - 1))) start--;
    return text.slice(start, i);
}

/** How many assignment-gap characters keyBefore steps back over, at most. */
const KEY_GAP_STEPS = 8;

/** What sits between a key and its value: quotes, spaces, := and =>. */
const ASSIGNMENT_GAP = /[\s"'`:=>]/;

/**
 * Base64 of a JSON document (an IAM policy, a config) or of plain words (a sentence, a host name) is
 * data, unless the document holds a credential or the text reads like user:password.
 */
function isEncodedText(token: string): boolean {
    if (token.length % 4 === 1) return false;
    const decoded = decodeBase64Text(token);
    if (decoded.length === 0 || !/^[\t\n\r\x20-\x7e\u00a0-\ufffc]*$/.test(decoded)) return false;
    const head = decoded.trimStart().charAt(0);
    if (head === "{" || head === "[") return findSecretInValue(decoded) === undefined;
    return !decoded.includes(":") && (looksLikeWords(decoded) || hasSequentialRun(decoded, 6));
}

/** Scratch space for decodeBase64Text: a Buffer allocated per token cost more than the rest of isEncodedText. */
const DECODE_BUFFER = Buffer.allocUnsafe(64 * 1024);
const NON_ASCII = /[^\x00-\x7f]/;

/** Buffer.from(token, "base64").toString("utf8") (Node reads both base64 alphabets), decoded into DECODE_BUFFER. */
function decodeBase64Text(token: string): string {
    if (token.length > DECODE_BUFFER.length) return Buffer.from(token, "base64").toString("utf8");
    const length = DECODE_BUFFER.write(token, 0, "base64");
    // Bytes below 0x80 read the same in Latin-1 as in UTF-8, and Latin-1 is the cheaper read.
    const latin1 = DECODE_BUFFER.toString("latin1", 0, length);
    return NON_ASCII.test(latin1) ? DECODE_BUFFER.toString("utf8", 0, length) : latin1;
}

/** Redacts a secret for messages: its length only. */
export function redact(value: string): string {
    return `[redacted, ${value.length} characters]`;
}
