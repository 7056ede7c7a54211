# shellcheck shell=sh disable=SC2034 # variables set here are used by the scripts that source this file
# Shared helpers of the native Ollama scripts (native-*.sh). Sourced, never run on its own.
#
# Conventions:
#   - one line per step on stdout, prefixed "ollama-native:";
#   - machine-readable results on stdout as "@ollama key=value" lines (the component reads them:
#     url, managed, pid, log, version, processor);
#   - errors on stderr as a sentence that says what to do next, with a distinct exit code:
#     2 bad environment or missing tool, 3 no address to bind, 4 port held by another program,
#     5 server not ready in time or exited, 6 model or GPU check failed, 7 ollama older than
#     rag-stack:ollama.minVersion (or its version unreadable).
#
# Never stops a process by name: only a PID this project started (pidfile) after checking that it
# is still an `ollama serve` started at the recorded time, or the project's own launchd label.
#
# Every curl here talks to the Ollama server on this machine, never through a proxy: curl sends
# every host not in NO_PROXY through an exported http_proxy (everything.curl.dev/usingcurl/proxies/env),
# loopback included, so a corporate proxy setting would answer for our own server.

# Docker Desktop installs its CLI in /usr/local/bin or ~/.docker/bin (docs.docker.com/desktop/setup/
# install/mac-permission-requirements, "Installing symlinks"); a session started from the Dock, an IDE
# or a launcher may have neither on PATH (docker/for-mac#6793). Searched after the caller's PATH.
PATH="${PATH:-/usr/bin:/bin}:${HOME:-/nonexistent}/.docker/bin:/usr/local/bin:/Applications/Docker.app/Contents/Resources/bin"
export PATH

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

# version_at_least FOUND MINIMUM: 0 when FOUND is MINIMUM or later, 1 when older, 2 when either is
# not a version (X.Y.Z, optionally -<pre-release> and +<build>). Numeric per component (0.9.0 is
# older than 0.12.6); a pre-release comes before its release, as in semver (0.12.6-rc1 is older than
# 0.12.6, later than 0.12.5); +build is ignored. awk, not `sort -V`: macOS's sort has no -V. The one
# place a version is judged (tests/scripts/native-version-compare.test.ts, under every awk).
version_at_least() {
    awk -v found="$1" -v minimum="$2" '
        function parse(v, a,   dash, core) {
            if (v !~ /^[0-9]+[.][0-9]+[.][0-9]+(-[0-9A-Za-z.-]+)?([+][0-9A-Za-z.-]+)?$/) return 0
            if (index(v, "+")) v = substr(v, 1, index(v, "+") - 1)
            a[4] = ""
            dash = index(v, "-")
            if (dash) { a[4] = substr(v, dash + 1); v = substr(v, 1, dash - 1) }
            split(v, core, ".")
            a[1] = core[1] + 0; a[2] = core[2] + 0; a[3] = core[3] + 0
            return 1
        }
        BEGIN {
            if (!parse(found, f) || !parse(minimum, m)) exit 2
            for (i = 1; i <= 3; i++) if (f[i] != m[i]) exit (f[i] > m[i] ? 0 : 1)
            if (f[4] == "") exit 0
            if (m[4] == "") exit 1
            exit (f[4] >= m[4] ? 0 : 1)
        }'
}

# check_min_version: MIN_VERSION from RAG_OLLAMA_MIN_VERSION (rag-stack:ollama.minVersion), X.Y.Z.
check_min_version() {
    MIN_VERSION=${RAG_OLLAMA_MIN_VERSION:-}
    case "$MIN_VERSION" in
        '' | *[!0-9.]* | .* | *. | *..*) die 2 "RAG_OLLAMA_MIN_VERSION=${MIN_VERSION} is not a version X.Y.Z (rag-stack:ollama.minVersion)" ;;
    esac
    version_at_least "$MIN_VERSION" "$MIN_VERSION" || die 2 "RAG_OLLAMA_MIN_VERSION=${MIN_VERSION} is not a version X.Y.Z (rag-stack:ollama.minVersion)"
}

