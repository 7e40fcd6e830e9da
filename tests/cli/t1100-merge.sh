#!/bin/sh
# merge: a Hải Phòng workspace (EPSG:9210, the demo data) and a Hải Dương one
# (EPSG:9209, made here with ogr2ogr) under the real crosswalk. Checks the
# reprojection against cs2cs, every crosswalk case, sheet renumbering and a
# collision, owners, parcel IDs, the report and counts in = out + reported.
. "$(dirname "$0")/lib.sh"

CW="$TD_SRC/schemas/crosswalk/haiphong-2025.csv"
D="$FIX/demo"

# --- Hải Phòng: the demo map and register, one more register row, IDs and verification states.
cat >hp-extra.csv <<'EOF'
Mã xã,Số tờ,Số thửa,Diện tích,Loại đất,Họ tên chủ sử dụng,Số CCCD,Năm sinh,Giới tính
11311,2,2,600.0,ONT,Lý Văn Tám,,1970,Nam
EOF
run 0 init hp.gpkg --crs EPSG:9210
run 0 ingest hp.gpkg --map "$D/map.gpkg" --register "$D/register.csv"
run 0 ingest hp.gpkg --register hp-extra.csv
run 2 check hp.gpkg --today 2026-11-01
qs hp.gpkg "UPDATE owners SET verification = 'matched', verified_run = 2 WHERE cccd IN ('031185001234', '031080004321');
UPDATE parcels SET parcel_id = '113110000011' WHERE commune = '11311' AND sheet = 1 AND parcel = 1;
INSERT INTO id_registry VALUES ('113110000011', '11311', 1, 1, 1, 'active', 1, NULL);"

# --- Hải Dương: parcels drawn in EPSG:9210 numbers, stored in EPSG:9209 by ogr2ogr.
# 10507 and 10510 both become 10507 (many to one); 10528 is split between
# 10532 and 10537 (placed by boundary; parcel 4 lies outside both); 10540 is
# split between 10543 and 10891, which have no boundary here.
box() { # commune sheet parcel west: a 20 x 25 m parcel at (west, 2300000)
	echo "\"POLYGON(($4 2300000,$(($4 + 20)) 2300000,$(($4 + 20)) 2300025,$4 2300025,$4 2300000))\",$1,$2,$3,ONT,500.0"
}
{
	echo "WKT,MaXa,SoTo,SoThua,LoaiDat,DienTich"
	box 10507 1 1 560000; box 10507 1 2 560020; box 10507 2 1 560100
	box 10510 1 1 560200; box 10510 1 2 560220; box 10510 2 1 560300; box 10510 3 1 560400
	box 10528 1 1 560500; box 10528 1 2 560520; box 10528 1 3 560600; box 10528 1 4 560700
	box 10540 1 1 560800; box 10540 1 2 560820
} >hd-map.csv
ogr2ogr -q -f GPKG -nlt POLYGON -s_srs EPSG:9210 -t_srs EPSG:9209 -oo GEOM_POSSIBLE_NAMES=WKT -oo KEEP_GEOM_COLUMNS=NO \
	-nln parcels hd-map.gpkg hd-map.csv && ok || fail "ogr2ogr hd-map"
