// Preloaded into every measured process (NODE_OPTIONS, so the processes a plan starts too): each reports
// its peak resident memory when it exits, in a file of its own beside BENCH_PEAK_FILE.
const fs = require("node:fs");
process.on("exit", () => {
    const file = process.env.BENCH_PEAK_FILE;
    if (file) fs.writeFileSync(`${file}.${process.pid}`, String(process.resourceUsage().maxRSS));
});
