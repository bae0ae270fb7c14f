#!/usr/bin/env bash
# Install the extension into a private snapshot directory for a benchmark cluster to load
# (Debian's extension_destdir), because other people install into the shared PostgreSQL while
# a benchmark runs.  Builds the working tree unless --no-build; if that fails or is skipped,
# copies what is installed now.
#
#   bench/snapshot.sh SNAPSHOT_DIR [--no-build]
#
# Prints one line saying where the snapshot's extension came from.
set -uo pipefail
cd "$(dirname "$0")/.."
snap=$1 build=1
[ "${2:-}" = --no-build ] && build=
mkdir -p "$snap"
chmod 755 "$snap"
if [ -n "$build" ]; then
	if { make -s && make -s install DESTDIR="$snap"; } >"$snap.log" 2>&1; then
		rm -f "$snap.log"
		echo "built here from the working tree"
		exit 0
	fi
	tail -20 "$snap.log" >&2
	rm -f "$snap.log"
	echo "snapshot.sh: the extension did not build; using what is installed" >&2
fi
libdir=$(pg_config --pkglibdir) extdir=$(pg_config --sharedir)/extension
mkdir -p "$snap$libdir" "$snap$extdir"
cp -p "$libdir"/protobuf_fdw.so "$snap$libdir"/ 2>/dev/null || true
cp -p "$extdir"/protobuf_fdw[.-]* "$snap$extdir"/ 2>/dev/null || true
echo "copied from the installed extension (the build failed or was skipped)"
