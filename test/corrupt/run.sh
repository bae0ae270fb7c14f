#!/usr/bin/env bash
# test/corrupt/run.sh — the bad-input corpus (issue 6): generate the damaged inputs
# (generate.py), start a throw-away cluster (scripts/virtualenv.sh), read every input through
# several column sets in ONE psql session (ON_ERROR_STOP off), twice, and check that
#   - each case gives rows or a clear ERROR (SQLSTATE not in class XX, no statement timeout),
#     and what generate.py says it must give (rows:N, skip:N with a NOTICE, error);
#   - the session survives: the backend pid is the same at the end, psql never reconnected;
#   - the postmaster never restarted: pg_postmaster_start_time() unchanged, and its log has no
#     "terminated by signal" / "server process ... was terminated" / "terminating any other
#     active server processes";
#   - the backend holds no more file descriptors after the second pass than after the first,
#     counting those that are not relation files (/proc/<pid>/fd, outside base/, global/ and
#     pg_wal/, which the backend opens and caches as it touches catalogs), so errors leak no
#     file, pipe or program;
#   - the second pass gives the same result as the first for every case that does not race a
#     background writer.
# Ends with "N passed, N failed" (one per case and pass, plus the session-wide checks).
# Uses the installed protobuf_fdw (make install first).  Files go to $PBFDW_CORRUPT_DIR
# (default /tmp/protobuf_fdw_corrupt), which the postgres user must be able to read.
set -uo pipefail
cd "$(dirname "$0")/../.."
top=$(pwd)
if [ "${1:-}" != "--inside" ]; then
	out=${PBFDW_CORRUPT_DIR:-/tmp/protobuf_fdw_corrupt}
	rm -rf "$out"
	mkdir -p "$out"
	work=$(mktemp -d)
	trap 'rm -rf "$work"' EXIT
	protos="bench.proto model_shop.proto model_types.proto model_p2.proto"
	# shellcheck disable=SC2086
	protoc -I proto --include_imports --descriptor_set_out="$out/all.desc" $protos || exit 1
	protoc -I proto --include_imports --descriptor_set_out="$out/bench.desc" bench.proto || exit 1
	mkdir -p "$work/py"
	# shellcheck disable=SC2086
	protoc -I proto --python_out="$work/py" $protos || exit 1
	/usr/bin/python3 test/corrupt/generate.py "$out" "$work/py" || exit 1
	mkdir -p "$out/pristine"
	cp "$out"/big_*.pb "$out"/big_*.pb.gz "$out/pristine/"
	chmod -R a+rwX "$out"
	export PBFDW_CORRUPT_DIR=$out
	scripts/virtualenv.sh "$0" --inside
	exit $?
fi

# ---- inside the throw-away cluster ----
out=$PBFDW_CORRUPT_DIR
log="$(dirname "$PG_CLUSTER_CONF_ROOT")/log/postgresql-15-regress.log"
res=$(mktemp -d)
cat >"$res/session.sql" <<SQL
\\set VERBOSITY verbose
\\pset format unaligned
\\pset tuples_only on
\\timing on
SET statement_timeout = '120s';
SET client_min_messages = notice;
CREATE EXTENSION protobuf_fdw;
CREATE SERVER pb FOREIGN DATA WRAPPER protobuf_fdw OPTIONS (descriptor_set '$out/all.desc');
SELECT pg_backend_pid() AS pid, extract(epoch FROM pg_postmaster_start_time()) AS started \\gset
\\setenv BPID :pid
\\echo ==PID :pid
\\echo ==STARTED :started
SQL
for pass in 1 2; do
	# before pass 2, the files pass 1's background writers truncated or replaced come back
	[ "$pass" = 2 ] && echo "\\! cp $out/pristine/* $out/ && chmod a+rw $out/big_*"
	cat <<SQL
\\set pass $pass
\\echo ==PASS $pass
\\i $out/cases.sql
\\echo ==END
\\! echo "==FD$pass \$(find /proc/\$BPID/fd -mindepth 1 -printf '%l\\n' | grep -vcE '/(base|global|pg_wal)/')"
\\! find /proc/\$BPID/fd -mindepth 1 -printf '==FDLIST$pass %l\\n' | grep -vE '/(base|global|pg_wal)/'
SQL
done >>"$res/session.sql"
cat >>"$res/session.sql" <<SQL
SELECT pg_backend_pid() AS pid2, extract(epoch FROM pg_postmaster_start_time()) AS started2 \\gset
\\echo ==PID2 :pid2
\\echo ==STARTED2 :started2
SQL
start=$(date +%s)
PAGER= psql -X -v ON_ERROR_STOP=0 -d postgres -f "$res/session.sql" >"$res/out.txt" 2>&1
echo "corrupt: psql session ended with status $? after $(( $(date +%s) - start )) s"
cp "$res/out.txt" "${PBFDW_CORRUPT_LOG:-/tmp/protobuf_fdw_corrupt.out}"
cp "$log" "${PBFDW_CORRUPT_LOG:-/tmp/protobuf_fdw_corrupt.out}.server.log" 2>/dev/null
/usr/bin/python3 "$top/test/corrupt/check.py" "$res/out.txt" "$log"
status=$?
rm -rf "$res"
exit $status
