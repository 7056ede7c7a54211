/**
 * GPU capacity: the advice (regions from the sizes table, how to switch, what a region switch
 * costs), the check script run as a real process against a stand-in DigitalOcean API on loopback,
 * and its wiring in the prod render (before the droplet, re-run when the droplet would be replaced).
 * With no DigitalOcean account here, the real 422 is not reproduced: the stand-in answers
 * GET /v2/sizes with the fields the API documents (slug, regions, available, links.pages.next).
 */
import { spawn } from "child_process";
import * as http from "http";
import { AddressInfo } from "net";
import * as path from "path";
import { capacityAdvice } from "../../components/hosts/digitalocean-capacity";
import { DIGITALOCEAN_GPU_SIZES } from "../../components/hosts/digitalocean-sizes";
import { Rendered, renderStack } from "../../tools/render";

// Real processes: seconds each on a busy machine.
jest.setTimeout(60_000);

const ROOT = path.resolve(__dirname, "../..");
const SCRIPT = "components/hosts/scripts/gpu-capacity.js";

describe("the advice", () => {
    test("names the regions the sizes table sells the size in, and the sizes sold in this region", () => {
        const advice = capacityAdvice("gpu-h100x1-80gb", "tor1");
        expect(advice).toContain('422 "Size is not available in this region"');
        const others = DIGITALOCEAN_GPU_SIZES["gpu-h100x1-80gb"].regions.filter((r) => r !== "tor1");
        expect(others.length).toBeGreaterThan(0);
        expect(advice).toContain(`Another region that sells gpu-h100x1-80gb (sizes table, 2026-11-25): ${others.join(", ")}`);
        expect(advice).toContain("pulumi config set --path digitalocean.region <region>");
        expect(advice).toMatch(/gpu-4000adax1-20gb \(1x NVIDIA RTX 4000 Ada, 20 GB, \$0\.76\/h\)/);
        expect(advice).toContain("pulumi config set --path digitalocean.size <size>");
    });

    test("says what a region switch means: new, empty volumes, a new address, protected volumes to decide about", () => {
        const advice = capacityAdvice("gpu-h100x1-80gb", "nyc2");
        expect(advice).toMatch(/new region means NEW, EMPTY volumes/);
        expect(advice).toMatch(/model is pulled again/);
        expect(advice).toMatch(/Neo4j graph starts empty/);
        expect(advice).toMatch(/new address \(update DNS\)/);
        expect(advice).toMatch(/protected/);
        expect(advice).toContain("pulumi config set --path digitalocean.parked true && pulumi up");
    });

    test("a size sold in one region only says there is no other region", () => {
        expect(capacityAdvice("gpu-4000adax1-20gb", "tor1")).toContain("The sizes table lists no other region for gpu-4000adax1-20gb.");
    });
});

/** A stand-in for GET /v2/sizes: two pages, the size on the second; records the Authorization header. */
function standinApi(sizes: { slug: string; regions: string[]; available: boolean }[], status = 200) {
    const seen: string[] = [];
    const server = http.createServer((req, res) => {
        seen.push(`${req.method} ${req.url} ${req.headers.authorization ?? ""}`);
        const url = new URL(req.url ?? "/", "http://x");
        if (status !== 200) {
            res.writeHead(status, { "Content-Type": "application/json" });
            res.end(JSON.stringify({ id: "unauthorized", message: "Unable to authenticate you" }));
            return;
        }
        const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
        const page = url.searchParams.get("page") === "2" ? 2 : 1;
        const filler = { slug: "s-1vcpu-1gb", regions: ["nyc1", "tor1"], available: true, memory: 1024 };
        const body = page === 1
            ? { sizes: [filler], links: { pages: { next: `${base}/v2/sizes?page=2&per_page=200`, last: `${base}/v2/sizes?page=2&per_page=200` } }, meta: { total: 1 + sizes.length } }
            : { sizes, links: {}, meta: { total: 1 + sizes.length } };
        res.writeHead(200, { "Content-Type": "application/json" });
        res.end(JSON.stringify(body));
    });
    return new Promise<{ url: string; seen: string[]; close: () => Promise<void> }>((resolve) => {
        server.listen(0, "127.0.0.1", () => resolve({
            url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
            seen,
            close: () => new Promise((r) => server.close(() => r())),
        }));
    });
}

function runCheck(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
        const child = spawn("node", [SCRIPT], { cwd: ROOT, env: { PATH: process.env.PATH ?? "", ...env } });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
        child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
        const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
        child.on("error", reject);
        child.on("close", (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
    });
}

