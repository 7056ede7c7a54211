#!/bin/sh
# Runs at every `pulumi up` and `pulumi preview` (a `command:local:run` invoke, not a resource):
# is the server on the configured port still this stack's? A resource's `up` reports "no change"
# while Ollama.app or Homebrew's service has taken the port back (at login) and our agent restarts
# in a loop, and the backend silently talks to the other server, with its settings and models.
# Read-only: never starts, stops or changes anything.
#   ours:    the pid launchd reports for our label (macOS), or the pidfile's pid when it is still our
#            `ollama serve` (Linux), listens on the port: passes.
#   nothing listens on our address: passes (first `up`, or our agent is restarting: said on stderr).
#   another process holds the port: fails naming it (Ollama.app, Homebrew's service, a Docker
#            container, or its command line) and how to free it; passes when the stack adopts an
#            existing Ollama (rag-stack:ollama.adoptExisting) and an Ollama answers.
# On macOS it also warns (stderr) while Ollama.app or Homebrew's service is set to start its own
# server on the same port at the next login.
# Versions (RAG_OLLAMA_MIN_VERSION, rag-stack:ollama.minVersion), as native-start.sh would judge them:
#   nothing listens: the ollama that `up` would start is asked its version (when one is found:
#            a missing binary is the start's error); older fails, so a preview says it first.
#   adopted: its /api/version; older fails.
#   ours:    older only warns: the server resource's update checks it and restarts it with a current
#            binary, and a failing check would keep that update from running.
#
# Environment: as native-start.sh (OLLAMA_HOST, RAG_OLLAMA_LABEL, RAG_OLLAMA_STATE_DIR,
#   RAG_OLLAMA_ADOPT, RAG_OLLAMA_MIN_VERSION, RAG_OLLAMA_BINARY, RAG_OLLAMA_APP_DIRS).
# Output: a line on stdout saying what holds the port (and one naming the version); warnings on stderr.
# Exit codes: 0 ours, free, or adopted; 2 bad environment; 3 no address to bind (auto without a Docker
#   bridge on Linux); 4 the port is held by a server that is not this stack's; 7 the ollama to start
#   or the adopted server is older than the minimum, or its version unreadable.
set -eu

# shellcheck source-path=SCRIPTDIR
# shellcheck source=native-lib.sh
. "$(dirname "$0")/native-lib.sh"

detect_platform
parse_listen
need_tool curl "install curl (macOS ships it; Debian/Ubuntu: apt-get install curl); the scripts use it to talk to Ollama"
check_min_version
resolve_bind >/dev/null
ADOPT=${RAG_OLLAMA_ADOPT:-false}

ours=""
ours_what=""
if [ "$PLATFORM" = darwin ]; then
    darwin_paths
    if launchd_loaded; then
        ours=$(launchd_pid)
        if [ -n "$ours" ]; then
            ours_what="launchd agent ${LABEL} (pid ${ours})"
        else
            ours_what="launchd agent ${LABEL} (loaded, not running now: launchd restarts it)"
        fi
    fi
else
    linux_paths
    pidfile_pid=$(cat "$PIDFILE" 2>/dev/null || true)
    if pid_is_our_server "$pidfile_pid" "$STARTED_FILE"; then
        ours=$pidfile_pid
        ours_what="pid ${ours} (${PIDFILE})"
    fi
fi

next_login() {
    find_competing_servers
    if [ -n "$COMPETITORS" ]; then
        warn "check: ${COMPETITORS}; it will take port ${PORT} back at the next login. Turn it off: ${COMPETITORS_FIX}"
    fi
}

holders=$(port_holder_pids "$PORT")
probe_rc=0
probe "$URL" || probe_rc=$?

if [ "$probe_rc" -eq 1 ]; then
    [ -n "$ours_what" ] && warn "check: this stack's ${ours_what} does not listen on ${URL} now; if it stays so, its log says why"
    [ -n "$holders" ] && warn "check: port ${PORT} has listeners on other addresses than ${BIND_HOST} (pid $(printf '%s' "$holders" | tr '\n' ' ' | sed 's/ $//'))"
    say "check: nothing listens on ${URL}"
    # The start would run this binary: an old one fails now, at the preview.
    if (find_binary) >/dev/null 2>&1; then
        find_binary
        require_binary_version
    fi
    next_login
    exit 0
fi
if [ -n "$ours" ] && holds_port "$ours" "$PORT"; then
    if [ "$probe_rc" -eq 0 ] && ! server_version_ok "this stack's server"; then
        warn "check: this stack's server runs ollama ${VERSION}, older than ${MIN_VERSION} (rag-stack:ollama.minVersion); upgrade ollama ($(upgrade_command)): the server's next update restarts it with the new binary, or restart it now ($([ "$PLATFORM" = darwin ] && echo "launchctl kickstart -k ${DOMAIN}/${LABEL}" || echo "pulumi up --replace <the URN of ollama-native-server>"))"
    fi
    others=$(port_holder_pids "$PORT" | grep -v -x "$ours" | tr '\n' ' ' || true)
    [ -n "$others" ] && warn "check: port ${PORT} also has other listeners (pid ${others% }) on other addresses; they share this machine's GPU"
    say "check: ${URL} is this stack's server, ${ours_what}"
    next_login
    exit 0
fi
if [ -z "$holders" ] && [ -n "$ours" ]; then
    say "check: ${URL} answers and ${ours_what} runs; who listens cannot be seen here (no lsof or ss)"
    exit 0
fi
if [ "$ADOPT" = true ] && [ "$probe_rc" -eq 0 ]; then
    server_version_ok "the adopted Ollama on ${URL}" || server_too_old "port ${PORT}: the Ollama this stack adopts (rag-stack:ollama.adoptExisting)"
    say "check: ${URL} is an Ollama ${VERSION} this stack adopts (rag-stack:ollama.adoptExisting); its own settings apply"
    exit 0
fi

describe_port_holders "$PORT"
find_competing_servers
fix=${HOLDERS_FIX:-${COMPETITORS_FIX:-stop that program (\`sudo systemctl stop ollama\` for the Linux service)}}
answering=""
[ "$probe_rc" -eq 0 ] && answering=", an Ollama ${VERSION} that answers ${URL}"
if [ "$PLATFORM" = darwin ]; then
    ours_back="launchd starts this stack's agent again by itself (KeepAlive)"
else
    ours_back="if this stack's server is not running then, pulumi up --replace <the URN of ollama-native-server> starts it (pulumi stack --show-urns)"
fi
die 4 "port ${PORT} is held by ${HOLDERS_TEXT}${answering}, not by this stack's server (${ours_what:-none of ours runs}). The backend would talk to that server, with its own settings and models${COMPETITORS:+ (${COMPETITORS})}. Free the port: ${fix}; ${ours_back}; then run pulumi up again. Or use that server as it is: rag-stack:ollama.adoptExisting: true"
