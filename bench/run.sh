#!/bin/sh
# make bench: generate data at several sizes, run each stage, and print
# throughput and peak memory next to a reference tool doing comparable work
# in the same run:
#   ingest   vs  ogr2ogr copying the same map into a GeoPackage
#   check    vs  a SpatiaLite SQL self-join (GeoPackage R-tree + ST_Overlaps)
#                doing only the overlap test; check runs every rule
#   export   vs  ogr2ogr -f XLSX writing the same parcel rows
#   assign-id (first run, every ID issued) and reassign (second run on
#   unchanged data) have no reference
# Usage: bench/run.sh BUILD_DIR   (sizes: BENCH_SIZES="10000 100000 1000000")
set -eu
build=$1
bin="$build/thuadat"
gen="$build/gen"
sizes=${BENCH_SIZES:-"10000 100000 1000000"}
work=${BENCH_DIR:-$build/bench}
mkdir -p "$work"

# measure LABEL CMD...: run CMD under GNU time; sets secs and rss_mb
measure() {
	label=$1
	shift
	/usr/bin/time -f "%e %M" -o "$work/time.txt" "$@" >"$work/$label.out" 2>"$work/$label.err" || {
		rc=$?
		[ $rc -le 2 ] || { echo "bench: $label failed (exit $rc)" >&2; cat "$work/$label.err" >&2; exit 1; }
	}
	secs=$(tail -n 1 "$work/time.txt" | awk '{print $1}')
	rss_mb=$(tail -n 1 "$work/time.txt" | awk '{printf "%.0f", $2 / 1024}')
}

printf '%-9s %-9s %9s %12s %9s %10s %9s\n' parcels stage seconds parcels/s "RSS MB" reference ratio
for n in $sizes; do
	d="$work/n$n"
	rm -rf "$d" && mkdir -p "$d"
	"$gen" --parcels "$n" --out "$d/data" --seed 1 >/dev/null
	"$bin" -q init "$d/ws.gpkg" --crs EPSG:9210

	measure ingest "$bin" -q ingest "$d/ws.gpkg" --map "$d/data/map.gpkg" --register "$d/data/register.csv"
	t_ingest=$secs r_ingest=$rss_mb
	measure ref_ingest ogr2ogr -f GPKG "$d/ref.gpkg" "$d/data/map.gpkg"
	ref=$secs
	printf '%-9s %-9s %9.2f %12.0f %9s %10.2f %9.2f\n' "$n" ingest "$t_ingest" "$(echo "$n $t_ingest" | awk '{print $1 / ($2 > 0 ? $2 : 0.01)}')" "$r_ingest" "$ref" "$(echo "$t_ingest $ref" | awk '{print $1 / ($2 > 0 ? $2 : 0.01)}')"

	measure check "$bin" -q check "$d/ws.gpkg" --today 2026-11-01
	t=$secs r=$rss_mb
	# The reference: an R-tree self-join doing only the overlap test (CROSS JOIN
	# keeps SQLite from scanning the R-tree once per parcel).
	measure ref_check sqlite3 -cmd ".load mod_spatialite" -cmd "SELECT EnableGpkgAmphibiousMode();" "$d/ws.gpkg" \
		"SELECT COUNT(*) FROM parcels a CROSS JOIN rtree_parcels_geom r CROSS JOIN parcels b WHERE r.minx <= MbrMaxX(a.geom) AND r.maxx >= MbrMinX(a.geom) AND r.miny <= MbrMaxY(a.geom) AND r.maxy >= MbrMinY(a.geom) AND b.fid = r.id AND a.fid < b.fid AND ST_Overlaps(a.geom, b.geom);"
	ref=$secs
	printf '%-9s %-9s %9.2f %12.0f %9s %10.2f %9.2f\n' "$n" check "$t" "$(echo "$n $t" | awk '{print $1 / ($2 > 0 ? $2 : 0.01)}')" "$r" "$ref" "$(echo "$t $ref" | awk '{print $1 / ($2 > 0 ? $2 : 0.01)}')"

	measure classify "$bin" -q classify "$d/ws.gpkg"
	printf '%-9s %-9s %9.2f %12.0f %9s %10s %9s\n' "$n" classify "$secs" "$(echo "$n $secs" | awk '{print $1 / ($2 > 0 ? $2 : 0.01)}')" "$rss_mb" - -

	# assign-id twice: every ID issued, then the nightly case where nothing
	# changed (a key join and a byte comparison per parcel, no GEOS).
	measure assign_id "$bin" -q assign-id "$d/ws.gpkg"
	printf '%-9s %-9s %9.2f %12.0f %9s %10s %9s\n' "$n" assign-id "$secs" "$(echo "$n $secs" | awk '{print $1 / ($2 > 0 ? $2 : 0.01)}')" "$rss_mb" - -
	measure reassign "$bin" -q assign-id "$d/ws.gpkg"
	printf '%-9s %-9s %9.2f %12.0f %9s %10s %9s\n' "$n" reassign "$secs" "$(echo "$n $secs" | awk '{print $1 / ($2 > 0 ? $2 : 0.01)}')" "$rss_mb" - -

	measure export "$bin" -q export "$d/ws.gpkg" --out "$d/xlsx"
	t=$secs r=$rss_mb
	measure ref_export ogr2ogr -f XLSX "$d/ref.xlsx" "$d/ws.gpkg" -sql "SELECT commune, sheet, parcel, grp, failed_criteria, rule_ids FROM parcel_grade"
	ref=$secs
	printf '%-9s %-9s %9.2f %12.0f %9s %10.2f %9.2f\n' "$n" export "$t" "$(echo "$n $t" | awk '{print $1 / ($2 > 0 ? $2 : 0.01)}')" "$r" "$ref" "$(echo "$t $ref" | awk '{print $1 / ($2 > 0 ? $2 : 0.01)}')"
done
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)"
