import { describe, expect, it } from "vitest";
import { evaluatePolicies, plaintextSecretsInState } from "../offline/evaluatePolicies";
import { POLICIES } from "../policies/rules";
import { resource } from "./helpers/resources";

const ALL_ON = { blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true };
const BUCKET = "aws:s3/bucket:Bucket";
const BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock";

describe("S3 public access rules", () => {
    it("pass a bucket whose block (found by property dependency) has all four settings on", async () => {
        const bucket = resource(BUCKET, {});
        const block = resource(BLOCK, { bucket: "<unknown>", ...ALL_ON }, { propertyDependencies: { bucket: [bucket.urn] } });
        expect(await evaluatePolicies(POLICIES, [bucket, block])).toEqual([]);
    });

    it("flag a bucket without any public access block", async () => {
        const bucket = resource(BUCKET, { bucket: "data" });
        const violations = await evaluatePolicies(POLICIES, [bucket]);
        expect(violations).toEqual([expect.objectContaining({ policy: "s3-bucket-public-access-blocked", level: "mandatory", urn: bucket.urn })]);
        expect(violations[0]?.message).toMatch(/^Add an aws\.s3\.BucketPublicAccessBlock/);
    });

    it("flag a block that turns a setting off, and do not count it as protecting the bucket", async () => {
        const bucket = resource(BUCKET, { bucket: "data" });
        const block = resource(BLOCK, { bucket: "data", ...ALL_ON, restrictPublicBuckets: false });
        const violations = await evaluatePolicies(POLICIES, [bucket, block]);
        expect(violations.map((v) => [v.policy, v.urn])).toEqual([
            ["s3-public-access-block-complete", block.urn],
            ["s3-bucket-public-access-blocked", bucket.urn],
        ]);
        expect(violations[0]?.message).toContain("Set restrictPublicBuckets to true");
    });

    it("match a block to its bucket by name when no dependency is recorded", async () => {
        const bucket = resource(BUCKET, { bucket: "named" });
        const block = resource(BLOCK, { bucket: "named", ...ALL_ON });
        expect(await evaluatePolicies(POLICIES, [bucket, block])).toEqual([]);
    });

    it("flag public canned ACLs on buckets", async () => {
        const bucket = resource(BUCKET, { bucket: "web", acl: "public-read" });
        const block = resource(BLOCK, { bucket: "web", ...ALL_ON });
        const violations = await evaluatePolicies(POLICIES, [bucket, block]);
        expect(violations.map((v) => v.policy)).toEqual(["s3-no-public-acl"]);
        expect(violations[0]?.message).toContain("Remove the 'public-read' ACL");
    });
});

describe("plaintext secrets reaching state (offline engine only)", () => {
    const fakeKey = ["AKIA", "Q7ZT", "M3XW", "PL4N", "B2VR"].join("");

    it("flags a credential-shaped input that is not marked secret, without echoing it", () => {
        const fn = resource("aws:lambda/function:Function", { environment: { variables: { AWS_KEY_ID: fakeKey } } });
        const [violation, ...rest] = plaintextSecretsInState([fn]);
        expect(rest).toEqual([]);
        expect(violation).toMatchObject({ policy: "no-plaintext-secret-in-state", level: "mandatory", urn: fn.urn });
        expect(violation?.message).toContain("environment.variables.AWS_KEY_ID");
        expect(violation?.message).not.toContain(fakeKey);
    });

    it("accepts the same value when the input path is marked secret", () => {
        const fn = resource("aws:lambda/function:Function", { environment: { variables: { AWS_KEY_ID: fakeKey } } }, { secretInputs: ["environment.variables.AWS_KEY_ID"] });
        expect(plaintextSecretsInState([fn])).toEqual([]);
    });

    it("leaves ARNs and references under secret-sounding names alone", () => {
        const model = resource("aws:sagemaker/model:Model", { environment: { SECRET_TOKEN_ARN: "arn:aws:secretsmanager:us-east-1:123456789012:secret:x-AbCdEf" } });
        expect(plaintextSecretsInState([model])).toEqual([]);
    });
});