# How to get a current ollama on this platform: Homebrew's formula on macOS (the install the error
# for a missing binary recommends), Ollama's install script on Linux (ollama.com/download/linux).
upgrade_command() {
    if [ "${PLATFORM:-}" = darwin ]; then
        printf '%s' "brew upgrade ollama (installed otherwise: the current release from https://ollama.com/download)"
    else
        printf '%s' "curl -fsSL https://ollama.com/install.sh | sh"
    fi
}

# binary_version: BINARY_VERSION, the version of OLLAMA_BIN, from `ollama --version`. The client asks
# the server at OLLAMA_HOST first and prints "ollama version is <the server's>", then "Warning: client
# version is <its own>" when they differ, or "Warning: could not connect to a running Ollama instance"
# and its own when none answers (cmd/cmd.go versionHandler, v0.12.6). It is asked with OLLAMA_HOST
# on 127.0.0.1:1, where no server answers: the answer is then the binary's own, never that of a
# server on our port (another release, or a program that accepts and never answers: the client has no
# timeout there). VERSION_OUTPUT is what it printed; BINARY_VERSION is empty when no line names one.
binary_version() {
    VERSION_OUTPUT=$(OLLAMA_HOST=127.0.0.1:1 "$OLLAMA_BIN" --version 2>&1) || true
    BINARY_VERSION=$(printf '%s\n' "$VERSION_OUTPUT" | sed -n 's/^Warning: client version is \([^[:space:]]*\).*/\1/p' | tail -n 1)
    [ -n "$BINARY_VERSION" ] ||
        BINARY_VERSION=$(printf '%s\n' "$VERSION_OUTPUT" | sed -n 's/^ollama version is \([^[:space:]]*\).*/\1/p' | tail -n 1)
}

# require_binary_version: the binary about to be started is at least MIN_VERSION, or the script dies
# (7) naming the version found, the minimum, the key and the upgrade command, before anything starts.
# Says "version: ... ollama X (minimum M)" otherwise.
require_binary_version() {
    [ -n "${BINARY_CHECKED:-}" ] && return 0
    binary_version
    if [ -z "$BINARY_VERSION" ]; then
        die 7 "${OLLAMA_BIN} --version names no version (it printed: $(printf '%s' "$VERSION_OUTPUT" | head -n 3 | tr '\n' ' ' | sed 's/ *$//')); expected \"ollama version is X.Y.Z\" or \"Warning: client version is X.Y.Z\". Is it Ollama's ollama? Fix rag-stack:ollama.binary, or install Ollama: $(upgrade_command). Nothing was started"
    fi
    version_rc=0
    version_at_least "$BINARY_VERSION" "$MIN_VERSION" || version_rc=$?
    case "$version_rc" in
        0)
            BINARY_CHECKED=yes
            say "version: ${OLLAMA_BIN}: ollama ${BINARY_VERSION} (minimum ${MIN_VERSION})"
            ;;
        1) die 7 "${OLLAMA_BIN} is ollama ${BINARY_VERSION}, older than ${MIN_VERSION}, the oldest this stack runs (rag-stack:ollama.minVersion). Upgrade it: $(upgrade_command); then run pulumi up again. Nothing was started" ;;
        *) die 7 "${OLLAMA_BIN} --version names ${BINARY_VERSION}, which is not a version X.Y.Z this stack can compare with ${MIN_VERSION} (rag-stack:ollama.minVersion); it printed: $(printf '%s' "$VERSION_OUTPUT" | head -n 3 | tr '\n' ' ' | sed 's/ *$//'). Install a release: $(upgrade_command). Nothing was started" ;;
    esac
}

# server_version_ok WHAT: is VERSION (what /api/version answered) at least MIN_VERSION? 0 yes (said),
# 1 older, 2 not a version. WHAT names the server in the line.
server_version_ok() {
    server_rc=0
    version_at_least "$VERSION" "$MIN_VERSION" || server_rc=$?
    [ "$server_rc" -eq 0 ] && say "version: $1: ollama ${VERSION} (minimum ${MIN_VERSION})"
    return "$server_rc"
}

