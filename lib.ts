/**
 * The package entry for Pulumi programs that use ModelService as a library (package.json `exports`).
 * It loads no cloud SDK and reads no stack config: a service loads its runtime's SDK when constructed,
 * and every setting comes from the args. The stack program (index.ts) is one user of this entry.
 */
export { ModelService, ServiceArgsError } from "./components/modelService";
export type { Problem } from "./components/validate";
export type {
    AwsServiceArgs,
    AzureServiceArgs,
    Cloud,
    GcpServiceArgs,
    Gpu,
    ImageSource,
    InvokeInfo,
    ModelArtifact,
    ModelServiceArgs,
    RolloutStrategy,
    Runtime,
    ServiceOutputs,
    ServingContract,
    Size,
} from "./components/contract";
export type { ModelServiceRaw, RawOf } from "./components/raw";
export type { SageMakerService } from "./providers/aws/sagemaker";
export type { EcsService } from "./providers/aws/ecs";
export type { VertexService } from "./providers/gcp/vertex";
export type { GkeService } from "./providers/gcp/gke";
export type { AzureMlService } from "./providers/azure/azureml";
export type { AksService } from "./providers/azure/aks";
