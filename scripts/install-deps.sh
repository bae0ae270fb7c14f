#!/usr/bin/env bash
# Install everything protobuf_fdw needs to build, test, demo and benchmark on Debian 12.
# Idempotent: installs only what is missing.  Run as root.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
	build-essential postgresql-15 postgresql-server-dev-15 postgresql-common
	libprotobuf-c-dev protobuf-c-compiler protobuf-compiler libprotobuf-dev python3-protobuf
	libzstd-dev libsnappy-dev zlib1g-dev liblz4-dev libbrotli-dev zstd gzip
	clang libclang-rt-14-dev
)
# Node.js runs the DuckDB read-back; the image may ship its own node and npm: keep those.
command -v node >/dev/null || APT_PACKAGES+=(nodejs)
command -v npm >/dev/null || APT_PACKAGES+=(npm)

missing=()
for p in "${APT_PACKAGES[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "install-deps: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The Parquet read-back oracle: DuckDB from npm (ships its own binary).
# (Re)installed when missing or when the lock file is newer than what npm last installed.
if [ -f test/parquet/package.json ] &&
	{ [ ! -f test/parquet/node_modules/.package-lock.json ] ||
		[ test/parquet/package-lock.json -nt test/parquet/node_modules/.package-lock.json ]; }; then
	echo "install-deps: npm ci in test/parquet"
	(cd test/parquet && npm ci --no-audit --no-fund --loglevel=error)
fi
echo "install-deps: ok"
