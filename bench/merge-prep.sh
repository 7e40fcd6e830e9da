#!/bin/sh
# Make the inputs of a merge benchmark from gen's data: N parcels (no
# defects) in Hải Phòng's communes, split by the real code boundary into a
# Hải Dương workspace (codes <= 11293, reprojected into EPSG:9209) and a Hải
# Phòng one (EPSG:9210), plus what a merge of them needs:
#   DIR/hd.gpkg, DIR/hp.gpkg     the two workspaces
#   DIR/boundaries.gpkg          new communes: gen's commune extents, those the
#                                crosswalk splits cut into one strip per new commune
#   DIR/sheets.csv               every (old commune, sheet, new commune) numbered
#                                on from 1 in each new commune: no collision
# gen's codes are new codes, which reuse old ones: each is merged as the old
# commune of that code, so the split ones go through point-in-polygon. 11948
# (Bạch Long Vĩ) is no old commune's code and is left out.
# Usage: bench/merge-prep.sh BUILD_DIR N DIR
set -eu
build=$1
n=$2
dir=$3
bin="$build/thuadat"
src=$(cd "$(dirname "$0")/.." && pwd)
cw="$src/schemas/crosswalk/haiphong-2025.csv"

rm -rf "$dir"
mkdir -p "$dir"
"$build/gen" --parcels "$n" --communes 114 --out "$dir/data" --seed 1 --defect-rate 0

# The two provinces' maps and registers.
ogr2ogr -f GPKG -nln parcels -t_srs EPSG:9209 -where "CAST(MaXa AS INTEGER) <= 11293" "$dir/hd-map.gpkg" "$dir/data/map.gpkg"
ogr2ogr -f GPKG -nln parcels -where "CAST(MaXa AS INTEGER) > 11293 AND MaXa <> '11948'" "$dir/hp-map.gpkg" "$dir/data/map.gpkg"
awk -F, -v hd="$dir/hd-register.csv" -v hp="$dir/hp-register.csv" \
	'NR == 1 { print > hd; print > hp; next } $1 != "11948" { print > ($1 + 0 <= 11293 ? hd : hp) }' "$dir/data/register.csv"
for p in hd hp; do
	crs=9210
	[ $p = hd ] && crs=9209
	"$bin" -q init "$dir/$p.gpkg" --crs "EPSG:$crs"
	"$bin" -q ingest "$dir/$p.gpkg" --map "$dir/$p-map.gpkg" --register "$dir/$p-register.csv"
done

# Commune extents and sheets, in EPSG:9210 as gen drew them.
sqlite3 -batch -noheader -separator , -cmd ".load mod_spatialite" -cmd ".output /dev/null" \
	-cmd "SELECT EnableGpkgAmphibiousMode();" -cmd ".output stdout" "$dir/data/map.gpkg" \
	"SELECT MaXa, min(ST_MinX(geom)), min(ST_MinY(geom)), max(ST_MaxX(geom)), max(ST_MaxY(geom)) FROM parcels WHERE MaXa <> '11948' GROUP BY MaXa" \
	>"$dir/extents.csv"
sqlite3 -batch -noheader -separator , "$dir/data/map.gpkg" \
	"SELECT DISTINCT MaXa, SoTo FROM parcels WHERE MaXa <> '11948' ORDER BY MaXa, SoTo" >"$dir/old-sheets.csv"

# One strip per new commune of each old commune, 1 m wider than the commune all round.
awk -F, 'FNR == NR { if (FNR > 1) { t[$1] = t[$1] " " $2 } next }
	FNR == 1 { print "WKT,code" }
	{
		k = split(t[$1], to, " ")
		w = ($4 - $2) / k
		for (j = 1; j <= k; j++) {
			x0 = $2 + (j - 1) * w - (j == 1 ? 1 : 0); x1 = $2 + j * w + (j == k ? 1 : 0)
			printf "\"POLYGON((%.3f %.3f,%.3f %.3f,%.3f %.3f,%.3f %.3f,%.3f %.3f))\",%s\n",
				x0, $3 - 1, x1, $3 - 1, x1, $5 + 1, x0, $5 + 1, x0, $3 - 1, to[j]
		}
	}' "$cw" "$dir/extents.csv" >"$dir/boundaries.csv"
ogr2ogr -f GPKG -nlt POLYGON -a_srs EPSG:9210 -oo GEOM_POSSIBLE_NAMES=WKT -oo KEEP_GEOM_COLUMNS=NO \
	-nln communes "$dir/boundaries.gpkg" "$dir/boundaries.csv"

# Sheet numbers: on from 1 in each new commune, in old commune and sheet order.
awk -F, 'FNR == NR { if (FNR > 1) { t[$1] = t[$1] " " $2 } next }
	FNR == 1 { print "old_commune,old_sheet,new_commune,new_sheet" }
	{
		k = split(t[$1], to, " ")
		for (j = 1; j <= k; j++)
			print $1 "," $2 "," to[j] "," ++next_sheet[to[j]]
	}' "$cw" "$dir/old-sheets.csv" >"$dir/sheets.csv"
