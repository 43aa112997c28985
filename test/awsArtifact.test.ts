import { describe, expect, it } from "vitest";
import { parseS3Artifact } from "../providers/aws/artifactStore";
import { readArtifact } from "../providers/aws/servingRole";
import { one, planJsonMany, statementsOf } from "./helpers/plan";

describe("existing s3:// artifacts (issue 15 item 16)", () => {
    it("normalises a prefix to end in /, keeps an archive or a single file as one object, and reads a bare bucket whole", () => {
        expect(parseS3Artifact("s3://b/models/iris/1")).toEqual({ bucket: "b", key: "models/iris/1/", uri: "s3://b/models/iris/1/", kind: "prefix" });
        expect(parseS3Artifact("s3://b/models/iris/1/")).toMatchObject({ key: "models/iris/1/", kind: "prefix" });
        expect(parseS3Artifact("s3://b/models/iris/1/model.tar.gz")).toMatchObject({ key: "models/iris/1/model.tar.gz", kind: "archive" });
        expect(parseS3Artifact("s3://b/models/iris/model.onnx")).toEqual({ bucket: "b", key: "models/iris/model.onnx", uri: "s3://b/models/iris/model.onnx", kind: "object" });
        expect(parseS3Artifact("s3://b")).toEqual({ bucket: "b", key: "", uri: "s3://b/", kind: "prefix" });
        expect(parseS3Artifact("s3://b/")).toMatchObject({ key: "", kind: "prefix" });
    });

    it("grants exactly what each shape needs: the prefix, the one object, or the bucket", () => {
        const [read, list] = readArtifact("arn:aws:s3:::b", "models/iris/1/");
        expect(read!.Resource).toBeDefined();
        expect(list!.Condition).toEqual({ StringLike: { "s3:prefix": ["models/iris/1/", "models/iris/1/*"] } });
        expect(readArtifact("arn:aws:s3:::b", "models/iris/model.onnx")[1]!.Condition).toEqual({ StringLike: { "s3:prefix": ["models/iris/model.onnx"] } });
        const whole = readArtifact("arn:aws:s3:::b", "");
        expect(whole[1]).toEqual({ Sid: "ListModelPrefix", Effect: "Allow", Action: "s3:ListBucket", Resource: "arn:aws:s3:::b" });
    });

    it("sagemaker: a prefix without / is read as S3Prefix ending in /, a single file as S3Object, a bare bucket from its root", async () => {
        const [prefix, file, bucket] = await planJsonMany(
            ["s3://models-b/iris/1", "s3://models-b/iris/model.onnx", "s3://models-b"].map((uri) => ["--stack", "dev", "--config", `modelArtifact=${uri}`]),
        );
        const source = (doc: NonNullable<typeof prefix>["doc"]) => (one(doc, "aws:sagemaker/model:Model").inputs.primaryContainer as any).modelDataSource.s3DataSources[0];
        const read = (doc: NonNullable<typeof prefix>["doc"]) => statementsOf(one(doc, "aws:iam/rolePolicy:RolePolicy").inputs.policy).find((s) => s.Sid === "ReadModelArtifact")?.Resource;
        expect(source(prefix!.doc)).toEqual({ s3Uri: "s3://models-b/iris/1/", s3DataType: "S3Prefix", compressionType: "None" });
        expect(read(prefix!.doc)).toBe("arn:aws:s3:::models-b/iris/1/*");
        expect(source(file!.doc)).toEqual({ s3Uri: "s3://models-b/iris/model.onnx", s3DataType: "S3Object", compressionType: "None" });
        expect(read(file!.doc)).toBe("arn:aws:s3:::models-b/iris/model.onnx");
        expect(source(bucket!.doc)).toEqual({ s3Uri: "s3://models-b/", s3DataType: "S3Prefix", compressionType: "None" });
        expect(read(bucket!.doc)).toBe("arn:aws:s3:::models-b/*");
        for (const run of [prefix, file, bucket]) expect(run!.doc.errors).toEqual([]);
    });
});
