# shellcheck shell=sh disable=SC2034 # variables set here are used by the scripts that source this file
# Shared helpers of the native Ollama scripts (native-*.sh). Sourced, never run on its own.
#
# Conventions:
#   - one line per step on stdout, prefixed "ollama-native:";
#   - machine-readable results on stdout as "@ollama key=value" lines (the component reads them:
#     url, managed, pid, log, version, processor);
#   - errors on stderr as a sentence that says what to do next, with a distinct exit code:
#     2 bad environment or missing tool, 3 no address to bind, 4 port held by another program,
#     5 server not ready in time or exited, 6 model or GPU check failed.
#
# Never stops a process by name: only a PID this project started (pidfile) after checking that it
# is still an `ollama serve` started at the recorded time, or the project's own launchd label.

say() { printf 'ollama-native: %s\n' "$*"; }
warn() { printf 'ollama-native: %s\n' "$*" >&2; }
die() {
    die_code=$1
    shift
    printf 'ollama-native: error: %s\n' "$*" >&2
    exit "$die_code"
}
result() { printf '@ollama %s=%s\n' "$1" "$2"; }

need_tool() {
    command -v "$1" >/dev/null 2>&1 || die 2 "$1 is not installed; $2"
}

# PLATFORM: darwin (launchd LaunchAgent) or linux (detached process with a pidfile).
detect_platform() {
    os_name=$(uname -s 2>/dev/null || echo unknown)
    case "$os_name" in
        Darwin) PLATFORM=darwin ;;
        Linux) PLATFORM=linux ;;
        *) die 2 "native Ollama supports macOS and Linux, not ${os_name}; use rag-stack:ollama.mode: container" ;;
    esac
}

# From OLLAMA_HOST (host:port, [v6]:port; host may be "auto"): BIND_HOST and PORT.
parse_listen() {
    : "${OLLAMA_HOST:?OLLAMA_HOST must be <address>:<port> (address may be auto)}"
    PORT=${OLLAMA_HOST##*:}
    BIND_HOST=${OLLAMA_HOST%:*}
    BIND_HOST=${BIND_HOST#[}
    BIND_HOST=${BIND_HOST%]}
    case "$PORT" in
        '' | *[!0-9]*) die 2 "OLLAMA_HOST=${OLLAMA_HOST} has no port; expected <address>:<port>" ;;
    esac
}

# The address host-gateway resolves to on Docker Engine for Linux: the default bridge's gateway
# (docker0), unless the daemon sets --host-gateway-ip. Prints it, or nothing.
docker_bridge_gateway() {
    gateway=""
    if command -v docker >/dev/null 2>&1; then
        gateway=$(docker network inspect bridge --format '{{range .IPAM.Config}}{{.Gateway}} {{end}}' 2>/dev/null |
            awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$/) { print $i; exit } }')
    fi
    if [ -z "$gateway" ] && command -v ip >/dev/null 2>&1; then
        gateway=$(ip -4 -o addr show dev docker0 2>/dev/null | awk '{ split($4, a, "/"); print a[1]; exit }')
    fi
    printf '%s' "$gateway"
}

