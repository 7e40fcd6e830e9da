#!/bin/sh
# Before/after pictures of fix proposals for docs/fix.md, with GDAL only:
# one raster, the window before on the left and the same window after on the
# right (geometries shifted across). The changed parcel is red before and
# green after; the proposal's other parcel (the overlap partner, the merged
# sliver) blue; every parcel's outline black.
# Usage: scripts/fix-pictures.sh WORKSPACE PROPOSAL_FID OUT.png [SIZE_PX]
set -eu
ws=$1 fid=$2 out=$3 px=${4:-220}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The window: the proposal's parcel before and after, 6 m around, square.
ogr2ogr -f CSV "$tmp/box.csv" "$ws" -dialect SQLite -sql "SELECT MbrMinX(e) AS x0, MbrMinY(e) AS y0,
	MbrMaxX(e) AS x1, MbrMaxY(e) AS y1 FROM (SELECT ST_Envelope(ST_Collect(geom, GeomFromGPB(before_geom))) AS e
	FROM fix_proposals WHERE fid = $fid)"
set -- $(tail -n 1 "$tmp/box.csv" | tr ',' ' ')
set -- $(echo "$1 $2 $3 $4" | awk '{ cx = ($1 + $3) / 2; cy = ($2 + $4) / 2; h = ($3 - $1 > $4 - $2 ? $3 - $1 : $4 - $2) / 2 + 6
	printf "%.3f %.3f %.3f %.3f %.3f", cx - h, cy - h, cx + h, cy + h, 2.1 * h }')
x0=$1 y0=$2 x1=$3 y1=$4 dx=$5
win="BuildMbr($x0, $y0, $x1, $y1, 9210)"
near="MbrMaxX(g) >= $x0 AND MbrMinX(g) <= $x1 AND MbrMaxY(g) >= $y0 AND MbrMinY(g) <= $y1"

# burn R G B SQL: paint the geometries SQL returns (as column g), cut to the window
# (expression $5 of g; g0: g uncut, for the proposal's own parcel, which
# lies inside the window and may be invalid before the fix)
clip() { if [ "$1" = g0 ]; then echo g; else echo "ST_Intersection($1, $win)"; fi; }
burn() {
	gdal_rasterize -q -b 1 -b 2 -b 3 -burn "$1" -burn "$2" -burn "$3" -dialect SQLite \
		-sql "SELECT $(clip "$5") FROM ($4) WHERE $near" "$ws" "$tmp/p.tif" 2>/dev/null
}
# left: as it is; right: the same window shifted across
left() { burn "$1" "$2" "$3" "$4" g; }
right() {
	gdal_rasterize -q -b 1 -b 2 -b 3 -burn "$1" -burn "$2" -burn "$3" -dialect SQLite \
		-sql "SELECT ST_Translate($(clip "$5"), $dx, 0, 0) FROM ($4) WHERE $near" "$ws" "$tmp/p.tif" 2>/dev/null
}
x="fix_proposals x"
partner="SELECT p.geom AS g FROM parcels p, $x WHERE x.fid = $fid AND p.commune = x.commune AND p.sheet = x.other_sheet AND p.parcel = x.other_parcel"
others="SELECT p.geom AS g FROM parcels p, $x WHERE x.fid = $fid AND p.commune = x.commune AND p.fid NOT IN (x.row_id, coalesce(x.other_row, -1))"
before="SELECT GeomFromGPB(before_geom) AS g FROM fix_proposals WHERE fid = $fid"
after="SELECT geom AS g FROM fix_proposals WHERE fid = $fid"

gdal_rasterize -q -init 255 -ot Byte -of GTiff -ts "$(awk -v p="$px" 'BEGIN { printf "%d", p * 2.05 }')" "$px" \
	-te "$x0" "$y0" "$(echo "$x1 $dx" | awk '{ printf "%.3f", $1 + $2 }')" "$y1" -burn 255 -burn 255 -burn 255 \
	-dialect SQLite -sql "SELECT geom FROM fix_proposals WHERE 0" "$ws" "$tmp/p.tif" 2>/dev/null
# Before: the partner blue, the parcel red over it.
left 150 180 255 "$partner"
burn 255 140 140 "$before" g0
# After: an overlap's partner as it was (blue), the parcel green; a merged sliver is gone.
right 150 180 255 "$partner AND x.kind = 'cut'" g
right 140 220 140 "$after" g0
# Outlines.
burn 0 0 0 "$others UNION ALL $partner UNION ALL $before" "ST_Boundary(g)"
right 0 0 0 "$others UNION ALL $partner AND x.kind = 'cut' UNION ALL $after" "ST_Boundary(g)"
gdal_translate -q -of PNG "$tmp/p.tif" "$out"
rm -f "$out.aux.xml"
