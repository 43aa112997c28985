import * as net from "node:net";

/** A parsed CIDR block: its family, the first address as a number, and the prefix length. */
export interface Cidr {
    readonly family: 4 | 6;
    readonly network: bigint;
    readonly prefix: number;
}

const BITS = { 4: 32, 6: 128 } as const;

/** Clients may together cover at most this share of an address space, unless allowedCidrsMaxShare says otherwise: one /8. */
export const DEFAULT_MAX_SHARE = 1 / 256;

function ipv4ToBigInt(address: string): bigint {
    return address.split(".").reduce((acc, octet) => (acc << 8n) | BigInt(Number(octet)), 0n);
}

function ipv6ToBigInt(address: string): bigint {
    let text = address;
    // An IPv4 tail (::ffff:10.0.0.1) is the last two 16-bit groups.
    const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
    if (dotted) {
        const v4 = ipv4ToBigInt(dotted[1]!);
        text = `${text.slice(0, dotted.index)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
    }
    const [head, tail] = text.includes("::") ? text.split("::") : [text, undefined];
    const left = head ? head.split(":") : [];
    const right = tail ? tail.split(":") : [];
    const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill("0"), ...right];
    return groups.reduce((acc, group) => (acc << 16n) | BigInt(parseInt(group, 16)), 0n);
}

function format(family: 4 | 6, value: bigint): string {
    if (family === 4) return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join(".");
    const groups = Array.from({ length: 8 }, (_, i) => ((value >> BigInt(112 - 16 * i)) & 0xffffn).toString(16));
    // RFC 5952: the longest run of two or more zero groups becomes "::".
    let best = { start: -1, length: 1 };
    for (let i = 0; i < 8; i++) {
        let j = i;
        while (j < 8 && groups[j] === "0") j++;
        if (j - i > best.length) best = { start: i, length: j - i };
    }
    if (best.start < 0) return groups.join(":");
    return `${groups.slice(0, best.start).join(":")}::${groups.slice(best.start + best.length).join(":")}`;
}

/** Parses ADDRESS/PREFIX strictly: no zone ids, no leading zeros in the prefix, no host bits. */
export function parseCidr(text: string): { cidr?: Cidr; error?: string } {
    const parts = text.split("/");
    if (parts.length !== 2 || !/^(0|[1-9]\d{0,2})$/.test(parts[1]!)) return { error: "is not a CIDR block" };
    const [address, prefixText] = parts as [string, string];
    const family = address.includes("%") ? 0 : net.isIP(address);
    if (family !== 4 && family !== 6) return { error: "is not a CIDR block" };
    const prefix = Number(prefixText);
    if (prefix > BITS[family]) return { error: `has a prefix longer than ${BITS[family]} bits` };
    const value = family === 4 ? ipv4ToBigInt(address) : ipv6ToBigInt(address);
    const hostBits = BigInt(BITS[family] - prefix);
    const network = (value >> hostBits) << hostBits;
    if (network !== value) return { error: `has host bits set: the network is ${format(family, network)}/${prefix}` };
    return { cidr: { family, network, prefix } };
}

/** The share of its family's address space that a set of blocks covers together (overlaps counted once). */
export function coveredShare(cidrs: readonly Cidr[], family: 4 | 6): number {
    const ranges = cidrs
        .filter((c) => c.family === family)
        .map((c) => [c.network, c.network + (1n << BigInt(BITS[family] - c.prefix))] as const)
        .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    let covered = 0n;
    let end = -1n;
    for (const [start, stop] of ranges) {
        if (stop <= end) continue;
        covered += stop - (start > end ? start : end);
        end = stop;
    }
    // Exact up to 2^-52 of the space, which is finer than any share that can be configured.
    const scale = BigInt(BITS[family] - 52);
    return family === 4 ? Number(covered) / 2 ** 32 : Number(covered >> scale) / 2 ** 52;
}

/** Parses "1/N" (or a decimal below 1) into a share of the address space. */
export function parseShare(text: string): number | undefined {
    const fraction = /^1\/([1-9]\d{0,12})$/.exec(text.trim());
    if (fraction) return Number(fraction[1]) >= 2 ? 1 / Number(fraction[1]) : undefined;
    const decimal = /^0?\.\d+$/.test(text.trim()) ? Number(text) : NaN;
    return decimal > 0 && decimal < 1 ? decimal : undefined;
}

/** Describes a share for people: 1/256 rather than 0.00390625. */
export function describeShare(share: number): string {
    const inverse = Math.round(1 / share);
    return Math.abs(1 / inverse - share) < share * 1e-9 ? `1/${inverse}` : `${Number((share * 100).toPrecision(3))}%`;
}

/** Every problem with a list of client networks: unparsable blocks, host bits, and too wide a set. */
export function cidrProblems(cidrs: readonly string[], maxShare: number): { index?: number; value: unknown; message: string; fix: string }[] {
    const problems: { index?: number; value: unknown; message: string; fix: string }[] = [];
    const parsed: Cidr[] = [];
    cidrs.forEach((text, index) => {
        const { cidr, error } = parseCidr(text);
        if (error?.startsWith("has host bits set") && text.endsWith("/0")) {
            problems.push({ index, value: text, message: "has prefix /0, which opens the endpoint to every address", fix: "list your clients' networks instead, or leave public off" });
        } else if (error) {
            const network = /the network is (\S+)$/.exec(error)?.[1];
            problems.push({ index, value: text, message: error, fix: network ? `write the network address, ${network}` : "write it as ADDRESS/PREFIX, e.g. 10.0.0.0/16 or 2001:db8::/48" });
        } else if (cidr!.prefix === 0) {
            problems.push({ index, value: text, message: "opens the endpoint to every address", fix: "list your clients' networks instead, or leave public off" });
        } else {
            parsed.push(cidr!);
        }
    });
    for (const family of [4, 6] as const) {
        if (parsed.filter((c) => c.family === family).length === 0) continue;
        const share = coveredShare(parsed, family);
        if (share > maxShare) {
            const whole = share >= 1;
            problems.push({
                value: cidrs.filter((text) => parseCidr(text).cidr?.family === family).join(", "),
                message: whole
                    ? `together cover the whole IPv${family} address space`
                    : `together cover ${describeShare(share)} of the IPv${family} address space, more than allowedCidrsMaxShare (${describeShare(maxShare)})`,
                fix: whole ? "list your clients' networks instead, or leave public off" : "list narrower client networks, or raise allowedCidrsMaxShare (e.g. 1/16) if such a wide range is really meant",
            });
        }
    }
    return problems;
}
