#!/bin/sh
# The Neo4j password, in two steps around the Neo4j container. NEO4J_AUTH sets a password only on
# an empty store: the image's entrypoint runs `neo4j-admin dbms set-initial-password`, which "will
# only take effect if performed before the database is started for the first time"
# (neo4j/docker-neo4j docker-image-src/5/coredb/docker-entrypoint.sh, set_initial_password; Neo4j's
# SetInitialPasswordCommand). So a new rag-stack:neo4jPassword would reach the backend, not Neo4j.
#
#   sync (the default), before the container is created or replaced: the running container's
#     NEO4J_AUTH is the password the database has (the stack changes both together), so the old
#     password never leaves the host; it asks Neo4j, as the configured user, to change its own:
#       ALTER CURRENT USER SET PASSWORD FROM <old> TO <new>   (system database, via cypher-shell)
#     With no container (a new droplet, a destroyed dev stack, an adopted volume) there is no old
#     password to change from: it says whether the volume holds a database already (Neo4j 5 keeps
#     its users in /data/databases/system; 3.x and 4.0 stores in /data/dbms/auth), which then keeps
#     the password it has, and leaves the verdict to `check`.
#   check, once the container is healthy (its health check needs no password): the database
#     accepts the configured password, or `up` stops here, before the backend, with the way out.
# Passwords go through environment variables and stdin, never on a command line, never printed.
#
# Arguments: sync | check (default sync).
# Environment:
#   DOCKER_HOST         Docker engine URL; unset on the engine's own host
#   NEO4J_CONTAINER     name of the Neo4j container
#   NEO4J_USER          the database user (neo4j)
#   NEO4J_NEW_PASSWORD  the configured password
#   NEO4J_VOLUME        (sync) the Docker volume mounted at the container's /data
#   NEO4J_IMAGE         (sync) the Neo4j image; its sh looks into that volume (read-only, no network)
#   RAG_NEO4J_WAIT_SECONDS  how long to wait for Neo4j to answer (default 60)
# Exit codes: 0 nothing to do, changed, or accepted; 2 bad arguments or environment; 7 Neo4j
#   refuses the password (check), refuses both (sync), did not answer, or the change failed (the
#   way out is printed).
set -eu

# Docker Desktop's CLI may be only in /usr/local/bin or ~/.docker/bin (or its app bundle), which a
# session started from the Dock, an IDE or a launcher lacks (docker/for-mac#6793): searched last.
PATH="${PATH:-/usr/bin:/bin}:${HOME:-/nonexistent}/.docker/bin:/usr/local/bin:/Applications/Docker.app/Contents/Resources/bin"
export PATH
command -v docker >/dev/null 2>&1 || {
    echo "neo4j: docker is not on PATH ($PATH); install Docker Desktop (macOS) or Docker Engine, or put its bin directory on PATH" >&2
    exit 2
}

mode=${1:-sync}
case "$mode" in
    sync | check) ;;
    *)
        echo "neo4j-password.sh: unknown step '$mode'; use sync or check" >&2
        exit 2
        ;;
esac

: "${NEO4J_CONTAINER:?NEO4J_CONTAINER must name the Neo4j container}"
: "${NEO4J_USER:?NEO4J_USER must name the database user}"
: "${NEO4J_NEW_PASSWORD:?NEO4J_NEW_PASSWORD must be the configured password}"
wait_seconds=${RAG_NEO4J_WAIT_SECONDS:-60}

cli="docker exec -it ${NEO4J_CONTAINER} cypher-shell -u ${NEO4J_USER} -d system (on the Docker host, or with DOCKER_HOST set to the stack's dockerHost output)"
procedure="Change it by hand, then run pulumi up again: ${cli}, then ALTER CURRENT USER SET PASSWORD FROM '<current>' TO '<the value of rag-stack:neo4jPassword>'; or set rag-stack:neo4jPassword back to the database's current password (pulumi config set --secret neo4jPassword ...)"

# try PASSWORD STATEMENT: runs the statement on the system database as NEO4J_USER; prints its output.
try() {
    printf '%s\n' "$2" | NEO4J_USERNAME="$NEO4J_USER" NEO4J_PASSWORD="$1" \
        docker exec -i -e NEO4J_USERNAME -e NEO4J_PASSWORD "$NEO4J_CONTAINER" cypher-shell -d system --format plain 2>&1
}

