// Runs npm scripts side by side (`node scripts/runTogether.cjs typecheck lint`): on two cores the
// single-threaded type-check and lint finish in the time of the longer one. Each script's output is
// printed whole when it ends, so the two never interleave; the exit code is the first failure's.
"use strict";
const { spawn } = require("node:child_process");

const names = process.argv.slice(2);
const npm = process.env.npm_execpath ? [process.execPath, [process.env.npm_execpath]] : ["npm", []];
const runs = names.map(
    (name) =>
        new Promise((resolve) => {
            const child = spawn(npm[0], [...npm[1], "run", name], { stdio: ["ignore", "pipe", "pipe"] });
            const output = [];
            child.stdout.on("data", (d) => output.push(d));
            child.stderr.on("data", (d) => output.push(d));
            child.on("error", (err) => resolve({ name, code: 1, output: Buffer.from(`${err.message}\n`) }));
            child.on("close", (code, signal) => resolve({ name, code: code ?? (signal ? 1 : 0), output: Buffer.concat(output) }));
        }).then((run) => {
            process.stdout.write(`> npm run ${run.name}: ${run.code === 0 ? "ok" : `exit ${run.code}`}\n`);
            process.stdout.write(run.output);
            return run.code;
        }),
);
Promise.all(runs).then((codes) => {
    process.exitCode = codes.find((c) => c !== 0) ?? 0;
});
