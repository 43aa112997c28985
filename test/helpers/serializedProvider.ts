import { createRequire } from "node:module";
import * as path from "node:path";
import * as vm from "node:vm";
import * as pulumi from "@pulumi/pulumi";

/** Serializes a dynamic provider as dynamic.Resource does (`() => provider`, the provider in a local variable). */
export async function serializeProvider(provider: pulumi.dynamic.ResourceProvider): Promise<{ text: string; containsSecrets: boolean }> {
    const captured = provider;
    return pulumi.runtime.serializeFunction(() => captured, { allowSecrets: true });
}

/** Loads serialized provider text the way Pulumi's dynamic provider host does (a CommonJS module in the project). */
export function loadSerializedProvider(text: string): pulumi.dynamic.ResourceProvider {
    const wrapper = vm.runInThisContext(`(function (exports, require, module, __filename, __dirname) {${text}\n})`) as (...args: unknown[]) => void;
    const mod = { exports: {} as { handler: () => pulumi.dynamic.ResourceProvider } };
    const root = path.resolve(__dirname, "..", "..");
    wrapper(mod.exports, createRequire(path.join(root, "package.json")), mod, path.join(root, "provider.js"), root);
    return mod.exports.handler();
}
