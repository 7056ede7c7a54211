/**
 * The DOKS version the scale stack deploys (components/hosts/doks-version.ts): the newest offered
 * patch of the configured minor, an exact slug as is, and a minor DigitalOcean no longer offers
 * refused with the minors it does offer (the provider would otherwise send an empty version).
 */
import { offeredMinors, resolveDoksVersion } from "../../components/hosts/doks-version";

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
