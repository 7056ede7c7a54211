/**
 * `rag-stack:backup` and the secret `backupPassword`: the defaults (on for a droplet, a bucket in
 * another region, the scripts' retention) and every refusal naming its key.
 */
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, parseProfile, RawConfig, RawSecrets } from "../../components/config";
import { BACKUP_REGION_FOR, SPACES_REGIONS } from "../../components/config/backup";
import { DIGITALOCEAN_GPU_SIZES } from "../../components/hosts/digitalocean-sizes";
import { DO_TOKEN_ENV, prodProfileRaw, TEST_SECRETS } from "./support/profiles";

function prod(backup: unknown, region = "tor1"): RawConfig {
    return { ...prodProfileRaw({ digitalocean: { region } }), backup };
}

function problemsOf(raw: RawConfig, secrets: RawSecrets = TEST_SECRETS, stack = "prod"): string[] {
    try {
        parseProfile(stack, raw, secrets, DO_TOKEN_ENV);
    } catch (e) {
        if (e instanceof ConfigError) return e.problems;
        throw e;
    }
    return [];
}

test("prod by default: on, 03:00 UTC, a bucket in another region, the scripts' retention, 26 h", () => {
    const p = parseProfile("prod", prod(undefined), TEST_SECRETS, DO_TOKEN_ENV);
    expect(p.backup).toMatchObject({ enabled: true, disabledOnPurpose: false, hourUtc: 3, bucketRegion: "nyc3", allowSameRegion: false,
        keepWithin: "2d", keepDaily: 7, keepWeekly: 4, keepMonthly: 6, maxAgeHours: 26 });
    expect(pulumi.Output.isInstance(p.backup.password)).toBe(true);
});

test("every region that sells a GPU droplet, and every mapped one, has a default bucket region: a Spaces region, never its own", () => {
    const gpuRegions = Object.values(DIGITALOCEAN_GPU_SIZES).flatMap((s) => s.regions);
    for (const region of new Set([...gpuRegions, ...Object.keys(BACKUP_REGION_FOR)])) {
        const bucket = BACKUP_REGION_FOR[region];
        expect([region, bucket && (SPACES_REGIONS as readonly string[]).includes(bucket)]).toEqual([region, true]);
        expect(bucket).not.toBe(region);
    }
});

test("dev: off by default (on demand), the repository under the home directory, named by the stack, configurable", () => {
    const dev: RawConfig = { host: { provider: "local" }, ollama: { mode: "native", accelerator: "cpu", model: "qwen2.5:7b-instruct-q8_0" } };
    const p = parseProfile("dev", dev, { neo4jPassword: TEST_SECRETS.neo4jPassword }, {});
    expect(p.backup.enabled).toBe(false);
    expect(p.backup.password).toBeUndefined();
    expect(p.backup.repository).toBe(path.join(os.homedir(), "rag-stack-backups", "dev"));
    const custom = parseProfile("dev", { ...dev, backup: { repository: "~/b/dev" } }, { neo4jPassword: TEST_SECRETS.neo4jPassword }, {});
    expect(custom.backup.repository).toBe(path.join(os.homedir(), "b", "dev"));
});

test("a bad hour, an unknown region, the droplet's own region, a bad duration, no retention: each names its key", () => {
    expect(problemsOf(prod({ hourUtc: 24 }))).toEqual([expect.stringMatching(/^rag-stack:backup\.hourUtc: 24 is not allowed; expected an integer from 0 to 23/)]);
    expect(problemsOf(prod({ bucketRegion: "nyc1" }))).toEqual([expect.stringMatching(/^rag-stack:backup\.bucketRegion: "nyc1" is not allowed; Spaces has no region "nyc1"; use one of ams3, atl1/)]);
    expect(problemsOf(prod({ bucketRegion: "tor1" }))).toEqual([expect.stringMatching(/^rag-stack:backup\.bucketRegion: "tor1" is not allowed; it is the droplet's region .*backup\.allowSameRegion: true/)]);
    expect(problemsOf(prod({ bucketRegion: "tor1", allowSameRegion: true }))).toEqual([]);
    expect(problemsOf(prod({ keepWithin: "2 days" }))).toEqual([expect.stringMatching(/^rag-stack:backup\.keepWithin: "2 days" is not allowed; use a restic duration/)]);
    expect(problemsOf(prod({ keepDaily: 0, keepWeekly: 0, keepMonthly: 0 }))).toEqual([expect.stringMatching(/^rag-stack:backup\.keepDaily: 0 is not allowed; .*forget every backup/)]);
    expect(problemsOf(prod({ hourly: true }))).toEqual([expect.stringMatching(/^rag-stack:backup\.hourly is not a known setting/)]);
});

test("disabledOnPurpose goes only with enabled: false; a cluster cannot turn backups on", () => {
    expect(problemsOf(prod({ disabledOnPurpose: true }))).toEqual([expect.stringMatching(/^rag-stack:backup\.disabledOnPurpose: true is not allowed; it only goes with backup\.enabled: false/)]);
    expect(problemsOf(prod({ enabled: false, disabledOnPurpose: true }))).toEqual([]);
});

test("backupPassword: required with backups on a droplet, a secret, at least 16 characters; never shown", () => {
    const { backupPassword: _, ...without } = TEST_SECRETS;
    expect(problemsOf(prod(undefined), without)).toEqual([expect.stringMatching(/^rag-stack:backupPassword is missing; backups need a restic password: pulumi config set --secret backupPassword/)]);
    expect(problemsOf(prod({ enabled: false, disabledOnPurpose: true }), without)).toEqual([]);
    const short = { ...TEST_SECRETS, backupPassword: { value: pulumi.output("short-secret-15"), isSecret: true, text: "short-secret-15" } };
    const problems = problemsOf(prod(undefined), short);
    expect(problems).toEqual([expect.stringMatching(/^rag-stack:backupPassword: a password of 15 characters is not allowed; .*at least 16/)]);
    expect(problems.join("\n")).not.toContain("short-secret-15");
    const plain = { ...TEST_SECRETS, backupPassword: { value: pulumi.output("a-long-enough-password"), isSecret: false, text: "a-long-enough-password" } };
    expect(problemsOf(prod(undefined), plain)).toEqual([expect.stringMatching(/^rag-stack:backupPassword is stored in plain text/)]);
});
