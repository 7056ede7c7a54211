/**
 * Two rows about Neo4j's backups, from the stack output `backup` (components/backup/target.ts) and
 * the status files the backup job and the restore drill write (components/backup/scripts/
 * neo4j-backup.sh and neo4j-restore-drill.sh, their headers list every field):
 * - `backup`: the last good backup (last-success.json): its age against `maxAgeHours` (the limit
 *   /healthz uses on prod), its snapshot, sizes, the repository and the retention; a newer failed
 *   run (last-run.json) fails the row with its message. None yet: on prod a failure unless the job
 *   was installed less than `maxAgeHours` ago (installed.json: the same grace as /healthz); on dev,
 *   where backups are made on demand, a skipped row saying the command.
 * - `restore-drill`: the last drill (last-drill.json): result, age, the counts it compared.
 *
 * Read where the job keeps them: a directory on this machine (local), or one ssh call to the
 * droplet with the output's pinned options (droplet). Parsing and judging are pure
 * (`backupRows`): the files' text and the time in, the rows out.
 */
import * as fs from "fs";
import * as path from "path";
import { BACKUP_SERVICE, BACKUP_STATUS_FILES } from "../../../components/backup/scripts";
import { PROJECT } from "../../../components/project";
import { CHECK_TITLES, CheckId, CheckResult, VerifyContext } from "../check-result";
import { humanBytes } from "../ollama-api";
import { lastLine, runBounded } from "../run-bounded";
import type { AlertRow } from "./alerts";
import { BackupTarget, LocalBackupTarget, parseBackupTarget } from "../../backup/stack-target";

/** The `backup` output as index.ts exports it (components/backup/target.ts), checked by the backup commands' reader. */
export type BackupOutput = BackupTarget;
type BackupRetentionOutput = LocalBackupTarget["retention"];

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const isNum = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
const isStr = (v: unknown): v is string => typeof v === "string" && v !== "";
const PLAIN_ABSOLUTE = /^\/[A-Za-z0-9_./-]+$/;

/** The `backup` output, or undefined when the stack has none (made before it existed); a malformed one is a problem. */
export function parseBackupOutput(raw: unknown, problems: string[]): BackupOutput | undefined {
    if (raw === undefined || raw === null) return undefined;
    try {
        return parseBackupTarget(raw);
    } catch (err) {
        problems.push((err as Error).message);
        return undefined;
    }
}

/** The status files' text; a file that is not there is undefined. */
export interface StatusTexts {
    lastSuccess?: string;
    lastRun?: string;
    lastDrill?: string;
    /** installed.json: the installer's first-install time (droplet only). */
    installed?: string;
}

const FILES: [keyof StatusTexts, string][] = [
    ["lastSuccess", BACKUP_STATUS_FILES.lastSuccess], ["lastRun", BACKUP_STATUS_FILES.lastRun],
    ["lastDrill", BACKUP_STATUS_FILES.lastDrill], ["installed", "installed.json"],
];

/** Reads the status directory on this machine (a missing directory: nothing backed up yet), or says why not. */
export function readLocalStatus(dir: string): StatusTexts | string {
    const texts: StatusTexts = {};
    for (const [key, name] of FILES) {
        try {
            texts[key] = fs.readFileSync(path.join(dir, name), "utf8");
        } catch (err) {
            const code = (err as NodeJS.ErrnoException).code;
            if (code !== "ENOENT" && code !== "ENOTDIR") return `cannot read ${path.join(dir, name)}: ${(err as Error).message}`;
        }
    }
    return texts;
}

const FILE_MARK = "@@rag-stack-status-file@@";
const ABSENT_MARK = "@@rag-stack-status-absent@@";
const END_MARK = "@@rag-stack-status-end@@";

/** The shell command that prints the status files, each after a mark line (the droplet's end of the one ssh call). */
export function statusCommand(dir: string): string {
    if (!PLAIN_ABSOLUTE.test(dir)) throw new Error(`backup status directory ${JSON.stringify(dir)} is not a plain absolute path`);
    const names = FILES.map(([, name]) => name).join(" ");
    return `for f in ${names}; do if [ -e '${dir}'/"$f" ]; then echo "${FILE_MARK} $f"; cat '${dir}'/"$f"; echo; ` +
        `else echo "${ABSENT_MARK} $f"; fi; done; echo ${END_MARK}`;
}

