/**
 * The seed's migration and its rollback, rehearsed in the engine's order on a real Docker engine:
 * dev native -> dev container -> dev native (-> dev container again), each step one `up`.
 *
 * Each side is the real program rendered under mocks from the real Pulumi.dev.yaml (plus
 * placeholders: ports, temp directories, the stand-in as the `ollama` binary). The steps between
 * two renders are computed as the engine orders them (support/engine-order.ts: creates, updates
 * and replacements first in dependency order, deletes of removed resources last in reverse order)
 * and executed for real (support/rehearsal-engine.ts): the native scripts as processes, the
 * containers with `docker run` and the rendered ports, volumes, envs and networks.
 *
 * Measured per step: the backend's outage (a prober on the app network asks the backend stub,
 * which asks Ollama at its OLLAMA_BASE_URL, every 100 ms), the model bytes the stand-in fetched
 * (its /api/pull download log: 0 when the store already has the model), and whether a marker file
 * in Neo4j's data volume survived with the same Neo4j container.
 *
 * Rehearsed with `ollama.bindAddress: 127.0.0.1` (what `auto` means on a Mac: the address a
 * published container port would take) and `auto` (on Linux, the Docker bridge gateway). With
 * 127.0.0.1 on Linux a container cannot reach the host's loopback; Docker Desktop forwards
 * host.docker.internal to the Mac's loopback, and a relay on the bridge gateway plays that part.
 */
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { RenderResult } from "../../tools/render";
import { ensureStandinImage } from "../fixtures/images/standin-image";
import { freePort } from "./support/app-stub";
import { docker, E2E_LABEL, hostGatewayAddress, removeRunObjects, requireDockerEngine, RUN_ID } from "./support/docker-cli";
import { describeSteps, engineSteps } from "./support/engine-order";
import { Outage, OutageProbe } from "./support/outage-probe";
import { RehearsalEngine } from "./support/rehearsal-engine";
import { renderInChild } from "./support/render-child";
import { STANDIN } from "./support/standin-host";
import { row, runVerify, writeOutputsFile } from "./support/verify-cli";

jest.setTimeout(240_000);

type Placement = "native" | "container";

interface Figure {
    bindAddress: string;
    step: string;
    upSeconds: number;
    outage?: Outage;
    downloadedBytes: number;
    neo4jIntact: boolean;
}

const figures: Figure[] = [];
let image: string;
let gateway: string;

/**
 * The stand-in image, held by a stopped container of this run: a parallel e2e run that built the
 * stand-in from other content removes "older builds" by tag, which Docker refuses for an image a
 * container uses.
 */
async function heldStandinImage(): Promise<string> {
    let lastError: unknown;
    for (let attempt = 0; attempt < 3; attempt++) {
        const tag = await ensureStandinImage();
        try {
            docker(["create", "--name", `rag-stack-image-holder-e2e-${RUN_ID}`, "--label", `${E2E_LABEL}=${RUN_ID}`, tag, "true"]);
            return tag;
        } catch (err) {
            lastError = err;
        }
    }
    throw lastError;
}

beforeAll(async () => {
    requireDockerEngine();
    image = await heldStandinImage();
    gateway = hostGatewayAddress(image);
});

afterAll(() => {
    const problems = removeRunObjects();
    if (problems.length) console.warn(`e2e cleanup: ${problems.join("; ")}`);
    if (figures.length) console.log(figuresTable([...figures].sort((a, b) => a.bindAddress.localeCompare(b.bindAddress))));
});

function figuresTable(rows: Figure[]): string {
    const lines = ["bindAddress  step                    up (s)  backend outage (s)  model bytes downloaded  Neo4j data"];
    for (const f of rows) {
        lines.push(`${f.bindAddress.padEnd(12)} ${f.step.padEnd(23)} ${f.upSeconds.toFixed(1).padStart(6)}  ` +
            `${(f.outage ? `${f.outage.longestSeconds.toFixed(1)} (${f.outage.failedSamples}/${f.outage.samples} samples)` : "(first up)").padEnd(18)}  ` +
            `${String(f.downloadedBytes).padStart(22)}  ${f.neo4jIntact ? "intact" : "LOST"}`);
    }
    return lines.join("\n");
}

