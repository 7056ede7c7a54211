#!/bin/sh
# Backs up the Neo4j graph: a consistent dump of every database, uploaded encrypted and
# deduplicated by restic, with retention. The droplet's rag-stack-neo4j-backup.timer runs it daily;
# `npm run backup` runs it against the local engine; a pre-upgrade step runs it before a new Neo4j
# image starts.
#
# Consistency: Neo4j Community has no online backup ("On Community Edition, the command can be run
# only on an offline Neo4j DBMS": operations manual 5.26, "Back up an offline database"). So: count
# the graph's nodes and relationships (recorded for the restore drill), stop the container
# gracefully (Neo4j needs up to 60 s to shut down cleanly; a killed one needs recovery and its dump
# is refused), run `neo4j-admin database dump <db> --to-path=/backups` for each database in a
# one-shot container of the very image the container runs, against the stopped store (the manual's
# Docker recipe, "Dump and load a Neo4j database (offline)"), start Neo4j again, print the outage.
# Only then upload: the upload never lengthens the outage.
#
# Before Neo4j is stopped, everything that can fail without it is checked: the tools, the
# credentials file, the repository (reachable, password right; created on the first run), free
# space for the dumps. Whatever fails afterwards (a dump, a full disk, a signal), Neo4j is started
# again (EXIT trap) and the job exits non-zero with a sentence saying what to do.
# A backup counts as good only from restic's own summary: restic writes the snapshot last, after
# the data and the index (restic design.rst, "Repository format", v0.14.0), so a snapshot id means
# a complete snapshot; the snapshot is then listed back from the repository and each dump's size
# compared. Exit 3 of restic (a snapshot missing files) is a failure, and that snapshot is forgotten.
# A Neo4j that was not running when the job began is dumped as it is and left stopped (it says so).
#
# Status directory (shared with the health endpoint and `npm run verify`; files replaced atomically,
# JSON, no secrets):
#   last-success.json  written only for a good backup: result "success", finishedAt (ISO 8601 UTC),
#                      finishedEpoch, startedAt, durationSeconds, snapshotId, snapshotShortId,
#                      host, tags, repository, databases, bytesAdded (new data restic stored),
#                      snapshotBytes (size of the dumps), files, outageSeconds (null when Neo4j
#                      was not running), counts {nodes, relationships, source} (null when unknown),
#                      retention {keepWithin, keepDaily, keepWeekly, keepMonthly, applied, message},
#                      repositoryBytes and snapshotCount (null when restic stats failed)
#   last-run.json      every run that got past the environment checks: result "success" or
#                      "failure", exitCode, finishedAt, finishedEpoch, startedAt, message (the
#                      sentence printed), snapshotId (null unless a good snapshot was made),
#                      outageSeconds, neo4jRunning (true/false: whether Neo4j runs at the end)
# Inside each snapshot, beside the dumps: backup-info.json (createdAt, host, container, image,
# imageId, databases, counts, files [{name, bytes, sha256}]), which the restore checks against.
#
# Environment:
#   NEO4J_CONTAINER      name of the live Neo4j container (required)
#   NEO4J_DATA           its data volume (a Docker volume name or an absolute host directory);
#                        default: what the container mounts at /data; when set, it must be that
#   NEO4J_IMAGE          image for the one-shot dump container; default: the image the container
#                        runs (by id); when set, it must be that image
#   NEO4J_DATABASES      databases to dump (default "neo4j system")
#   NEO4J_STOP_TIMEOUT   seconds Neo4j gets to shut down before Docker kills it (default 60)
#   NEO4J_START_WAIT     seconds to wait until Neo4j answers again after the start (default 180)
#   BACKUP_WORK_DIR      absolute directory for the dumps and the lock (required; created 0700; on
#                        a Mac, one that Docker Desktop shares, such as under the home directory)
#   RESTIC_REPOSITORY    s3:https://<endpoint>/<bucket>/<prefix> (prod) or a local path (dev) (required)
#   BACKUP_CREDENTIALS_FILE  file of KEY=VALUE lines: RESTIC_PASSWORD (always), AWS_ACCESS_KEY_ID and
#                        AWS_SECRET_ACCESS_KEY (s3: repositories); mode 0600 or 0400, owned by the
#                        user running the job (required)
#   RESTIC_CACERT        PEM file of a CA to trust for the repository's TLS (optional; tests)
#   BACKUP_STATUS_DIR    absolute directory for the status files (required)
#   BACKUP_KEEP_DAILY, BACKUP_KEEP_WEEKLY, BACKUP_KEEP_MONTHLY  retention (default 7, 4, 6): one
#                        snapshot per day, week, month
#   BACKUP_KEEP_WITHIN   also keep every snapshot this recent (restic duration, default 2d; none
#                        turns it off): a manual or pre-upgrade backup is not forgotten the same day
#   BACKUP_HOST          restic --host: a name that outlives the machine, e.g. the stack's (default: hostname)
#   BACKUP_TAG           restic tag of these snapshots (default rag-stack-neo4j)
#   BACKUP_REASON        why it runs: timer, manual, pre-upgrade (default manual; tag reason:<it>)
#   BACKUP_FREE_PERCENT  free space needed in BACKUP_WORK_DIR before Neo4j is stopped, in percent
#                        of the store's size (default 100; 0 skips the check)
#   BACKUP_UPLOAD_TIMEOUT  seconds the upload may take before restic is stopped and the run fails
#                        (default 0: no limit but the unit's TimeoutStartSec). restic retries a
#                        lost connection for minutes before it gives up by itself (357 s measured
#                        against a bucket that refuses every connection).
#   BACKUP_KEEP_DUMPS    1 keeps the dumps in BACKUP_WORK_DIR/dumps after the upload (default: removed)
#   DOCKER_HOST          as for the docker CLI (unset on the droplet: the local engine)
# Exit codes: 0 backup made and recorded; 1 the backup failed (nothing recorded as good; Neo4j
#   running again if it was); 2 bad environment or a missing tool (nothing stopped); 3 another
#   backup is running; 4 the backup is good but retention (forget --prune) failed; 5 the backup is
#   good but Neo4j did not answer within NEO4J_START_WAIT after it was started again; 6 Neo4j could
#   not be started again (act now: docker start <container>); 128+n interrupted by signal n (Neo4j
#   started again first).
set -eu

