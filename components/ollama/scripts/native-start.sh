#!/bin/sh
# Starts `ollama serve` natively, detached from the terminal and from Pulumi, and waits until it
# answers. Idempotent: a server this project already runs is reused, never doubled.
#   macOS: a launchd LaunchAgent (label RAG_OLLAMA_LABEL, plist in ~/Library/LaunchAgents, log in
#          ~/Library/Logs/<label>/ollama.log, KeepAlive), loaded with `launchctl bootstrap gui/<uid>`:
#          it survives closing the terminal and rebooting.
#   Linux: a new session (setsid, nohup, every descriptor redirected) with its PID in
#          RAG_OLLAMA_STATE_DIR/ollama.pid and its log in RAG_OLLAMA_STATE_DIR/ollama.log.
# A port already answered by another Ollama is adopted when RAG_OLLAMA_ADOPT=true (and then never
# stopped by us); otherwise, and for any other program on the port, it fails naming the holder
# (Ollama.app, Homebrew's service, a Docker container, or the process). On macOS it also refuses
# while Ollama.app or Homebrew's service is set to run its own server on the same port: they take
# the port back at every login (native-lib.sh find_competing_servers).
# Only the OLLAMA_* variables the stack decides (RAG_OLLAMA_SERVER_ENV) reach the server; any other
# OLLAMA_* from the shell that ran pulumi, or from launchd (`launchctl setenv`), is left out.
# Versions: the binary is asked its version (`ollama --version`) before it is started, an adopted
# or reused server its /api/version; older than RAG_OLLAMA_MIN_VERSION is refused (7) with the
# upgrade command, before anything starts or stops. A reused server of ours that is older while the
# binary is new enough (upgraded since it started) is restarted with the binary.
#
# Usage: native-start.sh                 start (or reuse) the server
#        native-start.sh --render-plist  print the LaunchAgent plist it would load, and exit
#        native-start.sh --preflight     only the refusals that need no change (macOS: Ollama.app,
#                                        Homebrew's service; an ollama older than the minimum), so a
#                                        restart refuses before it stops ours
#
# Environment:
#   OLLAMA_HOST                 <address>:<port>; address `auto` = narrowest one containers reach
#   OLLAMA_ORIGINS, OLLAMA_MODELS, OLLAMA_KEEP_ALIVE, OLLAMA_FLASH_ATTENTION, OLLAMA_KV_CACHE_TYPE,
#   OLLAMA_NUM_PARALLEL, OLLAMA_CONTEXT_LENGTH   passed to `ollama serve` when listed below
#   RAG_OLLAMA_SERVER_ENV       the OLLAMA_* names the stack sets, space-separated; only these reach the server
#   RAG_OLLAMA_STATE_DIR        Linux: directory for the pidfile and log (created)
#   RAG_OLLAMA_LABEL            macOS: launchd label
#   RAG_OLLAMA_BINARY           path of `ollama` (empty: PATH, then /opt/homebrew/bin, /usr/local/bin)
#   RAG_OLLAMA_READY_TIMEOUT    seconds to wait for /api/version (default 60)
#   RAG_OLLAMA_ADOPT            true: adopt an Ollama already answering on the port
#   RAG_OLLAMA_MIN_VERSION      X.Y.Z: the oldest ollama started, reused or adopted (rag-stack:ollama.minVersion)
#   RAG_OLLAMA_RUN_HASH         identifies the server's settings and scripts; echoed as "@ollama run=" for
#                               native-restart.sh (optional)
#   RAG_OLLAMA_LAUNCHD_TIMEOUT  macOS: seconds to wait for launchd to let go of a booted-out job and
#                               to retry a bootstrap refused with 5 or 37 (default 30)
#   RAG_OLLAMA_APP_DIRS         macOS: where Ollama.app is looked for (default /Applications ~/Applications)
# Output: step lines, then "@ollama url=... managed=... pid=... log=... version=... run=..." lines.
# Exit codes: 0 running; 2 bad environment or missing tool; 3 no address to bind;
#   4 port held by another program; 5 not ready in time, or the server exited (log tail printed);
#   7 ollama (the binary, or the server to reuse or adopt) older than RAG_OLLAMA_MIN_VERSION, or its
#   version unreadable.
set -eu

# shellcheck source-path=SCRIPTDIR
# shellcheck source=native-lib.sh
. "$(dirname "$0")/native-lib.sh"

detect_platform
parse_listen
check_server_env
if [ "${1:-}" = --render-plist ]; then
    PLATFORM=darwin
    resolve_bind >/dev/null
    find_binary
    darwin_paths
    OLLAMA_HOST=$LISTEN
    render_plist
    exit 0
