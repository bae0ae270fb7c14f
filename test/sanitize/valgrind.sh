#!/usr/bin/env bash
# test/sanitize/valgrind.sh [TEST ...] — regression tests against a postmaster running under
# valgrind memcheck (issue 6), for what AddressSanitizer cannot see: reads of uninitialized
# memory (branches on it, and bytes of it passed to write(): a Parquet file or a COPY
# carrying garbage).
#
# Builds a copy of the checkout as usual (-O2 -g, no sanitizer) into $PBFDW_VG_DIR/inst
# (default /tmp/protobuf_fdw_vg), generates the fixtures into /tmp/protobuf_fdw_vgrd, starts
# a pg_virtualenv cluster with extension_destdir, stops it and starts the same data directory
# again as `valgrind --tool=memcheck postgres ...` (backends are forks: each gets its own log
# $PBFDW_VG_DIR/vg/vg.<pid>; programs the backends exec are not traced), runs
# `make installcheck REGRESS="TEST ..."` (default: a subset, see below: the whole suite under
# valgrind takes too long for this machine), and counts memcheck errors with a frame in
# protobuf_fdw.so.  Errors only in the server's own code are counted and listed, but not
# failed: Debian's server is not built with USE_VALGRIND and PostgreSQL's own suppression
# file is not installed, so the server alone reports some (padding bytes written to WAL etc.).
#
# Ends with "N passed, N failed".
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=test/sanitize/common.sh
. "$top/test/sanitize/common.sh"
san_name=valgrind
vg=${PBFDW_VG_DIR:-/tmp/protobuf_fdw_vg}
fix=/tmp/protobuf_fdw_vgrd
tests=("$@")
[ ${#tests[@]} -gt 0 ] || tests=(scalars scan model_json model_repeated sources_compression export_types)

rm -rf "$vg"
mkdir -p "$vg/tree" "$vg/inst" "$vg/vg" "$vg/logs"
tree=$vg/tree
san_copy_tree "$top" "$tree" || { fail "copy of the checkout"; finish; }
if ! (cd "$tree" && nice -n 19 make -j2 with_llvm=no && make install with_llvm=no DESTDIR="$vg/inst") \
	>"$vg/logs/build.log" 2>&1; then
	tail -40 "$vg/logs/build.log"
	fail "build"
	finish
fi
san_node_modules "$top" "$tree" "$vg/logs/deps.log" || fail "install-deps"
san_fixtures "$tree" "$fix" "$vg/logs/fixtures.log" || fail "fixture generation"
chmod -R a+rwX "$vg/vg" "$vg/logs"
chmod a+rx "$vg" "$vg/inst"

cat >"$vg/inside.sh" <<'EOF'
#!/usr/bin/env bash
# inside the cluster: restart the postmaster under valgrind, run the tests, stop it
set -uo pipefail
vg=$1
shift
conf=$PG_CLUSTER_CONF_ROOT/15/regress/postgresql.conf
data=$(pg_conftool -s 15 regress show data_directory)
pg_ctlcluster 15 regress stop || exit 1
su postgres -s /bin/sh -c "exec valgrind --tool=memcheck --error-limit=no --num-callers=40 \
	--trace-children=no --fullpath-after= --log-file=$vg/vg/vg.%p \
	/usr/lib/postgresql/15/bin/postgres -D '$data' -c config_file='$conf'" \
	>"$vg/logs/server.log" 2>&1 &
for _ in $(seq 1 600); do
	pg_isready -q -h localhost -p "$PGPORT" && break
	sleep 1
done
pg_isready -h localhost -p "$PGPORT" || exit 1
make -s installcheck REGRESS="$*"
status=$?
pm=$(head -1 "$data/postmaster.pid")
kill -INT "$pm"
for _ in $(seq 1 300); do
	kill -0 "$pm" 2>/dev/null || break
	sleep 1
done
exit $status
EOF
chmod +x "$vg/inside.sh"

t1=$(date +%s)
(cd "$tree" && rm -rf results regression.diffs regression.out &&
	scripts/virtualenv.sh -o "extension_destdir=$vg/inst" "$vg/inside.sh" "$vg" "${tests[@]}") \
	>"$vg/logs/regress.log" 2>&1
regress_status=$?
echo "valgrind: ${#tests[@]} tests took $(( $(date +%s) - t1 )) s under valgrind"
cat "$vg/logs/regress.log"
san_tally_regress "$vg/logs/regress.log" "$regress_status" "$tree"

# memcheck errors: blocks of "==pid== " lines between blank ones, from a line naming the
# error to the end of its stack; ours if a frame is in protobuf_fdw.so
/usr/bin/python3 - "$vg/vg" >"$vg/logs/errors.txt" <<'PY'
import glob, re, sys
ours, theirs, procs = [], [], 0
for path in sorted(glob.glob(sys.argv[1] + "/vg.*")):
    procs += 1
    block = []
    for line in open(path, errors="replace"):
        body = re.sub(r"^==\d+== ?", "", line.rstrip("\n"))
        if body.strip() == "":
            if block and re.match(r"^(Invalid|Conditional|Use of uninit|Syscall param|Source and destination|Mismatched|Argument|Jump to)", block[0]):
                (ours if any("protobuf_fdw.so" in l or "/tree/src/" in l for l in block) else theirs).append("\n".join(block))
            block = []
        else:
            block.append(body)
print("processes %d, errors in protobuf_fdw %d, errors elsewhere %d" % (procs, len(ours), len(theirs)))
for kind, blocks in (("OURS", ours), ("SERVER", theirs)):
    seen = {}
    for b in blocks:
        key = "\n".join(b.splitlines()[:4])
        seen[key] = seen.get(key, 0) + 1
    for key, n in seen.items():
        print("---- %s (%d times)\n%s" % (kind, n, key))
PY
head -1 "$vg/logs/errors.txt"
procs=$(sed -n 's/^processes \([0-9]*\),.*/\1/p' "$vg/logs/errors.txt")
if [ "${procs:-0}" -eq 0 ]; then
	fail "no valgrind log was written"
elif grep -q '^---- OURS' "$vg/logs/errors.txt"; then
	fail "memcheck errors in protobuf_fdw.so (first frames below; all in $vg/vg)"
	sed -n '/^---- OURS/,/^---- SERVER/p' "$vg/logs/errors.txt" | head -80
else
	pass "no memcheck error in protobuf_fdw.so ($procs processes)"
fi
if grep -q '^---- SERVER' "$vg/logs/errors.txt"; then
	echo "(memcheck errors in the server's own code, not counted: see $vg/logs/errors.txt)"
fi
finish
