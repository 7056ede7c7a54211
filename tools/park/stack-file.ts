/**
 * The stack file's parked value: read it, and write a copy with it flipped for the preview. The
 * preview runs with `--config-file <copy>`, not `--config`: `pulumi preview --config k=v` saves the
 * value to the stack before previewing (pulumi/pulumi v3.248.0 pkg/cmd/pulumi/operations/
 * preview.go, "Save any config values passed via flags"), so a refused preview would leave the
 * stack flipped for the next `up`. The copy keeps everything else (the secrets' salt included);
 * comments and layout are kept (yaml's Document API).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseDocument } from "yaml";
import { PROJECT } from "../../components/project";

export const PARKED_SECTION = `${PROJECT}:digitalocean`;

export function stackFilePath(stack: string, dir = process.cwd()): string {
    return path.join(dir, `Pulumi.${stack}.yaml`);
}

/** The value of `rag-stack:digitalocean.parked` in the stack file (false when unset). */
export function readParked(file: string): boolean {
    const doc = parseDocument(fs.readFileSync(file, "utf8"));
    const value: unknown = doc.getIn(["config", PARKED_SECTION, "parked"]);
    if (value === undefined || value === null) return false;
    if (typeof value === "boolean") return value;
    if (value === "true" || value === "false") return value === "true";
    throw new Error(`${file}: ${PARKED_SECTION}.parked is ${JSON.stringify(value)}; expected true or false`);
}

/** A temporary copy of the stack file with parked set; the caller removes its directory. */
export function writeFlippedCopy(file: string, parked: boolean): { file: string; dir: string } {
    const doc = parseDocument(fs.readFileSync(file, "utf8"));
    if (!doc.hasIn(["config", PARKED_SECTION])) throw new Error(`${file} has no ${PARKED_SECTION} section: this stack has no droplet to park`);
    doc.setIn(["config", PARKED_SECTION, "parked"], parked);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rag-stack-park-"));
    const copy = path.join(dir, path.basename(file));
    fs.writeFileSync(copy, doc.toString(), { mode: 0o600 });
    return { file: copy, dir };
}
