#!/usr/bin/env bash
# The whole test suite, as CI runs it: install what is missing, build, install, run the unit
# tests of the pure-C modules and the pg_regress suite against a throw-away cluster
# (Debian's pg_virtualenv), and end with "N passed, N failed".  Exit status 0 only if all pass.
#
# Test files live in $PBFDW_TESTDIR (default /tmp/protobuf_fdw_test), made fresh here and
# readable by the postgres user; the regression tests refer to that path.
set -uo pipefail
cd "$(dirname "$0")/.."

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

# 1. unit tests of the pure-C modules (each program prints "unit <name>: N passed, N failed")
make -s -C test/unit check >"$log/unit.log" 2>&1
cat "$log/unit.log"
while read -r p f; do tally "$p" "$f"; done < <(sed -n 's/^unit .*: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' "$log/unit.log")
if grep -qE 'error|Error' "$log/unit.log" && ! grep -q '^unit ' "$log/unit.log"; then
	echo "unit tests did not build"
	tally 0 1
fi

# 1b. the same unit tests under AddressSanitizer + UndefinedBehaviorSanitizer
make -s -C test/unit check SANITIZE=1 >"$log/unit-san.log" 2>&1
sed 's/^unit /unit (ASan+UBSan) /' "$log/unit-san.log" | grep -E '^unit |ERROR|runtime error' | head -20
while read -r p f; do tally "$p" "$f"; done < <(sed -n 's/^unit .*: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' "$log/unit-san.log")
if grep -qE 'ERROR: AddressSanitizer|runtime error' "$log/unit-san.log"; then
	echo "sanitizer report in the unit tests"
	tally 0 1
fi

# 1c. libFuzzer targets, each for a bounded time (FUZZ_SECONDS): the pure-C modules, then the
#     decoder and the descriptor-set loader inside a single-user backend
for t in fuzz_framing fuzz_wire fuzz_parquet fuzz_decoder fuzz_loader; do
	if make -s -C test/fuzz "run-$t" SECONDS="${FUZZ_SECONDS:-60}" >"$log/$t.log" 2>&1; then
		echo "fuzz $t: $(grep -h 'stat::number_of_executed_units' "$log/$t.log" | tail -1)"
		tally 1 0
	else
		tail -30 "$log/$t.log"
		echo "fuzz $t: FAILED"
		tally 0 1
	fi
done

# 2. fixtures, made by independent encoders (protoc --encode, python3-protobuf)
rm -rf "$PBFDW_TESTDIR"
mkdir -p "$PBFDW_TESTDIR"
if ! { test/fixtures/generate.sh "$PBFDW_TESTDIR" &&
	for g in test/fixtures/*/generate.sh; do [ ! -x "$g" ] || "$g" "$PBFDW_TESTDIR" || exit 1; done; } >"$log/fixtures.log" 2>&1; then
	cat "$log/fixtures.log"
	echo "fixture generation failed"
	tally 0 1
fi
chmod -R a+rwX "$PBFDW_TESTDIR"

# 3. pg_regress against a throw-away cluster
rm -rf results regression.diffs regression.out
scripts/virtualenv.sh make -s installcheck >"$log/regress.log" 2>&1
regress_status=$?
cat "$log/regress.log"
ok=$(grep -cE '\.\.\. ok|^ok ' "$log/regress.log")
bad=$(grep -cE '\.\.\. FAILED|\.\.\. failed|^not ok ' "$log/regress.log")
if [ "$regress_status" -ne 0 ] && [ "$bad" -eq 0 ]; then
	echo "pg_regress exited with status $regress_status"
	bad=1
fi
tally "$ok" "$bad"
[ -f regression.diffs ] && head -c 20000 regression.diffs

# 4. the bad-input corpus, a long-lived backend's memory, 16 sessions of concurrent load for
#    PBFDW_LOAD_SECONDS (default 60), the faults during an export, and the regression suite
#    against an ASan+UBSan build of the extension, each on its own cluster
for check in test/corrupt/run.sh test/stress/rss.sh test/load/run.sh test/faults/run.sh \
	test/sanitize/run.sh; do
	"$check" >"$log/check.log" 2>&1
	status=$?
	tail -5 "$log/check.log"
	summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log/check.log" | tail -1)
	if [ -n "$summary" ]; then
		tally "$(echo "$summary" | cut -d' ' -f1)" "$(echo "$summary" | cut -d' ' -f3)"
	fi
	if [ "$status" -ne 0 ] && ! echo "$summary" | grep -qE ', [1-9][0-9]* failed$'; then
		echo "$check exited with status $status"
		tally 0 1
	fi
done

rm -rf "$log"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
