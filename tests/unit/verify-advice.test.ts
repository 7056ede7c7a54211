import { parseHostsEntry } from "../../tools/verify/checks/ollama-reach";
import { adviseGpuShare, adviseModelMissing, adviseNeo4j, adviseOllamaFromContainer, adviseOllamaFromHost } from "../../tools/verify/advice";

describe("causes and fixes", () => {
    test("answers on the host's loopback, refused from the container -> bind it where containers reach it", () => {
        const a = adviseOllamaFromContainer({
            container: "rag-stack-dev-backend", url: "http://host.docker.internal:11434", kind: "refused", detail: "ECONNREFUSED",
            hostUrlAnswered: "http://127.0.0.1:11434", extraHosts: ["host.docker.internal:host-gateway"],
        });
        expect(a.cause).toContain("bound to 127.0.0.1 only");
        expect(a.cause).toContain("the host's loopback is not the container's");
        expect(a.fix).toContain("bindAddress");
        expect(a.fix).toContain("Docker bridge gateway");
        expect(a.fix).toContain("e.g. OLLAMA_HOST=172.17.0.1:11434");
        const known = adviseOllamaFromContainer({
            container: "b", url: "http://host.docker.internal:11434", kind: "refused", detail: "", extraHosts: [], gatewayAddress: "172.18.0.1",
        });
        expect(known.fix).toContain("here OLLAMA_HOST=172.18.0.1:11434");
    });

    test("the gateway address from a container's /etc/hosts", () => {
        const hosts = "127.0.0.1\tlocalhost\n# comment host.docker.internal\n172.17.0.1\thost.docker.internal\n172.18.0.2\tabc\n";
        expect(parseHostsEntry(hosts, "host.docker.internal")).toBe("172.17.0.1");
        expect(parseHostsEntry(hosts, "ollama")).toBeUndefined();
    });

    test("host.docker.internal unknown in the container -> the host-gateway mapping is missing", () => {
        const a = adviseOllamaFromContainer({ container: "b", url: "http://host.docker.internal:11434", kind: "dns", detail: "", extraHosts: [] });
        expect(a.cause).toContain("no host.docker.internal:host-gateway mapping");
    });

    test("alias ollama unknown -> not on the same network", () => {
        const a = adviseOllamaFromContainer({ container: "b", url: "http://ollama:11434", kind: "dns", detail: "", extraHosts: [] });
        expect(a.cause).toContain("not on the backend's network");
    });

    test("Ollama as a container on a Mac runs on the CPU", () => {
        const a = adviseGpuShare({ placement: "container", accelerator: "metal", size: 100, sizeVram: 0, dockerOnMac: true });
        expect(a.cause).toContain("Linux VM");
        expect(a.cause).toContain("0.5-0.7 tok/s");
        expect(a.fix).toContain("mode: native");
    });

    test("NVIDIA container with no GPU, and partial offload", () => {
        expect(adviseGpuShare({ placement: "container", accelerator: "nvidia", size: 100, sizeVram: 0, dockerOnMac: false }).cause).toContain("sees no NVIDIA GPU");
        expect(adviseGpuShare({ placement: "container", accelerator: "nvidia", size: 100, sizeVram: 60, dockerOnMac: false }).cause).toContain("does not fit in VRAM");
        expect(adviseGpuShare({ placement: "native", accelerator: "metal", size: 100, sizeVram: 0, dockerOnMac: false }).cause).toContain("Rosetta");
    });

    test("model missing names what is there and the separate stores", () => {
        const a = adviseModelMissing("qwen2.5:7b", ["llama3:latest"], "native");
        expect(a.cause).toContain("llama3:latest");
        expect(a.cause).toContain("not visible to a native Ollama, which keeps its own store");
        expect(a.fix).toContain("ollama pull qwen2.5:7b");
    });

    test("Ollama refused on the host; Neo4j refused and unauthorized", () => {
        expect(adviseOllamaFromHost("refused", "http://127.0.0.1:11434", "").cause).toContain("127.0.0.1:11434");
        expect(adviseNeo4j("ServiceUnavailable", "Failed to connect", "bolt://127.0.0.1:7687", "rag-stack-dev-neo4j").cause).toContain("nothing answers bolt");
        expect(adviseNeo4j("Neo.ClientError.Security.Unauthorized", "bad", "bolt://x", "n").cause).toContain("refused the user/password");
    });
});