fi
need_tool curl "install curl (macOS ships it; Debian/Ubuntu: apt-get install curl); the scripts use it to talk to Ollama"
check_min_version
resolve_bind
find_binary
OLLAMA_HOST=$LISTEN
export OLLAMA_HOST
TIMEOUT=${RAG_OLLAMA_READY_TIMEOUT:-60}
ADOPT=${RAG_OLLAMA_ADOPT:-false}

report() {
    result url "$URL"
    result managed "$1"
    result pid "${2:-}"
    result log "${3:-}"
    result version "$VERSION"
    result run "${RAG_OLLAMA_RUN_HASH:-}"
}

GENERIC_FIX="quit Ollama.app from the menu bar (and turn it off in System Settings > General > Login Items), or run \`brew services stop ollama\` (macOS), or \`sudo systemctl stop ollama\` (Linux service)"

# Fails (exit 4) because something else holds the port, or adopts it (exits 0).
port_taken() {
    describe_port_holders "$PORT"
    if [ "$1" = ollama ]; then
        if [ "$ADOPT" = true ]; then
            server_version_ok "the Ollama on ${URL} to adopt" || server_too_old "port ${PORT}: the Ollama this stack would adopt (rag-stack:ollama.adoptExisting)"
            say "adopt: an Ollama ${VERSION} already answers on ${URL}; using it as it is (rag-stack will never stop it)"
            say "adopt: ${HOLDERS_TEXT}"
            say "adopt: its own settings apply (OLLAMA_ORIGINS, OLLAMA_KEEP_ALIVE, OLLAMA_MODELS...), not this stack's"
            report adopted "$(port_holder_pids "$PORT" | head -n 1)" ""
            exit 0
        fi
        die 4 "port ${PORT}: another Ollama ${VERSION} already answers on ${URL}: ${HOLDERS_TEXT}. It was not started by this stack. Free the port: ${HOLDERS_FIX:-$GENERIC_FIX}; or use it as it is with rag-stack:ollama.adoptExisting: true; or choose another rag-stack:ollama.port"
    fi
    die 4 "port ${PORT} on ${BIND_HOST} is held by a program that is not Ollama (${HOLDERS_TEXT}); ${HOLDERS_FIX:+${HOLDERS_FIX}, }stop that program or choose another rag-stack:ollama.port"
}

# macOS: Ollama.app or Homebrew's service set to run its own server on our port takes it back at
# every login, and the app stops every `ollama` process when it cannot bind: refuse before anything
# is loaded. With adoptExisting, such a server is used when it answers (check_port_free).
refuse_competitors() {
    find_competing_servers
    [ -n "$ELSEWHERE" ] && warn "start: ${ELSEWHERE}: not port ${PORT}, so they do not fight over the port, but both servers share the GPU's memory"
    [ -n "$COMPETITORS" ] || return 0
    probe_rc=0
    probe "$URL" || probe_rc=$?
    if [ "$ADOPT" = true ] && [ "$probe_rc" -eq 0 ]; then
        return 0
    fi
    if [ "$ADOPT" = true ]; then
        die 4 "port ${PORT}: ${COMPETITORS}, but no Ollama answers on ${URL} now; rag-stack:ollama.adoptExisting uses a server that answers: start it, or wait until it does, then run pulumi up again. Or let this stack run its own: ${COMPETITORS_FIX}, and remove adoptExisting"
    fi
    die 4 "port ${PORT}: ${COMPETITORS}. It takes port ${PORT} back from this stack's server at every login (and Ollama.app stops every process named ollama when its own server cannot bind), so the backend would end up talking to that server, not this stack's. Turn it off: ${COMPETITORS_FIX}; then run pulumi up again. Or use that server as it is: rag-stack:ollama.adoptExisting: true (its own settings apply), or give this stack another rag-stack:ollama.port"
}

check_port_free() {
    probe_rc=0
    probe "$URL" || probe_rc=$?
    case "$probe_rc" in
        0) port_taken ollama ;;
        2) port_taken other ;;
    esac
    # Listening elsewhere than loopback: an Ollama on 127.0.0.1 with the same port (the Linux
    # service's default) would be a second server on the same GPU, and containers cannot reach it.
    if [ "$CLIENT_HOST" != 127.0.0.1 ] && probe "http://127.0.0.1:${PORT}"; then
        describe_port_holders "$PORT"
        die 4 "port ${PORT}: another Ollama ${VERSION} already answers on 127.0.0.1:${PORT} (${HOLDERS_TEXT}), where containers cannot reach it; a second server on ${BIND_HOST} would share the GPU with it. Stop it (${HOLDERS_FIX:-\`sudo systemctl stop ollama\`, \`brew services stop ollama\`, or quit Ollama.app}), or make it listen on ${LISTEN} (OLLAMA_HOST) and set rag-stack:ollama.adoptExisting: true, or choose another rag-stack:ollama.port"
    fi
}

