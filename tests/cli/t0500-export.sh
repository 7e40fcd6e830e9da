#!/bin/sh
# export: the demo data's workbooks, read back with GDAL's XLSX driver:
# file names and modes, sheet names, headers and cell values.
. "$(dirname "$0")/lib.sh"

D="$FIX/demo"
run 0 init ws.gpkg --crs EPSG:9210
run 0 ingest ws.gpkg --map "$D/map.gpkg" --register "$D/register.csv"
run 2 check ws.gpkg --today 2026-11-01
run 3 export ws.gpkg --out xlsx
contains err.txt "run 'thuadat classify' first"
run 2 classify ws.gpkg
run 0 -v export ws.gpkg --out xlsx
contains out.txt "wrote 2 workbooks (13 parcel rows, 7 findings) to xlsx"
eq "thuadat-11311.xlsx thuadat-11329.xlsx" "$(ls xlsx | tr '\n' ' ' | sed 's/ $//')" "workbook files"
eq 600 "$(mode xlsx/thuadat-11311.xlsx)" "workbook mode (personal data)"

export OGR_XLSX_HEADERS=FORCE OGR_XLSX_FIELD_TYPES=STRING
# cell WORKBOOK SHEET COLUMN WHERE: one value through OGR SQL
cell() {
	ogrinfo -ro -q "xlsx/$1" -sql "SELECT \"$3\" FROM \"$2\" WHERE $4" 2>/dev/null |
		sed -n "s/^  $3 (String) = //p"
}
ogrinfo -ro xlsx/thuadat-11311.xlsx 2>/dev/null | sed -n 's/^[0-9]*: \(.*\) (None)$/\1/p' | tr '\n' '|' >sheets.txt
eq "Tổng hợp|Nhóm 1|Nhóm 2|Nhóm 3|Lỗi|" "$(cat sheets.txt)" "sheet names"
eq "Hoàng Văn Long" "$(cell thuadat-11311.xlsx 'Nhóm 2' 'Chủ sử dụng' "\"Số thửa\" = '5'")" "owner of 1/5"
eq "620" "$(cell thuadat-11311.xlsx 'Nhóm 2' 'Diện tích sổ (m²)' "\"Số thửa\" = '5'")" "register area of 1/5"
eq "AREA_MISMATCH" "$(cell thuadat-11311.xlsx 'Nhóm 2' 'Mã lỗi' "\"Số thửa\" = '5'")" "rule of 1/5"
eq "GEOM_SELF_INTERSECTION" "$(cell thuadat-11311.xlsx 'Nhóm 3' 'Mã lỗi' "\"Số thửa\" = '3'")" "group 3 parcel"
eq "2300012.5" "$(cell thuadat-11311.xlsx 'Lỗi' 'Y' "\"Mã lỗi\" = 'GEOM_SELF_INTERSECTION'")" "finding location"
eq "Lỗi" "$(cell thuadat-11311.xlsx 'Lỗi' 'Mức độ' "\"Mã lỗi\" = 'GEOM_SELF_INTERSECTION'")" "severity in Vietnamese"
eq "Đỗ Văn Sơn; Ngô Thị Phương" "$(cell thuadat-11329.xlsx 'Nhóm 1' 'Chủ sử dụng' "\"Số thửa\" = '1'")" "co-owners joined"
eq "9" "$(cell thuadat-11311.xlsx 'Tổng hợp' 'Giá trị' "\"Nội dung\" = 'Số thửa trên bản đồ'")" "summary: parcels on the map"
eq "11329" "$(cell thuadat-11329.xlsx 'Tổng hợp' 'Giá trị' "\"Nội dung\" = 'Mã xã'")" "summary: commune code"
eq 5 "$(ogrinfo -ro -so xlsx/thuadat-11311.xlsx 'Nhóm 1' 2>/dev/null | sed -n 's/Feature Count: //p')" "group 1 rows"
ls xlsx | grep -q tmp && fail "temporary file left" || ok

echo x >file
run 5 export ws.gpkg --out file/sub
ls | grep -q tmp && fail "temporary file left after failure" || ok
done_testing
