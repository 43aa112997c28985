// Preloaded into a measured process: reports its peak resident memory when it exits.
const fs = require("node:fs");
process.on("exit", () => {
    const file = process.env.BENCH_PEAK_FILE;
    if (file) fs.writeFileSync(file, String(process.resourceUsage().maxRSS));
});