TAG=rag-stack-neo4j-backup
bad_env() { echo "$TAG: $*" >&2; exit 2; }

NEO4J_DATABASES=${NEO4J_DATABASES:-neo4j system}
NEO4J_STOP_TIMEOUT=${NEO4J_STOP_TIMEOUT:-60}
NEO4J_START_WAIT=${NEO4J_START_WAIT:-180}
BACKUP_KEEP_DAILY=${BACKUP_KEEP_DAILY:-7}
BACKUP_KEEP_WEEKLY=${BACKUP_KEEP_WEEKLY:-4}
BACKUP_KEEP_MONTHLY=${BACKUP_KEEP_MONTHLY:-6}
BACKUP_KEEP_WITHIN=${BACKUP_KEEP_WITHIN:-2d}
BACKUP_TAG=${BACKUP_TAG:-rag-stack-neo4j}
BACKUP_REASON=${BACKUP_REASON:-manual}
BACKUP_FREE_PERCENT=${BACKUP_FREE_PERCENT:-100}
BACKUP_KEEP_DUMPS=${BACKUP_KEEP_DUMPS:-0}
BACKUP_UPLOAD_TIMEOUT=${BACKUP_UPLOAD_TIMEOUT:-0}

# ---- environment -------------------------------------------------------------------------------
[ -n "${NEO4J_CONTAINER:-}" ] || bad_env "NEO4J_CONTAINER must name the Neo4j container"
[ -n "${RESTIC_REPOSITORY:-}" ] || bad_env "RESTIC_REPOSITORY must name the restic repository (s3:https://<endpoint>/<bucket>/<prefix>, or a local path)"
[ -n "${BACKUP_CREDENTIALS_FILE:-}" ] || bad_env "BACKUP_CREDENTIALS_FILE must name the file with RESTIC_PASSWORD (and the S3 keys)"
case ${BACKUP_WORK_DIR:-} in /*) ;; *) bad_env "BACKUP_WORK_DIR must be an absolute directory (got '${BACKUP_WORK_DIR:-}')" ;; esac
case ${BACKUP_STATUS_DIR:-} in /*) ;; *) bad_env "BACKUP_STATUS_DIR must be an absolute directory (got '${BACKUP_STATUS_DIR:-}')" ;; esac
case $NEO4J_CONTAINER in [A-Za-z0-9]*) ;; *) bad_env "NEO4J_CONTAINER must be a container name (got '$NEO4J_CONTAINER')" ;; esac
case $NEO4J_CONTAINER in *[!A-Za-z0-9_.-]*) bad_env "NEO4J_CONTAINER must be a container name (got '$NEO4J_CONTAINER')" ;; esac
for n in "$NEO4J_STOP_TIMEOUT" "$NEO4J_START_WAIT" "$BACKUP_KEEP_DAILY" "$BACKUP_KEEP_WEEKLY" "$BACKUP_KEEP_MONTHLY" "$BACKUP_FREE_PERCENT" "$BACKUP_UPLOAD_TIMEOUT"; do
    case $n in '' | *[!0-9]*) bad_env "NEO4J_STOP_TIMEOUT, NEO4J_START_WAIT, BACKUP_KEEP_*, BACKUP_FREE_PERCENT and BACKUP_UPLOAD_TIMEOUT must be whole numbers (got '$n')" ;; esac
done
[ $((BACKUP_KEEP_DAILY + BACKUP_KEEP_WEEKLY + BACKUP_KEEP_MONTHLY)) -ge 1 ] || bad_env "BACKUP_KEEP_DAILY, BACKUP_KEEP_WEEKLY and BACKUP_KEEP_MONTHLY are all 0: that retention would forget every backup"
case $BACKUP_KEEP_WITHIN in
    none) keep_within="" ;;
    *[!0-9ymdh]* | [!0-9]* | *[0-9]) bad_env "BACKUP_KEEP_WITHIN must be a restic duration like 2d, 36h or 1m15d, or none (got '$BACKUP_KEEP_WITHIN')" ;;
    *) keep_within=$BACKUP_KEEP_WITHIN ;;
esac
[ -n "$NEO4J_DATABASES" ] || bad_env "NEO4J_DATABASES must name at least one database"
for db in $NEO4J_DATABASES; do
    case $db in *[!A-Za-z0-9._-]* | [!A-Za-z0-9]*) bad_env "NEO4J_DATABASES: '$db' is not a database name" ;; esac
done
for word in "$BACKUP_TAG" "$BACKUP_REASON" "${BACKUP_HOST:-x}"; do
    case $word in '' | *[!A-Za-z0-9._-]*) bad_env "BACKUP_TAG, BACKUP_REASON and BACKUP_HOST must be letters, digits and . _ - (got '$word')" ;; esac
done
case $RESTIC_REPOSITORY in *[[:space:]]*) bad_env "RESTIC_REPOSITORY must not contain spaces (got '$RESTIC_REPOSITORY')" ;; esac
if [ -n "${RESTIC_CACERT:-}" ] && [ ! -r "$RESTIC_CACERT" ]; then bad_env "RESTIC_CACERT: cannot read $RESTIC_CACERT"; fi

BACKUP_HOST=${BACKUP_HOST:-$(hostname | cut -d . -f 1)}

mkdir -p "$BACKUP_STATUS_DIR" "$BACKUP_WORK_DIR" || bad_env "cannot create $BACKUP_STATUS_DIR or $BACKUP_WORK_DIR"
chmod 0700 "$BACKUP_WORK_DIR"
DUMPS="$BACKUP_WORK_DIR/dumps"
LOGS="$BACKUP_WORK_DIR/logs"
mkdir -p "$LOGS"

# shellcheck source=backup-lib.sh
. "$(dirname "$0")/backup-lib.sh"

started_at=$(now_iso)
failure_message=""
exit_code=0
neo4j_stopped_by_us=0
neo4j_auth=""
was_running=0
outage=""
snapshot_id=""
child=""
watchdog=""
dump_container="rag-stack-neo4j-dump-$$"
lock_dir=""

# fail CODE SENTENCE: the job's outcome; the EXIT trap restarts Neo4j and records it.
fail() {
    exit_code=$1
    failure_message=$2
    echo "$TAG: $2" >&2
    exit "$1"
}

# run_child CMD...: runs CMD in the background and waits, so a signal is handled at once (the
# trap kills it) instead of after the command ends.
run_child() {
    "$@" &
    child=$!
    set +e
    wait "$child"
    rc=$?
    set -e
    child=""
    return "$rc"
}

# Answers: the container's own health-check command (what `up` waits for) when it has a CMD-SHELL
# one, else `RETURN 1` through cypher-shell. Bounded by NEO4J_START_WAIT.
wait_answering() {
    health=$(docker inspect --type container --format '{{if .Config.Healthcheck}}{{if eq (index .Config.Healthcheck.Test 0) "CMD-SHELL"}}{{index .Config.Healthcheck.Test 1}}{{end}}{{end}}' "$NEO4J_CONTAINER" 2>/dev/null || true)
    deadline=$(($(now_epoch) + NEO4J_START_WAIT))
    while :; do
        if [ -n "$health" ]; then
            if docker exec "$NEO4J_CONTAINER" sh -c "$health" >/dev/null 2>&1; then return 0; fi
        elif cypher "$NEO4J_CONTAINER" "$neo4j_auth" "RETURN 1" >/dev/null 2>&1; then
            return 0
        fi
        [ "$(now_epoch)" -lt "$deadline" ] || return 1
        sleep 0.5
    done
}

# Starts Neo4j again (the dump container gone first: both would hold the store). Prints the outage.
neo4j_start_wait_failed=0
start_neo4j_again() {
    docker rm -f "$dump_container" >/dev/null 2>&1 || true
    if ! out=$(docker start "$NEO4J_CONTAINER" 2>&1); then
        echo "$TAG: NEO4J IS DOWN: starting $NEO4J_CONTAINER again failed: $out. Start it now: docker start $NEO4J_CONTAINER; then docker logs $NEO4J_CONTAINER" >&2
        return 1
    fi
    neo4j_stopped_by_us=0
    if wait_answering; then
        outage=$(seconds_between "$stop_began_ms" "$(now_ms)")
        say "Neo4j is answering again: the outage was ${outage} s"
    else
        outage=$(seconds_between "$stop_began_ms" "$(now_ms)")
        neo4j_start_wait_failed=1
        echo "$TAG: $NEO4J_CONTAINER was started again but does not answer after ${NEO4J_START_WAIT} s: look at docker logs $NEO4J_CONTAINER" >&2
    fi
    return 0
}

running_now() {
    [ "$(docker inspect --type container --format '{{.State.Running}}' "$NEO4J_CONTAINER" 2>/dev/null || echo false)" = true ]
}

# shellcheck disable=SC2317 # called from the EXIT trap
record_failure() {
    running=false
    if [ -n "$NEO4J_CONTAINER" ] && running_now; then running=true; fi
    write_status "$BACKUP_STATUS_DIR" last-run.json "{\"result\":\"failure\",\"exitCode\":$exit_code,\"startedAt\":\"$started_at\",\"finishedAt\":\"$(now_iso)\",\"finishedEpoch\":$(now_epoch),\"message\":$(json_str "$failure_message"),\"snapshotId\":null,\"outageSeconds\":$(json_num_or_null "$outage"),\"neo4jRunning\":$running}" ||
        echo "$TAG: could not write $BACKUP_STATUS_DIR/last-run.json" >&2
}

# shellcheck disable=SC2317 # the EXIT trap
on_exit() {
    rc=$?
    set +e
    trap - EXIT INT TERM HUP
    [ -z "$child" ] || kill "$child" 2>/dev/null
    [ -z "$watchdog" ] || kill "$watchdog" 2>/dev/null
    if [ "$neo4j_stopped_by_us" = 1 ]; then
        say "starting Neo4j again after the failure"
        if ! start_neo4j_again; then
            rc=6
            failure_message="${failure_message:+$failure_message; }Neo4j could not be started again: docker start $NEO4J_CONTAINER"
        fi
    fi
    if [ "$rc" -ne 0 ] && [ "$exit_code" -eq 0 ]; then
        # An unexpected failure (a command under set -e): say which step.
        exit_code=$rc
        failure_message=${failure_message:-"the backup stopped unexpectedly (exit $rc) while $step; see the lines above"}
        echo "$TAG: $failure_message" >&2
    fi
    [ "$rc" -ne 6 ] || exit_code=6
    if [ "$rc" -ne 0 ] && [ "$rc" -ne 4 ] && [ "$rc" -ne 5 ]; then record_failure; fi
    [ "$BACKUP_KEEP_DUMPS" = 1 ] || rm -rf "$DUMPS"
    [ -z "$lock_dir" ] || rm -rf "$lock_dir"
    exit "$rc"
}
# shellcheck disable=SC2317 # the signal traps
on_signal() {
    [ -z "$child" ] || kill "$child" 2>/dev/null || true
    docker rm -f "$dump_container" >/dev/null 2>&1 || true
    fail $((128 + $1)) "interrupted by signal $1 while $step; nothing was recorded as a backup"
}
step="checking the environment"
trap on_exit EXIT
trap 'on_signal 1' HUP
trap 'on_signal 2' INT
trap 'on_signal 15' TERM

# ---- one at a time -----------------------------------------------------------------------------
lock_file="$BACKUP_WORK_DIR/backup.lock"
if command -v flock >/dev/null 2>&1; then
    exec 9>>"$lock_file"
    if ! flock -n 9; then
        trap - EXIT
        echo "$TAG: another backup is running (it holds $lock_file: PID $(head -n 1 "$lock_file.pid" 2>/dev/null || echo unknown)); this one does nothing" >&2
        exit 3
    fi
    echo "$$" >"$lock_file.pid"
else
    # macOS has no flock(1): an atomic mkdir, taken over when its PID is gone.
    if ! mkdir "$lock_file.d" 2>/dev/null; then
        other=$(cat "$lock_file.d/pid" 2>/dev/null || echo "")
        if [ -n "$other" ] && kill -0 "$other" 2>/dev/null; then
            trap - EXIT
            echo "$TAG: another backup is running (PID $other holds $lock_file.d); this one does nothing" >&2
            exit 3
        fi
        rm -rf "$lock_file.d"
        mkdir "$lock_file.d" || { trap - EXIT; echo "$TAG: another backup took $lock_file.d just now; this one does nothing" >&2; exit 3; }
    fi
    lock_dir="$lock_file.d"
    echo "$$" >"$lock_dir/pid"
fi

# ---- tools (recorded in last-run.json when missing: the health endpoint shows it) ---------------
step="looking for the tools"
command -v docker >/dev/null 2>&1 || fail 2 "docker is not installed or not on PATH ($PATH): install Docker, or run this where the Neo4j container's engine is; nothing was stopped"
command -v restic >/dev/null 2>&1 || fail 2 "restic is not installed or not on PATH ($PATH): apt-get install restic (Debian/Ubuntu), brew install restic (macOS); nothing was stopped"

# ---- credentials -------------------------------------------------------------------------------
step="reading the credentials file"
read_credentials

# ---- the repository, before anything is stopped ------------------------------------------------
step="opening the repository"
say "checking the repository $RESTIC_REPOSITORY"
if ! out=$(restic_ cat config 2>&1 >/dev/null); then
    case $out in
        *"wrong password"*)
            fail 1 "the repository $RESTIC_REPOSITORY refuses the password in $BACKUP_CREDENTIALS_FILE (wrong password or no key found): put back the password it was created with; nothing was stopped" ;;
        *"Is there a repository at the following location?"*)
            case $out in
                *"no such file or directory"* | *"does not exist"* | *"NoSuchKey"*)
                    say "no repository at $RESTIC_REPOSITORY yet: creating it (keep the password: without it the backups cannot be read)"
                    if ! init_out=$(restic_ init 2>&1); then
                        fail 1 "creating the repository $RESTIC_REPOSITORY failed: $(printf '%s' "$init_out" | tail -n 2 | tr '\n' ' '); nothing was stopped"
                    fi
                    ;;
                *) fail 1 "the repository $RESTIC_REPOSITORY cannot be reached: $(printf '%s' "$out" | tail -n 3 | tr '\n' ' ')— check the endpoint, the bucket and the network; nothing was stopped" ;;
            esac
            ;;
        *) fail 1 "the repository $RESTIC_REPOSITORY cannot be opened: $(printf '%s' "$out" | tail -n 3 | tr '\n' ' ')— check the endpoint, the keys and the network; nothing was stopped" ;;
    esac
fi
# Locks left by a killed run are stale (restic unlock removes only those).
restic_ unlock >/dev/null 2>&1 || true

# ---- the container, its store and its image ----------------------------------------------------
step="inspecting $NEO4J_CONTAINER"
if facts=$(docker inspect --type container --format '{{.State.Status}}|{{.Image}}|{{.Config.Image}}|{{range .Mounts}}{{if eq .Destination "/data"}}{{if .Name}}{{.Name}}{{else}}{{.Source}}{{end}}{{end}}{{end}}' "$NEO4J_CONTAINER" 2>&1); then
    IFS='|' read -r state image_id image_ref mounted <<EOF_FACTS
$facts
EOF_FACTS
    [ -n "$mounted" ] || fail 2 "$NEO4J_CONTAINER mounts nothing at /data: there is no store to back up"
    if [ -n "${NEO4J_DATA:-}" ] && [ "$NEO4J_DATA" != "$mounted" ]; then
        fail 2 "NEO4J_DATA is $NEO4J_DATA but $NEO4J_CONTAINER keeps its store in $mounted: refusing to back up another store than the live one"
    fi
    data=$mounted
    if [ -n "${NEO4J_IMAGE:-}" ]; then
        wanted=$(docker image inspect --format '{{.Id}}' "$NEO4J_IMAGE" 2>/dev/null || echo "")
        [ "$wanted" = "$image_id" ] || fail 2 "NEO4J_IMAGE is $NEO4J_IMAGE (${wanted:-not on this engine}) but $NEO4J_CONTAINER runs $image_ref ($image_id): the dump must be made by the Neo4j version that wrote the store"
    fi
    image=$image_id
    case $state in
        running | restarting | paused) was_running=1 ;;
        created | exited) was_running=0 ;;
        *) fail 1 "$NEO4J_CONTAINER is $state: repair it first (docker ps -a --filter name=$NEO4J_CONTAINER)" ;;
    esac
else
    case $facts in *"No such"* | *"no such"*) ;; *) fail 1 "docker inspect $NEO4J_CONTAINER failed: $facts" ;; esac
    if [ -z "${NEO4J_DATA:-}" ] || [ -z "${NEO4J_IMAGE:-}" ]; then
        fail 1 "there is no container $NEO4J_CONTAINER: nothing to back up (is the stack up?); to dump a store without its container, set NEO4J_DATA and NEO4J_IMAGE"
    fi
    data=$NEO4J_DATA
    image=$(docker image inspect --format '{{.Id}}' "$NEO4J_IMAGE" 2>/dev/null) || fail 2 "NEO4J_IMAGE $NEO4J_IMAGE is not on this engine: docker pull $NEO4J_IMAGE"
    image_id=$image image_ref=$NEO4J_IMAGE state=absent
fi
case $data in /*) [ -d "$data" ] || fail 2 "the data directory $data does not exist" ;; esac
say "container $NEO4J_CONTAINER is $state; store $data; image $image_ref ($image_id)"

# ---- counts from the live graph, for the drill -------------------------------------------------
count_db=""
for db in $NEO4J_DATABASES; do [ "$db" = system ] || { count_db=$db; break; }; done
nodes="" relationships="" counts_json=null
if [ "$was_running" = 1 ] && [ "$state" = running ]; then
    step="counting the graph"
    neo4j_auth=$(container_auth "$NEO4J_CONTAINER")
    if counts=$(graph_counts "$NEO4J_CONTAINER" "$neo4j_auth"); then
        nodes=${counts% *} relationships=${counts#* }
        counts_json="{\"nodes\":$nodes,\"relationships\":$relationships,\"database\":\"${count_db:-neo4j}\",\"source\":\"the live graph just before Neo4j was stopped for this backup\"}"
        say "the graph has $nodes nodes and $relationships relationships"
    else
        nodes="" relationships=""
        say "could not count the graph (cypher-shell: $(cypher "$NEO4J_CONTAINER" "$neo4j_auth" 'RETURN 1' | tail -n 1)); the backup goes on, the drill will compare with the live graph instead"
    fi
fi

# ---- room for the dumps, and a directory the neo4j user can write ------------------------------
step="preparing the dump directory"
rm -rf "$DUMPS"
mkdir -p "$DUMPS"
# The image's entrypoint runs neo4j-admin as its neo4j user and fixes only /data's ownership
# (neo4j/docker-neo4j, neo4j-5.26.26, docker-image-src/5/coredb/docker-entrypoint.sh), so the dump
# directory is handed to that user first (a root shell in the same image; where the engine cannot
# chown a host directory, as Docker Desktop's file sharing may not, it is only checked), and the
# store's size is measured, all while Neo4j still runs. Dump directories must not be
# world-readable (operations manual 5.26, "Back up an offline database").
if ! sizes=$(docker run --rm --network none --user 0:0 --entrypoint sh -v "$data:/data:ro" -v "$DUMPS:/backups" "$image" \
    -c 'chown neo4j:neo4j /backups 2>/dev/null; chmod 0700 /backups 2>/dev/null; du -sk /data/databases /data/transactions 2>/dev/null | awk "{ s += \$1 } END { print s + 0 }"' 2>&1); then
    fail 1 "preparing the dump directory with $image_ref failed: $sizes"
fi
# Through the image's entrypoint, as neo4j-admin will run: can its user write there?
if ! probe=$(docker run --rm --network none -v "$DUMPS:/backups" "$image" sh -c ': >/backups/.write-probe && rm -f /backups/.write-probe' 2>&1); then
    fail 1 "the neo4j user of $image_ref cannot write the dump directory $DUMPS ($(printf '%s' "$probe" | tail -n 1)): give it to uid 7474 or point BACKUP_WORK_DIR elsewhere; Neo4j was not stopped"
fi
store_kb=$(printf '%s\n' "$sizes" | tail -n 1)
case $store_kb in '' | *[!0-9]*) fail 1 "could not measure the store in $data: $sizes" ;; esac
free_kb=$(df -Pk "$DUMPS" | awk 'NR == 2 { print $4 }')
need_kb=$((store_kb * BACKUP_FREE_PERCENT / 100))
if [ "$BACKUP_FREE_PERCENT" -gt 0 ] && [ "$free_kb" -lt "$need_kb" ]; then
    fail 1 "not enough room for the dumps: $DUMPS has $((free_kb / 1024)) MiB free, the store is $((store_kb / 1024)) MiB and $BACKUP_FREE_PERCENT% of it is needed; free space there or point BACKUP_WORK_DIR at a larger disk (BACKUP_FREE_PERCENT lowers the estimate; dumps are compressed). Neo4j was not stopped"
fi

# ---- the outage: stop, dump, start ---------------------------------------------------------------
stop_began_ms=$(now_ms)
if [ "$was_running" = 1 ]; then
    step="stopping Neo4j"
    say "stopping $NEO4J_CONTAINER (it gets up to ${NEO4J_STOP_TIMEOUT} s to shut down cleanly)"
    neo4j_stopped_by_us=1
    out=$(docker stop --time "$NEO4J_STOP_TIMEOUT" "$NEO4J_CONTAINER" 2>&1) || fail 1 "stopping $NEO4J_CONTAINER failed: $out"
    code=$(docker inspect --type container --format '{{.State.ExitCode}}' "$NEO4J_CONTAINER" 2>/dev/null || echo "")
    [ "$code" != 137 ] || say "$NEO4J_CONTAINER did not stop within ${NEO4J_STOP_TIMEOUT} s and was killed: its store needs recovery, the dump will refuse it"
    say "stopped after $(seconds_between "$stop_began_ms" "$(now_ms)") s"
else
    say "$NEO4J_CONTAINER was not running when the backup began: its store is dumped as it is, and it is left stopped"
fi

for db in $NEO4J_DATABASES; do
    step="dumping $db"
    say "dumping $db"
    began=$(now_ms)
    if ! run_child docker run --rm --name "$dump_container" --network none --label rag-stack.role=neo4j-backup-dump \
        -v "$data:/data" -v "$DUMPS:/backups" "$image" \
        neo4j-admin database dump "$db" --to-path=/backups --overwrite-destination=true >"$LOGS/dump-$db.log" 2>&1; then
        reason=$(grep -E "Failed to dump|No space|Active logical log|in use|permission|does not exist|rror" "$LOGS/dump-$db.log" | head -n 3 | tr '\n' ' ')
        reason=${reason:-$(tail_of "$LOGS/dump-$db.log")}
        case $reason in
            *"No space"*) advice="the dump directory $DUMPS is full: free space there or point BACKUP_WORK_DIR at a larger disk" ;;
            *"Active logical log"*) advice="Neo4j did not shut down cleanly (killed after NEO4J_STOP_TIMEOUT=${NEO4J_STOP_TIMEOUT} s?): it recovers when it starts; run the backup again, with a longer NEO4J_STOP_TIMEOUT if it was killed" ;;
            *"in use"*) advice="another Neo4j holds the store $data: find it with docker ps --filter volume=$data" ;;
            *) advice="see $LOGS/dump-$db.log" ;;
        esac
        fail 1 "the dump of $db failed: ${reason% }. ${advice}. Nothing was uploaded"
    fi
    [ -s "$DUMPS/$db.dump" ] || fail 1 "neo4j-admin reported success but wrote no $db.dump: see $LOGS/dump-$db.log"
    say "dumped $db in $(seconds_between "$began" "$(now_ms)") s ($(($(wc -c <"$DUMPS/$db.dump") / 1024)) KiB)"
done

if [ "$neo4j_stopped_by_us" = 1 ]; then
    step="starting Neo4j again"
    say "starting $NEO4J_CONTAINER again"
    start_neo4j_again || fail 6 "the dumps are made but Neo4j could not be started again: docker start $NEO4J_CONTAINER, now; then run the backup again"
fi

# ---- what the snapshot holds -------------------------------------------------------------------
step="describing the dumps"
files_json="" sep=""
for db in $NEO4J_DATABASES; do
    files_json="$files_json$sep{\"name\":\"$db.dump\",\"bytes\":$(wc -c <"$DUMPS/$db.dump" | tr -d ' '),\"sha256\":\"$(sha256_of "$DUMPS/$db.dump")\"}"
    sep=","
done
# shellcheck disable=SC2086 # one database per word
dbs_json=$(printf '%s\n' $NEO4J_DATABASES | awk 'BEGIN { ORS = "" } { printf "%s\"%s\"", (NR > 1 ? "," : ""), $0 }')
printf '%s\n' "{\"format\":1,\"createdAt\":\"$(now_iso)\",\"host\":\"$BACKUP_HOST\",\"container\":\"$NEO4J_CONTAINER\",\"image\":$(json_str "$image_ref"),\"imageId\":\"$image_id\",\"databases\":[$dbs_json],\"counts\":$counts_json,\"files\":[$files_json]}" >"$DUMPS/backup-info.json"

# ---- upload --------------------------------------------------------------------------------------
step="uploading"
say "uploading to $RESTIC_REPOSITORY (host $BACKUP_HOST, tags $BACKUP_TAG, reason:$BACKUP_REASON)"
upload_began=$(now_ms)
rc=0
# In the background as restic itself ($! is restic's PID), so a signal stops it at once.
(
    restic_env
    exec restic ${RESTIC_CACERT:+--cacert "$RESTIC_CACERT"} backup --json --host "$BACKUP_HOST" --tag "$BACKUP_TAG" --tag "reason:$BACKUP_REASON" "$DUMPS"
) >"$LOGS/restic-backup.json" 2>"$LOGS/restic-backup.err" &
child=$!
# The upload's deadline: a watchdog that stops restic (its own SIGTERM handling removes its lock).
timed_out="$LOGS/upload-timed-out"
rm -f "$timed_out"
watchdog=""
if [ "$BACKUP_UPLOAD_TIMEOUT" -gt 0 ]; then
    (
        trap 'kill "$nap" 2>/dev/null; exit 0' TERM
        sleep "$BACKUP_UPLOAD_TIMEOUT" &
        nap=$!
        wait "$nap"
        : >"$timed_out"
        kill "$child" 2>/dev/null
    ) 9>&- &
    watchdog=$!
fi
set +e
wait "$child"
rc=$?
set -e
child=""
[ -z "$watchdog" ] || kill "$watchdog" 2>/dev/null || true
if [ -e "$timed_out" ]; then
    fail 1 "the upload to $RESTIC_REPOSITORY did not finish within BACKUP_UPLOAD_TIMEOUT=${BACKUP_UPLOAD_TIMEOUT} s and was stopped (restic's last words: $(grep -v '^$' "$LOGS/restic-backup.err" | tail -n 1 | cut -c 1-300)). No snapshot was written, so nothing counts as a backup; check the network and the bucket. The next run reuses what was sent"
fi
summary=$(grep '"message_type":"summary"' "$LOGS/restic-backup.json" | tail -n 1 || true)
snapshot_id=$(json_field "$summary" snapshot_id)
if [ "$rc" -eq 3 ]; then
    [ -z "$snapshot_id" ] || restic_ forget "$snapshot_id" >/dev/null 2>&1 || true
    fail 1 "restic could not read every dump (exit 3): the incomplete snapshot ${snapshot_id:-?} was forgotten; see $LOGS/restic-backup.err"
fi
if [ "$rc" -ne 0 ]; then
    fail 1 "the upload to $RESTIC_REPOSITORY failed (restic exit $rc): $(grep -v '^$' "$LOGS/restic-backup.err" | grep -iv 'retrying after' | tail -n 2 | tr '\n' ' ')— no snapshot was written (restic writes it last), so nothing counts as a backup; the next run uploads again (data already sent is reused)"
fi
case $snapshot_id in
    '' | *[!0-9a-f]*) fail 1 "restic exited 0 without a snapshot id in its summary: not recorded as a backup; see $LOGS/restic-backup.json" ;;
esac
bytes_added=$(json_field "$summary" data_added)
snapshot_bytes=$(json_field "$summary" total_bytes_processed)
files=$(json_field "$summary" total_files_processed)
say "snapshot $snapshot_id: $(json_num_or_null "$bytes_added") bytes added of $snapshot_bytes, in $(seconds_between "$upload_began" "$(now_ms)") s"

# Read it back: the repository lists the snapshot with every dump at its size.
step="checking the snapshot"
listing=$(restic_ ls --json "$snapshot_id" 2>&1) || fail 1 "the snapshot $snapshot_id cannot be listed back from the repository: $(printf '%s' "$listing" | tail -n 2 | tr '\n' ' ')"
# The summary has the short id; the listing's first line is the snapshot with its full id.
full_id=$(printf '%s\n' "$listing" | grep '"struct_type":"snapshot"' | head -n 1 | sed -n 's/.*"id":"\([0-9a-f]*\)".*/\1/p')
case $full_id in "$snapshot_id"*) snapshot_id=$full_id ;; *) fail 1 "the repository lists snapshot ${full_id:-none} for $snapshot_id: not recorded as a backup" ;; esac
for db in $NEO4J_DATABASES; do
    size=$(printf '%s\n' "$listing" | grep "\"path\":\"$DUMPS/$db.dump\"" | sed -n 's/.*"size":\([0-9]*\).*/\1/p' | head -n 1)
    [ "$size" = "$(wc -c <"$DUMPS/$db.dump" | tr -d ' ')" ] ||
        fail 1 "the snapshot $snapshot_id does not hold $db.dump at its size (${size:-missing}): not recorded as a backup"
