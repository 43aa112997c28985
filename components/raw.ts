import type { SageMakerService } from "../providers/aws/sagemaker";
import type { EcsService } from "../providers/aws/ecs";
import type { VertexService } from "../providers/gcp/vertex";
import type { GkeService } from "../providers/gcp/gke";
import type { AzureMlService } from "../providers/azure/azureml";
import type { AksService } from "../providers/azure/aks";
import type { Runtime } from "./contract";

/**
 * What `ModelService.raw` resolves to: the chosen runtime's component, told apart by `runtime`, with its
 * typed resources (`endpoint` on sagemaker, `service` and `loadBalancer` on ecs, `cluster` on gke and
 * aks, ...) beside `children`, every child by role. Type-only imports: no runtime module is loaded here.
 */
export type ModelServiceRaw = SageMakerService | EcsService | VertexService | GkeService | AzureMlService | AksService;

/** The raw component of one runtime, e.g. `RawOf<"ecs">` is EcsService. */
export type RawOf<R extends Runtime> = Extract<ModelServiceRaw, { readonly runtime: R }>;
