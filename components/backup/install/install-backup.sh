#!/bin/sh
# Installs Neo4j's backup job on the droplet (run by the stack's remote.Command over SSH, as root,
# through `sh -s`). Everything arrives on stdin: a preamble of variables (the files, base64), then
# this script. The credentials file is one of them, so it never travels on a command line, in the
# environment of a process, or in the droplet's user data.
#
# Variables (set by the preamble):
#   BACKUP_FILES         space-separated names: each has BACKUP_FILE_<n>_NAME (destination path
#                        relative to INSTALL_ROOT), BACKUP_FILE_<n>_MODE and BACKUP_FILE_<n>_B64
#   BACKUP_CREDENTIALS_FILE   destination of the credentials (RESTIC_PASSWORD, AWS_ACCESS_KEY_ID,
#                        AWS_SECRET_ACCESS_KEY), written 0600, root's
#   BACKUP_CREDENTIALS_B64    its content, base64
#   BACKUP_DIRS          directories to create (0700): the work directory
#   BACKUP_STATUS_DIR    the status directory, created 0755 (the health responder runs as nobody and
#                        reads its 0644 files); installed.json is written there once, on the first install
#   BACKUP_TIMER         the timer unit to enable
#   INSTALL_ROOT         a prefix for every path (tests); default /
#   BACKUP_SYSTEMCTL     systemctl (tests: a stand-in); BACKUP_APT_GET apt-get (same)
# Exit codes: 0 installed and the timer enabled; 1 a step failed (named); 2 bad input.
set -eu
umask 077
root=${INSTALL_ROOT:-}
systemctl_=${BACKUP_SYSTEMCTL:-systemctl}
apt_get=${BACKUP_APT_GET:-apt-get}

die() { echo "install-backup: $2" >&2; exit "$1"; }

[ -n "${BACKUP_FILES:-}" ] || die 2 "BACKUP_FILES is empty: nothing to install"
if [ -z "${BACKUP_CREDENTIALS_FILE:-}" ] || [ -z "${BACKUP_CREDENTIALS_B64:-}" ]; then die 2 "the credentials are missing"; fi
[ -n "${BACKUP_TIMER:-}" ] || die 2 "BACKUP_TIMER is empty"
case ${BACKUP_STATUS_DIR:-} in /*) ;; *) die 2 "BACKUP_STATUS_DIR must be an absolute directory (got '${BACKUP_STATUS_DIR:-}')" ;; esac

if ! command -v restic >/dev/null 2>&1; then
    echo "install-backup: installing restic (apt)"
    DEBIAN_FRONTEND=noninteractive "$apt_get" install -y -q restic >/dev/null ||
        { "$apt_get" update -q >/dev/null && DEBIAN_FRONTEND=noninteractive "$apt_get" install -y -q restic >/dev/null; } ||
        die 1 "apt-get install restic failed: check the droplet's network and apt sources, then run pulumi up again"
fi

for d in ${BACKUP_DIRS:-}; do
    mkdir -p "$root$d" || die 1 "cannot create $root$d"
    chmod 0700 "$root$d" || die 1 "cannot restrict $root$d"
done

mkdir -p "$root$BACKUP_STATUS_DIR" || die 1 "cannot create $root$BACKUP_STATUS_DIR"
chmod 0755 "$root$BACKUP_STATUS_DIR" || die 1 "cannot set the mode of $root$BACKUP_STATUS_DIR"
# The first install's time: until one backup age has passed since, "no backup yet" is not a failure.
if [ ! -e "$root$BACKUP_STATUS_DIR/installed.json" ]; then
    now=$(date +%s)
    marker="$root$BACKUP_STATUS_DIR/.installed.json.tmp"
    if ! printf '{"installedEpoch":%s,"installedAt":"%s"}\n' "$now" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$marker" ||
        ! chmod 0644 "$marker" || ! mv -f "$marker" "$root$BACKUP_STATUS_DIR/installed.json"; then
        rm -f "$marker"
        die 1 "cannot write $root$BACKUP_STATUS_DIR/installed.json"
    fi
fi

write() { # write <path> <mode> <base64>
    dir=$(dirname "$root$1")
    mkdir -p "$dir" || die 1 "cannot create $dir"
    tmp="$root$1.tmp.$$"
    printf '%s' "$3" | base64 -d >"$tmp" || { rm -f "$tmp"; die 1 "cannot write $root$1 (base64 or disk)"; }
    if ! chmod "$2" "$tmp" || ! mv -f "$tmp" "$root$1"; then rm -f "$tmp"; die 1 "cannot install $root$1"; fi
}

for n in $BACKUP_FILES; do
    eval "name=\${BACKUP_FILE_${n}_NAME:-} mode=\${BACKUP_FILE_${n}_MODE:-} b64=\${BACKUP_FILE_${n}_B64:-}"
    if [ -z "$name" ] || [ -z "$mode" ] || [ -z "$b64" ]; then die 2 "file $n is incomplete"; fi
    write "$name" "$mode" "$b64"
done

write "$BACKUP_CREDENTIALS_FILE" 0600 "$BACKUP_CREDENTIALS_B64"
chown 0:0 "$root$BACKUP_CREDENTIALS_FILE" 2>/dev/null || [ -n "$root" ] || die 1 "cannot give $BACKUP_CREDENTIALS_FILE to root"

"$systemctl_" daemon-reload || die 1 "systemctl daemon-reload failed"
"$systemctl_" enable --now "$BACKUP_TIMER" || die 1 "systemctl enable --now $BACKUP_TIMER failed: see journalctl -u $BACKUP_TIMER"
echo "install-backup: installed; $BACKUP_TIMER enabled"