done

# ---- retention -----------------------------------------------------------------------------------
step="applying retention"
retention_applied=true retention_message="kept per policy"
if ! out=$(restic_ forget --host "$BACKUP_HOST" --tag "$BACKUP_TAG" --group-by host ${keep_within:+--keep-within "$keep_within"} \
    --keep-daily "$BACKUP_KEEP_DAILY" --keep-weekly "$BACKUP_KEEP_WEEKLY" --keep-monthly "$BACKUP_KEEP_MONTHLY" --prune 2>&1); then
    retention_applied=false
    retention_message="restic forget --prune failed: $(printf '%s' "$out" | tail -n 2 | tr '\n' ' ')"
    echo "$TAG: $retention_message" >&2
else
    removed=$(printf '%s\n' "$out" | sed -n 's/^remove \([0-9][0-9]*\) snapshots.*/\1/p' | awk '{ s += $1 } END { print s + 0 }')
    retention_message="forgot $removed snapshot(s) outside ${keep_within:+all within $keep_within, }daily $BACKUP_KEEP_DAILY, weekly $BACKUP_KEEP_WEEKLY, monthly $BACKUP_KEEP_MONTHLY"
    say "retention: $retention_message"
fi
stats=$(restic_ stats --json --mode raw-data 2>/dev/null | tail -n 1 || true)
repository_bytes=$(json_field "$stats" total_size)
snapshot_count=$(json_field "$stats" snapshots_count)

