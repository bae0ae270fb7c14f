#!/usr/bin/env bash
# test/load/copy_kill.sh — the client killed in the middle of COPY (issue 14), on a throw-away
# cluster (scripts/virtualenv.sh):
#   1. COPY (query) TO STDOUT (FORMAT parquet) of 2 M rows: psql killed (SIGKILL) once bytes flow;
#   2. COPY t FROM STDIN (FORMAT protobuf) of 5 M messages: psql killed once the load runs;
#   3. COPY t TO 'file' (FORMAT parquet) cancelled (pg_cancel_backend) mid-file;
# after each: the backend is gone (or idle) within 10 s, the server is up (same postmaster start
# time, no crash in the log), nothing was committed, no ".*.tmp.<pid>" file is left, and a new
# session runs the same COPY to the end (its Parquet file read back by DuckDB).
# Prints "N passed, N failed".  Uses the installed protobuf_fdw, or $PBFDW_EXTENSION_DESTDIR.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
if [ "${1:-}" != "--inside" ]; then
	dir=/tmp/protobuf_fdw_copykill
	rm -rf "$dir"; mkdir -p "$dir/out"
	# the benchmark's 5 M events (cached under /tmp/protobuf_fdw_bench)
	data=$(/usr/bin/python3 bench/gen_dataset.py --rows 5000000 --seed 42 | tail -n 1) || exit 1
	export PBFDW_KILL_DATA=$data
	chmod -R a+rwX "$dir" "$PBFDW_KILL_DATA"
	export PBFDW_KILL_DIR=$dir
	opts=()
	[ -n "${PBFDW_EXTENSION_DESTDIR:-}" ] && opts=(-o "extension_destdir=$PBFDW_EXTENSION_DESTDIR")
	scripts/virtualenv.sh "${opts[@]}" "$0" --inside
	exit $?
fi

dir=$PBFDW_KILL_DIR data=$PBFDW_KILL_DATA
pass=0 fail=0
check() { if eval "$2"; then echo "ok   $1"; pass=$((pass + 1)); else echo "FAIL $1"; fail=$((fail + 1)); fi; }
q() { psql -X -q -At -v ON_ERROR_STOP=1 -c "$1"; }
log="$(dirname "$PG_CLUSTER_CONF_ROOT")/log/postgresql-15-regress.log"

q "CREATE EXTENSION protobuf_fdw" >/dev/null
# every session loads the library, as the README says a DBA sets it up (by its path when the
# cluster loads a private install: extension_destdir does not apply to preloaded libraries)
destdir=$(q "SELECT current_setting('extension_destdir', true)")
lib=protobuf_fdw
[ -n "$destdir" ] && lib="$destdir$(pg_config --pkglibdir)/protobuf_fdw.so"
q "ALTER DATABASE postgres SET session_preload_libraries = '$lib'"
desc=$(base64 -w0 "$data/bench.desc")
q "CREATE SERVER pb FOREIGN DATA WRAPPER protobuf_fdw OPTIONS (descriptor '$desc')"
cols="id bigint, user_id text, ts_micros bigint, amount float8, quantity int4, is_test bool, country text, url text, status int8, score float4"
q "CREATE TABLE t ($cols)"
q "CREATE TABLE big AS SELECT g AS id, md5(g::text) AS s, g * 0.5 AS f FROM generate_series(1, 2000000) g"
start=$(q "SELECT pg_postmaster_start_time()")

# the backend of the COPY: gone, or idle, within 10 s
backend_gone() {
	for _ in $(seq 1 50); do
		[ "$(q "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'COPY%' AND pid <> pg_backend_pid() AND state <> 'idle'")" = 0 ] && return 0
		sleep 0.2
	done
	return 1
}
server_fine() {
	[ "$(q "SELECT pg_postmaster_start_time()")" = "$start" ] &&
		! grep -qE "terminated by signal|was terminated|PANIC" "$log"
}

# 1. COPY TO STDOUT, client killed
psql -X -q -c "COPY (SELECT * FROM big) TO STDOUT (FORMAT parquet, row_group_size 10000)" >"$dir/out/killed.parquet" &
cpid=$!
for _ in $(seq 1 100); do [ -s "$dir/out/killed.parquet" ] && break; sleep 0.1; done
check "COPY TO STDOUT: bytes flowed before the kill" "[ -s $dir/out/killed.parquet ]"
kill -9 $cpid; wait $cpid 2>/dev/null
check "COPY TO STDOUT killed: the backend is gone" backend_gone
check "COPY TO STDOUT killed: the server is up, no crash" server_fine
q "COPY (SELECT * FROM big) TO STDOUT (FORMAT parquet, row_group_size 100000)" >"$dir/out/next.parquet"
n=$(node test/parquet/readback.mjs --raw "$dir/out/next.parquet" "SELECT count(*) || ' ' || sum(id) FROM t")
check "COPY TO STDOUT: the next session writes the whole file ($n)" "[ '$n' = '2000000 2000001000000' ]"

# 2. COPY FROM STDIN, client killed
psql -X -q -c "\\copy t FROM '$data/events.pb' (FORMAT protobuf, server 'pb', message 'bench.Event')" &
cpid=$!
for _ in $(seq 1 100); do
	[ "$(q "SELECT count(*) FROM pg_stat_progress_copy WHERE tuples_processed > 0")" != 0 ] && break
	sleep 0.1
done
check "COPY FROM STDIN: rows were being loaded before the kill" \
	"[ \"\$(q \"SELECT count(*) FROM pg_stat_progress_copy WHERE tuples_processed > 0\")\" != 0 ]"
kill -9 $cpid; wait $cpid 2>/dev/null
check "COPY FROM STDIN killed: the backend is gone" backend_gone
check "COPY FROM STDIN killed: nothing committed" "[ \"\$(q 'SELECT count(*) FROM t')\" = 0 ]"
check "COPY FROM STDIN killed: the server is up, no crash" server_fine
psql -X -q -v ON_ERROR_STOP=1 -c "\\copy t FROM '$data/events.pb' (FORMAT protobuf, server 'pb', message 'bench.Event')" >/dev/null
check "COPY FROM STDIN: the next session loads every row" "[ \"\$(q 'SELECT count(*) FROM t')\" = 5000000 ]"

# 3. COPY TO a server file, cancelled: no temporary file stays, no target appears
psql -X -q -c "COPY (SELECT * FROM big) TO '$dir/out/cancelled.parquet' (FORMAT parquet, compression 'gzip', compression_level 9)" 2>/dev/null &
cpid=$!
sleep 2
q "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE query LIKE 'COPY (SELECT * FROM big) TO%'" >/dev/null
wait $cpid 2>/dev/null
check "COPY TO file cancelled: no target, no temporary file" \
	"[ ! -e $dir/out/cancelled.parquet ] && [ -z \"\$(ls -A $dir/out | grep '\.tmp\.')\" ]"
check "COPY TO file cancelled: the server is up, no crash" server_fine

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
