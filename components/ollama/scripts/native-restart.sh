#!/bin/sh
# Update of the native server: its settings changed, so stop what the previous start started
# (native-stop.sh, which reads PULUMI_COMMAND_STDOUT) and start again with the new settings
# (native-start.sh). What would refuse the start without any change (Ollama.app or Homebrew's
# service on the port, macOS) refuses first, so the running server is not stopped for nothing.
# Models are not touched.
#
# Environment: as native-start.sh and native-stop.sh.
# Exit codes: 4 from the preflight (nothing stopped); then those of native-stop.sh, then of native-start.sh.
set -eu

here=$(dirname "$0")
echo "ollama-native: restart: server settings changed; stopping the previous server, then starting"
sh "$here/native-start.sh" --preflight
sh "$here/native-stop.sh"
exec sh "$here/native-start.sh"
