#!/usr/bin/env bash
# The whole test suite, as CI runs it: install what is missing, build, install, run the unit
# tests of the pure-C modules and the pg_regress suite against a throw-away cluster
# (Debian's pg_virtualenv), and end with "N passed, N failed".  Exit status 0 only if all pass.
#
#   scripts/test.sh [STAGE...]   only the stages named (unit unit-san unit-tsan fuzz fixtures regress
#                                checks; default all), after the build and install
# Every part that crashes, fails to build or ends without its summary counts as failed, on a
# line "FAILED: <stage>: <why>" (see "What is counted" below, and test/README.md).
#
# Test files live in $PBFDW_TESTDIR (default /tmp/protobuf_fdw_test), made fresh here and
# readable by the postgres user; the regression tests refer to that path.
set -uo pipefail
cd "$(dirname "$0")/.."

# stages: all by default, or those named on the command line (for checking the runner itself)
stages=${*:-unit unit-san unit-tsan fuzz fixtures regress checks}
for s in $stages; do
	case $s in
	unit | unit-san | unit-tsan | fuzz | fixtures | regress | checks) ;;
	*) echo "scripts/test.sh: unknown stage '$s' (unit unit-san unit-tsan fuzz fixtures regress checks)"; exit 2 ;;
	esac
done
want() { [[ " $stages " == *" $1 "* ]]; }

export PBFDW_TESTDIR=/tmp/protobuf_fdw_test
passed=0
failed=0
log=$(mktemp -d /tmp/protobuf_fdw_log.XXXXXX)

tally() {	# tally <passed> <failed>
	passed=$((passed + $1))
	failed=$((failed + $2))
}

scripts/install-deps.sh || { echo "install-deps failed"; echo "0 passed, 1 failed"; exit 1; }

if ! { make -s && make -s install; } >"$log/build.log" 2>&1; then
	cat "$log/build.log"
	echo "build failed"
	echo "0 passed, 1 failed"
	exit 1
fi

# What is counted: every check a stage reports ("N passed, N failed" lines), plus one failure,
# named on a "FAILED: <stage>: <why>" line, for every part that did not report as it should:
# a unit program that crashed or exited non-zero without counting a failure (or did not build,
# plain or SANITIZE=1), a fuzz target that failed or ran nothing, a fixture generator that
# failed, a pg_regress test with no result line, pg_regress exiting non-zero with no test
# failed, a check script without its summary line or exiting non-zero without a failure
# counted, and every case a check script reports as skipped (", N skipped").
lost() {	# lost <stage> <why>: a part that did not run or report counts as one failure
	echo "FAILED: $1: $2"
	tally 0 1
}
# the last "N passed, N failed[, N skipped]" line of a log: "passed failed skipped", or nothing
summary_of() {
	sed -En 's/^([0-9]+) passed, ([0-9]+) failed(, ([0-9]+) skipped)?$/\1 \2 \4/p' "$1" |
		tail -1 | awk '{print $1, $2, ($3 == "" ? 0 : $3)}'
}
# how a process ended: "exited with status 1", or "was killed by signal 6 (SIGABRT)"
status_text() {
	if [ "$1" -gt 128 ] && [ "$1" -lt 160 ]; then
		echo "was killed by signal $(($1 - 128)) (SIG$(kill -l $(($1 - 128)) 2>/dev/null))"
	else
		echo "exited with status $1"
	fi
}