/** Parses what statusCommand printed, or says it is cut short. */
export function parseStatusOutput(text: string): StatusTexts | string {
    if (!text.includes(END_MARK)) return "the status listing ended early (no end mark)";
    const texts: StatusTexts = {};
    const sections = text.slice(0, text.indexOf(END_MARK)).split(`${FILE_MARK} `).slice(1);
    for (const section of sections) {
        const nl = section.indexOf("\n");
        const name = section.slice(0, nl < 0 ? undefined : nl).trim();
        const body = nl < 0 ? "" : section.slice(nl + 1);
        // An absent file's mark can follow a present file's text.
        const content = body.split(`${ABSENT_MARK} `)[0];
        const key = FILES.find(([, n]) => n === name)?.[0];
        if (key) texts[key] = content;
    }
    return texts;
}

/** One ssh call to the droplet (`ssh <options> <target> -- <command>`), bounded; the files, or why not. */
export async function readDropletStatus(ssh: { target: string; options: string[] }, dir: string, timeoutMs: number): Promise<StatusTexts | string> {
    const args = [...ssh.options, "-o", "ConnectTimeout=10", ssh.target, "--", statusCommand(dir)];
    const run = await runBounded("ssh", args, timeoutMs);
    if (typeof run === "string") return `${run} (ssh ${ssh.target})`;
    if (run.code !== 0) return `ssh ${ssh.target} failed (exit ${run.code}): ${lastLine(run.stderr)}`;
    return parseStatusOutput(run.stdout);
}

export interface BackupRowsInput {
    target: BackupOutput | undefined;
    /** The status files, or why they could not be read; not given where nothing was read (none, parked, no output). */
    status?: StatusTexts | string;
    now: Date;
    /** The stack's name, for the commands the rows suggest. */
    stack: string;
}

export interface BackupRows { backup: AlertRow; drill: AlertRow }

/** `5 h 12 min`, `3 d 4 h`, `12 min`. */
export function ageText(seconds: number): string {
    const s = Math.max(0, Math.round(seconds));
    const d = Math.floor(s / 86_400);
    const h = Math.floor((s % 86_400) / 3600);
    const m = Math.floor((s % 3600) / 60);
    if (d >= 2) return `${d} d ${h} h`;
    if (s >= 3600) return `${Math.floor(s / 3600)} h ${m} min`;
    return `${m} min`;
}

function parseJson(text: string | undefined): { value?: Obj; problem?: string } {
    if (text === undefined) return {};
    try {
        const v: unknown = JSON.parse(text);
        return isObj(v) ? { value: v } : { problem: "not a JSON object" };
    } catch (err) {
        return { problem: `not JSON (${(err as Error).message})` };
    }
}

const bytes = (v: unknown): string => (isNum(v) ? humanBytes(v) : "unknown");
const skipRow = (line: string): AlertRow => ({ status: "skip", measured: [line] });

function retentionLine(r: unknown, fromOutput: BackupRetentionOutput): string {
    const keep = isObj(r) ? r : fromOutput;
    const within = keep.keepWithin === null || keep.keepWithin === "" ? "" : `every snapshot within ${String(keep.keepWithin)}, `;
    const policy = `retention: ${within}${String(keep.keepDaily)} daily, ${String(keep.keepWeekly)} weekly, ${String(keep.keepMonthly)} monthly`;
    if (!isObj(r)) return `${policy} (as configured; the backup recorded none)`;
    return r.applied === true
        ? `${policy}; applied: ${String(r.message ?? "kept per policy")}`
        : `${policy}; NOT applied: ${String(r.message ?? "unknown")} (the repository keeps every snapshot until a run applies it)`;
}

/** What a parked stack can say of its backups (here and in the parked row, parked.ts). */
export const parkedBackupLine = (statusDir: string): string =>
    `backups: parked, the status files are on the droplet's Neo4j volume (${statusDir}) and cannot be read while parked; the bucket keeps every snapshot`;

