#!/usr/bin/env bash
# test/load/run.sh [SECONDS] — concurrent load (issue 6): 16 pgbench sessions for SECONDS
# (default $PBFDW_LOAD_SECONDS, else 60) on loopback against a throw-away cluster
# (scripts/virtualenv.sh), mixing
#   - scans of the same protobuf files: flat aggregate, jsonb, gzip, zstd, a glob of 4 files,
#     each checked against the aggregates generate.py computed (a wrong answer aborts the client);
#   - exports to different targets: each client writes its own files, named after the rows and
#     the sum of ids they must hold (c<client>_<source>_r<rows>_s<sum>.parquet), from the plain,
#     glob and zstd tables, with every codec, some in many small row groups; and exports of
#     the gzip table to 40 targets all the clients share (all_shared_r<rows>_s<sum>.parquet),
#     so that renames over one path race;
#   - failing queries: a missing file, a truncated file, a corrupt gzip stream, an unknown
#     message, a bad table option, a bad compression name, an export into a directory the
#     server cannot write, an export whose query fails after 15 row groups.  Each runs inside
#     a PL/pgSQL function that catches the error and raises if its SQLSTATE is not the expected
#     one (pgbench 15 aborts a client on any error, so an unexpected error fails the run);
# beside two COPY clients (issue 14): COPY FROM STDIN (FORMAT protobuf) of the plain and zstd
# files, checked by count and sum; COPY TO STDOUT (FORMAT parquet) files, read back by DuckDB;
# while one long-lived psql session runs the same mix 1 + LOAD_PASSES (default 20) times,
# counting its non-relation file descriptors after the first pass and after the last.
# Then it checks, each able to fail:
#   - pgbench ran every script, exited 0, no client aborted, no failed transaction;
#   - no crash: pg_postmaster_start_time() unchanged, the server log has no "terminated by
#     signal", "server process ... was terminated", "terminating any other active server
#     processes" or PANIC;
#   - every export file is readable by DuckDB (test/parquet/readback.mjs) and holds the row
#     count and sum of ids its name states; the files on disk are exactly those the
#     successful exports logged; the failed exports left no target;
#   - no temporary file ".<name>.tmp.<pid>" is left anywhere;
#   - the postmaster holds no more open descriptors (/proc/<pid>/fd) after than before, and the
#     long-lived backend holds no more non-relation descriptors after the last pass than
#     after the first.
# Prints the figures, then "N passed, N failed".  Uses the installed protobuf_fdw, or the one
# under $PBFDW_EXTENSION_DESTDIR (a `make install DESTDIR=...` snapshot) if set.  Files go to
# $PBFDW_LOAD_DIR (default /tmp/protobuf_fdw_load).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
if [ "${2:-}" != "--inside" ]; then
	secs=${1:-${PBFDW_LOAD_SECONDS:-60}}
	dir=${PBFDW_LOAD_DIR:-/tmp/protobuf_fdw_load}
	rm -rf "$dir"
	mkdir -p "$dir/out"
	/usr/bin/python3 test/load/generate.py "$dir" >"$dir/expected.env" || exit 1
	chmod -R a+rwX "$dir"
	# a directory the server (user postgres) cannot write into
	mkdir -m 0755 "$dir/ro"
	chown root:root "$dir/ro"
	export PBFDW_LOAD_DIR=$dir
	opts=()
	[ -n "${PBFDW_EXTENSION_DESTDIR:-}" ] && opts=(-o "extension_destdir=$PBFDW_EXTENSION_DESTDIR")
	scripts/virtualenv.sh "${opts[@]}" "$0" "$secs" --inside
	exit $?
fi

# ---- inside the throw-away cluster ----
secs=$1
dir=$PBFDW_LOAD_DIR
passes=${LOAD_PASSES:-20}
# shellcheck disable=SC1091
. "$dir/expected.env"
log="$(dirname "$PG_CLUSTER_CONF_ROOT")/log/postgresql-15-regress.log"
res=$(mktemp -d)
chmod 755 "$res"
trap 'rm -rf "$res"' EXIT