# server_too_old WHAT: dies (7) after server_version_ok said no (server_rc): the server WHAT answers
# VERSION, older than MIN_VERSION or not a version, with what to do.
server_too_old() {
    if [ "$server_rc" -eq 1 ]; then
        die 7 "$1 is ollama ${VERSION} (${URL}/api/version), older than ${MIN_VERSION}, the oldest this stack runs (rag-stack:ollama.minVersion). Upgrade that server's ollama ($(upgrade_command)) and restart it, then run pulumi up again; or stop it and remove rag-stack:ollama.adoptExisting, so this stack starts its own"
    fi
    die 7 "$1 answers ${URL}/api/version with \"${VERSION}\", not a version X.Y.Z this stack can compare with ${MIN_VERSION} (rag-stack:ollama.minVersion); use a released Ollama ($(upgrade_command)), or stop it and remove rag-stack:ollama.adoptExisting"
}

# curl to our own server: never through a proxy (see the header).
ollama_curl() { curl --noproxy '*' "$@"; }

# probe URL: 0 an Ollama answered /api/version (VERSION set); 1 nothing listens (refused, or no
# connection within the timeout); 2 something else listens (connected, but no Ollama answer).
probe() {
    VERSION=""
    probe_status=0
    probe_out=$(ollama_curl -s --connect-timeout 1 --max-time 3 -w '\n%{time_connect}' "$1/api/version" 2>/dev/null) || probe_status=$?
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

# PIDs listening on TCP port $1, one per line (lsof, else ss), or nothing when none can be seen:
# nothing listens, no tool, or the listener belongs to another user (root's processes are hidden
# from lsof and ss without sudo).
port_holder_pids() {
    holder_pids=""
    if command -v lsof >/dev/null 2>&1; then
        holder_pids=$(lsof -nP -iTCP:"$1" -sTCP:LISTEN -t 2>/dev/null | sort -u)
    fi
    if [ -z "$holder_pids" ] && command -v ss >/dev/null 2>&1; then
        holder_pids=$(ss -Hltnp "sport = :$1" 2>/dev/null | sed -n 's/.*pid=\([0-9][0-9]*\).*/\1/p' | sort -u)
    fi
    [ -n "$holder_pids" ] && printf '%s\n' "$holder_pids"
    return 0
}

# Who listens on TCP port $1: "pid N: <command line>" lines, or nothing when it cannot be told.
port_holders() {
    for holder_pid in $(port_holder_pids "$1"); do
        printf 'pid %s: %s\n' "$holder_pid" "$(ps -p "$holder_pid" -o args= 2>/dev/null || echo '(command line not visible)')"
    done
}

# holds_port PID PORT: true when PID is one of the listeners of PORT.
holds_port() {
    [ -n "$1" ] || return 1
    for held_by in $(port_holder_pids "$2"); do
        [ "$held_by" = "$1" ] && return 0
    done
    return 1
}

# Names of the running containers that publish host port $1 (docker ps --filter publish), space-
# separated, or nothing (no container, no docker CLI, no engine).
docker_publishers() {
    command -v docker >/dev/null 2>&1 || return 0
    docker ps --filter "publish=$1" --format '{{.Names}}' 2>/dev/null | tr '\n' ' ' | sed 's/ $//'
}

# describe_port_holders PORT: sets HOLDERS_TEXT (who holds the port, as precisely as can be told
# without sudo) and HOLDERS_FIX (how to free it), for error messages. Recognised by command line:
#   Ollama.app's server: <bundle>/Contents/Resources/ollama serve, started by the app (ollama
#     app/server/server.go at v0.12.10: it restarts it every second while the app runs);
#   Homebrew's service: the pid `launchctl print gui/<uid>/homebrew.mxcl.ollama` reports, or
#     <prefix>/opt/ollama/bin/ollama (homebrew-core Formula/o/ollama.rb `service do`);
#   Docker: a published container port (Docker Desktop's com.docker.backend / vpnkit on the Mac,
#     docker-proxy on Linux), named with `docker ps --filter publish=PORT`.
describe_port_holders() {
    HOLDERS_TEXT=""
    HOLDERS_FIX=""
    describe_pids=$(port_holder_pids "$1")
    brew_pid=""
    if [ "${PLATFORM:-}" = darwin ] && command -v launchctl >/dev/null 2>&1; then
        brew_pid=$(launchctl print "gui/$(id -u)/homebrew.mxcl.ollama" 2>/dev/null | sed -n 's/^[[:space:]]*pid = \([0-9][0-9]*\).*/\1/p' | head -n 1)
    fi
    docker_seen=""
    for describe_pid in $describe_pids; do
        describe_args=$(ps -p "$describe_pid" -o args= 2>/dev/null || echo '(command line not visible)')
        case "$describe_args" in
            *"/Ollama.app/Contents/"*)
                describe_what="Ollama.app's server"
                describe_fix="quit Ollama.app from the menu bar and turn Ollama off in System Settings > General > Login Items (the app starts its own server again at every login)"
                ;;
            *docker-proxy* | *com.docker.* | *vpnkit* | *"/Docker.app/"*)
                docker_seen=yes
                describe_what="Docker, for a published container port"
                describe_fix=""
                ;;
            */opt/ollama/bin/ollama*)
                describe_what="Homebrew's ollama service"
                describe_fix="brew services stop ollama (sudo brew services stop ollama if it was started with sudo)"
                ;;
            *)
                describe_what=""
                describe_fix=""
                if [ -n "$brew_pid" ] && [ "$brew_pid" = "$describe_pid" ]; then
                    describe_what="Homebrew's service homebrew.mxcl.ollama"
                    describe_fix="brew services stop ollama"
                fi
                ;;
        esac
        HOLDERS_TEXT="${HOLDERS_TEXT:+${HOLDERS_TEXT}; }pid ${describe_pid}: ${describe_args}${describe_what:+ (${describe_what})}"
        [ -n "$describe_fix" ] && HOLDERS_FIX="${HOLDERS_FIX:+${HOLDERS_FIX}; }${describe_fix}"
    done
    # A published port may show no holder at all (another user's process, or no userland proxy):
    # ask Docker whenever the holder is Docker or unknown.
    if [ -n "$docker_seen" ] || [ -z "$describe_pids" ]; then
        publishers=$(docker_publishers "$1")
        if [ -n "$publishers" ]; then
            HOLDERS_TEXT="${HOLDERS_TEXT:+${HOLDERS_TEXT}; }container ${publishers} publishes port $1"
            HOLDERS_FIX="${HOLDERS_FIX:+${HOLDERS_FIX}; }stop that container, keeping its volumes: docker stop ${publishers} (the old compose stack: docker compose -f docker/docker-compose.dev.yml down, never -v)"
        fi
    fi
    [ -n "$HOLDERS_TEXT" ] || HOLDERS_TEXT="a process this user cannot see (another user's, e.g. root's: lsof -nP -iTCP:$1 -sTCP:LISTEN with sudo shows it)"
    return 0
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

