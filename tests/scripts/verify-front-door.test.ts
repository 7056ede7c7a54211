/**
 * verify's front-door rows against real servers on loopback: an HTTPS server with a certificate
 * made by openssl for this test (trusted through the test's own root), a plain HTTP server that
 * redirects (or not), and ports that are open or closed.
 */
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as https from "https";
import { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import { checkClosedPorts, checkHttpRedirect, checkHttpsCertificate, FrontDoorTarget } from "../../tools/verify/checks/front-door";
import { parseStackOutputs } from "../../tools/verify/outputs";

const hasOpenssl = spawnSync("sh", ["-c", "command -v openssl"]).status === 0;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rag-stack-tls-"));
const servers: (http.Server | https.Server)[] = [];
afterAll(async () => {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    fs.rmSync(dir, { recursive: true, force: true });
});

/** A root CA and a leaf for `name`, valid `days` days from now (openssl). */
function makeCertificate(name: string, days: number): { ca: string; key: string; cert: string } {
    const f = (n: string) => path.join(dir, `${name}-${days}-${n}`);
    const run = (args: string[]) => execFileSync("openssl", args, { stdio: ["ignore", "pipe", "pipe"], timeout: 30_000 });
    run(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", f("ca.key"), "-out", f("ca.pem"), "-days", "30", "-subj", "/O=rag-stack test/CN=rag-stack test root"]);
    run(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", f("leaf.key"), "-out", f("leaf.csr"), "-subj", `/CN=${name}`]);
    fs.writeFileSync(f("ext"), `subjectAltName=DNS:${name}\n`);
    run(["x509", "-req", "-in", f("leaf.csr"), "-CA", f("ca.pem"), "-CAkey", f("ca.key"), "-CAcreateserial", "-out", f("leaf.pem"), "-days", String(days), "-extfile", f("ext")]);
    return { ca: fs.readFileSync(f("ca.pem"), "utf8"), key: fs.readFileSync(f("leaf.key"), "utf8"), cert: fs.readFileSync(f("leaf.pem"), "utf8") };
}

function listen(server: http.Server | https.Server): Promise<number> {
    servers.push(server);
    return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)));
}

async function freePort(): Promise<number> {
    const s = http.createServer();
    const port = await new Promise<number>((r) => s.listen(0, "127.0.0.1", () => r((s.address() as AddressInfo).port)));
    await new Promise((r) => s.close(r));
    return port;
}

const target = (over: Partial<FrontDoorTarget>): FrontDoorTarget => ({
    host: "rag.test", address: "127.0.0.1", httpsPort: 443, httpPort: 80, ca: "letsencrypt", closedPorts: [], ...over,
});
const opts = { timeoutMs: 3000 };