/** The two rows, judged from the files' text at `now`. */
export function backupRows(i: BackupRowsInput): BackupRows {
    const t = i.target;
    if (!t) {
        const line = "the stack's outputs have no `backup` (its last pulumi up predates that output): pulumi up adds it";
        return { backup: skipRow(line), drill: skipRow(line) };
    }
    if (t.where === "none") return { backup: skipRow(`no backups for this stack: ${t.reason}`), drill: skipRow("no backups for this stack: nothing to drill") };
    if (t.where === "droplet" && !t.ssh) {
        const line = parkedBackupLine(t.statusDir);
        return { backup: skipRow(line), drill: skipRow(line) };
    }
    const backupCmd = `npm run backup -- --stack ${i.stack}`;
    const drillCmd = `npm run restore-drill -- --stack ${i.stack}`;
    const prod = t.where === "droplet";
    const unit = t.where === "droplet" ? t.unit : BACKUP_SERVICE;
    const logs = t.where === "droplet" && t.ssh ? `on the droplet (ssh ${t.ssh.target}): journalctl -u ${unit} -n 50` : "";
    const where = prod ? `the droplet's ${t.statusDir}` : t.statusDir;
    if (i.status === undefined || typeof i.status === "string") {
        const why = i.status ?? "not read";
        return {
            backup: {
                status: "fail", measured: [`the backup status in ${where} could not be read: ${why}`],
                cause: prod ? "the droplet did not answer over ssh with the stack's pinned host key" : "the status directory is not readable by this user",
                fix: prod ? `check the droplet answers: ssh ${t.ssh?.target ?? "<droplet>"} true (the Docker rows use the same machine); then rerun verify`
                    : `ls -l ${t.statusDir}; it belongs to the user who runs ${backupCmd}`,
                data: { where: t.where, statusDir: t.statusDir, error: why },
            },
            drill: skipRow(`not read: ${why}`),
        };
    }
    return { backup: backupRow(t, i.status, i.now, { prod, backupCmd, logs, where }), drill: drillRow(i.status, i.now, drillCmd) };
}

