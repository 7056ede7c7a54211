/**
 * `npm run verify` on the scale stack, end to end on loopback: a stand-in Kubernetes API server
 * (the real URL layout of the API: statefulsets, pods, services and their proxy subresources, bearer
 * token checked) in front of two real stand-in Ollama processes, one per replica. Proves the rows
 * pass on a healthy cluster, name the replica that is not 100% on the GPU, see a missing replica,
 * and deal --concurrency streams over every replica.
 */
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as https from "https";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { main } from "../../tools/verify";
import { parseKubeconfig } from "../../tools/verify/kubernetes/kubeconfig";
import { PROJECT_ROOT } from "../../tools/render";
import { freePort } from "./support/native";

const STANDIN = path.join(PROJECT_ROOT, "tests", "fixtures", "ollama");
const MODEL = "qwen2.5:7b-instruct-q8_0";
const TOKEN = "test-token-123";
const NS = "rag-stack";

interface Replica { name: string; node: string; port: number; child: ChildProcess; ready: boolean }

let dir: string;
let replicas: Replica[] = [];
let api: http.Server;
let apiPort = 0;
let unauthorized = 0;
const served: Record<string, number> = {};


async function startReplica(name: string, node: string, env: Record<string, string>): Promise<Replica> {
    const port = await freePort();
    const child = spawn(STANDIN, ["serve"], {
        env: { ...process.env, OLLAMA_HOST: `127.0.0.1:${port}`, OLLAMA_MODELS: path.join(dir, name), STANDIN_PRELOADED_MODELS: MODEL, STANDIN_TOKENS_PER_SECOND: "400", ...env },
        stdio: "ignore",
    });
    for (let i = 0; i < 100; i++) {
        const up = await new Promise<boolean>((r) => {
            const s = net.connect({ port, host: "127.0.0.1" });
            s.once("connect", () => { s.destroy(); r(true); });
            s.once("error", () => r(false));
        });
        if (up) return { name, node, port, child, ready: true };
        await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error("stand-in did not start");
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { "Content-Type": "application/json" });
    res.end(JSON.stringify(body));
}

/** The parts of the Kubernetes API verify uses, with the real paths; pod proxies go to the replicas. */
function startApi(): Promise<void> {
    api = http.createServer((req, res) => {
        // The public health URL (the router's, through the load balancer in a real cluster): no credentials.
        if (req.url === "/healthz") {
            return json(res, 200, { status: "ok", failed: [], checks: { backend: { ok: true, reason: "HTTP 200" }, gpu: { ok: true, reason: "every model 100% on the GPU" } }, lastOllamaRequestAt: null });
        }
        if (req.headers.authorization !== `Bearer ${TOKEN}`) {
            unauthorized += 1;
            return json(res, 401, { kind: "Status", message: "Unauthorized" });
        }
        const url = new URL(req.url ?? "/", "http://api");
        const p = url.pathname;
        // The API server answers /version and /version/ (the OpenAPI path, which @kubernetes/client-node asks).
        if (p === "/version" || p === "/version/") return json(res, 200, { gitVersion: "v1.33.1" });
        if (p === `/apis/apps/v1/namespaces/${NS}/statefulsets/ollama`) {
            return json(res, 200, { spec: { replicas: replicas.length }, status: { replicas: replicas.length, readyReplicas: replicas.filter((r) => r.ready).length } });
        }
        if (p === `/api/v1/namespaces/${NS}/pods` && url.searchParams.get("labelSelector") === "app.kubernetes.io/name=ollama") {
            return json(res, 200, { items: replicas.map((r) => ({ metadata: { name: r.name }, spec: { nodeName: r.node }, status: { conditions: [{ type: "Ready", status: r.ready ? "True" : "False" }] } })) });
        }
        const pod = new RegExp(`^/api/v1/namespaces/${NS}/pods/([a-z0-9-]+):11434/proxy(/.*)$`).exec(p);
        if (pod) {
            const replica = replicas.find((r) => r.name === pod[1]);
            if (!replica) return json(res, 404, { message: "pod not found" });
            if (pod[2] === "/api/generate") served[replica.name] = (served[replica.name] ?? 0) + 1;
            const up = http.request({ host: "127.0.0.1", port: replica.port, path: pod[2], method: req.method, headers: { "content-type": "application/json" } }, (r) => {
                res.writeHead(r.statusCode ?? 502, r.headers);
                r.pipe(res);
            });
            up.on("error", () => json(res, 502, { message: "proxy error" }));
            req.pipe(up);
            return;
        }
        if (p === `/api/v1/namespaces/${NS}/services/backend:http/proxy/health`) return json(res, 200, { status: "ok" });
        if (p === `/api/v1/namespaces/${NS}/services/frontend:http/proxy/`) {
            res.writeHead(200, { "Content-Type": "text/html" });
            return res.end("<html></html>");
        }
        if (p === `/api/v1/namespaces/${NS}/services/front-door`) return json(res, 200, { status: { loadBalancer: { ingress: [{ ip: "203.0.113.80" }] } } });
        return json(res, 404, { message: `no route ${p}` });
    });
    return new Promise((resolve) => api.listen(0, "127.0.0.1", () => {
        apiPort = (api.address() as net.AddressInfo).port;
        resolve();
    }));
}