/** Docker Desktop's host.docker.internal forwarding to the Mac's loopback, on the bridge gateway. */
function startLoopbackRelay(address: string, port: number): Promise<net.Server> {
    const server = net.createServer((client) => {
        const upstream = net.connect(port, "127.0.0.1");
        client.pipe(upstream).pipe(client);
        const close = () => { client.destroy(); upstream.destroy(); };
        client.on("error", close);
        upstream.on("error", close);
    });
    return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, address, () => resolve(server));
    });
}

/** Waits (bounded: 60 s, a loaded machine starts node slowly) until the backend answers through Ollama. */
async function answering(probe: OutageProbe, when: string): Promise<void> {
    if (await probe.waitAnswering(60_000)) return;
    throw new Error(`${when}: the backend did not answer through Ollama within 60 s; the prober's last lines:\n${probe.lastLines(10)}`);
}

function downloaded(ledger: string): number {
    if (!fs.existsSync(ledger)) return 0;
    return fs.readFileSync(ledger, "utf8").split("\n").filter(Boolean).reduce((sum, l) => sum + Number(l.split(" ").pop()), 0);
}

/** One rehearsal; `verifyContainer`: run `verify` against the first container placement (once per file: it is slow). */
async function rehearse(bindAddress: string, sequence: Placement[], tag: string, verifyContainer: boolean): Promise<Figure[]> {
    const mine: Figure[] = [];
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rag-stack-switch-"));
    const ledgerDir = path.join(dir, "ledger");
    fs.mkdirSync(ledgerDir, { mode: 0o777 });
    const ledger = path.join(ledgerDir, "downloads.log");
    const [ollamaPort, backendPort, frontendPort, boltPort, httpPort] = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];
    const overrides = {
        "ollama.port": ollamaPort, "ollama.binary": STANDIN, "ollama.bindAddress": bindAddress,
        "ollama.stateDir": path.join(dir, "state"), "ollama.modelsDir": path.join(dir, "models"), "ollama.readyTimeoutSeconds": 20,
        "services.backend.hostPort": backendPort, "services.frontend.hostPort": frontendPort,
        "services.neo4j.boltPort": boltPort, "services.neo4j.httpPort": httpPort,
    };
    const secrets = { neo4jPassword: "e2e-password-1" };
    const [nativeSide, containerSide] = await Promise.all([
        renderInChild({ stack: "dev", secrets, overrides }),
        renderInChild({ stack: "dev", secrets, overrides: { ...overrides, "ollama.mode": "container", "ollama.accelerator": "cpu" } }),
    ]);
    const sides: Record<Placement, RenderResult> = { native: nativeSide, container: containerSide };
    const relay = bindAddress === "127.0.0.1" ? await startLoopbackRelay(gateway, ollamaPort) : undefined;
    const engine = new RehearsalEngine({
        image, suffix: `e2e-${RUN_ID}-${tag}`, ledgerDir,
        baseEnv: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/root", STANDIN_DOWNLOAD_LOG: ledger },
    });
    const log: string[] = [];
    const backendUrl = `http://backend:${(nativeSide.resources.find((r) => r.name === "app-backend")?.inputs.ports as { internal: number }[])[0].internal}/`;
    const marker = `rehearsal-${RUN_ID}-${tag}`;
    let neo4jId = "";
    let verified = !verifyContainer;
    let probe: OutageProbe | undefined;
    try {
        let current: RenderResult | undefined;
        let from = "empty stack";
        for (const [n, placement] of sequence.entries()) {
            const target = sides[placement];
            const steps = engineSteps(current, target);
            log.push(`up #${n + 1}: ${from} -> ${placement} (bindAddress ${bindAddress})`, describeSteps(steps));
            const network = () => engine.networkName("rag-stack-dev") as string;
            probe = undefined;
            if (current) {
                probe = OutageProbe.start(image, `rag-stack-probe-e2e-${RUN_ID}-${tag}-${n}`, network(), backendUrl);
                await answering(probe, `before up #${n + 1}`);
            }
            const bytesBefore = downloaded(ledger);
            const started = Date.now();
            await engine.up(steps, (l) => log.push(l), target.invokes);
            const upSeconds = (Date.now() - started) / 1000;
            if (!probe) probe = OutageProbe.start(image, `rag-stack-probe-e2e-${RUN_ID}-${tag}-${n}`, network(), backendUrl);
            // The backend answers through the new placement (bounded wait), then the prober stops.
            await answering(probe, `after up #${n + 1}`);
            const seen = probe.stop();
            probe = undefined;
            const outage = current ? seen : undefined;
            const neo4j = engine.containerName("rag-stack-dev-neo4j") as string;
            if (!current) {
                docker(["exec", neo4j, "sh", "-c", `echo ${marker} > /data/rehearsal-marker`]);
                neo4jId = docker(["inspect", "-f", "{{.Id}}", neo4j]);
            }
            const neo4jIntact = docker(["inspect", "-f", "{{.Id}}", neo4j]) === neo4jId &&
                docker(["exec", neo4j, "cat", "/data/rehearsal-marker"]) === marker;
            const figure = { bindAddress, step: `${from === "empty stack" ? "first up" : from} -> ${placement}`, upSeconds, outage, downloadedBytes: downloaded(ledger) - bytesBefore, neo4jIntact };
            mine.push(figure);
            figures.push(figure);

            if (placement === "container" && !verified) {
                // verify reaches the container without a host port: `docker exec` into it and the backend.
                const o = target.outputs as Record<string, unknown> & { containers: Record<string, string> };
                expect(o.ollamaUrlFromHost).toBeUndefined();
                const run = await runVerify(["--outputs", writeOutputsFile({
                    ...o, containers: { backend: engine.containerName(o.containers.backend), frontend: o.containers.frontend, neo4j, ollama: engine.containerName(o.containers.ollama) },
                    // The backup rows read this machine's real status directory: their own tests (verify-backup).
                    backup: undefined,
                }), "--skip", "neo4j,http", "--timeout", "10"]);
                log.push(run.stdout);
                expect({ code: run.code, out: run.stdout }).toEqual({ code: 0, out: expect.any(String) });
                expect(row(run.stdout, 1)).toMatch(/PASS.*inside rag-stack-dev-ollama/);
                expect(row(run.stdout, 2)).toContain("PASS");
                expect(row(run.stdout, 3)).toContain("PASS");
                verified = true;
            }
            current = target;
            from = placement;
        }
        // One model store for every container phase: switching back reuses the volume, never a new one.
        const creates = engine.createdVolumes.filter((v) => v.resource === "ollama-container-models");
        expect(creates).toHaveLength(sequence.filter((p) => p === "container").length);
        expect(new Set(creates.map((v) => v.name)).size).toBe(1);
        return mine;
    } finally {
        console.log(log.join("\n"));
        relay?.close();
        try { probe?.stop(); } catch { /* gone already */ }
        const problems = await engine.destroy();
        if (problems.length) console.warn(`rehearsal cleanup: ${problems.join("; ")}`);
        for (const v of engine.createdVolumes) {
            try { docker(["volume", "rm", "-f", v.name]); } catch { /* removed already */ }
        }
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

function expectSwitchFigures(rows: Figure[]): void {
    expect(rows[0].downloadedBytes).toBeGreaterThan(0);
    for (const f of rows) expect(f.neo4jIntact).toBe(true);
    for (const f of rows.slice(1)) {
        expect(f.downloadedBytes).toBe(0);
        // The backend is replaced (delete, then create) once the new placement is ready: seconds, not the pull.
        expect(f.outage?.longestSeconds).toBeLessThan(30);
    }
}

// One after the other (run at once, they measure each other's load), each reported by its own test.
let loopback: PromiseSettledResult<Figure[]>;
let auto: PromiseSettledResult<Figure[]>;
beforeAll(async () => {
    [loopback] = await Promise.allSettled([rehearse("127.0.0.1", ["native", "container", "native", "container"], "lo", true)]);
    [auto] = await Promise.allSettled([rehearse("auto", ["native", "container", "native"], "auto", false)]);
}, 600_000);

const figuresOf = (r: PromiseSettledResult<Figure[]>): Figure[] => {
    if (r.status === "rejected") throw r.reason;
    return r.value;
};

test("bindAddress 127.0.0.1 (a Mac's auto): native -> container -> native -> container, each in one up", () => {
    expectSwitchFigures(figuresOf(loopback));
});

test("bindAddress auto (Linux: the bridge gateway): native -> container -> native, each in one up", () => {
    expectSwitchFigures(figuresOf(auto));
});