cat >"$res/setup.sql" <<SQL
\\set ON_ERROR_STOP 1
SET client_min_messages = warning;
CREATE EXTENSION protobuf_fdw;
CREATE SERVER pb FOREIGN DATA WRAPPER protobuf_fdw OPTIONS (descriptor_set '$dir/bench.desc');
CREATE FOREIGN TABLE ev_json (doc jsonb OPTIONS (field '.'))
  SERVER pb OPTIONS (filename '$dir/events.pb', message 'bench.Event');
CREATE FOREIGN TABLE bad_message (id bigint)
  SERVER pb OPTIONS (filename '$dir/events.pb', message 'bench.NoSuchMessage');
-- one schema per input, its table <schema>."Event" made by IMPORT FOREIGN SCHEMA
$(for src in "plain events.pb" "gz events.pb.gz" "zst events.pb.zst', compression 'zstd" "glob parts/*.pb" \
	"trunc truncated.pb" "badgz corrupt.pb.gz" "missing no_such_file.pb"; do
	echo "CREATE SCHEMA ${src%% *};"
	echo "IMPORT FOREIGN SCHEMA bench LIMIT TO (\"Event\") FROM SERVER pb INTO ${src%% *} OPTIONS (filename '$dir/${src#* }');"
done)

-- scans and what they must return
CREATE TABLE scan_expect (kind text PRIMARY KEY, q text NOT NULL, want text NOT NULL);
INSERT INTO scan_expect VALUES
 ('flat', \$q\$SELECT concat_ws('/', count(*), sum(id), sum(quantity), sum(amount), max(user_id),
    count(*) FILTER (WHERE country = 'FR'), count(*) FILTER (WHERE is_test)) FROM plain."Event"\$q\$,
  '$EXP_COUNT/$EXP_SUM_ID/$EXP_SUM_QTY/$EXP_SUM_AMOUNT/$EXP_MAX_USER/$EXP_FR/$EXP_TEST'),
 ('jsonb', \$q\$SELECT concat_ws('/', count(*), sum((doc->>'id')::bigint), sum((doc->>'quantity')::int),
    count(*) FILTER (WHERE doc->>'country' = 'FR')) FROM ev_json\$q\$,
  '$EXP_COUNT/$EXP_SUM_ID/$EXP_SUM_QTY/$EXP_FR'),
 ('gzip', \$q\$SELECT concat_ws('/', count(*), sum(id), sum(amount), max(user_id)) FROM gz."Event"\$q\$,
  '$EXP_COUNT/$EXP_SUM_ID/$EXP_SUM_AMOUNT/$EXP_MAX_USER'),
 ('zstd', \$q\$SELECT concat_ws('/', count(*), sum(id), sum(amount), max(user_id)) FROM zst."Event"\$q\$,
  '$EXP_COUNT/$EXP_SUM_ID/$EXP_SUM_AMOUNT/$EXP_MAX_USER'),
 ('glob', \$q\$SELECT concat_ws('/', count(*), sum(id), sum(quantity), max(user_id)) FROM glob."Event"\$q\$,
  '$EXP_COUNT/$EXP_SUM_ID/$EXP_SUM_QTY/$EXP_MAX_USER');

CREATE FUNCTION check_scan(kind text) RETURNS text LANGUAGE plpgsql AS \$f\$
DECLARE
  r scan_expect;
  got text;
BEGIN
  SELECT * INTO STRICT r FROM scan_expect s WHERE s.kind = check_scan.kind;
  EXECUTE r.q INTO got;
  IF got IS DISTINCT FROM r.want THEN
    RAISE EXCEPTION 'scan % returned %, expected %', kind, got, r.want;
  END IF;
  RETURN got;
END
\$f\$;

