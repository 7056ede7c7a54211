/**
 * Measures the backup machinery on this machine with a 1 GiB stand-in store (random property
 * bytes, so nothing compresses; RAG_STACK_BACKUP_MEASURE_MIB changes the size): the outage of a
 * backup, the first and second backup's uploaded bytes (restic's data_added and the bytes on the
 * wire to the S3 server), the restore time and the drill time. The figures come from the stand-in
 * Neo4j (its dump is an uncompressed tar of the store and takes well under a second per GiB to
 * write; a real Neo4j needs its shutdown, a JVM per neo4j-admin run and a zstd-compressed dump)
 * and from s3rver on loopback (no network in between). They are printed, and written as JSON to
 * RAG_STACK_BACKUP_FIGURES when that names a file.
 */
import * as fs from "fs";
import { BACKUP, BackupRig, DRILL, RESTORE } from "./support/backup-rig";
import { E2E_LABEL, RUN_ID } from "./support/docker-cli";

jest.setTimeout(1_200_000);

const MIB = Number(process.env.RAG_STACK_BACKUP_MEASURE_MIB ?? 1024);
const rig = new BackupRig();
const labels = { RESTORE_LABELS: `${E2E_LABEL}=${RUN_ID}`, DRILL_LABELS: `${E2E_LABEL}=${RUN_ID}` };

beforeAll(async () => {
    await rig.setup();
}, 300_000);

afterAll(async () => {
    expect(await rig.teardown()).toEqual([]);
}, 300_000);

test(`a ${MIB} MiB stand-in store: outage, uploaded bytes, restore and drill times`, async () => {
    const data = rig.volume("measure-data");
    const neo4j = await rig.startNeo4j("measure", data);
    rig.grow(neo4j, 1_000_000, 500_000, MIB * 1024);

    let up = rig.proxy.bytesUp;
    const b1 = await rig.run(BACKUP, rig.env(neo4j), { timeoutMs: 900_000 });
    expect(b1.status).toBe(0);
    const first = rig.status("last-success.json")!;
    const wire1 = rig.proxy.bytesUp - up;

    rig.grow(neo4j, 1000, 500, 1024); // a day's change: 1 MiB of properties, a thousand nodes
    up = rig.proxy.bytesUp;
    const b2 = await rig.run(BACKUP, rig.env(neo4j), { timeoutMs: 900_000 });
    expect(b2.status).toBe(0);
    const second = rig.status("last-success.json")!;
    const wire2 = rig.proxy.bytesUp - up;

    const target = `rag-stack-e2e-measure-restored-${RUN_ID}`;
    const restore = await rig.run(RESTORE, rig.env(neo4j, { RESTORE_TARGET: target, ...labels }), { timeoutMs: 900_000 });
    expect(restore.status).toBe(0);
    const restoreSeconds = Number(/seconds=([\d.]+)/.exec(restore.stdout)![1]);

    const drill = await rig.run(DRILL, rig.env(neo4j, labels), { timeoutMs: 900_000 });
    expect(drill.status).toBe(0);
    const drillStatus = rig.status("last-drill.json")!;

    const figures = {
        storeMiB: MIB,
        dumpBytes: first.snapshotBytes,
        first: { outageSeconds: first.outageSeconds, bytesAdded: first.bytesAdded, bytesOnTheWire: wire1, jobSeconds: b1.seconds },
        second: { outageSeconds: second.outageSeconds, bytesAdded: second.bytesAdded, bytesOnTheWire: wire2, jobSeconds: b2.seconds },
        restore: { seconds: restoreSeconds, jobSeconds: restore.seconds },
        drill: { seconds: drillStatus.durationSeconds, restoreSeconds: drillStatus.restoreSeconds, startSeconds: drillStatus.startSeconds },
        source: "stand-in Neo4j (uncompressed tar dumps) and s3rver over TLS on loopback, on this machine",
    };
    console.log(`backup figures (${figures.source}):\n${JSON.stringify(figures, null, 2)}`);
    if (process.env.RAG_STACK_BACKUP_FIGURES) fs.writeFileSync(process.env.RAG_STACK_BACKUP_FIGURES, JSON.stringify(figures, null, 2));

    expect(first.bytesAdded as number).toBeGreaterThan(MIB * 1024 * 1024);
    // Deduplication: the second backup adds a few restic chunks (about 1 MiB each) around the changes.
    expect(second.bytesAdded as number).toBeLessThan((first.bytesAdded as number) / 20);
    expect(wire2).toBeLessThan(wire1 / 20);
    expect(first.outageSeconds as number).toBeLessThan(120);
});
