import { PolicyPack } from "@pulumi/policy";
import { POLICIES } from "./rules";

new PolicyPack("model-service-guardrails", { policies: POLICIES });