function outputsFile(server = `http://127.0.0.1:${apiPort}`, token = TOKEN): string {
    const kubeconfig = [
        "apiVersion: v1", "kind: Config", "current-context: do-tor1-rag-stack-scale",
        "clusters:", "- name: do-tor1-rag-stack-scale", "  cluster:", `    server: ${server}`,
        "contexts:", "- name: do-tor1-rag-stack-scale", "  context:", "    cluster: do-tor1-rag-stack-scale", "    user: do-tor1-rag-stack-scale-admin",
        "users:", "- name: do-tor1-rag-stack-scale-admin", "  user:", `    token: ${token}`, "",
    ].join("\n");
    const file = path.join(dir, "outputs.json");
    fs.writeFileSync(file, JSON.stringify({
        ollamaPlacement: "kubernetes", ollamaModel: MODEL, ollamaAccelerator: "nvidia", kubeconfig,
        cluster: { ollamaReplicas: 2 },
        kubernetesApp: { namespace: NS, ollamaPodPort: 11434, backendPort: 8000, backendHealthPath: "/health", frontendPort: 3000 },
        healthUrl: `http://127.0.0.1:${apiPort}/healthz`,
        alerts: {
            destinations: { emails: ["ops@example.org"] },
            uptimeCheck: { name: "rag-stack-scale health", target: "https://rag.example.com/healthz", regions: ["us_east", "eu_west"], enabled: true },
            policies: [{ name: "rag-stack-scale down", source: "uptime", type: "down", when: "the health URL fails (no answer, TLS error or not 2xx) for 3m" }],
            notes: [],
        },
    }));
    return file;
}

async function verify(...args: string[]): Promise<{ code: number; out: string }> {
    return verifyWith(outputsFile(), ...args);
}

async function verifyWith(outputs: string, ...args: string[]): Promise<{ code: number; out: string }> {
    let out = "";
    const spy = jest.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
        out += String(chunk);
        return true;
    });
    try {
        const code = await main(["--outputs", outputs, "--quiet", "--timeout", "5", "--generate-timeout", "20", ...args]);
        return { code, out };
    } finally {
        spy.mockRestore();
    }
}

beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "rag-verify-scale-"));
    unauthorized = 0;
    for (const k of Object.keys(served)) delete served[k];
    await startApi();
});

afterEach(async () => {
    await new Promise((r) => api.close(r));
    for (const r of replicas) {
        if (r.child.exitCode === null) {
            r.child.kill("SIGTERM");
            await new Promise((res) => r.child.once("exit", res));
        }
    }
    replicas = [];
    fs.rmSync(dir, { recursive: true, force: true });
});

test("a healthy cluster: every row passes, each replica 100% GPU, --concurrency 4 deals 2 streams to each", async () => {
    replicas = [await startReplica("ollama-0", "gpu-node-a", {}), await startReplica("ollama-1", "gpu-node-b", {})];
    const { code, out } = await verify("--concurrency", "4");
    expect(out).toContain("Kubernetes API answers");
    expect(out).toMatch(/Ollama replicas Ready, one per GPU node\s+PASS\s+2\/2 Ready/);
    expect(out).toMatch(/ollama-0: 100% GPU/);
    expect(out).toMatch(/ollama-1: 100% GPU/);
    expect(out).toMatch(/4 streams over 2 replicas: [\d.]+ tok\/s in all, 0 failed/);
    expect(out).toMatch(/ollama-0: 2 streams, [1-9][\d.]* tok\/s/);
    expect(out).toMatch(/ollama-1: 2 streams, [1-9][\d.]* tok\/s/);
    expect(out).toContain("load balancer at 203.0.113.80");
    expect(out).toContain(`HTTP 200 from http://127.0.0.1:${apiPort}/healthz: backend, gpu ok`);
    expect(out).toContain("1 alert to ops@example.org");
    expect(out).toContain("OK: 9 passed, 0 failed, 0 skipped");
    expect(code).toBe(0);
    // One warm-up per replica, then two streams each.
    expect(served).toEqual({ "ollama-0": 3, "ollama-1": 3 });
    expect(unauthorized).toBe(0);
});

