#!/bin/sh
# Restores a backup of the Neo4j graph into a NEW store: a new Docker volume or a new directory.
# It never touches the live store: the target must not exist or be empty (RESTORE_FORCE=1 allows a
# non-empty one that no container uses), and a target any running container mounts is refused
# always. Steps: resolve the snapshot (latest of BACKUP_HOST/BACKUP_TAG, or an id), `restic
# restore` its dumps into BACKUP_WORK_DIR, check each dump against the sha256 recorded at backup
# time (backup-info.json in the snapshot), then `neo4j-admin database load <db> --from-path=/backups
# --overwrite-destination=true` for each database (system first) in a one-shot container of the
# Neo4j image with the target at /data (operations manual 5.26, "Dump and load a Neo4j database
# (offline)" and "Restore a database dump": load runs against a stopped DBMS, as the neo4j user,
# which the image's entrypoint arranges). It ends by printing how to switch to the restored store.
#
# Environment:
#   RESTORE_TARGET       a new Docker volume name, or an absolute directory on this machine (required)
#   RESTORE_SNAPSHOT     latest (default) or a snapshot id (or its prefix)
#   RESTORE_FORCE        1 allows a target that exists and is not empty (never one in use)
#   NEO4J_IMAGE          image to run neo4j-admin load; default: the image recorded in the snapshot
#                        (its id, else its name), which must be on this engine
#   NEO4J_DATABASES      databases to load (default: those recorded in the snapshot)
#   RESTIC_REPOSITORY, BACKUP_CREDENTIALS_FILE, RESTIC_CACERT  the repository, as for neo4j-backup.sh
#   BACKUP_HOST, BACKUP_TAG  which snapshots "latest" means (default: hostname, rag-stack-neo4j)
#   BACKUP_WORK_DIR      absolute directory for the restored dumps (required; cleaned afterwards)
#   RESTORE_LABELS       space-separated key=value labels for a new volume (e.g. the drill's)
#   RESTORE_INFO_FILE    where to copy the snapshot's backup-info.json (optional; the drill reads it)
#   RESTORE_NEXT_STEPS   what to print at the end instead of the generic next steps (optional)
#   DOCKER_HOST          as for the docker CLI
# Output: the last line on stdout is `@restore snapshot=<id> target=<target> seconds=<n>`.
# Exit codes: 0 restored; 1 the restore failed (the target is removed again if this run created
#   it); 2 bad environment, a missing tool, or a target refused (existing, not empty, in use).
set -eu

TAG=rag-stack-neo4j-restore
bad_env() { echo "$TAG: $*" >&2; exit 2; }

RESTORE_SNAPSHOT=${RESTORE_SNAPSHOT:-latest}
RESTORE_FORCE=${RESTORE_FORCE:-0}
BACKUP_TAG=${BACKUP_TAG:-rag-stack-neo4j}
RESTORE_LABELS=${RESTORE_LABELS:-}