-- failing queries and the SQLSTATE each must raise ({client} is the client's number)
CREATE TABLE fail_expect (kind text PRIMARY KEY, q text NOT NULL, state text NOT NULL);
INSERT INTO fail_expect VALUES
 ('missing', 'SELECT * FROM missing."Event"', '58P01'),
 ('truncated', 'SELECT * FROM trunc."Event"', '22P03'),
 ('corrupt_gz', 'SELECT * FROM badgz."Event"', '22P03'),
 ('no_message', 'SELECT * FROM bad_message', 'HV00R'),
 ('bad_option', \$q\$CREATE FOREIGN TABLE bad_opt_{client} (id bigint) SERVER pb
    OPTIONS (filename '$dir/events.pb', message 'bench.Event', frobnicate 'yes')\$q\$, 'HV00D'),
 ('bad_codec', \$q\$SELECT * FROM parquet_export('SELECT id FROM plain."Event"', '$dir/out/c{client}_codec.parquet',
    compression => 'bogus')\$q\$, '22023'),
 ('export_ro', \$q\$SELECT * FROM parquet_export('SELECT id, user_id FROM plain."Event"', '$dir/ro/c{client}.parquet')\$q\$,
  '42501'),
 ('export_midfail', \$q\$SELECT * FROM parquet_export('SELECT id, 1 / (id - 1501) AS x FROM plain."Event"',
    '$dir/out/c{client}_fail.parquet', row_group_size => 100)\$q\$, '22012');

CREATE FUNCTION expect_error(kind text, client int) RETURNS text LANGUAGE plpgsql AS \$f\$
DECLARE
  r fail_expect;
  q text;
  got text;
  msg text;
BEGIN
  SELECT * INTO STRICT r FROM fail_expect f WHERE f.kind = expect_error.kind;
  q := replace(r.q, '{client}', client::text);
  BEGIN
    EXECUTE q;
  EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS got = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
  END;
  IF got IS NULL THEN
    RAISE EXCEPTION 'no error from %', q;
  END IF;
  IF got <> r.state THEN
    RAISE EXCEPTION 'SQLSTATE % (%) from %, expected %', got, msg, q, r.state;
  END IF;
  RETURN got;
END
\$f\$;

-- exports: each client its own targets, named after what they must hold
CREATE TABLE export_log (client int, file text, rows bigint, sum_id numeric);
CREATE FUNCTION check_export(client int, src text, k int, codec int) RETURNS bigint
LANGUAGE plpgsql AS \$f\$
DECLARE
  n bigint;
  s numeric;
  q text;
  f text;
  got bigint;
  comp text := (ARRAY['zstd', 'snappy', 'gzip', 'uncompressed', 'lz4_raw', 'brotli'])[codec];
BEGIN
  IF src = 'plain' THEN
    n := k * 50;
    s := n * (n + 1) / 2;
    q := format('SELECT id, user_id, amount, country FROM plain."Event" WHERE id <= %s', n);
  ELSIF src = 'glob' THEN
    n := $EXP_COUNT / k;
    s := k * n * (n + 1) / 2;
    q := format('SELECT id, user_id, amount, country FROM glob."Event" WHERE id %% %s = 0', k);
  ELSIF src = 'shared' THEN
    -- all the clients write the same 40 targets: renames race over one path
    n := k * 50;
    s := n * (n + 1) / 2;
    q := format('SELECT id, user_id, amount, country FROM gz."Event" WHERE id <= %s', n);
  ELSE
    n := k * 50;
    s := n * ($EXP_COUNT - n + 1 + $EXP_COUNT) / 2;
    q := format('SELECT id, user_id, amount, country FROM zst."Event" WHERE id > %s', $EXP_COUNT - n);
  END IF;
  f := format('$dir/out/%s_%s_r%s_s%s.parquet',
              CASE WHEN src = 'shared' THEN 'all' ELSE 'c' || client END, src, n, s);
  SELECT rows INTO got FROM parquet_export(q, f, compression => comp,
    row_group_size => CASE WHEN k % 2 = 0 THEN 97 ELSE 122880 END);
  IF got IS DISTINCT FROM n THEN
    RAISE EXCEPTION 'export % reported % rows, expected %', f, got, n;
  END IF;
  INSERT INTO export_log VALUES (client, f, n, s);
  RETURN got;
END
\$f\$;
SELECT check_scan(kind) FROM scan_expect ORDER BY kind;
SELECT extract(epoch FROM pg_postmaster_start_time()) AS started, current_setting('data_directory') AS datadir \\gset
\\echo ==STARTED :started
\\echo ==DATADIR :datadir
SQL

# the pgbench scripts, with their weights
declare -A weight=(
	[scan_flat]=2 [scan_jsonb]=1 [scan_compressed]=1 [scan_glob]=1
	[export_plain]=2 [export_glob]=1 [export_zstd]=1 [export_shared]=1
	[fail_read]=2 [fail_option]=1 [fail_export]=2
)
echo "SELECT check_scan('flat');" >"$res/scan_flat.sql"
echo "SELECT check_scan('jsonb');" >"$res/scan_jsonb.sql"
printf "SELECT check_scan('gzip');\nSELECT check_scan('zstd');\n" >"$res/scan_compressed.sql"
echo "SELECT check_scan('glob');" >"$res/scan_glob.sql"
for src in plain glob zstd shared; do
	printf '\\set k random(1, 40)\n\\set c random(1, 6)\nSELECT check_export(:client_id, '"'%s'"', :k, :c);\n' "$src" \
		>"$res/export_$src.sql"
done
printf "SELECT expect_error('%s', :client_id);\n" missing truncated corrupt_gz no_message >"$res/fail_read.sql"
printf "SELECT expect_error('%s', :client_id);\n" bad_option bad_codec >"$res/fail_option.sql"
printf "SELECT expect_error('%s', :client_id);\n" export_ro export_midfail >"$res/fail_export.sql"
bench_args=()
for s in "${!weight[@]}"; do
	bench_args+=(-f "$res/$s.sql@${weight[$s]}")
done

# the long-lived session: the whole mix once, its descriptors, then LOAD_PASSES more times
{
	cat <<'SQL'
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only on
SELECT pg_backend_pid() AS pid \gset
\setenv BPID :pid
\echo ==PID :pid
SQL
	mix() {
		echo "SELECT count(check_scan(kind)) FROM scan_expect;"
		echo "SELECT count(expect_error(kind, 100)) FROM fail_expect;"
		echo "SELECT check_export(100, src, $1, $1 % 6 + 1) FROM unnest(ARRAY['plain', 'glob', 'zstd']) src;"
	}
	mix 1
	echo "\\! echo \"==FD1 \$(find /proc/\$BPID/fd -mindepth 1 -printf '%l\\n' | grep -vcE '/(base|global|pg_wal)/')\""
	echo "\\! find /proc/\$BPID/fd -mindepth 1 -printf '==FDLIST1 %l\\n' | grep -vE '/(base|global|pg_wal)/'"
	for ((p = 2; p <= passes + 1; p++)); do mix $((p % 40 + 1)); done
	echo "\\! echo \"==FD2 \$(find /proc/\$BPID/fd -mindepth 1 -printf '%l\\n' | grep -vcE '/(base|global|pg_wal)/')\""
	echo "\\! find /proc/\$BPID/fd -mindepth 1 -printf '==FDLIST2 %l\\n' | grep -vE '/(base|global|pg_wal)/'"
	echo "SELECT pg_backend_pid() AS pid2 \\gset"
	echo "\\echo ==PID2 :pid2"
} >"$res/session.sql"

PAGER='' psql -X -q -d postgres -f "$res/setup.sql" >"$res/setup.out" 2>&1
setup_status=$?
datadir=$(sed -n 's/^==DATADIR //p' "$res/setup.out")
pm=$(head -1 "$datadir/postmaster.pid" 2>/dev/null)
pm_fd1=$(find "/proc/$pm/fd" -mindepth 1 2>/dev/null | wc -l)
ls -l "/proc/$pm/fd" >"$res/pmfd1.txt" 2>&1

# COPY clients (issue 14), beside pgbench until it ends: one loads events.pb (and its zstd
# copy) through COPY FROM STDIN (FORMAT protobuf) into a temporary table and checks the count
# and sum of ids; one streams the plain table through COPY TO STDOUT (FORMAT parquet) into
# out_copy/<n>.parquet, read back by DuckDB below.  A scan first loads the library.
mkdir -p "$dir/out_copy"
copy_in_client() {
	local n=0 src got
	while [ "$(date +%s)" -lt "$1" ]; do
		n=$((n + 1))
		src="events.pb' (FORMAT protobuf, server 'pb', message 'bench.Event')"
		[ $((n % 2)) = 0 ] && src="events.pb.zst' (FORMAT protobuf, server 'pb', message 'bench.Event', compression 'zstd')"
		got=$(printf '%s\n' "SELECT 1 FROM plain.\"Event\" LIMIT 0;" \
			"CREATE TEMP TABLE ci (LIKE plain.\"Event\");" \
			"\\copy ci FROM '$dir/$src" \
			"SELECT count(*) || ' ' || sum(id) FROM ci;" |
			psql -X -q -At -h 127.0.0.1 -d postgres -v ON_ERROR_STOP=1 2>&1 | tail -1)
		if [ "$got" = "$EXP_COUNT $EXP_SUM_ID" ]; then echo ok; else echo "FAIL copy in $n: $got"; fi
	done
}
copy_out_client() {
	local n=0
	while [ "$(date +%s)" -lt "$1" ]; do
		n=$((n + 1))
		if printf '%s\n' "SELECT 1 FROM plain.\"Event\" LIMIT 0;" \
			"COPY (SELECT * FROM plain.\"Event\") TO STDOUT (FORMAT parquet, compression 'zstd', row_group_size 500) \\g $dir/out_copy/$n.parquet" |
			psql -X -q -h 127.0.0.1 -d postgres -v ON_ERROR_STOP=1 >/dev/null 2>"$res/copy_out.err"; then
			echo ok
		else
			echo "FAIL copy out $n: $(head -c 300 "$res/copy_out.err")"
		fi
	done
}
copy_until=$(( $(date +%s) + secs ))
copy_in_client "$copy_until" >"$res/copy_in.txt" 2>&1 &
copy_in_job=$!
copy_out_client "$copy_until" >"$res/copy_out.txt" 2>&1 &
copy_out_job=$!

# the long-lived session runs beside pgbench, on loopback too
PAGER='' psql -X -h 127.0.0.1 -d postgres -f "$res/session.sql" >"$res/session.out" 2>&1 &
session_job=$!
start=$(date +%s)
pgbench -n -h 127.0.0.1 -c 16 -j 2 -T "$secs" "${bench_args[@]}" postgres >"$res/pgbench.out" 2>&1
bench_status=$?
wait "$session_job"
session_status=$?
wait "$copy_in_job" "$copy_out_job"
node test/parquet/readback.mjs --raw "$dir/out_copy/*.parquet" \
	"SELECT count(*) FILTER (WHERE n = $EXP_COUNT AND s = $EXP_SUM_ID) || ' ' || count(*) FROM (SELECT filename, count(*) AS n, sum(id) AS s FROM read_parquet(\$FILE, filename = true) GROUP BY ALL)" \
	>"$res/copy_out_duck.txt" 2>&1
echo "load: pgbench and the long-lived session ended after $(( $(date +%s) - start )) s"

# after: same postmaster?  then its descriptors
PAGER='' psql -X -At -d postgres -c "SELECT extract(epoch FROM pg_postmaster_start_time())" >"$res/started2.txt" 2>&1
sleep 1	# backends of the pgbench clients finish exiting
pm_fd2=$(find "/proc/$pm/fd" -mindepth 1 2>/dev/null | wc -l)
ls -l "/proc/$pm/fd" >"$res/pmfd2.txt" 2>&1
PAGER='' psql -X -At -F ' ' -d postgres -c "SELECT DISTINCT file, rows, sum_id FROM export_log ORDER BY 1" \
	>"$res/export_log.txt" 2>&1
PAGER='' psql -X -At -d postgres -c "SELECT count(*) FROM export_log" >"$res/export_count.txt" 2>&1
find "$dir" -name '.*.tmp.*' >"$res/tmpfiles.txt"
ls "$dir/ro" >"$res/ro.txt"
find "$dir/out" -name '*_fail.parquet' -o -name '*_codec.parquet' >"$res/failed_targets.txt"
# DuckDB reads every export back: rows and sum of ids per file
node test/parquet/readback.mjs --raw "$dir/out/*.parquet" \
	"SELECT filename, count(*), sum(id) FROM read_parquet(\$FILE, filename = true) GROUP BY ALL ORDER BY 1" \
	>"$res/duckdb.txt" 2>&1
duck_status=$?
if [ "$duck_status" -ne 0 ]; then
	# find the unreadable ones
	for f in "$dir"/out/*.parquet; do
		node test/parquet/readback.mjs --raw "$f" "SELECT count(*) FROM t" >/dev/null 2>&1 ||
			echo "unreadable: $f" >>"$res/duckdb.txt"
	done
fi
cp "$res/pgbench.out" /tmp/protobuf_fdw_load.pgbench.out 2>/dev/null
cp "$res/session.out" /tmp/protobuf_fdw_load.session.out 2>/dev/null
cp "$log" /tmp/protobuf_fdw_load.server.log 2>/dev/null

/usr/bin/python3 - "$res" "$log" "$setup_status" "$bench_status" "$session_status" "$duck_status" \
	"$pm" "$pm_fd1" "$pm_fd2" "$secs" "$passes" "${#weight[@]}" <<'PY'
import os, re, sys
res, log = sys.argv[1], sys.argv[2]
setup_status, bench_status, session_status, duck_status = map(int, sys.argv[3:7])
pm, pm_fd1, pm_fd2, secs, passes = sys.argv[7], int(sys.argv[8]), int(sys.argv[9]), sys.argv[10], int(sys.argv[11])
n_scripts = int(sys.argv[12])
def read(name):
    try:
        return open(os.path.join(res, name), errors="replace").read()
    except OSError:
        return ""
results = []
def ok(c, what):	# one check
    results.append(bool(c))
    if not c:
        print("FAILED:", what)

setup = read("setup.out")
ok(setup_status == 0, "setup failed: %s" % setup[-2000:])
bench = read("pgbench.out")
print("load: pgbench output:")
for line in bench.splitlines():
    if re.match(r"(number of|latency|tps|SQL script|- \d+ transactions|- weight|pgbench|client \d+ )", line.strip()) \
            or "aborted" in line or "ERROR" in line:
        print("load:   " + line)
ok(bench_status == 0, "pgbench exited with status %d" % bench_status)
ok("aborted" not in bench and "ERROR" not in bench, "a pgbench client hit an error")
m = re.search(r"number of transactions actually processed: (\d+)", bench)
total = int(m.group(1)) if m else 0
m = re.search(r"number of failed transactions: (\d+)", bench)
ok(m is not None and m.group(1) == "0", "failed transactions: %s" % (m and m.group(1)))
scripts = re.findall(r"SQL script \d+: \S*/(\w+)\.sql\n\s+- weight: \d+ .*\n\s+- (\d+) transactions", bench)
per = {name: int(n) for name, n in scripts}
ok(len(per) == n_scripts and all(n > 0 for n in per.values()), "every script ran: %s" % per)
stmts = {"fail_read": 4, "fail_option": 2, "fail_export": 2}
errors_caught = sum(per.get(s, 0) * k for s, k in stmts.items())
exports = sum(n for s, n in per.items() if s.startswith("export_"))
scans = per.get("scan_flat", 0) + per.get("scan_jsonb", 0) + 2 * per.get("scan_compressed", 0) + per.get("scan_glob", 0)

session = read("session.out")
ok(session_status == 0, "the long-lived session failed (status %d): %s" % (session_status, session[-1500:]))
def mark(name, text=session):	# the value psql echoed as "==NAME value"
    m = re.search(r"^==%s (.*)$" % name, text, re.M)
    return m.group(1) if m else None
ok(mark("PID") is not None and mark("PID") == mark("PID2"), "the long-lived session's backend changed")
fd1, fd2 = mark("FD1"), mark("FD2")
new_fds = set(re.findall(r"^==FDLIST2 (.*)$", session, re.M)) - set(re.findall(r"^==FDLIST1 (.*)$", session, re.M))
ok(fd1 and fd2 and int(fd2) <= int(fd1),
   "long-lived backend descriptors (not relation files): %s after pass 1, %s after pass %d; new: %s"
   % (fd1, fd2, passes + 1, sorted(new_fds)))

started, started2 = mark("STARTED", setup), read("started2.txt").strip()
ok(started and started == started2, "pg_postmaster_start_time() changed: %s -> %s" % (started, started2))
try:
    server_log = open(log, errors="replace").read()
except OSError:
    server_log = None
crash = server_log and re.search(r"terminated by signal|server process .* was terminated|"
                                 r"terminating any other active server processes|PANIC", server_log)
ok(server_log is not None and not crash, "server log: %s" % (crash.group(0) if crash else "unreadable"))
ok(pm_fd1 > 0 and pm_fd2 <= pm_fd1, "postmaster %s descriptors: %d before, %d after" % (pm, pm_fd1, pm_fd2))

# exports: on disk == logged, and DuckDB reads each with the rows and sum its name states
logged = {}
for line in read("export_log.txt").splitlines():
    f, n, s = line.split(" ")
    logged[f] = (int(n), int(float(s)))
n_logged = int(read("export_count.txt").strip() or 0)
duck = read("duckdb.txt")
got = {}
for line in duck.splitlines():
    parts = line.split(" | ")
    if len(parts) == 3 and parts[0].endswith(".parquet"):
        got[parts[0]] = (int(parts[1]), int(parts[2]))
ok(duck_status == 0, "DuckDB could not read every export: %s" % duck[-2000:])
on_disk = set(got)
ok(len(logged) > 0 and on_disk == set(logged),
   "files DuckDB read (%d) != files the exports logged (%d): %s"
   % (len(on_disk), len(logged), sorted(on_disk ^ set(logged))[:5]))
wrong = []
for f, (n, s) in got.items():
    m = re.search(r"_r(\d+)_s(\d+)\.parquet$", f)
    if not m or (int(m.group(1)), int(m.group(2))) != (n, s) or logged.get(f) != (n, s):
        wrong.append((f, n, s))
ok(not wrong, "exports whose rows/sum differ from their name: %s" % wrong[:5])
ok(n_logged >= exports, "%d exports logged, pgbench ran %d export transactions" % (n_logged, exports))
tmp = read("tmpfiles.txt").split()
ok(not tmp, "temporary files left: %s" % tmp[:5])
ok(not read("ro.txt").split(), "files appeared in the read-only directory: %s" % read("ro.txt").split())
ok(not read("failed_targets.txt").split(), "failed exports left a target: %s" % read("failed_targets.txt").split())

print("load: %s s, 16 pgbench clients: %d transactions (%d scans checked, %d exports, %d expected errors caught)"
      % (secs, total, scans, exports, errors_caught))
print("load: long-lived session: %d passes of the mix; non-relation fds %s after pass 1, %s after the last"
      % (passes + 1, fd1, fd2))
print("load: %d export files read back by DuckDB (%d exports logged, incl. the long-lived session's); "
      "postmaster fds %d before, %d after" % (len(got), n_logged, pm_fd1, pm_fd2))
copy_in, copy_out = read("copy_in.txt").split("\n"), read("copy_out.txt").split("\n")
n_in, n_out = copy_in.count("ok"), copy_out.count("ok")
print("load: COPY clients: %d COPY FROM STDIN (FORMAT protobuf), %d COPY TO STDOUT (FORMAT parquet)" % (n_in, n_out))
ok(n_in > 0 and not [l for l in copy_in if l.startswith("FAIL")],
   "COPY FROM STDIN client: %s" % [l for l in copy_in if l.startswith("FAIL")][:3])
ok(n_out > 0 and not [l for l in copy_out if l.startswith("FAIL")],
   "COPY TO STDOUT client: %s" % [l for l in copy_out if l.startswith("FAIL")][:3])
duck_copy = read("copy_out_duck.txt").split()
ok(len(duck_copy) == 2 and duck_copy[0] == duck_copy[1] == str(n_out),
   "DuckDB read %s of the %d COPY TO STDOUT files right" % (read("copy_out_duck.txt").strip(), n_out))
print("%d passed, %d failed" % (results.count(True), results.count(False)))
sys.exit(0 if all(results) else 1)
PY