# The OLLAMA_* names the stack decides (RAG_OLLAMA_SERVER_ENV, from components/ollama/environment.ts).
# Only these reach `ollama serve`: the command provider runs these scripts with the whole environment
# of the shell that ran pulumi (pulumi-command provider/pkg/provider/local/commandOutputs.go run() at
# v1.2.1: cmd.Env = os.Environ() plus the resource's environment), so an OLLAMA_CONTEXT_LENGTH exported
# in ~/.zshrc would otherwise reach the server while the capacity check budgets the stack's value.
# check_server_env: dies (2) unless RAG_OLLAMA_SERVER_ENV is a list of OLLAMA_* names. Called
# before anything reads it (server_env_names runs in command substitutions, where die cannot stop
# the script).
check_server_env() {
    : "${RAG_OLLAMA_SERVER_ENV:?RAG_OLLAMA_SERVER_ENV must list the OLLAMA_* variables the stack sets}"
    for server_name in $RAG_OLLAMA_SERVER_ENV; do
        case "$server_name" in
            OLLAMA_?*) ;;
            *) die 2 "RAG_OLLAMA_SERVER_ENV lists ${server_name}, which is not an OLLAMA_* variable" ;;
        esac
        case "${server_name#OLLAMA_}" in
            *[!A-Z0-9_]*) die 2 "RAG_OLLAMA_SERVER_ENV lists ${server_name}, which is not a variable name" ;;
        esac
    done
    [ -n "$(server_env_names)" ] || die 2 "RAG_OLLAMA_SERVER_ENV names no variable; it must list at least OLLAMA_HOST"
}

