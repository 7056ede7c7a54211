/**
 * prod parked (`digitalocean.parked: true`) against prod running, both rendered from the real
 * Pulumi.prod.yaml: the data side (SSH key, VPC, both volumes, tag, firewall, reserved IP, the
 * DigitalOcean provider) is registered identically, inputs, options and dependencies; the compute
 * side (capacity check, droplet, IP assignment, readiness, Docker provider) and every Docker resource and command
 * are gone; nothing kept depends on anything removed, so parking deletes only and unparking creates
 * only. The alerts (an e-mail destination set): the uptime check and its alerts stay, the check
 * disabled; the droplet's policies go with the droplet. Parked renders in this process, running in
 * a child (one render per process).
 */
import { Rendered, RenderedResource, renderStack, renderStackInChildProcess } from "../../tools/render";
import { hostCost, parkingSaving } from "../../components/hosts/digitalocean-cost";
import { DIGITALOCEAN_GPU_SIZES } from "../../components/hosts/digitalocean-sizes";

const SECRETS = { neo4jPassword: "prod-password-1", backupPassword: "backup-password-0123456789", digitaloceanToken: "dop_v1_test" };
const ALERTS = { "alerts.emails": ["ops@example.org"] };
/** Kept while parked, the check disabled: the uptime check, its three alerts and their components. */
const ALERT_SIDE = [
    "rag-stack:alerts:StackAlerts::alerts",
    "rag-stack:alerts:UptimeAlerts::alerts-uptime",
    "digitalocean:index/uptimeCheck:UptimeCheck::alerts-uptime-check",
    "digitalocean:index/uptimeAlert:UptimeAlert::alerts-uptime-down",
    "digitalocean:index/uptimeAlert:UptimeAlert::alerts-uptime-latency",
    "digitalocean:index/uptimeAlert:UptimeAlert::alerts-uptime-ssl-expiry",
];
/** Gone while parked, with the droplet they watch. */
const DROPLET_ALERTS = [
    "rag-stack:alerts:DropletAlerts::alerts-droplet",
    "digitalocean:index/monitorAlert:MonitorAlert::alerts-droplet-disk",
    "digitalocean:index/monitorAlert:MonitorAlert::alerts-droplet-memory",
    "digitalocean:index/monitorAlert:MonitorAlert::alerts-droplet-load5",
];
const DATA_SIDE = [
    "pulumi:providers:digitalocean::host-do",
    "digitalocean:index/sshKey:SshKey::host-ssh-key",
    "digitalocean:index/vpc:Vpc::host-vpc",
    "digitalocean:index/volume:Volume::host-models",
    "digitalocean:index/volume:Volume::host-neo4j-data",
    "digitalocean:index/tag:Tag::host-tag",
    "digitalocean:index/firewall:Firewall::host-firewall",
    "digitalocean:index/reservedIp:ReservedIp::host-ip",
    "rag-stack:hosts:DigitalOceanHost::host",
    // The backups' bucket and its key (and their component): kept parked, so the graph's copies stay.
    "digitalocean:index/spacesBucket:SpacesBucket::rag-stack-prod-backups",
    "digitalocean:index/spacesKey:SpacesKey::backup-key",
    "rag-stack:backup:DropletBackup::backup",
];
const COMPUTE_SIDE = [
    "command:local:Command::host-gpu-capacity",
    "digitalocean:index/droplet:Droplet::host-droplet",
    "digitalocean:index/reservedIpAssignment:ReservedIpAssignment::host-ip-assignment",
    "command:remote:Command::host-gpu-ready",
    "pulumi:providers:docker::host-docker",
];

const SCHEDULE = { enabled: true, schedule: { wake: "0 8 * * 1-5", park: "0 20 * * 1-5" }, idleMinutes: 60 };

let parked: Rendered;
let running: Rendered;
const key = (r: RenderedResource) => `${r.type}::${r.name}`;
const keys = (r: Rendered) => r.result.resources.map(key).sort();

beforeAll(async () => {
    // Parked with the documented schedule (it registers nothing: the workflow reads it; the outputs show it).
    parked = new Rendered(await renderStack({ stack: "prod", secrets: SECRETS, overrides: { ...ALERTS, "digitalocean.parked": true, parking: SCHEDULE } }));
    running = new Rendered(renderStackInChildProcess({ stack: "prod", secrets: SECRETS, overrides: ALERTS }));
}, 60_000);

