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
