#!/bin/bash
# run.sh TARGET LIB SEEDS WORK [libFuzzer args...]
#   Run the in-backend libFuzzer target TARGET (fuzz_decoder | fuzz_loader) built in LIB
#   inside a single-user PostgreSQL backend.
#   The server runs as user postgres, so everything it touches lives in a scratch directory
#   under /tmp ($PBFUZZ_TMP, default /tmp/pbfuzz-TARGET): the library, the descriptor set,
#   a throw-away cluster (initdb'd once), a copy of the seeds (SEEDS: a directory, or one file
#   to replay) and the crash artifacts.
#   Afterwards the corpus, the artifacts and the log are copied to WORK/TARGET*.
#   libFuzzer's own arguments follow; the corpus directory is added last.
set -euo pipefail
target=$1 lib=$2 seeds=$3 work=$4
shift 4
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
pgbin=$(pg_config --bindir)
tmp=${PBFUZZ_TMP:-/tmp/pbfuzz-$target}
run_as=postgres
[ "$(id -un)" = postgres ] && run_as=

# one backend per scratch directory: another run here (e.g. a long run) would lose its files
if [ -f "$tmp/data/postmaster.pid" ] && kill -0 "$(head -1 "$tmp/data/postmaster.pid")" 2>/dev/null; then
	echo "run.sh: a backend is already running in $tmp; set PBFUZZ_TMP to another directory" >&2
	exit 2
fi
mkdir -p "$tmp" "$work"
rm -rf "$tmp/corpus" "$tmp/artifacts"
mkdir -p "$tmp/corpus" "$tmp/artifacts"
if [ -d "$seeds" ]; then cp "$seeds"/* "$tmp/corpus/"; else cp "$seeds" "$tmp/corpus/"; fi
cp "$lib" "$tmp/pbfuzz.so"
protoc --include_imports -I "$top/proto" -I /usr/include -o "$tmp/model.desc" \
	model_types.proto model_p2.proto model_shop.proto
sed "s|@LIB@|$tmp/pbfuzz.so|" "$here/setup.sql" > "$tmp/setup.sql"
chmod a+rwx "$tmp"
chmod -R a+rwX "$tmp/corpus" "$tmp/artifacts" "$tmp/pbfuzz.so" "$tmp/model.desc" "$tmp/setup.sql"
[ -n "$run_as" ] && chown -R postgres "$tmp/corpus" "$tmp/artifacts"

as_pg() { if [ -n "$run_as" ]; then su postgres -s /bin/bash -c "$1"; else bash -c "$1"; fi; }

if [ ! -f "$tmp/data/PG_VERSION" ]; then
	as_pg "'$pgbin/initdb' -D '$tmp/data' -E UTF8 --locale=C.UTF-8 -A trust >'$tmp/initdb.log' 2>&1"
fi

tables="'{pbfuzz.scalars,pbfuzz.scalars_text,pbfuzz.rep,pbfuzz.nodes,pbfuzz.choice,pbfuzz.maps,pbfuzz.wkt,pbfuzz.wkt_json,pbfuzz.groups,pbfuzz.orders}'"
args=""
for a in "$@" "-artifact_prefix=$tmp/artifacts/" "$tmp/corpus"; do
	args="$args${args:+,}\"$a\""
done
case $target in
fuzz_decoder) call="SELECT pbfuzz.decoder('$tmp/model.desc', $tables, '{$args}');" ;;
fuzz_loader) call="SELECT pbfuzz.loader('{pbfuzz.whole,${tables:2:-2}}', '{$args}');" ;;
*) echo "unknown target $target" >&2; exit 2 ;;
esac
echo "$call" >> "$tmp/setup.sql"

# no ASan here: a backend with libclang_rt.asan preloaded hangs in bindtextdomain() before
# main() gets anywhere (README.md); UBSan traps, the row context has guard pages
status=0
as_pg "cd '$tmp' && ${PBFUZZ_VERBOSE:+PBFUZZ_VERBOSE=1} ${PBFUZZ_SELFTEST:+PBFUZZ_SELFTEST=1} ${PBFUZZ_STRICT:+PBFUZZ_STRICT=1} ${PBFUZZ_FENCE_UNMAP:+PBFUZZ_FENCE_UNMAP=$PBFUZZ_FENCE_UNMAP} '$pgbin/postgres' --single -D '$tmp/data' -c max_stack_depth=7MB \
	-c shared_buffers=16MB postgres < '$tmp/setup.sql' > '$tmp/out.log' 2>&1" || status=$?

rm -rf "$work/$target" "$work/$target-artifacts"
mkdir -p "$work/$target" "$work/$target-artifacts"
cp "$tmp/corpus/"* "$work/$target/" 2>/dev/null || true
cp "$tmp/artifacts/"* "$work/$target-artifacts/" 2>/dev/null || true
cp "$tmp/out.log" "$work/$target.log"
# libFuzzer prints "Done N runs" and exits 0 only when every run passed
grep -q "^Done [0-9]* runs" "$work/$target.log" || status=${status/#0/1}
exit $status
