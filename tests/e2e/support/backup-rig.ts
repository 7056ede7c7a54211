/**
 * What the backup e2e suites share: the stand-in Neo4j image on the real engine, a real s3rver over
 * TLS behind a proxy the test controls, a credentials file, the scripts run as real processes
 * (asynchronously: the proxy lives in this process and must keep serving while they run), and
 * helpers to read a store's checksums and the graph's counts. Every container and volume carries
 * this run's label and RUN_ID in its name; teardown() removes them, the server and the files.
 */
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ensureNeo4jStandinImage } from "../../fixtures/images/neo4j-standin-image";
import { CuttingProxy } from "./cutting-proxy";
import { docker, E2E_LABEL, removeRunObjects, requireDockerEngine, RUN_ID } from "./docker-cli";
import { S3RVER_KEYS, S3Server, startS3Server } from "./s3-server";

export const SCRIPTS = path.resolve(__dirname, "..", "..", "..", "components", "backup", "scripts");
export const BACKUP = path.join(SCRIPTS, "neo4j-backup.sh");
export const RESTORE = path.join(SCRIPTS, "neo4j-restore.sh");
export const DRILL = path.join(SCRIPTS, "neo4j-restore-drill.sh");
export const PASSWORD = "e2e-password-1";
export const BUCKET = "rag-stack-backups";
/** The stack's Neo4j health check (components/services.ts), at a test-friendly interval. */
const HEALTH = "wget -q -O /dev/null http://localhost:7474 || curl -fsS -o /dev/null http://localhost:7474 || exit 1";

export interface RunResult { status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; seconds: number }

