// Preloaded (node --require) into the processes the gRPC engine mode starts: the policy pack serves gRPC until
// it is killed, so if the plan that started it dies without killing it, it leaves once it is orphaned.
"use strict";
const parent = process.ppid;
setInterval(() => {
    if (process.ppid !== parent) process.exit(1);
}, 1000).unref();
