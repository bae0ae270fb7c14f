#!/usr/bin/env bash
# COPY FROM speed (issue 14): the same 5 M bench.Event rows loaded into the same table three
# ways, interleaved, REPS rounds (default 5), on a throw-away cluster over a local socket:
#   csv       \copy t FROM 'events.csv' (FORMAT csv)                 psql sends the file: COPY FROM STDIN
#   protobuf  \copy t FROM 'events.pb' (FORMAT protobuf, ...)         psql sends the file: COPY FROM STDIN
#   insert    INSERT INTO t SELECT * FROM the foreign table over events.pb (a server-side read)
# The table is emptied (TRUNCATE, its own transaction) before every load.  Prints each time,
# then best and median per way and the ratios protobuf/csv and protobuf/insert (targets: at most
# 0.9 and 1.0).  The dataset is bench/gen_dataset.py's (cached under /tmp/protobuf_fdw_bench).
#
#   bench/copy_from.sh [--rows N] [--reps R] [--no-build]
set -euo pipefail
cd "$(dirname "$0")/.."
rows=5000000 reps=5 build=
while [ $# -gt 0 ]; do
	case $1 in
		--rows) rows=$2; shift 2 ;;
		--reps) reps=$2; shift 2 ;;
		--no-build) build=--no-build; shift ;;
		*) echo "usage: bench/copy_from.sh [--rows N] [--reps R] [--no-build]" >&2; exit 2 ;;
	esac
done
dir=$(/usr/bin/python3 bench/gen_dataset.py --rows "$rows" --seed 42 | tail -n 1)
chmod -R a+rX "$dir"
snap=$(mktemp -d /tmp/pbcopybench.XXXXXX)
sql=$(mktemp /tmp/pbcopybench.XXXXXX.sql)
trap 'rm -rf "$snap" "$sql"' EXIT
bench/snapshot.sh "$snap" $build

cols="id bigint, user_id text, ts_micros bigint, amount float8, quantity int4, is_test bool, country text, url text, status int8, score float4"
{
	echo "\\set ON_ERROR_STOP on"
	echo "CREATE EXTENSION protobuf_fdw;"
	echo "\\set d \`base64 -w0 $dir/bench.desc\`"
	echo "CREATE SERVER pb FOREIGN DATA WRAPPER protobuf_fdw OPTIONS (descriptor :'d');"
	echo "CREATE FOREIGN TABLE ev_pb ($cols) SERVER pb OPTIONS (filename '$dir/events.pb', message 'bench.Event');"
	echo "CREATE TABLE t ($cols);"
	echo "\\timing on"
	for r in $(seq 1 "$reps"); do
		for way in csv protobuf insert; do
			echo "TRUNCATE t;"
			echo "\\echo RUN $r $way"
			case $way in
				csv) echo "\\copy t FROM '$dir/events.csv' (FORMAT csv)" ;;
				protobuf) echo "\\copy t FROM '$dir/events.pb' (FORMAT protobuf, server 'pb', message 'bench.Event')" ;;
				insert) echo "INSERT INTO t SELECT * FROM ev_pb;" ;;
			esac
		done
	done
	echo "\\timing off"
	echo "SELECT count(*) AS last_load_rows FROM t;"
} >"$sql"

PGPORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])') \
	pg_virtualenv -t -v 15 -o extension_destdir="$snap" psql -X -q -f "$sql" 2>&1 |
	/usr/bin/python3 -c '
import re, statistics, sys
times, cur = {}, None
for line in sys.stdin:
    m = re.match(r"RUN (\d+) (\w+)", line)
    if m:
        cur = m.group(2)
        continue
    m = re.match(r"Time: ([\d.]+) ms", line)
    if m and cur:
        times.setdefault(cur, []).append(float(m.group(1)) / 1000)
        print("%-9s %8.2f s" % (cur, times[cur][-1]), flush=True)
        cur = None
    elif "last_load_rows" in line or re.match(r"\s+\d+\s*$", line) or "ERROR" in line:
        print(line.rstrip())
print()
print("%-9s %8s %8s   (seconds, %d rounds)" % ("way", "best", "median", len(times.get("csv", []))))
for w in ("csv", "protobuf", "insert"):
    if w in times:
        print("%-9s %8.2f %8.2f" % (w, min(times[w]), statistics.median(times[w])))
if "protobuf" in times and "csv" in times and "insert" in times:
    p, c, i = times["protobuf"], times["csv"], times["insert"]
    print("protobuf/csv:    best %.3f  median %.3f  (target <= 0.9)" % (min(p) / min(c), statistics.median(p) / statistics.median(c)))
    print("protobuf/insert: best %.3f  median %.3f  (target <= 1.0)" % (min(p) / min(i), statistics.median(p) / statistics.median(i)))
'
