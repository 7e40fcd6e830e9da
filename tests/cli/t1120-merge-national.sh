#!/bin/sh
# merge with the national crosswalk (schemas/crosswalk/vn-2025.csv): former
# Hà Giang (02, VN-2000 TM-3 105°30', EPSG:9209) into Tuyên Quang (08,
# 106°00', EPSG:9211, the seat's zone). Each input is read in its own zone
# and reprojected (checked against cs2cs); old commune codes become the 2025
# ones; the output checks without ADMIN_CODE_INVALID and gets official IDs.
# Also: every province code is accepted by init, with its zone.
. "$(dirname "$0")/lib.sh"

box() { # commune sheet parcel west south: a 20 x 25 m parcel
	echo "\"POLYGON(($4 $5,$(($4 + 20)) $5,$(($4 + 20)) $(($5 + 25)),$4 $(($5 + 25)),$4 $5))\",$1,$2,$3,ONT,500.0"
}
map() { # OUT EPSG: CSV on stdin
	cat >"$1.csv"
	ogr2ogr -q -f GPKG -nlt POLYGON -a_srs "$2" -oo GEOM_POSSIBLE_NAMES=WKT -oo KEEP_GEOM_COLUMNS=NO \
		-oo AUTODETECT_TYPE=NO -nln parcels "$1" "$1.csv" && ok || fail "ogr2ogr $1"
}
# Hà Giang city (about 22.82° N, 104.98° E): old 00691 Phường Trần Phú and 00692 Phường Ngọc Hà both became 00691.
{
	echo "WKT,MaXa,SoTo,SoThua,LoaiDat,DienTich"
	box 00691 1 1 446600 2524000
	box 00691 1 2 446620 2524000
	box 00692 1 1 447000 2524000
} | map hg-map.gpkg EPSG:9209
# Tuyên Quang city (about 21.82° N, 105.21° E): old 02200 Phường Phan Thiết and 02203 Phường Minh Xuân became 02215.
{
	echo "WKT,MaXa,SoTo,SoThua,LoaiDat,DienTich"
	box 02200 1 1 418300 2414000
	box 02203 1 1 418400 2414000
} | map tq-map.gpkg EPSG:9211

run 0 init hg.gpkg --province 2
contains out.txt "province 02 Hà Giang existed until 2025-06-30 (now part of province 08): zone 105°30′ of VN-2000 TM-3 (EPSG:9209)"
run 0 ingest hg.gpkg --map hg-map.gpkg
run 0 init tq.gpkg --province 08
contains out.txt "province 08 Tỉnh Tuyên Quang was formed on 1 July 2025 from 02 Hà Giang (105°30′) and 08 Tuyên Quang (106°00′);"
contains out.txt "the workspace uses 106°00′, the zone of its seat (former province 08 Tuyên Quang)."
contains out.txt "maps of former 02 Hà Giang are in 105°30′: ingest them with --source-province 02"
run 0 ingest tq.gpkg --map tq-map.gpkg
# Former codes are valid for data before 1 July 2025.
printf '[tolerance]\nadmin_date = 2025-06-01\n' >before.ini
run 2 check hg.gpkg --profile before.ini --today 2026-11-01
eq 0 "$(q hg.gpkg "SELECT COUNT(*) FROM findings WHERE rule_id = 'ADMIN_CODE_INVALID'")" "Hà Giang's former codes before the merger"

cat >sheets.csv <<'EOT'
old_commune,old_sheet,new_commune,new_sheet
00692,1,00691,2
02203,1,02215,2
EOT
run 0 merge out.gpkg tq.gpkg hg.gpkg --crosswalk vn-2025 --sheets sheets.csv
contains out.txt "merged 2 workspaces into out.gpkg (VN-2000 / TM-3 106-00)"
eq 9211 "$(q out.gpkg "SELECT srs_id FROM gpkg_geometry_columns WHERE table_name = 'parcels'")" "output in the seat's zone"
eq "00691|1|1
00691|1|2
00691|2|1
02215|1|1
02215|2|1" "$(q out.gpkg "SELECT commune, sheet, parcel FROM parcels ORDER BY commune, sheet, parcel")" "2025 codes, sheets renumbered"
# Hà Giang's corner (446600, 2524000) in 105°30' reprojected to 106°00', against cs2cs to 1 mm.
want=$(echo "446600 2524000" | cs2cs -f %.4f EPSG:9209 EPSG:9211 | awk '{ print $1, $2 }')
got=$(qs out.gpkg "SELECT printf('%.4f %.4f', X(p), Y(p)) FROM (SELECT PointN(ExteriorRing(GeometryN(GeomFromGPB(geom), 1)), 1) AS p
	FROM parcels WHERE commune = '00691' AND sheet = 1 AND parcel = 1)")
eq 1 "$(echo "$want $got" | awk '{ d1 = $1 - $3; d2 = $2 - $4; print (d1 * d1 + d2 * d2 < 1e-6) }')" "reprojection within 1 mm of cs2cs ($want / $got)"
printf '[tolerance]\nadmin_date = 2026-01-01\n' >after.ini
run 2 check out.gpkg --profile after.ini --today 2026-11-01
eq 0 "$(q out.gpkg "SELECT COUNT(*) FROM findings WHERE rule_id = 'ADMIN_CODE_INVALID'")" "2025 codes valid after the merger"
run 0 assign-id out.gpkg
eq 5 "$(q out.gpkg "SELECT COUNT(DISTINCT parcel_id) FROM parcels WHERE length(parcel_id) = 12")" "official IDs"
for id in $(q out.gpkg "SELECT parcel_id FROM parcels"); do
	run 0 id check out.gpkg "$id"
	contains out.txt "lies inside the parcel"
done

# Every province code, former and 2025, with and without its leading zero.
for code in $(tail -n +2 "$TD_SRC/schemas/ref/ref_provinces.csv" | cut -d, -f1); do
	run 0 init "p$code.gpkg" --province "$code"
	epsg=$(grep "^$code," "$TD_SRC/schemas/ref/ref_provinces.csv" | cut -d, -f5)
	eq "$epsg" "$(q "p$code.gpkg" "SELECT srs_id FROM gpkg_geometry_columns WHERE table_name = 'parcels'")" "province $code zone"
	rm -f "p$code.gpkg"
done
eq 63 "$(tail -n +2 "$TD_SRC/schemas/ref/ref_provinces.csv" | wc -l)" "63 province codes"
eq 34 "$(tail -n +2 "$TD_SRC/schemas/ref/ref_provinces.csv" | awk -F, '$7 == ""' | wc -l)" "34 of them go on after 1 July 2025"
run 0 init p1.gpkg --province 1
contains out.txt "province 01 Thành phố Hà Nội"
run 3 init p3.gpkg --province 3
contains err.txt "unknown province code '3'"
run 3 init p3.gpkg --province 100
contains err.txt "unknown province code '100': expected 1 or 2 digits"
done_testing
