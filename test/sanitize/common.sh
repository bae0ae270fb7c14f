# test/sanitize/common.sh — sourced by run.sh and valgrind.sh: a throw-away copy of the
# checkout and the regression fixtures in a private directory.

# san_copy_tree <top> <dest> — the checkout's files (tracked and untracked, not ignored, as
# they are in the working tree) copied to <dest>, so the normal build's objects are never
# touched; PBFDW_SAN_PATCH, if set, is applied to the copy.
san_copy_tree() {
	mkdir -p "$2" || return 1
	(cd "$1" && git ls-files -z --cached --others --exclude-standard |
		while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
		tar --null -T - -cf -) | tar -C "$2" -xf - || return 1
	if [ -n "${PBFDW_SAN_PATCH:-}" ]; then
		patch -d "$2" -p1 <"$PBFDW_SAN_PATCH" || return 1
		echo "sanitize: applied $PBFDW_SAN_PATCH to the copy"
	fi
}

# san_fixtures <tree> <fixdir> <log> — the regression fixtures generated into <fixdir>, and
# the copy's sql/ and expected/ pointed at it instead of /tmp/protobuf_fdw_test.  <fixdir>
# must have the same length as /tmp/protobuf_fdw_test, so that aligned psql output stays the
# same; a private directory means a concurrent `make test` cannot clobber the fixtures.
san_fixtures() {
	local tree=$1 fix=$2
	if [ ${#fix} -ne ${#PBFDW_DEFAULT_TESTDIR} ]; then
		echo "fixture directory $fix must be ${#PBFDW_DEFAULT_TESTDIR} characters long"
		return 1
	fi
	rm -rf "$fix" "$fix.noperm"
	mkdir -p "$fix"
	if ! (cd "$tree" && test/fixtures/generate.sh "$fix" &&
		for g in test/fixtures/*/generate.sh; do [ ! -x "$g" ] || "$g" "$fix" || exit 1; done) \
		>"$3" 2>&1; then
		cat "$3"
		return 1
	fi
	chmod -R a+rwX "$fix"
	sed -i "s|$PBFDW_DEFAULT_TESTDIR|$fix|g" "$tree"/sql/*.sql "$tree"/expected/*.out
}
PBFDW_DEFAULT_TESTDIR=/tmp/protobuf_fdw_test

# san_node_modules <top> <tree> <log> — the Parquet read-back oracle's node modules (the
# export tests run it): the checkout's, or installed into the copy.
san_node_modules() {
	if [ -d "$1/test/parquet/node_modules" ]; then
		ln -s "$1/test/parquet/node_modules" "$2/test/parquet/node_modules"
	else
		(cd "$2" && scripts/install-deps.sh) >"$3" 2>&1 || { cat "$3"; return 1; }
	fi
}

# The tally: pass/fail one check, and finish with "N passed, N failed" (the exit status is 0
# only if none failed).  $san_name labels the time line.
passed=0
failed=0
t0=$(date +%s)
pass() { passed=$((passed + 1)); echo "ok: $*"; }
fail() { failed=$((failed + 1)); echo "FAILED: $*"; }
finish() {
	echo "$san_name: $(($(date +%s) - t0)) s in all"
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
	exit $?
}

# san_tally_regress <log> <status> <tree> — one pass or fail per pg_regress test in <log>
# (the output of make installcheck, which exited with <status>), and the diffs if any.
san_tally_regress() {
	local ok bad
	ok=$(grep -cE '\.\.\. ok|^ok ' "$1")
	bad=$(grep -cE '\.\.\. FAILED|\.\.\. failed|^not ok ' "$1")
	passed=$((passed + ok))
	failed=$((failed + bad))
	if [ "$2" -ne 0 ] && [ "$bad" -eq 0 ]; then
		fail "pg_regress exited with status $2"
	fi
	[ "$ok" -gt 0 ] || fail "no pg_regress test ran"
	[ -f "$3/regression.diffs" ] && head -c 20000 "$3/regression.diffs"
	return 0
}
