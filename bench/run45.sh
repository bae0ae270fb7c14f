#!/usr/bin/env bash
# The benchmarks of issues 4 (nested data: a path column and jsonb columns vs a flat scalar
# column) and 5 (parallel scans; memory of compressed and multi-file inputs), in one run: build
# and install the extension, generate (or reuse) the datasets, start a throw-away cluster with
# scripts/virtualenv.sh and run bench/bench45.py in it.  See bench/README-issues-4-5.md.
#
#   bench/run45.sh [--rows N] [--nested-rows N] [--seed S] [--reps R]
#                  [--parts nested,parallel,memory] [--profile] [--no-build]
#
# The table is printed and also written to /tmp/protobuf_fdw_bench/results/issues45-<UTC timestamp>.txt
# (outside the repository: bench/results/ belongs to bench/run.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

rows=5000000 nrows=1000000 seed=42 reps=3 parts=nested,parallel,memory profile= build=1
while [ $# -gt 0 ]; do
	case "$1" in
	--rows) rows=$2; shift 2 ;;
	--nested-rows) nrows=$2; shift 2 ;;
	--seed) seed=$2; shift 2 ;;
	--reps) reps=$2; shift 2 ;;
	--parts) parts=$2; shift 2 ;;
	--profile) profile=1; shift ;;
	--no-build) build=; shift ;;
	*) echo "usage: $0 [--rows N] [--nested-rows N] [--seed S] [--reps R] [--parts nested,parallel,memory] [--profile] [--no-build]" >&2; exit 2 ;;
	esac
done
command="bench/run45.sh --rows $rows --nested-rows $nrows --seed $seed --reps $reps --parts $parts${profile:+ --profile}"

# Debian's python3-protobuf is only visible to Debian's own interpreter.
PY=/usr/bin/python3

# Other people install the extension into the shared PostgreSQL while this runs: the cluster loads
# a private snapshot instead (Debian's extension_destdir), the build made here or, failing that,
# what is installed now.
mkdir -p /tmp/protobuf_fdw_bench
snap=$(mktemp -d /tmp/protobuf_fdw_bench/install.XXXXXX)
trap 'rm -rf "$snap"' EXIT
origin=$(bench/snapshot.sh "$snap" $([ -n "$build" ] || echo --no-build))

# The flat dataset of issue 2 (events.pb, batch.pb and the 2.2 GB events_2g.pb that bench/run.sh
# also asks for), the nested dataset, and the issue 5 inputs derived from the flat one.
flat=$($PY bench/gen_dataset.py --rows "$rows" --seed "$seed" --variant 2g=2200000000 | tail -1)
nested=$($PY bench/gen_nested.py --rows "$nrows" --seed "$seed" | tail -1)
work=/tmp/protobuf_fdw_bench/issue5_N${rows}_seed${seed}
$PY bench/bench45.py --prepare --flat "$flat" --work "$work"

prof=()
if [ -n "$profile" ]; then
	command -v perf >/dev/null || apt-get install -y -qq linux-perf >/dev/null 2>&1 || true
	prof=(--profile "SELECT count(city) FROM orders"
	      --profile "SELECT sum(length(msg::text)) FROM orders")
fi

mkdir -p /tmp/protobuf_fdw_bench/results
results="/tmp/protobuf_fdw_bench/results/issues45-$(date -u +%Y%m%dT%H%M%SZ).txt"
scripts/virtualenv.sh -o extension_destdir="$snap" \
	$PY bench/bench45.py --nested "$nested" --flat "$flat" --work "$work" \
	--results "$results" --reps "$reps" --parts "$parts" --command "$command" "${prof[@]}" \
	--so "$snap$(pg_config --pkglibdir)/protobuf_fdw.so" --built "$origin"
