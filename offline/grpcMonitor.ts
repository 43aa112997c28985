import { Empty, engineProto, engineRpc, grpc, resourceProto, resourceRpc } from "./grpcRuntime";

type Callback = (err: unknown, response?: unknown) => void;
type Handler = (req: any, callback: Callback) => unknown;

/** What the in-process mock monitor (@pulumi/pulumi runtime/mocks.ts MockMonitor) answers: the same object serves both engines. */
export interface MonitorBackend {
    registerResource: Handler;
    registerResourceOutputs: Handler;
    readResource: Handler;
    invoke: Handler;
    supportsFeature: Handler;
    getDeploymentInfo: Handler;
    registerPackage: Handler;
}

export interface EngineLog {
    readonly severity: "debug" | "info" | "warning" | "error";
    readonly message: string;
    readonly urn?: string;
}

export interface LoopbackEngine {
    /** host:port of the ResourceMonitor and Engine services, for --monitor and --engine. */
    readonly address: string;
    readonly logs: EngineLog[];
    close(): Promise<void>;
}

const SEVERITY = ["debug", "info", "warning", "error"] as const;

type GrpcCallback = (err: { code: number; details: string } | null, response?: unknown) => void;

/** Answers with a real message class: the MockMonitor answers some calls with plain objects, which gRPC cannot serialize. */
function unary(handler: Handler, reply?: (res: any) => unknown) {
    return (call: { request: unknown }, callback: GrpcCallback) => {
        try {
            void handler(call.request, (err, res) => (err ? callback(toGrpcError(err)) : callback(null, reply ? reply(res) : res)));
        } catch (err) {
            callback(toGrpcError(err));
        }
    };
}

function toGrpcError(err: unknown): { code: number; details: string } {
    return { code: grpc.status.UNKNOWN, details: err instanceof Error ? err.message : String(err) };
}

/**
 * A loopback engine for Pulumi's own runner: the ResourceMonitor service (resource.proto) backed by the
 * mock monitor, and the Engine service (engine.proto) that receives the program's log and root resource.
 */
export async function serveLoopbackEngine(monitor: MonitorBackend): Promise<LoopbackEngine> {
    const logs: EngineLog[] = [];
    let rootUrn = "";
    const server = new grpc.Server({ "grpc.max_receive_message_length": 400 * 1024 * 1024 });
    server.addService(resourceRpc.ResourceMonitorService, {
        supportsFeature: unary(monitor.supportsFeature.bind(monitor), (res: { getHassupport(): boolean }) => {
            const out = new resourceProto.SupportsFeatureResponse();
            out.setHassupport(res.getHassupport());
            return out;
        }),
        getDeploymentInfo: unary(monitor.getDeploymentInfo.bind(monitor)),
        registerResource: unary(monitor.registerResource.bind(monitor)),
        registerResourceOutputs: unary(monitor.registerResourceOutputs.bind(monitor), () => new Empty()),
        readResource: unary(monitor.readResource.bind(monitor)),
        invoke: unary(monitor.invoke.bind(monitor)),
        registerPackage: unary(monitor.registerPackage.bind(monitor)),
        // Legacy stack transformations run inside the program; only callback-based transforms come here.
        registerStackTransform: unary((_req, cb) => cb(null), () => new Empty()),
        registerStackInvokeTransform: unary((_req, cb) => cb(null), () => new Empty()),
        signalAndWaitForShutdown: unary((_req, cb) => cb(null), () => new Empty()),
    });
    server.addService(engineRpc.EngineService, {
        log: unary(
            (req: { getSeverity(): number; getMessage(): string; getUrn(): string }, cb) => {
                logs.push({ severity: SEVERITY[req.getSeverity()] ?? "info", message: req.getMessage(), ...(req.getUrn() ? { urn: req.getUrn() } : {}) });
                cb(null);
            },
            () => new Empty(),
        ),
        getRootResource: unary(
            (_req, cb) => cb(null),
            () => {
                const res = new engineProto.GetRootResourceResponse();
                res.setUrn(rootUrn);
                return res;
            },
        ),
        setRootResource: unary(
            (req: { getUrn(): string }, cb) => {
                rootUrn = req.getUrn();
                cb(null);
            },
            () => new engineProto.SetRootResourceResponse(),
        ),
    });
    const port = await new Promise<number>((resolve, reject) => server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
    return {
        address: `127.0.0.1:${port}`,
        logs,
        close: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
    };
}
