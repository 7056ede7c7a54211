#!/bin/sh
# Checks the Docker host before the app's containers are created, so a first `up` next to an old
# docker compose stack fails with names instead of "port is already allocated" half-way through:
# - every host port the stack publishes must not be published by another container (the stack's
#   own containers, by name, are fine: they are replaced in place);
# - an adopted Neo4j volume (services.neo4j.volumeName) must exist: Docker would otherwise create
#   an empty one silently and Neo4j would start a new, empty graph.
#
# Environment:
#   DOCKER_HOST           Docker engine URL; unset on the engine's own host
#   RAG_HOST_PORTS        host ports the stack publishes, space-separated
#   RAG_OWN_CONTAINERS    the stack's container names, space-separated
#   RAG_NEO4J_VOLUME      name of the existing volume to adopt for Neo4j's /data, optional
# Exit codes: 0 all clear; 2 bad environment; 8 a port is taken or the volume is missing (names given).
set -eu

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
[ "$problems" -eq 0 ] || exit 8
echo "precheck: host ports ${RAG_HOST_PORTS} free of other containers"
