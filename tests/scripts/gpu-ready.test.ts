/**
 * The droplet's readiness check (components/hosts/scripts/gpu-ready.sh) run as a real process, the
 * way remote.Command runs it: the rendered `create` line (`READY_MARKER=... GPU_CHECK_IMAGE=... sh -s`)
 * with the script on stdin, taken from the prod render. There is no droplet, GPU or cloud-init
 * here: `cloud-init`, `docker` and `nvidia-smi` are shims on PATH that answer as the real tools do
 * (their exit codes and the lines the script reads), each outcome chosen by the test.
 */
import { spawnSync, SpawnSyncReturns } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Rendered, renderStack } from "../../tools/render";

const REMOTE_COMMAND = "command:remote:Command";
const GPU = "NVIDIA RTX 4000 Ada Generation, 20475 MiB, 550.127.05";

let create = "";
let script = "";
let image = "";
let work = "";

beforeAll(async () => {
    const rendered = new Rendered(await renderStack({ stack: "prod", secrets: { neo4jPassword: "x-password-1", backupPassword: "backup-password-0123456789", digitaloceanToken: "dop_v1_test" } }));
    const ready = rendered.named("host-gpu-ready", REMOTE_COMMAND);
    create = String(ready.inputs.create);
    script = String(ready.inputs.stdin);
    image = String(/GPU_CHECK_IMAGE='([^']+)'/.exec(create)?.[1]);
    work = fs.mkdtempSync(path.join(os.tmpdir(), "rag-stack-gpu-ready-"));
    const bin = path.join(work, "bin");
    fs.mkdirSync(bin);
    const shim = (name: string, body: string) => fs.writeFileSync(path.join(bin, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    // cloud-init 23.4+: `status --wait` exits 0 done, 1 critical error, 2 recoverable error.
    shim("cloud-init", [
        'case "$*" in',
        '  "status --wait") echo "status: ${FAKE_CLOUD_INIT_STATUS:-done}"; exit "${FAKE_CLOUD_INIT_RC:-0}" ;;',
        '  "status --long") printf "status: %s\\nerrors:\\n\\t- %s\\n" "${FAKE_CLOUD_INIT_STATUS:-done}" "${FAKE_CLOUD_INIT_ERROR:-}" ;;',
        '  *) echo "cloud-init shim: unexpected $*" >&2; exit 64 ;;',
        "esac",
    ].join("\n"));
    shim("docker", [
        'echo "$*" >>"$FAKE_LOG"',
        'case "$1" in',
        '  info) [ -z "${FAKE_DOCKER_DOWN:-}" ] || { echo "Cannot connect to the Docker daemon at unix:///var/run/docker.sock." >&2; exit 1; }',
        '        printf " Runtimes: %s\\n Default Runtime: runc\\n" "${FAKE_RUNTIMES:-io.containerd.runc.v2 nvidia runc}" ;;',
        '  run) [ -z "${FAKE_CONTAINER_NO_GPU:-}" ] || { echo "docker: Error response from daemon: could not select device driver \\"\\" with capabilities: [[gpu]]." >&2; exit 125; }',
        '       echo "GPU 0: NVIDIA RTX 4000 Ada Generation (UUID: GPU-5e1f0c2a-7d3b-4c1e-9a6f-0b8d2e4f6a10)" ;;',
        '  *) exit 64 ;;',
        "esac",
    ].join("\n"));
    shim("nvidia-smi", `[ -z "\${FAKE_SMI_FAIL:-}" ] || { echo "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver." >&2; exit 9; }\necho "${GPU}"`);
}, 60_000);

afterAll(() => { if (work) fs.rmSync(work, { recursive: true, force: true }); });

interface Run extends SpawnSyncReturns<string> { dockerCalls: string[] }

/** The rendered command, with the droplet's marker file moved into this test's directory. */
function runReady(env: Record<string, string>, markerWritten: boolean): Run {
    const marker = path.join(work, "ready");
    fs.rmSync(marker, { force: true });
    if (markerWritten) fs.writeFileSync(marker, "2026-11-25T16:00:00Z\n");
    const log = path.join(work, "docker.log");
    fs.writeFileSync(log, "");
    const command = create.replace(/READY_MARKER='[^']*'/, `READY_MARKER='${marker}'`);
    expect(command).not.toBe(create);
    const r = spawnSync("sh", ["-c", command], {
        input: script, encoding: "utf8", timeout: 20_000,
        env: { PATH: `${path.join(work, "bin")}:${process.env.PATH}`, FAKE_LOG: log, ...env },
    });
    return { ...r, dockerCalls: fs.readFileSync(log, "utf8").trim().split("\n").filter(Boolean) };
}

const lastLine = (text: string) => text.trim().split("\n").pop();

test("the rendered check is the script on stdin with the marker and the pinned Ollama image", () => {
    expect(create).toMatch(/^READY_MARKER='\/var\/lib\/rag-stack\/ready' GPU_CHECK_IMAGE='ollama\/ollama:[^']+' sh -s$/);
    expect(script).toBe(fs.readFileSync(path.join(__dirname, "../../components/hosts/scripts/gpu-ready.sh"), "utf8"));
});

test("ready: cloud-init done, the marker, the nvidia runtime, the GPU on the host and in a container", () => {
    const r = runReady({}, true);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(lastLine(r.stdout)).toBe(`gpu: ${GPU}`);
    expect(r.dockerCalls).toEqual(["info", `run --rm --gpus all --entrypoint nvidia-smi ${image} -L`]);
});

test("cloud-init's recoverable errors (exit 2) are reported and the checks go on", () => {
    const r = runReady({ FAKE_CLOUD_INIT_RC: "2", FAKE_CLOUD_INIT_STATUS: "degraded done" }, true);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("ready: cloud-init done with recoverable warnings: status: degraded done");
});

test("cloud-init errors with the prepare script finished (DigitalOcean's vendor data, say): shown, and the GPU checks decide", () => {
    const r = runReady({ FAKE_CLOUD_INIT_RC: "1", FAKE_CLOUD_INIT_STATUS: "error", FAKE_CLOUD_INIT_ERROR: "do-agent install failed" }, true);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("ready: cloud-init reported errors (exit 1), but the prepare script finished");
    expect(r.stdout).toContain("ready:   \t- do-agent install failed");
    expect(lastLine(r.stdout)).toBe(`gpu: ${GPU}`);
    // The same errors with a GPU that is not there still fail.
    expect(runReady({ FAKE_CLOUD_INIT_RC: "1", FAKE_CLOUD_INIT_STATUS: "error", FAKE_SMI_FAIL: "1" }, true).status).toBe(1);
});

test("cloud-init errors before the prepare script finished: refused with cloud-init's own account, nothing else run", () => {
    const r = runReady({ FAKE_CLOUD_INIT_RC: "1", FAKE_CLOUD_INIT_STATUS: "error", FAKE_CLOUD_INIT_ERROR: "runcmd failed" }, false);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("ready: cloud-init failed (exit 1): status: error");
    expect(r.stderr).toContain("\t- runcmd failed");
    expect(r.stderr).toContain("ready: last lines of /var/log/cloud-init-output.log:");
    expect(r.dockerCalls).toEqual([]);
});

test("cloud-init done but no marker: the prepare script did not finish", () => {
    const r = runReady({}, false);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/ready: .*\/ready is missing: the prepare script did not finish; see \/var\/log\/cloud-init-output\.log/);
    expect(r.dockerCalls).toEqual([]);
});

