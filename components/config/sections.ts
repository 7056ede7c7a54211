/**
 * Every top-level key of the `rag-stack` namespace: the sections (mappings read by their own file)
 * and the secrets. The loader reads each of these from Pulumi's config and refuses any other
 * `rag-stack:*` key; docs/configuration.md documents them in this order.
 *
 * A new section: declare its keys in a file of its own (`section({...})`, see ollama.ts), add it
 * here, and read it in profile.ts (parseProfile), where its settings join the Profile.
 */
import { ALERTS } from "./alerts";
import { BACKUP } from "./backup";
import { DIGITALOCEAN } from "./digitalocean";
import { DOKS } from "./doks";
import { DOCKER, HOST } from "./host";
import { OLLAMA } from "./ollama";
import { PARKING } from "./parking";
import { SECRETS } from "./secrets";
import { SERVICES } from "./services";

export const SECTIONS = {
    ollama: OLLAMA,
    host: HOST,
    docker: DOCKER,
    services: SERVICES,
    digitalocean: DIGITALOCEAN,
    doks: DOKS,
    alerts: ALERTS,
    parking: PARKING,
    backup: BACKUP,
};

export { SECRETS };

/** Raw values as they come from the stack file, one per section; secrets are passed separately. */
export type RawConfig = { [N in keyof typeof SECTIONS]?: unknown };
