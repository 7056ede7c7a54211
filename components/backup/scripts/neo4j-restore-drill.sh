#!/bin/sh
# Restore drill: proves the latest backup can be brought back. Restores it (neo4j-restore.sh) into
# a scratch Docker volume, starts a throwaway Neo4j on it (the image the backup was made with, no
# published ports, no network, authentication off, small memory), waits until it answers, counts
# nodes and relationships there and in the live graph, and compares the restored counts with the
# counts the backup job recorded from the live graph just before it stopped Neo4j for that backup
# (backup-info.json in the snapshot). The live graph may have changed since the backup, so its
# counts now are reported, not compared; when the backup recorded no counts (Neo4j was not running
# then), the restored counts are compared with the live graph's and the drill says so.
# Everything it creates (volume, container, work files) is removed, also on failure or a signal.
#
# Status: DRILL_STATUS_DIR/last-drill.json (shared with the health endpoint and `npm run verify`;
# replaced atomically): result "success" or "failure", finishedAt (ISO 8601 UTC), finishedEpoch,
# durationSeconds, restoreSeconds, startSeconds, snapshotId, snapshotTime, comparedWith ("backup"
# or "live"), restored {nodes, relationships}, expected {nodes, relationships} (the counts compared
# with), backup {nodes, relationships} (null when not recorded), live {nodes, relationships} (null
# when the live graph could not be counted), message.
#
# Environment:
#   NEO4J_CONTAINER      the live Neo4j container, to count its graph (required)
#   DRILL_STATUS_DIR     absolute directory for last-drill.json (default BACKUP_STATUS_DIR; one is required)
#   BACKUP_WORK_DIR      absolute work directory (required)
#   RESTIC_REPOSITORY, BACKUP_CREDENTIALS_FILE, RESTIC_CACERT, BACKUP_HOST, BACKUP_TAG  as for the backup
#   RESTORE_SNAPSHOT     latest (default) or a snapshot id
#   NEO4J_IMAGE          image of the throwaway Neo4j (default: the one recorded in the snapshot)
#   DRILL_START_WAIT     seconds the throwaway Neo4j gets to answer (default 300)
#   DRILL_HEAP           heap and page cache of the throwaway Neo4j (default 512m each)
#   DRILL_LABELS         extra space-separated key=value labels for what the drill creates
#   NEO4J_RESTORE_SCRIPT the restore script (default: neo4j-restore.sh beside this one)
#   DOCKER_HOST          as for the docker CLI
# Exit codes: 0 the restored graph has the expected counts; 1 it does not, or the restore or the
#   throwaway Neo4j failed (the message says which); 2 bad environment or a missing tool.
set -eu

TAG=rag-stack-neo4j-restore-drill
bad_env() { echo "$TAG: $*" >&2; exit 2; }

DRILL_STATUS_DIR=${DRILL_STATUS_DIR:-${BACKUP_STATUS_DIR:-}}
DRILL_START_WAIT=${DRILL_START_WAIT:-300}
DRILL_HEAP=${DRILL_HEAP:-512m}
DRILL_LABELS=${DRILL_LABELS:-}
RESTORE_SNAPSHOT=${RESTORE_SNAPSHOT:-latest}
here=$(dirname "$0")
NEO4J_RESTORE_SCRIPT=${NEO4J_RESTORE_SCRIPT:-$here/neo4j-restore.sh}

