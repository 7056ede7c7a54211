/**
 * The DOKS version the scale stack deploys (components/hosts/doks-version.ts): the newest offered
 * patch of the configured minor, an exact slug as is, and a minor DigitalOcean no longer offers
 * refused with the minors it does offer (the provider would otherwise send an empty version).
 */
import { chooseDoksVersion, isClusterNotFound, offeredMinors, resolveDoksVersion } from "../../components/hosts/doks-version";

/** Newest first, as getKubernetesVersions lists them. */
const OFFERED = ["1.35.1-do.0", "1.35.0-do.0", "1.34.2-do.1", "1.34.2-do.0", "1.33.1-do.0"];

test("a minor resolves to its newest offered patch", () => {
    expect(resolveDoksVersion("1.34", OFFERED)).toBe("1.34.2-do.1");
    expect(resolveDoksVersion("1.33", OFFERED)).toBe("1.33.1-do.0");
});

test("a minor is matched whole: 1.3 is not 1.33 or 1.35", () => {
    expect(() => resolveDoksVersion("1.3", OFFERED)).toThrow(/"1\.3" is not offered/);
});

test("an exact slug is used as is (DigitalOcean judges it)", () => {
    expect(resolveDoksVersion("1.32.5-do.2", OFFERED)).toBe("1.32.5-do.2");
});

test("a retired minor is refused with the key, the value and the minors on offer", () => {
    expect(() => resolveDoksVersion("1.32", OFFERED)).toThrow(
        'rag-stack:doks.kubernetesVersion: "1.32" is not offered by DigitalOcean now (it offers 1.35, 1.34, 1.33; doctl kubernetes options versions). ' +
        'Set one of those minors, e.g. rag-stack:doks.kubernetesVersion "1.35"; an existing cluster is upgraded to it in place (doctl kubernetes cluster get-upgrades lists the versions it can reach)');
    expect(() => resolveDoksVersion("1.33", [])).toThrow('rag-stack:doks.kubernetesVersion: "1.33" cannot be resolved: DigitalOcean lists no Kubernetes version to this token (doctl kubernetes options versions)');
});

test("offered minors, newest first, once each", () => {
    expect(offeredMinors(OFFERED)).toEqual(["1.35", "1.34", "1.33"]);
});

test("a new cluster gets the newest patch of its minor; an existing one keeps the patch it runs", () => {
    expect(chooseDoksVersion("1.33", OFFERED, undefined)).toBe("1.33.1-do.0");
    expect(chooseDoksVersion("1.33", OFFERED, "1.33.0-do.0")).toBe("1.33.0-do.0");
    // Even a patch DigitalOcean no longer lists: it is what runs, so sending it changes nothing.
    expect(chooseDoksVersion("1.33", ["1.34.2-do.0"], "1.33.0-do.0")).toBe("1.33.0-do.0");
});

test("a new minor or an exact slug is an upgrade asked for; an older one than the cluster runs is refused", () => {
    expect(chooseDoksVersion("1.34", OFFERED, "1.33.1-do.0")).toBe("1.34.2-do.1");
    expect(chooseDoksVersion("1.33.1-do.0", OFFERED, "1.33.0-do.0")).toBe("1.33.1-do.0");
    expect(() => chooseDoksVersion("1.33", OFFERED, "1.34.2-do.0")).toThrow(
        'rag-stack:doks.kubernetesVersion: "1.33" is older than the cluster\'s 1.34.2-do.0; DOKS cannot downgrade a cluster (the provider would replace it, and it is protected). Set "1.34" (keeps 1.34.2-do.0) or a newer version');
    expect(() => chooseDoksVersion("1.34.1-do.0", OFFERED, "1.34.2-do.0")).toThrow(/is older than the cluster's 1\.34\.2-do\.0/);
});

test("the provider's answer for a name no cluster has is told from other failures", () => {
    expect(isClusterNotFound(new Error("invocation of digitalocean:index/getKubernetesCluster:getKubernetesCluster returned an error: Unable to find cluster with name: rag-stack-scale"))).toBe(true);
    expect(isClusterNotFound(new Error("Error listing Kubernetes clusters: GET https://api.digitalocean.com/v2/kubernetes/clusters: 401 Unable to authenticate you"))).toBe(false);
});
