/**
 * DigitalOcean host validation: a bad size, a size the region does not sell, no ssh key, no or
 * too wide admin CIDRs, a plain-text token... each refused before anything is created, with a
 * message naming the key, the value and what is allowed.
 */
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, parseProfile, RawConfig, RawSecrets } from "../../components/config";
import { DO_TOKEN_ENV, prodProfileRaw, TEST_PUBLIC_KEY, TEST_SECRETS } from "./support/profiles";
import { DIGITALOCEAN_GPU_SIZES } from "../../components/hosts/digitalocean-sizes";

const secrets = TEST_SECRETS;
const tokenEnv = DO_TOKEN_ENV;
const PUBLIC_KEY = TEST_PUBLIC_KEY;

function prodRaw(digitalocean: Record<string, unknown> = {}, extra: Partial<RawConfig> = {}): RawConfig {
    return { ...prodProfileRaw({ digitalocean }), ...extra };
}

function problemsOf(raw: RawConfig, s: RawSecrets = secrets, env: NodeJS.ProcessEnv = tokenEnv): string[] {
    try {
        parseProfile("prod", raw, s, env);
    } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as ConfigError).problems;
    }
    return [];
}

test("a valid DigitalOcean profile parses; the image defaults to the size's GPU base image", () => {
    const p = parseProfile("prod", prodRaw(), secrets, tokenEnv);
    expect(p.host.provider).toBe("digitalocean");
    expect(p.host.sshUser).toBe("root");
    expect(p.digitalocean).toMatchObject({
        region: "tor1", size: "gpu-4000adax1-20gb", image: "gpu-h100x1-base", adminCidrs: ["203.0.113.7/32"],
        allowSshFromAnywhere: false, modelsVolumeGb: 100, neo4jVolumeGb: 20,
    });
    expect(p.digitalocean?.importVolumeIds).toEqual({});
    expect(parseProfile("prod", prodRaw({ importVolumeIds: { neo4j: "506f78a4-e098-11e5-ad9f-000f53306ae1" } }), secrets, tokenEnv).digitalocean?.importVolumeIds)
        .toEqual({ models: undefined, neo4j: "506f78a4-e098-11e5-ad9f-000f53306ae1" });
    expect(problemsOf(prodRaw({ importVolumeIds: { models: "rag-stack-prod-models", data: "x" } }))).toEqual([
        "rag-stack:digitalocean.importVolumeIds.data is not a known setting; known: models, neo4j",
        'rag-stack:digitalocean.importVolumeIds.models: "rag-stack-prod-models" is not allowed; use the volume\'s ID from `doctl compute volume list --format ID,Name`',
    ]);
    // No VPC range unless configured: DigitalOcean picks one that no other VPC of the account uses.
    expect(p.digitalocean?.vpcIpRange).toBeUndefined();
    expect(parseProfile("prod", prodRaw({ vpcIpRange: "10.120.0.0/20" }), secrets, tokenEnv).digitalocean?.vpcIpRange).toBe("10.120.0.0/20");
    expect(parseProfile("prod", prodRaw({ size: "gpu-h100x8-640gb", region: "nyc2" }), secrets, tokenEnv).digitalocean?.image)
        .toBe("gpu-h100x8-base");
});

test("the sizes table has a price, regions and a base image for every size", () => {
    for (const [slug, size] of Object.entries(DIGITALOCEAN_GPU_SIZES)) {
        expect(slug).toMatch(/^gpu-[a-z0-9]+x\d+-\d+gb$/);
        expect(size.pricePerHourUsd).toBeGreaterThan(0);
        expect(size.regions.length).toBeGreaterThan(0);
        for (const region of size.regions) expect(region).toMatch(/^[a-z]{3}\d$/);
        expect(size.baseImage).toMatch(/^gpu-h100x(1|8)-base$/);
    }
});

