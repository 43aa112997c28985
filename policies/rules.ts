import type { Policies } from "@pulumi/policy";
import { AZURE_STORAGE_POLICIES } from "./azureBlobPublicAccess";
import { GCS_POLICIES } from "./gcsPublicAccess";
import { LEAKED_SECRET_POLICIES } from "./leakedSecrets";
import { LOAD_BALANCER_POLICIES } from "./publicLoadBalancer";
import { S3_POLICIES } from "./s3PublicAccess";

/** Every rule of the pack. Tests and the offline engine import this list; only index.ts builds the PolicyPack. */
export const POLICIES: Policies = [...S3_POLICIES, ...GCS_POLICIES, ...AZURE_STORAGE_POLICIES, ...LOAD_BALANCER_POLICIES, ...LEAKED_SECRET_POLICIES];
