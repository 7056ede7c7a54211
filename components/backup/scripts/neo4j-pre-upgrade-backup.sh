#!/bin/sh
# Before a new Neo4j image starts (a new version migrates the store, and there is no way back
# without a backup), backs the graph up with the job `up` installed on the droplet. `up` runs it
# over SSH on stdin (`sh -s`, components/backup/pre-upgrade.ts) before the engine replaces the Neo4j
# container, so the container it finds is still the old one: neo4j-backup.sh stops it, dumps its
# store with its own image, starts it again and uploads; only then does `up` remove it and start the
# new image. It is not installed on the droplet: it only runs at that step.
#
# What it does:
#   - no container named NEO4J_CONTAINER: the first start (or a new droplet); nothing to back up;
#   - the container already runs NEO4J_NEW_IMAGE (compared by image id): no upgrade; nothing to do;
#   - otherwise: the installed backup script through neo4j-with-unit-env.sh (the very settings of
#     the daily job) with BACKUP_REASON=pre-upgrade; a backup that is good (its exits 0, 4 retention
#     failed, 5 Neo4j slow to answer after the restart) lets the upgrade go on, anything else stops
#     it, with the old image still running.
#
# Environment:
#   NEO4J_CONTAINER    the Neo4j container's name (required)
#   NEO4J_NEW_IMAGE    the image the new container gets: an image id (sha256:...) or a reference on
#                      this engine (required)
#   BACKUP_RUNNER      the installed neo4j-with-unit-env.sh, beside neo4j-backup.sh (default
#                      /usr/local/lib/rag-stack/backup/neo4j-with-unit-env.sh)
#   BACKUP_OPT_OUT     the config key that skips this step, named in the failure (default
#                      rag-stack:backup.beforeNeo4jUpgrade)
#   DOCKER_HOST        as for the docker CLI (unset on the droplet: the local engine)
# Exit codes: 0 backed up, or nothing to back up (no container yet, or it already runs the new
#   image); 1 the backup failed: the upgrade is stopped, Neo4j still runs the old image; 2 bad
#   environment, Docker not answering, or the backup job not installed (nothing was stopped).
set -eu

TAG=rag-stack-neo4j-pre-upgrade-backup
say() { echo "$TAG: $*"; }
bad_env() { echo "$TAG: $*" >&2; exit 2; }

BACKUP_RUNNER=${BACKUP_RUNNER:-/usr/local/lib/rag-stack/backup/neo4j-with-unit-env.sh}
BACKUP_OPT_OUT=${BACKUP_OPT_OUT:-rag-stack:backup.beforeNeo4jUpgrade}

[ -n "${NEO4J_CONTAINER:-}" ] || bad_env "NEO4J_CONTAINER must name the Neo4j container"
[ -n "${NEO4J_NEW_IMAGE:-}" ] || bad_env "NEO4J_NEW_IMAGE must name the image the new Neo4j container gets"
case $NEO4J_CONTAINER in [A-Za-z0-9]*) ;; *) bad_env "NEO4J_CONTAINER must be a container name (got '$NEO4J_CONTAINER')" ;; esac
case $NEO4J_CONTAINER in *[!A-Za-z0-9_.-]*) bad_env "NEO4J_CONTAINER must be a container name (got '$NEO4J_CONTAINER')" ;; esac
command -v docker >/dev/null 2>&1 || bad_env "docker is not installed or not on PATH ($PATH): nothing was stopped"

# ---- is there an old Neo4j to back up? --------------------------------------------------------
if ! running_image=$(docker inspect --type container --format '{{.Image}}' "$NEO4J_CONTAINER" 2>&1); then
    case $running_image in
        *"No such"* | *"no such"*)
            say "no Neo4j container yet: nothing to back up before the first start"
            exit 0 ;;
        *) bad_env "docker inspect $NEO4J_CONTAINER failed: $running_image (is Docker running? systemctl status docker); nothing was stopped" ;;
    esac
fi
# The new image as an id: the container's `image` is one already, a reference resolves on this engine
# (`up` pulled it before this step); one this engine does not know stays as given, so it differs.
new_image=$(docker image inspect --format '{{.Id}}' "$NEO4J_NEW_IMAGE" 2>/dev/null) || new_image=$NEO4J_NEW_IMAGE
if [ "$running_image" = "$new_image" ]; then
    say "$NEO4J_CONTAINER already runs $new_image: no new image, nothing to back up"
    exit 0
fi
say "$NEO4J_CONTAINER runs $running_image; the new image is $new_image: backing the graph up before it starts"

# ---- the backup, with the daily job's settings ------------------------------------------------
[ -x "$BACKUP_RUNNER" ] || bad_env "$BACKUP_RUNNER is not installed: the backup-install step of up installs it (run up again); nothing was stopped"
rc=0
"$BACKUP_RUNNER" neo4j-backup.sh BACKUP_REASON=pre-upgrade || rc=$?
case $rc in
    0) say "backed up: the new image may start" ;;
    4 | 5) say "the backup is good (the job's exit $rc is about after it, see above): the new image may start" ;;
    2) bad_env "the backup could not start (see the line above: the job or its unit not installed, or its settings refused); nothing was stopped, and the upgrade was stopped before the new image started" ;;
    *)
        if [ "$(docker inspect --type container --format '{{.State.Running}}' "$NEO4J_CONTAINER" 2>/dev/null)" = true ]; then
            now="$NEO4J_CONTAINER still runs the old image $running_image"
        else
            now="$NEO4J_CONTAINER (the old image $running_image) is not running: docker start $NEO4J_CONTAINER"
        fi
        echo "$TAG: the backup before the upgrade failed (exit $rc, see the lines above), so the upgrade was stopped before the new image started; $now. Fix what the backup says and run up again; or, to upgrade without a backup, set $BACKUP_OPT_OUT false (pulumi config set --path ${BACKUP_OPT_OUT#*:} false) and run up again." >&2
        exit 1 ;;
esac
