import { describe, expect, it } from "vitest";
import { one, planJson } from "./helpers/plan";

// The reference server's image is built from paths relative to the project and tagged by content, on every
// cloud: another checkout of the same code (CI after a laptop) plans the same inputs, so it neither rebuilds
// nor pushes the same tag again (issue 15 item 6 on AWS; the same rule on Google Cloud and Azure).
describe("image builds from a project-relative context", () => {
    it.each([
        ["gcp", "vertex"],
        ["gcp", "gke"],
        ["azure", "azureml"],
        ["azure", "aks"],
    ])("%s/%s", (cloud, runtime) => {
        const { code, doc } = planJson(["--stack", "dev", "--config", `cloud=${cloud}`, "--config", `runtime=${runtime}`]);
        expect(code).toBe(0);
        const image = one(doc, "docker:index/image:Image");
        expect(image.inputs.build).toMatchObject({ context: "serving" });
        expect(JSON.stringify(image.inputs.build)).not.toContain(process.cwd());
        expect(image.inputs.imageName).toMatch(/:1-[0-9a-f]{12}$/);
    });
});
