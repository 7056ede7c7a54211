/**
 * `npm run plan -- --diff` between prod running and prod parked, run as users run it (child
 * processes): parking removes exactly the compute side (capacity check, droplet, IP assignment, readiness, Docker
 * provider) and everything on the Docker engine, adds nothing, changes only the uptime check
 * (disabled: nothing probes a parked stack), and leaves every data resource unchanged; the issue's
 * command (parked → running) is the same set, added, and the check enabled after the front door.
 */
import { PlanDiff, ResourceRef } from "../../tools/plan/diff";
import { formatDiff } from "../../tools/plan/diff-report";
import { runPlan } from "./support/plan-cli";

const PARKED = "prod+digitalocean.parked=true";

async function plan(...args: string[]): Promise<PlanDiff> {
    const run = await runPlan(...args);
    if (run.code !== 0) throw new Error(`plan ${args.join(" ")} exited ${run.code}: ${run.stderr}`);
    return JSON.parse(run.stdout) as PlanDiff;
}

const DATA_SIDE = [
    "digitalocean:index/firewall:Firewall::host-firewall",
    "digitalocean:index/reservedIp:ReservedIp::host-ip",
    "digitalocean:index/sshKey:SshKey::host-ssh-key",
    "digitalocean:index/tag:Tag::host-tag",
    "digitalocean:index/volume:Volume::host-models",
    "digitalocean:index/volume:Volume::host-neo4j-data",
    "digitalocean:index/vpc:Vpc::host-vpc",
    "pulumi:providers:digitalocean::host-do",
    "rag-stack:hosts:DigitalOceanHost::host",
    // The backups' bucket and its key (and their component): kept parked, so the graph's copies stay.
    "digitalocean:index/spacesBucket:SpacesBucket::rag-stack-prod-backups",
    "digitalocean:index/spacesKey:SpacesKey::backup-key",
    "rag-stack:backup:DropletBackup::backup",
];
/** Kept parked and running, unchanged: the alerts' components (the stack file sets no destination, so no alert). */
const ALERT_COMPONENTS = ["rag-stack:alerts:StackAlerts::alerts", "rag-stack:alerts:UptimeAlerts::alerts-uptime"];
const UNCHANGED = [...DATA_SIDE, ...ALERT_COMPONENTS].sort();
const COMPUTE_SIDE = [
    "command:local:Command::host-gpu-capacity",
    "command:remote:Command::host-gpu-ready",
    "digitalocean:index/droplet:Droplet::host-droplet",
    "digitalocean:index/reservedIpAssignment:ReservedIpAssignment::host-ip-assignment",
    "pulumi:providers:docker::host-docker",
];

let parking: PlanDiff;
let unparking: PlanDiff;
const key = (r: ResourceRef) => `${r.type}::${r.name}`;

beforeAll(async () => {
    [parking, unparking] = await Promise.all([plan("--diff", "prod", PARKED, "--json"), plan("--diff", PARKED, "prod", "--json")]);
}, 240_000);

test("parking: every data resource unchanged, nothing added, only the uptime check changed: disabled, no longer after the door", () => {
    expect(parking.unchanged.map(key).sort()).toEqual(UNCHANGED);
    expect(parking.added).toEqual([]);
    expect(parking.changed.map(key)).toEqual(["digitalocean:index/uptimeCheck:UptimeCheck::alerts-uptime-check"]);
    expect(parking.changed[0].changes).toEqual([{ path: "enabled", before: true, after: false }]);
    expect(parking.changed[0].dependencies.added).toEqual([]);
});

test("parking removes the compute side and everything on the Docker engine, nothing of DigitalOcean's data", () => {
    const removed = parking.removed.map(key);
    for (const k of COMPUTE_SIDE) expect(removed).toContain(k);
    const rest = parking.removed.filter((r) => !COMPUTE_SIDE.includes(key(r)));
    // Also the registry credentials the Docker provider pulls with: short-lived, made again on the way back.
    for (const r of rest) expect(r.type).toMatch(/^(docker:|command:remote:|rag-stack:(ollama|app|proxy|health):|digitalocean:index\/containerRegistryDockerCredentials:)/);
    expect(rest.map((r) => r.name)).toEqual(expect.arrayContaining(["ollama-container", "ollama-container-model", "app-neo4j", "app-backend", "app-frontend", "app-network", "health-container"]));
    // No removed resource is protected: `up` can carry it out.
    expect(parking.removed.filter((r) => r.protect)).toEqual([]);
});

test("the issue's command (parked → running) adds exactly what parking removes; of what is kept, only the check changes: enabled once the door is up", () => {
    expect(unparking.added.map(key).sort()).toEqual(parking.removed.map(key).sort());
    expect(unparking.removed).toEqual([]);
    expect(unparking.changed.map(key)).toEqual(["digitalocean:index/uptimeCheck:UptimeCheck::alerts-uptime-check"]);
    expect(unparking.changed[0].changes).toEqual([{ path: "enabled", before: false, after: true }]);
    expect(unparking.changed[0].dependencies.added).toContain("rag-stack:proxy:FrontDoor$docker:index/container:Container::proxy-container");
    expect(unparking.unchanged.map(key).sort()).toEqual(UNCHANGED);
});

test("outputs: state, cost and the URLs move; the public IP does not", () => {
    const paths = parking.outputs.map((o) => o.path);
    expect(parking.outputs).toContainEqual({ path: "state", before: "running", after: "parked" });
    expect(parking.outputs).toContainEqual({ path: "costPerMonthUsd", before: 522.72, after: 17 });
    expect(paths).toContain("frontendUrl");
    expect(paths.some((p) => p.startsWith("publicIp"))).toBe(false);
    expect(paths.some((p) => p.startsWith("parkedSaving"))).toBe(false);
});

test("the text report says it in one line", () => {
    const text = formatDiff(parking);
    expect(text.split("\n").pop()).toBe(`Summary: 0 to add, ${parking.removed.length} to remove, 1 to change, ${UNCHANGED.length} unchanged ` +
        `(prod → ${PARKED}; desired states, not the deployed one).`);
    expect(text).toMatch(/= unchanged: host, host-do, host-firewall, host-ip, host-models, host-neo4j-data, host-ssh-key, host-tag, host-vpc/);
    expect(text).toContain("alerts-uptime-check");
});
