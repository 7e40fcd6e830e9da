#!/bin/sh
# A Hà Nội commune (2025 codes, VN-2000 TM-3 105°00', EPSG:5897) through the
# whole chain: init --province 1, ingest, check without a single
# ADMIN_CODE_INVALID, classify, assign-id with official IDs that decode
# inside their parcels, export with the IDs in the workbooks and the C06
# lists, id show. Former codes are valid for data dated before 1 July 2025
# and not after.
. "$(dirname "$0")/lib.sh"

box() { # commune sheet parcel west: a 20 x 25 m parcel at (west, 2326000) in EPSG:5897
	echo "\"POLYGON(($4 2326000,$(($4 + 20)) 2326000,$(($4 + 20)) 2326025,$4 2326025,$4 2326000))\",$1,$2,$3,ODT,500.0"
}
{
	echo "WKT,MaXa,SoTo,SoThua,LoaiDat,DienTich"
	box 00004 1 1 586000
	box 00004 1 2 586020
	box 00008 1 1 587000
} >map.csv
ogr2ogr -q -f GPKG -nlt POLYGON -a_srs EPSG:5897 -oo GEOM_POSSIBLE_NAMES=WKT -oo KEEP_GEOM_COLUMNS=NO \
	-oo AUTODETECT_TYPE=NO -nln parcels map.gpkg map.csv && ok || fail "ogr2ogr map"
cat >register.csv <<'EOT'
Mã xã,Số tờ,Số thửa,Diện tích,Loại đất,Họ tên chủ sử dụng,Số CCCD,Năm sinh,Giới tính,Số phát hành GCN,Ngày cấp,Ngày cập nhật,Ngày đăng ký biến động
00004,1,1,500.0,ODT,Nguyễn Văn An,001085001234,1985,Nam,DA 200001,15/08/2025,15/08/2025,
00004,1,2,500.0,ODT,Trần Thị Bích,001190004321,1990,Nữ,DA 200002,15/08/2025,15/08/2025,
00008,1,1,500.0,ODT,Lê Văn Cường,001075002222,1975,Nam,DA 200003,20/08/2025,20/08/2025,
EOT

run 0 init hn.gpkg --province 1
contains out.txt "created workspace hn.gpkg (CRS: VN-2000 / TM-3 zone 482, srs_id 5897)"
contains out.txt "province 01 Thành phố Hà Nội: zone 105°00′ of VN-2000 TM-3 (EPSG:5897)"
run 0 ingest hn.gpkg --map map.gpkg --register register.csv
printf '[tolerance]\nadmin_date = 2026-01-01\n' >hn.ini
run 0 check hn.gpkg --profile hn.ini --today 2026-11-01
contains out.txt "3 map parcels and 3 register parcels in 2 communes: 0 errors, 0 warnings"
eq 0 "$(q hn.gpkg "SELECT COUNT(*) FROM findings WHERE rule_id = 'ADMIN_CODE_INVALID'")" "no ADMIN_CODE_INVALID"
run 0 classify hn.gpkg
run 0 assign-id hn.gpkg
contains out.txt "assign-id: 3 parcels in 2 communes: issued 3 (split 0, merged 0, reshaped 0), kept 0, rekeyed 0, retired 0"
eq 3 "$(q hn.gpkg "SELECT COUNT(DISTINCT parcel_id) FROM parcels WHERE length(parcel_id) = 12 AND parcel_id NOT GLOB '*[^0-9b-hjkmnp-z]*'")" "3 official IDs"
for id in $(q hn.gpkg "SELECT parcel_id FROM parcels ORDER BY fid"); do
	run 0 id check hn.gpkg "$id"
	contains out.txt "lies inside the parcel"
done
# Hà Nội's GeoHash cells start with w7 (about 21.0° N, 105.8° E).
eq "w7" "$(q hn.gpkg "SELECT DISTINCT substr(parcel_id, 1, 2) FROM parcels")" "GeoHash prefix of Hà Nội"
id=$(q hn.gpkg "SELECT parcel_id FROM parcels WHERE commune = '00004' AND sheet = 1 AND parcel = 1")
run 0 id show hn.gpkg "$id"
contains out.txt "key:      00004/1/1"
run 0 export hn.gpkg --out out --c06
eq "c06-00004.xls c06-00008.xls" "$(ls out | grep c06 | tr '\n' ' ' | sed 's/ $//')" "C06 lists"
ogrinfo -ro -al out/c06-00004.xls >list.txt 2>&1
contains list.txt "= $id"
ogrinfo -ro -al out/thuadat-00004.xlsx >book.txt 2>&1
contains book.txt "$id"

# A former Hà Nội code (00001 Phường Phúc Xá, until 30 June 2025) is valid
# for data dated before 1 July 2025, and ADMIN_CODE_INVALID after.
{
	echo "WKT,MaXa,SoTo,SoThua,LoaiDat,DienTich"
	box 00001 1 1 588000
} >old.csv
ogr2ogr -q -f GPKG -nlt POLYGON -a_srs EPSG:5897 -oo GEOM_POSSIBLE_NAMES=WKT -oo KEEP_GEOM_COLUMNS=NO \
	-oo AUTODETECT_TYPE=NO -nln parcels old-map.gpkg old.csv && ok || fail "ogr2ogr old"
run 0 init old.gpkg --province 01
run 0 ingest old.gpkg --map old-map.gpkg
printf '[tolerance]\nadmin_date = 2025-06-30\n' >before.ini
run 2 check old.gpkg --profile before.ini --today 2026-11-01
eq 0 "$(q old.gpkg "SELECT COUNT(*) FROM findings WHERE rule_id = 'ADMIN_CODE_INVALID'")" "former code valid on 2025-06-30"
run 2 check old.gpkg --profile hn.ini --today 2026-11-01
eq "00001" "$(q old.gpkg "SELECT commune FROM findings WHERE rule_id = 'ADMIN_CODE_INVALID'")" "former code invalid on 2026-01-01"
done_testing