# ---- record --------------------------------------------------------------------------------------
step="recording the result"
finished=$(now_iso)
epoch=$(now_epoch)
tags_json="[\"$BACKUP_TAG\",\"reason:$BACKUP_REASON\"]"
retention_json="{\"keepWithin\":$(if [ -n "$keep_within" ]; then json_str "$keep_within"; else echo null; fi),\"keepDaily\":$BACKUP_KEEP_DAILY,\"keepWeekly\":$BACKUP_KEEP_WEEKLY,\"keepMonthly\":$BACKUP_KEEP_MONTHLY,\"applied\":$retention_applied,\"message\":$(json_str "$retention_message")}"
duration=$(awk -v a="$(date -u '+%s')" -v s="$stop_began_ms" 'BEGIN { printf "%d", a - s / 1000 }')
write_status "$BACKUP_STATUS_DIR" last-success.json "{\"result\":\"success\",\"finishedAt\":\"$finished\",\"finishedEpoch\":$epoch,\"startedAt\":\"$started_at\",\"durationSeconds\":$duration,\"snapshotId\":\"$snapshot_id\",\"snapshotShortId\":\"$(printf '%s' "$snapshot_id" | cut -c 1-8)\",\"host\":\"$BACKUP_HOST\",\"tags\":$tags_json,\"repository\":$(json_str "$RESTIC_REPOSITORY"),\"databases\":[$dbs_json],\"bytesAdded\":$(json_num_or_null "$bytes_added"),\"snapshotBytes\":$(json_num_or_null "$snapshot_bytes"),\"files\":$(json_num_or_null "$files"),\"outageSeconds\":$(json_num_or_null "$outage"),\"counts\":$counts_json,\"retention\":$retention_json,\"repositoryBytes\":$(json_num_or_null "$repository_bytes"),\"snapshotCount\":$(json_num_or_null "$snapshot_count")}" ||
    fail 1 "the snapshot $snapshot_id is good but $BACKUP_STATUS_DIR/last-success.json could not be written"

final=0 message="backup $snapshot_id done"
if [ "$retention_applied" = false ]; then final=4 message="backup $snapshot_id done, but retention failed: $retention_message"; fi
if [ "$neo4j_start_wait_failed" = 1 ]; then final=5 message="backup $snapshot_id done, but $NEO4J_CONTAINER did not answer within ${NEO4J_START_WAIT} s after it was started again: look at docker logs $NEO4J_CONTAINER"; fi
running=false
if running_now; then running=true; fi
write_status "$BACKUP_STATUS_DIR" last-run.json "{\"result\":\"success\",\"exitCode\":$final,\"startedAt\":\"$started_at\",\"finishedAt\":\"$finished\",\"finishedEpoch\":$epoch,\"message\":$(json_str "$message"),\"snapshotId\":\"$snapshot_id\",\"outageSeconds\":$(json_num_or_null "$outage"),\"neo4jRunning\":$running}" || true
if [ "$final" -eq 0 ]; then say "$message"; else echo "$TAG: $message" >&2; fi
exit "$final"
