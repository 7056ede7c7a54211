#!/bin/sh
# Checks the Docker host before the app's containers are created, so a first `up` next to an old
# docker compose stack fails with names instead of "port is already allocated" half-way through:
# - every host port the stack publishes must not be published by another container (the stack's
#   own containers, by name, are fine: they are replaced in place);
# - an adopted Neo4j volume (services.neo4j.volumeName) must exist: Docker would otherwise create
#   an empty one silently and Neo4j would start a new, empty graph;
# - the stack's own Neo4j data volume (RAG_NEO4J_DATA_VOLUME, a fixed name) must not start a new,
#   empty graph while an earlier deployment's graph sits in a volume nobody mounts. Before volumes had
#   fixed names, the stack's was auto-named <RAG_NEO4J_LEGACY_PREFIX><7 hex> (Pulumi's autonaming of
#   the Docker provider's `name`); `destroy` keeps volumes, so such a volume, unused, is the graph of
#   a destroyed deployment. A stack still running on its auto-named volume keeps it (the program
#   ignores the name change there): the running Neo4j container shows which one it mounts.
#
# Environment:
#   DOCKER_HOST           Docker engine URL; unset on the engine's own host
#   RAG_HOST_PORTS        host ports the stack publishes, space-separated
#   RAG_OWN_CONTAINERS    the stack's container names, space-separated
#   RAG_NEO4J_VOLUME      name of the existing volume to adopt for Neo4j's /data, optional
#   RAG_NEO4J_DATA_VOLUME the volume the stack creates for Neo4j's /data, optional (not with RAG_NEO4J_VOLUME)
#   RAG_NEO4J_CONTAINER   the stack's Neo4j container (with RAG_NEO4J_DATA_VOLUME)
#   RAG_NEO4J_LEGACY_PREFIX  prefix of the auto-named volumes of earlier deployments (with RAG_NEO4J_DATA_VOLUME)
# Exit codes: 0 all clear; 2 bad environment; 8 a port is taken, the adopted volume is missing, or a
#   new Neo4j volume would hide an earlier graph (names given).
set -eu

# Docker Desktop's CLI may be only in /usr/local/bin or ~/.docker/bin (or its app bundle), which a
# session started from the Dock, an IDE or a launcher lacks (docker/for-mac#6793): searched last.
PATH="${PATH:-/usr/bin:/bin}:${HOME:-/nonexistent}/.docker/bin:/usr/local/bin:/Applications/Docker.app/Contents/Resources/bin"
export PATH
command -v docker >/dev/null 2>&1 || {
    echo "precheck: docker is not on PATH ($PATH); install Docker Desktop (macOS) or Docker Engine, or put its bin directory on PATH" >&2
    exit 2
}

: "${RAG_HOST_PORTS?RAG_HOST_PORTS must list the host ports (may be empty)}"
: "${RAG_OWN_CONTAINERS:?RAG_OWN_CONTAINERS must list the container names of the stack}"

problems=0
# One line per running container: name, then its published ports as docker ps prints them
# (0.0.0.0:8000->8000/tcp, :::8000->8000/tcp, 127.0.0.1:7687->7687/tcp, ...).
if ! listing=$(docker ps --format '{{.Names}}	{{.Ports}}' 2>&1); then
    echo "precheck: cannot list containers on the Docker engine (${DOCKER_HOST:-default}): ${listing}" >&2
    exit 8