# wait_ready PID-OR-EMPTY: until /api/version answers or TIMEOUT seconds pass.
wait_ready() {
    started_at=$(date +%s)
    while :; do
        if [ -n "$1" ] && ! running "$1"; then
            say "ready: the server (pid $1) exited before answering"
            return 1
        fi
        if probe "$URL"; then
            say "ready: ${URL}/api/version answered (Ollama ${VERSION}) after $(($(date +%s) - started_at)) s"
            return 0
        fi
        if [ $(($(date +%s) - started_at)) -ge "$TIMEOUT" ]; then
            say "ready: no answer from ${URL}/api/version within ${TIMEOUT} s"
            return 1
        fi
        sleep 0.2
    done
}

not_ready() {
    die 5 "Ollama did not become ready on ${URL}; last lines of ${LOG}:
$(log_tail "$LOG")
Fix what the log says (a port or address problem, a missing GPU driver), or raise rag-stack:ollama.readyTimeoutSeconds (now ${TIMEOUT}) if this machine is just slow, then run pulumi up again"
}

start_darwin() {
    need_tool launchctl "launchctl ships with macOS"
    darwin_paths
    refuse_competitors
    app_bundle=$(installed_ollama_app)
    [ -n "$app_bundle" ] && [ -z "$COMPETITORS" ] &&
        warn "start: ${app_bundle} is installed. If it opens at login (System Settings > General > Login Items), it runs its own server on port 11434 and stops every process named ollama when that port is taken; turn it off there, or remove the app (this stack needs only the ollama command)"
    mkdir -p "$HOME/Library/LaunchAgents" "$LOG_DIR"
    new_plist="$PLIST.new.$$"
    trap 'rm -f "$new_plist"' EXIT
    render_plist >"$new_plist"
    # launchd refuses a plist that group or others may write ("Bootstrap failed: 5"), and the file
    # gets the user's umask otherwise (002 and 000 exist): set its mode, whatever the umask.
    chmod 644 "$new_plist"
    say "server env: the agent gets ${RAG_OLLAMA_SERVER_ENV} and clears every other OLLAMA_* (the shell's, launchd's) before ollama serve starts"
    if launchd_loaded; then
        running_pid=$(launchd_pid)
        if [ -f "$PLIST" ] && cmp -s "$new_plist" "$PLIST" && probe "$URL" && holds_port "$running_pid" "$PORT"; then
            if server_version_ok "this stack's server (pid ${running_pid})"; then
                rm -f "$new_plist"
                say "launchd: ${LABEL} already runs with these settings (pid ${running_pid}); nothing to start"
                report "launchd:${LABEL}" "$running_pid" "$LOG"
                return 0
            fi
            say "launchd: ${LABEL} (pid ${running_pid}) runs ollama ${VERSION}, older than ${MIN_VERSION} (or not a version); restarting it with ${OLLAMA_BIN} if that is recent enough"
        fi
        # Ours is stopped only for a binary that may start: an old one is refused while ours still runs.
        require_binary_version
        say "launchd: ${LABEL} is loaded with other settings, an older ollama, or is not the server on port ${PORT}; launchctl bootout ${DOMAIN}/${LABEL}"
        launchd_bootout_wait "$running_pid" ||
            die 5 "launchctl bootout ${DOMAIN}/${LABEL}: the job is still in launchd${running_pid:+, or its pid ${running_pid} still runs,} after ${launchd_limit} s; check \`launchctl print ${DOMAIN}/${LABEL}\`, then run pulumi up again"
    fi
    # Ours is gone (or never was); another server may hold the port, and the readiness probe would
    # take its answer for ours.
    check_port_free
    require_binary_version
    mv "$new_plist" "$PLIST"
    say "launchd: wrote ${PLIST}"
    launchctl enable "$DOMAIN/$LABEL" || true
    say "launchd: launchctl bootstrap ${DOMAIN} ${PLIST}"
    launchd_bootstrap ||
        die 5 "launchctl bootstrap ${DOMAIN} ${PLIST} failed: ${BOOTSTRAP_ERROR}; see \`launchctl print ${DOMAIN}/${LABEL}\` and ${LOG} (the ${DOMAIN} domain exists only while this user is logged in to the desktop, not over ssh alone)"
    if ! wait_ready ""; then
        launchctl bootout "$DOMAIN/$LABEL" >/dev/null 2>&1 || true
        rm -f "$PLIST"
        not_ready
    fi
    started_pid=$(launchd_pid)
    # The answer must come from our job: a server that took the port meanwhile answers just as well.
    if [ -n "$(port_holder_pids "$PORT")" ] && ! holds_port "$started_pid" "$PORT"; then
        describe_port_holders "$PORT"
        launchctl bootout "$DOMAIN/$LABEL" >/dev/null 2>&1 || true
        rm -f "$PLIST"
        die 4 "port ${PORT}: ${URL} answers, but from ${HOLDERS_TEXT}, not from this stack's agent ${LABEL}${started_pid:+ (pid ${started_pid})}; it took the port while ours started. Free the port: ${HOLDERS_FIX:-$GENERIC_FIX}; then run pulumi up again"
    fi
    report "launchd:${LABEL}" "$started_pid" "$LOG"
}