[ -n "${RESTORE_TARGET:-}" ] || bad_env "RESTORE_TARGET must name a new Docker volume or an absolute directory to restore into"
[ -n "${RESTIC_REPOSITORY:-}" ] || bad_env "RESTIC_REPOSITORY must name the restic repository"
[ -n "${BACKUP_CREDENTIALS_FILE:-}" ] || bad_env "BACKUP_CREDENTIALS_FILE must name the file with RESTIC_PASSWORD (and the S3 keys)"
case ${BACKUP_WORK_DIR:-} in /*) ;; *) bad_env "BACKUP_WORK_DIR must be an absolute directory (got '${BACKUP_WORK_DIR:-}')" ;; esac
case $RESTORE_TARGET in
    /*) case $RESTORE_TARGET in *[!A-Za-z0-9._/-]* | *//* | */. | */./* | */.. | */../*) bad_env "RESTORE_TARGET: '$RESTORE_TARGET' is not a plain absolute directory" ;; esac ;;
    [A-Za-z0-9]*) case $RESTORE_TARGET in *[!A-Za-z0-9_.-]*) bad_env "RESTORE_TARGET: '$RESTORE_TARGET' is neither an absolute directory nor a Docker volume name" ;; esac ;;
    *) bad_env "RESTORE_TARGET: '$RESTORE_TARGET' is neither an absolute directory nor a Docker volume name" ;;
esac
[ "$RESTORE_TARGET" != / ] || bad_env "RESTORE_TARGET must not be /"
for word in "$BACKUP_TAG" "${BACKUP_HOST:-x}"; do
    case $word in '' | *[!A-Za-z0-9._-]*) bad_env "BACKUP_TAG and BACKUP_HOST must be letters, digits and . _ - (got '$word')" ;; esac
done
for label in $RESTORE_LABELS; do
    case $label in *=* ) ;; *) bad_env "RESTORE_LABELS: '$label' is not key=value" ;; esac
done
if [ -n "${RESTIC_CACERT:-}" ] && [ ! -r "$RESTIC_CACERT" ]; then bad_env "RESTIC_CACERT: cannot read $RESTIC_CACERT"; fi
BACKUP_HOST=${BACKUP_HOST:-$(hostname | cut -d . -f 1)}

# shellcheck source=backup-lib.sh
. "$(dirname "$0")/backup-lib.sh"

created_target=0
work=""
load_container="rag-stack-neo4j-load-$$"
fail() {
    echo "$TAG: $2" >&2
    exit "$1"
}
# shellcheck disable=SC2317 # the EXIT trap
on_exit() {
    rc=$?
    set +e
    trap - EXIT INT TERM HUP
    docker rm -f "$load_container" >/dev/null 2>&1
    [ -z "$work" ] || rm -rf "$work"
    if [ "$rc" -ne 0 ] && [ "$created_target" = 1 ]; then
        # A half-loaded store is no restore: remove what this run created.
        case $RESTORE_TARGET in
            /*) rm -rf "$RESTORE_TARGET" ;;
            *) docker volume rm -f "$RESTORE_TARGET" >/dev/null 2>&1 ;;
        esac
        echo "$TAG: removed the incomplete target $RESTORE_TARGET" >&2
    fi
    exit "$rc"
}
trap on_exit EXIT
trap 'fail 129 "interrupted (SIGHUP)"' HUP
trap 'fail 130 "interrupted (SIGINT)"' INT
trap 'fail 143 "interrupted (SIGTERM)"' TERM

command -v docker >/dev/null 2>&1 || fail 2 "docker is not installed or not on PATH ($PATH)"
command -v restic >/dev/null 2>&1 || fail 2 "restic is not installed or not on PATH ($PATH): apt-get install restic (Debian/Ubuntu), brew install restic (macOS)"
read_credentials

# ---- the target: new, empty, or forced; never in use ---------------------------------------------
users=""
case $RESTORE_TARGET in
    /*)
        # Containers binding the directory, and containers of volumes that bind it (the droplet's
        # Neo4j volume binds the block volume's directory).
        binders=$(docker volume ls -q 2>/dev/null | while read -r v; do
            [ "$(docker volume inspect --format '{{index .Options "device"}}' "$v" 2>/dev/null)" != "$RESTORE_TARGET" ] || echo "$v"
        done)
        for c in $(docker ps -aq); do
            mounts=$(docker inspect --type container --format '{{range .Mounts}}{{.Source}}|{{.Name}} {{end}}' "$c" 2>/dev/null || true)
            for m in $mounts; do
                src=${m%%|*} name=${m#*|}
                hit=0
                [ "$src" != "$RESTORE_TARGET" ] || hit=1
                for v in $binders; do [ "$name" != "$v" ] || hit=1; done
                [ "$hit" = 0 ] || users="$users $(docker inspect --type container --format '{{.Name}}:{{.State.Running}}' "$c" | sed 's|^/||')"
            done
        done
        exists=0 empty=1
        if [ -e "$RESTORE_TARGET" ]; then
            [ -d "$RESTORE_TARGET" ] || fail 2 "RESTORE_TARGET $RESTORE_TARGET exists and is not a directory"
            exists=1
            [ -z "$(ls -A "$RESTORE_TARGET")" ] || empty=0
        fi
        ;;
    *)
        for c in $(docker ps -aq --filter "volume=$RESTORE_TARGET"); do
            users="$users $(docker inspect --type container --format '{{.Name}}:{{.State.Running}}' "$c" | sed 's|^/||')"
        done
        exists=0 empty=1
        if docker volume inspect "$RESTORE_TARGET" >/dev/null 2>&1; then exists=1 empty=unknown; fi
        ;;
esac
for u in $users; do
    case $u in *:true) fail 2 "RESTORE_TARGET $RESTORE_TARGET is in use by the running container ${u%:true}: a restore never writes over a live store; pick a new target" ;; esac
done

# ---- the snapshot's description first (small), then the target's contents ----------------------
open_repository
resolve_snapshot "$RESTORE_SNAPSHOT" "$BACKUP_HOST" "$BACKUP_TAG"
say "restoring snapshot $snapshot_id of $snapshot_time (host $BACKUP_HOST) into $RESTORE_TARGET"
began=$(now_ms)
mkdir -p "$BACKUP_WORK_DIR"
chmod 0700 "$BACKUP_WORK_DIR"
work=$(mktemp -d "$BACKUP_WORK_DIR/restore.XXXXXX")
if ! out=$(restic_ restore "$snapshot_id" --target "$work/tree" --include "$snapshot_path/backup-info.json" 2>&1); then
    fail 1 "restic restore of $snapshot_id failed: $(last_lines "$out" 3)"
fi
dumps="$work/tree$snapshot_path"
[ -f "$dumps/backup-info.json" ] || fail 1 "snapshot $snapshot_id holds no backup-info.json in $snapshot_path: it was not made by the backup job"
info=$(tr -d '\n' <"$dumps/backup-info.json")
[ -z "${RESTORE_INFO_FILE:-}" ] || cp "$dumps/backup-info.json" "$RESTORE_INFO_FILE"

# ---- the image -----------------------------------------------------------------------------------
if [ -n "${NEO4J_IMAGE:-}" ]; then
    image=$NEO4J_IMAGE
    docker image inspect "$image" >/dev/null 2>&1 || fail 2 "NEO4J_IMAGE $image is not on this engine: docker pull $image"
else
    recorded_id=$(json_field "$info" imageId)
    recorded=$(json_field "$info" image)
    if [ -n "$recorded_id" ] && docker image inspect "$recorded_id" >/dev/null 2>&1; then
        image=$recorded_id
    elif [ -n "$recorded" ] && docker image inspect "$recorded" >/dev/null 2>&1; then
        image=$recorded
    else
        fail 2 "the backup was made with ${recorded:-an unknown image} (${recorded_id:-no id}), which is not on this engine: docker pull ${recorded:-<the Neo4j image>}, or set NEO4J_IMAGE to the same Neo4j version"
    fi
fi

if [ "$empty" = unknown ]; then
    probe=$(docker run --rm --network none --user 0:0 --entrypoint sh -v "$RESTORE_TARGET:/target:ro" "$image" -c 'ls -A /target | head -n 1' 2>&1) ||
        fail 1 "cannot look into the volume $RESTORE_TARGET: $probe"
    if [ -z "$probe" ]; then empty=1; else empty=0; fi
fi
if [ "$empty" = 0 ]; then
    [ "$RESTORE_FORCE" = 1 ] || fail 2 "RESTORE_TARGET $RESTORE_TARGET exists and is not empty: restore into a new volume or directory, or set RESTORE_FORCE=1 to replace its databases (its other files stay)"
    [ -z "$users" ] || fail 2 "RESTORE_TARGET $RESTORE_TARGET is the store of container(s)$users: remove them first, or pick a new target"
    say "RESTORE_FORCE=1: loading over the existing store in $RESTORE_TARGET"
fi

if ! out=$(restic_ restore "$snapshot_id" --target "$work/tree" --include "$snapshot_path" 2>&1); then
    fail 1 "restic restore of $snapshot_id failed: $(last_lines "$out" 3)"
fi
databases=${NEO4J_DATABASES:-$(printf '%s\n' "$info" | sed -n 's/.*"databases":\[\([^]]*\)\].*/\1/p' | tr -d '"' | tr ',' ' ')}
[ -n "$databases" ] || fail 1 "backup-info.json of $snapshot_id names no databases"
for db in $databases; do
    case $db in *[!A-Za-z0-9._-]* | [!A-Za-z0-9]*) fail 2 "'$db' is not a database name" ;; esac
    [ -f "$dumps/$db.dump" ] || fail 1 "snapshot $snapshot_id has no $db.dump"
    want=$(printf '%s\n' "$info" | tr '{' '\n' | grep "\"name\":\"$db.dump\"" | sed -n 's/.*"sha256":"\([0-9a-f]*\)".*/\1/p')
    got=$(sha256_of "$dumps/$db.dump")
    [ "$want" = "$got" ] || fail 1 "$db.dump from snapshot $snapshot_id has sha256 $got, the backup recorded ${want:-nothing}: the copy is damaged; try an older snapshot (RESTORE_SNAPSHOT=<id>; restic snapshots lists them)"
