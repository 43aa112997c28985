import type { CloudRules } from "./types";

/** gcp: autonaming and API rules of the resource types the project plans. */
export const GCP_RULES: CloudRules = {
    autonames: [],
    rules: [],
};
