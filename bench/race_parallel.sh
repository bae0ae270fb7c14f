#!/usr/bin/env bash
# The race check of parallel splits: read a delimited file, a container file and a glob of 4 files
# with W parallel workers, R times each, and compare every run's rows with the serial scan's: the
# md5 of every row's (file, ordinal, offset, id, user_id) in (file, offset) order, and the count.
# A claim that lost or repeated a record, or numbered it wrongly, changes the md5.
#
#   bench/race_parallel.sh [--rows N] [--runs R] [--workers W] [--no-build]
#
# Defaults: 100000 rows (8.7 MB files: ~34 blocks of 256 kB each), 15 runs, 2 workers.  The
# extension is loaded from a private snapshot (bench/snapshot.sh), so the shared installation is
# left alone.  Exit status 0 if every run agreed.
set -euo pipefail
cd "$(dirname "$0")/.."

rows=100000 runs=15 workers=2 build=1
while [ $# -gt 0 ]; do
	case "$1" in
	--rows) rows=$2; shift 2 ;;
	--runs) runs=$2; shift 2 ;;
	--workers) workers=$2; shift 2 ;;
	--no-build) build=; shift ;;
	*) echo "usage: $0 [--rows N] [--runs R] [--workers W] [--no-build]" >&2; exit 2 ;;
	esac
done

# Debian's python3-protobuf is only visible to Debian's own interpreter.
PY=/usr/bin/python3
flat=$($PY bench/gen_dataset.py --rows "$rows" --seed 42 | tail -1)
work=/tmp/protobuf_fdw_bench/race_N${rows}
$PY -c "import os, sys; sys.path.insert(0, 'bench'); import bench45
src = os.path.join('$flat', 'events.pb')
bench45.split_file(src, '$work/split4', -(-os.path.getsize(src) // 4), digits=1)" >&2

mkdir -p /tmp/protobuf_fdw_bench
snap=$(mktemp -d /tmp/protobuf_fdw_bench/install.XXXXXX)
trap 'rm -rf "$snap"' EXIT
bench/snapshot.sh "$snap" $([ -n "$build" ] || echo --no-build) >&2

export RACE_FLAT=$flat RACE_WORK=$work RACE_RUNS=$runs RACE_WORKERS=$workers
scripts/virtualenv.sh -o extension_destdir="$snap" bash -c '
set -euo pipefail
q() { psql -X -At -v ON_ERROR_STOP=1 -c "SET client_min_messages = warning" "$@"; }
cols="f text OPTIONS (meta '\''filename'\''), ord bigint OPTIONS (meta '\''ordinal'\''),
      off bigint OPTIONS (meta '\''offset'\''), id bigint, user_id text"
q -c "CREATE EXTENSION protobuf_fdw" \
  -c "CREATE SERVER pb FOREIGN DATA WRAPPER protobuf_fdw OPTIONS (descriptor_set '\''$RACE_FLAT/bench.desc'\'')" \
  -c "CREATE FOREIGN TABLE race_delimited ($cols) SERVER pb
        OPTIONS (filename '\''$RACE_FLAT/events.pb'\'', message '\''bench.Event'\'')" \
  -c "CREATE FOREIGN TABLE race_container ($cols) SERVER pb
        OPTIONS (filename '\''$RACE_FLAT/batch.pb'\'', framing '\''container'\'', container '\''bench.Batch.events'\'')" \
  -c "CREATE FOREIGN TABLE race_glob ($cols) SERVER pb
        OPTIONS (filename '\''$RACE_WORK/split4/events-*.pb'\'', message '\''bench.Event'\'')" >/dev/null
par="SET max_parallel_workers_per_gather = $RACE_WORKERS; SET parallel_setup_cost = 0;
     SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0"
bad=0 total=0
for t in race_delimited race_container race_glob; do
	sql="SELECT count(*) || '\'' '\'' || md5(string_agg(concat_ws('\'','\'', f, ord, off, id, user_id), '\'';'\'' ORDER BY f, off)) FROM $t"
	serial=$(q -c "SET max_parallel_workers_per_gather = 0" -c "$sql" | tail -1)
	launched=$(q -c "$par" -c "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) $sql" | grep -E "Workers Launched|Parallel Foreign Scan" | tr -s " " | paste -sd ";" -)
	same=0
	for r in $(seq "$RACE_RUNS"); do
		got=$(q -c "$par" -c "$sql" | tail -1)
		total=$((total + 1))
		if [ "$got" = "$serial" ]; then same=$((same + 1)); else bad=$((bad + 1)); echo "  $t run $r: $got" >&2; fi
	done
	echo "$t: serial $serial; parallel plan:$launched; $same of $RACE_RUNS runs equal"
done
echo "race check: $((total - bad)) of $total parallel runs equal to the serial rows, offsets, ordinals"
[ "$bad" -eq 0 ]
'
