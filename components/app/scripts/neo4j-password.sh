#!/bin/sh
# Carries a changed Neo4j password into the database. NEO4J_AUTH only initialises a new database,
# so a new rag-stack:neo4jPassword would otherwise reach the backend but not Neo4j. This runs
# before the Neo4j container is replaced: the running container's NEO4J_AUTH is the password the
# database has (the stack changes both together), so the old password never leaves the host.
# It asks Neo4j, as the configured user, to change its own password:
#   ALTER CURRENT USER SET PASSWORD FROM <old> TO <new>   (on the system database, via cypher-shell)
# Passwords go through environment variables and stdin, never on a command line.
#
# Environment:
#   DOCKER_HOST         Docker engine URL; unset on the engine's own host
#   NEO4J_CONTAINER     name of the Neo4j container (it may not exist yet: then nothing to do)
#   NEO4J_USER          the database user (neo4j)
#   NEO4J_NEW_PASSWORD  the configured password
#   RAG_NEO4J_WAIT_SECONDS  how long to wait for Neo4j to answer (default 60)
# Exit codes: 0 nothing to do, or changed; 2 bad environment; 7 Neo4j refuses both passwords or
#   the change failed (the manual procedure is printed).
set -eu

# Docker Desktop's CLI may be only in /usr/local/bin or ~/.docker/bin (or its app bundle), which a
# session started from the Dock, an IDE or a launcher lacks (docker/for-mac#6793): searched last.
PATH="${PATH:-/usr/bin:/bin}:${HOME:-/nonexistent}/.docker/bin:/usr/local/bin:/Applications/Docker.app/Contents/Resources/bin"
export PATH
command -v docker >/dev/null 2>&1 || {
    echo "neo4j: docker is not on PATH ($PATH); install Docker Desktop (macOS) or Docker Engine, or put its bin directory on PATH" >&2
    exit 2
}

: "${NEO4J_CONTAINER:?NEO4J_CONTAINER must name the Neo4j container}"
: "${NEO4J_USER:?NEO4J_USER must name the database user}"
: "${NEO4J_NEW_PASSWORD:?NEO4J_NEW_PASSWORD must be the configured password}"
wait_seconds=${RAG_NEO4J_WAIT_SECONDS:-60}

procedure="Change it by hand, then run pulumi up again: docker exec -it ${NEO4J_CONTAINER} cypher-shell -u ${NEO4J_USER} -d system, then ALTER CURRENT USER SET PASSWORD FROM '<current>' TO '<the value of rag-stack:neo4jPassword>'; or set rag-stack:neo4jPassword back to the database's current password (pulumi config set --secret neo4jPassword ...)"

if ! docker inspect --type container "$NEO4J_CONTAINER" >/dev/null 2>&1; then
    echo "neo4j: no container ${NEO4J_CONTAINER} yet: a new database takes the password from NEO4J_AUTH" >&2
    exit 0
fi
# The running container's NEO4J_AUTH is user/password; the password is what follows the first /.
old=$(docker inspect --type container --format '{{range .Config.Env}}{{println .}}{{end}}' "$NEO4J_CONTAINER" |
    sed -n 's|^NEO4J_AUTH=[^/]*/||p' | head -n 1)

# try PASSWORD STATEMENT: runs the statement on the system database as NEO4J_USER; prints its output.
try() {
    printf '%s\n' "$2" | NEO4J_USERNAME="$NEO4J_USER" NEO4J_PASSWORD="$1" \
        docker exec -i -e NEO4J_USERNAME -e NEO4J_PASSWORD "$NEO4J_CONTAINER" cypher-shell -d system --format plain 2>&1
}

# Bounded wait until Neo4j answers at all (with either password): a restart may be in progress.
deadline=$(( $(date +%s) + wait_seconds ))
while :; do
    if out=$(try "$NEO4J_NEW_PASSWORD" "RETURN 1;"); then
        echo "neo4j: the database already has the configured password" >&2
        exit 0
    fi
    case "$out" in
        *nauthorized* | *uthentication* | *redentials*) break ;;
    esac
    if [ "$(date +%s)" -ge "$deadline" ]; then
        echo "neo4j: ${NEO4J_CONTAINER} did not answer within ${wait_seconds}s: ${out}. Is it running? docker ps -a --filter name=${NEO4J_CONTAINER}; start it (docker start ${NEO4J_CONTAINER}) and run pulumi up again" >&2
        exit 7
    fi
    sleep 2
done

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