cat >hd-register.csv <<'EOF'
Mã xã,Số tờ,Số thửa,Diện tích,Loại đất,Họ tên chủ sử dụng,Số CCCD,Năm sinh,Giới tính
10507,1,1,500.0,ONT,Nguyễn Thị Hồng Nhung,031185001234,1985,Nữ
10507,1,2,500.0,ONT,Trần Văn Bính,031080004321,1980,Nam
10507,2,1,500.0,ONT,Lê Văn Cường,030075002222,1976,Nam
10510,1,1,500.0,ONT,Lý Văn Tám,,1970,Nam
10510,1,2,500.0,ONT,Phan Thị Hoa,030185111111,1985,Nữ
10510,2,1,500.0,ONT,Phan Thị Hoa,030185111111,1985,Nữ
10510,3,1,500.0,ONT,Mai Văn Phúc,030090222222,1990,Nam
10528,1,1,500.0,ONT,Trịnh Văn Lâm,030070333333,1970,Nam
10528,1,2,500.0,ONT,Trịnh Văn Lâm,030070333333,1970,Nam
10528,1,3,500.0,ONT,Cao Thị Ngọc,030188444444,1988,Nữ
10528,1,4,500.0,ONT,Cao Thị Ngọc,030188444444,1988,Nữ
10528,1,9,500.0,ONT,Lưu Văn Hải,030066555555,1966,Nam
10540,1,1,500.0,ONT,Tạ Thị Bích,030192666666,1992,Nữ
10540,1,2,500.0,ONT,Tạ Thị Bích,030192666666,1992,Nữ
EOF
# New communes' boundaries (EPSG:9210), and an old commune's that must not be used.
cat >new-communes.csv <<'EOF'
WKT,MaXa,TenXa
"POLYGON((560490 2299990,560560 2299990,560560 2300035,560490 2300035,560490 2299990))",10532,Phường Lê Thanh Nghị
"POLYGON((560590 2299990,560630 2299990,560630 2300035,560590 2300035,560590 2299990))",10537,Phường Tân Hưng
EOF
cat >old-communes.csv <<'EOF'
WKT,MaXa,TenXa
"POLYGON((560490 2299990,560800 2299990,560800 2300035,560490 2300035,560490 2299990))",10532,Phường Tân Bình
EOF
for f in new-communes old-communes; do
	ogr2ogr -q -f GPKG -nlt POLYGON -a_srs EPSG:9210 -oo GEOM_POSSIBLE_NAMES=WKT -oo KEEP_GEOM_COLUMNS=NO -nln communes \
		"$f.gpkg" "$f.csv" && ok || fail "ogr2ogr $f"
done
mkdir scans
printf '%%PDF-1.4\n' >scans/10528_1_3_GCN.pdf
printf '%%PDF-1.4\n' >scans/10540_1_1_GCN.pdf
printf '%%PDF-1.4\n' >scans/10510_1_1_GCN.pdf
printf 'notes' >scans/readme.txt
run 0 init hd.gpkg --crs EPSG:9209
run 0 ingest hd.gpkg --map hd-map.gpkg --register hd-register.csv
run 1 ingest hd.gpkg --scans scans
qs hd.gpkg "UPDATE owners SET verification = 'mismatched', verified_run = 1 WHERE cccd = '031080004321';
UPDATE parcels SET parcel_id = '105100000017' WHERE commune = '10510' AND sheet = 1 AND parcel = 1;
INSERT INTO id_registry VALUES ('105100000017', '10510', 1, 1, 1, 'active', 1, NULL);
INSERT INTO id_key_changes VALUES ('105100000017', 1, '10510', 4, 1, '10510', 1, 1);"

cat >sheets.csv <<'EOF'
old_commune,old_sheet,new_commune,new_sheet
10510,1,10507,11
10528,1,10532,5
10528,1,10537,6
EOF

# --- The merge, with boundaries from a file.
run 2 merge out.gpkg hp.gpkg hd.gpkg --crosswalk "$CW" --sheets sheets.csv --boundaries new-communes.gpkg
contains out.txt "merged 2 workspaces into out.gpkg (VN-2000 / TM-3 105-45)"
contains out.txt "report: out-merge/"
eq 600 "$(mode out.gpkg)" "output mode"
eq 9210 "$(q out.gpkg "SELECT srs_id FROM gpkg_geometry_columns WHERE table_name = 'parcels'")" "output CRS"
eq "" "$(ls | grep -e '\.tmp' -e '\.lock')" "no temporary or lock file left"

# Counts in = out + reported, for parcels and register rows; and the rows
# reported are exactly the input rows that are not in the output.
for t in parcels register_rows; do
	eq "$(($(q hp.gpkg "SELECT count(*) FROM $t") + $(q hd.gpkg "SELECT count(*) FROM $t")))" \
		"$(($(q out.gpkg "SELECT count(*) FROM $t") + $(grep -c "^${t%s}," out-merge/unassigned.csv)))" "$t in = out + unassigned"
