#!/usr/bin/env bash
# test/stress/rss.sh [QUERIES] — no memory growth in a long-lived backend (issue 6).
#
# One psql session on a throw-away cluster (scripts/virtualenv.sh) runs QUERIES queries
# (default 10000) cycling through ten kinds: scans of a delimited file (flat columns, jsonb,
# a gzip copy, on_error 'skip' over a damaged file), errors (a truncated file, a missing
# file, a corrupt gzip stream, a bad length prefix) and Parquet exports (zstd and snappy).
# Every 1000 queries it samples the backend's VmRSS and RssAnon from /proc/<pid>/status
# (and its open file descriptors).  Flat means: the last VmRSS sample is within
# RSS_SLACK_KB (default 4096 kB) of the second one (the first is taken before the caches
# warm up), and the descriptor count does not grow.  Prints the samples, then
# "N passed, N failed".  Uses the installed protobuf_fdw; files in $PBFDW_STRESS_DIR
# (default /tmp/protobuf_fdw_stress).
set -uo pipefail
cd "$(dirname "$0")/../.."
n=${1:-10000}
slack=${RSS_SLACK_KB:-4096}
if [ "${2:-}" != "--inside" ]; then
	dir=${PBFDW_STRESS_DIR:-/tmp/protobuf_fdw_stress}
	rm -rf "$dir"
	mkdir -p "$dir/out"
	work=$(mktemp -d)
	trap 'rm -rf "$work"' EXIT
	protoc -I proto --include_imports --descriptor_set_out="$dir/bench.desc" bench.proto || exit 1
	protoc -I proto --python_out="$work" bench.proto || exit 1
	/usr/bin/python3 - "$dir" "$work" <<'PY' || exit 1
