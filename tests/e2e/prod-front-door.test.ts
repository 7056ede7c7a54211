/**
 * The front door on a real Docker engine with a real Caddy: the prod render (with Caddy's internal
 * CA in place of Let's Encrypt, which cannot reach this machine, and one basic-auth user) run as
 * containers: the proxy with its rendered command, network alias and uploaded JSON config, in front
 * of stub backend and frontend containers carrying the rendered envs and network aliases.
 *
 * Stand-ins, said plainly: the proxy image is Debian's caddy (2.6) put into an image with
 * `docker import` (tests/fixtures/images/caddy-image.ts), not the pinned official caddy:2.x; its
 * ports are published on 127.0.0.1 at random host ports, where prod publishes 0.0.0.0:80/443; its
 * /data and /config are the container's own (prod binds them to the block volume).
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as https from "https";
import * as os from "os";
import * as path from "path";
import { Rendered, renderStack } from "../../tools/render";
import { checkHttpRedirect, checkHttpsCertificate } from "../../tools/verify/checks/front-door";
import { ensureCaddyImage, forDebianCaddy, localCaddy } from "../fixtures/images/caddy-image";
import { ensureStandinImage } from "../fixtures/images/standin-image";
import { createNetwork, docker, E2E_LABEL, removeRunObjects, requireDockerEngine, RUN_ID } from "./support/docker-cli";
import { CONTAINER_TYPE, containerSpec, runRenderedContainer } from "./support/rendered-containers";

jest.setTimeout(240_000);

const HOST = "rag.example.com";
const USER = "alice";
const PASSWORD = "e2e-front-door-password";
const STUB_SERVER = path.resolve(__dirname, "../fixtures/app-stub/server.js");

let rendered: Rendered;
let standinImage: string;
let proxyName: string;
let backendName: string;
let frontendName: string;
let httpsPort: number;
let httpPort: number;
let rootCa: string;
let appNetwork: string;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "rag-stack-front-door-"));

function hostPort(container: string, internal: number): number {
    const out = docker(["port", container, `${internal}/tcp`]);
    const m = /127\.0\.0\.1:(\d+)/.exec(out);
    if (!m) throw new Error(`${container} publishes ${internal} as ${JSON.stringify(out)}`);
    return Number(m[1]);
}

interface Answer {
    status: number;
    headers: http.IncomingHttpHeaders;
    body: string;
    /** Each read of the body, with its arrival time: ms since the request started, and the wall clock. */
    chunks: { atMs: number; at: number; text: string }[];
}

/** An HTTPS request to the proxy for `HOST`, verified against Caddy's own root; the arrival time of every chunk recorded. */
function request(pathname: string, auth?: string, timeoutMs = 30_000): Promise<Answer> {
    return new Promise((resolve, reject) => {
        const started = Date.now();
        const chunks: Answer["chunks"] = [];
        const req = https.request({
            host: "127.0.0.1", port: httpsPort, path: pathname, servername: HOST, ca: rootCa,
            headers: { Host: HOST, ...(auth ? { Authorization: `Basic ${Buffer.from(auth).toString("base64")}` } : {}) },
        }, (res) => {
            res.setEncoding("utf8");
            res.on("data", (text: string) => chunks.push({ atMs: Date.now() - started, at: Date.now(), text }));
            res.on("end", () => {
                clearTimeout(timer);
                resolve({ status: res.statusCode ?? 0, headers: res.headers, body: chunks.map((c) => c.text).join(""), chunks });
            });
        });
        const timer = setTimeout(() => req.destroy(new Error(`no complete answer for ${pathname} within ${timeoutMs} ms`)), timeoutMs);
        req.on("error", (err) => {
            clearTimeout(timer);
            reject(err);
        });
        req.end();
    });
}

/** Waits (bounded) until Caddy answers HTTPS for HOST with a certificate from its local CA. */
async function waitForProxy(): Promise<void> {
    const deadline = Date.now() + 30_000;
    let last = "";
    while (Date.now() < deadline) {
        try {
            rootCa = (await copyOut(proxyName, "/data/caddy/pki/authorities/local/root.crt")).toString("utf8");
            await request("/", `${USER}:${PASSWORD}`, 10_000);
            return;
        } catch (err) {
            last = (err as Error).message;
            await new Promise((r) => setTimeout(r, 250));
        }
    }
    throw new Error(`Caddy did not answer HTTPS within 30 s (${last}):\n${docker(["logs", proxyName])}`);
}

async function copyOut(container: string, file: string): Promise<Buffer> {
    const dest = path.join(tmp, `copy-${Date.now()}`);
    docker(["cp", `${container}:${file}`, dest]);
    return fs.readFileSync(dest);
}

