/**
 * A real S3-compatible server on loopback for the backup tests: npm's s3rver (3.7.1) over TLS with
 * a self-signed certificate made by openssl for 127.0.0.1 (restic trusts it through --cacert).
 * Over plain HTTP s3rver stores restic's aws-chunked bodies raw and restic fails to read them back
 * ("Unmarshal: invalid character"), so TLS is not optional here. The server runs as its own process
 * in its own session (detached: setsid), all three streams redirected, found ready by the line it
 * prints (bounded wait), and stopped by its PID only.
 */
import { ChildProcess, execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";

const S3RVER_BIN = path.resolve(__dirname, "..", "..", "..", "node_modules", "s3rver", "bin", "s3rver.js");
/** s3rver's built-in credentials (s3rver 3.x lib/models/account.js). */
export const S3RVER_KEYS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } as const;

export interface S3Server {
    port: number;
    /** PEM file of the self-signed certificate (RESTIC_CACERT). */
    caCert: string;
    /** Where s3rver keeps the objects: bucket/<key> files on disk. */
    dataDir: string;
    bucket: string;
    log: () => string;
    stop: () => Promise<void>;
}

/** A self-signed certificate for 127.0.0.1 and localhost, valid for two days. */
function makeCertificate(dir: string): { key: string; cert: string } {
    const key = path.join(dir, "key.pem");
    const cert = path.join(dir, "cert.pem");
    execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "2",
        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"], { stdio: "ignore", timeout: 30_000 });
    return { key, cert };
}

export async function startS3Server(root: string, bucket: string, readyTimeoutMs = 20_000): Promise<S3Server> {
    fs.mkdirSync(root, { recursive: true });
    const { key, cert } = makeCertificate(root);
    const dataDir = path.join(root, "data");
    fs.mkdirSync(dataDir, { recursive: true });
    const logFile = path.join(root, "s3rver.log");
    const out = fs.openSync(logFile, "a");
    const child: ChildProcess = spawn(process.execPath, [S3RVER_BIN, "-d", dataDir, "-a", "127.0.0.1", "-p", "0", "--silent",
        "--key", key, "--cert", cert, "--configure-bucket", bucket], { detached: true, stdio: ["ignore", out, out] });
    fs.closeSync(out);
    let exited = false;
    child.on("exit", () => { exited = true; });
    const log = () => (fs.existsSync(logFile) ? fs.readFileSync(logFile, "utf8") : "");
    const stop = async () => {
        if (exited || child.pid === undefined) return;
        process.kill(child.pid, "SIGTERM");
        for (let i = 0; i < 50 && !exited; i++) await new Promise((r) => setTimeout(r, 100));
        if (!exited) process.kill(child.pid, "SIGKILL");
    };
    const deadline = Date.now() + readyTimeoutMs;
    while (Date.now() < deadline && !exited) {
        const m = /S3rver listening on 127\.0\.0\.1:(\d+)/.exec(log());
        if (m) return { port: Number(m[1]), caCert: cert, dataDir, bucket, log, stop };
        await new Promise((r) => setTimeout(r, 100));
    }
    const text = log();
    await stop();
    throw new Error(`s3rver did not start within ${readyTimeoutMs / 1000}s:\n${text}`);
}

/** Total bytes of the objects s3rver holds (its data directory). */
export function storedBytes(dir: string): number {
    let total = 0;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, entry.name);
        if (entry.isDirectory()) total += storedBytes(p);
        else if (entry.isFile()) total += fs.statSync(p).size;
    }
    return total;
}
