#!/bin/sh
# fix on generated data: every defect kind of gen, plus auto-fixable ones
# planted with ogr2ogr (a spike, a duplicate vertex, a 0.2 m overshoot and
# undershoot, a missing register area, a badly spaced name). fix, then
# --apply-auto, then check: the auto-fixable findings are gone, no finding
# is new, the other defects are untouched, areas changed only as proposed;
# the group-1 count rises by exactly the parcels whose only defects were
# auto-fixable; undo restores every parcel byte for byte.
. "$(dirname "$0")/lib.sh"

"$TD_BIN/gen" --parcels 3000 --seed 42 --defect-rate 0.03 --communes 2 --out data || fail "gen failed"

# Six interior cells of commune 1, sheet 1, far from every generated defect.
C=$(awk -F, 'NR > 1 && $2 != "99999" { print $2; exit }' data/truth.csv)
awk -F, -v c="$C" 'NR > 1 && $2 == c && $3 == 1 { bad[$4] = 1 }
	END { n = 0
		for (p = 42; p <= 380 && n < 6; p++) {
			r = int((p - 1) / 20); k = (p - 1) % 20
			if (r < 2 || r > 17 || k < 2 || k > 17) continue
			ok = 1
			for (dr = -2; dr <= 2; dr++) for (dk = -2; dk <= 2; dk++) if (bad[p + 20 * dr + dk] || used[p + 20 * dr + dk]) ok = 0
			if (!ok) continue
			print p; used[p] = 1; n++
		} }' data/truth.csv >cells.txt
eq 6 "$(wc -l <cells.txt | tr -d ' ')" "six clean cells"
P1=$(sed -n 1p cells.txt) P2=$(sed -n 2p cells.txt) P3=$(sed -n 3p cells.txt)
P4=$(sed -n 4p cells.txt) P5=$(sed -n 5p cells.txt) P6=$(sed -n 6p cells.txt)

# P1 a 0.5 m spike into the parcel, P2 0.2 m over its north neighbour,
# P3 0.2 m short of it, P4 a repeated vertex; the register keeps the areas.
x0="MbrMinX(geom)" y0="MbrMinY(geom)" x1="MbrMaxX(geom)" y1="MbrMaxY(geom)"
pt() { echo "($1) || ' ' || ($2)"; }
ring() { r="'POLYGON(('"; sep=""; for p in "$@"; do r="$r || '$sep' || $p"; sep=", "; done; echo "$r || '))'"; }
SPIKE=$(ring "$(pt "$x0" "$y0")" "$(pt "$x0 + 5" "$y0")" "$(pt "$x0 + 5" "$y0 + 0.5")" "$(pt "$x0 + 5" "$y0")" \
	"$(pt "$x1" "$y0")" "$(pt "$x1" "$y1")" "$(pt "$x0" "$y1")" "$(pt "$x0" "$y0")")
DUPV=$(ring "$(pt "$x0" "$y0")" "$(pt "$x1" "$y0")" "$(pt "$x1" "$y0")" "$(pt "$x1" "$y1")" "$(pt "$x0" "$y1")" "$(pt "$x0" "$y0")")
ogr2ogr -f GPKG map2.gpkg data/map.gpkg -nln parcels -dialect SQLite -sql "SELECT MaXa, SoTo, SoThua, LoaiDat, DienTich,
	CASE WHEN MaXa = '$C' AND SoTo = 1 AND SoThua = $P1 THEN GeomFromText($SPIKE, 9210)
	     WHEN MaXa = '$C' AND SoTo = 1 AND SoThua = $P2 THEN BuildMbr($x0, $y0, $x1, $y1 + 0.2, 9210)
	     WHEN MaXa = '$C' AND SoTo = 1 AND SoThua = $P3 THEN BuildMbr($x0, $y0, $x1, $y1 - 0.2, 9210)
	     WHEN MaXa = '$C' AND SoTo = 1 AND SoThua = $P4 THEN GeomFromText($DUPV, 9210)
	     ELSE geom END AS geom FROM parcels" || fail "ogr2ogr failed"
# P5 loses its register area, P6's owner name gets stray spaces.
awk -F, -v OFS=, -v c="$C" -v a="$P5" -v b="$P6" '$1 == c && $2 == 1 && $3 == a { $4 = "" }
	$1 == c && $2 == 1 && $3 == b { gsub(/ /, "  ", $6); $6 = " " $6 " " } { print }' data/register.csv >register.csv

