#!/bin/sh
# Runs one installed backup script with the settings of the installed backup unit (its
# Environment= lines: repository, credentials file, host, retention, directories), plus the
# NAME=VALUE assignments given, which win. What runs by hand is then what the timer runs, with the
# credentials file only root reads: `npm run backup`, `restore` and `restore-drill` call it over
# ssh (`ssh <droplet> <this> <script> [NAME=VALUE...]`), and the step before a Neo4j upgrade
# (neo4j-pre-upgrade-backup.sh) calls it with BACKUP_REASON=pre-upgrade. Installed beside the
# scripts it runs. Not root: through `sudo -n` (a password prompt cannot be answered over ssh).
#
# Usage: neo4j-with-unit-env.sh SCRIPT [NAME=VALUE...]
# Environment:
#   BACKUP_UNIT   the unit whose environment is used (default rag-stack-neo4j-backup.service)
# Exit codes: the script's own; 2 no such script installed, no unit, a unit environment it cannot
#   split, or a bad argument (nothing was run).
set -eu

TAG=rag-stack-backup-unit-env
fail() {
    echo "$TAG: $2" >&2
    exit "$1"
}
unit=${BACKUP_UNIT:-rag-stack-neo4j-backup.service}
scripts=$(dirname "$0")
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
[ -x "$scripts/$script" ] || fail 2 "$scripts/$script is not installed on $(hostname): the backup-install step of up installs it (run up again)"
command -v systemctl >/dev/null 2>&1 || fail 2 "systemctl is not on PATH: this is not the droplet the stack set up"
unit_env=$(systemctl show -p Environment --value "$unit" 2>&1) || fail 2 "systemctl show $unit failed: $unit_env; run up (it installs the backup unit)"
[ -n "$unit_env" ] || fail 2 "the unit $unit is not installed on $(hostname) (or has no settings; systemctl cat $unit): the backup-install step of up installs it"
# systemd prints NAME=value words separated by spaces; the unit's values never hold one
# (components/backup/scripts.ts refuses them), so each word is one assignment; anything else is refused.
set -f
for word in $unit_env; do
    case $word in
        [A-Z_]*=*) case ${word%%=*} in *[!A-Z0-9_]*) fail 2 "$unit's environment holds '$word', not NAME=value: refusing to guess" ;; esac ;;
        *) fail 2 "$unit's environment holds '$word', not NAME=value: refusing to guess" ;;
    esac
done
sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo -n"
# shellcheck disable=SC2086 # one word per assignment, globbing off (set -f)
exec $sudo env $unit_env "$@" "$scripts/$script"
