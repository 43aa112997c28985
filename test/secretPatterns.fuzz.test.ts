import { describe, expect, it } from "vitest";
import { infrastructureValue } from "../bench/detector";
import { DETECTOR_LIMITS, findEntropySecret, findSecret, findSecretInValue, scanWindows } from "../policies/secretPatterns";

/**
 * Seeded fuzzing of the credential detector: invented credentials of known formats, and random
 * tokens, mixed into infrastructure-like noise at random offsets (in short values and in values long
 * enough to be scanned in windows). The noise alone must give no finding; with one credential spliced
 * in at an offset the finding must name its format; with that credential blanked again, none.
 */

const UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const LOWER = "abcdefghijklmnopqrstuvwxyz";
const DIGITS = "0123456789";
const ALNUM = UPPER + LOWER + DIGITS;
const HEX = "0123456789abcdef";

/** A small LCG: the same cases on every run, so a failure names a reproducible case. */
function seeded(seed: number) {
    let x = seed >>> 0;
    const int = (n: number) => {
        x = (Math.imul(x, 1103515245) + 12345) >>> 0;
        return (x >>> 8) % n;
    };
    const text = (alphabet: string, length: number) => Array.from({ length }, () => alphabet.charAt(int(alphabet.length))).join("");
    const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
    return { int, text, pick };
}
type Random = ReturnType<typeof seeded>;

/** Invented credentials, one generator per format, each whole (word boundaries are the caller's). */
const FORMATS: readonly { kind: string; make: (r: Random) => string }[] = [
    { kind: "AWS access key id", make: (r) => `AKIA${r.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)}` },
    { kind: "GitHub token", make: (r) => `ghp_${r.text(ALNUM, 36)}` },
    { kind: "GitLab token", make: (r) => `glpat-${r.text(ALNUM, 20)}` },
    { kind: "Stripe secret key", make: (r) => `sk_live_${r.text(ALNUM, 24)}` },
    { kind: "npm token", make: (r) => `npm_${r.text(ALNUM, 36)}` },
    { kind: "Google API key", make: (r) => `AIza${r.text(`${ALNUM}-_`, 35)}` },
    { kind: "Databricks token", make: (r) => `dapi${r.text(HEX, 32)}` },
    { kind: "Pulumi access token", make: (r) => `pul-${r.text(HEX, 40)}` },
    { kind: "Shopify access token", make: (r) => `shpat_${r.text(HEX, 32)}` },
    { kind: "private key", make: (r) => `-----BEGIN PRIVATE KEY-----\n${r.text(ALNUM, 64)}\n${r.text(ALNUM, 64)}\n-----END PRIVATE KEY-----` },
    {
        kind: "JSON web token",
        make: (r) => `${Buffer.from('{"alg":"HS256","typ":"JWT"}').toString("base64url")}.${Buffer.from(`{"sub":"${r.text(DIGITS, 10)}"}`).toString("base64url")}.${r.text(`${ALNUM}-_`, 43)}`,
    },
    { kind: "password in a URL", make: (r) => `postgres://app:${r.text(ALNUM, 18)}@db.internal:5432/orders` },
];

/** Infrastructure-like lines (ARNs, image digests, descriptions, URIs, request IDs) that give no finding. */
function noiseLines(r: Random, count: number): string[] {
    return Array.from({ length: count }, () => {
        const { name, value } = infrastructureValue(r.int(100000) * 6 + r.int(5));
        return `${name}=${value}`;
    });
}

const LEADS = ["", "CREDENTIAL_VALUE=", "value: ", '"data": "', " "];
/**
 * Leads that name no key, or a key that says nothing: a token right at a line start would take its key
 * from the line before (REQUEST_ID=<uuid>, its value blanked), which the last test covers.
 */
const TOKEN_LEADS = ["data=", "blob: ", '"data": "', "x "];

/** The lines joined, with a lead and `insert` spliced in at a random line: its offset in the text is returned. */
function splice(r: Random, lines: readonly string[], insert: string, leads = LEADS): { text: string; at: number } {
    const line = r.int(lines.length + 1);
    const head = lines.slice(0, line).join("\n");
    const lead = `${line > 0 ? "\n" : ""}${r.pick(leads)}`;
    const tail = `${r.pick(["", '"', " ", ";"])}${line < lines.length ? "\n" : ""}${lines.slice(line).join("\n")}`;
    return { text: `${head}${lead}${insert}${tail}`, at: head.length + lead.length };
}

