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
contains out.txt "wrote 2 workbooks (13 parcel rows, 7 findings, 1 certificate not on the map) to xlsx"
eq "thuadat-11311.xlsx thuadat-11329.xlsx" "$(ls xlsx | tr '\n' ' ' | sed 's/ $//')" "workbook files"
eq 600 "$(mode xlsx/thuadat-11311.xlsx)" "workbook mode (personal data)"

export OGR_XLSX_HEADERS=FORCE OGR_XLSX_FIELD_TYPES=STRING
# cell WORKBOOK SHEET COLUMN WHERE: one value through OGR SQL
cell() {
	ogrinfo -ro -q "xlsx/$1" -sql "SELECT \"$3\" FROM \"$2\" WHERE $4" 2>/dev/null |
		sed -n "s|^  $3 (String) = ||p"
}
ogrinfo -ro xlsx/thuadat-11311.xlsx 2>/dev/null | sed -n 's/^[0-9]*: \(.*\) (None)$/\1/p' | tr '\n' '|' >sheets.txt
eq "Tổng hợp|Nhóm 1|Nhóm 2|Nhóm 3|Lỗi|GCN chưa có trong CSDL|" "$(cat sheets.txt)" "sheet names"
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
# The register's certificate CS 200004 for 11329 1/4, a parcel not on the map.
eq "CS 200004" "$(cell thuadat-11329.xlsx 'GCN chưa có trong CSDL' 'Số phát hành GCN' "\"Số thửa\" = '4'")" "certificate not in the database"
eq "031050000321" "$(cell thuadat-11329.xlsx 'GCN chưa có trong CSDL' 'Số CCCD/CMND' "\"Số thửa\" = '4'")" "CCCD as text"
eq "2010/01/05" "$(cell thuadat-11329.xlsx 'GCN chưa có trong CSDL' 'Ngày cấp GCN' "\"Số thửa\" = '4'")" "issue date as a date cell"
eq "2015/03/14" "$(cell thuadat-11311.xlsx 'Nhóm 2' 'Ngày cấp GCN' "\"Số thửa\" = '5'")" "issue date in a group list"

# A layout an office changed: columns from THUADAT_SCHEMA_DIR, errors located.
cp -r "$TD_SRC/schemas" schemas
printf 'header,field,width,type\nThửa,parcel,9,integer\nMã định danh,parcel_id,20,text\n' >schemas/xlsx/groups.csv
THUADAT_SCHEMA_DIR=$T/schemas run 0 export ws.gpkg --out mine
eq "Thửa: String|Mã định danh: String|" "$(ogrinfo -ro -so mine/thuadat-11311.xlsx 'Nhóm 1' 2>/dev/null | sed -n 's/ (0\.0)$//p' | tr '\n' '|')" "office layout"
printf 'header,field,width,type\nThửa,parcel,9,integer\nCCCD,cccd,20,number\n' >schemas/xlsx/groups.csv
THUADAT_SCHEMA_DIR=$T/schemas run 3 export ws.gpkg --out mine
contains err.txt "schemas/xlsx/groups.csv' line 3: field 'cccd' cannot be written as number (it is text)"
printf 'sheet,name\nsummary,Tổng hợp\ngroup1,Nhóm 1\ngroup2,Nhóm 2\ngroup3,Nhóm:3\nfindings,Lỗi\ncertificates,GCN\n' >schemas/xlsx/sheets.csv
THUADAT_SCHEMA_DIR=$T/schemas run 3 export ws.gpkg --out mine
contains err.txt "schemas/xlsx/sheets.csv' line 5: sheet name 'Nhóm:3' holds one of []:*?/\\"

# A list longer than a sheet allows continues on the next sheet.
run 0 export ws.gpkg --out small --sheet-rows 3
ogrinfo -ro small/thuadat-11311.xlsx 2>/dev/null | sed -n 's/^[0-9]*: \(.*\) (None)$/\1/p' | tr '\n' '|' >sheets.txt
eq "Tổng hợp|Nhóm 1|Nhóm 1 (2)|Nhóm 1 (3)|Nhóm 2|Nhóm 2 (2)|Nhóm 3|Lỗi|Lỗi (2)|Lỗi (3)|GCN chưa có trong CSDL|" "$(cat sheets.txt)" "continued sheets"
run 3 export ws.gpkg --out small --sheet-rows 1
ls xlsx | grep -q tmp && fail "temporary file left" || ok

echo x >file
run 5 export ws.gpkg --out file/sub
ls | grep -q tmp && fail "temporary file left after failure" || ok
done_testing
