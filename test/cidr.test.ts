import { describe, expect, it } from "vitest";
import { cidrProblems, coveredShare, parseCidr, parseShare, type Cidr } from "../components/cidr";
import { parseStackConfig, type RawStackConfig } from "../config";
import { PROJECT_DIR } from "./helpers/plan";

const P = "model-service";

describe("parseCidr", () => {
    it.each([
        ["10.0.0.0/8", 4, 8],
        ["192.168.1.0/24", 4, 24],
        ["203.0.113.7/32", 4, 32],
        ["2001:db8::/32", 6, 32],
        ["2001:db8:0:1::/64", 6, 64],
        ["::ffff:10.0.0.0/104", 6, 104],
        ["::1/128", 6, 128],
    ])("accepts %s", (text, family, prefix) => {
        expect(parseCidr(text)).toEqual({ cidr: expect.objectContaining({ family, prefix }) });
    });

    it.each([
        ["10.0.0.1/8", "has host bits set: the network is 10.0.0.0/8"],
        ["0.0.0.1/0", "has host bits set: the network is 0.0.0.0/0"],
        ["192.168.1.1/24", "has host bits set: the network is 192.168.1.0/24"],
        ["2001:db8::1/32", "has host bits set: the network is 2001:db8::/32"],
        ["2001:db8:0:0:1::/64", "has host bits set: the network is 2001:db8::/64"],
        ["10.0.0.0/33", "has a prefix longer than 32 bits"],
        ["::/129", "has a prefix longer than 128 bits"],
        ["10.0.0.0", "is not a CIDR block"],
        ["10.0.0.0/08", "is not a CIDR block"],
        ["10.0.0.0/8/8", "is not a CIDR block"],
        ["010.0.0.0/8", "is not a CIDR block"],
        ["fe80::%eth0/64", "is not a CIDR block"],
        ["10.0.0/8", "is not a CIDR block"],
        ["example.com/24", "is not a CIDR block"],
        ["", "is not a CIDR block"],
    ])("refuses %s: %s", (text, error) => {
        expect(parseCidr(text)).toEqual({ error });
    });
});

describe("coveredShare", () => {
    const cidrs = (...texts: string[]): Cidr[] => texts.map((t) => parseCidr(t).cidr!);
    it.each([
        [["10.0.0.0/8"], 4, 1 / 256],
        [["10.0.0.0/8", "10.1.0.0/16"], 4, 1 / 256],
        [["0.0.0.0/1", "128.0.0.0/1"], 4, 1],
        [["10.0.0.0/9", "10.128.0.0/9"], 4, 1 / 256],
        [["10.0.0.0/8", "11.0.0.0/8"], 4, 2 / 256],
        [["2001:db8::/32", "10.0.0.0/8"], 6, 2 ** -32],
        [["::/1", "8000::/1"], 6, 1],
    ])("%j covers %d: %d", (texts, family, share) => {
        expect(coveredShare(cidrs(...texts), family as 4 | 6)).toBeCloseTo(share, 12);
    });
});

describe("cidrProblems: blocks and sets that open the endpoint to (nearly) everyone", () => {
    const share = 1 / 256;
    it.each([
        [["10.0.0.0/16"]],
        [["10.0.0.0/8"]],
        [["10.0.0.0/9", "10.128.0.0/9"]],
        [["203.0.113.0/24", "2001:db8::/48"]],
    ])("accepts %j", (cidrs) => {
        expect(cidrProblems(cidrs, share)).toEqual([]);
    });

    it.each([
        [["0.0.0.0/0"], "opens the endpoint to every address"],
        [["10.0.0.0/0"], "has prefix /0, which opens the endpoint to every address"],
        [["0.0.0.1/0"], "has prefix /0, which opens the endpoint to every address"],
        [["2001:db8::/0"], "has prefix /0, which opens the endpoint to every address"],
        [["::/0"], "opens the endpoint to every address"],
        [["::0/0"], "opens the endpoint to every address"],
        [["0.0.0.0/1", "128.0.0.0/1"], "together cover the whole IPv4 address space"],
        [["::/1", "8000::/1"], "together cover the whole IPv6 address space"],
        [["10.0.0.0/7"], "together cover 1/128 of the IPv4 address space, more than allowedCidrsMaxShare (1/256)"],
        [["10.0.0.0/8", "12.0.0.0/8"], "together cover 1/128 of the IPv4 address space, more than allowedCidrsMaxShare (1/256)"],
        [["10.0.0.0/8", "12.0.0.0/8", "14.0.0.0/8"], "together cover 1.17% of the IPv4 address space, more than allowedCidrsMaxShare (1/256)"],
    ])("refuses %j: %s", (cidrs, message) => {
        const problems = cidrProblems(cidrs, share);
        expect(problems.map((p) => p.message)).toContain(message);
        for (const p of problems) expect(p.fix.length).toBeGreaterThan(10);
    });

    it("takes a wider share when one is configured", () => {
        expect(cidrProblems(["10.0.0.0/7"], 1 / 16)).toEqual([]);
        expect(parseShare("1/16")).toBe(1 / 16);
        expect(parseShare("1/1")).toBeUndefined();
        expect(parseShare("2")).toBeUndefined();
        expect(parseShare("half")).toBeUndefined();
    });
});

describe("allowedCidrs in stack config", () => {
    function problemsOf(values: Record<string, string>) {
        const raw: RawStackConfig = {
            stack: "test",
            projectDir: PROJECT_DIR,
            secretKeys: new Set(),
            values: { "aws:region": "us-east-1", [`${P}:modelArtifact`]: "examples/iris-onnx", [`${P}:image`]: "123456789012.dkr.ecr.us-east-1.amazonaws.com/server:1.0", ...values },
        };
        return parseStackConfig(raw).problems;
    }

    it("names allowedCidrs, the value and the fix for each refused block, and for a set too wide together", () => {
        const problems = problemsOf({ [`${P}:allowedCidrs`]: '["10.0.0.1/8","0.0.0.0/1","128.0.0.0/1"]' });
        expect(problems).toEqual([
            { key: "allowedCidrs", value: '"10.0.0.1/8"', message: "has host bits set: the network is 10.0.0.0/8", fix: "write the network address, 10.0.0.0/8" },
            { key: "allowedCidrs", value: '"0.0.0.0/1, 128.0.0.0/1"', message: "together cover the whole IPv4 address space", fix: expect.stringContaining("leave public off") },
        ]);
    });

    it("reads allowedCidrsMaxShare, and refuses one that is not a share", () => {
        expect(problemsOf({ [`${P}:allowedCidrs`]: '["10.0.0.0/7"]', [`${P}:allowedCidrsMaxShare`]: "1/64" })).toEqual([]);
        expect(problemsOf({ [`${P}:allowedCidrs`]: '["10.0.0.0/7"]' }).map((p) => p.key)).toEqual(["allowedCidrs"]);
        expect(problemsOf({ [`${P}:allowedCidrsMaxShare`]: "all" })).toEqual([expect.objectContaining({ key: "allowedCidrsMaxShare", value: '"all"' })]);
    });
});
