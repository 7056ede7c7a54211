/**
 * The scripts that call `docker` on this machine find Docker Desktop's CLI where it installs it
 * (/usr/local/bin or ~/.docker/bin, or its app bundle: docs.docker.com/desktop/setup/install/
 * mac-permission-requirements, "Installing symlinks") when they run from a session whose PATH lacks
 * it (started from the Dock, an IDE or a launcher: docker/for-mac#6793). Run for real with a PATH of
 * every tool of this machine but docker, and a recording `docker` in $HOME/.docker/bin. Without it,
 * the Neo4j password change took "docker: not found" for "no container yet" and skipped the change.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROJECT_ROOT } from "../../tools/render";

let dir: string;
let tools: string;
let home: string;
const calls = () => (fs.existsSync(path.join(dir, "docker.log")) ? fs.readFileSync(path.join(dir, "docker.log"), "utf8") : "");

beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "rag-docker-path-"));
    // Every program on this machine's PATH but docker: the PATH of a session without Docker's directory.
    tools = path.join(dir, "tools");
    fs.mkdirSync(tools);
    for (const d of (process.env.PATH ?? "/usr/bin:/bin").split(":")) {
        let entries: string[] = [];
        try { entries = fs.readdirSync(d); } catch { continue; }
        for (const e of entries) {
            if (e.startsWith("docker") || fs.existsSync(path.join(tools, e))) continue;
            try { fs.symlinkSync(path.join(d, e), path.join(tools, e)); } catch { /* a name taken by an earlier directory */ }
        }
    }
    home = path.join(dir, "home");
    fs.mkdirSync(path.join(home, ".docker", "bin"), { recursive: true });
    // Answers like an engine with no containers: `ps` lists nothing, `inspect` finds nothing.
    fs.writeFileSync(path.join(home, ".docker", "bin", "docker"),
        `#!/bin/sh\necho "$*" >> ${JSON.stringify(path.join(dir, "docker.log"))}\ncase "$1" in ps|volume) exit 0 ;; esac\necho "Error: No such object" >&2\nexit 1\n`, { mode: 0o755 });
});

afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
    fs.rmSync(path.join(dir, "docker.log"), { force: true });
});

function run(script: string, env: Record<string, string>) {
    const res = spawnSync("/bin/sh", [script], {
        cwd: PROJECT_ROOT, encoding: "utf8", timeout: 20000,
        env: { PATH: tools, HOME: home, ...env },
    });
    return { code: res.status, out: `${res.stdout}${res.stderr}` };
}

test("the test's PATH really has no docker", () => {
    expect(spawnSync("/bin/sh", ["-c", "command -v docker"], { env: { PATH: tools } }).status).not.toBe(0);
});

test.each([
    ["components/app/scripts/host-precheck.sh", { RAG_HOST_PORTS: "8000", RAG_OWN_CONTAINERS: "rag-stack-dev-backend" }, "ps --format"],
    ["components/app/scripts/neo4j-password.sh", { NEO4J_CONTAINER: "rag-stack-dev-neo4j", NEO4J_USER: "neo4j", NEO4J_NEW_PASSWORD: "new-password-1" }, "inspect --type container rag-stack-dev-neo4j"],
    ["components/ollama/scripts/container-pull-model.sh", { OLLAMA_CONTAINER: "rag-stack-dev-ollama", OLLAMA_MODEL: "qwen2.5:7b-instruct-q8_0" }, "exec rag-stack-dev-ollama ollama list"],
    ["components/ollama/scripts/container-gpu-check.sh", { OLLAMA_CONTAINER: "rag-stack-dev-ollama", OLLAMA_MODEL: "qwen2.5:7b-instruct-q8_0", RAG_OLLAMA_ACCELERATOR: "cpu" }, "exec rag-stack-dev-ollama ollama run"],
    ["components/capacity/scripts/capacity-check.sh", { OLLAMA_CONTAINER: "rag-stack-dev-ollama", OLLAMA_MODEL: "qwen2.5:7b-instruct-q8_0", RAG_OLLAMA_ACCELERATOR: "nvidia" }, "exec rag-stack-dev-ollama ollama list"],
])("%s uses ~/.docker/bin/docker when PATH has none", (script, env, expected) => {
    const res = run(script, env);
    expect(res.out).not.toMatch(/docker: not found|docker is not (on PATH|installed)/);
    expect(calls()).toContain(expected);
});
