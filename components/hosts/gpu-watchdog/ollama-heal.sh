#!/bin/sh
# Heals the Ollama container when Docker reports it unhealthy. The droplet's
# rag-stack-ollama-heal.timer runs this every minute (rag-stack-ollama-heal.service).
#
# Why: the container's health check runs `nvidia-smi -L` (components/ollama/health-check.ts), so
# "unhealthy" mostly means the container lost its GPU ("Failed to initialize NVML: Unknown
# Error") and Ollama went on answering on the CPU. Docker never restarts an unhealthy container by
# itself; restarting it gives the GPU back (a new runc container, set up again by the NVIDIA hook:
# https://docs.nvidia.com/datacenter/cloud-native/container-toolkit/latest/troubleshooting.html,
# "Containers losing access to GPUs").
#
# Safety: only the container named OLLAMA_CONTAINER is ever touched, and only when it carries the
# label OLLAMA_LABEL; it is restarted by the id just inspected. After HEAL_MAX heals within
# HEAL_WINDOW_SECONDS it stops: restarts are not bringing the GPU back, a person must look. It says
# so in the journal (priority err) and leaves HEAL_STATE_DIR/gave-up, which `npm run verify`
# reports; while that file exists nothing is restarted. Remove it to resume healing.
#
# Every message goes to the journal with `logger -t HEAL_LOG_TAG` (journalctl -t
# rag-stack-ollama-heal) and to stdout.
#
# Environment:
#   OLLAMA_CONTAINER     exact name of the Ollama container (required)
#   HEAL_STATE_DIR       state directory (required): `heals` holds one line per heal
#                        (`<epoch seconds> <UTC time> <last health check output>`), `gave-up` the
#                        message of the give-up, when it happened
#   OLLAMA_LABEL         key=value label the container must carry (default rag-stack.role=ollama)
#   HEAL_MAX             heals allowed within the window before giving up (default 3)
#   HEAL_WINDOW_SECONDS  that window (default 3600)
#   HEAL_RESTART_TIMEOUT seconds Docker gives Ollama to stop before killing it (default 30)
#   HEAL_LOG_TAG         journal identifier (default rag-stack-ollama-heal)
#   DOCKER_HOST          as for the docker CLI (unset on the droplet: the local engine)
# Exit codes: 0 nothing to do, healed, or gave up (the journal says which); 1 docker failed, or the
# container does not carry the label; 2 bad environment.
set -eu

TAG=${HEAL_LOG_TAG:-rag-stack-ollama-heal}
OLLAMA_LABEL=${OLLAMA_LABEL:-rag-stack.role=ollama}
HEAL_MAX=${HEAL_MAX:-3}
HEAL_WINDOW_SECONDS=${HEAL_WINDOW_SECONDS:-3600}
HEAL_RESTART_TIMEOUT=${HEAL_RESTART_TIMEOUT:-30}

bad_env() { echo "$TAG: $*" >&2; exit 2; }
[ -n "${OLLAMA_CONTAINER:-}" ] || bad_env "OLLAMA_CONTAINER must name the Ollama container"
[ -n "${HEAL_STATE_DIR:-}" ] || bad_env "HEAL_STATE_DIR must name the state directory"
for n in "$HEAL_MAX" "$HEAL_WINDOW_SECONDS" "$HEAL_RESTART_TIMEOUT"; do
    case $n in '' | *[!0-9]*) bad_env "HEAL_MAX, HEAL_WINDOW_SECONDS and HEAL_RESTART_TIMEOUT must be whole numbers (got '$n')" ;; esac
done
[ "$HEAL_MAX" -ge 1 ] || bad_env "HEAL_MAX must be at least 1"
label_key=${OLLAMA_LABEL%%=*}
label_value=${OLLAMA_LABEL#*=}
case $label_key in '' | *[!A-Za-z0-9._-]*) bad_env "OLLAMA_LABEL must be key=value with a key of letters, digits and . _ - (got '$OLLAMA_LABEL')" ;; esac

