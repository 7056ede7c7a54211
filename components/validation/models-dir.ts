/**
 * `ollama.modelsDir` must be a directory of its own: Ollama owns what it puts there. It writes
 * `blobs/` and `manifests/` into OLLAMA_MODELS, and at every start deletes each file in `blobs/`
 * that is not one of its blobs and each empty directory under `manifests/` (server/images.go
 * PruneLayers and PruneDirectory, Ollama 0.12.6; only OLLAMA_NOPRUNE stops it). A system directory,
 * a home directory or a folder of documents as the store mixes those with other files, and a
 * `blobs/` folder someone already had there is emptied.
 *
 * Two checks: by name (pure, at validation), and by content (loadProfile, this machine's
 * filesystem: the directory applies only where Ollama runs on this machine).
 */
import * as fs from "fs";
import * as path from "path";

export const MODELS_DIR_ALLOWED = "use a directory of its own for the models, e.g. ~/.ollama/models (Ollama's default) or a new, empty directory";

/**
 * Directories that hold other things than models: the directory itself is refused, a dedicated
 * directory inside is fine (/usr/share/ollama/.ollama/models is the Linux installer's store,
 * /Volumes/<disk>/ollama an external disk's).
 */
const SHARED_DIRECTORIES = [
    "/", "/bin", "/boot", "/etc", "/home", "/lib", "/lib64", "/media", "/mnt", "/opt", "/opt/homebrew", "/root", "/run",
    "/sbin", "/srv", "/tmp", "/usr", "/usr/bin", "/usr/lib", "/usr/local", "/usr/local/bin", "/usr/sbin", "/usr/share",
    "/var", "/var/lib", "/var/tmp",
    // macOS
    "/Applications", "/Library", "/Network", "/System", "/Users", "/Volumes", "/cores", "/private", "/private/etc",
    "/private/tmp", "/private/var",
];

/** Trees that belong to the operating system (or are not files at all): nothing of ours goes anywhere in them. */
const SYSTEM_TREES = ["/bin", "/boot", "/dev", "/etc", "/private/etc", "/proc", "/sbin", "/sys", "/System", "/usr/bin", "/usr/lib", "/usr/sbin"];

/** Folders of a home directory that hold the user's own files. */
const HOME_FOLDERS = ["Desktop", "Documents", "Downloads", "Library", "Movies", "Music", "Pictures", "Public", ".ollama"];

const under = (dir: string, tree: string) => dir === tree || dir.startsWith(`${tree}/`);

/** Why `dir` (absolute, `~` expanded) cannot be the model store, or undefined. `home` is the user's home directory. */
export function modelsDirNameProblem(dir: string, home: string): string | undefined {
    const d = path.posix.normalize(dir).replace(/(.)\/+$/, "$1");
    const h = path.posix.normalize(home).replace(/(.)\/+$/, "$1");
    if (d === h) return "it is your home directory";
    const homeFolder = HOME_FOLDERS.find((f) => d === path.posix.join(h, f));
    if (homeFolder === ".ollama") return "it is Ollama's own directory (its key and history); its model store is ~/.ollama/models";
    if (homeFolder) return `it is your ~/${homeFolder} folder`;
    const tree = SYSTEM_TREES.find((t) => under(d, t));
    if (tree) return `it is inside ${tree}, which belongs to the operating system`;
    if (SHARED_DIRECTORIES.includes(d)) return "it is a system directory holding other things";
    if (/^\/(Users|home)\/[^/]+$/.test(d)) return "it is a home directory";
    return undefined;
}

/** What loadProfile needs of the filesystem (injectable for tests). */
export interface ModelsDirProbe {
    /** undefined when the path does not exist. */
    stat(p: string): { isDirectory: boolean } | undefined;
    list(p: string): string[];
    realpath(p: string): string;
}

export const localModelsDirProbe: ModelsDirProbe = {
    stat: (p) => {
        try {
            return { isDirectory: fs.statSync(p).isDirectory() };
        } catch {
            return undefined;
        }
    },
    list: (p) => fs.readdirSync(p),
    realpath: (p) => fs.realpathSync(p),
};

/** A blob as Ollama names it (sha256-<64 hex>), or one of its partial downloads. */
const BLOB_NAME = /^sha256-[0-9a-fA-F]{64}(-partial(-\d+)?)?$/;
/** Entries a file manager leaves in any folder. */
const IGNORED = /^(\.DS_Store|\.localized|\._.*)$/;

function sample(names: string[]): string {
    return names.slice(0, 3).join(", ") + (names.length > 3 ? `, ... (${names.length})` : "");
}

/**
 * Why the existing directory `dir` is not a model store of its own, or undefined: a file instead
 * of a directory, a symlink to a refused directory, files in `blobs/` Ollama would delete, or
 * other things and no Ollama store. A directory that does not exist yet is fine (it is created).
 */
export function modelsDirContentProblem(dir: string, home: string, probe: ModelsDirProbe = localModelsDirProbe): string | undefined {
    const st = probe.stat(dir);
    if (st === undefined) return undefined;
    if (!st.isDirectory) return "it is a file, not a directory";
    const real = probe.realpath(dir);
    const named = real !== dir ? modelsDirNameProblem(real, home) : undefined;
    if (named) return `it leads to ${real}: ${named}`;
    const entries = probe.list(dir).filter((e) => !IGNORED.test(e));
    const blobs = path.join(dir, "blobs");
    if (entries.includes("blobs") && probe.stat(blobs)?.isDirectory) {
        const foreign = probe.list(blobs).filter((e) => !IGNORED.test(e) && !BLOB_NAME.test(e));
        if (foreign.length > 0) {
            return `its blobs/ holds files that are not Ollama blobs (${sample(foreign)}), and Ollama deletes those at every start`;
        }
    }
    const others = entries.filter((e) => e !== "blobs" && e !== "manifests");
    if (others.length > 0 && !entries.includes("blobs") && !entries.includes("manifests")) {
        return `it already holds other things (${sample(others)}) and no Ollama store (blobs/, manifests/)`;
    }
    return undefined;
}
