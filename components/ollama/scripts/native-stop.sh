#!/bin/sh
# Stops the native Ollama server this stack started, and only that one. Never by name.
#   launchd (macOS): `launchctl bootout gui/<uid>/<label>`, then waits (bounded) until launchd has let
#     go of the job and the job's process has exited (bootout is asynchronous), then removes the plist.
#     It waits for our PID, not for the port: another server (Ollama.app, brew services) may hold
#     the port while our agent restarts in a loop, and "the port answers" says nothing about ours.
#   pidfile (Linux): SIGTERM to the pidfile's PID, only after checking it is still an `ollama serve`
#     started when we recorded it (a reused PID belonging to another program is left alone);
#     SIGKILL to that same verified PID if it has not exited after 15 s; removes the pidfile.
#   adopted: an Ollama this stack did not start is left running.
# Succeeds when the server is already stopped. Never deletes models or logs.
#
# Environment:
#   PULUMI_COMMAND_STDOUT  stdout of the previous start (its "@ollama managed=..." line says what
#                          was started); without it, the current settings below are used
#   RAG_OLLAMA_STATE_DIR   Linux: directory holding ollama.pid
#   RAG_OLLAMA_LABEL       macOS: launchd label
#   RAG_OLLAMA_LAUNCHD_TIMEOUT  macOS: seconds to wait for launchd to let go of the job (default 30)
# Exit codes: 0 stopped, already stopped, or not ours; 2 bad environment; 5 could not stop it.
set -eu

# shellcheck source-path=SCRIPTDIR
# shellcheck source=native-lib.sh
. "$(dirname "$0")/native-lib.sh"

managed=$(previous managed)
if [ -z "$managed" ]; then
    detect_platform
    if [ "$PLATFORM" = darwin ]; then
        managed="launchd:${RAG_OLLAMA_LABEL:-}"
    else
        linux_paths
        managed="pidfile:${PIDFILE}"
    fi
    say "stop: no record of the previous start; using the current settings (${managed})"
fi

case "$managed" in
    adopted)
        say "stop: the Ollama on this port was adopted, not started by rag-stack; leaving it running"
        ;;
    launchd:*)
        RAG_OLLAMA_LABEL=${managed#launchd:}
        darwin_paths
        if launchd_loaded; then
            stop_pid=$(launchd_pid)
            say "stop: launchctl bootout ${DOMAIN}/${LABEL}${stop_pid:+ (pid ${stop_pid})}"
            launchd_bootout_wait "$stop_pid" ||
                die 5 "launchctl bootout ${DOMAIN}/${LABEL}: the job is still in launchd${stop_pid:+, or its pid ${stop_pid} still runs,} after ${launchd_limit} s; check \`launchctl print ${DOMAIN}/${LABEL}\`${stop_pid:+ and ps -p ${stop_pid} -o pid,stat,args}, then run pulumi up again"
        else
            say "stop: ${LABEL} is not loaded in ${DOMAIN}; already stopped"
        fi
        rm -f "$PLIST"
        say "stop: removed ${PLIST}; logs kept in ${LOG_DIR}, models untouched"
        ;;
    pidfile:*)
        PIDFILE=${managed#pidfile:}
        STARTED_FILE="$(dirname "$PIDFILE")/ollama.started"
        if [ ! -f "$PIDFILE" ]; then
            say "stop: no pidfile ${PIDFILE}; already stopped"
            exit 0
        fi
        pid=$(cat "$PIDFILE" 2>/dev/null || true)
        if pid_is_our_server "$pid" "$STARTED_FILE"; then
            say "stop: SIGTERM to pid ${pid} (our ollama serve)"
            kill "$pid" 2>/dev/null || true
            if ! wait_gone "$pid" 15; then
                if pid_is_our_server "$pid" "$STARTED_FILE"; then
                    say "stop: pid ${pid} still running after 15 s; SIGKILL"
                    kill -9 "$pid" 2>/dev/null || true
                fi
                wait_gone "$pid" 5 || die 5 "pid ${pid} (ollama serve) does not exit; look at it with: ps -p ${pid} -o pid,stat,args"
            fi
            say "stop: pid ${pid} exited"
        elif [ -n "$pid" ] && running "$pid"; then
            say "stop: pid ${pid} is now \"$(ps -p "$pid" -o args= 2>/dev/null)\", not our ollama serve; leaving it alone"
        else
            say "stop: pid ${pid:-?} is not running; already stopped"
        fi
        rm -f "$PIDFILE" "$STARTED_FILE"
        say "stop: removed ${PIDFILE}; log and models kept"
        ;;
    *)
        die 2 "stop: unknown record \"${managed}\" in the previous output; stop the server by hand (see docs/native-ollama.md, \"Stopping it by hand\")"
        ;;
esac
