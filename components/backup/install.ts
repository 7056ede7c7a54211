/**
 * What the droplet's install command sends on stdin (install/install-backup.sh): a preamble of
 * shell variables holding each file in base64 (the four scripts, the rendered service and timer,
 * the credentials file), then the installer itself. Only stdin carries the credentials: the command
 * line names nothing secret, and the droplet's user data never sees them.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { shellQuote } from "../hosts/remote-script";
import {
    BACKUP_INSTALL_DIR, BACKUP_SCRIPT_FILES, BACKUP_SERVICE, BACKUP_TIMER, backupScript, BackupServiceSettings, BackupTimerSettings,
    renderBackupService, renderBackupTimer,
} from "./scripts";

export const INSTALL_SCRIPT = path.join(__dirname, "install", "install-backup.sh");
export const SYSTEMD_UNIT_DIR = "/etc/systemd/system";

/** The restic password and the bucket key: the only three lines of the credentials file. */
export interface BackupCredentials {
    resticPassword: string;
    accessKeyId: string;
    secretAccessKey: string;
}

export interface BackupInstall {
    service: BackupServiceSettings;
    timer: BackupTimerSettings;
    /** Created 0700 before the files: the work directory. */
    dirs: string[];
    /**
     * The status directory, created 0755: the health responder (busybox's nobody) reads its 0644 files.
     * The installer records `installed.json` there once, so a first backup not yet due is not "missing".
     */
    statusDir: string;
}

const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64");

/** The credentials file as the scripts check it (only these three keys). */
export function credentialsFileText(c: BackupCredentials): string {
    for (const [k, v] of Object.entries(c)) {
        if (/[\n\r'"\\$`]/.test(v) || v === "") throw new Error(`backup credentials: ${k} is empty or holds a character the credentials file cannot carry`);
    }
    return `RESTIC_PASSWORD=${c.resticPassword}\nAWS_ACCESS_KEY_ID=${c.accessKeyId}\nAWS_SECRET_ACCESS_KEY=${c.secretAccessKey}\n`;
}

/** The files installed, with their mode: scripts in BACKUP_INSTALL_DIR, the units in /etc/systemd/system. */
export function installedFiles(i: BackupInstall): { name: string; mode: string; text: string }[] {
    return [
        ...BACKUP_SCRIPT_FILES.map((f) => ({ name: `${BACKUP_INSTALL_DIR}/${f}`, mode: f === "backup-lib.sh" ? "0644" : "0755", text: backupScript(f) })),
        { name: `${SYSTEMD_UNIT_DIR}/${BACKUP_SERVICE}`, mode: "0644", text: renderBackupService(i.service) },
        { name: `${SYSTEMD_UNIT_DIR}/${BACKUP_TIMER}`, mode: "0644", text: renderBackupTimer(i.timer) },
    ];
}

/** A hash of everything installed but the credentials: the command's trigger (a change reinstalls). */
export function installHash(i: BackupInstall): string {
    const h = crypto.createHash("sha256").update(fs.readFileSync(INSTALL_SCRIPT, "utf8"));
    h.update(i.dirs.join(" ")).update(i.statusDir);
    for (const f of installedFiles(i)) h.update(f.name).update(f.mode).update(f.text);
    return h.digest("hex").slice(0, 16);
}

/** The stdin of `sh -s`: the preamble (data only, quoted) and the installer. Secret: it holds the credentials. */
export function installStdin(i: BackupInstall, credentials: BackupCredentials): string {
    const files = installedFiles(i);
    const lines = [
        `BACKUP_FILES=${shellQuote(files.map((_, n) => String(n)).join(" "))}`,
        ...files.flatMap((f, n) => [
            `BACKUP_FILE_${n}_NAME=${shellQuote(f.name)}`, `BACKUP_FILE_${n}_MODE=${shellQuote(f.mode)}`, `BACKUP_FILE_${n}_B64=${shellQuote(b64(f.text))}`,
        ]),
        `BACKUP_DIRS=${shellQuote(i.dirs.join(" "))}`,
        `BACKUP_STATUS_DIR=${shellQuote(i.statusDir)}`,
        `BACKUP_TIMER=${shellQuote(BACKUP_TIMER)}`,
        `BACKUP_CREDENTIALS_FILE=${shellQuote(i.service.credentialsFile)}`,
        `BACKUP_CREDENTIALS_B64=${shellQuote(b64(credentialsFileText(credentials)))}`,
    ];
    return `${lines.join("\n")}\n${fs.readFileSync(INSTALL_SCRIPT, "utf8")}`;
}