test.each([
    ["docker not answering", { FAKE_DOCKER_DOWN: "1" }, /ready: docker is not answering: Cannot connect to the Docker daemon[^]*systemctl status docker/],
    ["no nvidia runtime", { FAKE_RUNTIMES: "io.containerd.runc.v2 runc" }, /ready: docker has no nvidia runtime[^]*nvidia-ctk runtime configure --runtime=docker && systemctl restart docker/],
    ["no driver on the host", { FAKE_SMI_FAIL: "1" }, /ready: nvidia-smi failed on the droplet: NVIDIA-SMI has failed[^]*AI\/ML-ready image/],
    ["a container cannot see the GPU", { FAKE_CONTAINER_NO_GPU: "1" }, /ready: a container started with --gpus all cannot see the GPU: docker: Error response from daemon: could not select device driver/],
])("%s: exit 1 with what was seen and what to do", (_name, env, message) => {
    const r = runReady(env, true);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).not.toMatch(/^gpu: /m);
});

test("a missing variable is a bad environment (exit 2), before anything runs", () => {
    const r = spawnSync("sh", ["-c", "GPU_CHECK_IMAGE=x sh -s"], { input: script, encoding: "utf8", env: { PATH: `${path.join(work, "bin")}:${process.env.PATH}` } });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("READY_MARKER must name the file cloud-init writes when done");
});
