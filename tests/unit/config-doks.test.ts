/**
 * `scale` (DOKS) validation: GPU pool bounds, sizes DOKS does not sell, replicas beyond the GPU
 * nodes, malformed Kubernetes versions, placements that do not belong on a cluster... each refused
 * before anything is created, with the key, the value and what is allowed.
 */
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, parseProfile, RawConfig, RawSecrets } from "../../components/config";

const secrets: RawSecrets = { neo4jPassword: { value: pulumi.output("pw-123456"), isSecret: true } };
const tokenEnv = { DIGITALOCEAN_TOKEN: "dop_v1_env" };

function scaleRaw(doks: Record<string, unknown> = {}, ollama: Record<string, unknown> = {}, extra: Partial<RawConfig> = {}): RawConfig {
    return {
        host: { provider: "doks" },
        ollama: { mode: "kubernetes", replicas: 2, model: "qwen2.5:7b-instruct-q8_0", accelerator: "nvidia", image: "ollama/ollama:0.12.6", ...ollama },
        services: {
            publicHost: "rag.example.com",
            backend: { image: "rag-backend:1.0.0" },
            frontend: { image: "rag-frontend:1.0.0" },
            neo4j: { image: "neo4j:5.26.2-community" },
        },
        doks: { region: "tor1", kubernetesVersion: "1.33", gpuPool: { size: "gpu-4000adax1-20gb", minNodes: 1, maxNodes: 3 }, ...doks },
        ...extra,
    };
}

function problemsOf(raw: RawConfig, stack = "scale"): string[] {
    try {
        parseProfile(stack, raw, secrets, tokenEnv);
    } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as ConfigError).problems;
    }
    return [];
}

test("a valid scale profile parses with its defaults", () => {
    const p = parseProfile("scale", scaleRaw(), secrets, tokenEnv);
    expect(p.production).toBe(true);
    expect(p.ollama.replicas).toBe(2);
    expect(p.doks).toMatchObject({
        region: "tor1", kubernetesVersion: "1.33", haControlPlane: true, namespace: "rag-stack",
        cpuPool: { size: "s-4vcpu-8gb", count: 2 }, gpuPool: { size: "gpu-4000adax1-20gb", minNodes: 1, maxNodes: 3 },
        modelsVolumeGb: 100, neo4jVolumeGb: 20, backendReplicas: 2, frontendReplicas: 2,
    });
    expect(p.ollama.origins).toEqual(["https://rag.example.com"]);
    expect(parseProfile("scale", scaleRaw({ kubernetesVersion: "1.34.1-do.0" }), secrets, tokenEnv).doks?.kubernetesVersion).toBe("1.34.1-do.0");
});

test("GPU pool minNodes above maxNodes is refused", () => {
    expect(problemsOf(scaleRaw({ gpuPool: { size: "gpu-4000adax1-20gb", minNodes: 3, maxNodes: 2 } }, { replicas: 1 }))).toEqual([
        'rag-stack:doks.gpuPool.minNodes: 3 is not allowed; it must not exceed rag-stack:doks.gpuPool.maxNodes (2)',
    ]);
});

test("an unknown GPU size, a CPU size in the GPU pool, or a size DOKS does not sell is refused with the list", () => {
    for (const size of ["gpu-a100x1-80gb", "s-4vcpu-8gb", "gpu-mi300x1-192gb"]) {
        const problems = problemsOf(scaleRaw({ gpuPool: { size, maxNodes: 3 } }));
        expect(problems).toEqual([
            `rag-stack:doks.gpuPool.size: "${size}" is not allowed; use one of the GPU sizes DOKS sells: ` +
                "gpu-4000adax1-20gb, gpu-6000adax1-48gb, gpu-l40sx1-48gb, gpu-h100x1-80gb, gpu-h100x8-640gb",
        ]);
    }
});

