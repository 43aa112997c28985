// Preloaded (node --require) into every Pulumi process the offline tools start (Pulumi's runner, the policy
// analyzer, the test workers) and required first by offline/launch.cjs. It removes two costs @pulumi/pulumi
// pays in every process, for things a plan never reads, without changing what any code sees:
//
// 1. runtime/closure/codePaths.js requires @npmcli/arborist when the SDK loads: 0.2-0.3 s, about half of
//    loading @pulumi/pulumi, yet only computeCodePaths (which packages a function's dependencies for an
//    archive, and which no plan calls) uses it. codePaths.js gets a module whose Arborist loads the real one
//    on first use.
// 2. runtime/debuggable.js's debuggablePromise, called for every output of every resource, formats a stack
//    trace (`new Error().stack`) that is read only if the program leaks promises. Formatting is what costs:
//    12% of a plan server's time, and under Pulumi's runner, whose ts-node maps every frame through source
//    maps, a fifth of the program's (node offline/launch.cjs bench/planServer; --cpu-prof of a gRPC plan).
//    This debuggablePromise captures the same frames when it is called and formats them when they are read.
"use strict";
const Module = require("node:module");

const CODE_PATHS = /[\\/]@pulumi[\\/]pulumi[\\/]runtime[\\/]closure[\\/]codePaths\.js$/;
const DEBUGGABLE = /[\\/]@pulumi[\\/]pulumi[\\/]runtime[\\/]debuggable\.js$/;

function deferredArborist(load, request, parent, isMain) {
    let real;
    // __esModule: the SDK's __importStar then takes this object as it is, without reading every export.
    return {
        __esModule: true,
        get Arborist() {
            real ??= load.call(Module, request, parent, isMain);
            return real.Arborist;
        },
    };
}

/** Replaces debuggablePromise with one that leaves the stack trace's formatting until it is read; every caller reads the export when it calls. */
function withLazyStackTraces(debuggable) {
    const original = debuggable.debuggablePromise;
    if (typeof original !== "function" || original.lazyStackTraces) return;
    const debuggablePromise = function (p, ctx) {
        // V8 records the frames now and formats them on the first read of .stack: the same text, later.
        const trace = new Error();
        // The original defines _debugStackTrace (writable, value: new Error().stack): made configurable first,
        // so it can be turned into a getter, and formatted with no frames meanwhile.
        Object.defineProperty(p, "_debugStackTrace", { configurable: true, writable: true, value: undefined });
        const limit = Error.stackTraceLimit;
        Error.stackTraceLimit = 0;
        let result;
        try {
            result = original(p, ctx);
        } finally {
            Error.stackTraceLimit = limit;
        }
        Object.defineProperty(p, "_debugStackTrace", {
            configurable: true,
            get() {
                const stack = trace.stack;
                Object.defineProperty(p, "_debugStackTrace", { writable: true, value: stack });
                return stack;
            },
            set(value) {
                Object.defineProperty(p, "_debugStackTrace", { writable: true, value });
            },
        });
        return result;
    };
    debuggablePromise.lazyStackTraces = true;
    debuggable.debuggablePromise = debuggablePromise;
}

if (!Module._load.pulumiCosts) {
    const load = Module._load;
    const patched = function (request, parent, isMain) {
        if (request === "@npmcli/arborist" && parent && CODE_PATHS.test(parent.filename ?? "")) return deferredArborist(load, request, parent, isMain);
        const exports = load.apply(this, arguments);
        if (request.endsWith("debuggable") && parent && exports && typeof exports.debuggablePromise === "function" && DEBUGGABLE.test(Module._resolveFilename(request, parent, isMain))) withLazyStackTraces(exports);
        return exports;
    };
    patched.pulumiCosts = true;
    Module._load = patched;
}
