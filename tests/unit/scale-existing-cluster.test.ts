/**
 * scale on a cluster that already exists at an older patch of its minor (1.33.0-do.0, while
 * DigitalOcean now offers 1.33.1-do.0): `kubernetesVersion: "1.33"` keeps the cluster's patch, so an
 * `up` after DigitalOcean publishes a patch starts no upgrade (the provider would not wait for it).
 */
import { mockCall } from "../../tools/mock-state";
import { Rendered, renderStack } from "../../tools/render";

const CLUSTER = "digitalocean:index/getKubernetesCluster:getKubernetesCluster";
let r: Rendered;

beforeAll(async () => {
    r = new Rendered(await renderStack({
        stack: "scale",
        secrets: { neo4jPassword: "scale-password-1", backupPassword: "backup-password-0123456789", digitaloceanToken: "dop_v1_test" },
        // The account's cluster, read by name: DigitalOcean's data source reports its version slug.
        invokes: { [CLUSTER]: (inputs) => ({ ...mockCall(CLUSTER, inputs), version: "1.33.0-do.0" }) },
    }));
});

test("a minor keeps the patch the cluster runs: no upgrade nobody asked for", () => {
    const cluster = r.named("cluster-cluster", "digitalocean:index/kubernetesCluster:KubernetesCluster").inputs as Record<string, unknown>;
    expect(cluster.version).toBe("1.33.0-do.0");
});