test("parked registers exactly the data side and the uptime check with its alerts", () => {
    expect(keys(parked)).toEqual([...DATA_SIDE, ...ALERT_SIDE].sort());
});

describe("alerts while parked: nothing probes, nothing fires, and unparking changes nothing but `enabled`", () => {
    const check = (r: Rendered) => r.named("alerts-uptime-check", "digitalocean:index/uptimeCheck:UptimeCheck");

    test("the check is disabled parked, enabled running; its name, target and regions do not change (an update in place)", () => {
        expect(check(parked).inputs.enabled).toBe(false);
        expect(check(running).inputs.enabled).toBe(true);
        expect({ ...check(parked).inputs, enabled: true }).toEqual(check(running).inputs);
        expect(check(parked).urn).toBe(check(running).urn);
    });

    test("running, the check waits for the front door, so an unpark enables it only once the door answers", () => {
        expect(running.dependsOn(check(running), running.named("proxy-container", "docker:index/container:Container"))).toBe(true);
        expect(check(parked).dependencies.filter((d) => !d.includes("pulumi:providers"))).toEqual([]);
    });

    test.each(ALERT_SIDE.filter((k) => k.includes("uptimeAlert")))("%s: the same alert parked and running", (k) => {
        const name = k.slice(k.lastIndexOf("::") + 2);
        expect(parked.named(name).inputs).toEqual(running.named(name).inputs);
    });

    test("the droplet's policies exist only running, on the droplet, and so are deleted before it when parking", () => {
        for (const k of DROPLET_ALERTS) {
            expect(parked.maybeNamed(k.slice(k.lastIndexOf("::") + 2))).toBeUndefined();
            const policy = running.named(k.slice(k.lastIndexOf("::") + 2));
            if (policy.custom) expect(running.dependsOn(policy, running.named("host-droplet"))).toBe(true);
        }
        expect((parked.result.outputs.alerts as { notes: string[] }).notes[0]).toMatch(/^parked: the uptime check is disabled/);
        expect((parked.result.outputs.alerts as { policies: { source: string }[] }).policies.map((p) => p.source)).toEqual(["uptime", "uptime", "uptime"]);
    });
});

test("no Docker resource, no command, no Ollama or app component while parked", () => {
    const types = parked.result.resources.map((r) => r.type);
    expect(types.filter((t) => t.startsWith("docker:") || t === "pulumi:providers:docker")).toEqual([]);
    expect(types.filter((t) => t.startsWith("command:"))).toEqual([]);
    expect(types.filter((t) => t.startsWith("rag-stack:ollama:") || t.startsWith("rag-stack:app:"))).toEqual([]);
});

test("running = the data side + the compute side + everything on the Docker engine", () => {
    const onTheEngine = running.result.resources.filter((r) => !DATA_SIDE.includes(key(r)) && !COMPUTE_SIDE.includes(key(r)));
    expect(keys(running)).toEqual([...DATA_SIDE, ...COMPUTE_SIDE, ...onTheEngine.map(key)].sort());
    for (const r of onTheEngine) {
        // Docker resources through the droplet's engine, commands on the droplet, and their components.
        expect(r.type).toMatch(/^(docker:|command:remote:|rag-stack:(ollama|app|proxy|health|alerts):|digitalocean:index\/(containerRegistryDockerCredentials|uptimeCheck|uptimeAlert|monitorAlert):)/);
    }
    // Ollama, Neo4j, backend, frontend, the front door (Caddy) and the health responder.
    expect(onTheEngine.filter((r) => r.type === "docker:index/container:Container").length).toBe(6);
});

test.each(DATA_SIDE)("%s: same URN, inputs, secrets, options, parent, provider and dependencies parked and running", (k) => {
    const [type, name] = [k.slice(0, k.lastIndexOf("::")), k.slice(k.lastIndexOf("::") + 2)];
    const p = parked.named(name, type);
    const r = running.named(name, type);
    expect(p).toEqual(r);
});

test("the volumes stay protected and retained on delete, parked as running", () => {
    for (const name of ["host-models", "host-neo4j-data"]) {
        expect(parked.named(name)).toMatchObject({ protect: true, retainOnDelete: true });
    }
});