describe("the check script, against a stand-in API", () => {
    const base = { GPU_SIZE: "gpu-h100x1-80gb", GPU_REGION: "tor1", DIGITALOCEAN_TOKEN: "dop_v1_standin", CAPACITY_ADVICE: "ADVICE-FROM-THE-STACK" };

    test("available in the region: exit 0, says so; the token goes as a bearer header; pages are followed", async () => {
        const api = await standinApi([{ slug: "gpu-h100x1-80gb", regions: ["nyc2", "tor1"], available: true }]);
        try {
            const run = await runCheck({ ...base, DIGITALOCEAN_API_URL: api.url });
            expect(run).toMatchObject({ code: 0, stderr: "" });
            expect(run.stdout).toContain("capacity: gpu-h100x1-80gb is available in tor1 (sold now in: nyc2, tor1)");
            expect(api.seen).toEqual([
                "GET /v2/sizes?per_page=200 Bearer dop_v1_standin",
                "GET /v2/sizes?page=2&per_page=200 Bearer dop_v1_standin",
            ]);
        } finally {
            await api.close();
        }
    });

    test("no capacity in the region: exit 1, the live regions and the stack's advice", async () => {
        const api = await standinApi([{ slug: "gpu-h100x1-80gb", regions: ["nyc2", "ams3"], available: true }]);
        try {
            const run = await runCheck({ ...base, DIGITALOCEAN_API_URL: api.url });
            expect(run.code).toBe(1);
            expect(run.stderr).toContain("capacity: gpu-h100x1-80gb is not available in tor1 now; DigitalOcean sells it now in: nyc2, ams3.\nADVICE-FROM-THE-STACK");
        } finally {
            await api.close();
        }
    });

    test("a size DigitalOcean marks unavailable everywhere: exit 1, no region", async () => {
        const api = await standinApi([{ slug: "gpu-h100x1-80gb", regions: ["tor1"], available: false }]);
        try {
            const run = await runCheck({ ...base, DIGITALOCEAN_API_URL: api.url });
            expect(run.code).toBe(1);
            expect(run.stderr).toContain("sells it now in: no region");
        } finally {
            await api.close();
        }
    });

    test("a refused token or no API: exit 3 with what happened; no token: exit 2", async () => {
        const api = await standinApi([], 401);
        try {
            const refused = await runCheck({ ...base, DIGITALOCEAN_API_URL: api.url });
            expect(refused.code).toBe(3);
            expect(refused.stderr).toContain("DigitalOcean refused the token (HTTP 401)");
        } finally {
            await api.close();
        }
        const unreachable = await runCheck({ ...base, DIGITALOCEAN_API_URL: "http://127.0.0.1:9" });
        expect(unreachable.code).toBe(3);
        expect(unreachable.stderr).toMatch(/could not reach http:\/\/127\.0\.0\.1:9/);
        const { DIGITALOCEAN_TOKEN: _t, ...noToken } = base;
        expect((await runCheck(noToken)).code).toBe(2);
    });
});

describe("wiring in the prod render", () => {
    let r: Rendered;
    beforeAll(async () => {
        r = new Rendered(await renderStack({ stack: "prod", secrets: { neo4jPassword: "prod-password-1", backupPassword: "backup-password-0123456789", digitaloceanToken: "dop_v1_test" } }));
    }, 60_000);

    test("the droplet waits for the check; the check gets size, region, the advice for them and the token as a secret", () => {
        const check = r.named("host-gpu-capacity", "command:local:Command");
        const droplet = r.named("host-droplet");
        expect(r.dependsOn(droplet, check)).toBe(true);
        expect(check.inputs.create).toBe(`node ${SCRIPT}`);
        const env = check.inputs.environment as Record<string, string>;
        expect(env).toMatchObject({ GPU_SIZE: droplet.inputs.size, GPU_REGION: droplet.inputs.region, DIGITALOCEAN_TOKEN: "dop_v1_test" });
        expect(env.CAPACITY_ADVICE).toBe(capacityAdvice(String(droplet.inputs.size), String(droplet.inputs.region)));
        expect(check.secretPaths.some((p) => p.startsWith("environment"))).toBe(true);
    });

    test("it re-runs whenever the droplet would be replaced (size, region, image, user-data), before the old one goes", () => {
        const check = r.named("host-gpu-capacity", "command:local:Command");
        const droplet = r.named("host-droplet");
        const triggers = check.inputs.triggers as string[];
        expect(triggers.slice(0, 3)).toEqual([droplet.inputs.size, droplet.inputs.region, droplet.inputs.image]);
        expect(triggers[3]).toMatch(/^[0-9a-f]{16}$/);
        expect(check.deleteBeforeReplace).toBe(false);
    });
});
