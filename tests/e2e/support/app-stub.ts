/**
 * Stands in for the published backend and frontend ports: a tiny HTTP server on 127.0.0.1 that
 * answers 200 on the paths the stack's config names (health path, frontend path), 404 elsewhere.
 */
import * as http from "http";
import { AddressInfo } from "net";

export interface AppStub {
    baseUrl: string;
    close: () => Promise<void>;
}

export function startAppStub(paths: string[]): Promise<AppStub> {
    const server = http.createServer((req, res) => {
        const ok = paths.includes(new URL(req.url ?? "/", "http://stub").pathname);
        res.writeHead(ok ? 200 : 404, { "Content-Type": "text/plain" });
        res.end(ok ? "ok\n" : "not found\n");
    });
    return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const { port } = server.address() as AddressInfo;
            resolve({ baseUrl: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())) });
        });
    });
}

/** A loopback port nothing listens on (bound, then released). */
export function closedLoopbackPort(): Promise<number> {
    const server = http.createServer();
    return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const { port } = server.address() as AddressInfo;
            server.close(() => resolve(port));
        });
    });
}

/** A port free on every interface (for Ollama on the bridge gateway and on loopback alike). */
export function freePort(): Promise<number> {
    const server = http.createServer();
    return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, "0.0.0.0", () => {
            const { port } = server.address() as AddressInfo;
            server.close(() => resolve(port));
        });
    });
}
