/**
 * Credentials for the private registry the stack's images come from, in the form the Docker
 * provider uses. The provider authenticates pulls only with its own `registryAuth`
 * (kreuzwerker/terraform-provider-docker internal/provider/provider.go, providerSetToRegistryAuth):
 * a `docker login` on this machine or on the droplet is never consulted, so without this a
 * `registry.digitalocean.com/...` image fails with "unauthorized".
 *
 * For DigitalOcean's Container Registry the credentials come from the account itself:
 * `digitalocean.ContainerRegistryDockerCredentials` (read-only) yields a Docker config JSON
 * (`{"auths": {"registry.digitalocean.com": {"auth": ...}}}`), which the provider reads through
 * `configFileContent` and looks up by the registry's host name. Only registries the images
 * actually use get an entry; public images (Docker Hub's ollama/ollama, neo4j) need none.
 */
import * as digitalocean from "@pulumi/digitalocean";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";

export const DIGITALOCEAN_REGISTRY = "registry.digitalocean.com";

/** The registry host of an image reference, as Docker resolves it (`docker.io` when none is named). */
export function registryOf(image: string): string {
    const first = image.split("/")[0];
    const isHost = image.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost");
    return isHost ? first.toLowerCase() : "docker.io";
}

/** The DigitalOcean registry names (`registry.digitalocean.com/<name>/...`) the images use, each once. */
export function digitalOceanRegistryNames(images: string[]): string[] {
    const names = images
        .filter((image) => registryOf(image) === DIGITALOCEAN_REGISTRY)
        .map((image) => image.split("/")[1])
        .filter((name): name is string => Boolean(name));
    return [...new Set(names)];
}

/**
 * `registryAuth` for the Docker provider: read-only credentials for the DigitalOcean registry the
 * images are in, nothing when none is. The provider keeps one set of credentials per registry host
 * (providerSetToRegistryAuth keys them by host name), so images spread over two DigitalOcean
 * registries are refused here rather than failing halfway through a pull.
 */
export function digitalOceanRegistryAuth(
    name: string,
    images: string[],
    opts: pulumi.CustomResourceOptions,
): docker.types.input.ProviderRegistryAuth[] {
    const names = digitalOceanRegistryNames(images);
    if (names.length === 0) return [];
    if (names.length > 1) {
        throw new Error(`images name ${names.length} DigitalOcean registries (${names.join(", ")}); the Docker provider takes one set of credentials per registry host: ` +
            `push every image to one registry (${DIGITALOCEAN_REGISTRY}/<registry>/...)`);
    }
    const credentials = new digitalocean.ContainerRegistryDockerCredentials(`${name}-registry-credentials`, {
        registryName: names[0],
        // Pull only: the droplet never pushes.
        write: false,
    }, opts);
    return [{ address: DIGITALOCEAN_REGISTRY, configFileContent: pulumi.secret(credentials.dockerCredentials) }];
}
