#!/bin/sh
# Benchmark `thuadat merge` on two generated workspaces (bench/merge-prep.sh:
# gen's parcels split into a Hải Dương side in EPSG:9209 and a Hải Phòng side
# in EPSG:9210, split communes placed by boundary, every sheet renumbered),
# next to ogr2ogr reprojecting the Hải Dương map and appending the Hải Phòng
# one (the copying part of the work, without recoding, owners or report).
# Prints time and peak RSS; checks that every parcel was merged.
# Usage: bench/merge.sh BUILD_DIR   (sizes: BENCH_SIZES="20000 1000000", total
# parcels, about 56 % on the Hải Dương side; the lead runs 1000000)
set -eu
build=$1
bin="$build/thuadat"
sizes=${BENCH_SIZES:-"20000 1000000"}
work=${BENCH_DIR:-$build/bench-merge}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$work"

. "$(dirname "$0")/measure.sh"

printf '%-9s %-9s %-9s %9s %12s %9s %10s %9s\n' parcels "HD side" "HP side" seconds parcels/s "RSS MB" ogr2ogr ratio
for n in $sizes; do
	d="$work/n$n"
	sh "$here/merge-prep.sh" "$build" "$n" "$d" >"$work/prep.log" 2>&1 ||
		{ echo "bench: merge-prep failed" >&2; cat "$work/prep.log" >&2; exit 1; }
	hd=$(sqlite3 "$d/hd.gpkg" "SELECT count(*) FROM parcels")
	hp=$(sqlite3 "$d/hp.gpkg" "SELECT count(*) FROM parcels")
	measure merge "$bin" -q merge "$d/out.gpkg" "$d/hp.gpkg" "$d/hd.gpkg" --crosswalk haiphong-2025 \
		--sheets "$d/sheets.csv" --boundaries "$d/boundaries.gpkg"
	t=$secs r=$rss_mb
	out=$(sqlite3 "$d/out.gpkg" "SELECT count(*) FROM parcels")
	[ "$out" -eq $((hd + hp)) ] || { echo "bench: $out parcels merged of $((hd + hp))" >&2; exit 1; }
	rm -f "$d/ref.gpkg"
	measure ref sh -c "ogr2ogr -f GPKG -nln parcels -t_srs EPSG:9210 '$d/ref.gpkg' '$d/hd-map.gpkg' &&
		ogr2ogr -append -nln parcels '$d/ref.gpkg' '$d/hp-map.gpkg'"
	printf '%-9s %-9s %-9s %9.2f %12.0f %9s %10.2f %9.2f\n' "$((hd + hp))" "$hd" "$hp" "$t" \
		"$(echo "$hd $hp $t" | awk '{print ($1 + $2) / ($3 > 0 ? $3 : 0.01)}')" "$r" "$secs" \
		"$(echo "$t $secs" | awk '{print $1 / ($2 > 0 ? $2 : 0.01)}')"
done
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)"