function backupRow(t: Extract<BackupOutput, { statusDir: string }>, files: StatusTexts, now: Date,
    o: { prod: boolean; backupCmd: string; logs: string; where: string }): AlertRow {
    const maxAgeSeconds = t.maxAgeHours * 3600;
    const nowEpoch = Math.floor(now.getTime() / 1000);
    const fixOf = (what: string) => (o.prod ? `${o.logs} says why; ${what}: ${o.backupCmd}` : `${what}: ${o.backupCmd} (it prints each step)`);
    const success = parseJson(files.lastSuccess);
    const run = parseJson(files.lastRun);
    const data: Record<string, unknown> = { where: t.where, statusDir: t.statusDir, maxAgeSeconds };
    if (success.problem || (success.value && !isNum(success.value.finishedEpoch))) {
        return {
            status: "fail", measured: [`${BACKUP_STATUS_FILES.lastSuccess} in ${o.where} is ${success.problem ?? "without finishedEpoch"}`],
            cause: "the last good backup's record is damaged, so its age is unknown", fix: fixOf("make a new backup"), data,
        };
    }
    const good = success.value;
    const lastRun = run.value;
    const runLines: string[] = [];
    if (run.problem) runLines.push(`${BACKUP_STATUS_FILES.lastRun} is ${run.problem}`);
    // The last run failed after the last good backup (or there is none): its message is the news.
    const runFailed = lastRun?.result === "failure" && (!good || !isNum(lastRun.finishedEpoch) || (lastRun.finishedEpoch as number) > (good.finishedEpoch as number));
    if (lastRun && runFailed) {
        const ago = isNum(lastRun.finishedEpoch) ? ` ${ageText(nowEpoch - lastRun.finishedEpoch)} ago` : "";
        runLines.push(`the last run${ago} (${String(lastRun.finishedAt ?? "time unknown")}) FAILED (exit ${String(lastRun.exitCode)}): ${String(lastRun.message ?? "no message")}`);
        if (lastRun.neo4jRunning === false) runLines.push("Neo4j was not running when that run ended");
        data.lastRun = { result: "failure", exitCode: lastRun.exitCode, finishedAt: lastRun.finishedAt, message: lastRun.message };
    } else if (lastRun && isNum(lastRun.exitCode) && lastRun.exitCode !== 0 && lastRun.snapshotId === good?.snapshotId) {
        runLines.push(`the last run ended with exit ${lastRun.exitCode}: ${String(lastRun.message ?? "")}`);
    }

    if (!good) {
        data.ageSeconds = null;
        const installed = parseJson(files.installed).value;
        const installedEpoch = isNum(installed?.installedEpoch) ? installed.installedEpoch : undefined;
        if (runFailed) {
            return { status: "fail", measured: ["no good backup yet", ...runLines], cause: "the backup job ran and failed; no backup of the graph exists",
                fix: fixOf("fix what the message says, then run one now"), data };
        }
        if (!o.prod) {
            return { status: "skip", measured: [`no backup yet (dev backs up on demand, nothing in ${t.statusDir}): ${o.backupCmd}`, ...runLines] };
        }
        if (installedEpoch !== undefined && nowEpoch - installedEpoch <= maxAgeSeconds) {
            data.installedEpoch = installedEpoch;
            return {
                status: "pass",
                measured: [`no backup yet: the job was installed ${ageText(nowEpoch - installedEpoch)} ago; its first run is due within ${t.maxAgeHours} h of that`, ...runLines],
                data,
            };
        }
        return {
            status: "fail",
            measured: [`no backup yet: backups are on${installedEpoch !== undefined ? ` (installed ${ageText(nowEpoch - installedEpoch)} ago)` : ""}, and none has succeeded (limit ${t.maxAgeHours} h)`, ...runLines],
            cause: "the daily backup job has not made a good backup", fix: fixOf("run one now"), data,
        };
    }

    const age = nowEpoch - (good.finishedEpoch as number);
    data.ageSeconds = age;
    Object.assign(data, {
        snapshotId: good.snapshotId, finishedAt: good.finishedAt, snapshotBytes: good.snapshotBytes, bytesAdded: good.bytesAdded,
        repositoryBytes: good.repositoryBytes, snapshotCount: good.snapshotCount, retention: good.retention,
    });
    const shortId = isStr(good.snapshotShortId) ? good.snapshotShortId : isStr(good.snapshotId) ? good.snapshotId.slice(0, 8) : "unknown";
    const outage = isNum(good.outageSeconds) ? `, Neo4j stopped ${good.outageSeconds} s for it` : "";
    const counts = isObj(good.counts) && isNum(good.counts.nodes) ? `, ${good.counts.nodes} nodes and ${String(good.counts.relationships)} relationships` : "";
    const measured = [
        `last good backup ${ageText(age)} ago (${String(good.finishedAt)}), snapshot ${shortId}${counts}${outage}; limit ${t.maxAgeHours} h`,
        `size: ${bytes(good.snapshotBytes)} of dumps, ${bytes(good.bytesAdded)} added; repository ${bytes(good.repositoryBytes)} in ` +
            `${isNum(good.snapshotCount) ? good.snapshotCount : "unknown"} snapshot(s)${isNum(good.repositoryBytes) ? "" : " (restic stats failed)"}`,
        retentionLine(good.retention, t.retention),
        ...runLines,
    ];
    if (age < -300) {
        return { status: "fail", measured, cause: `the last good backup finished ${-age} s in the future`, fix: "check the clocks of this machine and the one the backup ran on", data };
    }
    if (age > maxAgeSeconds) {
        return {
            status: "fail", measured,
            cause: `the last good backup is ${ageText(age)} old, older than backup.maxAgeHours (${t.maxAgeHours} h)${runFailed ? "; the last run failed" : ""}: ` +
                (o.prod ? "the daily backup has stopped working" : "it is time for a backup"),
            fix: fixOf(o.prod ? "then run one now" : "make one"), data,
        };
    }
    if (runFailed) {
        return { status: "fail", measured, cause: "the last backup run failed (the last good one is still within the limit)", fix: fixOf("fix what the message says, then run one"), data };
    }
    return { status: "pass", measured, data };
}