# BIND_HOST "auto" becomes the narrowest address the backend container can reach:
#   macOS: 127.0.0.1. Docker Desktop answers host.docker.internal from its own process on the Mac,
#     which connects to the host's loopback (docker.for.mac.localhost was the name's first form,
#     docker/docker.github.io#3220; vpnkit serves host.docker.internal, moby/vpnkit#482).
#   Linux: the Docker bridge gateway (e.g. 172.17.0.1). host-gateway maps to it (moby/moby#40007,
#     docs.docker.com/reference/cli/docker/container/run/#add-host), and a 127.0.0.1 listener is
#     NOT reachable that way (docker/for-linux#1365).
# CLIENT_HOST is the address this machine uses to talk to the server; URL its base URL.
resolve_bind() {
    if [ "$BIND_HOST" = auto ]; then
        if [ "$PLATFORM" = darwin ]; then
            BIND_HOST=127.0.0.1
            say "bind: auto -> 127.0.0.1 (Docker Desktop forwards host.docker.internal to the Mac's loopback)"
        else
            BIND_HOST=$(docker_bridge_gateway)
            [ -n "$BIND_HOST" ] || die 3 "bind: no Docker bridge gateway found (docker network inspect bridge, ip addr show docker0): start the Docker engine first, or set rag-stack:ollama.bindAddress to an address of this host that containers reach"
            say "bind: auto -> ${BIND_HOST} (the Docker bridge gateway, where host-gateway points)"
        fi
    fi
    case "$BIND_HOST" in
        0.0.0.0) CLIENT_HOST=127.0.0.1 ;;
        ::) CLIENT_HOST=::1 ;;
        *) CLIENT_HOST=$BIND_HOST ;;
    esac
    case "$BIND_HOST" in
        *:*) LISTEN="[${BIND_HOST}]:${PORT}" ;;
        *) LISTEN="${BIND_HOST}:${PORT}" ;;
    esac
    case "$CLIENT_HOST" in
        *:*) URL="http://[${CLIENT_HOST}]:${PORT}" ;;
        *) URL="http://${CLIENT_HOST}:${PORT}" ;;
    esac
}

# OLLAMA_BIN: RAG_OLLAMA_BINARY, or `ollama` on PATH followed by Homebrew's directories (launchd
# and GUI sessions often lack them).
find_binary() {
    if [ -n "${RAG_OLLAMA_BINARY:-}" ]; then
        [ -x "$RAG_OLLAMA_BINARY" ] || die 2 "rag-stack:ollama.binary ${RAG_OLLAMA_BINARY} is not an executable file; fix the path or remove the setting"
        OLLAMA_BIN=$RAG_OLLAMA_BINARY
        return 0
    fi
    OLLAMA_BIN=""
    search_path="${PATH:-}:/opt/homebrew/bin:/usr/local/bin"
    old_ifs=$IFS
    IFS=:
    for dir in $search_path; do
        if [ -n "$dir" ] && [ -x "$dir/ollama" ] && [ ! -d "$dir/ollama" ]; then
            OLLAMA_BIN="$dir/ollama"
            break
        fi
    done
    IFS=$old_ifs
    [ -n "$OLLAMA_BIN" ] || die 2 "ollama not found on ${search_path}; install it (macOS: brew install ollama; Linux: https://ollama.com/download/linux) or set rag-stack:ollama.binary to its path"
}

# probe URL: 0 an Ollama answered /api/version (VERSION set); 1 nothing listens (refused, or no
# connection within the timeout); 2 something else listens (connected, but no Ollama answer).
probe() {
    VERSION=""
    probe_status=0
    probe_out=$(curl -s --connect-timeout 1 --max-time 3 -w '\n%{time_connect}' "$1/api/version" 2>/dev/null) || probe_status=$?
    probe_connect=$(printf '%s\n' "$probe_out" | tail -n 1)
    probe_body=$(printf '%s\n' "$probe_out" | sed '$d')
    if [ "$probe_status" -eq 0 ]; then
        VERSION=$(printf '%s' "$probe_body" | sed -n 's/.*"version"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p')
        [ -n "$VERSION" ] && return 0
        return 2
    fi
    [ "$probe_status" -eq 7 ] && return 1
    case "$probe_connect" in '' | 0 | 0.000000 | 0,000000) return 1 ;; esac
    return 2
}

# Who listens on TCP port $1: "pid N: <command line>" lines, or nothing when it cannot be told.
port_holders() {
    holder_pids=""
    if command -v lsof >/dev/null 2>&1; then
        holder_pids=$(lsof -nP -iTCP:"$1" -sTCP:LISTEN -t 2>/dev/null | sort -u)
    fi
    if [ -z "$holder_pids" ] && command -v ss >/dev/null 2>&1; then
        holder_pids=$(ss -Hltnp "sport = :$1" 2>/dev/null | sed -n 's/.*pid=\([0-9][0-9]*\).*/\1/p' | sort -u)
    fi
    for holder_pid in $holder_pids; do
        printf 'pid %s: %s\n' "$holder_pid" "$(ps -p "$holder_pid" -o args= 2>/dev/null || echo '(command line not visible)')"
    done
}

