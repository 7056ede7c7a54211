#!/bin/sh
# Update of the native server: its inputs changed. What would refuse the start without any change
# (Ollama.app or Homebrew's service on the port, macOS; an ollama older than the minimum) refuses
# first, so the running server is not stopped for nothing. Then:
#   - the server's settings or scripts changed (RAG_OLLAMA_RUN_HASH differs from the previous run's
#     "@ollama run=", or either is missing): stop what the previous start started (native-stop.sh,
#     which reads PULUMI_COMMAND_STDOUT) and start again with the new settings (native-start.sh);
#   - they did not (only what the checks read changed, such as rag-stack:ollama.minVersion):
#     native-start.sh alone, which reuses the running server after checking its version (and
#     restarts it only when it is older than the minimum and the binary is not).
# Models are not touched.
#
# Environment: as native-start.sh and native-stop.sh (RAG_OLLAMA_RUN_HASH, PULUMI_COMMAND_STDOUT).
# Exit codes: 4 or 7 from the preflight (nothing stopped); then those of native-stop.sh, then of
#   native-start.sh.
set -eu

here=$(dirname "$0")
# shellcheck source-path=SCRIPTDIR
# shellcheck source=native-lib.sh
. "$here/native-lib.sh"

sh "$here/native-start.sh" --preflight
if [ -n "${RAG_OLLAMA_RUN_HASH:-}" ] && [ "$(previous run)" = "$RAG_OLLAMA_RUN_HASH" ]; then
    say "restart: the server's settings and scripts are unchanged (a setting only the checks read changed, such as rag-stack:ollama.minVersion); checking the running server instead of restarting it"
    exec sh "$here/native-start.sh"
fi
say "restart: server settings changed; stopping the previous server, then starting"
sh "$here/native-stop.sh"
exec sh "$here/native-start.sh"
