import type { CloudRules } from "./types";

/** kubernetes: autonaming and API rules of the resource types the project plans. */
export const KUBERNETES_RULES: CloudRules = {
    autonames: [],
    rules: [],
};