beforeAll(async () => {
    requireDockerEngine();
    if (!localCaddy()) throw new Error("this e2e needs Debian's caddy (apt-get install caddy)");
    const hash = execFileSync("caddy", ["hash-password", "--plaintext", PASSWORD], { encoding: "utf8", timeout: 60_000 }).trim();
    rendered = new Rendered(await renderStack({
        stack: "prod",
        secrets: { neo4jPassword: "e2e-password-1", backupPassword: "backup-password-0123456789", digitaloceanToken: "e2e-not-a-token", authPasswordHashes: JSON.stringify({ [USER]: hash }) },
        overrides: { "services.proxy.ca": "internal", "services.auth": { users: [USER] } },
    }));
    const [standin, caddyImage] = await Promise.all([ensureStandinImage(), ensureCaddyImage()]);
    standinImage = standin;
    const renderedNetwork = rendered.named("app-network", "docker:index/network:Network").inputs.name as string;
    appNetwork = createNetwork(`${renderedNetwork}-e2e-${RUN_ID}`);
    const networkNames = { [renderedNetwork]: appNetwork };
    const stubSource = fs.readFileSync(STUB_SERVER, "utf8");
    const runStub = (resourceName: string, role: string, port: number) => runRenderedContainer(containerSpec(rendered.named(resourceName, CONTAINER_TYPE)), {
        name: `rag-stack-prod-${role}-e2e-${RUN_ID}`, image: standin, command: ["node", "-e", stubSource], networkNames,
        extraEnv: { STUB_ROLE: role, STUB_PORT: String(port) },
    });
    const s = rendered.named("app-backend", CONTAINER_TYPE);
    backendName = runStub("app-backend", "backend", 8000);
    frontendName = runStub("app-frontend", "frontend", 3000);
    expect(s.inputs.ports).toEqual([]);

    // The proxy as the provider creates it: the container, then the uploaded config, then start.
    const proxy = rendered.named("proxy-container", CONTAINER_TYPE);
    const inputs = proxy.inputs as { command: string[]; uploads: { file: string; content: string }[]; networksAdvanced: { name: string; aliases: string[] }[] };
    proxyName = `rag-stack-prod-proxy-e2e-${RUN_ID}`;
    const net = inputs.networksAdvanced[0];
    docker(["create", "--name", proxyName, "--label", `${E2E_LABEL}=${RUN_ID}`,
        "--network", networkNames[net.name], ...net.aliases.flatMap((a) => ["--network-alias", a]),
        "-p", "127.0.0.1::80", "-p", "127.0.0.1::443", caddyImage, ...inputs.command]);
    for (const upload of inputs.uploads) {
        const file = path.join(tmp, path.basename(upload.file));
        // Caddy 2.6 lacks one field of the rendered config (the activity log's `mode`): forDebianCaddy.
        fs.writeFileSync(file, forDebianCaddy(upload.content));
        docker(["cp", file, `${proxyName}:${upload.file}`]);
    }
    docker(["start", proxyName]);
    httpsPort = hostPort(proxyName, 443);
    httpPort = hostPort(proxyName, 80);
    await waitForProxy();
});

afterAll(() => {
    const problems = removeRunObjects();
    fs.rmSync(tmp, { recursive: true, force: true });
    if (problems.length) console.warn(`e2e cleanup: ${problems.join("; ")}`);
});

const creds = `${USER}:${PASSWORD}`;

test("/api/x reaches the backend (as /x: the prefix is stripped), / and other paths the frontend", async () => {
    expect((await request("/api/x", creds)).body).toBe("backend /x\n");
    expect((await request("/api", creds)).body).toBe("backend /\n");
    expect((await request("/", creds)).body).toBe("frontend /\n");
    expect((await request("/apix/not-the-api", creds)).body).toBe("frontend /apix/not-the-api\n");
});

test("basic auth: 401 with a challenge without credentials or with a wrong password, 200 with them", async () => {
    const none = await request("/api/x");
    expect(none.status).toBe(401);
    expect(none.headers["www-authenticate"]).toBe('Basic realm="rag-stack"');
    expect(none.body).not.toContain("backend");
    expect((await request("/", `${USER}:wrong-password`)).status).toBe(401);
    expect((await request("/api/x", creds)).status).toBe(200);
});

test.each(["/api/stream", "/api/stream-sized"])("a streamed answer arrives chunk by chunk: the first long before the last is sent (%s)", async (pathname) => {
    const r = await request(pathname, creds);
    expect(r.status).toBe(200);
    const lines = r.body.trim().split("\n");
    expect(lines.map((l) => l.replace(/ sent at \d+$/, ""))).toEqual(["chunk 0", "chunk 1", "chunk 2", "chunk 3", "chunk 4"]);
    const arrivals = r.chunks.map((c) => c.atMs);
    console.log(`${pathname} through the proxy: ${r.chunks.length} reads at ${arrivals.join(", ")} ms`);
    // The backend spends 800 ms between the first and the last chunk; a buffering proxy would deliver them together.
    expect(r.chunks.length).toBeGreaterThanOrEqual(5);
    expect(arrivals[arrivals.length - 1] - arrivals[0]).toBeGreaterThanOrEqual(600);
    expect(r.chunks[0].text).toBe(`${lines[0]}\n`);
    // Containers share this machine's clock: the first chunk was here well before the backend sent the last.
    const sentLast = Number(/sent at (\d+)$/.exec(lines[4])?.[1]);
    expect(sentLast - r.chunks[0].at).toBeGreaterThanOrEqual(500);
});

