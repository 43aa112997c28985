/**
 * A value on each side of every pattern and forbidden-word rule in components/cloudRules (other kinds
 * derive theirs from the check). test/contract.test.ts fails for a rule without an entry here.
 */
export const PATTERN_EXAMPLES: Readonly<Record<string, { readonly pass: string; readonly fail: string }>> = {
    // aws
    "aws.s3.bucket.name": { pass: "iris-aws-artifacts-1a2b3c4", fail: "Iris_Artifacts" },
    "aws.s3.bucket.suffix": { pass: "iris-artifacts", fail: "iris-artifacts-s3alias" },
    "aws.iam.role.name": { pass: "iris-sagemaker-serving-role-1a2b3c4", fail: "role with spaces" },
    "aws.iam.policy.name": { pass: "iris-invoker-1a2b3c4", fail: "policy/with/slashes" },
    "aws.sagemaker.model.name": { pass: "iris-sagemaker-model-1a2b3c4", fail: "iris_model" },
    "aws.sagemaker.endpointConfiguration.name": { pass: "iris-config-1a2b3c4", fail: "-iris-config" },
    "aws.sagemaker.endpoint.name": { pass: "iris-dev-1a2b3c", fail: "iris.dev" },
    "aws.ecr.repository.name": { pass: "iris-aws-images-1a2b3c4", fail: "Iris-Images" },
    "aws.logs.logGroup.name": { pass: "/aws/sagemaker/Endpoints/iris-dev-1a2b3c", fail: "logs with spaces" },
    "aws.sns.topic.name": { pass: "iris-alarms-1a2b3c4", fail: "iris.alarms" },
    "aws.sns.topic.alarmKey": { pass: "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab", fail: "alias/aws/sns" },
    "aws.lb.loadBalancer.name": { pass: "iris-ecs-lb-1a2b3c4", fail: "internal-iris-lb" },
    "aws.lb.targetGroup.name": { pass: "iris-ecs-targets-1a2b3c4", fail: "iris_targets" },
    "aws.ecs.taskDefinition.family": { pass: "iris-dev-1a2b3c", fail: "iris dev" },
    "aws.ecs.service.name": { pass: "iris-ecs-service-1a2b3c4", fail: "iris/service" },
    "aws.budgets.budget.name": { pass: "iris-aws-budget-1a2b3c4", fail: "iris:budget" },
    "aws.ec2.securityGroupIngressRule.cidrIpv4": { pass: "203.0.113.0/24", fail: "2001:db8::/48" },
    // azure
    "azure.resources.resourceGroup.name.pattern": { pass: "iris-azure-rg1a2b3c4d", fail: "iris-azure-rg." },
    "azure.storage.account.name.pattern": { pass: "irisst1a2b3c4d5e", fail: "iris-storage" },
    "azure.storage.container.name.pattern": { pass: "models", fail: "Models--old" },
    "azure.containerregistry.registry.name.pattern": { pass: "iriscr1a2b3c4d5e", fail: "iris-registry" },
    "azure.keyvault.vault.name.pattern": { pass: "iris-azure-kv1a2b3c4d", fail: "iris--azure-kv" },
    "azure.keyvault.secret.name.pattern": { pass: "hf-token", fail: "hf_token" },
    "azure.operationalinsights.workspace.name.pattern": { pass: "iris-azure-logs1a2b3c4d", fail: "-iris-logs" },
    "azure.machinelearningservices.workspace.name.pattern": { pass: "iris-azureml-workspace1a2b3c4d", fail: "-iris-workspace" },
    "azure.machinelearningservices.onlineEndpoint.name.pattern": { pass: "iris-azureml-endpoint1a2b3c4d", fail: "1iris-endpoint" },
    "azure.machinelearningservices.onlineDeployment.name.pattern": { pass: "v1-1a2b3c4d", fail: "v1_1a2b3c4d" },
    "azure.containerservice.managedCluster.name.pattern": { pass: "iris-dev", fail: "iris-dev-" },
    "azure.managedidentity.userAssignedIdentity.name.pattern": { pass: "iris-aks-workload-identity1a2b3c4d", fail: "-iris-identity" },
    "azure.insights.dataCollectionEndpoint.name.pattern": { pass: "iris-aks-prometheus-dce1a2b3c4d", fail: "iris_dce" },
    "azure.insights.dataCollectionRule.name.pattern": { pass: "iris-aks-prometheus-dcr1a2b3c4d", fail: "-iris-dcr" },
    // kubernetes
    "kubernetes.core.namespace.name": { pass: "iris-classifier", fail: "Iris_Classifier" },
    "kubernetes.core.service.loadBalancerSourceRanges": { pass: "10.128.0.0/9", fail: "10.128.0.0" },
    "kubernetes.networking.networkPolicy.ipBlock": { pass: "203.0.113.0/24", fail: "203.0.113.0/33" },
};
