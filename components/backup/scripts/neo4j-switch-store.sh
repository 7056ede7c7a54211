#!/bin/sh
# Switches Neo4j to a restored store on the same filesystem: stops the Neo4j container gracefully,
# renames the current store aside (ASIDE_DIR), renames the restored one into its place (STORE_DIR),
# starts the container again and waits until it is healthy. Two renames on one filesystem: nothing
# is copied, nothing deleted, and the old store stays whole beside the new one. When anything after
# the first rename fails, both renames are undone and Neo4j is started on the old store again.
# `npm run restore -- --stack prod` runs it on the droplet after neo4j-restore.sh restored into a
# new directory on the Neo4j block volume. The container mounts a Docker volume bound to
# STORE_DIR (or STORE_DIR itself): a bind is resolved when the container starts, so the started
# container sees the restored store.
#
# Environment:
#   NEO4J_CONTAINER      the Neo4j container (required; it must exist)
#   STORE_DIR            the directory the container's /data is bound to (required, absolute)
#   RESTORED_DIR         the restored store (required, absolute, not empty, same filesystem)
#   ASIDE_DIR            where the current store goes (required, absolute, must not exist)
#   NEO4J_STOP_TIMEOUT   seconds Neo4j gets to shut down before Docker kills it (default 60)
#   NEO4J_START_WAIT     seconds to wait until the container is healthy again (default 180)
#   DOCKER_HOST          as for the docker CLI
# Output: the last line on stdout is `@switch store=<dir> aside=<dir> seconds=<outage>`.
# Exit codes: 0 switched, Neo4j healthy on the restored store; 1 the switch failed and was undone
#   (Neo4j runs on the old store again, the restored one is back in RESTORED_DIR); 2 bad
#   environment or a check refused (nothing was stopped); 6 the undo failed too: the message says
#   where each store is and what to run.
set -eu