function drillRow(files: StatusTexts, now: Date, drillCmd: string): AlertRow {
    const drill = parseJson(files.lastDrill);
    const latest = parseJson(files.lastSuccess).value;
    if (drill.problem) {
        return { status: "fail", measured: [`${BACKUP_STATUS_FILES.lastDrill} is ${drill.problem}`], cause: "the last drill's record is damaged", fix: `run a drill: ${drillCmd}` };
    }
    const d = drill.value;
    if (!d) return skipRow(`never drilled: prove the latest backup restores with ${drillCmd}`);
    const nowEpoch = Math.floor(now.getTime() / 1000);
    const ago = isNum(d.finishedEpoch) ? `${ageText(nowEpoch - d.finishedEpoch)} ago` : "at an unknown time";
    const snapshot = isStr(d.snapshotId) ? ` snapshot ${d.snapshotId.slice(0, 8)}${isStr(d.snapshotTime) ? ` (of ${d.snapshotTime})` : ""}` : "";
    const pair = (v: unknown) => (isObj(v) && isNum(v.nodes) ? `${v.nodes} nodes, ${String(v.relationships)} relationships` : "unknown");
    const data = {
        result: d.result, finishedAt: d.finishedAt, ageSeconds: isNum(d.finishedEpoch) ? nowEpoch - d.finishedEpoch : null, snapshotId: d.snapshotId,
        comparedWith: d.comparedWith, restored: d.restored, expected: d.expected, live: d.live,
    };
    const compared = d.comparedWith === "backup" ? "the counts the backup recorded" : d.comparedWith === "live" ? "the live graph (the backup recorded no counts)" : "nothing";
    const timing = isNum(d.restoreSeconds) || isNum(d.startSeconds)
        ? [`restore ${isNum(d.restoreSeconds) ? `${d.restoreSeconds} s` : "?"}, throwaway Neo4j answering after ${isNum(d.startSeconds) ? `${d.startSeconds} s` : "?"}`] : [];
    const live = isObj(d.live) ? [`live graph at the drill: ${pair(d.live)}`] : [];
    if (d.result !== "success") {
        return {
            status: "fail",
            measured: [`the last drill ${ago} FAILED${snapshot ? ` on${snapshot}` : ""}: ${String(d.message ?? "no message")}`, ...(isObj(d.restored) ? [`restored ${pair(d.restored)}, expected ${pair(d.expected)}`] : [])],
            cause: "the latest backup could not be shown to restore", fix: `the message says which step failed; after fixing it: ${drillCmd}`, data,
        };
    }
    return {
        status: "pass",
        measured: [`last drill ${ago}: restored${snapshot}: ${pair(d.restored)}, equal to ${compared}`, ...timing, ...live,
            ...(isStr(latest?.snapshotId) && isStr(d.snapshotId) && latest.snapshotId !== d.snapshotId
                ? [`the latest backup (snapshot ${latest.snapshotId.slice(0, 8)}) is not the drilled one: ${drillCmd}`] : [])],
        data,
    };
}

/** The stack's name from the backup's restic host (`rag-stack-<stack>`, components/names.ts stackName). */
function stackOf(target: BackupOutput | undefined): string | undefined {
    const host = target && target.where !== "none" ? target.backupHost : undefined;
    return host?.startsWith(`${PROJECT}-`) ? host.slice(PROJECT.length + 1) : undefined;
}

const asCheck = (id: CheckId, row: AlertRow): CheckResult => ({ id, title: CHECK_TITLES[id], ...row });

/** Reads the status where the job keeps it and makes the two rows. */
export async function checkBackup(ctx: VerifyContext): Promise<CheckResult[]> {
    const t = ctx.outputs.backup;
    let status: StatusTexts | string | undefined;
    if (t?.where === "local") {
        status = readLocalStatus(t.statusDir);
    } else if (t?.where === "droplet" && t.ssh) {
        ctx.progress.step(`backup status: ssh ${t.ssh.target} cat ${t.statusDir}/*.json`);
        status = await readDropletStatus(t.ssh, t.statusDir, ctx.options.timeoutMs);
    }
    const rows = backupRows({ target: t, status, now: new Date(), stack: ctx.options.stack ?? stackOf(t) ?? "<stack>" });
    return [asCheck("backup", rows.backup), asCheck("restore-drill", rows.drill)];
}