export class BackupRig {
    image = "";
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "rag-stack-backup-e2e-"));
    s3!: S3Server;
    proxy!: CuttingProxy;
    proxyPort = 0;
    credentials = path.join(this.tmp, "credentials");
    workDir = path.join(this.tmp, "work");
    statusDir = path.join(this.tmp, "status");
    host = `e2e-${RUN_ID}`;

    async setup(): Promise<void> {
        requireDockerEngine();
        this.image = await ensureNeo4jStandinImage();
        this.s3 = await startS3Server(path.join(this.tmp, "s3"), BUCKET);
        this.proxy = new CuttingProxy(this.s3.port);
        this.proxyPort = await this.proxy.start();
        this.writeCredentials(PASSWORD);
    }

    /** The repository as the scripts see it: through the proxy. */
    get repository(): string {
        return `s3:https://127.0.0.1:${this.proxyPort}/${BUCKET}/neo4j-${RUN_ID}`;
    }

    /** The same repository straight at the server, for the test's own (synchronous) restic calls: a
     * synchronous call blocks this process, and with it the proxy. */
    get directRepository(): string {
        return `s3:https://127.0.0.1:${this.s3.port}/${BUCKET}/neo4j-${RUN_ID}`;
    }

    writeCredentials(password: string, file = this.credentials): string {
        fs.writeFileSync(file, `RESTIC_PASSWORD=${password}\nAWS_ACCESS_KEY_ID=${S3RVER_KEYS.accessKeyId}\nAWS_SECRET_ACCESS_KEY=${S3RVER_KEYS.secretAccessKey}\n`, { mode: 0o600 });
        fs.chmodSync(file, 0o600);
        return file;
    }

    /** The environment the scripts get, as the systemd unit gives it, plus the test's CA. */
    env(container: string, extra: Record<string, string> = {}): Record<string, string> {
        return {
            PATH: process.env.PATH ?? "/usr/bin:/bin",
            HOME: this.tmp,
            TZ: "UTC",
            RESTIC_CACHE_DIR: path.join(this.tmp, "restic-cache"),
            NEO4J_CONTAINER: container,
            BACKUP_WORK_DIR: this.workDir,
            BACKUP_STATUS_DIR: this.statusDir,
            RESTIC_REPOSITORY: this.repository,
            BACKUP_CREDENTIALS_FILE: this.credentials,
            RESTIC_CACERT: this.s3.caCert,
            BACKUP_HOST: this.host,
            ...extra,
        };
    }

    /** Runs a script as a real process without blocking this process's event loop. */
    run(script: string, env: Record<string, string>, opts: { timeoutMs?: number; onStdout?: (text: string, child: ReturnType<typeof spawn>) => void } = {}): Promise<RunResult> {
        return new Promise((resolve) => {
            const began = Date.now();
            const child = spawn("sh", [script], { env, stdio: ["ignore", "pipe", "pipe"] });
            let stdout = "";
            let stderr = "";
            child.stdout.on("data", (c: Buffer) => {
                stdout += c.toString();
                opts.onStdout?.(stdout, child);
            });
            child.stderr.on("data", (c: Buffer) => { stderr += c.toString(); });
            const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 300_000);
            child.on("close", (status, signal) => {
                clearTimeout(timer);
                resolve({ status, signal, stdout, stderr, seconds: (Date.now() - began) / 1000 });
            });
        });
    }

    /** restic against the test repository (straight at the server), with the test's credentials. */
    restic(args: string[], password = PASSWORD): { status: number | null; stdout: string; stderr: string } {
        const r = spawnSync("restic", ["--cacert", this.s3.caCert, ...args], {
            encoding: "utf8", timeout: 300_000,
            env: { PATH: process.env.PATH ?? "", HOME: this.tmp, TZ: "UTC", RESTIC_CACHE_DIR: path.join(this.tmp, "restic-cache-test"), RESTIC_REPOSITORY: this.directRepository,
                RESTIC_PASSWORD: password, AWS_ACCESS_KEY_ID: S3RVER_KEYS.accessKeyId, AWS_SECRET_ACCESS_KEY: S3RVER_KEYS.secretAccessKey },
        });
        return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    }

    snapshots(): { id: string; time: string; hostname: string; tags?: string[]; paths: string[] }[] {
        const r = this.restic(["snapshots", "--json"]);
        if (r.status !== 0) throw new Error(`restic snapshots failed: ${r.stderr}`);
        return JSON.parse(r.stdout);
    }

    volume(role: string): string {
        const name = `rag-stack-e2e-${role}-${RUN_ID}`;
        docker(["volume", "create", "--label", `${E2E_LABEL}=${RUN_ID}`, name]);
        return name;
    }

    /** A stand-in Neo4j as the stack runs it: NEO4J_AUTH, /data on the volume, the stack's health check. */
    async startNeo4j(role: string, volume: string, env: string[] = []): Promise<string> {
        const name = `rag-stack-e2e-${role}-${RUN_ID}`;
        docker(["run", "-d", "--name", name, "--label", `${E2E_LABEL}=${RUN_ID}`, "--label", "rag-stack.role=neo4j",
            "-e", `NEO4J_AUTH=neo4j/${PASSWORD}`, ...env.flatMap((e) => ["-e", e]), "-v", `${volume}:/data`,
            "--health-cmd", HEALTH, "--health-interval", "1s", "--restart", "unless-stopped", this.image]);
        await this.waitAnswering(name);
        return name;
    }

    async waitAnswering(name: string, timeoutMs = 30_000): Promise<void> {
        const deadline = Date.now() + timeoutMs;
        while (Date.now() < deadline) {
            if (spawnSync("docker", ["exec", name, "cypher-shell", "-u", "neo4j", "-p", PASSWORD, "RETURN 1"], { timeout: 10_000 }).status === 0) return;
            await new Promise((r) => setTimeout(r, 200));
        }
        throw new Error(`${name} did not answer within ${timeoutMs / 1000}s:\n${docker(["logs", "--tail", "20", name])}`);
    }

    cypher(name: string, statement: string): string {
        return docker(["exec", name, "cypher-shell", "-u", "neo4j", "-p", PASSWORD, "--format", "plain", statement], 600_000);
    }

    counts(name: string): { nodes: number; relationships: number } {
        const last = (s: string) => Number(s.trim().split("\n").pop());
        return { nodes: last(this.cypher(name, "MATCH (n) RETURN count(n)")), relationships: last(this.cypher(name, "MATCH ()-[r]->() RETURN count(r)")) };
    }

    grow(name: string, nodes: number, relationships: number, kib: number): void {
        this.cypher(name, `CALL standin.grow(${nodes}, ${relationships}, ${kib})`);
    }

    /** sha256 of every store file (not the locks), read from the volume by a throwaway container. */
    storeChecksums(volume: string): string {
        // `docker run -v name:...` would create a missing volume (unlabelled, so never cleaned up).
        docker(["volume", "inspect", volume]);
        return docker(["run", "--rm", "--network", "none", "--label", `${E2E_LABEL}=${RUN_ID}`, "--entrypoint", "sh", "-v", `${volume}:/data:ro`, this.image,
            "-c", "cd /data && find databases transactions -type f ! -name database_lock ! -name store_lock | sort | xargs sha256sum"], 300_000);
    }

    state(name: string): { running: boolean; startedAt: string } {
        const [running, startedAt] = docker(["inspect", "--type", "container", "--format", "{{.State.Running}}|{{.State.StartedAt}}", name]).split("|");
        return { running: running === "true", startedAt };
    }

    status(file: string): Record<string, unknown> | undefined {
        const p = path.join(this.statusDir, file);
        return fs.existsSync(p) ? JSON.parse(fs.readFileSync(p, "utf8")) : undefined;
    }

    statusText(file: string): string | undefined {
        const p = path.join(this.statusDir, file);
        return fs.existsSync(p) ? fs.readFileSync(p, "utf8") : undefined;
    }

    /** A PATH of this machine's tools without the named ones (symlinks to everything else). */
    pathWithout(...tools: string[]): string {
        const dir = fs.mkdtempSync(path.join(this.tmp, "path-"));
        for (const d of ["/usr/local/bin", "/usr/bin", "/bin", "/usr/sbin", "/sbin"]) {
            if (!fs.existsSync(d)) continue;
            for (const f of fs.readdirSync(d)) {
                if (tools.includes(f) || fs.existsSync(path.join(dir, f))) continue;
                fs.symlinkSync(path.join(d, f), path.join(dir, f));
            }
        }
        return dir;
    }

    async teardown(): Promise<string[]> {
        const problems: string[] = [];
        // Containers first, with their anonymous volumes (the image declares VOLUME /data /logs).
        try {
            const ids = docker(["ps", "-aq", "--filter", `label=${E2E_LABEL}=${RUN_ID}`]).split("\n").filter(Boolean);
            if (ids.length) docker(["rm", "-f", "-v", ...ids]);
        } catch (err) {
            problems.push((err as Error).message);
        }
        problems.push(...removeRunObjects());
        await this.proxy?.close();
        await this.s3?.stop();
        fs.rmSync(this.tmp, { recursive: true, force: true });
        return problems;
    }
}
