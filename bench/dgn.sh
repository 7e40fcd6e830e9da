#!/bin/sh
# DGN ingest: memory must follow the largest sheet, not the number of sheets.
# Turns the first N sheets of a generated map into DGN v7 files (one per
# sheet, as offices keep them: boundaries as lines on level 10, parcel
# numbers as texts on level 13) with ogr2ogr, ingests the folder, and prints
# time and peak RSS for each N.
# Usage: bench/dgn.sh BUILD_DIR   (BENCH_DGN_SHEETS="10 100", BENCH_DIR)
set -eu
build=$1
bin="$build/thuadat"
work=${BENCH_DIR:-$build/bench}/dgn
seed=${TD_DGN_SEED:-/work/shared/data/dgn-v7-gdal/seed_2d.dgn}
sheet_counts=${BENCH_DGN_SHEETS:-10 100}
mkdir -p "$work"
work=$(cd "$work" && pwd) # the sheet folders hold symbolic links
rm -rf "$work/data" "$work"/in* "$work"/ws*
"$build/gen" --parcels 50000 --out "$work/data" --seed 1 >/dev/null
max=0
for n in $sheet_counts; do [ "$n" -gt "$max" ] && max=$n; done
rm -rf "$work/sheets" && mkdir -p "$work/sheets"
sqlite3 "$work/data/map.gpkg" "SELECT DISTINCT MaXa || ' ' || SoTo FROM parcels ORDER BY 1 LIMIT $max" >"$work/sheets.txt"
while read -r commune sheet; do
	ogr2ogr -f DGN -dsco SEED="$seed" "$work/sheets/${commune}_$sheet.dgn" "$work/data/map.gpkg" -dialect SQLite -sql \
		"SELECT ST_Boundary(geom) AS geom, 10 AS Level, NULL AS Text FROM parcels WHERE MaXa = '$commune' AND SoTo = $sheet
		 UNION ALL SELECT ST_PointOnSurface(geom), 13, CAST(SoThua AS TEXT) FROM parcels
		 WHERE MaXa = '$commune' AND SoTo = $sheet AND ST_IsValid(geom)" 2>/dev/null
done <"$work/sheets.txt"

printf '%-7s %-9s %9s %12s %9s\n' sheets parcels seconds parcels/s "RSS MB"
for n in $sheet_counts; do
	rm -rf "$work/in$n" "$work/ws$n.gpkg" && mkdir -p "$work/in$n"
	head -n "$n" "$work/sheets.txt" | while read -r commune sheet; do
		ln -s "$work/sheets/${commune}_$sheet.dgn" "$work/in$n/"
	done
	"$bin" -q init "$work/ws$n.gpkg" --crs EPSG:9210
	/usr/bin/time -f "%e %M" -o "$work/time.txt" "$bin" -q ingest "$work/ws$n.gpkg" --map "$work/in$n" \
		--source-crs EPSG:9210 2>"$work/in$n.err" || [ $? -le 2 ]
	parcels=$(sqlite3 "$work/ws$n.gpkg" "SELECT COUNT(*) FROM parcels")
	tail -n 1 "$work/time.txt" | awk -v n="$n" -v p="$parcels" '{printf "%-7s %-9s %9.2f %12.0f %9.0f\n", n, p, $1, p / ($1 > 0 ? $1 : 0.01), $2 / 1024}'
done