/** A random mixed-class token that the entropy detector flags on its own (a few random draws read as words or sequences and are not). */
function flaggedToken(r: Random): string {
    for (;;) {
        const token = `${r.text(UPPER, 4)}${r.text(DIGITS, 4)}${r.text(LOWER, 4)}${r.text(ALNUM, 20 + r.int(40))}`;
        if (findEntropySecret(token) !== undefined) return token;
    }
}

/** The text with [at, at + length) blanked: the credential gone, every other offset unchanged. */
const blank = (text: string, at: number, length: number) => `${text.slice(0, at)}${" ".repeat(length)}${text.slice(at + length)}`;

describe("credential detector, seeded fuzzing", () => {
    it("finds each known format spliced into short infrastructure-like values at random offsets, and nothing once it is blanked", () => {
        const r = seeded(20261202);
        for (let n = 0; n < 240; n++) {
            const lines = noiseLines(r, 1 + r.int(30));
            expect(findSecretInValue(lines.join("\n")), `noise of case ${n}`).toBeUndefined();
            const format = FORMATS[n % FORMATS.length]!;
            const secret = format.make(r);
            const { text, at } = splice(r, lines, secret);
            expect(text.slice(at, at + secret.length)).toBe(secret);
            expect(findSecretInValue(text)?.kind, `case ${n}: ${format.kind} at ${at}`).toBe(format.kind);
            expect(findSecret("value", text)?.kind, `case ${n}`).toBe(format.kind);
            expect(findSecretInValue(blank(text, at, secret.length)), `case ${n}, blanked`).toBeUndefined();
        }
    });

    it("finds each known format in a value scanned in windows: at the start, the end, random offsets and on window borders", () => {
        const r = seeded(7);
        const lines = noiseLines(r, 9000);
        const long = lines.join("\n");
        expect(long.length).toBeGreaterThan(2 * DETECTOR_LIMITS.WINDOW);
        expect(findSecretInValue(long)).toBeUndefined();
        const borders = scanWindows(long).flatMap(([start, end]) => [start, end]).filter((b) => b > 0 && b < long.length);
        const offsets = [0, long.length, ...borders.flatMap((b) => [b - 1, b, b + 1]), ...Array.from({ length: 6 }, () => r.int(long.length))];
        offsets.forEach((offset, n) => {
            const format = FORMATS[n % FORMATS.length]!;
            const secret = format.make(r);
            const text = `${long.slice(0, offset)}\n${secret}\n${long.slice(offset)}`;
            expect(findSecretInValue(text)?.kind, `${format.kind} at ${offset}`).toBe(format.kind);
            expect(findSecretInValue(blank(text, offset + 1, secret.length)), `blanked at ${offset}`).toBeUndefined();
        });
    });

    it("finds a random token spliced into infrastructure-like values by entropy, and nothing once it is blanked", () => {
        const r = seeded(424242);
        for (let n = 0; n < 200; n++) {
            const lines = noiseLines(r, 1 + r.int(30));
            expect(findEntropySecret(lines.join("\n")), `noise of case ${n}`).toBeUndefined();
            const token = flaggedToken(r);
            const { text, at } = splice(r, lines, token, TOKEN_LEADS);
            expect(findEntropySecret(text)?.kind, `case ${n} at ${at}`).toMatch(/^high-entropy string \(\d\.\d bits\/char\)$/);
            expect(findEntropySecret(blank(text, at, token.length)), `case ${n}, blanked`).toBeUndefined();
        }
    });

    it("reads the key of a token on the line after it, through blanked spans, as one scan of the value would", () => {
        const r = seeded(99);
        const token = flaggedToken(r);
        const noise = noiseLines(r, 5).join("\n");
        // An id is not a secret, whichever line its value sits on; "data" says nothing either way.
        for (const [before, found] of [
            ["id:\n  ", false],
            ["id=${ID}\n", false],
            ["id: <id>\n\n", false],
            ["REQUEST_ID=94a18756-4b1e-4c2a-9f3d-0007ada618fa\n ", false],
            ["data:\n  ", true],
            ["data=${ID}\n", true],
        ] as const) {
            expect(findEntropySecret(`${noise}\n${before}${token}`) !== undefined, JSON.stringify(before)).toBe(found);
        }
    });
});