start_linux() {
    linux_paths
    if [ -f "$PIDFILE" ]; then
        old_pid=$(cat "$PIDFILE" 2>/dev/null || true)
        if pid_is_our_server "$old_pid" "$STARTED_FILE"; then
            say "start: our server already runs (pid ${old_pid}, pidfile ${PIDFILE}); not starting another"
            wait_ready "$old_pid" || not_ready
            if server_version_ok "this stack's server (pid ${old_pid})"; then
                report "pidfile:${PIDFILE}" "$old_pid" "$LOG"
                return 0
            fi
            # Upgraded since it started (or the minimum was raised): restart it, when the binary may start.
            require_binary_version
            say "start: our server (pid ${old_pid}) runs ollama ${VERSION}, older than ${MIN_VERSION} (or not a version); stopping it to start ${OLLAMA_BIN}"
            kill "$old_pid" 2>/dev/null || true
            wait_gone "$old_pid" 10 || kill -9 "$old_pid" 2>/dev/null || true
        else
            old_args=$(ps -p "$old_pid" -o args= 2>/dev/null || true)
            if [ -n "$old_args" ]; then
                say "start: stale pidfile: pid ${old_pid} is now \"${old_args}\", not our server; leaving it alone and removing the pidfile"
            else
                say "start: stale pidfile: pid ${old_pid} is gone; removing the pidfile"
            fi
        fi
        rm -f "$PIDFILE" "$STARTED_FILE"
    fi
    check_port_free
    require_binary_version
    mkdir -p "$RAG_OLLAMA_STATE_DIR"
    drop_undecided_ollama_env

    : >>"$LOG"
    say "start: ${OLLAMA_BIN} serve on ${LISTEN} (log ${LOG}), with ${RAG_OLLAMA_SERVER_ENV}"
    # A new session, so Pulumi's signals to its process group never reach the server; every
    # descriptor redirected, so the command resource returns while the server keeps running.
    if command -v setsid >/dev/null 2>&1; then
        env -u PULUMI_COMMAND_STDOUT -u PULUMI_COMMAND_STDERR setsid nohup "$OLLAMA_BIN" serve </dev/null >>"$LOG" 2>&1 &
    else
        warn "start: setsid not found (util-linux); starting with nohup only"
        env -u PULUMI_COMMAND_STDOUT -u PULUMI_COMMAND_STDERR nohup "$OLLAMA_BIN" serve </dev/null >>"$LOG" 2>&1 &
    fi
    new_pid=$!
    echo "$new_pid" >"$PIDFILE"
    ps -p "$new_pid" -o lstart= >"$STARTED_FILE" 2>/dev/null || : >"$STARTED_FILE"
    say "start: pid ${new_pid} (pidfile ${PIDFILE})"
    if ! wait_ready "$new_pid"; then
        if pid_is_our_server "$new_pid" "$STARTED_FILE"; then
            say "start: stopping pid ${new_pid}, which never became ready"
            kill "$new_pid" 2>/dev/null || true
            wait_gone "$new_pid" 10 || kill -9 "$new_pid" 2>/dev/null || true
        fi
        rm -f "$PIDFILE" "$STARTED_FILE"
        not_ready
    fi
    report "pidfile:${PIDFILE}" "$new_pid" "$LOG"
}

if [ "${1:-}" = --preflight ]; then
    [ "$PLATFORM" = darwin ] && refuse_competitors
    # An adopted server is checked by its own version at the start; ours would run this binary.
    [ "$ADOPT" = true ] || require_binary_version
    exit 0
fi
say "start: ${PLATFORM}, ollama ${OLLAMA_BIN}, listen ${LISTEN}, ready timeout ${TIMEOUT} s"
if [ "$PLATFORM" = darwin ]; then start_darwin; else start_linux; fi
