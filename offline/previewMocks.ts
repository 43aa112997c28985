import type * as pulumi from "@pulumi/pulumi";
import { AUTONAMES } from "../components/cloudRules";
import { UNKNOWN_WIRE } from "./grpcRuntime";

/**
 * Answers as the engine does in a dry run (`pulumi preview`) for a resource that does not exist yet: the
 * provider's Check has run (a name left unset is autonamed, and known), Create has not, so the id and
 * every output the provider computes are unknown. Provider resources get an unknown id too
 * (pkg/resource/deploy/providers/registry.go, Create: `id := UnknownID` when preview). Data sources
 * still answer: the engine invokes them during a preview.
 */
export class PreviewMocks implements pulumi.runtime.Mocks {
    constructor(private readonly known: pulumi.runtime.Mocks) {}

    newResource(args: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult {
        const result = this.known.newResource(args) as pulumi.runtime.MockResourceResult;
        if (args.custom === false) return result;
        if (args.type.startsWith("pulumi:providers:")) return { id: undefined, state: result.state };
        const autonamed = AUTONAMES.get(args.type)?.property;
        const state: Record<string, unknown> = {};
        for (const [key, value] of Object.entries(result.state)) {
            if (key in args.inputs) state[key] = args.inputs[key];
            else if (key === autonamed) state[key] = value;
            else state[key] = UNKNOWN_WIRE;
        }
        return { id: undefined, state };
    }

    call(args: pulumi.runtime.MockCallArgs): Record<string, any> {
        return this.known.call(args) as Record<string, any>;
    }
}