done
eq 22 "$(q out.gpkg "SELECT count(*) FROM parcels")" "parcels out"
eq 24 "$(q out.gpkg "SELECT count(*) FROM register_rows")" "register rows out"
q out.gpkg "ATTACH 'hd.gpkg' AS hd; SELECT fid FROM hd.parcels WHERE fid NOT IN (SELECT input_row FROM merge_origin WHERE kind = 'parcel' AND input = 2) ORDER BY fid" >missing.txt
grep '^parcel,' out-merge/unassigned.csv | cut -d, -f3 >listed.txt
same missing.txt listed.txt
eq 3 "$(wc -l <listed.txt)" "parcels listed as unassigned"
q out.gpkg "ATTACH 'hd.gpkg' AS hd; SELECT id FROM hd.register_rows WHERE id NOT IN (SELECT input_row FROM merge_origin WHERE kind = 'register_row' AND input = 2) ORDER BY id" >missing.txt
grep '^register_row,' out-merge/unassigned.csv | cut -d, -f3 >listed.txt
same missing.txt listed.txt
eq 4 "$(wc -l <listed.txt)" "register rows listed as unassigned"
contains out-merge/summary.json '"parcels":{"in":25,"out":22,"unassigned":3}'
contains out-merge/summary.json '"register_rows":{"in":28,"out":24,"unassigned":4}'

# Many to one: 10507 and 10510 are both 10507; sheet 1 of 10510 is sheet 11.
eq "10507|1|1
10507|1|2
10507|2|1
10507|2|1
10507|3|1
10507|11|1
10507|11|2" "$(q out.gpkg "SELECT commune, sheet, parcel FROM parcels WHERE commune = '10507' ORDER BY sheet, parcel")" "10507 and 10510 recoded"
eq 0 "$(q out.gpkg "SELECT count(*) FROM parcels WHERE commune IN ('10510', '10528', '10540')")" "no old split/merged codes left"
# Split by boundary: parcels 1 and 2 in 10532 (sheet 5), 3 in 10537 (sheet 6), 4 in neither.
eq "10532|5|1
10532|5|2
10537|6|3" "$(q out.gpkg "SELECT p.commune, p.sheet, p.parcel FROM parcels p JOIN merge_origin o ON o.kind = 'parcel' AND o.row_id = p.fid WHERE o.old_commune = '10528' ORDER BY p.parcel")" "10528 split by boundary"
contains out-merge/unassigned.csv "parcel,hd.gpkg,11,10528,1,4,560710.000,2300012.500,\"old commune 10528 is split between 10532, 10537 and the parcel's point on surface is inside none of their boundaries\""
# Split without boundary: reported, never guessed.
contains out-merge/unassigned.csv "parcel,hd.gpkg,12,10540,1,1,560810.000,2300012.500,\"old commune 10540 is split between 10543, 10891 and no boundary of those is loaded\""
contains out-merge/unassigned.csv "parcel,hd.gpkg,13,10540,1,2,"
contains out-merge/unassigned.csv "register_row,hd.gpkg,12,10528,1,9,,,\"old commune 10528 is split between 10532, 10537 and no map parcel has this key to place the row by\""
contains out-merge/unassigned.csv "register_row,hd.gpkg,11,10528,1,4,,,\"old commune 10528 is split between 10532, 10537 and its map parcel was not placed (see the parcel)\""
contains out-merge/unassigned.csv "register_row,hd.gpkg,13,10540,1,1,,,"
eq "10532|5|1
10532|5|2
10537|6|3" "$(q out.gpkg "SELECT commune, sheet, parcel FROM register_rows WHERE commune IN ('10532', '10537') ORDER BY commune, parcel")" "register rows follow their map parcels"

# Scans follow their parcels; one of a parcel not placed keeps no key and is listed.
eq "10510_1_1_GCN.pdf|10507|11|1
10528_1_3_GCN.pdf|10537|6|3
10540_1_1_GCN.pdf|||
readme.txt|||" "$(q out.gpkg "SELECT path, commune, sheet, parcel FROM scans ORDER BY path")" "scans recoded"
contains out-merge/unassigned.csv "scan,hd.gpkg,3,10540,1,1,,,\"old commune 10540 is split between 10543, 10891 and its map parcel was not placed (see the parcel)\""
contains err.txt "1 scans of split communes could not be placed and keep no parcel key"

