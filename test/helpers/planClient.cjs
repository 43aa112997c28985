// Asks the test run's plan pool (offline/planPool.ts, started by planPool.globalSetup.ts) for one plan and prints its answer: the way a
// test that must plan synchronously (spawnSync) still uses the pool's warm servers.
"use strict";
const net = require("node:net");

const [socket, request] = process.argv.slice(2);
const conn = net.connect(socket, () => conn.write(`${request}\n`));
conn.setEncoding("utf8");
conn.on("data", (d) => process.stdout.write(d));
conn.on("error", (err) => {
    process.stderr.write(`plan pool at ${socket}: ${err.message}\n`);
    process.exitCode = 1;
});
