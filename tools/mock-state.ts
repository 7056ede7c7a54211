/**
 * Output properties the mocks add to a resource's inputs, per type: what the real provider would
 * compute (ids, digests, addresses). Deterministic, so renders can be diffed.
 */
type State = Record<string, unknown>;

const computed: Record<string, (name: string, inputs: State) => State> = {
    "docker:index/remoteImage:RemoteImage": (_name, inputs) => ({
        imageId: `${String(inputs.name)}`,
        repoDigest: `${String(inputs.name)}@sha256:${"0".repeat(64)}`,
    }),
    "docker:index/image:Image": (_name, inputs) => ({ repoDigest: `${String(inputs.imageName)}@sha256:${"0".repeat(64)}` }),
    "docker:index/volume:Volume": (name, inputs) => ({ name: inputs.name ?? `${name}-volume` }),
    "docker:index/network:Network": (name, inputs) => ({ name: inputs.name ?? name }),
    "docker:index/container:Container": (name, inputs) => ({ name: inputs.name ?? name }),
    "command:local:Command": () => ({ stdout: "", stderr: "" }),
    "command:remote:Command": () => ({ stdout: "", stderr: "" }),
};

export function mockState(type: string, name: string, inputs: State): State {
    return computed[type]?.(name, inputs) ?? {};
}
