/**
 * The pure parts of park/unpark: the preview guard (tools/park/guard.ts), the idle decision
 * (tools/park/idle.ts) and the command line (tools/park/args.ts).
 */
import { parseParkArgs, UsageError } from "../../tools/park/args";
import { nameOfUrn, reviewPreview, typeOfUrn } from "../../tools/park/guard";
import { decideIdle } from "../../tools/park/idle";

const urn = (type: string, name: string, parent = "rag-stack:hosts:DigitalOceanHost") => `urn:pulumi:prod::rag-stack::${parent}$${type}::${name}`;

describe("the preview guard", () => {
    test("URNs: the type is the last part of the qualified type, the name what follows", () => {
        expect(typeOfUrn(urn("digitalocean:index/volume:Volume", "host-models"))).toBe("digitalocean:index/volume:Volume");
        expect(typeOfUrn("urn:pulumi:prod::rag-stack::pulumi:pulumi:Stack::rag-stack-prod")).toBe("pulumi:pulumi:Stack");
        expect(nameOfUrn(urn("x:y:Z", "a::b"))).toBe("a::b");
    });

    test("compute changes pass; same, read and the stack itself are not changes", () => {
        const r = reviewPreview({ steps: [
            { op: "same", urn: urn("digitalocean:index/volume:Volume", "host-models") },
            { op: "update", urn: "urn:pulumi:prod::rag-stack::pulumi:pulumi:Stack::rag-stack-prod" },
            { op: "delete", urn: urn("digitalocean:index/droplet:Droplet", "host-droplet") },
            { op: "delete", urn: urn("docker:index/container:Container", "app-backend", "rag-stack:app:Services") },
            { op: "create", urn: urn("command:remote:Command", "host-gpu-ready") },
            { op: "delete", urn: urn("pulumi:providers:docker", "host-docker") },
        ] });
        expect(r).toEqual({ refused: [], errors: [], changes: [
            "delete host-droplet (digitalocean:index/droplet:Droplet)", "delete app-backend (docker:index/container:Container)",
            "create host-gpu-ready (command:remote:Command)", "delete host-docker (pulumi:providers:docker)",
        ] });
    });

    test.each([
        ["digitalocean:index/volume:Volume", "host-neo4j-data"], ["digitalocean:index/reservedIp:ReservedIp", "host-ip"],
        ["digitalocean:index/firewall:Firewall", "host-firewall"], ["digitalocean:index/vpc:Vpc", "host-vpc"],
        ["digitalocean:index/dnsRecord:DnsRecord", "rag"], ["digitalocean:index/spacesBucket:SpacesBucket", "backups"],
        ["digitalocean:index/sshKey:SshKey", "host-ssh-key"], ["aws:s3/bucket:Bucket", "unknown-kind"],
    ])("anything but same on %s is refused, named", (type, name) => {
        for (const op of ["update", "replace", "delete", "create", "create-replacement", "delete-replaced"]) {
            expect(reviewPreview({ steps: [{ op, urn: urn(type, name) }] }).refused).toEqual([`${op} ${name} (${type})`]);
        }
        expect(reviewPreview({ steps: [{ op: "same", urn: urn(type, name) }] }).refused).toEqual([]);
    });

    test("the state's type wins over the URN; a malformed step or digest is refused; errors are collected", () => {
        expect(reviewPreview({ steps: [{ op: "delete", urn: urn("docker:index/volume:Volume", "x"), oldState: { type: "digitalocean:index/volume:Volume" } }] }).refused).toHaveLength(1);
        expect(reviewPreview({ steps: [{ urn: "x" }] }).refused[0]).toMatch(/did not describe/);
        expect(reviewPreview("nope").errors).toEqual(["the preview printed no JSON object"]);
        expect(reviewPreview({ diagnostics: [{ severity: "error", message: " boom \n" }, { severity: "warning", message: "w" }] }).errors).toEqual(["boom"]);
    });
});

describe("the idle decision", () => {
    const at = (iso: string) => ({ checkedAt: "2026-12-03T20:00:00Z", lastOllamaRequestAt: iso });
    test("measured against checkedAt, whole minutes, at least N", () => {
        expect(decideIdle(at("2026-12-03T19:00:00Z"), 60)).toMatchObject({ idle: true, idleMinutes: 60 });
        expect(decideIdle(at("2026-12-03T19:00:01Z"), 60)).toMatchObject({ idle: false, idleMinutes: 59 });
        expect(decideIdle(at("2026-12-03T20:00:30Z"), 60).reason).toMatch(/after the answer's checkedAt/);
    });
    test("null: idle only with activity.known and an old enough since", () => {
        const n = (activity: unknown) => ({ checkedAt: "2026-12-03T20:00:00Z", lastOllamaRequestAt: null, activity });
        expect(decideIdle(n({ known: true, since: "2026-12-03T18:00:00Z" }), 60)).toMatchObject({ idle: true, idleMinutes: 120 });
        expect(decideIdle(n({ known: true, since: "2026-12-03T19:30:00Z" }), 60).idle).toBe(false);
        expect(decideIdle(n({ known: false, since: null }), 60).idle).toBe(false);
        expect(decideIdle(n(undefined), 60).idle).toBe(false);
        expect(decideIdle(n({ known: true, since: "garbage" }), 60).idle).toBe(false);
    });
    test.each([[null], [[]], ["text"], [{}], [{ checkedAt: "x", lastOllamaRequestAt: null }], [{ checkedAt: "2026-12-03T20:00:00Z" }],
        [{ checkedAt: "2026-12-03T20:00:00Z", lastOllamaRequestAt: 5 }]])("%j is active", (a) => {
        expect(decideIdle(a, 1)).toMatchObject({ idle: false, reason: expect.stringMatching(/^treated as active: /) });
    });
});

describe("the command line", () => {
    test("park and unpark", () => {
        expect(parseParkArgs("park", ["--stack", "prod", "--if-idle", "60"])).toEqual({ direction: "park", stack: "prod", ifIdleMinutes: 60, healthTimeoutMs: 10_000, waitSeconds: 900 });
        expect(parseParkArgs("unpark", ["-s", "prod", "--wait=120"])).toMatchObject({ stack: "prod", waitSeconds: 120 });
        expect(parseParkArgs("park", ["--help"])).toBeUndefined();
    });
    test.each([
        [["--if-idle", "60"], "--stack is required"], [["--stack", "prod", "--if-idle", "0"], '--if-idle "0": expected a whole number above 0'],
        [["--stack", "prod", "--if-idle", "1.5"], "expected a whole number"], [["--stack", "prod", "--wait", "5"], "--wait is for unpark only"],
        [["--stack", "prod", "extra"], 'unexpected "extra"'], [["--stack", "../x"], "expected a stack name"], [["--bogus"], 'unknown argument "--bogus"'],
    ])("park %j: %s", (argv, said) => {
        expect(() => parseParkArgs("park", argv)).toThrow(UsageError);
        expect(() => parseParkArgs("park", argv)).toThrow(said);
    });
    test("--if-idle is park's only", () => {
        expect(() => parseParkArgs("unpark", ["--stack", "prod", "--if-idle", "5"])).toThrow("--if-idle is for park only");
    });
});
