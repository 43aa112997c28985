import type { CloudRules } from "./types";

/** azure: autonaming and API rules of the resource types the project plans. */
export const AZURE_RULES: CloudRules = {
    autonames: [],
    rules: [],
};