server_env_names() {
    printf '%s\n' "${RAG_OLLAMA_SERVER_ENV:-}" | tr ' ' '\n' | sed '/^$/d'
}

# OLLAMA_* variables of this environment, one name per line.
ollama_env_names() {
    env | sed -n 's/^\(OLLAMA_[A-Za-z0-9_]*\)=.*/\1/p' | sort -u
}

# Unsets every OLLAMA_* the stack does not decide (Linux: the server is started from this shell),
# saying which ones (never their values).
drop_undecided_ollama_env() {
    decided=" $(server_env_names | tr '\n' ' ') "
    for env_name in $(ollama_env_names); do
        case "$decided" in
            *" ${env_name} "*) ;;
            *)
                say "server env: ${env_name} is set in this environment but not by the stack; not passed to the server"
                unset "$env_name"
                ;;
        esac
    done
}

# The agent's command: /bin/sh unsets every OLLAMA_* but the stack's, then execs `ollama serve`
# (same PID, so launchd, the pid checks and KeepAlive see ollama itself). launchd gives a job the
# domain's environment, which `launchctl setenv` changes for every job (launchctl(1), setenv), and
# EnvironmentVariables only adds to it: the stack's values are set there, the others removed here.
serve_wrapper() {
    # shellcheck disable=SC2016 # expanded by the agent's /bin/sh, not here
    printf 'for n in $(env | sed -n %s); do case "$n" in %s) ;; *) unset "$n" ;; esac; done; exec "$0" serve' \
        "'s/^\\(OLLAMA_[A-Za-z0-9_]*\\)=.*/\\1/p'" "$(server_env_names | paste -s -d '|' -)"
}

# The LaunchAgent: `ollama serve` with the stack's OLLAMA_* environment only, started at login and
# kept alive.
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
        <string>/bin/sh</string>
        <string>-c</string>
        <string>$(xml_escape "$(serve_wrapper)")</string>
        <string>$(xml_escape "$OLLAMA_BIN")</string>
    </array>
    <key>EnvironmentVariables</key>
    <dict>
EOF
    for name in $(server_env_names); do
        eval "value=\${$name:-}"
        # shellcheck disable=SC2154 # value is set by the eval above
        printf '        <key>%s</key>\n        <string>%s</string>\n' "$name" "$(xml_escape "$value")"
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