# pid_is_our_server PID [STARTED_FILE]: true when PID is alive, its command line is `... ollama ... serve`,
# and (when the file exists) it started at the time recorded when we launched it.
pid_is_our_server() {
    case "$1" in '' | *[!0-9]*) return 1 ;; esac
    our_args=$(ps -p "$1" -o args= 2>/dev/null) || return 1
    case "$our_args" in *ollama*) ;; *) return 1 ;; esac
    case "$our_args" in *serve*) ;; *) return 1 ;; esac
    if [ -n "${2:-}" ] && [ -s "$2" ]; then
        [ "$(ps -p "$1" -o lstart= 2>/dev/null)" = "$(cat "$2")" ] || return 1
    fi
    return 0
}

# The last lines of a log, indented, for error messages.
log_tail() {
    if [ -s "$1" ]; then
        tail -n "${2:-20}" "$1" | sed 's/^/    | /'
    else
        echo "    | (log ${1} is empty)"
    fi
}

# Value of "@ollama KEY=..." in the previous run's stdout (PULUMI_COMMAND_STDOUT), or nothing.
previous() {
    printf '%s\n' "${PULUMI_COMMAND_STDOUT:-}" | sed -n "s/^@ollama $1=//p" | tail -n 1
}

# Linux state files, in the stack's state directory.
linux_paths() {
    : "${RAG_OLLAMA_STATE_DIR:?RAG_OLLAMA_STATE_DIR must name the state directory}"
    PIDFILE="$RAG_OLLAMA_STATE_DIR/ollama.pid"
    STARTED_FILE="$RAG_OLLAMA_STATE_DIR/ollama.started"
    LOG="$RAG_OLLAMA_STATE_DIR/ollama.log"
}

# macOS launchd paths: the agent's plist and its log directory.
darwin_paths() {
    : "${RAG_OLLAMA_LABEL:?RAG_OLLAMA_LABEL must name the launchd label}"
    : "${HOME:?HOME must be set}"
    LABEL=$RAG_OLLAMA_LABEL
    PLIST="$HOME/Library/LaunchAgents/$LABEL.plist"
    LOG_DIR="$HOME/Library/Logs/$LABEL"
    LOG="$LOG_DIR/ollama.log"
    DOMAIN="gui/$(id -u)"
}

xml_escape() {
    printf '%s' "$1" | sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g' -e 's/"/\&quot;/g'
}

# The LaunchAgent: `ollama serve` with the OLLAMA_* environment, started at login and kept alive.
render_plist() {
    cat <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
    <key>Label</key>
    <string>$(xml_escape "$LABEL")</string>
    <key>ProgramArguments</key>
    <array>
        <string>$(xml_escape "$OLLAMA_BIN")</string>
        <string>serve</string>
    </array>
    <key>EnvironmentVariables</key>
    <dict>
EOF
    for name in OLLAMA_HOST OLLAMA_ORIGINS OLLAMA_MODELS OLLAMA_KEEP_ALIVE OLLAMA_FLASH_ATTENTION \
        OLLAMA_KV_CACHE_TYPE OLLAMA_NUM_PARALLEL OLLAMA_CONTEXT_LENGTH; do
        eval "value=\${$name:-}"
        # shellcheck disable=SC2154 # value is set by the eval above
        if [ -n "$value" ]; then
            printf '        <key>%s</key>\n        <string>%s</string>\n' "$name" "$(xml_escape "$value")"
        fi
    done
    cat <<EOF
        <key>HOME</key>
        <string>$(xml_escape "$HOME")</string>
        <key>PATH</key>
        <string>/opt/homebrew/bin:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin</string>
    </dict>
    <key>RunAtLoad</key>
    <true/>
    <key>KeepAlive</key>
    <true/>
    <key>ProcessType</key>
    <string>Interactive</string>
    <key>StandardOutPath</key>
    <string>$(xml_escape "$LOG")</string>
    <key>StandardErrorPath</key>
    <string>$(xml_escape "$LOG")</string>
</dict>
</plist>
EOF
}