test("a WebSocket upgrade passes through to the backend and carries bytes both ways", async () => {
    const echoed = await new Promise<string>((resolve, reject) => {
        const req = https.request({
            host: "127.0.0.1", port: httpsPort, path: "/api/ws", servername: HOST, ca: rootCa,
            headers: {
                Host: HOST, Authorization: `Basic ${Buffer.from(creds).toString("base64")}`,
                Connection: "Upgrade", Upgrade: "websocket", "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
            },
        });
        const timer = setTimeout(() => req.destroy(new Error("no upgrade within 15 s")), 15_000);
        req.on("upgrade", (res, socket) => {
            expect(res.statusCode).toBe(101);
            socket.once("data", (d: Buffer) => {
                clearTimeout(timer);
                socket.destroy();
                resolve(d.toString());
            });
            socket.write("hello through the door");
        });
        req.on("response", (res) => reject(new Error(`expected 101, got ${res.statusCode}`)));
        req.on("error", (e) => {
            clearTimeout(timer);
            reject(e);
        });
        req.end();
    });
    expect(echoed).toBe("backend echo: hello through the door");
});

test("security headers on the way out; the backend's Server header is removed; no HSTS with the internal CA", async () => {
    const r = await request("/api/x", creds);
    expect(r.headers["x-content-type-options"]).toBe("nosniff");
    expect(r.headers["x-frame-options"]).toBe("SAMEORIGIN");
    expect(r.headers["referrer-policy"]).toBe("strict-origin-when-cross-origin");
    expect(r.headers.server).toBeUndefined();
    expect(r.headers["strict-transport-security"]).toBeUndefined();
});

test("verify's rows against the real Caddy: the certificate is valid for the name, HTTP redirects to HTTPS", async () => {
    const target = { host: HOST, address: "127.0.0.1", httpsPort, httpPort, ca: "internal" as const, closedPorts: [] };
    const cert = await checkHttpsCertificate(target, { timeoutMs: 5000, trustedCa: rootCa });
    expect(cert.status).toBe("pass");
    expect(cert.data?.trusted).toBe(true);
    expect(cert.measured[0]).toContain(`certificate for ${HOST} from Caddy's internal CA`);
    // Caddy's automatic redirect points at the real HTTPS port (443), which is what prod publishes.
    const redirect = await checkHttpRedirect({ ...target, httpsPort: 443 }, { timeoutMs: 5000 });
    expect(redirect.measured[0]).toMatch(/HTTP 308 -> https:\/\/rag\.example\.com\//);
    expect(redirect.status).toBe("pass");
});

/** GET `url` from inside `container` with node (the stand-in's busybox wget cannot resolve names here); "refused: ..." when it fails. */
function getFrom(container: string, url: string): string {
    const script = 'const r=require("http").get(process.argv[1],{timeout:3000},(s)=>{let b="";s.on("data",(d)=>b+=d);s.on("end",()=>{process.stdout.write(b);process.exit(0)})});' +
        'r.on("timeout",()=>{console.error("timeout");process.exit(2)});r.on("error",(e)=>{console.error(e.code||e.message);process.exit(1)})';
    try {
        return docker(["exec", container, "node", "-e", script, url], 15_000);
    } catch (err) {
        return `refused: ${(err as Error).message}`;
    }
}

test("the backend's own port is reachable on the app network only: not published, not from another network", () => {
    expect(docker(["port", backendName])).toBe("");
    // Control: from a container on the app network the backend answers, by alias and by address.
    expect(getFrom(frontendName, "http://backend:8000/x")).toBe("backend /x");
    const backendIp = docker(["inspect", "-f", `{{(index .NetworkSettings.Networks "${appNetwork}").IPAddress}}`, backendName]);
    expect(backendIp).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(getFrom(frontendName, `http://${backendIp}:8000/x`)).toBe("backend /x");
    // From a container on another network: Docker isolates bridge networks from each other.
    const outsideNet = createNetwork(`rag-stack-outside-e2e-${RUN_ID}`);
    const outsider = `rag-stack-outsider-e2e-${RUN_ID}`;
    docker(["run", "-d", "--name", outsider, "--label", `${E2E_LABEL}=${RUN_ID}`, "--network", outsideNet, standinImage, "sleep", "120"]);
    expect(getFrom(outsider, `http://${backendIp}:8000/x`)).toMatch(/^refused: .*(timeout|ECONNREFUSED|EHOSTUNREACH)/);
    expect(getFrom(outsider, "http://backend:8000/x")).toMatch(/^refused: .*(ENOTFOUND|EAI_AGAIN)/);
});
