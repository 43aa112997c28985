// The plan pool's client for tests that must plan synchronously: a worker thread asks the run's plan pool
// (offline/planPool.ts, started by planPool.globalSetup.ts) over its socket while the test's thread waits on
// Atomics.wait, then takes the answer with receiveMessageOnPort. A process started per plan (spawnSync) cost
// about 55 ms of CPU each, some 150 times a run.
"use strict";
const { MessageChannel, receiveMessageOnPort, Worker } = require("node:worker_threads");

const WORKER = `
const net = require("node:net");
const { parentPort } = require("node:worker_threads");
parentPort.on("message", ({ socket, request, port, flag }) => {
    let reply = "";
    let failure = "";
    const done = () => {
        port.postMessage({ reply, failure });
        port.close();
        Atomics.store(flag, 0, 1);
        Atomics.notify(flag, 0);
    };
    const conn = net.connect(socket, () => conn.write(request + "\\n"));
    conn.setEncoding("utf8");
    conn.on("data", (d) => (reply += d));
    conn.on("end", done);
    conn.on("error", (err) => {
        failure = "plan pool at " + socket + ": " + err.message;
        conn.destroy();
        done();
    });
});
`;

const ANSWER_TIMEOUT_MS = 300_000;
let worker;

/** The pool's answer to one request line (JSON), or a thrown error that says why there is none. */
function requestPlanSync(socket, request) {
    if (!worker) {
        worker = new Worker(WORKER, { eval: true });
        worker.unref();
    }
    const flag = new Int32Array(new SharedArrayBuffer(4));
    const { port1, port2 } = new MessageChannel();
    worker.postMessage({ socket, request, port: port2, flag }, [port2]);
    // A blocked thread cannot be timed out by vitest: give up as the slowest plan never would.
    if (Atomics.wait(flag, 0, 0, ANSWER_TIMEOUT_MS) === "timed-out") throw new Error(`plan pool at ${socket}: no answer within ${ANSWER_TIMEOUT_MS / 1000} s to ${request}`);
    const message = receiveMessageOnPort(port1);
    port1.close();
    if (!message) throw new Error(`plan pool at ${socket}: no answer to ${request}`);
    if (message.message.failure) throw new Error(message.message.failure);
    return message.message.reply;
}

module.exports = { requestPlanSync };
