import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseStackConfig, type RawStackConfig } from "../config";

const P = "model-service";

/** A throwaway project: Pulumi.yaml, a model folder, and the traps an attacker or a careless user sets. */
let project: string;
let outside: string;
let socketServer: net.Server;

beforeAll(async () => {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), "artifact-path-"));
    project = path.join(base, "project");
    outside = path.join(base, "outside");
    fs.mkdirSync(path.join(project, "models", "iris"), { recursive: true });
    fs.writeFileSync(path.join(project, "Pulumi.yaml"), "name: model-service\n");
    fs.writeFileSync(path.join(project, "Pulumi.dev.yaml"), "config: {}\n");
    fs.writeFileSync(path.join(project, "models", "iris", "model.onnx"), "onnx");
    fs.mkdirSync(path.join(project, "with-stack"));
    fs.writeFileSync(path.join(project, "with-stack", "model.onnx"), "onnx");
    fs.mkdirSync(path.join(project, "with-stack", "nested"));
    fs.writeFileSync(path.join(project, "with-stack", "nested", "Pulumi.prod.yaml"), "config: {}\n");
    fs.mkdirSync(path.join(project, "with-git", ".git"), { recursive: true });
    fs.writeFileSync(path.join(project, "with-git", "model.onnx"), "onnx");
    fs.mkdirSync(outside);
    fs.writeFileSync(path.join(outside, "model.onnx"), "onnx");
    fs.symlinkSync(outside, path.join(project, "link-out"));
    fs.symlinkSync(path.join(project, "models", "iris"), path.join(project, "link-in"));
    execFileSync("mkfifo", [path.join(project, "models", "pipe")]);
    socketServer = net.createServer();
    await new Promise<void>((resolve) => socketServer.listen(path.join(project, "models", "sock"), resolve));
});

afterAll(() => {
    socketServer?.close();
    fs.rmSync(path.dirname(project), { recursive: true, force: true });
});

function problemsFor(modelArtifact: string, extra: Record<string, string> = {}) {
    const raw: RawStackConfig = {
        stack: "test",
        projectDir: project,
        secretKeys: new Set(),
        values: { "aws:region": "us-east-1", [`${P}:image`]: "123456789012.dkr.ecr.us-east-1.amazonaws.com/server:1.0", [`${P}:modelArtifact`]: modelArtifact, ...extra },
    };
    return parseStackConfig(raw).problems;
}

describe("modelArtifact: only the project's (or an allow-listed folder's) own files are uploaded", () => {
    it.each([
        ["models/iris", "a folder inside the project"],
        ["models/iris/model.onnx", "a file inside the project"],
        ["link-in", "a symlink that stays inside the project"],
    ])("accepts %s (%s)", (artifact) => {
        expect(problemsFor(artifact)).toEqual([]);
    });

    const refused: [string, () => string, RegExp][] = [
        ["a climb out of the project", () => "../../../../etc/passwd", /resolves to \/etc\/passwd, outside the project/],
        ["an absolute path outside", () => "/proc/self/environ", /(resolves|leads through a symlink) to \/proc\/.*environ, outside the project/],
        ["an absolute path to a device", () => "/dev/zero", /outside the project/],
        ["the file system root", () => "/", /the file system root/],
        ["a symlink leading out", () => "link-out/model.onnx", /leads through a symlink to .*outside\/model\.onnx, outside the project/],
        ["a named pipe inside the project", () => "models/pipe", /is a named pipe \(FIFO\)/],
        ["a socket inside the project", () => "models/sock", /is a socket/],
        ["the project folder itself", () => ".", /is the project folder itself/],
        ["a folder holding a stack file", () => "with-stack", /holds a Pulumi project or stack file \(nested\/Pulumi\.prod\.yaml\)/],
        ["a folder holding .git", () => "with-git", /holds a Git repository \(\.git\)/],
        ["a stack file", () => "Pulumi.dev.yaml", /is a Pulumi project or stack file/],
        ["an empty value", () => "", /is required/],
    ];
    it.each(refused)("refuses %s, naming modelArtifact, what was refused and the fix", (_, artifact, message) => {
        const problems = problemsFor(artifact());
        expect(problems).toHaveLength(1);
        expect(problems[0]).toMatchObject({ key: "modelArtifact", message: expect.stringMatching(message) });
        expect(problems[0]!.fix.length).toBeGreaterThan(10);
    });

    it("accepts a path outside the project inside modelArtifactRoot, and only there", () => {
        expect(problemsFor(path.join(outside, "model.onnx"), { [`${P}:modelArtifactRoot`]: outside })).toEqual([]);
        expect(problemsFor("link-out", { [`${P}:modelArtifactRoot`]: outside })).toEqual([]);
        const [p] = problemsFor("/etc/hostname", { [`${P}:modelArtifactRoot`]: outside });
        expect(p).toMatchObject({ key: "modelArtifact", message: expect.stringContaining(`outside modelArtifactRoot (${fs.realpathSync(outside)})`) });
    });

    it.each([
        ["/", /which would allow every file below it/],
        [os.homedir(), /which would allow every file below it/],
        ["does-not-exist", /does not exist/],
    ])("refuses modelArtifactRoot %s", (root, message) => {
        const problems = problemsFor("models/iris", { [`${P}:modelArtifactRoot`]: root });
        expect(problems.map((p) => p.key)).toEqual(["modelArtifactRoot"]);
        expect(problems[0]!.message).toMatch(message);
    });
});
