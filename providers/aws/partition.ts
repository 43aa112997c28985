// Which AWS partition a region is in, by the region patterns of the AWS SDKs' partitions.json
// (aws/aws-sdk-js-v3 packages/util-endpoints/src/lib/aws/partitions.json): ARNs and service domains differ
// per partition, and the validator admits China, GovCloud and the ISO regions.
const PARTITIONS: readonly { readonly pattern: RegExp; readonly partition: string; readonly dnsSuffix: string }[] = [
    { pattern: /^cn-\w+-\d+$/, partition: "aws-cn", dnsSuffix: "amazonaws.com.cn" },
    { pattern: /^us-gov-\w+-\d+$/, partition: "aws-us-gov", dnsSuffix: "amazonaws.com" },
    { pattern: /^us-iso-\w+-\d+$/, partition: "aws-iso", dnsSuffix: "c2s.ic.gov" },
    { pattern: /^us-isob-\w+-\d+$/, partition: "aws-iso-b", dnsSuffix: "sc2s.sgov.gov" },
    { pattern: /^eu-isoe-\w+-\d+$/, partition: "aws-iso-e", dnsSuffix: "cloud.adc-e.uk" },
    { pattern: /^us-isof-\w+-\d+$/, partition: "aws-iso-f", dnsSuffix: "csp.hci.ic.gov" },
];

/** The partition of a region: "aws", "aws-cn", "aws-us-gov", or an ISO partition. */
export function awsPartition(region: string): string {
    return PARTITIONS.find((p) => p.pattern.test(region))?.partition ?? "aws";
}

/** The service domain suffix of a region's partition, e.g. amazonaws.com.cn in China. */
export function awsDnsSuffix(region: string): string {
    return PARTITIONS.find((p) => p.pattern.test(region))?.dnsSuffix ?? "amazonaws.com";
}