test("a replica with part of its model on the CPU is named, and verify fails", async () => {
    replicas = [await startReplica("ollama-0", "gpu-node-a", {}), await startReplica("ollama-1", "gpu-node-b", { STANDIN_GPU_SHARE: "0.5" })];
    const { code, out } = await verify("--json");
    const report = JSON.parse(out) as { ok: boolean; checks: { id: string; status: string; measured: string[] }[] };
    expect(report.ok).toBe(false);
    const gpu = report.checks.find((c) => c.id === "gpu-share");
    expect(gpu?.status).toBe("fail");
    expect(gpu?.measured).toEqual([expect.stringMatching(/^ollama-0: 100% GPU/), expect.stringMatching(/^ollama-1: 50%\/50% CPU\/GPU/)]);
    expect(report.checks.find((c) => c.id === "load-spread")?.status).toBe("skip");
    expect(code).toBe(1);
});

test("a replica that is not Ready fails the replicas row; two replicas on one node fail it too", async () => {
    replicas = [await startReplica("ollama-0", "gpu-node-a", {}), await startReplica("ollama-1", "gpu-node-b", {})];
    replicas[1].ready = false;
    const notReady = await verify();
    expect(notReady.out).toMatch(/Ollama replicas Ready, one per GPU node\s+FAIL\s+1\/2 Ready/);
    expect(notReady.code).toBe(1);
    replicas[1].ready = true;
    replicas[1].node = "gpu-node-a";
    const shared = await verify();
    expect(shared.out).toContain("cause: two replicas share a GPU node");
    expect(shared.code).toBe(1);
});

test("kubeconfigs: DigitalOcean's shape (base64 CA, token) parses; one without a server is refused by name", async () => {
    const ca = Buffer.from("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n").toString("base64");
    const access = parseKubeconfig([
        "apiVersion: v1", "clusters:", "- cluster:", `    certificate-authority-data: ${ca}`, "    server: https://abc.k8s.ondigitalocean.com",
        "  name: do-tor1-x", "contexts:", "- context:", "    cluster: do-tor1-x", "    user: do-tor1-x-admin", "  name: do-tor1-x",
        "current-context: do-tor1-x", "kind: Config", "users:", "- name: do-tor1-x-admin", "  user:", "    token: dop_v1_abc",
    ].join("\n"));
    expect(access.server).toBe("https://abc.k8s.ondigitalocean.com");
    // What every request to the API server carries (KubeConfig.applyToHTTPSOptions): the CA, the token, TLS checked.
    const options: https.RequestOptions = {};
    await access.kubeConfig.applyToHTTPSOptions(options);
    expect(String(options.ca)).toContain("BEGIN CERTIFICATE");
    expect(options.headers).toEqual({ Authorization: "Bearer dop_v1_abc" });
    expect(options.cert).toBeUndefined();
    expect(options.key).toBeUndefined();
    expect(options.rejectUnauthorized).toBeUndefined();
    expect(() => parseKubeconfig("apiVersion: v1\nclusters:\n- name: x\n  cluster: {}\n")).toThrow("the kubeconfig's cluster has no server URL");
});

test("outputs without the kubeconfig (read without --show-secrets) are refused with the reason", async () => {
    const file = path.join(dir, "hidden.json");
    fs.writeFileSync(file, JSON.stringify({ ollamaPlacement: "kubernetes", ollamaModel: MODEL, ollamaAccelerator: "nvidia", kubeconfig: "[secret]", cluster: { ollamaReplicas: 2 }, kubernetesApp: {} }));
    let err = "";
    const spy = jest.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
        err += String(chunk);
        return true;
    });
    try {
        expect(await main(["--outputs", file, "--quiet"])).toBe(2);
    } finally {
        spy.mockRestore();
    }
    expect(err).toContain('kubeconfig is hidden ("[secret]"); read the outputs with --show-secrets');
    expect(err).toContain("kubernetesApp.namespace is missing");
});

test("an API server that refuses the token, and one that never answers: row 1 says which, and the others do not run", async () => {
    const refused = await verifyWith(outputsFile(undefined, "expired-token"));
    expect(refused.out).toMatch(/Kubernetes API answers\s+FAIL\s+GET \/version: HTTP 401 Unauthorized/);
    expect(refused.out).toContain("not run: the Kubernetes API did not answer (row 1)");
    expect(refused.code).toBe(1);

    // Accepts connections, answers nothing: the client's timeout (--timeout) ends the call.
    const held: net.Socket[] = [];
    const silent = net.createServer((socket) => { held.push(socket); /* never answers */ });
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", () => r()));
    try {
        const port = (silent.address() as net.AddressInfo).port;
        const started = Date.now();
        const hung = await verifyWith(outputsFile(`http://127.0.0.1:${port}`), "--timeout", "1");
        expect(hung.out).toMatch(/Kubernetes API answers\s+FAIL\s+no answer from the Kubernetes API within 1 s \(GET \/version\)/);
        expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
        for (const socket of held) socket.destroy();
        await new Promise((r) => silent.close(r));
    }
});