import gzip, sys
sys.path.insert(0, sys.argv[2])
import bench_pb2
d = sys.argv[1]
def varint(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        out.append(b | 0x80 if v else b)
        if not v:
            return bytes(out)
msgs = [bench_pb2.Event(id=i, user_id="user-%d" % i, ts_micros=1700000000000000 + i, amount=i / 8,
                        quantity=i % 7, is_test=i % 2 == 0, country="FR", url="https://e.x/%d" % i,
                        status=200, score=0.5).SerializeToString() for i in range(1, 2001)]
stream = b"".join(varint(len(m)) + m for m in msgs)
open(d + "/events.pb", "wb").write(stream)
gz = gzip.compress(stream, mtime=0)
open(d + "/events.pb.gz", "wb").write(gz)
open(d + "/truncated.pb", "wb").write(stream[: len(stream) // 2 + 3])
bad = bytearray(gz)
bad[len(bad) // 2] ^= 0x55
open(d + "/corrupt.pb.gz", "wb").write(bytes(bad))
open(d + "/badprefix.pb", "wb").write(stream[:1000] + b"\xff" * 11 + stream[1000:])
# a damaged message in the middle, skippable
mid = msgs[:1000] + [b"\x12\x05\xff\xfe\xfd\xfc\xfb"] + msgs[1000:]
open(d + "/skippable.pb", "wb").write(b"".join(varint(len(m)) + m for m in mid))
PY
	chmod -R a+rwX "$dir"
	export PBFDW_STRESS_DIR=$dir
	scripts/virtualenv.sh "$0" "$n" --inside
	exit $?
fi

# ---- inside the throw-away cluster ----
dir=$PBFDW_STRESS_DIR
res=$(mktemp -d)
{
	cat <<SQL
\\set VERBOSITY terse
\\pset format unaligned
\\pset tuples_only on
SET client_min_messages = warning;
CREATE EXTENSION protobuf_fdw;
CREATE SERVER pb FOREIGN DATA WRAPPER protobuf_fdw OPTIONS (descriptor_set '$dir/bench.desc');
CREATE FOREIGN TABLE ev (id bigint, user_id text, amount float8, country text, ts_micros bigint,
  quantity int, is_test bool, url text, status bigint, score real)
  SERVER pb OPTIONS (filename '$dir/events.pb', message 'bench.Event');
CREATE FOREIGN TABLE ev_json (doc jsonb OPTIONS (field '.'))
  SERVER pb OPTIONS (filename '$dir/events.pb', message 'bench.Event');
CREATE FOREIGN TABLE ev_gz (id bigint, user_id text)
  SERVER pb OPTIONS (filename '$dir/events.pb.gz', message 'bench.Event');
CREATE FOREIGN TABLE ev_skip (id bigint, user_id text)
  SERVER pb OPTIONS (filename '$dir/skippable.pb', message 'bench.Event', on_error 'skip');
CREATE FOREIGN TABLE bad_trunc (id bigint, user_id text)
  SERVER pb OPTIONS (filename '$dir/truncated.pb', message 'bench.Event');
CREATE FOREIGN TABLE bad_missing (id bigint)
  SERVER pb OPTIONS (filename '$dir/no_such_file.pb', message 'bench.Event');
CREATE FOREIGN TABLE bad_gz (id bigint, user_id text)
  SERVER pb OPTIONS (filename '$dir/corrupt.pb.gz', message 'bench.Event');
CREATE FOREIGN TABLE bad_prefix (id bigint, user_id text)
  SERVER pb OPTIONS (filename '$dir/badprefix.pb', message 'bench.Event');
SELECT pg_backend_pid() AS pid \\gset
\\setenv BPID :pid
\\echo ==PID :pid
SQL
	kinds=(
		"SELECT count(*), sum(id), max(user_id), sum(amount) FROM ev;"
		"SELECT * FROM bad_trunc;"
		"SELECT rows FROM parquet_export('SELECT * FROM ev', '$dir/out/a.parquet', compression => 'zstd');"
		"SELECT count(*), sum((doc->>'quantity')::int) FROM ev_json;"
		"SELECT * FROM bad_missing;"
		"SELECT count(*), max(user_id) FROM ev_gz;"
		"SELECT * FROM bad_gz;"
		"SELECT rows FROM parquet_export('SELECT id, user_id FROM ev_gz', '$dir/out/b.parquet', compression => 'snappy');"
		"SELECT count(*) FROM ev_skip;"
		"SELECT * FROM bad_prefix;"
	)
	for ((q = 0; q < n; q++)); do
		if ((q % 1000 == 0)); then
			echo "\\! echo \"==SAMPLE $q \$(grep -E '^(VmRSS|RssAnon):' /proc/\$BPID/status | awk '{print \$2}' | tr '\\n' ' ')\$(ls /proc/\$BPID/fd | wc -l)\""
		fi
		echo "${kinds[q % ${#kinds[@]}]}"
	done
	echo "\\! echo \"==SAMPLE $n \$(grep -E '^(VmRSS|RssAnon):' /proc/\$BPID/status | awk '{print \$2}' | tr '\\n' ' ')\$(ls /proc/\$BPID/fd | wc -l)\""
	echo "SELECT pg_backend_pid() AS pid2 \\gset"
	echo "\\echo ==PID2 :pid2"
} >"$res/stress.sql"
start=$(date +%s)
PAGER= psql -X -v ON_ERROR_STOP=0 -d postgres -f "$res/stress.sql" >"$res/out.txt" 2>&1
echo "rss: $n queries in $(( $(date +%s) - start )) s"
/usr/bin/python3 - "$res/out.txt" "$n" "$slack" <<'PY'
import re, sys
text = open(sys.argv[1], errors="replace").read()
n, slack = int(sys.argv[2]), int(sys.argv[3])
samples = [tuple(map(int, m)) for m in re.findall(r"^==SAMPLE (\d+) (\d+) (\d+) (\d+)$", text, re.M)]
errors = len(re.findall(r"ERROR:", text))
rows = len(re.findall(r"^\d+\|", text, re.M)) + len(re.findall(r"^\d+$", text, re.M))
passed = failed = 0
def ok(c, what):
    global passed, failed
    if c:
        passed += 1
    else:
        failed += 1
        print("FAILED:", what)
print("rss: queries  VmRSS kB  RssAnon kB  fds")
for q, rss, anon, fds in samples:
    print("rss: %7d  %8d  %10d  %3d" % (q, rss, anon, fds))
want_errors = sum(1 for q in range(n) if q % 10 in (1, 4, 6, 9))
print("rss: %d ERRORs (expected %d), %d result rows" % (errors, want_errors, rows))
ok(len(samples) == n // 1000 + 1, "%d samples, expected %d" % (len(samples), n // 1000 + 1))
ok(re.search(r"server closed the connection|connection to server was lost|FATAL:", text) is None,
   "the session was lost")
p1 = re.search(r"^==PID (\d+)$", text, re.M)
p2 = re.search(r"^==PID2 (\d+)$", text, re.M)
ok(p1 and p2 and p1.group(1) == p2.group(1), "backend pid changed")
if len(samples) >= 3:
    ok(samples[-1][1] - samples[1][1] <= slack,
       "VmRSS grew %d kB from sample 2 to the last (slack %d kB)" % (samples[-1][1] - samples[1][1], slack))
    ok(samples[-1][3] <= samples[1][3], "open fds grew from %d to %d" % (samples[1][3], samples[-1][3]))
ok(errors == want_errors, "%d ERRORs, expected %d (one per bad-file query)" % (errors, want_errors))
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
PY
status=$?
cp "$res/out.txt" /tmp/protobuf_fdw_rss.out 2>/dev/null
rm -rf "$res"
exit $status
