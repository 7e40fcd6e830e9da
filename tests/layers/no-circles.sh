#!/bin/sh
# No two modules of lib/ include each other, directly or through others:
# every quoted #include "x.h" in module m's files is an edge x -> m, and
# tsort fails on a loop. (The compiler enforces the layers; this catches a
# circle inside one layer.)
set -eu
cd "${TD_SRC:?}"
find lib -name '*.[ch]' -exec awk '
	FNR == 1 { m = FILENAME; sub(/.*\//, "", m); sub(/\.[ch]$/, "", m) }
	/^#include "/ { h = $2; gsub(/"/, "", h); sub(/\.h$/, "", h); if (h != m && h != "banned") print h, m }
' {} + | sort -u >"${TD_TMP:-/tmp}/layers-edges.txt"
if ! tsort "${TD_TMP:-/tmp}/layers-edges.txt" >/dev/null; then
	echo "not ok - lib/ has an include circle (tsort names it above)"
	exit 1
fi
echo "ok - $(wc -l <"${TD_TMP:-/tmp}/layers-edges.txt") include edges between modules, no circle"
