import { describe, expect, it } from "vitest";
import { parseEcrImage } from "../components/ecrImage";

describe("ECR image URIs", () => {
    it("reads account, region and repository from a tag or a digest, in China too", () => {
        expect(parseEcrImage("123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/server:1.2")).toEqual({ account: "123456789012", region: "eu-west-1", repository: "team/server" });
        expect(parseEcrImage(`123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/server@sha256:${"a".repeat(64)}`)).toEqual({ account: "123456789012", region: "cn-north-1", repository: "server" });
    });

    it("is not fooled by other registries or a missing tag", () => {
        expect(parseEcrImage("us-docker.pkg.dev/p/r/server:1")).toBeUndefined();
        expect(parseEcrImage("123456789012.dkr.ecr.eu-west-1.amazonaws.com/server")).toBeUndefined();
        expect(parseEcrImage("123456789012.dkr.ecr.eu-west-1.amazonaws.com.evil.example/server:1")).toBeUndefined();
    });
});
