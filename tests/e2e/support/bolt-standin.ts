/**
 * A stand-in Neo4j for the verify e2e: just enough of the Bolt protocol (handshake to Bolt 5.0,
 * chunked PackStream messages HELLO, RUN, PULL, RESET, GOODBYE) for the official neo4j-driver to
 * authenticate and run `RETURN 1 AS one`, on 127.0.0.1. There is no Neo4j image or package here
 * and no pull is possible, so row 6's success and wrong-password paths are proven against this.
 */
import * as net from "net";
import { AddressInfo } from "net";

type PackValue = null | boolean | number | string | PackValue[] | { [key: string]: PackValue } | PackStruct;
interface PackStruct { tag: number; fields: PackValue[] }

const MAGIC = 0x6060b017;
const MSG = { HELLO: 0x01, GOODBYE: 0x02, RESET: 0x0f, RUN: 0x10, BEGIN: 0x11, COMMIT: 0x12, ROLLBACK: 0x13, DISCARD: 0x2f, PULL: 0x3f } as const;
const REPLY = { SUCCESS: 0x70, RECORD: 0x71, IGNORED: 0x7e, FAILURE: 0x7f } as const;

/** PackStream decoding of one value at `offset`; returns the value and the next offset. */
function unpack(b: Buffer, offset: number): [PackValue, number] {
    const m = b[offset++];
    const seq = (n: number, at: number, item: (at: number) => [PackValue, number]): [PackValue[], number] => {
        const out: PackValue[] = [];
        for (let i = 0; i < n; i++) {
            const [v, next] = item(at);
            out.push(v);
            at = next;
        }
        return [out, at];
    };
    const str = (n: number, at: number): [string, number] => [b.toString("utf8", at, at + n), at + n];
    const map = (n: number, at: number): [{ [key: string]: PackValue }, number] => {
        const out: { [key: string]: PackValue } = {};
        for (let i = 0; i < n; i++) {
            const [k, a1] = unpack(b, at);
            const [v, a2] = unpack(b, a1);
            out[String(k)] = v;
            at = a2;
        }
        return [out, at];
    };
    if (m < 0x80) return [m, offset];
    if (m >= 0xf0) return [m - 0x100, offset];
    if (m >= 0x80 && m <= 0x8f) return str(m & 0x0f, offset);
    if (m >= 0x90 && m <= 0x9f) return seq(m & 0x0f, offset, (at) => unpack(b, at));
    if (m >= 0xa0 && m <= 0xaf) return map(m & 0x0f, offset);
    if (m >= 0xb0 && m <= 0xbf) {
        const tag = b[offset];
        const [fields, next] = seq(m & 0x0f, offset + 1, (at) => unpack(b, at));
        return [{ tag, fields }, next];
    }
    switch (m) {
        case 0xc0: return [null, offset];
        case 0xc1: return [b.readDoubleBE(offset), offset + 8];
        case 0xc2: return [false, offset];
        case 0xc3: return [true, offset];
        case 0xc8: return [b.readInt8(offset), offset + 1];
        case 0xc9: return [b.readInt16BE(offset), offset + 2];
        case 0xca: return [b.readInt32BE(offset), offset + 4];
        case 0xcb: return [Number(b.readBigInt64BE(offset)), offset + 8];
        case 0xd0: return str(b[offset], offset + 1);
        case 0xd1: return str(b.readUInt16BE(offset), offset + 2);
        case 0xd2: return str(b.readUInt32BE(offset), offset + 4);
        case 0xd4: return seq(b[offset], offset + 1, (at) => unpack(b, at));
        case 0xd5: return seq(b.readUInt16BE(offset), offset + 2, (at) => unpack(b, at));
        case 0xd8: return map(b[offset], offset + 1);
        case 0xd9: return map(b.readUInt16BE(offset), offset + 2);
        default: throw new Error(`bolt stand-in: PackStream marker 0x${m.toString(16)} not supported`);
    }
}

/** PackStream encoding of the few shapes the stand-in answers with (small maps, lists, strings, ints). */
function pack(v: PackValue): Buffer {
    if (v === null) return Buffer.from([0xc0]);
    if (typeof v === "boolean") return Buffer.from([v ? 0xc3 : 0xc2]);
    if (typeof v === "number") {
        if (Number.isInteger(v) && v >= -16 && v < 128) return Buffer.from([v & 0xff]);
        const b = Buffer.alloc(9);
        b[0] = 0xcb;
        b.writeBigInt64BE(BigInt(Math.trunc(v)), 1);
        return b;
    }
    if (typeof v === "string") {
        const s = Buffer.from(v, "utf8");
        if (s.length < 16) return Buffer.concat([Buffer.from([0x80 | s.length]), s]);
        if (s.length < 256) return Buffer.concat([Buffer.from([0xd0, s.length]), s]);
        const h = Buffer.alloc(3);
        h[0] = 0xd1;
        h.writeUInt16BE(s.length, 1);
        return Buffer.concat([h, s]);
    }
    if (Array.isArray(v)) return Buffer.concat([Buffer.from([0x90 | v.length]), ...v.map(pack)]);
    if ("tag" in v && "fields" in v && Array.isArray(v.fields)) {
        const s = v as PackStruct;
        return Buffer.concat([Buffer.from([0xb0 | s.fields.length, s.tag]), ...s.fields.map(pack)]);
    }
    const entries = Object.entries(v as { [key: string]: PackValue });
    return Buffer.concat([Buffer.from([0xa0 | entries.length]), ...entries.flatMap(([k, x]) => [pack(k), pack(x)])]);
}

