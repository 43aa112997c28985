/** An ECR image URI: account, region, repository, and a tag or digest (ecr.<region>.amazonaws.com, .com.cn in China). */
const ECR_IMAGE = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/([a-z0-9][a-z0-9._/-]*)(?::[\w.-]+|@sha256:[a-f0-9]{64})$/;

/**
 * Parses an ECR image URI into the parts an IAM policy needs. Its own module, so that validation and
 * the AWS registry both use it without the providers importing the validator (an import cycle).
 */
export function parseEcrImage(uri: string): { account: string; region: string; repository: string } | undefined {
    const m = ECR_IMAGE.exec(uri);
    if (!m) return undefined;
    return { account: m[1]!, region: m[2]!, repository: m[3]! };
}
