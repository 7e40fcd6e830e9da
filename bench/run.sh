#!/bin/sh
# make bench: generate data at several sizes, run each stage, and print
# throughput and peak memory next to a reference tool doing comparable work
# in the same run:
#   ingest   vs  ogr2ogr copying the same map into a GeoPackage
#   check    vs  a SpatiaLite SQL self-join (GeoPackage R-tree + ST_Overlaps)
#                doing only the overlap test; check runs every rule
#   export   vs  ogr2ogr -f XLSX writing the same rows with the same columns
#                (group lists, findings, certificates not on the map) into
#                one workbook; export+c06 adds the C06 list's rows to both
#   assign-id (first run, every ID issued) and reassign (second run on
#   unchanged data), with the official scheme (the default), and
#   assign-tpl / reassign-tpl, the same with the template scheme on a copy
#   of the same workspace, are timed against each other
# Usage: bench/run.sh BUILD_DIR   (sizes: BENCH_SIZES="10000 100000 1000000")
set -eu
build=$1
bin="$build/thuadat"
gen="$build/gen"
sizes=${BENCH_SIZES:-"10000 100000 1000000"}
work=${BENCH_DIR:-$build/bench}
mkdir -p "$work"

. "$(dirname "$0")/measure.sh"

# row STAGE SECONDS RSS_MB REFERENCE_SECONDS: one line of the table ($n parcels)
row() {
	printf '%-9s %-10s %9.2f %12.0f %9s %10.2f %9.2f\n' "$n" "$1" "$2" \
		"$(echo "$n $2" | awk '{print $1 / ($2 > 0 ? $2 : 0.01)}')" "$3" "$4" \
		"$(echo "$2 $4" | awk '{print $1 / ($2 > 0 ? $2 : 0.01)}')"
}

# row_alone STAGE: a line for a stage with no reference, from the last measure
row_alone() {
	printf '%-9s %-10s %9.2f %12.0f %9s %10s %9s\n' "$n" "$1" "$secs" \
		"$(echo "$n $secs" | awk '{print $1 / ($2 > 0 ? $2 : 0.01)}')" "$rss_mb" - -
}

# The reference for export: ogr2ogr writing the rows and columns of the
# workbooks' group lists, findings and certificate sheets (default layouts
# of schemas/xlsx/) as three sheets of one XLSX file; $1 workspace, $2 output.
ref_export='ogr2ogr -f XLSX "$2" "$1" -nln groups -sql "SELECT g.sheet, g.parcel, p.parcel_id, ST_Area(p.geom) AS map_area, r.area, coalesce(r.landuse, p.landuse) AS landuse, r.owners, r.gcn_serial, r.gcn_date, g.failed_criteria, g.rule_ids FROM parcel_grade g LEFT JOIN parcels p ON p.fid = (SELECT min(m.fid) FROM parcels m WHERE m.commune = g.commune AND m.sheet = g.sheet AND m.parcel = g.parcel) LEFT JOIN (SELECT commune, sheet, parcel, min(area) AS area, min(landuse) AS landuse, group_concat(owner_name, \"; \") AS owners, min(gcn_serial) AS gcn_serial, min(gcn_date) AS gcn_date FROM register_rows GROUP BY commune, sheet, parcel) r ON r.commune = g.commune AND r.sheet = g.sheet AND r.parcel = g.parcel ORDER BY g.commune, g.grp, g.sheet, g.parcel" &&
ogr2ogr -f XLSX -update "$2" "$1" -nln findings -sql "SELECT rule_id, severity, criterion, sheet, parcel, other_commune, other_sheet, other_parcel, ST_X(geom) AS x, ST_Y(geom) AS y, value, tolerance, message FROM findings ORDER BY commune, sheet, parcel, rule_id, fid" &&
ogr2ogr -f XLSX -update "$2" "$1" -nln certificates -sql "SELECT r.gcn_serial, min(r.gcn_date) AS gcn_date, r.sheet, r.parcel, group_concat(r.owner_name, \"; \") AS owners, group_concat(r.cccd, \"; \") AS cccd, min(r.area) AS area, min(r.landuse) AS landuse, min(r.source_row) AS source_row FROM register_rows r WHERE r.gcn_serial IS NOT NULL AND NOT EXISTS (SELECT 1 FROM parcels p WHERE p.commune = r.commune AND p.sheet = r.sheet AND p.parcel = r.parcel AND p.geom IS NOT NULL) GROUP BY r.commune, r.sheet, r.parcel, r.gcn_serial ORDER BY r.commune, r.sheet, r.parcel, r.gcn_serial"'
# ... and the C06 list's rows and columns (schemas/c06/columns.csv) as a fourth sheet.
ref_c06='ogr2ogr -f XLSX -update "$2" "$1" -nln c06 -sql "SELECT row_number() OVER (PARTITION BY commune ORDER BY sheet, parcel, id) AS seq, cccd, owner_name, birth_year, gender, CASE WHEN length(cccd) = 12 THEN substr(cccd, 1, 3) END AS id_province, commune, sheet, parcel, gcn_serial, gcn_date FROM register_rows WHERE gcn_serial IS NOT NULL AND owner_name IS NOT NULL ORDER BY commune, sheet, parcel, id"'

