/**
 * verify's row 9 ("GPU still in use by the container"): Docker's health state parsed, the heal
 * timer's state read and described, and how the host is reached for it (ssh for prod, this
 * machine for a local engine). The row against real containers: tests/e2e/gpu-heal.test.ts.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { describeHealState } from "../../tools/verify/checks/gpu-in-use";
import { parseContainerState } from "../../tools/verify/container-health";
import { healStateCommand, healsWithinHour, hostShell, parseHealState, readHealState } from "../../tools/verify/heal-state";
import { OutputsError, parseStackOutputs } from "../../tools/verify/outputs";

const PROD_OUTPUTS = {
    ollamaPlacement: "container", ollamaModel: "qwen2.5:7b-instruct-q8_0", ollamaAccelerator: "nvidia",
    ollamaUrlForBackend: "http://ollama:11434", dockerHost: "ssh://root@203.0.113.7",
    containers: { backend: "b", frontend: "f", neo4j: "n", ollama: "rag-stack-prod-ollama" },
    backendUrl: "http://203.0.113.7:8000", backendHealthUrl: "http://203.0.113.7:8000/health", frontendUrl: "http://203.0.113.7/",
    neo4jBoltUrl: "bolt://127.0.0.1:7687", neo4jUser: "neo4j", neo4jPassword: "p",
};

test("the outputs say where the heal state is (gpuHost.ollamaHealStateDir), absent without a droplet; a bad path is refused", () => {
    const gpuHost = { size: "gpu-4000adax1-20gb", gpu: "1x NVIDIA RTX 4000 Ada", ollamaHealStateDir: "/var/lib/rag-stack/ollama-heal" };
    expect(parseStackOutputs({ ...PROD_OUTPUTS, gpuHost }, "test").ollamaHealStateDir).toBe("/var/lib/rag-stack/ollama-heal");
    expect(parseStackOutputs(PROD_OUTPUTS, "test").ollamaHealStateDir).toBeUndefined();
    expect(() => parseStackOutputs({ ...PROD_OUTPUTS, gpuHost: { ...gpuHost, ollamaHealStateDir: "relative; rm" } }, "test"))
        .toThrow(OutputsError);
});

test("Docker's .State with a failing health check: unhealthy, the streak and the last output", () => {
    const h = parseContainerState(JSON.stringify({
        Status: "running", Running: true, StartedAt: "2026-11-25T14:00:00Z",
        Health: { Status: "unhealthy", FailingStreak: 3, Log: [
            { ExitCode: 0, Output: "GPU 0: NVIDIA RTX 4000 Ada Generation (UUID: GPU-1)\nNAME ID SIZE MODIFIED\n" },
            { ExitCode: 255, Output: "Failed to initialize NVML: Unknown Error\n" },
        ] },
    }));
    expect(h).toEqual({ running: true, state: "running", health: "unhealthy", failingStreak: 3,
        lastOutput: "Failed to initialize NVML: Unknown Error", lastExitCode: 255, startedAt: "2026-11-25T14:00:00Z" });
});

test("no health check, or a stopped container", () => {
    expect(parseContainerState(JSON.stringify({ Status: "running", Running: true })).health).toBe("none");
    expect(parseContainerState(JSON.stringify({ Status: "exited", Running: false, Health: { Status: "unhealthy", Log: null } })))
        .toMatchObject({ running: false, state: "exited", health: "unhealthy", lastOutput: undefined });
});

test("the heal state: heals oldest first, the give-up message, counted over the last hour", () => {
    const state = parseHealState([
        "1795611600 2026-11-25T13:00:00Z Failed to initialize NVML: Unknown Error",
        "1795615200 2026-11-25T14:00:00Z Failed to initialize NVML: Unknown Error | (second)",
        "@@rag-stack-gave-up@@",
        "gave up at 2026-11-25T14:05:00Z: rag-stack-prod-ollama is unhealthy again after 3 heal(s)",
        "",
    ].join("\n"));
    expect(state.heals.map((h) => h.at.toISOString())).toEqual(["2026-11-25T13:00:00.000Z", "2026-11-25T14:00:00.000Z"]);
    expect(state.heals[1].reason).toBe("Failed to initialize NVML: Unknown Error | (second)");
    expect(state.gaveUp).toMatch(/^gave up at 2026-11-25T14:05:00Z/);
    expect(healsWithinHour(state, new Date("2026-11-25T14:30:00Z"))).toBe(1);
    expect(parseHealState("@@rag-stack-gave-up@@\n")).toEqual({ heals: [], gaveUp: undefined, dirExists: true });
    expect(parseHealState("@@rag-stack-no-heal-state@@\n@@rag-stack-gave-up@@\n").dirExists).toBe(false);
});

test("the report line: none, never, last heal with its age and count, gave up, not readable", () => {
    const now = new Date("2026-11-25T14:10:00Z");
    expect(describeHealState(undefined, now)).toContain("none on this host");
    expect(describeHealState({ heals: [], dirExists: true }, now)).toBe("heal timer: never had to heal");
    expect(describeHealState({ heals: [], dirExists: false }, now)).toContain("no state on this host yet");
    expect(describeHealState({ heals: [{ at: new Date("2026-11-25T14:00:00Z"), reason: "Failed to initialize NVML: Unknown Error" }], dirExists: true }, now))
        .toBe("heal timer: last heal 2026-11-25T14:00:00.000Z (10 min ago; 1 in the last hour), after: Failed to initialize NVML: Unknown Error");
    expect(describeHealState({ heals: [], gaveUp: "gave up at X", dirExists: true }, now)).toBe("heal timer: GAVE UP: gave up at X");
    expect(describeHealState("ssh failed (exit 255): Permission denied", now)).toContain("state not read (ssh failed");
});

test("the host is reached the way the Docker CLI reaches the engine: this machine, or ssh with the same user, host and port", () => {
    expect(hostShell("unix:///var/run/docker.sock", "true")).toEqual({ file: "sh", args: ["-c", "true"] });
    expect(hostShell("ssh://root@203.0.113.7", "true")).toEqual({ file: "ssh", args: ["-o", "BatchMode=yes", "-o", "ConnectTimeout=10", "root@203.0.113.7", "--", "true"] });
    expect(hostShell("ssh://admin@gpu.example.com:2222", "true")).toMatchObject({ args: expect.arrayContaining(["-p", "2222", "admin@gpu.example.com"]) });
    expect(hostShell("tcp://10.0.0.5:2376", "true")).toMatch(/only on this machine or over ssh/);
    expect(() => healStateCommand("/var/lib/x'; rm -rf /")).toThrow(/not a plain absolute path/);
});

test("readHealState reads a real directory on this machine (the e2e's and a local engine's path)", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rag-stack-heal-state-"));
    try {
        expect(await readHealState("unix:///var/run/docker.sock", path.join(dir, "missing"), 5000)).toEqual({ heals: [], gaveUp: undefined, dirExists: false });
        expect(await readHealState("unix:///var/run/docker.sock", dir, 5000)).toEqual({ heals: [], gaveUp: undefined, dirExists: true });
        fs.writeFileSync(path.join(dir, "heals"), "1795615200 2026-11-25T14:00:00Z Failed to initialize NVML: Unknown Error\n");
        fs.writeFileSync(path.join(dir, "gave-up"), "gave up at 2026-11-25T14:05:00Z: ...\n");
        const state = await readHealState("unix:///var/run/docker.sock", dir, 5000);
        expect(state).toMatchObject({ heals: [{ reason: "Failed to initialize NVML: Unknown Error" }], gaveUp: "gave up at 2026-11-25T14:05:00Z: ..." });
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
});
