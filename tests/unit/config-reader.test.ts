/**
 * The Reader reads a mapping by its keys' declarations (components/config/schema.ts): defaults,
 * required, optional and derived keys, one problem per bad value with the key fully qualified, and
 * `all()` for a section read in declaration order (what a new section needs when its keys have no
 * rules beyond their declarations).
 */
import { Reader } from "../../components/config/reader";
import { boolean, integer, list, oneOf, section, string } from "../../components/config/schema";

const EXAMPLE = section({
    bucket: string({ required: true, pattern: /^[a-z0-9-]{3,63}$/, allowed: "use a bucket name such as rag-backups", doc: "The bucket." }),
    hour: integer({ default: 3, min: 0, max: 23, doc: "The hour." }),
    region: oneOf(["tor1", "ams3"] as const, { derived: "digitalocean.region", doc: "The region." }),
    enabled: boolean({ optional: true, doc: "On or off." }),
    emails: list({ default: [], pattern: /^[^\s@]+@[^\s@]+$/, allowed: "each address is name@domain", doc: "Who is told." }),
    retention: section({ days: integer({ default: 7, min: 1, max: 365, doc: "Days kept." }) }, { doc: "How long." }),
    extra: section({ note: string({ optional: true, doc: "A note." }) }, { optional: true, doc: "Only when written." }),
}, { doc: "An example section." });

function read(raw: unknown) {
    const problems: string[] = [];
    const settings = Reader.of(problems, "backup", raw, EXAMPLE.keys).all({ region: "tor1" });
    return { settings, problems };
}

test("defaults, the derived fallback, optional keys left unset, nested sections with their defaults", () => {
    expect(read({ bucket: "rag-backups" })).toEqual({
        settings: { bucket: "rag-backups", hour: 3, region: "tor1", enabled: undefined, emails: [], retention: { days: 7 } },
        problems: [],
    });
    expect(read({ bucket: "rag-backups", hour: "5", region: "ams3", enabled: "true", extra: { note: "hi" } }).settings)
        .toMatchObject({ hour: 5, region: "ams3", enabled: true, extra: { note: "hi" } });
});

test("every problem at once, in declaration order after the unknown keys, each naming key, value and what is allowed", () => {
    expect(read({ bucket: "B", hour: 24, region: "nyc2", enabled: "maybe", emails: ["x"], retention: { days: 0, d: 1 }, typo: 1 }).problems).toEqual([
        "rag-stack:backup.typo is not a known setting; known: bucket, hour, region, enabled, emails, retention, extra",
        'rag-stack:backup.bucket: "B" is not allowed; use a bucket name such as rag-backups',
        "rag-stack:backup.hour: 24 is not allowed; expected an integer from 0 to 23",
        'rag-stack:backup.region: "nyc2" is not allowed; use one of: tor1, ams3',
        'rag-stack:backup.enabled: "maybe" is not allowed; expected true or false',
        'rag-stack:backup.emails: "x" is not allowed; each address is name@domain',
        "rag-stack:backup.retention.d is not a known setting; known: days",
        "rag-stack:backup.retention.days: 0 is not allowed; expected an integer from 1 to 365",
    ]);
    expect(read({}).problems).toEqual(["rag-stack:backup.bucket is missing; use a bucket name such as rag-backups"]);
    expect(read("yes").problems[0]).toBe('rag-stack:backup: "yes" is not an object; write it as a YAML mapping');
});

test("get reads one key by its declaration; a derived key takes the caller's fallback", () => {
    const problems: string[] = [];
    const r = Reader.of(problems, "backup", { hour: 4 }, EXAMPLE.keys);
    expect([r.get("hour"), r.get("region", "ams3"), r.get("enabled")]).toEqual([4, "ams3", undefined]);
    expect(r.child("retention").get("days")).toBe(7);
    expect(problems).toEqual([]);
});