test("an 8-GPU node size is refused: one Ollama per node would leave seven GPUs idle", () => {
    const problems = problemsOf(scaleRaw({ region: "atl1", gpuPool: { size: "gpu-h100x8-640gb", maxNodes: 2 } }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^rag-stack:doks\.gpuPool\.size: "gpu-h100x8-640gb" is not allowed; it has 8 GPUs per node/);
});

test("a GPU size the region does not sell is refused with the regions that do", () => {
    expect(problemsOf(scaleRaw({ region: "atl1" }))).toEqual([
        'rag-stack:doks.region: "atl1" is not allowed; gpu-4000adax1-20gb is offered in: tor1; to use another region set rag-stack:doks.region',
    ]);
});

test("a region that sells GPU droplets but not DOKS (nyc2) is refused", () => {
    expect(problemsOf(scaleRaw({ region: "nyc2", gpuPool: { size: "gpu-h100x1-80gb", maxNodes: 3 } }))).toEqual([
        'rag-stack:doks.region: "nyc2" is not allowed; DigitalOcean Kubernetes is not offered in nyc2, ams2, sfo1; use a region that sells both DOKS and the GPU size, such as tor1 or atl1',
    ]);
});

test("more Ollama replicas than GPU nodes can ever exist is refused", () => {
    expect(problemsOf(scaleRaw({}, { replicas: 4 }))).toEqual([
        "rag-stack:ollama.replicas: 4 is not allowed; each replica needs a GPU node of its own and rag-stack:doks.gpuPool.maxNodes is 3: raise maxNodes or lower replicas",
    ]);
});

test("a malformed or too old Kubernetes version is refused", () => {
    for (const v of ["1.33.1", "v1.33", "latest", "1.33-do.1", "2"]) {
        expect(problemsOf(scaleRaw({ kubernetesVersion: v }))).toEqual([
            `rag-stack:doks.kubernetesVersion: ${JSON.stringify(v)} is not allowed; use a DOKS version: a minor such as "1.33" (newest patch at deploy time) or a full slug such as 1.33.1-do.0 (doctl kubernetes options versions)`,
        ]);
    }
    expect(problemsOf(scaleRaw({ kubernetesVersion: "1.29" }))).toEqual([
        'rag-stack:doks.kubernetesVersion: "1.29" is not allowed; use 1.31 or newer; DOKS supports only its newest three minor versions',
    ]);
});

test("placements and hosts that do not go together are refused both ways", () => {
    expect(problemsOf(scaleRaw({}, { mode: "container", replicas: undefined }))).toEqual([
        'rag-stack:ollama.mode: "container" is not allowed with rag-stack:host.provider "doks"; the kubernetes placement runs on a DigitalOcean Kubernetes cluster and a cluster runs only that placement: use mode: kubernetes with provider: doks',
    ]);
    const onDocker = problemsOf({ ollama: { mode: "kubernetes", model: "qwen2.5:7b", accelerator: "nvidia" } }, "dev");
    expect(onDocker).toContain('rag-stack:ollama.mode: "kubernetes" is not allowed with rag-stack:host.provider "local"; the kubernetes placement runs on a DigitalOcean Kubernetes cluster and a cluster runs only that placement: use mode: kubernetes with provider: doks');
    expect(problemsOf(scaleRaw({}, { accelerator: "cpu" }))).toEqual([
        'rag-stack:ollama.accelerator: "cpu" is not allowed with rag-stack:ollama.mode "kubernetes"; its pods run on NVIDIA GPU nodes and are ready only when the model is 100% on the GPU: use nvidia',
    ]);
    expect(problemsOf({ ollama: { mode: "container", model: "qwen2.5:7b", accelerator: "cpu", replicas: 2 } }, "dev")).toEqual([
        "rag-stack:ollama.replicas: 2 is not allowed; only the kubernetes placement runs several Ollama servers; remove it or set rag-stack:ollama.mode: kubernetes",
    ]);
});

test("doks settings without host.provider doks, and a missing doks object, are refused", () => {
    const raw = scaleRaw();
    expect(problemsOf({ ...raw, host: { provider: "local" }, ollama: { mode: "native", model: "qwen2.5:7b", accelerator: "metal" } }, "dev"))
        .toEqual(['rag-stack:doks is set but rag-stack:host.provider is "local"; set host.provider: doks or remove it']);
    const { doks: _unused, ...withoutDoks } = raw;
    const problems = problemsOf(withoutDoks);
    expect(problems[0]).toBe('rag-stack:doks is missing; host.provider "doks" needs at least region, kubernetesVersion and gpuPool.size');
});

test("bad pool shapes, namespace, unknown keys and a publicHost a certificate cannot be issued for are refused", () => {
    const problems = problemsOf(scaleRaw({
        cpuPool: { size: "gpu-4000adax1-20gb", count: 0 },
        namespace: "Rag_Stack",
        nodes: 3,
    }, {}, { services: { publicHost: "localhost", backend: { image: "b:1" }, frontend: { image: "f:1" }, neo4j: { image: "n:5" } } }));
    expect(problems).toEqual(expect.arrayContaining([
        expect.stringMatching(/^rag-stack:doks\.nodes is not a known setting/),
        'rag-stack:doks.cpuPool.size: "gpu-4000adax1-20gb" is not allowed; use a CPU droplet size slug such as s-4vcpu-8gb (Neo4j, backend, frontend and the router run there)',
        "rag-stack:doks.cpuPool.count: 0 is not allowed; expected an integer from 1 to 100",
        'rag-stack:doks.namespace: "Rag_Stack" is not allowed; use a DNS label: lower-case letters, digits and -, at most 63 characters',
        expect.stringMatching(/^rag-stack:services\.publicHost: "localhost" is not allowed with host\.provider "doks"/),
    ]));
    // With a certificate of the account, the name is not ours to check.
    expect(problemsOf(scaleRaw({ certificateName: "my-cert" }, {}, { services: { publicHost: "localhost", backend: { image: "b:1" }, frontend: { image: "f:1" }, neo4j: { image: "n:5" } } }))).toEqual([]);
});

test("scale is a production stack: unpinned images are refused", () => {
    const raw = scaleRaw({}, { image: "ollama/ollama:latest" });
    expect(problemsOf(raw)).toEqual([
        'rag-stack:ollama.image: "ollama/ollama:latest" is not pinned; production stacks need an explicit version tag or @sha256 digest (not :latest)',
    ]);
});

test("the capacity budget holds for the GPU each Ollama pod gets: a model that cannot fit one node's GPU is refused with the arithmetic", () => {
    const problems = problemsOf(scaleRaw({}, { model: "qwen2.5:32b-instruct-q8_0" }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^rag-stack:ollama: qwen2\.5:32b-instruct-q8_0 with numParallel 1 .* does not fit the GPU: .* > 21\.5 GB usable \(gpu-4000adax1-20gb: 20 GiB, the one NVIDIA RTX 4000 Ada each Ollama pod gets\)/);
    // The same model on a 48 GB node fits.
    expect(problemsOf(scaleRaw({ gpuPool: { size: "gpu-l40sx1-48gb", maxNodes: 3 } }, { model: "qwen2.5:32b-instruct-q8_0" }))).toEqual([]);
});

test("the stack keeps publicHost's DNS record when it issues the certificate; with a certificate of yours only when asked", () => {
    expect(parseProfile("scale", scaleRaw(), secrets, tokenEnv).doks?.dnsRecord).toBe(true);
    expect(parseProfile("scale", scaleRaw({ certificateName: "my-cert" }), secrets, tokenEnv).doks?.dnsRecord).toBe(false);
    expect(parseProfile("scale", scaleRaw({ certificateName: "my-cert", dnsRecord: true }), secrets, tokenEnv).doks?.dnsRecord).toBe(true);
    // During a move from prod, until users are switched over: the stack's certificate, no record yet.
    expect(parseProfile("scale", scaleRaw({ dnsRecord: false }), secrets, tokenEnv).doks?.dnsRecord).toBe(false);
    expect(problemsOf(scaleRaw({ certificateName: "my-cert", dnsRecord: true }, {}, { services: { ...scaleRaw().services as Record<string, unknown>, publicHost: "203.0.113.9" } }))).toEqual([
        'rag-stack:services.publicHost: "203.0.113.9" is not allowed with rag-stack:doks.dnsRecord true; the stack\'s DNS record needs a DNS name whose domain is on DigitalOcean DNS (e.g. rag.example.com): set one, or set doks.dnsRecord: false',
    ]);
    expect(problemsOf(scaleRaw({ dnsRecord: "yes" }))).toEqual([expect.stringMatching(/^rag-stack:doks.dnsRecord: "yes" is not allowed/)]);
});

test("nyc3, where DOKS is offered, is judged by the GPU size's regions, not refused as a region without Kubernetes", () => {
    const problems = problemsOf(scaleRaw({ region: "nyc3" }));
    expect(problems).toEqual(['rag-stack:doks.region: "nyc3" is not allowed; gpu-4000adax1-20gb is offered in: tor1; to use another region set rag-stack:doks.region']);
    expect(problems.join("\n")).not.toContain("DigitalOcean Kubernetes is not offered");
});
