#!/usr/bin/env bash
# Run a command against a throw-away PostgreSQL 15 cluster (Debian's pg_virtualenv), in a
# temporary directory and on a free port, so that several can run side by side (a test run
# next to a benchmark).  The cluster is removed when the command ends.
#
#   scripts/virtualenv.sh [-o guc=value ...] command [args...]
set -euo pipefail
opts=()
while [ $# -gt 0 ] && [ "$1" = "-o" ]; do
	opts+=(-o "$2")
	shift 2
done
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export PGPORT=$port
exec pg_virtualenv -t -v 15 "${opts[@]}" "$@"
