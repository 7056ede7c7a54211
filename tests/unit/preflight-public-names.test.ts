/**
 * The front door's names in a real run's pre-flight (components/hosts/public-names.ts): the example
 * stacks' placeholders (rag.example.com, ops@example.com) validate as config, and a real run
 * refuses them before anything is bought, because no certificate can ever be issued for them.
 * This file never installs Pulumi's mocks, so prepareDoksRun behaves as under `pulumi up`.
 */
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { parseProfile, Profile } from "../../components/config";
import { frontDoorNameProblems, loadBalancerNameProblems } from "../../components/hosts/public-names";
import { prepareDoksRun, underPulumiMocks } from "../../components/hosts/preflight";
import { reservedZoneOf } from "../../components/validation/reserved-names";
import { DO_TOKEN_ENV, prodProfileRaw, TEST_SECRETS } from "./support/profiles";

function prodServices(services: Record<string, unknown> = {}, proxy: Record<string, unknown> = {}): Profile["services"] {
    return parseProfile("prod", prodProfileRaw({ services, proxy }), TEST_SECRETS, DO_TOKEN_ENV).services;
}

function stackFile(name: string): Profile {
    const doc = parseYaml(fs.readFileSync(path.join(__dirname, `../../Pulumi.${name}.yaml`), "utf8")) as { config: Record<string, unknown> };
    const raw = Object.fromEntries(Object.entries(doc.config).map(([k, v]) => [k.replace("rag-stack:", ""), v]));
    return parseProfile(name, raw, TEST_SECRETS, DO_TOKEN_ENV);
}

describe("reserved zones", () => {
    test.each([
        ["rag.example.com", "example.com"], ["EXAMPLE.ORG.", "example.org"], ["a.b.example.net", "example.net"],
        ["rag.test", "test"], ["rag.invalid", "invalid"], ["app.localhost", "localhost"], ["nas.local", "local"],
        ["rag.internal", "internal"], ["router.home.arpa", "home.arpa"], ["example", "example"],
    ])("%s is in %s", (name, zone) => expect(reservedZoneOf(name)).toBe(zone));

    test.each(["rag.mycompany.com", "example.co", "myexample.com", "example.com.au", "testing.io", "local.dev", "rag.example.com.evil.org"])(
        "%s can be public", (name) => expect(reservedZoneOf(name)).toBeUndefined());
});

describe("the droplet's Caddy door", () => {
    test("the example prod stack validates as config, and its placeholders are each named with the value and what to do", () => {
        const problems = frontDoorNameProblems(stackFile("prod").services);
        expect(problems).toEqual([
            expect.stringMatching(/^rag-stack:services\.publicHost: "rag\.example\.com" is in example\.com, reserved \(RFC 2606\)[^]*Let's Encrypt refuses[^]*point at the publicIp output$/),
            expect.stringMatching(/^rag-stack:services\.proxy\.acmeEmail: "ops@example\.com" is in example\.com \(RFC 2606\): Let's Encrypt refuses an account[^]*Set an address you read/),
        ]);
    });

    test("real names pass, with the staging CA too", () => {
        expect(frontDoorNameProblems(prodServices({ publicHost: "rag.mycompany.com" }, { acmeEmail: "ops@mycompany.com" }))).toEqual([]);
        expect(frontDoorNameProblems(prodServices({ publicHost: "rag.mycompany.com" }, { acmeEmail: "ops@mycompany.com", ca: "letsencrypt-staging" }))).toEqual([]);
        expect(frontDoorNameProblems(prodServices({ publicHost: "rag.mycompany.com" }, { acmeEmail: "ops@example.net", ca: "letsencrypt-staging" })))
            .toEqual([expect.stringMatching(/acmeEmail: "ops@example\.net" is in example\.net/)]);
    });

    test("no Let's Encrypt, nothing to refuse: ca internal, or no front door", () => {
        expect(frontDoorNameProblems(prodServices({ publicHost: "rag.internal" }, { ca: "internal", acmeEmail: "ops@example.com" }))).toEqual([]);
        expect(frontDoorNameProblems(prodServices({}, { enabled: false }))).toEqual([]);
    });
});

describe("the scale stack's load balancer", () => {
    test("a real run of the example scale stack is refused before the cluster is registered; a certificate by name or a real name passes", () => {
        expect(underPulumiMocks()).toBe(false);
        const scale = stackFile("scale");
        expect(() => prepareDoksRun("scale", scale.services.publicHost, scale.doks?.certificateName))
            .toThrow(/^Stack "scale" cannot create the DigitalOcean Kubernetes cluster \(1 problem; nothing was created\):\n  - rag-stack:services\.publicHost: "rag\.example\.com" is in example\.com[^]*DigitalOcean \(Let's Encrypt\) refuses/);
        expect(() => prepareDoksRun("scale", "rag.mycompany.com", undefined)).not.toThrow();
        expect(loadBalancerNameProblems("rag.example.com", "my-existing-cert")).toEqual([]);
    });
});