fi
for port in $RAG_HOST_PORTS; do
    holders=$(printf '%s\n' "$listing" | awk -F '\t' -v port="$port" -v own=" $RAG_OWN_CONTAINERS " '
        index(own, " " $1 " ") == 0 {
            n = split($2, published, ", ")
            for (i = 1; i <= n; i++) {
                if (published[i] ~ (":" port "->")) { print $1; break }
            }
        }' | sort -u | tr '\n' ' ')
    if [ -n "$holders" ]; then
        echo "precheck: host port ${port} is already published by container ${holders% }" >&2
        problems=$((problems + 1))
    fi
done
if [ "$problems" -gt 0 ]; then
    echo "precheck: stop those containers first, keeping their volumes. For the old compose stack: docker compose -f docker/docker-compose.dev.yml down (never -v: that deletes the Neo4j volume). Then pulumi up again" >&2
fi

if [ -n "${RAG_NEO4J_VOLUME:-}" ]; then
    if docker volume inspect "$RAG_NEO4J_VOLUME" >/dev/null 2>&1; then
        echo "precheck: adopting the existing volume ${RAG_NEO4J_VOLUME} for Neo4j's data (the stack never deletes it)"
    else
        echo "precheck: rag-stack:services.neo4j.volumeName is ${RAG_NEO4J_VOLUME}, but there is no such volume; Docker would create an empty one and Neo4j a new, empty graph. List them: docker volume ls (a compose stack names them <project>_<volume>, e.g. docker_neo4j_data)" >&2
        problems=$((problems + 1))
    fi
fi
if [ -n "${RAG_NEO4J_DATA_VOLUME:-}" ]; then
    : "${RAG_NEO4J_CONTAINER:?RAG_NEO4J_CONTAINER must name the Neo4j container of the stack}"
    : "${RAG_NEO4J_LEGACY_PREFIX:?RAG_NEO4J_LEGACY_PREFIX must be the prefix of the auto-named volumes}"
    # The volume the stack's Neo4j container mounts at /data now, when it exists.
    mounted=$(docker inspect --type container --format '{{range .Mounts}}{{if eq .Destination "/data"}}{{.Name}}{{end}}{{end}}' "$RAG_NEO4J_CONTAINER" 2>/dev/null || true)
    if [ -n "$mounted" ]; then
        case "$mounted" in
            "$RAG_NEO4J_DATA_VOLUME")
                echo "precheck: Neo4j's graph is in ${mounted}" ;;
            "$RAG_NEO4J_LEGACY_PREFIX"???????)
                echo "precheck: Neo4j keeps its graph in ${mounted}, named before the stack's volume had a fixed name; the stack keeps using it. Before a pulumi destroy, note it: the next up after a destroy asks for it (rag-stack:services.neo4j.volumeName: ${mounted})" ;;
            *)
                echo "precheck: ${RAG_NEO4J_CONTAINER} keeps its graph in the volume ${mounted}, but this up would mount ${RAG_NEO4J_DATA_VOLUME}, a new, empty graph. To keep the graph: pulumi config set --path 'services.neo4j.volumeName' ${mounted}, then pulumi up again" >&2
                problems=$((problems + 1)) ;;
        esac
    elif docker volume inspect "$RAG_NEO4J_DATA_VOLUME" >/dev/null 2>&1; then
        echo "precheck: Neo4j's graph is in the existing volume ${RAG_NEO4J_DATA_VOLUME} (kept by the last destroy)"
    elif ! listing=$(docker volume ls --quiet 2>&1); then
        echo "precheck: cannot list volumes on the Docker engine (${DOCKER_HOST:-default}): ${listing}" >&2
        problems=$((problems + 1))
    else
        # Auto-named volumes of earlier deployments that no container mounts (docker ps -a: a stopped
        # container still holds its volume).
        orphans=""
        for volume in $listing; do
            case "$volume" in
                "$RAG_NEO4J_LEGACY_PREFIX"???????) ;;
                *) continue ;;
            esac
            case "${volume#"$RAG_NEO4J_LEGACY_PREFIX"}" in *[!0-9a-f]*) continue ;; esac
            [ -z "$(docker ps -a --quiet --filter "volume=${volume}" 2>/dev/null)" ] || continue
            created=$(docker volume inspect --format '{{.CreatedAt}}' "$volume" 2>/dev/null || echo "unknown")
            orphans="${orphans:+${orphans}, }${volume} (created ${created})"
        done
        if [ -n "$orphans" ]; then
            echo "precheck: no volume ${RAG_NEO4J_DATA_VOLUME} yet, but ${orphans} look like the Neo4j graph of an earlier deployment (a rag-stack volume from before volumes had fixed names, kept by destroy, mounted by no container). Starting now would give Neo4j a new, empty graph. To keep that graph: pulumi config set --path 'services.neo4j.volumeName' <that volume>, then pulumi up again. To start a new, empty graph and keep those volumes as they are: docker volume create ${RAG_NEO4J_DATA_VOLUME}, then pulumi up again" >&2
            problems=$((problems + 1))
        else
            echo "precheck: Neo4j starts a new graph in ${RAG_NEO4J_DATA_VOLUME}"
        fi
    fi
fi
[ "$problems" -eq 0 ] || exit 8
echo "precheck: host ports ${RAG_HOST_PORTS} free of other containers"
