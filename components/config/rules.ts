/**
 * The rules that span sections: what one section allows depends on another (the placement on the
 * host provider, the accelerator on the placement and the machine, ports of several services on one
 * host, image pins on the stack's name, the model on the GPU). Rules within one section stay in its
 * file; these see the sections read.
 *
 *   crossSectionProblems   after the sections are read (parseProfile): placement and provider,
 *                          Metal and a CPU droplet where they make no sense, host-port clashes,
 *                          production pins, capacity.
 *   digitaloceanTokenProblem  a DigitalOcean provider without a token.
 *   thisMachineProblems    what depends on the machine `pulumi up` runs on (loadProfile): Metal
 *                          only on a Mac, NVIDIA never on one, the model store's content.
 */
import * as os from "os";
import * as pulumi from "@pulumi/pulumi";
import { capacityProblems } from "../capacity/validate";
import { DIGITALOCEAN_GPU_SIZES } from "../hosts/digitalocean-sizes";
import { isPinnedImage } from "../images";
import { PROJECT } from "../project";
import { hostPortClashes } from "../validation/host-ports";
import { modelsDirContentProblem, modelsDirNameProblem, MODELS_DIR_ALLOWED } from "../validation/models-dir";
import { deployPlatform, metalPlatformProblem, nvidiaPlatformProblem } from "../validation/platform";
import type { DigitalOceanSettings } from "./digitalocean";
import type { DoksSettings } from "./doks";
import type { HostProvider, HostSettings } from "./host";
import type { OllamaSettings } from "./ollama";
import { expandHome, Obj, show } from "./reader";
import type { ServicesSettings } from "./services";

/** The sections as read, before the secrets. */
export interface ReadSections {
    ollama: OllamaSettings;
    host: HostSettings;
    services: ServicesSettings;
    digitalocean?: DigitalOceanSettings;
    doks?: DoksSettings;
}

/** Problems of one section's value given another's, in a fixed order. */
export function crossSectionProblems(production: boolean, { ollama, host, services, digitalocean, doks }: ReadSections): string[] {
    const problems: string[] = [];
    // Will the model, its context and its parallel slots fit the GPU? (components/capacity/)
    problems.push(...capacityProblems(ollama, host.provider, digitalocean, doks?.gpuPool.size));

    if ((ollama.mode === "kubernetes") !== (host.provider === "doks")) {
        problems.push(
            `${PROJECT}:ollama.mode: ${show(ollama.mode)} is not allowed with ${PROJECT}:host.provider ${show(host.provider)}; ` +
                "the kubernetes placement runs on a DigitalOcean Kubernetes cluster and a cluster runs only that placement: use mode: kubernetes with provider: doks",
        );
    }
    if (ollama.mode === "native" && host.provider !== "local" && host.provider !== "doks") {
        problems.push(
            `${PROJECT}:ollama.mode: "native" is not allowed with ${PROJECT}:host.provider "${host.provider}"; ` +
                "native Ollama runs on the machine that runs Pulumi, next to a local Docker engine. Use mode: container on a remote host",
        );
    }
    if (services.neo4j.volumeName !== undefined && host.provider === "digitalocean") {
        problems.push(`${PROJECT}:services.neo4j.volumeName: ${show(services.neo4j.volumeName)} is not allowed with ${PROJECT}:host.provider "digitalocean"; ` +
            "the droplet keeps Neo4j's data on its own block volume. Adopt an existing volume on a local or existing engine only");
    }
    // Ollama first: a service on Ollama's port is the one named as the clash. Only what really takes a
    // port on the host: the native server, the app's own ports or the front door's, Neo4j's loopback
    // ports. A Kubernetes cluster publishes nothing on any host.
    if (host.provider !== "doks") {
        problems.push(...hostPortClashes([
            ...(ollama.mode === "native" ? [{ key: `${PROJECT}:ollama.port`, port: ollama.port }] : []),
            ...(services.proxy.enabled
                ? [
                    { key: `${PROJECT}:services.proxy.httpPort`, port: services.proxy.httpPort },
                    { key: `${PROJECT}:services.proxy.httpsPort`, port: services.proxy.httpsPort },
                ]
                : [
                    { key: `${PROJECT}:services.backend.hostPort`, port: services.backend.hostPort },
                    { key: `${PROJECT}:services.frontend.hostPort`, port: services.frontend.hostPort },
                ]),
            { key: `${PROJECT}:services.neo4j.boltPort`, port: services.neo4j.boltPort },
            { key: `${PROJECT}:services.neo4j.httpPort`, port: services.neo4j.httpPort },
        ]));
    }
    if (ollama.accelerator === "metal" && host.provider !== "local") {
        problems.push(`${PROJECT}:ollama.accelerator: "metal" is not allowed with ${PROJECT}:host.provider "${host.provider}"; Metal exists only on a Mac running Ollama natively. Use nvidia`);
    }
    // Every size the droplet can be is an NVIDIA GPU size, and its readiness check demands a working
    // GPU before anything deploys: cpu there pays GPU prices for CPU speed. Refused as DOKS refuses it
    // (doks.ts); there is no opt-out, as nothing would be gained by one.
    if (ollama.accelerator === "cpu" && host.provider === "digitalocean" && digitalocean) {
        const gpu = DIGITALOCEAN_GPU_SIZES[digitalocean.size];
        problems.push(`${PROJECT}:ollama.accelerator: "cpu" is not allowed with ${PROJECT}:host.provider "digitalocean"; the droplet is a GPU droplet ` +
            `(${digitalocean.size}${gpu ? `, ${gpu.gpuCount}x ${gpu.gpu} at $${gpu.pricePerHourUsd}/h` : ""}) and must pass its GPU check before anything deploys, ` +
            "while Ollama would leave the GPU idle and answer at CPU speed. Use accelerator: nvidia; to stop paying for the GPU, park it (digitalocean.parked: true)");
    }
    if (production) {
        const images: [string, string][] = [
            ["ollama.image", ollama.image],
            ["services.backend.image", services.backend.image],
            ["services.frontend.image", services.frontend.image],
            ["services.neo4j.image", services.neo4j.image],
            ...(services.proxy.enabled ? [["services.proxy.image", services.proxy.image] as [string, string]] : []),
        ];
        for (const [key, ref] of images) {
            if (key === "ollama.image" && ollama.mode === "native") continue;
            if (!isPinnedImage(ref)) {
                problems.push(`${PROJECT}:${key}: ${show(ref)} is not pinned; production stacks need an explicit version tag or @sha256 digest (not :latest)`);
            }
        }
    }
    return problems;
}

