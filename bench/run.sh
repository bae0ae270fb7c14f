#!/usr/bin/env bash
# The benchmark harness for issues 2 (protobuf_fdw scans) and 3 (parquet_export), in one run:
# build and install the extension, generate (or reuse) the dataset, start a throw-away cluster
# with pg_virtualenv and run bench/bench.py in it.  See bench/README.md.
#
#   bench/run.sh [--rows N] [--seed S] [--reps R] [--parts scan,memory,export] [--profile] [--no-build]
#
# The table is printed and also written to bench/results/<UTC timestamp>.txt.
set -euo pipefail
cd "$(dirname "$0")/.."

# Defaults may also come from the environment (make bench BENCH_ROWS=100000).
rows=${BENCH_ROWS:-5000000} seed=${BENCH_SEED:-42} reps=${BENCH_REPS:-5}
parts=${BENCH_PARTS:-scan,memory,export} profile=${BENCH_PROFILE:+--profile} build=1
while [ $# -gt 0 ]; do
	case "$1" in
	--rows) rows=$2; shift 2 ;;
	--seed) seed=$2; shift 2 ;;
	--reps) reps=$2; shift 2 ;;
	--parts) parts=$2; shift 2 ;;
	--profile) profile=--profile; shift ;;
	--no-build) build=; shift ;;
	*) echo "usage: $0 [--rows N] [--seed S] [--reps R] [--parts scan,memory,export] [--profile] [--no-build]" >&2; exit 2 ;;
	esac
done
command="bench/run.sh --rows $rows --seed $seed --reps $reps --parts $parts${profile:+ --profile}"

# Debian's python3-protobuf is only visible to Debian's own interpreter.
PY=/usr/bin/python3

# The same packages as the tests (protoc, python3-protobuf, PostgreSQL 15, node); perf on request.
scripts/install-deps.sh >/dev/null || echo "run.sh: install-deps failed; going on with what is there"
if [ -n "$profile" ] && ! command -v perf >/dev/null; then
	apt-get install -y -qq linux-perf >/dev/null 2>&1 || echo "run.sh: could not install linux-perf"
fi

# Other people install the extension into the shared PostgreSQL while this runs: the cluster loads
# a private snapshot instead (Debian's extension_destdir), the build made here or, failing that,
# what is installed now.
mkdir -p /tmp/protobuf_fdw_bench
snap=$(mktemp -d /tmp/protobuf_fdw_bench/install.XXXXXX)
out=$(mktemp -d /tmp/protobuf_fdw_bench/out.XXXXXX)
trap 'rm -rf "$snap" "$out"' EXIT
origin=$(bench/snapshot.sh "$snap" $([ -n "$build" ] || echo --no-build))

if [ ! -d bench/node_modules/@duckdb/node-api ]; then
	(cd bench && npm install --no-audit --no-fund --loglevel=error) ||
		echo "run.sh: npm install failed; the DuckDB rows will be skipped"
fi

data=$($PY bench/gen_dataset.py --rows "$rows" --seed "$seed" \
	--variant 20m=20000000 --variant 2g=2200000000 | tail -1)

# Scratch space for COPY TO / parquet_export output: the server runs as postgres.
chmod 1777 "$out"

mkdir -p bench/results
results="bench/results/$(date -u +%Y%m%dT%H%M%SZ).txt"
# -t: the cluster lives in a temporary directory, so it cannot collide with a test run's.
pg_virtualenv -t -v 15 -o extension_destdir="$snap" \
	$PY bench/bench.py --data "$data" --out "$out" --results "$results" \
	--reps "$reps" --parts "$parts" --command "$command" --so "$snap$(pg_config --pkglibdir)/protobuf_fdw.so" \
	--built "$origin" $profile