launchd_loaded() {
    launchctl print "$DOMAIN/$LABEL" >/dev/null 2>&1
}

launchd_pid() {
    launchctl print "$DOMAIN/$LABEL" 2>/dev/null | sed -n 's/^[[:space:]]*pid = \([0-9][0-9]*\).*/\1/p' | head -n 1
}

# launchd_bootout_wait URL-OR-EMPTY: boots the job out and waits until launchd has let go of it.
# `launchctl bootout` returns before the job has left the domain, and a bootstrap in that window
# fails with "Bootstrap failed: 5: Input/output error" for a few seconds (openclaw/openclaw#136453;
# headroomlabs-ai/headroom#1289 measured ~5 s). So: bootout, then wait (RAG_OLLAMA_LAUNCHD_TIMEOUT
# seconds, default 30) until `launchctl print` no longer finds the job and, when a URL is given, its
# port refuses connections. Returns 1 when the bound passes.
launchd_bootout_wait() {
    launchd_limit=${RAG_OLLAMA_LAUNCHD_TIMEOUT:-30}
    launchd_started=$(date +%s)
    bootout_out=$(launchctl bootout "$DOMAIN/$LABEL" 2>&1) || say "launchd: bootout: $(printf '%s' "$bootout_out" | head -n 1); waiting for the job to leave anyway"
    while :; do
        if ! launchd_loaded; then
            [ -z "$1" ] && break
            bootout_probe=0
            probe "$1" || bootout_probe=$?
            [ "$bootout_probe" -eq 1 ] && break
        fi
        [ $(($(date +%s) - launchd_started)) -ge "$launchd_limit" ] && return 1
        sleep 0.2
    done
    say "launchd: ${LABEL} left launchd after $(($(date +%s) - launchd_started)) s${1:+ and ${1} refuses connections}"
}

# launchd_bootstrap: `launchctl bootstrap DOMAIN PLIST`, retried every second (bounded by
# RAG_OLLAMA_LAUNCHD_TIMEOUT, default 30 s) while launchd answers 5 (Input/output error: the label is
# still being released) or 37 (Operation already in progress). On failure BOOTSTRAP_ERROR says why.
launchd_bootstrap() {
    launchd_limit=${RAG_OLLAMA_LAUNCHD_TIMEOUT:-30}
    launchd_started=$(date +%s)
    while :; do
        bootstrap_rc=0
        bootstrap_out=$(launchctl bootstrap "$DOMAIN" "$PLIST" 2>&1) || bootstrap_rc=$?
        [ "$bootstrap_rc" -eq 0 ] && return 0
        BOOTSTRAP_ERROR="$(printf '%s' "$bootstrap_out" | head -n 1) (exit ${bootstrap_rc})"
        case "$bootstrap_rc" in
            5 | 37) ;;
            *) return 1 ;;
        esac
        [ $(($(date +%s) - launchd_started)) -ge "$launchd_limit" ] && return 1
        say "launchd: ${BOOTSTRAP_ERROR}: launchd is still releasing ${LABEL}; retrying in 1 s"
        sleep 1
    done
}

# running PID: alive and not a zombie (an exited process its parent, often init, has not reaped yet).
running() {
    kill -0 "$1" 2>/dev/null || return 1
    case "$(ps -p "$1" -o stat= 2>/dev/null)" in
        Z* | '') return 1 ;;
    esac
    return 0
}

# wait_gone PID SECONDS: true once PID has exited.
wait_gone() {
    gone_tries=$(($2 * 10))
    while running "$1"; do
        [ "$gone_tries" -le 0 ] && return 1
        gone_tries=$((gone_tries - 1))
        sleep 0.1
    done
    return 0
}
