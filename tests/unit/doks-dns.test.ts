/**
 * The scale stack's DNS record for services.publicHost (components/hosts/doks-dns.ts): which zone
 * of the account holds the name, the record's name in it, the refusal when DigitalOcean DNS holds
 * no zone for it, and the other addresses a name may already have (the droplet's, during a move).
 */
import { foreignAddresses, recordName, zoneCandidates, zoneFor, zoneOrRefuse } from "../../components/hosts/doks-dns";

test("the zone is the longest suffix of publicHost that is a domain of the account", () => {
    expect(zoneCandidates("rag.team.example.com")).toEqual(["rag.team.example.com", "team.example.com", "example.com"]);
    expect(zoneFor("rag.team.example.com", ["example.com", "team.example.com", "other.org"])).toBe("team.example.com");
    expect(zoneFor("Rag.Example.com.", ["example.com"])).toBe("example.com");
    expect(zoneFor("rag.example.com", ["ample.com", "other.org"])).toBeUndefined();
});

test("the record's name: the labels before the zone, @ for the zone's apex", () => {
    expect(recordName("rag.team.example.com", "example.com")).toBe("rag.team");
    expect(recordName("rag.example.com", "example.com")).toBe("rag");
    expect(recordName("example.com", "example.com")).toBe("@");
});

test("a name in no domain of the account is refused with the zones looked for and what to do", () => {
    expect(() => zoneOrRefuse("rag.example.net", ["example.com"])).toThrow(
        /rag-stack:services.publicHost: "rag.example.net" is in no domain of this DigitalOcean account \(looked for rag.example.net, example.net; doctl compute domain list\).*doctl compute domain create.*rag-stack:doks.dnsRecord false/);
});

test("addresses the name has besides the load balancer's are named, its own is not", () => {
    const records = [
        { id: 11, type: "A", value: "203.0.113.80" },
        { id: 12, type: "A", value: "203.0.113.50" },
        { id: 13, type: "TXT", value: "v=spf1 -all" },
        { id: 14, type: "CNAME", value: "old.example.com." },
    ];
    expect(foreignAddresses(records, "203.0.113.80")).toEqual(["A 203.0.113.50 (record 12)", "CNAME old.example.com. (record 14)"]);
    expect(foreignAddresses(records.slice(0, 1), "203.0.113.80")).toEqual([]);
});