test.each([
    ["unknown size", { size: "gpu-a100x1-80gb" },
        'rag-stack:digitalocean.size: "gpu-a100x1-80gb" is not allowed; use one of the DigitalOcean NVIDIA GPU sizes: gpu-4000adax1-20gb, gpu-6000adax1-48gb, gpu-l40sx1-48gb, gpu-h100x1-80gb, gpu-h100x8-640gb'],
    ["size not offered in the region", { size: "gpu-4000adax1-20gb", region: "nyc2" },
        'rag-stack:digitalocean.region: "nyc2" is not allowed; gpu-4000adax1-20gb is offered in: tor1'],
    ["missing ssh key", { sshPublicKey: undefined },
        "rag-stack:digitalocean.sshPublicKey is missing; set it (the public key line) or list existing keys in rag-stack:digitalocean.sshKeyFingerprints"],
    ["empty adminCidrs", { adminCidrs: [] },
        "rag-stack:digitalocean.adminCidrs is empty; list the CIDRs allowed to reach SSH, e.g. [203.0.113.7/32]"],
    ["0.0.0.0/0 in adminCidrs", { adminCidrs: ["203.0.113.7/32", "0.0.0.0/0"] },
        'rag-stack:digitalocean.adminCidrs: "0.0.0.0/0" is not allowed; it is the whole internet; use your own address (/32) or a range of /16 or narrower, or set rag-stack:digitalocean.allowSshFromAnywhere: true to accept that'],
    ["::/0 in adminCidrs", { adminCidrs: ["::/0"] },
        'rag-stack:digitalocean.adminCidrs: "::/0" is not allowed; it is the whole internet; use your own address (/128) or a range of /32 or narrower'],
    ["a public VPC range", { vpcIpRange: "8.8.0.0/16" },
        'rag-stack:digitalocean.vpcIpRange: "8.8.0.0/16" is not allowed; use a private IPv4 range'],
    ["a malformed public key", { sshPublicKey: "AAAAC3Nza replace-me" },
        'rag-stack:digitalocean.sshPublicKey: "AAAAC3Nza replace-me" is not allowed; paste the public key line'],
])("%s is refused with a clear message", (_label, change, message) => {
    const problems = problemsOf(prodRaw(change));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(message);
});

test("0.0.0.0/0 for SSH is accepted only when explicitly allowed", () => {
    expect(problemsOf(prodRaw({ adminCidrs: ["0.0.0.0/0"], allowSshFromAnywhere: true }))).toEqual([]);
});

test("existing key fingerprints replace the public key", () => {
    expect(problemsOf(prodRaw({ sshPublicKey: undefined, sshKeyFingerprints: ["3b:16:bf:e4:8b:00:8b:b8:59:8c:a9:d3:f0:19:45:fa"] }))).toEqual([]);
});

test("a missing digitalocean object names what it needs", () => {
    const raw = prodRaw();
    delete raw.digitalocean;
    expect(problemsOf(raw)).toContain(
        'rag-stack:digitalocean is missing; host.provider "digitalocean" needs region, size, adminCidrs and an ssh key');
});

test("the token must come from DIGITALOCEAN_TOKEN or a secret, never plain text", () => {
    expect(problemsOf(prodRaw(), secrets, {})).toEqual([
        "rag-stack:digitaloceanToken is missing and DIGITALOCEAN_TOKEN is not set; export DIGITALOCEAN_TOKEN=... or run: pulumi config set --secret digitaloceanToken <token>",
    ]);
    const plain = { ...secrets, digitaloceanToken: { value: pulumi.output("dop_v1_plain"), isSecret: false } };
    expect(problemsOf(prodRaw(), plain, {})).toEqual([
        "rag-stack:digitaloceanToken is stored in plain text in the stack file; run: pulumi config set --secret digitaloceanToken <value>",
    ]);
    const secret = { ...secrets, digitaloceanToken: { value: pulumi.output("dop_v1_secret"), isSecret: true } };
    expect(problemsOf(prodRaw(), secret, {})).toEqual([]);
});

test("docker.host is refused with the digitalocean provider: the droplet is the engine", () => {
    expect(problemsOf(prodRaw({}, { docker: { host: "ssh://root@gpu.example.internal" } }))).toEqual([
        'rag-stack:docker.host: "ssh://root@gpu.example.internal" is not allowed; rag-stack:host.provider "digitalocean" creates the engine itself (ssh://<sshUser>@<reserved ip>); remove rag-stack:docker.host',
    ]);
});

test("the app may not be published on a port the firewall must keep closed", () => {
    const raw = prodRaw();
    // Without the front door the app publishes its own ports, and the firewall would open them.
    (raw.services as { proxy: Record<string, unknown> }).proxy = { enabled: false };
    (raw.services as { backend: Record<string, unknown> }).backend.hostPort = 7474;
    expect(problemsOf(raw)).toEqual([
        'rag-stack:services: host port 7474 is not allowed with host.provider "digitalocean"; the firewall opens the frontend and backend ports to the internet, and 22, 11434, 7687, 7474 must stay closed: use 80, 443 or another port',
        // ...and on the droplet it is Neo4j's own HTTP port (published on 127.0.0.1): a host-port clash too.
        "rag-stack:services.neo4j.httpPort: 7474 is not allowed; rag-stack:services.backend.hostPort already takes host port 7474. Give each service its own port",
    ]);
});

test("every problem is reported at once", () => {
    const problems = problemsOf(prodRaw({ size: "gpu-nope", sshPublicKey: undefined, adminCidrs: [] }));
    expect(problems).toHaveLength(3);
});
