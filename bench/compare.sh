#!/usr/bin/env bash
# Two builds of protobuf_fdw side by side in one run, on one throw-away cluster: the scans and
# exports of bench/run.sh, each build's statements interleaved round by round, so that a
# refactor's cost is measured as a ratio (issue 16: "the scan and export bench medians stay
# within 5% of today's").  See bench/README.md, "Comparing two builds".
#
#   bench/compare.sh [--rows N] [--seed S] [--reps R] BASE_REV [NEW_REV]
#
# BASE_REV and NEW_REV (default: the working tree) are built in temporary clones; each build's
# protobuf_fdw.so is loaded by absolute path under its own wrapper and function names, and every
# statement runs in a fresh backend, so the two libraries never share a process.
set -euo pipefail
cd "$(dirname "$0")/.."
rows=5000000 seed=42 reps=7
while [ $# -gt 0 ]; do
	case "$1" in
	--rows) rows=$2; shift 2 ;;
	--seed) seed=$2; shift 2 ;;
	--reps) reps=$2; shift 2 ;;
	*) break ;;
	esac
done
base=${1:?usage: bench/compare.sh [--rows N] [--seed S] [--reps R] BASE_REV [NEW_REV]}
new=${2:-}
PY=/usr/bin/python3

work=$(mktemp -d /tmp/protobuf_fdw_compare.XXXXXX)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"

# build <rev or empty> <name>: a clean build of that revision (or of the working tree) -> $work/<name>.so
build() {
	local src=$work/src-$2
	if [ -n "$1" ]; then
		git clone -q . "$src"
		git -C "$src" checkout -q "$1"
	else
		mkdir -p "$src"
		git ls-files -z | xargs -0 cp --parents -t "$src"
	fi
	make -s -C "$src" >"$work/build-$2.log" 2>&1 || { tail -20 "$work/build-$2.log"; exit 1; }
	cp "$src/protobuf_fdw.so" "$work/$2.so"
	chmod 755 "$work/$2.so"
	if [ -n "$1" ]; then
		echo "$2: $(git -C "$src" rev-parse --short HEAD)"
	else
		echo "$2: $(git rev-parse --short HEAD) + working tree"
	fi
}
build "$base" base
build "$new" new

data=$($PY bench/gen_dataset.py --rows "$rows" --seed "$seed" | tail -1)
out=$work/out
mkdir -p "$out"
chmod 1777 "$out"
scripts/virtualenv.sh $PY bench/compare.py --data "$data" --out "$out" --reps "$reps" \
	--so base="$work/base.so" --so new="$work/new.so"
