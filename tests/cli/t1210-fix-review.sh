#!/bin/sh
# The review round trip: fix writes a workbook per commune, a reviewer marks
# rows accepted, rejected or as exceptions (here with ogr2ogr, as a
# spreadsheet would), `fix --apply` applies exactly the accepted rows and
# adds the exceptions in one transaction; a bad workbook changes nothing;
# undo puts removed parcels back byte for byte.
. "$(dirname "$0")/lib.sh"

"$TD_BIN/gen" --parcels 2000 --seed 7 --defect-rate 0.03 --communes 1 --out data || fail "gen failed"
run 0 init ws.gpkg --crs EPSG:9210
run 0 ingest ws.gpkg --map data/map.gpkg --register data/register.csv
run 2 check ws.gpkg --today 2026-11-01
run 0 fix ws.gpkg --out review
C=$(q ws.gpkg "SELECT DISTINCT commune FROM fix_proposals WHERE commune <> '99999'")
eq "$(q ws.gpkg "SELECT COUNT(*) FROM fix_proposals WHERE commune = '$C' AND status = 'proposed'")" \
	"$(ogrinfo -ro -so review/fix-$C.xlsx "Đề xuất sửa" | sed -n 's/Feature Count: //p')" "workbook rows"
nsliver=$(q ws.gpkg "SELECT COUNT(*) FROM fix_proposals WHERE rule_id = 'SLIVER' AND commune = '$C'")
noverlap=$(q ws.gpkg "SELECT COUNT(*) FROM fix_proposals WHERE rule_id = 'OVERLAP' AND commune = '$C'")
[ "$nsliver" -gt 0 ] && [ "$noverlap" -gt 0 ] && ok || fail "slivers ($nsliver) and overlaps ($noverlap) proposed"

# The reviewer accepts the sliver merges, rejects the overlap cuts and accepts the overlaps as they are.
review() {
	ogr2ogr -f "$1" "$2" review/fix-$C.xlsx -nln "Đề xuất sửa" -dialect SQLite -sql "SELECT \"Mã đề xuất\",
		\"Mã lỗi\", \"Số tờ\", \"Số thửa\", CASE \"Mã lỗi\" WHEN 'SLIVER' THEN 'Chấp nhận' WHEN 'OVERLAP' THEN '$3'
		ELSE NULL END AS \"Trạng thái\", CASE WHEN \"Mã lỗi\" = 'OVERLAP' THEN 'ranh giới theo hồ sơ đo đạc 2019'
		END AS \"Ngoại lệ\" FROM \"Đề xuất sửa\"" || fail "ogr2ogr $2"
}
review XLSX reviewed.xlsx "Từ chối"
review CSV bad.csv "maybe"
nparcels=$(q ws.gpkg "SELECT COUNT(*) FROM parcels")

# A status nobody wrote: exit 4 naming file and row, nothing changes.
md5=$(md5sum <ws.gpkg)
run 4 fix ws.gpkg --apply bad.csv
contains err.txt "'bad.csv' sheet 'bad' row"
contains err.txt "status 'maybe' is not accepted, rejected or empty"
eq "$md5" "$(md5sum <ws.gpkg)" "workspace unchanged by a bad workbook"
run 4 fix ws.gpkg --apply no-such.xlsx
printf 'Mã đề xuất,Trạng thái\n999999,accepted\n' >unknown.csv
run 4 fix ws.gpkg --apply unknown.csv
contains err.txt "proposal 999999 is not open"
eq "$md5" "$(md5sum <ws.gpkg)" "workspace unchanged by an unknown proposal"

run 0 fix ws.gpkg --apply reviewed.xlsx
RUN=$(q ws.gpkg "SELECT MAX(id) FROM runs WHERE command = 'fix-apply'")
eq "$nsliver" "$(q ws.gpkg "SELECT COUNT(*) FROM fix_proposals WHERE status = 'applied'")" "applied = accepted rows"
eq "$noverlap" "$(q ws.gpkg "SELECT COUNT(*) FROM fix_proposals WHERE status = 'rejected'")" "rejected rows"
eq "$noverlap" "$(q ws.gpkg "SELECT COUNT(*) FROM exceptions WHERE rule_id = 'OVERLAP'")" "exceptions from the workbook"
eq $((nparcels - nsliver)) "$(q ws.gpkg "SELECT COUNT(*) FROM parcels")" "sliver parcels removed"
eq "$nsliver" "$(q ws.gpkg "SELECT COUNT(*) FROM fix_removed_parcels WHERE run_id = $RUN")" "removed parcels kept"
# The same workbook again changes nothing more.
run 0 fix ws.gpkg --apply reviewed.xlsx
eq "$nsliver" "$(q ws.gpkg "SELECT COUNT(*) FROM fix_proposals WHERE status = 'applied'")" "applied once"
eq "$noverlap" "$(q ws.gpkg "SELECT COUNT(*) FROM exceptions")" "exceptions once"

run 2 check ws.gpkg --today 2026-11-01 --json
eq 0 "$(q ws.gpkg "SELECT COUNT(*) FROM findings WHERE rule_id = 'SLIVER'")" "no sliver left"
# The register still lists the slivers' parcels: they are now REGISTER_NO_MAP (docs/fix.md).
eq "$nsliver" "$(q ws.gpkg "SELECT COUNT(*) FROM findings f JOIN fix_proposals p ON p.rule_id = 'SLIVER' AND f.rule_id = 'REGISTER_NO_MAP' AND f.commune = p.commune AND f.sheet = p.other_sheet AND f.parcel = p.other_parcel")" "slivers' register rows"
contains out.txt "\"accepted\":$noverlap}"
eq "$noverlap" "$(q ws.gpkg "SELECT COUNT(*) FROM finding_exceptions x JOIN findings f USING (fid) WHERE f.rule_id = 'OVERLAP'")" "overlaps accepted"

# Undo: the parcels as before, the removed ones back with their fid, the exceptions gone.
run 0 fix ws.gpkg --undo "$RUN"
cp ws.gpkg undone.gpkg
eq "$nparcels" "$(q ws.gpkg "SELECT COUNT(*) FROM parcels")" "parcels back"
eq 0 "$(q ws.gpkg "SELECT COUNT(*) FROM exceptions")" "exceptions undone"
eq 0 "$(q ws.gpkg "SELECT COUNT(*) FROM fix_removed_parcels")" "nothing left removed"
eq "$(q ws.gpkg "SELECT COUNT(*) FROM parcels")" "$(q ws.gpkg "SELECT COUNT(*) FROM rtree_parcels_geom")" "spatial index in step"
run 0 audit verify ws.gpkg
# Compared with a fresh ingest of the same files, every parcel column is identical.
run 0 init fresh.gpkg --crs EPSG:9210
run 0 ingest fresh.gpkg --map data/map.gpkg --register data/register.csv
dump() { q "$1" "SELECT group_concat(fid || '|' || hex(geom) || commune || sheet || parcel || coalesce(landuse, '') || coalesce(map_area, '') || coalesce(attrs, '') || source_feature, ';') FROM (SELECT * FROM parcels ORDER BY fid)"; }
eq "$(dump fresh.gpkg)" "$(dump ws.gpkg)" "parcels byte for byte after undo"
done_testing
