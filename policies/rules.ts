import type { Policies } from "@pulumi/policy";
import { s3BucketHasPublicAccessBlock, s3NoPublicAcl, s3PublicAccessBlockComplete } from "./storage";

/** Every rule of the pack. Tests and the offline engine import this list; only index.ts builds the PolicyPack. */
export const POLICIES: Policies = [s3PublicAccessBlockComplete, s3NoPublicAcl, s3BucketHasPublicAccessBlock];
