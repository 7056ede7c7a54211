#!/bin/sh
# Runs one installed backup script on the droplet with the settings of the installed backup unit
# (its Environment= lines: repository, credentials file, host, retention, directories), plus the
# NAME=VALUE assignments given, which win. `npm run backup`, `restore` and `restore-drill` send
# this file as the stdin of `ssh <droplet> sh -s -- <script> [NAME=VALUE...]`, so what runs by
# hand is what the timer runs, with the credentials file only root reads. Not root: through
# `sudo -n` (a password prompt cannot be answered over this ssh).
#
# Environment (for tests; over ssh the defaults hold):
#   BACKUP_UNIT         the unit whose environment is used (default rag-stack-neo4j-backup.service)
#   BACKUP_SCRIPTS_DIR  where the scripts are installed (default /usr/local/lib/rag-stack/backup)
# Exit codes: the script's own; 2 no such script installed, no unit, or a bad argument.
set -eu

TAG=rag-stack-backup-remote
fail() {
    echo "$TAG: $2" >&2
    exit "$1"
}
unit=${BACKUP_UNIT:-rag-stack-neo4j-backup.service}
scripts=${BACKUP_SCRIPTS_DIR:-/usr/local/lib/rag-stack/backup}
[ $# -ge 1 ] || fail 2 "name the script to run (neo4j-backup.sh, neo4j-restore.sh, ...)"
script=$1
shift
case $script in '' | *[!A-Za-z0-9._-]*) fail 2 "'$script' is not a script name" ;; esac
for assignment in "$@"; do
    case $assignment in
        [A-Z_]*=*) case ${assignment%%=*} in *[!A-Z0-9_]*) fail 2 "'$assignment' is not NAME=VALUE" ;; esac ;;
        *) fail 2 "'$assignment' is not NAME=VALUE" ;;
    esac
    case ${assignment#*=} in *[!A-Za-z0-9._/:@=,+-]*) fail 2 "'$assignment': the value has a character that would need quoting" ;; esac
done
[ -x "$scripts/$script" ] || fail 2 "$scripts/$script is not installed on $(hostname): run up (it installs the backup scripts)"
command -v systemctl >/dev/null 2>&1 || fail 2 "systemctl is not on PATH: this is not the droplet the stack set up"
unit_env=$(systemctl show -p Environment --value "$unit" 2>/dev/null) || fail 2 "systemctl cannot show $unit: run up (it installs the backup unit)"
[ -n "$unit_env" ] || fail 2 "the unit $unit is not installed on $(hostname) (or has no settings): run up (it installs it)"
sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo -n"
# shellcheck disable=SC2086 # the unit's assignments, one word each (components/backup/scripts.ts refuses spaces in them)
exec $sudo env $unit_env "$@" "$scripts/$script"
