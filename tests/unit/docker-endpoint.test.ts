/**
 * The dev engine is not pinned: rag-stack:docker.host, then DOCKER_HOST, then Docker Desktop's
 * ~/.docker/run/docker.sock, then /var/run/docker.sock; each branch says why it was chosen.
 */
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { parseProfile } from "../../components/config";
import { DockerHostProbe, LOCAL_PROBE, resolveDockerHost } from "../../components/hosts/docker-endpoint";

const probe = (env: NodeJS.ProcessEnv, sockets: string[] = []): DockerHostProbe =>
    ({ env, home: "/Users/ana", isSocket: (f) => sockets.includes(f) });

test("configured docker.host wins over everything", () => {
    expect(resolveDockerHost("ssh://me@box", probe({ DOCKER_HOST: "unix:///x.sock" }, ["/Users/ana/.docker/run/docker.sock"])))
        .toMatchObject({ url: "ssh://me@box", source: "config" });
});

test("DOCKER_HOST when set", () => {
    const r = resolveDockerHost(undefined, probe({ DOCKER_HOST: "unix:///Users/ana/.colima/default/docker.sock" }, ["/Users/ana/.docker/run/docker.sock"]));
    expect(r).toMatchObject({ url: "unix:///Users/ana/.colima/default/docker.sock", source: "DOCKER_HOST" });
    expect((r as { reason: string }).reason).toContain("DOCKER_HOST");
});

test("a DOCKER_HOST that is not an engine URL is a problem naming it", () => {
    expect(resolveDockerHost(undefined, probe({ DOCKER_HOST: "/var/run/docker.sock" }))).toEqual({ problem: expect.stringContaining('DOCKER_HOST is "/var/run/docker.sock"') });
});

test("Docker Desktop's per-user socket when DOCKER_HOST is unset and the socket exists", () => {
    expect(resolveDockerHost(undefined, probe({}, ["/Users/ana/.docker/run/docker.sock"])))
        .toMatchObject({ url: "unix:///Users/ana/.docker/run/docker.sock", source: "docker-desktop" });
});

test("the system socket otherwise", () => {
    const r = resolveDockerHost(undefined, probe({ DOCKER_HOST: "" }));
    expect(r).toMatchObject({ url: "unix:///var/run/docker.sock", source: "system-socket" });
    expect((r as { reason: string }).reason).toContain("/Users/ana/.docker/run/docker.sock does not exist");
});

test("the real probe recognises a real socket (not a plain file) under the home directory", async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "rag-stack-home-"));
    const sock = path.join(home, ".docker", "run", "docker.sock");
    fs.mkdirSync(path.dirname(sock), { recursive: true });
    fs.writeFileSync(sock, "not a socket");
    try {
        expect(resolveDockerHost(undefined, { ...LOCAL_PROBE, env: {}, home })).toMatchObject({ source: "system-socket" });
        fs.rmSync(sock);
        const server = net.createServer().listen(sock);
        await new Promise((r) => server.once("listening", r));
        try {
            expect(resolveDockerHost(undefined, { ...LOCAL_PROBE, env: {}, home })).toMatchObject({ url: `unix://${sock}`, source: "docker-desktop" });
        } finally {
            await new Promise((r) => server.close(r));
        }
    } finally {
        fs.rmSync(home, { recursive: true, force: true });
    }
});

test("the dev stack file no longer pins a socket, and the profile follows DOCKER_HOST", () => {
    const devFile = fs.readFileSync(path.join(__dirname, "..", "..", "Pulumi.dev.yaml"), "utf8");
    expect(devFile).not.toMatch(/^\s*host:\s*unix:/m);
    const p = parseProfile("dev", {
        ollama: { mode: "native", model: "qwen2.5:7b-instruct-q8_0", accelerator: "metal" },
    }, { neo4jPassword: { value: pulumi.output("pw-123456"), isSecret: true } }, { DOCKER_HOST: "tcp://127.0.0.1:2375" });
    expect(p.host).toMatchObject({ dockerHost: "tcp://127.0.0.1:2375", dockerHostReason: "DOCKER_HOST is set to tcp://127.0.0.1:2375" });
});
