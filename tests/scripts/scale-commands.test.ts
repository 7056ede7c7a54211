/**
 * The scale stack's `refresh` and `destroy` (npm run refresh:scale / destroy:scale): both first
 * update the Kubernetes provider alone (a targeted `up`), so that they run with a kubeconfig token
 * from now instead of the one in state, which DigitalOcean expires 7 days after the last `up`; and
 * they stop there when that update fails. Real `npm run`, a recording stand-in pulumi CLI.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROJECT_ROOT } from "../../tools/render";

const PROVIDER_URN = "urn:pulumi:scale::rag-stack::rag-stack:hosts:DoksCluster$pulumi:providers:kubernetes::cluster-k8s";

let dir: string;
beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "rag-scale-commands-"));
    // The stand-in CLI: answers `version` as a recent CLI, records every other call, fails `up` when asked.
    fs.writeFileSync(path.join(dir, "pulumi"), [
        "#!/bin/sh",
        'if [ "$1" = version ]; then echo v3.999.0; exit 0; fi',
        'printf "%s\\n" "$*" >> "$FAKE_PULUMI_LOG"',
        'if [ "$1" = up ] && [ -n "${FAKE_UP_FAILS:-}" ]; then echo "error: the DigitalOcean API refused the token" >&2; exit 255; fi',
        "exit 0",
        "",
    ].join("\n"), { mode: 0o755 });
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function npmRun(script: string, args: string[], env: Record<string, string> = {}) {
    const log = path.join(dir, "calls.log");
    const r = spawnSync("npm", ["run", "--silent", script, "--", ...args], {
        cwd: PROJECT_ROOT,
        env: { ...process.env, RAG_STACK_PULUMI: path.join(dir, "pulumi"), FAKE_PULUMI_LOG: log, ...env },
        encoding: "utf8",
        timeout: 60_000,
    });
    const calls = fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n") : [];
    return { status: r.status, calls, stderr: r.stderr };
}

test.each([["destroy:scale", "destroy"], ["refresh:scale", "refresh"]])("%s: the Kubernetes provider is updated alone first, then the stack is %sed", (script, verb) => {
    const r = npmRun(script, ["--yes"]);
    expect(r.calls).toEqual([
        `up --stack scale --target ${PROVIDER_URN} --yes --skip-preview`,
        `${verb} --stack scale --yes`,
    ]);
    expect(r.status).toBe(0);
});

test("when the provider's update fails, nothing is refreshed or destroyed with the old credentials", () => {
    const r = npmRun("destroy:scale", ["--yes"], { FAKE_UP_FAILS: "1" });
    expect(r.calls).toEqual([`up --stack scale --target ${PROVIDER_URN} --yes --skip-preview`]);
    expect(r.stderr).toContain("the DigitalOcean API refused the token");
    expect(r.status).not.toBe(0);
});