printf '%-9s %-10s %9s %12s %9s %10s %9s\n' parcels stage seconds parcels/s "RSS MB" reference ratio
for n in $sizes; do
	d="$work/n$n"
	rm -rf "$d" && mkdir -p "$d"
	"$gen" --parcels "$n" --out "$d/data" --seed 1 >/dev/null
	"$bin" -q init "$d/ws.gpkg" --crs EPSG:9210

	measure ingest "$bin" -q ingest "$d/ws.gpkg" --map "$d/data/map.gpkg" --register "$d/data/register.csv"
	t_ingest=$secs r_ingest=$rss_mb
	measure ref_ingest ogr2ogr -f GPKG "$d/ref.gpkg" "$d/data/map.gpkg"
	ref=$secs
	row ingest "$t_ingest" "$r_ingest" "$ref"

	measure check "$bin" -q check "$d/ws.gpkg" --today 2026-11-01
	t=$secs r=$rss_mb
	# The reference: an R-tree self-join doing only the overlap test (CROSS JOIN
	# keeps SQLite from scanning the R-tree once per parcel).
	measure ref_check sqlite3 -cmd ".load mod_spatialite" -cmd "SELECT EnableGpkgAmphibiousMode();" "$d/ws.gpkg" \
		"SELECT COUNT(*) FROM parcels a CROSS JOIN rtree_parcels_geom r CROSS JOIN parcels b WHERE r.minx <= MbrMaxX(a.geom) AND r.maxx >= MbrMinX(a.geom) AND r.miny <= MbrMaxY(a.geom) AND r.maxy >= MbrMinY(a.geom) AND b.fid = r.id AND a.fid < b.fid AND ST_Overlaps(a.geom, b.geom);"
	ref=$secs
	row check "$t" "$r" "$ref"

	measure classify "$bin" -q classify "$d/ws.gpkg"
	row_alone classify

	# assign-id twice: every ID issued, then the nightly case where nothing
	# changed (a key join and a byte comparison per parcel, no GEOS). The
	# official scheme (label point, WGS 84, GeoHash), then the template
	# scheme on a copy of the same workspace.
	cp "$d/ws.gpkg" "$d/ws-template.gpkg"
	printf '[id]\nscheme = template\n' >"$d/template.ini"
	measure assign_id "$bin" -q assign-id "$d/ws.gpkg"
	row_alone assign-id
	measure reassign "$bin" -q assign-id "$d/ws.gpkg"
	row_alone reassign
	measure assign_tpl "$bin" -q assign-id "$d/ws-template.gpkg" --profile "$d/template.ini"
	row_alone assign-tpl
	measure reassign_tpl "$bin" -q assign-id "$d/ws-template.gpkg" --profile "$d/template.ini"
	row_alone reassign-tpl
	rm -f "$d/ws-template.gpkg"

	measure export "$bin" -q export "$d/ws.gpkg" --out "$d/xlsx"
	t=$secs r=$rss_mb
	rm -f "$d/ref.xlsx"
	measure ref_export sh -c "$ref_export" sh "$d/ws.gpkg" "$d/ref.xlsx"
	ref=$secs
	row export "$t" "$r" "$ref"

	measure export_c06 "$bin" -q export "$d/ws.gpkg" --out "$d/xlsx" --c06
	t=$secs r=$rss_mb
	rm -f "$d/ref.xlsx"
	measure ref_export_c06 sh -c "$ref_export; $ref_c06" sh "$d/ws.gpkg" "$d/ref.xlsx"
	ref=$secs
	row export+c06 "$t" "$r" "$ref"

	measure report "$bin" -q report "$d/ws.gpkg" --out "$d/report" --date 2026-11-06
	row_alone report
done

# DGN sheets: peak memory against the number of sheets ingested.
echo
"$(dirname "$0")/dgn.sh" "$build"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)"
