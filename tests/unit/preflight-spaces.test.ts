/** The droplet's pre-flight refuses a run with backups and no Spaces key pair (the bucket needs it); parked or backups off, no refusal for it. */
import { parseProfile } from "../../components/config";
import { prepareDigitalOceanRun, spacesCredentialsProblem } from "../../components/hosts/preflight";
import { DO_TOKEN_ENV, prodProfileRaw, TEST_SECRETS } from "./support/profiles";

const profile = parseProfile("prod", prodProfileRaw(), TEST_SECRETS, DO_TOKEN_ENV);

test("the problem names what is missing and the way out", () => {
    expect(spacesCredentialsProblem({ SPACES_ACCESS_KEY_ID: "a", SPACES_SECRET_ACCESS_KEY: "b" })).toBeUndefined();
    expect(spacesCredentialsProblem({ SPACES_ACCESS_KEY_ID: "a" })).toMatch(/^SPACES_SECRET_ACCESS_KEY is not set: the backup bucket .*backup\.enabled: false/);
});

test("a real run (no mocks) with backups on lists it among the pre-flight's problems; parked it is not checked", () => {
    const env = { PATH: process.env.PATH };
    const digitalocean = profile.digitalocean!;
    expect(() => prepareDigitalOceanRun("prod", digitalocean, profile.services, env, { backups: true }))
        .toThrow(/cannot create the DigitalOcean GPU host[^]*\n  - SPACES_ACCESS_KEY_ID and SPACES_SECRET_ACCESS_KEY are not set/);
    expect(() => prepareDigitalOceanRun("prod", digitalocean, profile.services, env, { backups: false })).not.toThrow(/SPACES_/);
    expect(prepareDigitalOceanRun("prod", { ...digitalocean, parked: true }, profile.services, env, { backups: true }).billingGate).toBeUndefined();
});