run 0 init ws.gpkg --crs EPSG:9210
run 0 ingest ws.gpkg --map map2.gpkg --register register.csv
run 2 check ws.gpkg --today 2026-11-01 --findings-csv before.csv
for p in "$P1,GEOM_SELF_INTERSECTION" "$P2,OVERLAP" "$P3,GAP" "$P4,GEOM_DUPLICATE_VERTEX" "$P5,REQUIRED_MISSING"; do
	eq 1 "$(awk -F, -v c="$C" -v p="${p%,*}" -v r="${p#*,}" '$1 == r && $4 == c && $5 == 1 && ($6 == p || $9 == p)' before.csv | wc -l | tr -d ' ')" "planted ${p#*,}"
done
run 2 classify ws.gpkg --groups-csv groups-before.csv
cp ws.gpkg ws-before.gpkg

# Proposals only: nothing else changes; a workbook per commune with the open ones.
run 0 fix ws.gpkg --out review
contains out.txt "fixes proposed"
eq "$(q ws-before.gpkg "SELECT group_concat(hex(geom), '') FROM parcels")" "$(q ws.gpkg "SELECT group_concat(hex(geom), '') FROM parcels")" "fix alone changes no parcel"
eq 600 "$(mode review/fix-$C.xlsx)" "review workbook mode"
# Both layers open in GDAL (and QGIS, with their styles from layer_styles).
ngeom=$(q ws.gpkg "SELECT COUNT(*) FROM fix_proposals WHERE field = 'geom'")
eq "$ngeom" "$(ogrinfo -ro -so ws.gpkg fix_proposals_before | sed -n 's/Feature Count: //p')" "before layer"
eq "$(q ws.gpkg "SELECT COUNT(*) FROM fix_proposals")" "$(ogrinfo -ro -so ws.gpkg fix_proposals | sed -n 's/Feature Count: //p')" "after layer"
eq "finding_areas|findings|fix_proposals|fix_proposals_before|parcels" "$(q ws.gpkg "SELECT group_concat(f_table_name, '|') FROM (SELECT f_table_name FROM layer_styles WHERE useAsDefault ORDER BY 1)")" "QGIS styles: the workspace's three and fix's two"
q ws.gpkg "SELECT rule_id, sheet, parcel, auto FROM fix_proposals WHERE commune = '$C' AND sheet = 1 AND parcel IN ($P1, $P2, $P3, $P4, $P5, $P6) ORDER BY parcel, rule_id" >auto.txt
cat >want-auto.txt <<EOW
GEOM_SELF_INTERSECTION|1|$P1|1
OVERLAP|1|$P2|1
GAP|1|$P3|1
GEOM_DUPLICATE_VERTEX|1|$P4|1
REQUIRED_MISSING|1|$P5|1
TEXT_NOT_CLEAN|1|$P6|1
EOW
sort -t'|' -k3n want-auto.txt >w.txt && sort -t'|' -k3n auto.txt >a.txt
same w.txt a.txt
# gen's own overlaps, gaps, bow-ties and slivers change certified parcels beyond the tolerance: review only.
eq 0 "$(q ws.gpkg "SELECT COUNT(*) FROM fix_proposals WHERE auto = 1 AND rule_id IN ('OVERLAP', 'GAP', 'SLIVER', 'GEOM_SELF_INTERSECTION') AND NOT (commune = '$C' AND sheet = 1 AND parcel IN ($P1, $P2, $P3))")" "gen's geometry defects not automatic"
eq 4 "$(q ws.gpkg "SELECT COUNT(*) FROM fix_proposals WHERE rule_id = 'SLIVER' AND kind = 'merge' AND auto = 0")" "slivers proposed for review"
eq 4 "$(q ws.gpkg "SELECT COUNT(*) FROM fix_proposals WHERE rule_id = 'LANDUSE_LEGACY' AND new_value = 'HNK' AND auto = 1")" "legacy codes mapped"
eq "  $(awk -F, -v c="$C" -v b="$P6" '$1 == c && $2 == 1 && $3 == b { print $6 }' data/register.csv)" "  $(q ws.gpkg "SELECT new_value FROM fix_proposals WHERE rule_id = 'TEXT_NOT_CLEAN' AND parcel = $P6")" "name normalised"

# Apply the automatic ones, check again.
run 0 fix ws.gpkg --apply-auto
RUN=$(q ws.gpkg "SELECT MAX(id) FROM runs WHERE command = 'fix-apply'")
run 3 classify ws.gpkg
contains err.txt "changed since the last check"
run 2 check ws.gpkg --today 2026-11-01 --findings-csv after.csv
# Every finding after was there before (none new) ...
cut -d, -f1,4,5,6,7,8,9 before.csv | sort >b.txt
cut -d, -f1,4,5,6,7,8,9 after.csv | sort >a.txt
eq "" "$(comm -13 b.txt a.txt)" "no new finding"
# ... and what went away is exactly the planted auto-fixable ones and the
# legacy codes, and the gap the invalid parcel left: an invalid parcel takes
# no part in gap analysis, so its neighbours bordered a hole its own size.
comm -23 b.txt a.txt | cut -d, -f1 | sort | uniq -c | awk '{ print $2 "=" $1 }' | tr '\n' ' ' >gone.txt
eq "GAP=2 GEOM_DUPLICATE_VERTEX=1 GEOM_SELF_INTERSECTION=1 LANDUSE_LEGACY=4 OVERLAP=1 REQUIRED_MISSING=1 " "$(cat gone.txt)" "findings fixed"
# Areas changed only where proposed, by the proposed amount.
qs ws.gpkg "SELECT p.fid, printf('%.2f', ST_Area(GeomFromGPB(p.geom))) FROM parcels p ORDER BY p.fid" >areas-after.txt
sort -t'|' -k1,1 areas-after.txt >s && mv s areas-after.txt
q ws.gpkg "SELECT row_id, printf('%.2f', area_after) FROM fix_proposals WHERE status = 'applied' AND field = 'geom'" | sort -t'|' -k1,1 >applied-areas.txt
eq 4 "$(wc -l <applied-areas.txt | tr -d ' ')" "four geometry fixes applied"
eq "" "$(join -t'|' applied-areas.txt areas-after.txt | awk -F'|' '$2 != $3')" "applied areas as proposed"
eq "$(qs ws-before.gpkg "SELECT COUNT(*) FROM parcels")" "$(qs ws.gpkg "SELECT COUNT(*) FROM parcels")" "no parcel removed"
eq "$(qs ws-before.gpkg "SELECT group_concat(hex(geom), '') FROM parcels WHERE fid NOT IN ($(tr '|' ' ' <applied-areas.txt | cut -d' ' -f1 | paste -sd,))")" \
	"$(qs ws.gpkg "SELECT group_concat(hex(geom), '') FROM parcels WHERE fid NOT IN ($(tr '|' ' ' <applied-areas.txt | cut -d' ' -f1 | paste -sd,))")" "other parcels untouched"

# Group 1 rises by exactly the parcels whose error-level findings were all fixed.
run 2 classify ws.gpkg --groups-csv groups-after.csv
keys() { awk -F, '$2 == "error" { print $4 "," $5 "," $6; if ($7 != "") print $7 "," $8 "," $9 }' "$1" | sort -u; }
keys before.csv >err-before.txt
keys after.csv >err-after.txt
comm -23 err-before.txt err-after.txt >cleared.txt
g1() { awk -F, 'NR > 1 && $4 == 1 { print $1 "," $2 "," $3 }' "$1" | sort; }
g1 groups-before.csv >g1-before.txt
g1 groups-after.csv >g1-after.txt
comm -13 g1-before.txt g1-after.txt >risen.txt
same cleared.txt risen.txt
eq "" "$(comm -23 g1-before.txt g1-after.txt)" "no parcel left group 1"
for p in $P1 $P2 $P3 $P5; do
	eq 1 "$(grep -c "^$C,1,$p\$" risen.txt)" "parcel $p rose to group 1"
done
eq 8 "$(wc -l <risen.txt | tr -d ' ')" "parcels risen to group 1"

# The history has the old values; undo restores the workspace's parcels byte for byte.
eq 10 "$(q ws.gpkg "SELECT COUNT(*) FROM parcel_history WHERE run_id = $RUN")" "history rows"
run 0 fix ws.gpkg --undo "$RUN"
eq "$(q ws-before.gpkg "SELECT group_concat(fid || hex(geom) || coalesce(landuse, ''), '') FROM parcels")" \
	"$(q ws.gpkg "SELECT group_concat(fid || hex(geom) || coalesce(landuse, ''), '') FROM parcels")" "undo: parcels as before"
eq "$(q ws-before.gpkg "SELECT group_concat(id || coalesce(area, '') || coalesce(landuse, '') || coalesce(owner_name, '') || coalesce(cccd, ''), '') FROM register_rows")" \
	"$(q ws.gpkg "SELECT group_concat(id || coalesce(area, '') || coalesce(landuse, '') || coalesce(owner_name, '') || coalesce(cccd, ''), '') FROM register_rows")" "undo: register as before"
run 4 fix ws.gpkg --undo "$RUN"
contains err.txt "was undone already"
run 3 fix ws.gpkg --apply-auto
contains err.txt "thuadat check"
run 0 audit verify ws.gpkg

# The nightly chain from a job file gives the same groups.
cp ws-before.gpkg night.gpkg
cat >night.ini <<EOJ
workspace = night.gpkg
[check]
today = 2026-11-01
[fix]
apply_auto = yes
[check]
today = 2026-11-01
[classify]
groups_csv = groups-night.csv
EOJ
run 2 run night.ini
same groups-after.csv groups-night.csv
done_testing
