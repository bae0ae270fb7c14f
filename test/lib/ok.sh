# test/lib/ok.sh — sourced by the check scripts (test/faults, test/scale-out): one assertion
# at a time, counted in $passed and $failed for their "N passed, N failed" summary line.
passed=0
failed=0

ok() {	# ok <what> <command...>: one assertion
	local what=$1
	shift
	if "$@"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "FAILED: $what"
	fi
}
