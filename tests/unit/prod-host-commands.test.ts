/**
 * prod (real Pulumi.prod.yaml, mocks): the commands that run on the droplet over SSH. After the
 * model pull, a GPU check, which the backend waits for and whose `@ollama processor=` line becomes
 * the ollamaProcessor output (before: always undefined for a container placement); the host
 * precheck and the Neo4j password change, the password only in the secret stdin.
 */
import { Rendered, renderStack } from "../../tools/render";
import { CONTAINER } from "./support/containers";

const REMOTE_COMMAND = "command:remote:Command";
let r: Rendered;

beforeAll(async () => {
    // keepAlive -1 as a number, as `keepAlive: -1` in the stack file arrives (one render per file: the
    // stack's own 24h passes through unchanged, a number of seconds is what needs converting).
    r = new Rendered(await renderStack({
        stack: "prod", secrets: { neo4jPassword: "prod-password-1", backupPassword: "backup-password-0123456789", digitaloceanToken: "do-token" }, overrides: { "ollama.keepAlive": -1 },
    }));
});

test("the GPU check runs on the droplet after the pull with the accelerator and keep-alive; the backend waits for it", () => {
    const check = r.named("ollama-container-gpu-check", REMOTE_COMMAND);
    // The server keeps -1; `ollama run --keepalive` takes a Go duration only (cmd/cmd.go, v0.12.6): -1s.
    expect(r.named("ollama-container", CONTAINER).inputs.envs).toContain("OLLAMA_KEEP_ALIVE=-1");
    expect(check.inputs.create).toBe(
        "OLLAMA_CONTAINER='rag-stack-prod-ollama' OLLAMA_MODEL='qwen2.5:7b-instruct-q8_0' RAG_OLLAMA_ACCELERATOR='nvidia' RAG_OLLAMA_KEEP_ALIVE='-1s' sh -s");
    expect(String(check.inputs.stdin)).toContain("ollama ps");
    expect(String(check.inputs.stdin)).toContain("@ollama processor=");
    expect(r.dependsOn(check, r.named("ollama-container-model", REMOTE_COMMAND))).toBe(true);
    expect(r.dependsOn(r.named("app-backend", CONTAINER), check)).toBe(true);
    // A new container, model, accelerator or script re-runs it.
    const triggers = check.inputs.triggers as string[];
    expect(triggers).toEqual(expect.arrayContaining(["qwen2.5:7b-instruct-q8_0", "nvidia", "-1"]));
    expect(triggers).toHaveLength(5);
});

test("the Neo4j password change runs on the droplet before Neo4j; the password is in the secret stdin, not on the command line", () => {
    const sync = r.named("app-neo4j-password", REMOTE_COMMAND);
    // The volume the store is on and the image whose shell looks into it (the mocks' volume name and image ID).
    const neo4j = r.named("app-neo4j", CONTAINER).inputs as { image: string; volumes: { volumeName: string }[] };
    expect(sync.inputs.create).toBe("NEO4J_CONTAINER='rag-stack-prod-neo4j' NEO4J_USER='neo4j' " +
        `NEO4J_VOLUME='${neo4j.volumes[0].volumeName}' NEO4J_IMAGE='${neo4j.image}' sh -s`);
    expect(String(sync.inputs.stdin)).toMatch(/^NEO4J_NEW_PASSWORD='prod-password-1'\nexport NEO4J_NEW_PASSWORD\n#!\/bin\/sh\n/);
    expect(sync.secretPaths).toContain("stdin");
    expect(r.dependsOn(r.named("app-neo4j", CONTAINER), sync)).toBe(true);
});

test("the Neo4j password check runs on the droplet once Neo4j is up and before the backend; again for a new container", () => {
    const check = r.named("app-neo4j-password-check", REMOTE_COMMAND);
    expect(check.inputs.create).toBe("NEO4J_CONTAINER='rag-stack-prod-neo4j' NEO4J_USER='neo4j' sh -s check");
    expect(String(check.inputs.stdin)).toMatch(/^NEO4J_NEW_PASSWORD='prod-password-1'\nexport NEO4J_NEW_PASSWORD\n#!\/bin\/sh\n/);
    expect(check.secretPaths).toContain("stdin");
    expect(r.dependsOn(check, r.named("app-neo4j", CONTAINER))).toBe(true);
    expect(r.dependsOn(r.named("app-backend", CONTAINER), check)).toBe(true);
    expect(check.inputs.triggers).toEqual([expect.stringMatching(/^[0-9a-f]{16}$/), "app-neo4j-id"]); // the script, the container's (mock) ID
    expect(check.replaceWith).toEqual([r.ofType("digitalocean:index/droplet:Droplet")[0].urn]);
});

test("the host precheck runs on the droplet before the app containers", () => {
    const precheck = r.named("app-host-precheck", REMOTE_COMMAND);
    // Behind the front door only Neo4j's loopback ports are the stack's own; the proxy counts as one of ours.
    expect(String(precheck.inputs.create)).toBe("RAG_HOST_PORTS='7687 7474' RAG_OWN_CONTAINERS='rag-stack-prod-neo4j rag-stack-prod-backend rag-stack-prod-frontend rag-stack-prod-ollama rag-stack-prod-proxy' sh -s");
    expect(r.dependsOn(r.named("app-neo4j", CONTAINER), precheck)).toBe(true);
});

test("a grown volume: the filesystems are grown on the droplet after the resize (the volume sizes are the triggers), on the devices and mounts the user-data mounts", () => {
    const grow = r.named("host-volumes-grow", REMOTE_COMMAND);
    const volumes = r.ofType("digitalocean:index/volume:Volume");
    expect(grow.inputs.create).toBe("sh -s '/dev/disk/by-id/scsi-0DO_Volume_rag-stack-prod-models' '/mnt/rag-stack-models' " +
        "'/dev/disk/by-id/scsi-0DO_Volume_rag-stack-prod-neo4j' '/mnt/rag-stack-neo4j'");
    expect(String(grow.inputs.stdin)).toContain('out=$(resize2fs "$device" 2>&1)');
    const sizes = ["host-models", "host-neo4j-data"].map((n) => r.named(n, "digitalocean:index/volume:Volume").inputs.size);
    expect((grow.inputs.triggers as unknown[]).slice(0, 2)).toEqual(sizes);
    for (const v of volumes) expect(grow.propertyDependencies?.triggers).toContain(v.urn);
    expect(r.dependsOn(grow, r.named("host-gpu-ready", REMOTE_COMMAND))).toBe(true);
    const userData = String(r.ofType("digitalocean:index/droplet:Droplet")[0].inputs.userData);
    for (const mount of ["/mnt/rag-stack-models", "/mnt/rag-stack-neo4j"]) expect(userData).toContain(`_MOUNT='${mount}'`);
});