# Per commune counts.
contains out-merge/communes_old.csv "input,old_commune,new_communes,parcels_in,parcels_out,parcels_unassigned,register_rows_in,register_rows_out,register_rows_unassigned"
contains out-merge/communes_old.csv "hd.gpkg,10528,\"10532, 10537\",4,3,1,5,3,2"
contains out-merge/communes_old.csv "hd.gpkg,10540,\"10543, 10891\",2,0,2,2,0,2"
contains out-merge/communes_old.csv "hd.gpkg,10510,10507,4,4,0,4,4,0"
contains out-merge/communes_old.csv "hp.gpkg,11311,11311,9,9,0,9,9,0"
contains out-merge/communes_new.csv "10507,Phường Thành Đông,7,7,10507 10510"
contains out-merge/communes_new.csv "10532,Phường Lê Thanh Nghị,2,2,10528"

# Sheets: renumbered by the table, kept, and shared (the collision).
contains out-merge/sheets.csv "hd.gpkg,10510,1,10507,11,table,2,2,0"
contains out-merge/sheets.csv "hd.gpkg,10510,2,10507,2,kept,1,1,1"
contains out-merge/sheets.csv "hd.gpkg,10507,2,10507,2,kept,1,1,1"
contains out-merge/sheets.csv "hd.gpkg,10528,1,10537,6,table,1,1,0"
contains out-merge/summary.json '"sheets":{"old":10,"renumbered":3,"shared":2}'
# The collision: both parcels kept, told apart by their origin, and listed.
eq "parcel,10507,2,1,hd.gpkg,10507,2,1
parcel,10507,2,1,hd.gpkg,10510,2,1
register_row,10507,2,1,hd.gpkg,10507,2,1
register_row,10507,2,1,hd.gpkg,10510,2,1" "$(tail -n +2 out-merge/collisions.csv | cut -d, -f1-8)" "collisions listed"
contains out-merge/summary.json '"collisions":{"keys":1,"parcels":2,"register_keys":1,"register_rows":2}'
eq "10507|10510" "$(q out.gpkg "SELECT group_concat(o.old_commune, '|') FROM parcels p JOIN merge_origin o ON o.kind = 'parcel' AND o.row_id = p.fid WHERE p.commune = '10507' AND p.sheet = 2 AND p.parcel = 1")" "colliding parcels keep their origin"

# Reprojection: every Hải Dương vertex kept against cs2cs EPSG:9209 -> EPSG:9210, within 1 mm.
V="ST_PointN(ST_ExteriorRing(ST_GeometryN(GeomFromGPB(geom), 1)), 1)"
qs hd.gpkg "SELECT fid, printf('%.6f %.6f', ST_X($V), ST_Y($V)) FROM parcels ORDER BY fid" | tr '|' ' ' >hd-xy.txt
cut -d' ' -f2,3 hd-xy.txt | cs2cs -f %.6f EPSG:9209 EPSG:9210 | awk '{print $1, $2}' | paste -d' ' hd-xy.txt - >expected-xy.txt
qs out.gpkg "SELECT o.input_row, printf('%.6f %.6f', ST_X($V), ST_Y($V)) FROM merge_origin o JOIN parcels p ON p.fid = o.row_id WHERE o.kind = 'parcel' AND o.input = 2 ORDER BY o.input_row" | tr '|' ' ' >got-xy.txt
eq 10 "$(wc -l <got-xy.txt)" "reprojected parcels"
eq 10 "$(join expected-xy.txt got-xy.txt | awk '{dx = $4 - $6; dy = $5 - $7; if (dx < 0) dx = -dx; if (dy < 0) dy = -dy; if (dx <= 0.001 && dy <= 0.001) n++} END {print n + 0}')" "control points within 1 mm of cs2cs"
eq "560000.000 2300000.000" "$(qs out.gpkg "SELECT printf('%.3f %.3f', ST_X($V), ST_Y($V)) FROM parcels WHERE commune = '10507' AND sheet = 1 AND parcel = 1")" "a corner back where it was drawn"
eq "600000.000000 2300000.000000" "$(qs out.gpkg "SELECT printf('%.6f %.6f', ST_X($V), ST_Y($V)) FROM parcels WHERE commune = '11311' AND sheet = 1 AND parcel = 1")" "Hải Phòng untouched"
eq "10532|Phường Lê Thanh Nghị
10537|Phường Tân Hưng" "$(q out.gpkg "SELECT code, name FROM communes ORDER BY code")" "the new boundaries are the output's"

