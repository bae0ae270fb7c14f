#!/usr/bin/env bash
# COPY (FORMAT csv) with and without protobuf_fdw's ProcessUtility hook (issue 14: "every other
# COPY goes to PostgreSQL untouched"): the 5 M bench.Event rows loaded from and written to csv
# files on the server, REPS rounds after a warm-up, each side in a fresh session, the sides
# interleaved; the hooked side LOADs the library first.  Uses the installed extension.
#
#   bench/copy_hook_csv.sh [--rows N] [--reps R]
set -euo pipefail
rows=5000000 reps=5
while [ $# -gt 0 ]; do
	case $1 in
		--rows) rows=$2; shift 2 ;;
		--reps) reps=$2; shift 2 ;;
		*) echo "usage: bench/copy_hook_csv.sh [--rows N] [--reps R]" >&2; exit 2 ;;
	esac
done
dir=$(/usr/bin/python3 bench/gen_dataset.py --rows "$rows" --seed 42 | tail -n 1)
chmod -R a+rX "$dir"
work=$(mktemp -d /tmp/pbcsvhook.XXXXXX)
chmod a+rwx "$work"
trap 'rm -rf "$work"' EXIT
cat >"$work/run.sh" <<SH
#!/bin/bash
set -e
cols="id bigint, user_id text, ts_micros bigint, amount float8, quantity int4, is_test bool, country text, url text, status int8, score float4"
psql -X -q -c "CREATE EXTENSION protobuf_fdw; CREATE TABLE t (\$cols); CREATE TABLE src (\$cols);"
psql -X -q -c "COPY src FROM '$dir/events.csv' (FORMAT csv)"
for r in \$(seq 0 $reps); do
	for side in plain hooked; do
		pre=""; [ \$side = hooked ] && pre="LOAD 'protobuf_fdw';"
		t=\$(printf '%s\nTRUNCATE t;\n\\\\timing on\nCOPY t FROM %s (FORMAT csv);\nCOPY src TO %s (FORMAT csv);\n' \
			"\$pre" "'$dir/events.csv'" "'$work/out.csv'" | psql -X -q | grep -o 'Time: [0-9.]*' | awk '{printf "%s ", \$2 / 1000}')
		[ \$r -gt 0 ] && echo "\$side \$t"
	done
done
SH
chmod a+rx "$work/run.sh"
(cd "$work" && PGPORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])') \
	pg_virtualenv -t -v 15 ./run.sh) | /usr/bin/python3 -c '
import statistics, sys
t = {}
for line in sys.stdin:
    f = line.split()
    if len(f) == 3 and f[0] in ("plain", "hooked"):
        t.setdefault(f[0], []).append((float(f[1]), float(f[2])))
        print(line.rstrip())
for i, what in ((0, "COPY FROM csv"), (1, "COPY TO csv")):
    p = [x[i] for x in t["plain"]]; h = [x[i] for x in t["hooked"]]
    print("%-14s plain %.3f (%.3f)  hooked %.3f (%.3f)  hooked/plain median %.3f best %.3f" % (
        what, statistics.median(p), min(p), statistics.median(h), min(h),
        statistics.median(h) / statistics.median(p), min(h) / min(p)))
'