[ -n "${NEO4J_CONTAINER:-}" ] || bad_env "NEO4J_CONTAINER must name the live Neo4j container"
case $NEO4J_CONTAINER in [A-Za-z0-9]*) ;; *) bad_env "NEO4J_CONTAINER must be a container name (got '$NEO4J_CONTAINER')" ;; esac
case $NEO4J_CONTAINER in *[!A-Za-z0-9_.-]*) bad_env "NEO4J_CONTAINER must be a container name (got '$NEO4J_CONTAINER')" ;; esac
case $DRILL_STATUS_DIR in /*) ;; *) bad_env "DRILL_STATUS_DIR (or BACKUP_STATUS_DIR) must be an absolute directory (got '$DRILL_STATUS_DIR')" ;; esac
case ${BACKUP_WORK_DIR:-} in /*) ;; *) bad_env "BACKUP_WORK_DIR must be an absolute directory (got '${BACKUP_WORK_DIR:-}')" ;; esac
case $DRILL_START_WAIT in '' | *[!0-9]*) bad_env "DRILL_START_WAIT must be a whole number of seconds (got '$DRILL_START_WAIT')" ;; esac
case $DRILL_HEAP in [0-9]*[kmg]) ;; *) bad_env "DRILL_HEAP must be a size like 512m or 1g (got '$DRILL_HEAP')" ;; esac
for label in $DRILL_LABELS; do
    case $label in *=*) ;; *) bad_env "DRILL_LABELS: '$label' is not key=value" ;; esac
done
[ -f "$NEO4J_RESTORE_SCRIPT" ] || bad_env "the restore script $NEO4J_RESTORE_SCRIPT is not there (NEO4J_RESTORE_SCRIPT)"

# shellcheck source=backup-lib.sh
. "$here/backup-lib.sh"

drill_id="$$-$(date -u '+%H%M%S')"
scratch="rag-stack-drill-$drill_id"
info_file=""
began_ms=$(now_ms)
snapshot_id="" snapshot_time="" restore_seconds="" start_seconds=""
compared_with="" restored_json=null expected_json=null backup_json=null live_json=null

counts_json() { echo "{\"nodes\":$1,\"relationships\":$2}"; }
record() {
    mkdir -p "$DRILL_STATUS_DIR"
    write_status "$DRILL_STATUS_DIR" last-drill.json "{\"result\":\"$1\",\"finishedAt\":\"$(now_iso)\",\"finishedEpoch\":$(now_epoch),\"durationSeconds\":$(seconds_between "$began_ms" "$(now_ms)"),\"restoreSeconds\":$(json_num_or_null "$restore_seconds"),\"startSeconds\":$(json_num_or_null "$start_seconds"),\"snapshotId\":$(if [ -n "$snapshot_id" ]; then json_str "$snapshot_id"; else echo null; fi),\"snapshotTime\":$(if [ -n "$snapshot_time" ]; then json_str "$snapshot_time"; else echo null; fi),\"comparedWith\":$(if [ -n "$compared_with" ]; then json_str "$compared_with"; else echo null; fi),\"restored\":$restored_json,\"expected\":$expected_json,\"backup\":$backup_json,\"live\":$live_json,\"message\":$(json_str "$2")}" ||
        echo "$TAG: could not write $DRILL_STATUS_DIR/last-drill.json" >&2
}
fail() {
    echo "$TAG: $2" >&2
    record failure "$2"
    exit "$1"
}
# shellcheck disable=SC2317 # the EXIT trap
cleanup() {
    rc=$?
    set +e
    trap - EXIT INT TERM HUP
    docker rm -f -v "$scratch" >/dev/null 2>&1
    docker volume rm -f "$scratch" >/dev/null 2>&1
    [ -z "$info_file" ] || rm -f "$info_file"
    if docker volume inspect "$scratch" >/dev/null 2>&1 || docker inspect --type container "$scratch" >/dev/null 2>&1; then
        echo "$TAG: could not remove the drill's $scratch: docker rm -f -v $scratch; docker volume rm $scratch" >&2
        [ "$rc" -ne 0 ] || rc=1
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'fail 129 "interrupted (SIGHUP)"' HUP
trap 'fail 130 "interrupted (SIGINT)"' INT
trap 'fail 143 "interrupted (SIGTERM)"' TERM

command -v docker >/dev/null 2>&1 || fail 2 "docker is not installed or not on PATH ($PATH)"
command -v restic >/dev/null 2>&1 || fail 2 "restic is not installed or not on PATH ($PATH): apt-get install restic (Debian/Ubuntu), brew install restic (macOS)"
mkdir -p "$BACKUP_WORK_DIR"
info_file=$(mktemp "$BACKUP_WORK_DIR/drill-info.XXXXXX")

# ---- restore into the scratch volume -------------------------------------------------------------
say "restoring $RESTORE_SNAPSHOT into the scratch volume $scratch"
labels="rag-stack.drill=$drill_id $DRILL_LABELS"
if ! out=$(RESTORE_TARGET=$scratch RESTORE_SNAPSHOT=$RESTORE_SNAPSHOT RESTORE_LABELS=$labels RESTORE_INFO_FILE=$info_file \
    RESTORE_NEXT_STEPS="(drill: the scratch volume is removed at the end)" sh "$NEO4J_RESTORE_SCRIPT" 2>&1); then
    fail 1 "the restore failed: $(last_lines "$out" 2)"
fi
printf '%s\n' "$out" | grep -v '^@restore ' | sed "s/^/  /"
result=$(printf '%s\n' "$out" | grep '^@restore ' | tail -n 1)
snapshot_id=$(printf '%s\n' "$result" | sed -n 's/.*snapshot=\([0-9a-f]*\).*/\1/p')
restore_seconds=$(printf '%s\n' "$result" | sed -n 's/.*seconds=\([0-9.]*\).*/\1/p')
info=$(tr -d '\n' <"$info_file")
snapshot_time=$(json_field "$info" createdAt)