# Owners: 14 + 10 in, 4 the same person (3 by CCCD, 1 by name and birth year).
eq 20 "$(q out.gpkg "SELECT count(*) FROM owners")" "owners after merge"
contains out-merge/summary.json '"owners":{"in":24,"out":20,"merged":4,"conflicts":2,"conflict_fields":3}'
eq 1 "$(q out.gpkg "SELECT count(DISTINCT owner_id) FROM register_rows WHERE cccd = '031185001234'")" "one owner for both inputs' rows"
eq 2 "$(q out.gpkg "SELECT count(*) FROM register_rows r JOIN owners o ON o.id = r.owner_id WHERE o.person_key = 'name:lý văn tám|1970'")" "name-keyed owner merged"
eq 0 "$(q out.gpkg "SELECT count(*) FROM register_rows r WHERE r.owner_id IS NULL OR NOT EXISTS (SELECT 1 FROM owners o WHERE o.id = r.owner_id AND (o.cccd = r.cccd OR o.cccd IS NULL AND r.cccd IS NULL))")" "owner ids remapped"
eq "cccd:030075002222,birth_year,1975,hp.gpkg,1976,hd.gpkg,1975
cccd:031080004321,name,Trần Văn Bình,hp.gpkg,Trần Văn Bính,hd.gpkg,Trần Văn Bình
cccd:031080004321,verification,matched,hp.gpkg,mismatched,hd.gpkg,mismatched" "$(tail -n +2 out-merge/owner_conflicts.csv)" "owner conflicts"
eq 600 "$(mode out-merge/owner_conflicts.csv)" "owner conflicts hold personal data"
eq "matched|mismatched|unverified" "$(q out.gpkg "SELECT group_concat(verification, '|') FROM (SELECT verification FROM owners WHERE cccd IN ('031185001234', '031080004321', '030185111111') ORDER BY cccd DESC)")" "stronger verification kept"
eq "verification|matched|mismatched" "$(q out.gpkg "SELECT field, old_value, new_value FROM owner_history h JOIN owners o ON o.id = h.owner_id WHERE o.cccd = '031080004321'")" "verification change recorded"

# Parcel IDs survive; the recode of the Hải Dương one is recorded under the merge run.
eq "113110000011|11311|1|1
105100000017|10507|11|1" "$(q out.gpkg "SELECT parcel_id, commune, sheet, parcel FROM parcels WHERE parcel_id IS NOT NULL ORDER BY fid")" "IDs on their parcels"
merge_run=$(q out.gpkg "SELECT id FROM runs WHERE command = 'merge'")
eq "$(q out.gpkg "SELECT max(id) FROM runs")" "$merge_run" "the merge is the last run"
eq "105100000017|10510|4|1|10510|1|1|
105100000017|10510|1|1|10507|11|1|merge" "$(q out.gpkg "SELECT k.id, k.old_commune, k.old_sheet, k.old_parcel, k.new_commune, k.new_sheet, k.new_parcel, CASE WHEN k.run_id = $merge_run THEN 'merge' END FROM id_key_changes k ORDER BY k.rowid")" "key changes"
eq "ingest|ingest|check|ingest|ingest|merge" "$(q out.gpkg "SELECT group_concat(command, '|') FROM (SELECT command FROM runs ORDER BY id)")" "runs carried"
eq "hd.gpkg::|hd.gpkg::|hd.gpkg::|hp.gpkg::|hp.gpkg::|hp.gpkg::" "$(q out.gpkg "SELECT group_concat(substr(path, 1, 9), '|') FROM (SELECT path FROM sources WHERE path LIKE '%.gpkg::%' ORDER BY path)")" "sources carried with their input"

