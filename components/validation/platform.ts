/**
 * The operating system the program deploys from, for the checks that depend on it (Metal exists
 * only on macOS). A real run uses `process.platform`. The render harness (tools/render.ts: the
 * unit tests, `npm run plan`) renders a stack as on the machine it is written for and says so by
 * calling `renderAsPlatform` before it imports the program: the dev stack is a Mac's, whatever
 * machine renders it. Nothing else calls it; there is no environment variable to fake a Mac.
 */
let renderPlatform: NodeJS.Platform | undefined;

export function renderAsPlatform(platform: NodeJS.Platform | undefined): void {
    renderPlatform = platform;
}

export function deployPlatform(): NodeJS.Platform {
    return renderPlatform ?? process.platform;
}

/** Why `accelerator: metal` cannot work on `platform`, or undefined on macOS. */
export function metalPlatformProblem(project: string, accelerator: string, platform: NodeJS.Platform): string | undefined {
    if (accelerator !== "metal" || platform === "darwin") return undefined;
    return `${project}:ollama.accelerator: "metal" is not allowed on this machine (${platform}); Metal is Apple's GPU API and exists only on macOS, ` +
        "so Ollama would run on the CPU and the GPU check would fail after the model download. Run this stack from the Mac, or use accelerator: nvidia or cpu here";
}

/**
 * Why `accelerator: nvidia` cannot work for an Ollama on this machine (`where`: the native server,
 * or a container of this machine's Docker engine), or undefined off a Mac. Ollama's macOS build
 * detects Metal only (discover/gpu_darwin.go, v0.12.6, links Metal and no CUDA), macOS has had no
 * NVIDIA driver since 10.13, and Docker Desktop's Linux VM on a Mac has no NVIDIA device to give
 * a container.
 */
export function nvidiaPlatformProblem(project: string, accelerator: string, platform: NodeJS.Platform, where: "native" | "container"): string | undefined {
    if (accelerator !== "nvidia" || platform !== "darwin") return undefined;
    const runs = where === "native" ? `with ${project}:ollama.mode "native" on a Mac` : `with ${project}:ollama.mode "container" on this Mac's Docker engine`;
    return `${project}:ollama.accelerator: "nvidia" is not allowed ${runs}; a Mac has no NVIDIA GPU Ollama can use (Ollama for macOS uses Metal only, ` +
        "and Docker Desktop's VM passes no GPU to containers), so the GPU check would fail after the model download. " +
        "Use accelerator: metal with mode: native for the Mac's GPU, or deploy nvidia to a Linux host with an NVIDIA GPU (host.provider digitalocean or existing)";
}
