import { describe, expect, it } from "vitest";
import { ofType, one, planJson } from "./helpers/plan";

// Issue 14 items 12 and 14: with public false, the azureml endpoint is reached through a private
// endpoint of its workspace (created here, in a network from config or a created one), and allowedCidrs
// is honoured where the runtime can (aks) and refused where it cannot (azureml).

const IMAGE = "myregistry.azurecr.io/server:1";
const AZUREML = ["--stack", "dev", "--config", "cloud=azure", "--config", `image=${IMAGE}`];
const SUBNET = "/subscriptions/00000000-0000-4000-8000-0000000000aa/resourceGroups/network-rg/providers/Microsoft.Network/virtualNetworks/corp-eastus/subnets/ml-private";

describe("azureml with public false: the workspace's private endpoint and DNS (issue 14 item 12)", { timeout: 180_000 }, () => {
    const { code, doc } = planJson(AZUREML);

    it("plans cleanly and keeps the endpoint's public network access off", () => {
        expect(code).toBe(0);
        expect(doc.contract).toEqual([]);
        expect((one(doc, "azure-native:machinelearningservices:OnlineEndpoint").inputs as any).properties.publicNetworkAccess).toBe("Disabled");
    });

    it("puts a private endpoint of the workspace (amlworkspace) in the created network's subnet", () => {
        const vnet = one(doc, "azure-native:network:VirtualNetwork");
        expect((vnet.inputs as any).addressSpace).toEqual({ addressPrefixes: ["10.250.0.0/24"] });
        expect((vnet.inputs as any).subnets).toEqual([{ name: "private-endpoints", addressPrefix: "10.250.0.0/26", privateEndpointNetworkPolicies: "Disabled", defaultOutboundAccess: false }]);
        const pe = one(doc, "azure-native:network:PrivateEndpoint").inputs as any;
        const workspace = one(doc, "azure-native:machinelearningservices:Workspace");
        expect(pe.privateLinkServiceConnections).toEqual([{ name: "workspace", privateLinkServiceId: workspace.id, groupIds: ["amlworkspace"] }]);
        expect(pe.subnet.id).toBe(`${vnet.id}/subnets/private-endpoints`);
        expect(pe.location).toBe("eastus");
    });

    it("creates the workspace's private DNS zones, links them to that network and fills them through the endpoint's zone group", () => {
        const zones = ofType(doc, "azure-native:privatedns:PrivateZone").map((z) => z.inputs as any);
        expect(zones.map((z) => z.privateZoneName).sort()).toEqual(["privatelink.api.azureml.ms", "privatelink.notebooks.azure.net"]);
        for (const z of zones) expect(z.location).toBe("global");
        const vnetId = one(doc, "azure-native:network:VirtualNetwork").id;
        const links = ofType(doc, "azure-native:privatedns:VirtualNetworkLink").map((l) => l.inputs as any);
        expect(links.map((l) => [l.privateZoneName, l.virtualNetwork.id, l.registrationEnabled]).sort()).toEqual([
            ["privatelink.api.azureml.ms", vnetId, false],
            ["privatelink.notebooks.azure.net", vnetId, false],
        ]);
        const group = one(doc, "azure-native:network:PrivateDnsZoneGroup").inputs as any;
        expect(group.privateEndpointName).toBe((one(doc, "azure-native:network:PrivateEndpoint").outputs as any).name);
        expect(group.privateDnsZoneConfigs.map((c: any) => c.privateDnsZoneId.split("/").pop()).sort()).toEqual(["privatelink.api.azureml.ms", "privatelink.notebooks.azure.net"]);
    });

    it("publishes how to call it: from which network, through which zones", () => {
        const invoke = (doc.outputs as any).invoke;
        const vnetId = one(doc, "azure-native:network:VirtualNetwork").id;
        expect(invoke.reachability).toBe("private-network");
        expect(invoke.privateNetwork).toEqual({ virtualNetworkId: vnetId, subnetId: `${vnetId}/subnets/private-endpoints`, privateDnsZones: ["privatelink.api.azureml.ms", "privatelink.notebooks.azure.net"] });
        expect(invoke.note).toContain(`call from ${vnetId}`);
        expect(invoke.note).toMatch(/\.eastus\.inference\.ml\.azure\.com resolves to the workspace's private endpoint/);
    });

    it("requires requests in a canary bake unless azureAllowIdleBake says otherwise", () => {
        expect((one(doc, "pulumi-nodejs:dynamic/azure:TrafficShift").inputs as any).allowIdleBake).toBe(false);
        const allowed = planJson([...AZUREML, "--config", "rollout=canary", "--config", "azureAllowIdleBake=true"]).doc;
        expect((one(allowed, "pulumi-nodejs:dynamic/azure:TrafficShift").inputs as any).allowIdleBake).toBe(true);
    });
});

describe("azureml private endpoint in a subnet from config", { timeout: 180_000 }, () => {
    it("creates no network, and links the zones to the subnet's own network", () => {
        const { code, doc } = planJson([...AZUREML, "--config", `azurePrivateEndpointSubnetId=${SUBNET}`]);
        expect(code).toBe(0);
        expect(ofType(doc, "azure-native:network:VirtualNetwork")).toEqual([]);
        expect((one(doc, "azure-native:network:PrivateEndpoint").inputs as any).subnet.id).toBe(SUBNET);
        const network = SUBNET.replace(/\/subnets\/ml-private$/, "");
        for (const link of ofType(doc, "azure-native:privatedns:VirtualNetworkLink")) expect((link.inputs as any).virtualNetwork).toEqual({ id: network });
        expect((doc.outputs as any).invoke.privateNetwork.subnetId).toBe(SUBNET);
    });

    it("refuses a value that is not a subnet id, a public service, and other runtimes, naming the key and the fix", () => {
        const bad = planJson([...AZUREML, "--config", "azurePrivateEndpointSubnetId=corp-eastus/ml-private"]);
        expect(bad.code).toBe(2);
        expect(bad.doc.errors.join("\n")).toContain('model-service:azurePrivateEndpointSubnetId = "corp-eastus/ml-private": is not a subnet\'s resource id. Fix: use /subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Network/virtualNetworks/<network>/subnets/<subnet>');
        const open = planJson([...AZUREML, "--config", "public=true", "--config", `azurePrivateEndpointSubnetId=${SUBNET}`]);
        expect(open.code).toBe(2);
        expect(open.doc.errors.join("\n")).toContain("places the workspace's private endpoint, and public is true");
        const aks = planJson([...AZUREML, "--config", "runtime=aks", "--config", `azurePrivateEndpointSubnetId=${SUBNET}`, "--config", "azureAllowIdleBake=true"]);
        expect(aks.code).toBe(2);
        expect(aks.doc.errors.join("\n")).toContain("azurePrivateEndpointSubnetId");
        expect(aks.doc.errors.join("\n")).toContain('model-service:azureAllowIdleBake = "true": is used only by azureml, not by aks');
    });
});

describe("azureml with public true", { timeout: 180_000 }, () => {
    it("creates no private endpoint, network or zone, and says anyone on the internet may try the key", () => {
        const { code, doc } = planJson([...AZUREML, "--config", "public=true"]);
        expect(code).toBe(0);
        for (const type of ["azure-native:network:PrivateEndpoint", "azure-native:network:VirtualNetwork", "azure-native:privatedns:PrivateZone"]) expect(ofType(doc, type)).toEqual([]);
        expect((doc.outputs as any).invoke).toMatchObject({ reachability: "internet" });
        expect((doc.outputs as any).invoke.privateNetwork).toBeUndefined();
    });
});

describe("allowedCidrs on Azure (issue 14 item 14)", { timeout: 180_000 }, () => {
    it("aks, public: the load balancer and the network policy admit the allowed CIDRs only", () => {
        const { code, doc } = planJson([...AZUREML, "--config", "runtime=aks", "--config", "public=true", "--config", 'allowedCidrs=["203.0.113.0/24","198.51.100.0/25"]']);
        expect(code).toBe(0);
        const service = one(doc, "kubernetes:core/v1:Service").inputs as any;
        expect(service.metadata.annotations ?? {}).not.toHaveProperty("service.beta.kubernetes.io/azure-load-balancer-internal");
        expect(service.spec.loadBalancerSourceRanges).toEqual(["203.0.113.0/24", "198.51.100.0/25"]);
        expect((one(doc, "kubernetes:networking.k8s.io/v1:NetworkPolicy").inputs as any).spec.ingress[0].from).toEqual([{ ipBlock: { cidr: "203.0.113.0/24" } }, { ipBlock: { cidr: "198.51.100.0/25" } }]);
    });

    it("azureml: refused, saying why the workspace's IP rules cannot carry them", () => {
        const { code, doc } = planJson([...AZUREML, "--config", "public=true", "--config", 'allowedCidrs=["203.0.113.0/24"]']);
        expect(code).toBe(2);
        expect(doc.resources).toEqual([]);
        const error = doc.errors.join("\n");
        expect(error).toContain('model-service:allowedCidrs = "203.0.113.0/24": cannot be honoured by azureml');
        expect(error).toContain("networkAcls");
        expect(error).toContain("Fix: remove allowedCidrs and keep public false");
    });
});
