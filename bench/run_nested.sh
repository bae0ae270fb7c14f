#!/usr/bin/env bash
# The nested-path benchmark of issue 12: generate (or reuse) the datasets, snapshot the extension,
# start a throw-away cluster with scripts/virtualenv.sh and run bench/nested.py in it.
# See bench/README.md, "Nested paths (issue 12)".
#
#   bench/run_nested.sh [--rows N] [--part6-rows N] [--cancel-rows N] [--seed S] [--reps R]
#                       [--cancel-reps R] [--timeouts S,S]
#                       [--parts scan,memory,part6,cancel] [--mem-limit GB] [--no-build]
#
# The table is printed and also written to
# /tmp/protobuf_fdw_bench/results/nested-<UTC timestamp>.txt.
set -euo pipefail
cd "$(dirname "$0")/.."

rows=25000000 p6rows=1000000 crows=6250000 seed=42 reps=5 creps=3 timeouts=1,3,20 parts=scan,memory,part6,cancel
memlimit=8 build=1
usage="usage: $0 [--rows N] [--part6-rows N] [--cancel-rows N] [--seed S] [--reps R] [--cancel-reps R] [--timeouts S,S] [--parts scan,memory,part6,cancel] [--mem-limit GB] [--no-build]"
while [ $# -gt 0 ]; do
	case "$1" in
	--rows) rows=$2; shift 2 ;;
	--part6-rows) p6rows=$2; shift 2 ;;
	--cancel-rows) crows=$2; shift 2 ;;
	--seed) seed=$2; shift 2 ;;
	--reps) reps=$2; shift 2 ;;
	--cancel-reps) creps=$2; shift 2 ;;
	--timeouts) timeouts=$2; shift 2 ;;
	--parts) parts=$2; shift 2 ;;
	--mem-limit) memlimit=$2; shift 2 ;;
	--no-build) build=; shift ;;
	*) echo "$usage" >&2; exit 2 ;;
	esac
done
command="bench/run_nested.sh --rows $rows --part6-rows $p6rows --cancel-rows $crows --seed $seed --reps $reps --cancel-reps $creps --timeouts $timeouts --parts $parts --mem-limit $memlimit"

# Debian's python3-protobuf is only visible to Debian's own interpreter.
PY=/usr/bin/python3

# Other people install the extension into the shared PostgreSQL while this runs: the cluster loads
# a private snapshot instead (Debian's extension_destdir).
mkdir -p /tmp/protobuf_fdw_bench
snap=$(mktemp -d /tmp/protobuf_fdw_bench/install.XXXXXX)
trap 'rm -rf "$snap"' EXIT
origin=$(bench/snapshot.sh "$snap" $([ -n "$build" ] || echo --no-build))

data=$($PY bench/gen_nested_dump.py --rows "$rows" --seed "$seed" | tail -1)
p6=$($PY bench/gen_nested_dump.py --rows "$p6rows" --seed "$seed" --json | tail -1)
cancel=$($PY bench/gen_nested_dump.py --rows "$crows" --seed "$seed" | tail -1)

mkdir -p /tmp/protobuf_fdw_bench/results
results="/tmp/protobuf_fdw_bench/results/nested-$(date -u +%Y%m%dT%H%M%SZ).txt"
# Reading a big subtree as one value took gigabytes before issue 12: cap every process of the
# cluster (address space), so that such a statement fails with "out of memory" instead of
# pushing the shared machine into the OOM killer.
ulimit -v $((memlimit * 1024 * 1024))
scripts/virtualenv.sh -o extension_destdir="$snap" \
	$PY bench/nested.py --data "$data" --part6 "$p6" --cancel "$cancel" \
	--results "$results" --reps "$reps" --cancel-reps "$creps" --timeouts "$timeouts" --parts "$parts" --command "$command" \
	--so "$snap$(pg_config --pkglibdir)/protobuf_fdw.so" --built "$origin" --mem-limit "${memlimit} GB"
