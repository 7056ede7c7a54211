/**
 * Renders the GPU droplet's cloud-init user-data from cloud-init.yaml.tmpl: the template is the
 * source of truth, this only fills in checked values. Pure and deterministic, so the same config
 * always gives the same user-data (a change replaces the droplet; the data volumes survive it).
 */
import * as fs from "fs";
import * as path from "path";

export const CLOUD_INIT_TEMPLATE = path.join(__dirname, "cloud-init.yaml.tmpl");

/**
 * DigitalOcean's ceiling on a droplet's user data: "It must be plain text and may not exceed 64 KiB
 * in size" (API reference, droplet create, `user_data`). Refused here, before anything is created,
 * rather than by the API after the volumes, address and firewall exist.
 */
export const USER_DATA_LIMIT_BYTES = 64 * 1024;

/** Where DigitalOcean exposes an attached volume: /dev/disk/by-id/scsi-0DO_Volume_<volume name>. */
export function digitalOceanVolumeDevice(volumeName: string): string {
    return `/dev/disk/by-id/scsi-0DO_Volume_${volumeName}`;
}

export interface CloudInitArgs {
    /** Block device of the Ollama models volume. */
    modelsDevice: string;
    /** Where that volume is mounted. */
    modelsMount: string;
    /** Directory on it that holds the models (bind-mounted into the Ollama container). */
    modelsDir: string;
    /** Block device of the Neo4j data volume. */
    neo4jDevice: string;
    /** Where that volume is mounted. */
    neo4jMount: string;
    /** Directory on it that holds Neo4j's /data. */
    neo4jDir: string;
    /** Directory on it that holds the front door's state (Caddy's data/ and config/). */
    caddyDir: string;
    /** File written when the droplet is prepared; the readiness check requires it. */
    readyMarker: string;
    /** Exact name of the Ollama container, the only one the heal timer may restart. */
    ollamaContainer: string;
    /** Where the heal timer keeps its state (gpu-watchdog.ts). */
    healStateDir: string;
}

/** Values end up inside single-quoted shell strings in YAML block scalars: keep them to plain path characters. */
const SAFE_VALUE = /^\/[A-Za-z0-9_./-]+$/;
/** Container names: Docker's own rule, which leaves nothing a shell or a unit file would interpret. */
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]+$/;
const NAME_KEYS: ReadonlySet<string> = new Set(["ollamaContainer"]);
/** A line that is only `{{file:<path under components/hosts/>}}`: that file, whole, indented as the line is. */
const FILE_LINE = /^( *)\{\{file:([A-Za-z0-9_-][A-Za-z0-9_./-]*)\}\}$/gm;

export function renderCloudInit(args: CloudInitArgs, template: string = fs.readFileSync(CLOUD_INIT_TEMPLATE, "utf8")): string {
    const values = args as unknown as Record<string, string>;
    for (const [key, value] of Object.entries(values)) {
        if (NAME_KEYS.has(key) ? !SAFE_NAME.test(value) : !SAFE_VALUE.test(value)) {
            throw new Error(`cloud-init: ${key} ${JSON.stringify(value)} is not allowed; expected ${NAME_KEYS.has(key)
                ? "a container name of letters, digits and _ . -" : "an absolute path of letters, digits and _ . / -"}`);
        }
    }
    const rendered = template.replace(/\{\{(\w+)\}\}/g, (_match, key: string) => {
        if (!(key in values)) throw new Error(`cloud-init template: unknown placeholder {{${key}}}`);
        return values[key];
    });
    const userData = includeFiles(rendered, values);
    const bytes = Buffer.byteLength(userData, "utf8");
    if (bytes > USER_DATA_LIMIT_BYTES) {
        throw new Error(`cloud-init: the rendered user data is ${bytes} bytes; DigitalOcean accepts at most ${USER_DATA_LIMIT_BYTES} (64 KiB). ` +
            "Move what the template includes into files the droplet fetches or into remote commands");
    }
    return userData;
}

/**
 * Replaces each file line with the file's text. Included files get the same values, but only
 * for placeholders that name one: scripts keep their own `{{...}}` (docker's Go templates, written
 * with spaces, `{{ end }}`, so they never look like a placeholder left unfilled).
 */
function includeFiles(text: string, values: Record<string, string>): string {
    return text.replace(FILE_LINE, (_match, indent: string, file: string) => {
        if (file.split("/").includes("..")) throw new Error(`cloud-init template: {{file:${file}}} must stay under components/hosts/`);
        const content = fs.readFileSync(path.join(path.dirname(CLOUD_INIT_TEMPLATE), file), "utf8")
            .replace(/\{\{(\w+)\}\}/g, (placeholder, key: string) => (key in values ? values[key] : placeholder));
        return content.replace(/\n$/, "").split("\n").map((line) => (line === "" ? "" : indent + line)).join("\n");
    });
}
