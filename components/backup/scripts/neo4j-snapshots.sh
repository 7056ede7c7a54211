#!/bin/sh
# Lists the stack's Neo4j snapshots in the restic repository (those of BACKUP_HOST with tag
# BACKUP_TAG), oldest first: id, time, tags (reason:timer, reason:manual, reason:pre-upgrade),
# as `restic snapshots` prints them. `npm run backup -- --stack <name> --list` runs it (on the
# droplet for prod, here for dev); it changes nothing and creates no repository.
#
# Environment:
#   RESTIC_REPOSITORY, BACKUP_CREDENTIALS_FILE, RESTIC_CACERT  the repository, as for neo4j-backup.sh
#   BACKUP_HOST, BACKUP_TAG  whose snapshots (default: hostname, rag-stack-neo4j)
# Exit codes: 0 listed (also when there are none); 1 the repository cannot be opened (the message
#   says why: wrong password, none there, unreachable); 2 bad environment or restic missing.
set -eu

TAG=rag-stack-neo4j-snapshots
fail() {
    echo "$TAG: $2" >&2
    exit "$1"
}
BACKUP_TAG=${BACKUP_TAG:-rag-stack-neo4j}
[ -n "${RESTIC_REPOSITORY:-}" ] || fail 2 "RESTIC_REPOSITORY must name the restic repository"
[ -n "${BACKUP_CREDENTIALS_FILE:-}" ] || fail 2 "BACKUP_CREDENTIALS_FILE must name the file with RESTIC_PASSWORD (and the S3 keys)"
BACKUP_HOST=${BACKUP_HOST:-$(hostname | cut -d . -f 1)}
for word in "$BACKUP_TAG" "$BACKUP_HOST"; do
    case $word in '' | *[!A-Za-z0-9._-]*) fail 2 "BACKUP_TAG and BACKUP_HOST must be letters, digits and . _ - (got '$word')" ;; esac
done
if [ -n "${RESTIC_CACERT:-}" ] && [ ! -r "$RESTIC_CACERT" ]; then fail 2 "RESTIC_CACERT: cannot read $RESTIC_CACERT"; fi

# shellcheck source=backup-lib.sh
. "$(dirname "$0")/backup-lib.sh"

command -v restic >/dev/null 2>&1 || fail 2 "restic is not installed or not on PATH ($PATH): apt-get install restic (Debian/Ubuntu), brew install restic (macOS)"
read_credentials
open_repository
say "snapshots of host $BACKUP_HOST, tag $BACKUP_TAG, in $RESTIC_REPOSITORY:"
restic_ snapshots --host "$BACKUP_HOST" --tag "$BACKUP_TAG" || fail 1 "restic snapshots failed against $RESTIC_REPOSITORY"