# ---- a throwaway Neo4j on it ---------------------------------------------------------------------
image=${NEO4J_IMAGE:-}
if [ -z "$image" ]; then
    image=$(json_field "$info" imageId)
    docker image inspect "$image" >/dev/null 2>&1 || image=$(json_field "$info" image)
fi
set -- --label "rag-stack.drill=$drill_id"
for label in $DRILL_LABELS; do set -- "$@" --label "$label"; done
started=$(now_ms)
# No ports, no network (cypher-shell inside reaches it on loopback), authentication off: nothing
# but this script can reach it. Memory kept small beside the live Neo4j (and Ollama).
if ! out=$(docker run -d --name "$scratch" "$@" --network none -v "$scratch:/data" \
    -e NEO4J_AUTH=none -e "NEO4J_server_memory_heap_max__size=$DRILL_HEAP" -e "NEO4J_server_memory_heap_initial__size=$DRILL_HEAP" \
    -e "NEO4J_server_memory_pagecache_size=$DRILL_HEAP" "$image" 2>&1); then
    fail 1 "starting a throwaway Neo4j ($image) on the restored store failed: $out"
fi
deadline=$(($(now_epoch) + DRILL_START_WAIT))
until cypher "$scratch" none "RETURN 1" >/dev/null 2>&1; do
    if [ "$(docker inspect --type container --format '{{.State.Running}}' "$scratch" 2>/dev/null)" != true ]; then
        fail 1 "the throwaway Neo4j on the restored store exited: $(docker logs --tail 5 "$scratch" 2>&1 | tr '\n' ' ')"
    fi
    [ "$(now_epoch)" -lt "$deadline" ] || fail 1 "the throwaway Neo4j on the restored store did not answer within ${DRILL_START_WAIT} s: $(docker logs --tail 5 "$scratch" 2>&1 | tr '\n' ' ')"
    sleep 1
done
start_seconds=$(seconds_between "$started" "$(now_ms)")
say "the throwaway Neo4j answers after $start_seconds s"

# ---- counts ----------------------------------------------------------------------------------------
restored=$(graph_counts "$scratch" none) || fail 1 "counting the restored graph failed: $(cypher "$scratch" none 'MATCH (n) RETURN count(n)' | tail -n 1)"
restored_json=$(counts_json "${restored% *}" "${restored#* }")
recorded=$(json_object_field "$info" counts)
if [ "$recorded" != null ]; then
    b_nodes=$(json_field "$recorded" nodes) b_rels=$(json_field "$recorded" relationships)
    backup_json=$(counts_json "$b_nodes" "$b_rels")
fi
live=""
if [ "$(docker inspect --type container --format '{{.State.Running}}' "$NEO4J_CONTAINER" 2>/dev/null)" = true ] &&
    live=$(graph_counts "$NEO4J_CONTAINER" "$(container_auth "$NEO4J_CONTAINER")"); then
    live_json=$(counts_json "${live% *}" "${live#* }")
else
    live=""
    say "the live graph in $NEO4J_CONTAINER could not be counted (is it running?)"
fi
if [ "$backup_json" != null ]; then
    compared_with=backup expected="$b_nodes $b_rels" expected_json=$backup_json
    why="the counts recorded from the live graph when this backup was made"
elif [ -n "$live" ]; then
    compared_with=live expected=$live expected_json=$live_json
    why="the live graph now (the backup recorded no counts: Neo4j was not running when it was made), which may have changed since"
else
    fail 1 "nothing to compare the restored graph ($restored nodes/relationships) with: the backup recorded no counts and the live graph cannot be counted"
fi
now_part=""
[ -z "$live" ] || now_part="; the live graph has ${live% *} nodes and ${live#* } relationships now"
if [ "$restored" != "$expected" ]; then
    fail 1 "the restored graph has ${restored% *} nodes and ${restored#* } relationships, $why had ${expected% *} and ${expected#* }$now_part: this backup does not hold the graph it should; run a backup and a drill again, and look at the backup job's log"
fi
message="snapshot $snapshot_id restored and started in $(seconds_between "$began_ms" "$(now_ms)") s: ${restored% *} nodes and ${restored#* } relationships, equal to $why$now_part"
record success "$message"
say "$message"
