#!/usr/bin/env bash
# test/sanitize/run.sh [--all] — the pg_regress suite against protobuf_fdw built with
# AddressSanitizer + UndefinedBehaviorSanitizer (issue 6, "Sanitizers and leaks").
#
#   1. copies the checkout's files (tracked and untracked, not ignored) to a throw-away tree
#      $PBFDW_SAN_DIR/tree (default /tmp/protobuf_fdw_san), so the normal build's objects are
#      never touched, and builds the extension there with clang
#      COPT='-fsanitize=address,undefined -fno-omit-frame-pointer -shared-libasan' (PGXS adds
#      COPT to CFLAGS and LDFLAGS), installing it into $PBFDW_SAN_DIR/inst (DESTDIR);
#   2. generates the regression fixtures into /tmp/protobuf_fdw_asan, and points the copied
#      sql/ and expected/ at it instead of /tmp/protobuf_fdw_test (same length, so aligned
#      psql output is unchanged), so a concurrent `make test` cannot clobber them;
#   3. starts a throw-away cluster (pg_virtualenv, free port) with extension_destdir=<inst>
#      and an environment file (pg_createcluster --environment) that preloads clang's ASan
#      runtime (with asan_early_init.so) into the postmaster and so into every backend:
#      LD_PRELOAD, ASAN_OPTIONS (detect_leaks=0, log_path, abort_on_error), UBSAN_OPTIONS
#      (print_stacktrace, log_path).  Only protobuf_fdw.so is instrumented; the server binary
#      is Debian's;
#   4. runs `make installcheck` (the same REGRESS list as CI) in the copy;
#   5. checks: every pg_regress test passed; the .so carries ASan and UBSan instrumentation;
#      a backend that loaded protobuf_fdw really had the ASan runtime and the instrumented .so
#      mapped (/proc/<pid>/maps); no sanitizer report was written (log files under
#      $PBFDW_SAN_DIR/reports) and none reached the server log; no backend died of a signal
#      or exit code (server log).
#
# --all also runs the bad-input corpus (test/corrupt/run.sh) and the 10,000-query session
# (test/stress/rss.sh) of the copy against the sanitized build, each on its own cluster, and
# counts their sanitizer reports (their own checks are tallied too).
#
# PBFDW_SAN_PATCH=<file>: a patch applied to the copy before it is built (used to show that
# the harness catches an injected bug; see test/sanitize/README.md).
#
# Ends with "N passed, N failed"; exit status 0 only if none failed.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=test/sanitize/common.sh
. "$top/test/sanitize/common.sh"
san_name=sanitize
san=${PBFDW_SAN_DIR:-/tmp/protobuf_fdw_san}
fix=/tmp/protobuf_fdw_asan	# same length as /tmp/protobuf_fdw_test: see san_fixtures
all=0
[ "${1:-}" = "--all" ] && all=1

# clang's shared ASan runtime carries the UBSan handlers too: one runtime, one report file
# per process (gcc's libasan and libubsan are two runtimes that fight over the report file).
libasan=$(clang -print-file-name=libclang_rt.asan-x86_64.so)
if [ ! -f "$libasan" ]; then
	fail "clang has no libclang_rt.asan-x86_64.so (apt-get install clang libclang-rt-14-dev)"
	finish
fi

# ---- 1. a private copy, built with the sanitizers ----
rm -rf "$san"
mkdir -p "$san/tree" "$san/inst" "$san/reports" "$san/logs"
tree=$san/tree
san_copy_tree "$top" "$tree" || { fail "copy of the checkout"; finish; }
san_flags='-fsanitize=address,undefined -fno-omit-frame-pointer -shared-libasan -Wno-ignored-attributes'
if ! (cd "$tree" && nice -n 19 make -j2 CC=clang with_llvm=no COPT="$san_flags" &&
	make install with_llvm=no DESTDIR="$san/inst") >"$san/logs/build.log" 2>&1; then
	tail -40 "$san/logs/build.log"
	fail "sanitized build"
	finish
fi
so=$(find "$san/inst" -name protobuf_fdw.so | head -1)
echo "sanitize: built $so in $(( $(date +%s) - t0 )) s"
syms=$(nm -D "$so")
if grep -q ' U __asan_report_load' <<<"$syms" && grep -q ' U __ubsan_handle_' <<<"$syms"; then
	pass "protobuf_fdw.so is instrumented (ASan and UBSan entry points referenced)"
else
	fail "protobuf_fdw.so carries no ASan/UBSan instrumentation"
fi

san_node_modules "$top" "$tree" "$san/logs/deps.log" || fail "install-deps"

# ---- 2. fixtures in a private directory ----
san_fixtures "$tree" "$fix" "$san/logs/fixtures.log" || fail "fixture generation"

# ---- 3. the cluster's environment: the ASan runtime preloaded, reports to files ----
# asan_early_init.so makes ASan initialize before a library constructor takes one of glibc's
# locale locks (without it Debian's postgres and psql hang at startup under a preloaded ASan
# runtime: see the file's comment).
gcc -O2 -Wall -Wextra -fPIC -shared -o "$san/asan_early_init.so" "$top/test/sanitize/asan_early_init.c" ||
	{ fail "asan_early_init.so does not build"; finish; }
for prog in postgres psql; do
	if ! LD_PRELOAD="$libasan $san/asan_early_init.so" ASAN_OPTIONS=detect_leaks=0 \
		timeout 20 "/usr/lib/postgresql/15/bin/$prog" --version >/dev/null; then
		fail "$prog --version does not run with the ASan runtime preloaded"
		finish
	fi
