/**
 * A loopback TCP proxy the backup tests control, between restic and the S3 server: it counts the
 * bytes that go up (client to server) and down, and can cut the connection once a number of bytes
 * went up (an upload that fails half-way), or refuse every connection (an unreachable bucket).
 * TLS passes through untouched.
 */
import * as net from "net";
import { AddressInfo } from "net";

export class CuttingProxy {
    bytesUp = 0;
    bytesDown = 0;
    /** Refuse (reset) every new connection. */
    refusing = false;
    private cutAt: number | undefined;
    private server: net.Server | undefined;
    private readonly sockets = new Set<net.Socket>();

    constructor(private readonly targetPort: number) {}

    async start(): Promise<number> {
        this.server = net.createServer((client) => this.accept(client));
        await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
        return (this.server.address() as AddressInfo).port;
    }

    /** Cuts every connection once `bytes` more have gone up, and refuses new ones from then on. */
    cutAfter(bytes: number): void {
        this.cutAt = this.bytesUp + bytes;
    }

    /** Normal service again. */
    heal(): void {
        this.cutAt = undefined;
        this.refusing = false;
    }

    get cut(): boolean {
        return this.cutAt !== undefined && this.bytesUp >= this.cutAt;
    }

    private accept(client: net.Socket): void {
        if (this.refusing || this.cut) {
            client.resetAndDestroy();
            return;
        }
        const upstream = net.connect(this.targetPort, "127.0.0.1");
        this.sockets.add(client);
        this.sockets.add(upstream);
        const drop = () => {
            client.destroy();
            upstream.destroy();
            this.sockets.delete(client);
            this.sockets.delete(upstream);
        };
        client.on("data", (chunk: Buffer) => {
            this.bytesUp += chunk.length;
            if (this.cut) {
                this.refusing = true;
                for (const s of this.sockets) s.destroy();
                this.sockets.clear();
                return;
            }
            upstream.write(chunk);
        });
        upstream.on("data", (chunk: Buffer) => {
            this.bytesDown += chunk.length;
            client.write(chunk);
        });
        client.on("error", drop);
        upstream.on("error", drop);
        client.on("close", drop);
        upstream.on("close", drop);
    }

    async close(): Promise<void> {
        for (const s of this.sockets) s.destroy();
        this.sockets.clear();
        if (this.server) await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    }
}