/** The DigitalOcean providers need a token: from the secret, or DIGITALOCEAN_TOKEN. */
export function digitaloceanTokenProblem(provider: HostProvider, token: pulumi.Output<string> | undefined, env: NodeJS.ProcessEnv): string | undefined {
    if ((provider === "digitalocean" || provider === "doks") && !token && !env.DIGITALOCEAN_TOKEN) {
        return `${PROJECT}:digitaloceanToken is missing and DIGITALOCEAN_TOKEN is not set; export DIGITALOCEAN_TOKEN=... or run: pulumi config set --secret digitaloceanToken <token>`;
    }
    return undefined;
}

/**
 * What depends on this machine, from the raw sections (reported before parseProfile's problems):
 * `accelerator: metal` off a Mac and `nvidia` on one where Ollama would run here, and a model store
 * here that holds other things.
 */
export function thisMachineProblems(rawOllama: unknown, rawHost: unknown, rawDocker: unknown): string[] {
    const problems: string[] = [];
    const ollama = (rawOllama ?? {}) as Obj;
    // Only where nothing else refuses metal already (a container, a remote host): one sentence per mistake.
    const provider = ((rawHost ?? {}) as Obj).provider ?? "local";
    const metal = ollama.mode === "native" && provider === "local" ? metalPlatformProblem(PROJECT, String(ollama.accelerator), deployPlatform()) : undefined;
    if (metal) problems.push(metal);
    // NVIDIA where Ollama would run on this Mac: natively, or in a container of its own (unix socket) engine.
    const dockerHost = String(((rawDocker ?? {}) as Obj).host ?? process.env.DOCKER_HOST ?? "unix://");
    const onThisMachine = provider === "local" && (ollama.mode === "native" || (ollama.mode === "container" && dockerHost.startsWith("unix://")));
    const nvidia = onThisMachine ? nvidiaPlatformProblem(PROJECT, String(ollama.accelerator), deployPlatform(), ollama.mode === "native" ? "native" : "container") : undefined;
    if (nvidia) problems.push(nvidia);
    // The model store, where Ollama uses a directory of this machine: its content (validation/models-dir.ts);
    // a refused name is parseProfile's to report.
    const store = typeof ollama.modelsDir === "string" && /^(~|~\/.*|\/.*)$/.test(ollama.modelsDir) ? expandHome(ollama.modelsDir) : undefined;
    if (store !== undefined && provider === "local" && (ollama.mode === "native" || ollama.mode === "container") && !modelsDirNameProblem(store, os.homedir())) {
        const content = modelsDirContentProblem(store, os.homedir());
        if (content) problems.push(`${PROJECT}:ollama.modelsDir: ${show(ollama.modelsDir)} is not allowed; ${content}; ${MODELS_DIR_ALLOWED}`);
    }
    return problems;
}