test("nothing kept depends on anything parking removes (deletes only when parking, creates only when unparking)", () => {
    const removed = running.result.resources.filter((r) => !DATA_SIDE.includes(key(r)) && !ALERT_SIDE.includes(key(r)));
    for (const kept of DATA_SIDE.map((k) => running.named(k.slice(k.lastIndexOf("::") + 2), k.slice(0, k.lastIndexOf("::"))))) {
        for (const gone of removed) expect({ kept: kept.name, dependsOn: gone.name, is: running.dependsOn(kept, gone) }).toEqual({ kept: kept.name, dependsOn: gone.name, is: false });
    }
});

test("unparking attaches the same volumes and takes the same address: the droplet and the assignment refer to the kept resources", () => {
    const droplet = running.named("host-droplet");
    expect((droplet.inputs.volumeIds as string[]).sort()).toEqual(["host-models-id", "host-neo4j-data-id"]);
    expect(droplet.inputs.vpcUuid).toBe("host-vpc-id");
    expect(running.named("host-ip-assignment").inputs.ipAddress).toBe(parked.result.outputs.publicIp);
    // The firewall finds the new droplet by its tag: no droplet id in the firewall's inputs.
    expect(running.named("host-firewall").inputs.dropletIds).toBeUndefined();
    expect(droplet.inputs.tags).toEqual(expect.arrayContaining(running.named("host-firewall").inputs.tags as string[]));
});

test("every Docker resource goes with the droplet (deletedWith), so parking never needs the engine to delete them", () => {
    const droplet = running.named("host-droplet");
    for (const r of running.result.resources.filter((x) => x.custom && x.type.startsWith("docker:"))) {
        expect({ name: r.name, deletedWith: r.deletedWith }).toEqual({ name: r.name, deletedWith: droplet.urn });
    }
});

describe("outputs", () => {
    const o = () => parked.result.outputs as Record<string, unknown>;
    const size = () => DIGITALOCEAN_GPU_SIZES[String((running.result.outputs.gpuHost as { size: string }).size)];
    const inputs = () => ({ dropletPerHourUsd: size().pricePerHourUsd, volumesGib: [100, 20] });

    test("state parked, the same public IP, no URL, no Docker host, no containers", () => {
        expect(o().state).toBe("parked");
        expect(running.result.outputs.state).toBe("running");
        expect(o().publicIp).toBe(running.result.outputs.publicIp);
        for (const k of ["dockerHost", "backendUrl", "backendHealthUrl", "frontendUrl", "containers", "gpuHost", "ollamaUrlForBackend", "neo4jBoltUrl"]) {
            expect({ [k]: o()[k] }).toEqual({ [k]: undefined });
        }
    });

    test("cost now: volumes and the unassigned IP parked; droplet and volumes running; and the saving", () => {
        expect(o().costPerHourUsd).toBe(hostCost("parked", inputs()).perHourUsd);
        expect(o().costPerMonthUsd).toBe(17); // 120 GiB at $0.10 + $5 for the unassigned IP
        expect(o().costPerHourByItem).toEqual({ droplet: 0, volumes: 0.01786, reservedIp: 0.00744 });
        expect(running.result.outputs.costPerMonthUsd).toBe(522.72); // 0.76 * 672 + 12
        expect(o().parkedSaving).toEqual(parkingSaving(inputs()));
        expect(running.result.outputs.parkedSaving).toEqual(o().parkedSaving);
    });

    test("the parking schedule and what it saves at list prices: weekdays 8 to 20 run 60 h a week, $325.10 a month saved", () => {
        expect(o().parkingSchedule).toEqual({
            enabled: true, wake: "0 8 * * 1-5", park: "0 20 * * 1-5", idleMinutes: 60,
            runningHoursPerWeek: 60, perMonthUsd: 197.62, savingPerMonthUsd: 325.1,
        });
        // Pulumi.prod.yaml has no schedule: off, nothing to count.
        expect(running.result.outputs.parkingSchedule).toEqual({
            enabled: false, wake: null, park: null, idleMinutes: null, runningHoursPerWeek: null, perMonthUsd: null, savingPerMonthUsd: null,
        });
    });
});