# find_competing_servers: on macOS, the other Ollama servers that come back by themselves, found
# without sudo. Sets COMPETITORS ("; "-separated findings of those that take PORT, empty when none),
# COMPETITORS_FIX (how to turn each off) and ELSEWHERE (findings on another port: they do not fight
# over the port, only for the GPU's memory).
#   Ollama.app: a login item (SMAppService agent com.ollama.ollama since the app in ollama's app/ at
#     v0.12.10, app/cmd/app/app_darwin.m registerSelfAsLoginItem) that opens the app at every login;
#     the app restarts its own `ollama serve` every second, and when that exits 1 (a taken port) it
#     SIGTERMs every process named `ollama` (app/server/server.go Run, server_unix.go reapServers):
#     this stack's server too. Its server's PID is in ~/Library/Application Support/Ollama/ollama.pid.
#     Older apps (the Electron one) register a login item launchd cannot show: found while running.
#     Its port: launchd's OLLAMA_HOST (the app's environment), else Ollama's 11434.
#   Homebrew's service: `brew services start ollama` loads homebrew.mxcl.ollama (KeepAlive, its own
#     OLLAMA_FLASH_ATTENTION=1 and OLLAMA_KV_CACHE_TYPE=q8_0: homebrew-core Formula/o/ollama.rb
#     `service do`) in gui/<uid>, or in system/ with sudo; its plist in ~/Library/LaunchAgents brings
#     it back at login. Anyone may read the system domain (launchctl(1)). Its port: OLLAMA_HOST in
#     the job's environment (`launchctl print`, or the plist), else launchd's, else 11434.
# RAG_OLLAMA_APP_DIRS: where Ollama.app is looked for (default: /Applications and ~/Applications).
find_competing_servers() {
    COMPETITORS=""
    COMPETITORS_FIX=""
    ELSEWHERE=""
    [ "${PLATFORM:-}" = darwin ] || return 0
    competitor_uid=$(id -u)
    launchd_port=$(host_port "$(launchctl getenv OLLAMA_HOST 2>/dev/null || true)")
    launchd_port=${launchd_port:-11434}
    brew_fix="brew services stop ollama"
    if brew_job=$(launchctl print "gui/${competitor_uid}/homebrew.mxcl.ollama" 2>/dev/null); then
        competitor "$(job_port "$brew_job")" "Homebrew's service homebrew.mxcl.ollama is loaded (brew services start ollama: it keeps its own ollama serve alive, with its own OLLAMA_FLASH_ATTENTION and OLLAMA_KV_CACHE_TYPE)" "$brew_fix"
    elif [ -f "$HOME/Library/LaunchAgents/homebrew.mxcl.ollama.plist" ]; then
        competitor "$(host_port "$(sed -n '/<key>OLLAMA_HOST<\/key>/{n;s/.*<string>\(.*\)<\/string>.*/\1/p;}' "$HOME/Library/LaunchAgents/homebrew.mxcl.ollama.plist")")" \
            "Homebrew's service homebrew.mxcl.ollama starts at every login (~/Library/LaunchAgents/homebrew.mxcl.ollama.plist)" "$brew_fix"
    fi
    if brew_job=$(launchctl print "system/homebrew.mxcl.ollama" 2>/dev/null); then
        competitor "$(job_port "$brew_job")" "Homebrew's service homebrew.mxcl.ollama runs as root (sudo brew services start ollama)" "sudo brew services stop ollama"
    fi
    app_fix="quit Ollama.app from the menu bar and turn Ollama off in System Settings > General > Login Items (or remove the app: this stack needs only the ollama command, brew install ollama)"
    if launchctl print "gui/${competitor_uid}/com.ollama.ollama" >/dev/null 2>&1; then
        competitor "$launchd_port" "Ollama.app's login item com.ollama.ollama is enabled (it opens the app at every login, and the app runs its own ollama serve)" "$app_fix"
    fi
    app_pids=""
    for app_dir in ${RAG_OLLAMA_APP_DIRS:-/Applications $HOME/Applications}; do
        # The path goes through the environment: in awk's arguments, ps would list awk itself.
        app_pids="$app_pids $(ps -A -o pid= -o args= 2>/dev/null | APP_EXE="${app_dir}/Ollama.app/Contents/MacOS/" awk 'index($0, ENVIRON["APP_EXE"]) { print $1 }' | tr '\n' ' ')"
    done
    app_pids=$(printf '%s' "$app_pids" | tr ' ' '\n' | sed '/^$/d' | sort -u | tr '\n' ' ' | sed 's/ $//')
    app_server=$(cat "$HOME/Library/Application Support/Ollama/ollama.pid" 2>/dev/null || true)
    if [ -n "$app_pids" ]; then
        competitor "$launchd_port" "Ollama.app is running (pid ${app_pids}): it restarts its own ollama serve every second, and when that cannot bind it stops every process named ollama, this stack's too" "$app_fix"
    elif pid_is_our_server "$app_server"; then
        competitor "$launchd_port" "Ollama.app's server is running (pid ${app_server}, from ~/Library/Application Support/Ollama/ollama.pid)" "$app_fix"
    fi
    return 0
}

