/**
 * dev with ollama.mode=container: the seed's state before the migration (Ollama in Docker on the
 * Mac). Switching placement must touch only Ollama and the backend.
 */
import { Rendered, RenderedResource, renderStack, renderStackInChildProcess } from "../../tools/render";
import { modelsVolumeName } from "../../components/names";
import { CONTAINER, envOf, hostsOf, LOCAL_COMMAND, networksOf, portsOf } from "../unit/support/containers";

let r: Rendered;

beforeAll(async () => {
    r = new Rendered(await renderStack({
        stack: "dev",
        secrets: { neo4jPassword: "dev-password-1" },
        // Metal is refused for a container (see config tests): the seed's Docker Ollama ran on the CPU.
        overrides: { "ollama.mode": "container", "ollama.accelerator": "cpu" },
    }));
});

test("Ollama is a container on the app network as `ollama`, without GPUs (CPU accelerator)", () => {
    const ollama = r.named("ollama-container", CONTAINER);
    expect(networksOf(ollama)).toEqual([{ name: "rag-stack-dev", aliases: ["ollama"] }]);
    expect(ollama.inputs.gpus).toBeUndefined();
    // accelerator cpu: nothing GPU-related in the health check, so it passes without a GPU.
    expect((ollama.inputs.healthcheck as { tests: string[] }).tests).toEqual(["CMD-SHELL", "ollama list"]);
    expect(envOf(ollama)).not.toHaveProperty("NVIDIA_DRIVER_CAPABILITIES");
    expect(r.result.resources.some((x) => x.type === "rag-stack:ollama:NativeOllama")).toBe(false);
});

test("in dev the model store is a volume bound to the host's model directory: switching re-downloads nothing", () => {
    const volume = r.named("ollama-container-models", "docker:index/volume:Volume");
    expect(volume.inputs.driver).toBe("local");
    expect(volume.inputs.driverOpts).toEqual(expect.objectContaining({ type: "none", o: "bind" }));
    expect(String((volume.inputs.driverOpts as Record<string, string>).device)).toMatch(/\/\.ollama\/models$/);
});

test("the model store has a fixed name per stack and directory: switching back reuses it, not a new volume each time", () => {
    const volume = r.named("ollama-container-models", "docker:index/volume:Volume");
    const device = (volume.inputs.driverOpts as Record<string, string>).device;
    expect(volume.inputs.name).toMatch(/^rag-stack-dev-ollama-models-[0-9a-f]{8}$/);
    expect(volume.retainOnDelete).toBe(true);
    // Derived from the stack and the directory only: a later switch back renders the same name
    // (the switch rehearsal in tests/e2e proves Docker then hands back the same volume).
    expect(modelsVolumeName("rag-stack", "dev", device)).toBe(volume.inputs.name);
    // Another directory is another volume: under the same name Docker would hand back the old one, bound to the old directory.
    expect(modelsVolumeName("rag-stack", "dev", "/srv/models")).not.toBe(volume.inputs.name);
    expect(modelsVolumeName("rag-stack", "dev", undefined)).toBe("rag-stack-dev-ollama-models");
});

test("the dev container publishes no host port: it never fights native Ollama for the port during a switch", () => {
    expect(portsOf(r.named("ollama-container", CONTAINER))).toEqual([]);
    // verify reaches it with `docker exec` into the container (and the backend), as in prod.
    expect(r.result.outputs.ollamaUrlFromHost).toBeUndefined();
    expect((r.result.outputs.containers as Record<string, unknown>).ollama).toBe("rag-stack-dev-ollama");
});

test("backend gets http://ollama:11434, no host-gateway mapping, and waits for the container and the model pull", () => {
    const backend = r.named("app-backend", CONTAINER);
    expect(envOf(backend).OLLAMA_BASE_URL).toBe("http://ollama:11434");
    expect(hostsOf(backend)).toEqual([]);
    expect(r.dependsOn(backend, r.named("ollama-container", CONTAINER))).toBe(true);
    expect(r.dependsOn(backend, r.named("ollama-container-model", LOCAL_COMMAND))).toBe(true);
});

/** What must not change when only the placement changes: inputs, options, dependencies by name. */
function comparable(res: RenderedResource, all: RenderedResource[]): unknown {
    const nameOf = (urn: string) => all.find((x) => x.urn === urn)?.name ?? urn;
    return {
        inputs: res.inputs,
        protect: res.protect,
        provider: res.provider?.split("::").slice(-2).join("::"),
        dependencies: res.dependencies.map(nameOf).sort(),
    };
}

test("Neo4j, its data volume, the frontend and the network are identical to dev's", () => {
    const dev = renderStackInChildProcess({ stack: "dev", secrets: { neo4jPassword: "dev-password-1" } });
    for (const name of ["app-neo4j", "app-neo4j-data", "app-frontend", "app-network", "app-neo4j-image", "app-frontend-image"]) {
        const ours = r.named(name);
        const theirs = dev.resources.find((x) => x.name === name && x.type === ours.type);
        expect(theirs).toBeDefined();
        expect(comparable(ours, r.result.resources)).toEqual(comparable(theirs as RenderedResource, dev.resources));
    }
});