# Bounded wait until Neo4j answers at all (with the configured password): a start or restart may be
# in progress. Exit 0 when it accepts that password; back to the caller, with $out, when it refuses it.
wait_for_answer() {
    deadline=$(( $(date +%s) + wait_seconds ))
    while :; do
        if out=$(try "$NEO4J_NEW_PASSWORD" "RETURN 1;"); then
            echo "neo4j: the database accepts the configured password of ${NEO4J_USER}" >&2
            exit 0
        fi
        case "$out" in
            *nauthorized* | *uthentication* | *redentials*) return 0 ;;
        esac
        if [ "$(date +%s)" -ge "$deadline" ]; then
            echo "neo4j: ${NEO4J_CONTAINER} did not answer within ${wait_seconds}s: ${out}. Is it running? docker ps -a --filter name=${NEO4J_CONTAINER}; start it (docker start ${NEO4J_CONTAINER}) and run pulumi up again" >&2
            exit 7
        fi
        sleep 2
    done
}

# Does NEO4J_VOLUME hold a database already? Prints yes, no, or unknown (and why).
existing_store() {
    if [ -z "${NEO4J_VOLUME:-}" ] || [ -z "${NEO4J_IMAGE:-}" ]; then
        echo "unknown (NEO4J_VOLUME or NEO4J_IMAGE not given)"
        return 0
    fi
    # docker run exits with the command's status (1: no store), or 125-127 when it cannot run it.
    # Read-only and nocopy: an empty volume is left exactly as Neo4j's own first start will find it.
    if look=$(docker run --rm --network none --entrypoint sh -v "${NEO4J_VOLUME}:/data:ro,nocopy" "$NEO4J_IMAGE" \
        -c 'test -d /data/databases/system || test -f /data/dbms/auth' 2>&1); then
        echo yes
    elif [ $? -eq 1 ]; then
        echo no
    else
        echo "unknown (docker run in volume ${NEO4J_VOLUME} failed: ${look})"
    fi
}

if [ "$mode" = check ]; then
    wait_for_answer
    echo "neo4j: the database in ${NEO4J_CONTAINER} refuses the configured password of ${NEO4J_USER}: ${out}. Its store is not new" \
        "(an adopted volume, or a store whose password changed while it had no container: on a new droplet, after a destroy)," \
        "and NEO4J_AUTH sets a password only on an empty store, so it keeps the password it has; the backend was not started with one it refuses." \
        "Either set rag-stack:neo4jPassword to the database's password (pulumi config set --secret neo4jPassword ...) and run pulumi up," \
        "then change it with the stack (with Neo4j running, up carries a change into the database); or change it in the database:" \
        "${cli}, ALTER CURRENT USER SET PASSWORD FROM '<its password>' TO '<the value of rag-stack:neo4jPassword>', and run pulumi up again" >&2
    exit 7
fi

if ! docker inspect --type container "$NEO4J_CONTAINER" >/dev/null 2>&1; then
    store=$(existing_store)
    case "$store" in
        yes) echo "neo4j: no container ${NEO4J_CONTAINER} yet, but volume ${NEO4J_VOLUME} holds a database: NEO4J_AUTH does not change its password" \
            "(it applies only to a new store), so it keeps the one it has; once Neo4j runs, up checks that it is the configured one" >&2 ;;
        no) echo "neo4j: no container ${NEO4J_CONTAINER} yet and volume ${NEO4J_VOLUME} holds no database: the new one takes the password from NEO4J_AUTH" >&2 ;;
        *) echo "neo4j: no container ${NEO4J_CONTAINER} yet; whether its volume holds a database is ${store}; once Neo4j runs, up checks the password" >&2 ;;
    esac
    exit 0
fi
# The running container's NEO4J_AUTH is user/password; the password is what follows the first /.
old=$(docker inspect --type container --format '{{range .Config.Env}}{{println .}}{{end}}' "$NEO4J_CONTAINER" |
    sed -n 's|^NEO4J_AUTH=[^/]*/||p' | head -n 1)

wait_for_answer

if [ -z "$old" ] || [ "$old" = "$NEO4J_NEW_PASSWORD" ]; then
    echo "neo4j: the database refuses the configured password, and ${NEO4J_CONTAINER} holds no other one (an adopted volume keeps the password it was created with). ${procedure}" >&2
    exit 7
fi
# Cypher string literals: backslash and single quote escaped.
quote() {
    printf "'%s'" "$(printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e "s/'/\\\\'/g")"
}
echo "neo4j: changing the password of ${NEO4J_USER} in the database" >&2
if ! out=$(try "$old" "ALTER CURRENT USER SET PASSWORD FROM $(quote "$old") TO $(quote "$NEO4J_NEW_PASSWORD");"); then
    echo "neo4j: the change failed: ${out}. ${procedure}" >&2
    exit 7
fi
if ! out=$(try "$NEO4J_NEW_PASSWORD" "RETURN 1;"); then
    echo "neo4j: the change was accepted but the new password does not work: ${out}. ${procedure}" >&2
    exit 7
fi
echo "neo4j: password changed; the backend gets it next" >&2
