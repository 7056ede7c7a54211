import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { OutputsError, parseStackOutputs, readOutputsFile } from "../../tools/verify/outputs";

/** Outputs as `pulumi stack output --json --show-secrets` prints them for the dev stack (an undefined output is absent). */
const DEV_OUTPUTS = {
    ollamaPlacement: "native",
    ollamaModel: "qwen2.5:7b-instruct-q8_0",
    ollamaAccelerator: "metal",
    ollamaUrlForBackend: "http://host.docker.internal:11434",
    ollamaUrlFromHost: "http://127.0.0.1:11434",
    dockerHost: "unix:///var/run/docker.sock",
    containers: { backend: "rag-stack-dev-backend", frontend: "rag-stack-dev-frontend", neo4j: "rag-stack-dev-neo4j" },
    backendUrl: "http://localhost:8000",
    backendHealthUrl: "http://localhost:8000/health",
    frontendUrl: "http://localhost:3000/",
    neo4jBoltUrl: "bolt://127.0.0.1:7687",
    neo4jUser: "neo4j",
    neo4jPassword: "dev-password-1",
};

describe("stack outputs", () => {
    test("the dev outputs parse; absent optional outputs stay undefined", () => {
        const o = parseStackOutputs(DEV_OUTPUTS, "test");
        expect(o.ollamaPlacement).toBe("native");
        expect(o.ollamaUrlFromHost).toBe("http://127.0.0.1:11434");
        expect(o.ollamaProcessor).toBeUndefined();
        expect(o.containers.ollama).toBeUndefined();
    });

    test("prod: no URL from the host, the Ollama container named instead", () => {
        const { ollamaUrlFromHost: _u, ...rest } = DEV_OUTPUTS;
        const o = parseStackOutputs({
            ...rest, ollamaPlacement: "container", ollamaAccelerator: "nvidia", ollamaUrlForBackend: "http://ollama:11434",
            dockerHost: "ssh://root@203.0.113.7", containers: { ...DEV_OUTPUTS.containers, ollama: "rag-stack-prod-ollama" },
        }, "test");
        expect(o.ollamaUrlFromHost).toBeUndefined();
        expect(o.containers.ollama).toBe("rag-stack-prod-ollama");
        expect(o.gpuHostGpu).toBeUndefined();
    });

    test("the droplet's GPU from gpuHost.gpu, when the stack created one", () => {
        expect(parseStackOutputs({ ...DEV_OUTPUTS, gpuHost: { size: "gpu-h100x1-80gb", gpu: "1x NVIDIA H100", pricePerHourUsd: 3.39 } }, "t").gpuHostGpu).toBe("1x NVIDIA H100");
    });

    test("every problem is listed at once", () => {
        const bad = { ...DEV_OUTPUTS, ollamaPlacement: "vm", neo4jPassword: "[secret]", frontendUrl: "localhost:3000", containers: { backend: "b" } };
        let error: OutputsError | undefined;
        try {
            parseStackOutputs(bad, "pulumi");
        } catch (err) {
            error = err as OutputsError;
        }
        expect(error).toBeInstanceOf(OutputsError);
        expect(error?.problems).toEqual(expect.arrayContaining([
            expect.stringContaining("ollamaPlacement is \"vm\""),
            expect.stringContaining("neo4jPassword is hidden"),
            expect.stringContaining("containers.frontend is missing"),
            expect.stringContaining("frontendUrl is \"localhost:3000\"; expected an http(s) URL"),
        ]));
    });

    test("container placement without any way to reach Ollama is refused", () => {
        const { ollamaUrlFromHost: _u, ...rest } = DEV_OUTPUTS;
        expect(() => parseStackOutputs({ ...rest, ollamaPlacement: "container" }, "t")).toThrow("containers.ollama is missing");
    });

    test("a file that is not JSON says so", () => {
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "verify-")), "out.json");
        fs.writeFileSync(file, "{ not json");
        expect(() => readOutputsFile(file)).toThrow("not valid JSON");
        expect(() => readOutputsFile(`${file}.missing`)).toThrow("cannot read the file");
    });
});
