import type { CloudRules } from "./types";

/** aws: autonaming and API rules of the resource types the project plans. */
export const AWS_RULES: CloudRules = {
    autonames: [],
    rules: [],
};