# The result is a workspace the next stages run on; findings must be made again.
run 3 classify out.gpkg
contains err.txt "changed since the last check"
run 2 check out.gpkg --today 2026-11-01
contains out.txt "DUPLICATE_KEY"
run 2 classify out.gpkg
run 0 export out.gpkg --out xlsx
eq 5 "$(ls xlsx | wc -l)" "a workbook per new commune"

# Refused: an existing output, an input given twice.
run 3 merge out.gpkg hp.gpkg hd.gpkg --crosswalk "$CW" --sheets sheets.csv
contains err.txt "'out.gpkg' already exists (use --force to replace it)"
run 3 merge out2.gpkg hp.gpkg ./hp.gpkg --crosswalk "$CW" --sheets sheets.csv
contains err.txt "is given twice"

# Without --boundaries: the input's own new-commune polygons place the parcels; the old one is not used.
run 0 ingest hd.gpkg --boundaries new-communes.gpkg
run 0 ingest hd.gpkg --boundaries old-communes.gpkg
run 2 merge --force out.gpkg hp.gpkg hd.gpkg --crosswalk haiphong-2025 --sheets sheets.csv --report rep2
contains err.txt "1 commune boundaries of the inputs were not carried"
eq "10532|5|1
10532|5|2
10537|6|3" "$(q out.gpkg "SELECT p.commune, p.sheet, p.parcel FROM parcels p JOIN merge_origin o ON o.kind = 'parcel' AND o.row_id = p.fid WHERE o.old_commune = '10528' ORDER BY p.parcel")" "placed by the input's boundaries"
contains rep2/summary.json '"boundaries":{"used":2,"dropped":1}'

# Target CRS given: Hải Phòng reprojected into EPSG:9209 as cs2cs does it.
run 2 merge out9209.gpkg hp.gpkg hd.gpkg --crosswalk "$CW" --sheets sheets.csv --boundaries new-communes.gpkg --target-crs EPSG:9209 -q
eq 9209 "$(q out9209.gpkg "SELECT srs_id FROM gpkg_geometry_columns WHERE table_name = 'parcels'")" "target CRS"
want=$(echo "600000 2300000" | cs2cs -f %.6f EPSG:9210 EPSG:9209 | awk '{print $1, $2}')
got=$(qs out9209.gpkg "SELECT printf('%.6f %.6f', ST_X($V), ST_Y($V)) FROM parcels WHERE commune = '11311' AND sheet = 1 AND parcel = 1")
eq 1 "$(echo "$want $got" | awk '{dx = $1 - $3; dy = $2 - $4; print (dx * dx + dy * dy <= 0.000001) ? 1 : 0}')" "Hải Phòng in EPSG:9209 within 1 mm of cs2cs ($want vs $got)"
eq "hd.gpkg|10507|1|1" "$(q out9209.gpkg "SELECT i.path, o.old_commune, o.old_sheet, o.old_parcel FROM merge_origin o JOIN merge_inputs i USING (input) JOIN parcels p ON p.fid = o.row_id WHERE o.kind = 'parcel' AND p.commune = '10507' AND p.sheet = 1 AND p.parcel = 1")" "origin recorded"
# The next night's assign-id recognises the carried IDs under their new keys
# and in the new CRS (merge rebuilt id_parcel): nothing kept is retired.
run 0 assign-id out.gpkg
eq "113110000011|11311|1|1
105100000017|10507|11|1" "$(q out.gpkg "SELECT parcel_id, commune, sheet, parcel FROM parcels
	WHERE parcel_id IN ('113110000011', '105100000017') ORDER BY fid")" "IDs kept by assign-id after the merge"
eq "0|$(q out.gpkg "SELECT count(*) FROM parcels")" "$(q out.gpkg "SELECT
	(SELECT count(*) FROM id_registry WHERE status = 'retired'), (SELECT count(*) FROM parcels WHERE parcel_id IS NOT NULL)")" \
	"no ID retired, every parcel has one"

# The inputs' runs are carried without their audit entries (those stay in the
# inputs' trails); the merged workspace's own trail is intact.
run 0 audit verify out.gpkg
contains out.txt "audit trail intact"

done_testing