# 1. unit tests of the pure-C modules: each test/unit/test_<name>.c is one program that ends
#    with "unit <name>: N passed, N failed" and exits non-zero on a failure.  They are built,
#    then run one by one here, so that a program that does not build, crashes, or exits
#    non-zero without counting a failure is named and counted as failed
unit_stage() {	# unit_stage <label> <bin dir of test/unit/Makefile> [make variables]
	local label=$1 bin=$2 st t name out line p f
	shift 2
	rm -rf "test/unit/$bin"	# a stale binary must not stand in for one that no longer builds
	if ! make -s -C test/unit all "$@" >"$log/unit-build.log" 2>&1; then
		tail -30 "$log/unit-build.log"
		lost "$label build" "make -C test/unit all $* failed"
	fi
	for t in test/unit/test_*.c; do
		name=$(basename "$t" .c)
		out=$log/unit-$name.log
		if [ ! -x "test/unit/$bin/$name" ]; then
			lost "$label $name" "not built"
			continue
		fi
		"test/unit/$bin/$name" >"$out" 2>&1
		st=$?
		line=$(grep -E "^unit ${name#test_}: [0-9]+ passed, [0-9]+ failed$" "$out" | tail -1)
		if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error' "$out"; then
			grep -E 'ERROR: (Address|Leak)Sanitizer|runtime error' "$out" | head -20
			lost "$label $name" "sanitizer report"
		fi
		if [ -z "$line" ]; then
			tail -20 "$out"
			lost "$label $name" "no summary line: the program $(status_text "$st")"
			continue
		fi
		echo "${line/#unit /$label }"
		p=$(echo "$line" | sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed$/\1/')
		f=$(echo "$line" | sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed$/\2/')
		tally "$p" "$f"
		if [ "$f" -gt 0 ]; then
			grep -vE '^unit ' "$out" | head -30
		elif [ "$st" -ne 0 ]; then
			grep -vE '^unit ' "$out" | tail -20
			lost "$label $name" "$(status_text "$st") after its summary"
		fi
	done
}
want unit && unit_stage unit bin
# 1b. the same unit tests under AddressSanitizer + UndefinedBehaviorSanitizer (a program the
#     sanitizer build leaves out is not built, and counts as failed)
want unit-san && unit_stage "unit (ASan+UBSan)" bin-san SANITIZE=1
# 1b'. and under ThreadSanitizer: the Parquet writer's thread pool (a report exits 66)
want unit-tsan && unit_stage "unit (TSan)" bin-tsan TSAN=1

# 1c. libFuzzer targets, each for a bounded time (FUZZ_SECONDS): the pure-C modules, then the
#     decoder and the descriptor-set loader inside a single-user backend
if want fuzz; then
	for t in fuzz_framing fuzz_wire fuzz_pathwalk fuzz_parquet fuzz_decoder fuzz_loader; do
		make -s -C test/fuzz "run-$t" SECONDS="${FUZZ_SECONDS:-60}" >"$log/$t.log" 2>&1
		st=$?
		execs=$(grep -h 'stat::number_of_executed_units' "$log/$t.log" | tail -1)
		if [ "$st" -ne 0 ]; then
			tail -30 "$log/$t.log"
			lost "fuzz $t" "make run-$t $(status_text "$st")"
		elif [ -z "$execs" ]; then
			tail -30 "$log/$t.log"
			lost "fuzz $t" "exited 0 but reported no executions"
		else
			echo "fuzz $t: $execs"
			tally 1 0
		fi
	done
fi

# 2. fixtures, made by independent encoders (protoc --encode, python3-protobuf); each generator
#    that fails is named and counted, and the run goes on (the tests that need its files fail)
if want fixtures; then
	rm -rf "$PBFDW_TESTDIR"
	mkdir -p "$PBFDW_TESTDIR"
	for g in test/fixtures/generate.sh test/fixtures/*/generate.sh; do
		[ -x "$g" ] || continue
		"$g" "$PBFDW_TESTDIR" >"$log/fixtures.log" 2>&1
		st=$?
		if [ "$st" -ne 0 ]; then
			tail -30 "$log/fixtures.log"
			lost "fixtures $g" "$(status_text "$st")"
		else
			echo "fixtures $g: ok"
			tally 1 0
		fi
	done
	chmod -R a+rwX "$PBFDW_TESTDIR"
fi

# 3. pg_regress against a throw-away cluster: every sql/<topic>.sql must have a result line
if want regress; then
	rm -rf results regression.diffs regression.out
	scripts/virtualenv.sh make -s installcheck >"$log/regress.log" 2>&1
	st=$?
	cat "$log/regress.log"
	ok=0
	bad=0
	for t in sql/*.sql; do
		t=$(basename "$t" .sql)
		case $t in protobuf_fdw--*) continue ;; esac
		if grep -qE "^(test | +)$t +\.\.\. ok " "$log/regress.log"; then
			ok=$((ok + 1))
		elif grep -qE "^(test | +)$t +\.\.\. " "$log/regress.log"; then
			bad=$((bad + 1))
		else
			lost "pg_regress $t" "no result line (pg_regress stopped before it, or could not start)"
		fi
	done
	tally "$ok" "$bad"
	if [ "$st" -ne 0 ] && [ "$bad" -eq 0 ]; then
		lost "pg_regress" "$(status_text "$st") and no test failed"
	fi
	[ -f regression.diffs ] && head -c 20000 regression.diffs
fi

# 4. the bad-input corpus, a long-lived backend's memory, 16 sessions of concurrent load for
#    PBFDW_LOAD_SECONDS (default 60), the faults during an export, and the regression suite
#    against an ASan+UBSan build of the extension, each on its own cluster, and the sharded
#    setup (test/scale-out: four clusters, postgres_fdw, about a minute); each must end with
#    "N passed, N failed" (or "..., N skipped": every skipped case counts as failed here)
if want checks; then
	for check in test/corrupt/run.sh test/stress/rss.sh test/load/run.sh test/faults/run.sh \
		test/sanitize/run.sh test/scale-out/run.sh; do
		"$check" >"$log/check.log" 2>&1
		st=$?
		tail -5 "$log/check.log"
		p="" f="" s=""
		read -r p f s < <(summary_of "$log/check.log")
		if [ -z "$p" ]; then
			lost "$check" "no \"N passed, N failed\" line (it $(status_text "$st"))"
			continue
		fi
		tally "$p" "$f"
		[ "$s" -gt 0 ] && lost "$check" "$s case(s) skipped"
		if [ "$st" -ne 0 ] && [ "$f" -eq 0 ]; then
			lost "$check" "$(status_text "$st") and no failure counted"
		fi
	done
fi

rm -rf "$log"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