(hasOpenssl ? describe : describe.skip)("https-certificate", () => {
    let good: { ca: string; port: number };
    let shortLived: { ca: string; port: number };
    beforeAll(async () => {
        const g = makeCertificate("rag.test", 90);
        good = { ca: g.ca, port: await listen(https.createServer({ key: g.key, cert: g.cert }, (_q, s) => s.end("ok"))) };
        const s = makeCertificate("rag.test", 5);
        shortLived = { ca: s.ca, port: await listen(https.createServer({ key: s.key, cert: s.cert }, (_q, r) => r.end("ok"))) };
    }, 60_000);

    test("a trusted certificate for the name with 90 days left passes, with issuer and expiry", async () => {
        const r = await checkHttpsCertificate(target({ httpsPort: good.port }), { ...opts, trustedCa: good.ca });
        expect(r.status).toBe("pass");
        expect(r.measured[0]).toBe("certificate valid for rag.test");
        expect(r.measured[1]).toBe("issuer rag-stack test, rag-stack test root");
        expect(r.data?.daysLeft).toBeGreaterThanOrEqual(88);
    });
    test("expiring within 14 days fails", async () => {
        const r = await checkHttpsCertificate(target({ httpsPort: shortLived.port }), { ...opts, trustedCa: shortLived.ca });
        expect(r.status).toBe("fail");
        expect(r.measured[0]).toMatch(/^certificate for rag\.test expires in [45] days \(less than 14\)$/);
        // The same certificate 80 days earlier in its life would pass: the threshold is what fails it.
        const early = await checkHttpsCertificate(target({ httpsPort: shortLived.port }), { ...opts, trustedCa: shortLived.ca, now: new Date(Date.now() - 80 * 86_400_000) });
        expect(early.status).toBe("pass");
    });
    test("a certificate for another name fails", async () => {
        const r = await checkHttpsCertificate(target({ host: "other.test", httpsPort: good.port }), { ...opts, trustedCa: good.ca });
        expect(r.status).toBe("fail");
        expect(r.measured[0]).toMatch(/^certificate not valid for other\.test: Hostname\/IP does not match certificate's altnames/);
    });
    test("an untrusted chain fails (no test root given); Caddy's internal CA is accepted as configured", async () => {
        const r = await checkHttpsCertificate(target({ httpsPort: good.port }), opts);
        expect(r.status).toBe("fail");
        expect(r.measured[0]).toMatch(/^certificate for rag\.test is not trusted: /);
        expect((await checkHttpsCertificate(target({ httpsPort: good.port, ca: "internal" }), opts)).status).toBe("pass");
    });
    test("nothing listening fails with the cause", async () => {
        const r = await checkHttpsCertificate(target({ httpsPort: await freePort() }), opts);
        expect(r.status).toBe("fail");
        expect(r.cause).toMatch(/nothing listens on the HTTPS port/);
    });
});

describe("http-redirect", () => {
    test("a 308 to https://<host>/ passes (the Host header carries the name); a redirect elsewhere fails", async () => {
        let seenHost = "";
        const port = await listen(http.createServer((q, s) => {
            seenHost = q.headers.host ?? "";
            s.writeHead(308, { Location: q.url === "/" ? `https://${q.headers.host}/` : "x" }).end();
        }));
        const r = await checkHttpRedirect(target({ httpPort: port }), opts);
        expect(seenHost).toBe("rag.test");
        expect(r.status).toBe("pass");
        expect(r.measured[0]).toMatch(new RegExp(`^GET http://rag\\.test:${port}/ \\(at 127\\.0\\.0\\.1\\): HTTP 308 -> https://rag\\.test/ `));
        const elsewhere = await listen(http.createServer((_q, s) => s.writeHead(301, { Location: "https://evil.test/" }).end()));
        expect((await checkHttpRedirect(target({ httpPort: elsewhere }), opts)).status).toBe("fail");
    });
    test("an app answering 200 on plain HTTP fails", async () => {
        const port = await listen(http.createServer((_q, s) => s.end("the app, in clear text")));
        const r = await checkHttpRedirect(target({ httpPort: port }), opts);
        expect(r.status).toBe("fail");
        expect(r.measured[0]).toMatch(/HTTP 200/);
    });
    test("nothing on port 80 fails", async () => {
        expect((await checkHttpRedirect(target({ httpPort: await freePort() }), opts)).status).toBe("fail");
    });
});

describe("closed-ports", () => {
    test("refused ports pass; one listening port fails the row and is named", async () => {
        const closed = await freePort();
        const r = await checkClosedPorts(target({ closedPorts: [closed] }), opts);
        // 8000, 3000, 7474, 7687, 11434 are checked too: on this machine's loopback nothing of ours listens there.
        expect(Object.keys(r.data?.ports as object).map(Number)).toEqual(expect.arrayContaining([3000, 7474, 7687, 8000, 11434, closed]));
        expect((r.data?.ports as Record<string, string>)[closed]).toBe("refused");
        const open = await listen(http.createServer((_q, s) => s.end()));
        const bad = await checkClosedPorts(target({ closedPorts: [open] }), opts);
        expect(bad.status).toBe("fail");
        expect(bad.measured[0]).toContain(`open ${open}`);
    });
});

test("the frontDoor output is read and checked", () => {
    const base = {
        ollamaPlacement: "container", ollamaModel: "m:1", ollamaAccelerator: "nvidia", ollamaUrlForBackend: "http://ollama:11434",
        dockerHost: "ssh://root@203.0.113.50", containers: { backend: "b", frontend: "f", neo4j: "n", ollama: "o" },
        backendUrl: "https://rag.example.com/api", backendHealthUrl: "https://rag.example.com/api/health", frontendUrl: "https://rag.example.com/",
        neo4jBoltUrl: "bolt://127.0.0.1:7687", neo4jUser: "neo4j", neo4jPassword: "pw",
    };
    const door = { host: "rag.example.com", address: "203.0.113.50", httpPort: 80, httpsPort: 443, ca: "letsencrypt", closedPorts: [3000, 8000], url: "https://rag.example.com" };
    expect(parseStackOutputs({ ...base, frontDoor: door }, "t").frontDoor).toEqual({
        host: "rag.example.com", address: "203.0.113.50", httpPort: 80, httpsPort: 443, ca: "letsencrypt", closedPorts: [3000, 8000],
    });
    expect(parseStackOutputs(base, "t").frontDoor).toBeUndefined();
    expect(() => parseStackOutputs({ ...base, frontDoor: { ...door, ca: "zerossl" } }, "t")).toThrow(/frontDoor is .*expected \{host, address/);
});