# say <priority> <message>: one line to the journal (tagged) and to stdout.
say() {
    priority=$1
    shift
    echo "$TAG: $*"
    logger -t "$TAG" -p "user.$priority" -- "$*" 2>/dev/null || true
}

mkdir -p "$HEAL_STATE_DIR"
heals="$HEAL_STATE_DIR/heals"
marker="$HEAL_STATE_DIR/gave-up"

if [ -e "$marker" ]; then
    # Said once, when it happened; the timer runs every minute and must not flood the journal.
    echo "$TAG: not healing: gave up earlier ($marker): $(head -n 1 "$marker")"
    exit 0
fi

if ! facts=$(docker inspect --type container \
    --format "{{.Id}}|{{index .Config.Labels \"$label_key\"}}|{{if .State.Health}}{{.State.Health.Status}}{{ else }}none{{ end }}" \
    "$OLLAMA_CONTAINER" 2>&1); then
    case $facts in
        *"No such"* | *"no such"*)
            echo "$TAG: no container named $OLLAMA_CONTAINER: nothing to heal"
            exit 0
            ;;
    esac
    say err "docker inspect $OLLAMA_CONTAINER failed: $facts"
    exit 1
fi
IFS='|' read -r id label status <<EOF_FACTS
$facts
EOF_FACTS

if [ "$label" != "$label_value" ]; then
    say err "refusing to touch $OLLAMA_CONTAINER: it does not carry the label $OLLAMA_LABEL (found '$label'); it is not the Ollama container this timer watches"
    exit 1
fi
if [ "$status" != "unhealthy" ]; then
    echo "$TAG: $OLLAMA_CONTAINER is $status: nothing to do"
    exit 0
fi

# The last health check's output, on one line: the reason for the heal.
reason=$(docker inspect --type container \
    --format '{{range .State.Health.Log}}{{json .Output}}{{"\n"}}{{ end }}' "$id" 2>/dev/null \
    | sed '/^$/d' | tail -n 1 | sed 's/^"//; s/"$//; s/\\n/ | /g; s/ | $//' | cut -c 1-300) || reason=""
[ -n "$reason" ] || reason="no output"

# Epoch seconds and the same moment in UTC, from one call.
stamp=$(date -u '+%s %Y-%m-%dT%H:%M:%SZ')
now=${stamp%% *}
at=${stamp#* }
since=$((now - HEAL_WINDOW_SECONDS))
recent=0
if [ -f "$heals" ]; then
    recent=$(awk -v since="$since" '$1 >= since { n++ } END { print n + 0 }' "$heals")
fi

if [ "$recent" -ge "$HEAL_MAX" ]; then
    message="gave up at $at: $OLLAMA_CONTAINER is unhealthy again after $recent heal(s) within ${HEAL_WINDOW_SECONDS}s (last check: $reason). Restarting does not bring the GPU back: check the host (nvidia-smi; docker info | grep -i cgroup; journalctl -t $TAG). It is left alone until $marker is removed."
    printf '%s\n' "$message" >"$marker"
    say err "$message"
    exit 0
fi

say warning "$OLLAMA_CONTAINER is unhealthy (last check: $reason); restarting it (heal $((recent + 1)) of at most $HEAL_MAX within ${HEAL_WINDOW_SECONDS}s)"
if ! out=$(docker restart --time "$HEAL_RESTART_TIMEOUT" "$id" 2>&1); then
    say err "restarting $OLLAMA_CONTAINER failed: $out"
    exit 1
fi
printf '%s %s %s\n' "$now" "$at" "$reason" >>"$heals"
# Keep the file small: the last 100 heals are plenty for the window and for verify.
tail -n 100 "$heals" >"$heals.tmp" && mv "$heals.tmp" "$heals"
say notice "restarted $OLLAMA_CONTAINER; its health check decides within a minute whether the GPU is back"