# The port of an OLLAMA_HOST value (host:port, [v6]:port, :port), or nothing (no value, no port).
host_port() {
    case "$1" in
        *:*) ;;
        *) return 0 ;;
    esac
    case "${1##*:}" in
        '' | *[!0-9]*) ;;
        *) printf '%s' "${1##*:}" ;;
    esac
}

# The port a launchd job's server takes, from its `launchctl print` (the job's environment block,
# listed after launchd's own), else launchd's OLLAMA_HOST, else 11434.
job_port() {
    job_host=$(printf '%s\n' "$1" | sed -n 's/^[[:space:]]*OLLAMA_HOST => \(.*\)$/\1/p' | tail -n 1)
    job_port_value=$(host_port "$job_host")
    printf '%s' "${job_port_value:-$launchd_port}"
}

# competitor PORT FINDING FIX: a server that takes PORT: in COMPETITORS (and its fix, once, in
# COMPETITORS_FIX) when it is ours, else in ELSEWHERE.
competitor() {
    competitor_port=${1:-$launchd_port}
    if [ "$competitor_port" != "$PORT" ]; then
        ELSEWHERE="${ELSEWHERE:+${ELSEWHERE}; }$2 on port ${competitor_port}"
        return 0
    fi
    COMPETITORS="${COMPETITORS:+${COMPETITORS}; }$2"
    case "$COMPETITORS_FIX" in *"$3"*) ;; *) COMPETITORS_FIX="${COMPETITORS_FIX:+${COMPETITORS_FIX}; }$3" ;; esac
}

# Ollama.app installed where it is usually put, though not running and without a login item launchd
# shows: the Electron app's login item cannot be read without sudo. Prints the bundle, or nothing.
installed_ollama_app() {
    [ "${PLATFORM:-}" = darwin ] || return 0
    for app_dir in ${RAG_OLLAMA_APP_DIRS:-/Applications $HOME/Applications}; do
        if [ -d "${app_dir}/Ollama.app" ]; then
            printf '%s\n' "${app_dir}/Ollama.app"
            return 0
        fi
    done
    return 0
}

launchd_loaded() {
    launchctl print "$DOMAIN/$LABEL" >/dev/null 2>&1
}

launchd_pid() {
    launchctl print "$DOMAIN/$LABEL" 2>/dev/null | sed -n 's/^[[:space:]]*pid = \([0-9][0-9]*\).*/\1/p' | head -n 1
}

# launchd_bootout_wait PID-OR-EMPTY: boots the job out and waits until launchd has let go of it
# and its process (PID, what `launchctl print` said before) has exited. `launchctl bootout` returns
# before the job has left the domain, and a bootstrap in that window fails with "Bootstrap failed:
# 5: Input/output error" for a few seconds (openclaw/openclaw#136453; headroomlabs-ai/headroom#1289
# measured ~5 s). Waits for our PID, never for the port: another server (Ollama.app, brew services)
# may hold the port, and its answers say nothing about ours. Bounded by RAG_OLLAMA_LAUNCHD_TIMEOUT
# seconds (default 30); returns 1 when the bound passes.
launchd_bootout_wait() {
    launchd_limit=${RAG_OLLAMA_LAUNCHD_TIMEOUT:-30}
    launchd_started=$(date +%s)
    bootout_out=$(launchctl bootout "$DOMAIN/$LABEL" 2>&1) || say "launchd: bootout: $(printf '%s' "$bootout_out" | head -n 1); waiting for the job to leave anyway"
    while :; do
        if ! launchd_loaded; then
            [ -z "$1" ] && break
            running "$1" || break
        fi
        [ $(($(date +%s) - launchd_started)) -ge "$launchd_limit" ] && return 1
        sleep 0.2
    done
    say "launchd: ${LABEL} left launchd after $(($(date +%s) - launchd_started)) s${1:+ and its pid ${1} exited}"
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
