/**
 * `npm run verify` on a parked stack: the outputs the real program exports when parked (rendered
 * from Pulumi.prod.yaml with digitalocean.parked: true) give one row saying it is parked and what
 * it costs, and exit 0, as table and as JSON. No Docker engine, no Ollama, nothing else is tried.
 */
import { renderStack } from "../../tools/render";
import { parseStackOutputs } from "../../tools/verify/outputs";
import { parkedStack, StackIsParked } from "../../tools/verify/parked";
import { runVerify, writeOutputsFile } from "../e2e/support/verify-cli";

// Each test runs verify in a child process (ts-node): seconds on a busy machine.
jest.setTimeout(90_000);

let outputs: Record<string, unknown>;

beforeAll(async () => {
    const render = await renderStack({
        stack: "prod",
        overrides: { "digitalocean.parked": true },
        secrets: { neo4jPassword: "prod-password-1", backupPassword: "backup-password-0123456789", digitaloceanToken: "dop_v1_test" },
    });
    // As `pulumi stack output --json` prints them: undefined outputs are absent.
    outputs = JSON.parse(JSON.stringify(render.outputs)) as Record<string, unknown>;
}, 60_000);

test("the parked outputs are recognised before any app output is demanded", () => {
    expect(() => parseStackOutputs(outputs, "test")).toThrow(StackIsParked);
    expect(parkedStack(outputs)).toEqual({
        publicIp: "203.0.113.50", costPerHourUsd: 0.0253, costPerMonthUsd: 17, saving: { perHourUsd: 0.75256, perMonthUsd: 505.72 },
        uptimeCheck: { name: "rag-stack-prod health", enabled: false },
        // Pulumi.prod.yaml has no parking schedule: the row says so.
        schedule: expect.objectContaining({ enabled: false, savingPerMonthUsd: null }),
        // The backup job's status waits on the Neo4j volume; the bucket stays.
        backupStatusDir: "/mnt/rag-stack-neo4j/backup-status",
    });
    expect(parkedStack({ ...outputs, state: "running" })).toBeUndefined();
});

test("table: one row, parked, what it costs and saves, how to come back; exit 0", async () => {
    // A Docker host that cannot answer: the run must not need one.
    const run = await runVerify(["--outputs", writeOutputsFile(outputs), "--quiet", "--docker-host", "tcp://127.0.0.1:9"]);
    expect(run.code).toBe(0);
    const rows = run.stdout.split("\n").filter((l) => /^ {0,1}\d+ {3}/.test(l));
    expect(rows).toEqual([expect.stringMatching(/^ 1 {3}GPU host parked {2}PARKED {2}parked: no droplet, no containers; costs \$0\.0253\/h \(\$17\.00\/month/)]);
    expect(run.stdout).toContain("saves $0.7526/h ($505.72/month) against running");
    expect(run.stdout).toContain("address 203.0.113.50 kept; come back: pulumi config set --path digitalocean.parked false && pulumi up");
    expect(run.stdout).toContain('alerts: uptime check "rag-stack-prod health" disabled while parked (nothing fires)');
    expect(run.stdout).toContain("backups: parked, the status files are on the droplet's Neo4j volume (/mnt/rag-stack-neo4j/backup-status) and cannot be read while parked; the bucket keeps every snapshot");
    expect(run.stdout.trimEnd().split("\n").pop()).toBe("OK: parked (1 row)");
    expect(run.stderr).toBe("");
});

test("--json: ok, state parked, the costs, one check", async () => {
    const run = await runVerify(["--outputs", writeOutputsFile(outputs), "--json", "--quiet"]);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as { ok: boolean; state: string; stack: Record<string, unknown>; checks: { id: string; status: string }[] };
    expect(report).toMatchObject({ ok: true, state: "parked", stack: { costPerHourUsd: 0.0253, costPerMonthUsd: 17, publicIp: "203.0.113.50" } });
    expect(report.checks.map((c) => [c.id, c.status])).toEqual([["parked", "parked"]]);
});