done
say "restored the dumps in $(seconds_between "$began" "$(now_ms)") s; checksums match the backup"

# System first, as the operations manual loads them.
ordered=""
for db in $databases; do [ "$db" != system ] || ordered="system"; done
for db in $databases; do [ "$db" = system ] || ordered="$ordered $db"; done

# ---- the new store -------------------------------------------------------------------------------
if [ "$exists" = 0 ]; then
    case $RESTORE_TARGET in
        /*) mkdir -p "$RESTORE_TARGET" && chmod 0700 "$RESTORE_TARGET" ;;
        *)
            set -- --label "rag-stack.restored-from=$snapshot_id"
            for label in $RESTORE_LABELS; do set -- "$@" --label "$label"; done
            out=$(docker volume create "$@" "$RESTORE_TARGET" 2>&1) || fail 1 "docker volume create $RESTORE_TARGET failed: $out"
            ;;
    esac
    created_target=1
fi
prepare_for_neo4j "$image" "$dumps"
for db in $ordered; do
    say "loading $db"
    if ! out=$(docker run --rm --name "$load_container" --network none --label rag-stack.role=neo4j-restore-load \
        -v "$RESTORE_TARGET:/data" -v "$dumps:/backups" "$image" \
        neo4j-admin database load "$db" --from-path=/backups --overwrite-destination=true 2>&1); then
        fail 1 "loading $db into $RESTORE_TARGET failed: $(printf '%s\n' "$out" | grep -v WARNING | grep -v 'system database dump\|Operations Manual' | tail -n 3 | tr '\n' ' ')"
    fi
done
seconds=$(seconds_between "$began" "$(now_ms)")
say "restored snapshot $snapshot_id into $RESTORE_TARGET in $seconds s (the live store was not touched)"
if [ -n "${RESTORE_NEXT_STEPS:-}" ]; then
    say "$RESTORE_NEXT_STEPS"
else
    say "next: try it on a throwaway Neo4j (docker run --rm --network none -v $RESTORE_TARGET:/data -e NEO4J_AUTH=none $image), then switch the stack's Neo4j to $RESTORE_TARGET and run up; the old store stays until you remove it"
fi
echo "@restore snapshot=$snapshot_id target=$RESTORE_TARGET seconds=$seconds"
