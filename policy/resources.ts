/**
 * Reading the resources the policies look at, as their inputs arrive at a policy: plain JSON with
 * secrets unwrapped. During a preview some inputs are not known yet (an image id, a generated
 * name); @pulumi/policy throws UnknownValueError when one is read, so reads go through `known`.
 */
import { UnknownValueError } from "@pulumi/policy";
import { isPinnedImage } from "../components/images";

export { isPinnedImage } from "../components/images";

export const CONTAINER = "docker:index/container:Container";
export const REMOTE_IMAGE = "docker:index/remoteImage:RemoteImage";
export const BUILT_IMAGE = "docker:index/image:Image";
export const DOCKER_VOLUME = "docker:index/volume:Volume";
export const LOCAL_COMMAND = "command:local:Command";
export const REMOTE_COMMAND = "command:remote:Command";
export const DO_FIREWALL = "digitalocean:index/firewall:Firewall";
export const DO_VOLUME = "digitalocean:index/volume:Volume";

/** Label the components put on every container (`rag-stack.role`: ollama, neo4j, backend, frontend). */
export const ROLE_LABEL = "rag-stack.role";

type Props = Record<string, unknown>;

/** `read()`, or undefined when it touches a value not known until the update runs. */
export function known<T>(read: () => T): T | undefined {
    try {
        return read();
    } catch (e) {
        if (e instanceof UnknownValueError) return undefined;
        throw e;
    }
}

/** True when `read()` touches a value not known until the update runs. */
export function isUnknown(read: () => unknown): boolean {
    try {
        read();
        return false;
    } catch (e) {
        if (e instanceof UnknownValueError) return true;
        throw e;
    }
}

export interface EnvEntry {
    name: string;
    value: string;
    /** Input path of the entry: `envs.2` for a container, `environment.OLLAMA_HOST` for a command. */
    path: string;
}

/** Environment variables of a container (`envs: ["K=v"]`) or a command (`environment: {K: v}`). */
export function environmentOf(type: string, props: Props): EnvEntry[] {
    if (type === CONTAINER) {
        const envs = known(() => props.envs);
        if (!Array.isArray(envs)) return [];
        return envs.flatMap((entry, i) => {
            const text = known(() => entry as unknown);
            if (typeof text !== "string" || !text.includes("=")) return [];
            const eq = text.indexOf("=");
            return [{ name: text.slice(0, eq), value: text.slice(eq + 1), path: `envs.${i}` }];
        });
    }
    if (type === LOCAL_COMMAND || type === REMOTE_COMMAND) {
        const environment = known(() => props.environment);
        if (!environment || typeof environment !== "object") return [];
        return Object.keys(environment).flatMap((name) => {
            const value = known(() => (environment as Props)[name]);
            return typeof value === "string" ? [{ name, value, path: `environment.${name}` }] : [];
        });
    }
    return [];
}

export function envValue(entries: EnvEntry[], name: string): EnvEntry | undefined {
    return entries.find((e) => e.name === name);
}

/** The container's `rag-stack.role` label. */
export function roleOf(props: Props): string | undefined {
    const labels = known(() => props.labels);
    if (!Array.isArray(labels)) return undefined;
    for (const l of labels) {
        const label = known(() => (l as Props).label);
        if (label === ROLE_LABEL) {
            const value = known(() => (l as Props).value);
            return typeof value === "string" ? value : undefined;
        }
    }
    return undefined;
}

/** The image reference a container runs, when it is a readable reference (not an image id). */
export function imageOf(props: Props): string | undefined {
    const image = known(() => props.image);
    return typeof image === "string" && !image.startsWith("sha256:") ? image : undefined;
}

function imageRepository(ref: string): string {
    const withoutDigest = ref.split("@")[0];
    const slash = withoutDigest.lastIndexOf("/");
    const colon = withoutDigest.lastIndexOf(":");
    return colon > slash ? withoutDigest.slice(0, colon) : withoutDigest;
}

/** True for the Ollama server container: by role label, image, or its OLLAMA_HOST setting. */
export function isOllamaContainer(props: Props): boolean {
    const role = roleOf(props);
    if (role !== undefined) return role === "ollama";
    const image = imageOf(props);
    if (image && /(^|\/)ollama\/ollama$/.test(imageRepository(image))) return true;
    return envValue(environmentOf(CONTAINER, props), "OLLAMA_HOST") !== undefined;
}

/** True for the Neo4j container: by role label or image. */
export function isNeo4jContainer(props: Props): boolean {
    const role = roleOf(props);
    if (role !== undefined) return role === "neo4j";
    const image = imageOf(props);
    return image !== undefined && /(^|\/)neo4j$/.test(imageRepository(image));
}

