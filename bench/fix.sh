#!/bin/sh
# The fix stage on generated data (2 % defects, seed 1): proposing alone,
# then proposing and applying the automatic fixes, then check again; time
# and peak RSS of each. gen's own geometry defects are too large for the
# register (review only), so the automatic fixes here are the legacy
# land-use codes; the proposals are what the time is spent on.
# Usage: bench/fix.sh BUILD_DIR   (sizes: BENCH_SIZES="100000 1000000")
set -eu
build=$1
bin="$build/thuadat"
sizes=${BENCH_SIZES:-"100000 1000000"}
work=${BENCH_DIR:-$build/bench-fix}
mkdir -p "$work"
. "$(dirname "$0")/measure.sh"

printf '%-9s %-16s %9s %9s %s\n' parcels stage seconds "RSS MB" result
for n in $sizes; do
	d="$work/$n"
	rm -rf "$d" && mkdir -p "$d"
	"$build/gen" --parcels "$n" --seed 1 --out "$d/data"
	"$bin" -q init "$d/ws.gpkg" --crs EPSG:9210
	"$bin" -q ingest "$d/ws.gpkg" --map "$d/data/map.gpkg" --register "$d/data/register.csv"
	measure check "$bin" check "$d/ws.gpkg" --today 2026-11-01
	printf '%-9s %-16s %9.2f %9s %s\n' "$n" check "$secs" "$rss_mb" "$(head -n 1 "$work/check.out" | sed 's/.*: //')"
	cp "$d/ws.gpkg" "$d/checked.gpkg"
	measure fix "$bin" fix "$d/ws.gpkg"
	printf '%-9s %-16s %9.2f %9s %s\n' "$n" fix "$secs" "$rss_mb" "$(head -n 1 "$work/fix.out")"
	cp "$d/checked.gpkg" "$d/ws.gpkg"
	measure fix-apply "$bin" fix "$d/ws.gpkg" --apply-auto
	printf '%-9s %-16s %9.2f %9s %s\n' "$n" "fix --apply-auto" "$secs" "$rss_mb" "$(tail -n 1 "$work/fix-apply.out" | sed 's/ (run.*//')"
	measure recheck "$bin" check "$d/ws.gpkg" --today 2026-11-01
	printf '%-9s %-16s %9.2f %9s %s\n' "$n" check "$secs" "$rss_mb" "$(head -n 1 "$work/recheck.out" | sed 's/.*: //')"
	rm -f "$d/checked.gpkg"
done