TAG=rag-stack-neo4j-switch-store
say() { echo "$TAG: $*"; }
fail() {
    echo "$TAG: $2" >&2
    exit "$1"
}
NEO4J_STOP_TIMEOUT=${NEO4J_STOP_TIMEOUT:-60}
NEO4J_START_WAIT=${NEO4J_START_WAIT:-180}
[ -n "${NEO4J_CONTAINER:-}" ] || fail 2 "NEO4J_CONTAINER must name the Neo4j container"
case $NEO4J_CONTAINER in [A-Za-z0-9]*) ;; *) fail 2 "NEO4J_CONTAINER must be a container name (got '$NEO4J_CONTAINER')" ;; esac
case $NEO4J_CONTAINER in *[!A-Za-z0-9_.-]*) fail 2 "NEO4J_CONTAINER must be a container name (got '$NEO4J_CONTAINER')" ;; esac
for pair in "STORE_DIR=${STORE_DIR:-}" "RESTORED_DIR=${RESTORED_DIR:-}" "ASIDE_DIR=${ASIDE_DIR:-}"; do
    name=${pair%%=*} value=${pair#*=}
    case $value in
        /*) case $value in *[!A-Za-z0-9._/-]* | *//* | */ | */. | */./* | */.. | */../*) fail 2 "$name: '$value' is not a plain absolute directory" ;; esac ;;
        *) fail 2 "$name must be an absolute directory (got '$value')" ;;
    esac
done
for n in "$NEO4J_STOP_TIMEOUT" "$NEO4J_START_WAIT"; do
    case $n in '' | *[!0-9]*) fail 2 "NEO4J_STOP_TIMEOUT and NEO4J_START_WAIT must be whole seconds (got '$n')" ;; esac
done
command -v docker >/dev/null 2>&1 || fail 2 "docker is not installed or not on PATH ($PATH)"
[ -d "$STORE_DIR" ] || fail 2 "the current store $STORE_DIR is not a directory"
[ -d "$RESTORED_DIR" ] || fail 2 "the restored store $RESTORED_DIR is not a directory: restore into it first (neo4j-restore.sh)"
[ -n "$(ls -A "$RESTORED_DIR")" ] || fail 2 "the restored store $RESTORED_DIR is empty: restore into it first (neo4j-restore.sh)"
[ -d "$RESTORED_DIR/databases" ] || fail 2 "$RESTORED_DIR has no databases/ directory: it is not a Neo4j store"
[ ! -e "$ASIDE_DIR" ] || fail 2 "$ASIDE_DIR already exists: pick another place for the current store"
device_of() { df -P "$1" | awk 'NR == 2 { print $1 " " $6 }'; }
store_fs=$(device_of "$STORE_DIR")
if [ "$store_fs" != "$(device_of "$RESTORED_DIR")" ] || [ "$store_fs" != "$(device_of "$(dirname "$ASIDE_DIR")")" ]; then
    fail 2 "$STORE_DIR, $RESTORED_DIR and $(dirname "$ASIDE_DIR") must be on one filesystem (a switch is two renames, never a copy)"
fi
running=$(docker inspect --type container --format '{{.State.Running}}' "$NEO4J_CONTAINER" 2>/dev/null) \
    || fail 2 "there is no container $NEO4J_CONTAINER on this engine"

moved_aside=0 moved_in=0 stopped_at=""
now() { date -u '+%s'; }
undo() {
    set +e
    docker stop -t "$NEO4J_STOP_TIMEOUT" "$NEO4J_CONTAINER" >/dev/null 2>&1
    if [ "$moved_in" = 1 ]; then mv "$STORE_DIR" "$RESTORED_DIR" || return 1; fi
    if [ "$moved_aside" = 1 ]; then mv "$ASIDE_DIR" "$STORE_DIR" || return 1; fi
    [ "$running" != true ] || docker start "$NEO4J_CONTAINER" >/dev/null 2>&1 || return 1
    return 0
}
# shellcheck disable=SC2317 # the EXIT trap
on_exit() {
    rc=$?
    trap - EXIT INT TERM HUP
    if [ "$rc" -ne 0 ] && [ "$rc" -ne 2 ] && { [ "$moved_aside" = 1 ] || [ "$moved_in" = 1 ]; }; then
        if undo; then
            echo "$TAG: undone: Neo4j is on its old store $STORE_DIR again; the restored store is back in $RESTORED_DIR" >&2
            exit 1
        fi
        echo "$TAG: THE UNDO FAILED: the old store should be at $STORE_DIR or $ASIDE_DIR, the restored one at $RESTORED_DIR or $STORE_DIR; look (ls -la $(dirname "$STORE_DIR")), move the old store back to $STORE_DIR, then docker start $NEO4J_CONTAINER" >&2
        exit 6
    fi
    if [ "$rc" -ne 0 ] && [ -n "$stopped_at" ] && [ "$running" = true ]; then docker start "$NEO4J_CONTAINER" >/dev/null 2>&1 || true; fi
    exit "$rc"
}
trap on_exit EXIT
trap 'fail 129 "interrupted (SIGHUP)"' HUP
trap 'fail 130 "interrupted (SIGINT)"' INT
trap 'fail 143 "interrupted (SIGTERM)"' TERM

say "stopping $NEO4J_CONTAINER (up to ${NEO4J_STOP_TIMEOUT} s to shut down cleanly)"
stopped_at=$(now)
docker stop -t "$NEO4J_STOP_TIMEOUT" "$NEO4J_CONTAINER" >/dev/null || fail 1 "docker stop $NEO4J_CONTAINER failed"
mv "$STORE_DIR" "$ASIDE_DIR" || fail 1 "renaming $STORE_DIR to $ASIDE_DIR failed"
moved_aside=1
say "the current store is now $ASIDE_DIR"
mv "$RESTORED_DIR" "$STORE_DIR" || fail 1 "renaming $RESTORED_DIR to $STORE_DIR failed"
moved_in=1
docker start "$NEO4J_CONTAINER" >/dev/null || fail 1 "docker start $NEO4J_CONTAINER failed on the restored store"
say "started $NEO4J_CONTAINER on the restored store; waiting up to ${NEO4J_START_WAIT} s for it to be healthy"
deadline=$(($(now) + NEO4J_START_WAIT))
while :; do
    state=$(docker inspect --type container --format '{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}' "$NEO4J_CONTAINER" 2>/dev/null || echo "gone none")
    case $state in
        "running healthy" | "running none") break ;;
        "exited "* | "dead "* | "gone "*) fail 1 "$NEO4J_CONTAINER stopped on the restored store ($state): $(docker logs --tail 5 "$NEO4J_CONTAINER" 2>&1 | tr '\n' ' ')" ;;
    esac
    [ "$(now)" -lt "$deadline" ] || fail 1 "$NEO4J_CONTAINER was not healthy within ${NEO4J_START_WAIT} s on the restored store ($state)"
    sleep 2
done
seconds=$(($(now) - stopped_at))
say "switched: Neo4j runs on the restored store ($seconds s without Neo4j). The previous store is kept in $ASIDE_DIR;"
say "to go back: docker stop -t $NEO4J_STOP_TIMEOUT $NEO4J_CONTAINER && mv $STORE_DIR $STORE_DIR-rejected && mv $ASIDE_DIR $STORE_DIR && docker start $NEO4J_CONTAINER"
say "when you are sure, free its space: rm -rf $ASIDE_DIR"
echo "@switch store=$STORE_DIR aside=$ASIDE_DIR seconds=$seconds"