done
chmod -R a+rwX "$san/reports"
chmod a+rx "$san" "$san/inst" "$san/asan_early_init.so"
cat >"$san/environment" <<EOF
LD_PRELOAD = '$libasan $san/asan_early_init.so'
ASAN_OPTIONS = 'detect_leaks=0:log_path=$san/reports/san:abort_on_error=1:halt_on_error=1:allocator_may_return_null=1'
UBSAN_OPTIONS = 'print_stacktrace=1:log_path=$san/reports/san'
EOF
# The copy's scripts/virtualenv.sh (which test/corrupt/run.sh and test/stress/rss.sh call too)
# becomes one that adds the environment file and extension_destdir to every cluster.
cat >"$tree/scripts/virtualenv.sh" <<EOF
#!/usr/bin/env bash
# generated by test/sanitize/run.sh: a cluster running the sanitized build
set -euo pipefail
opts=()
while [ \$# -gt 0 ] && [ "\$1" = "-o" ]; do
	opts+=(-o "\$2")
	shift 2
done
export PGPORT=\$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
exec pg_virtualenv -t -v 15 -c "--environment=$san/environment" -o "extension_destdir=$san/inst" \\
	"\${opts[@]}" "\$@"
EOF

# The command run inside the cluster: the suite, then a look at a backend's mappings, then a
# copy of the server log (pg_virtualenv removes it with the cluster).
cat >"$san/inside.sh" <<'EOF'
#!/usr/bin/env bash
set -uo pipefail
san=$1
make -s installcheck
status=$?
psql -X -At -d postgres -v ON_ERROR_STOP=1 >"$san/logs/maps.txt" 2>&1 <<SQL
CREATE EXTENSION IF NOT EXISTS protobuf_fdw;
SELECT pg_backend_pid() AS pid \\gset
\\setenv BPID :pid
SELECT rows FROM parquet_export('SELECT 1 AS x', '$2/probe.parquet');
\\! cat /proc/\$BPID/maps
SQL
cp "$(dirname "$PG_CLUSTER_CONF_ROOT")/log/postgresql-15-regress.log" "$san/logs/server.log"
exit $status
EOF
chmod +x "$san/inside.sh" "$tree/scripts/virtualenv.sh"

# ---- 4. the regression suite ----
t1=$(date +%s)
(cd "$tree" && rm -rf results regression.diffs regression.out &&
	scripts/virtualenv.sh "$san/inside.sh" "$san" "$fix") >"$san/logs/regress.log" 2>&1
regress_status=$?
echo "sanitize: pg_regress took $(( $(date +%s) - t1 )) s"
cat "$san/logs/regress.log"

# ---- 5. checks ----
san_tally_regress "$san/logs/regress.log" "$regress_status" "$tree"

if grep -qF "$(readlink -f "$libasan")" "$san/logs/maps.txt" && grep -qF "$san/inst/" "$san/logs/maps.txt" &&
	grep -q 'protobuf_fdw.so' "$san/logs/maps.txt"; then
	pass "a backend ran with $(basename "$libasan") and the instrumented protobuf_fdw.so mapped"
else
	head -5 "$san/logs/maps.txt"
	fail "the backend did not map the ASan runtime and the instrumented .so (see $san/logs/maps.txt)"
fi

check_reports() {	# check_reports <label> — sanitizer reports written so far
	local files lines
	files=$(find "$san/reports" -type f | wc -l)
	# a report goes to stderr (the server log) when the report file cannot be used: look there too
	lines=$(cat "$san/reports"/* "$san/logs"/server*.log "$san/logs"/*.server.log 2>/dev/null |
		grep -cE 'ERROR: AddressSanitizer|runtime error:|WARNING: AddressSanitizer|ERROR: LeakSanitizer')
	if [ "$files" -eq 0 ] && [ "$lines" -eq 0 ]; then
		pass "$1: no sanitizer report"
	else
		fail "$1: $files report file(s), $lines report(s) in $san/reports and the server log:"
		cat "$san/reports"/* "$san/logs"/server*.log "$san/logs"/*.server.log 2>/dev/null |
			grep -E '^SUMMARY: |runtime error:' | sed 's/^==[0-9]*==//' | sort | uniq -c
	fi
}
check_reports "pg_regress"

check_crashes() {	# check_crashes <server log> <label>
	if [ ! -s "$1" ]; then
		fail "$2: no server log"
	elif grep -E 'terminated by signal|server process \(PID [0-9]+\) exited with exit code|terminating any other active server processes|reinitializing' "$1"; then
		fail "$2: a server process died (lines above)"
	else
		pass "$2: no server process died"
	fi
}
check_crashes "$san/logs/server.log" "pg_regress"

# ---- optional: the bad-input corpus and the long session on the sanitized build ----
if [ "$all" = 1 ]; then
	for check in test/corrupt/run.sh test/stress/rss.sh; do
		name=$(basename "$(dirname "$check")")
		t1=$(date +%s)
		(cd "$tree" && PBFDW_CORRUPT_DIR=/tmp/protobuf_fdw_san_corrupt \
			PBFDW_CORRUPT_LOG="$san/logs/corrupt.out" \
			PBFDW_STRESS_DIR=/tmp/protobuf_fdw_san_stress "$check") >"$san/logs/$name.log" 2>&1
		status=$?
		echo "sanitize: $check took $(( $(date +%s) - t1 )) s (status $status)"
		tail -5 "$san/logs/$name.log"
		summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$san/logs/$name.log" | tail -1)
		if [ -n "$summary" ] && [ "$status" -eq 0 ]; then
			pass "$check on the sanitized build: $summary"
		else
			fail "$check on the sanitized build: ${summary:-no summary}, status $status"
		fi
		check_reports "$check"
	done
	check_crashes "$san/logs/corrupt.out.server.log" "test/corrupt/run.sh"
fi

finish