function chunked(message: Buffer): Buffer {
    const header = Buffer.alloc(2);
    header.writeUInt16BE(message.length);
    return Buffer.concat([header, message, Buffer.from([0, 0])]);
}

const reply = (tag: number, ...fields: PackValue[]) => chunked(pack({ tag, fields }));

export interface BoltStandin {
    url: string;
    /** Messages received, by name, in order (for assertions). */
    received: string[];
    close: () => Promise<void>;
}

/** Listens on 127.0.0.1 (a free port); accepts `user`/`password` only. */
export function startBoltStandin(user: string, password: string, agent = "Neo4j/5.26.0"): Promise<BoltStandin> {
    const received: string[] = [];
    const names = Object.fromEntries(Object.entries(MSG).map(([k, v]) => [v, k]));
    const sockets = new Set<net.Socket>();
    const server = net.createServer((socket) => {
        sockets.add(socket);
        socket.on("close", () => sockets.delete(socket));
        socket.on("error", () => socket.destroy());
        let buffer = Buffer.alloc(0);
        let shookHands = false;
        let message: Buffer[] = [];
        let failed = false;
        socket.on("data", (data) => {
            buffer = Buffer.concat([buffer, data]);
            if (!shookHands) {
                if (buffer.length < 20) return;
                if (buffer.readUInt32BE(0) !== MAGIC) return void socket.destroy();
                buffer = buffer.subarray(20);
                shookHands = true;
                socket.write(Buffer.from([0, 0, 0, 5])); // Bolt 5.0: auth inside HELLO
            }
            while (buffer.length >= 2) {
                const size = buffer.readUInt16BE(0);
                if (buffer.length < 2 + size) return;
                const chunk = buffer.subarray(2, 2 + size);
                buffer = buffer.subarray(2 + size);
                if (size > 0) {
                    message.push(chunk);
                    continue;
                }
                if (message.length === 0) continue; // NOOP
                const [value] = unpack(Buffer.concat(message), 0);
                message = [];
                const s = value as PackStruct;
                received.push(names[s.tag] ?? `0x${s.tag.toString(16)}`);
                if (failed && s.tag !== MSG.RESET && s.tag !== MSG.GOODBYE) {
                    socket.write(reply(REPLY.IGNORED));
                    continue;
                }
                switch (s.tag) {
                    case MSG.HELLO: {
                        const auth = (s.fields[0] ?? {}) as { [key: string]: PackValue };
                        if (auth.principal === user && auth.credentials === password) {
                            socket.write(reply(REPLY.SUCCESS, { server: agent, connection_id: "bolt-standin-1", hints: {} }));
                        } else {
                            socket.write(reply(REPLY.FAILURE, { code: "Neo.ClientError.Security.Unauthorized", message: "The client is unauthorized due to authentication failure." }));
                            socket.end();
                        }
                        break;
                    }
                    case MSG.RUN: {
                        const query = String(s.fields[0]);
                        if (!/^RETURN 1 AS one$/i.test(query.trim())) {
                            failed = true;
                            socket.write(reply(REPLY.FAILURE, { code: "Neo.ClientError.Statement.SyntaxError", message: `the stand-in only runs RETURN 1 AS one, not ${query}` }));
                        } else {
                            socket.write(reply(REPLY.SUCCESS, { fields: ["one"], t_first: 1 }));
                        }
                        break;
                    }
                    case MSG.PULL:
                        socket.write(Buffer.concat([reply(REPLY.RECORD, [1]), reply(REPLY.SUCCESS, { type: "r", t_last: 1, db: "neo4j" })]));
                        break;
                    case MSG.RESET:
                        failed = false;
                        socket.write(reply(REPLY.SUCCESS, {}));
                        break;
                    case MSG.GOODBYE:
                        socket.end();
                        break;
                    default:
                        socket.write(reply(REPLY.SUCCESS, {}));
                }
            }
        });
    });
    return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const { port } = server.address() as AddressInfo;
            resolve({
                url: `bolt://127.0.0.1:${port}`,
                received,
                close: () => new Promise((r) => {
                    for (const s of sockets) s.destroy();
                    server.close(() => r());
                }),
            });
        });
    });
}
