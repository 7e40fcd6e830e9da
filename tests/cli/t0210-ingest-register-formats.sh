#!/bin/sh
# The same register as CSV, XLSX and XLS (made by LibreOffice, two title rows
# above the header, dates as date cells, the XLSX's CCCDs stored as numbers)
# gives the same rows as the plain demo CSV; a file without a header is
# refused with exit 4.
. "$(dirname "$0")/lib.sh"

R="$FIX/register"
cols="commune, sheet, parcel, area, landuse, owner_name, cccd, birth_year, gender, gcn_serial, gcn_date, last_change, pending_since"
run 0 init demo.gpkg --crs EPSG:9210
run 0 ingest demo.gpkg --register "$FIX/demo/register.csv"
q demo.gpkg "SELECT $cols FROM register_rows ORDER BY id" >want.txt
eq 13 "$(wc -l <want.txt | tr -d ' ')" "demo rows"
for f in register.csv register.xlsx register.xls; do
	run 0 init "$f.gpkg" --crs EPSG:9210
	run 0 ingest "$f.gpkg" --register "$R/$f"
	contains out.txt "$f: 13 rows"
	q "$f.gpkg" "SELECT $cols FROM register_rows ORDER BY id" >got.txt
	same want.txt got.txt
	eq "4 16" "$(q "$f.gpkg" "SELECT MIN(source_row) || ' ' || MAX(source_row) FROM register_rows")" "$f: spreadsheet rows"
done
# An old export in TCVN3 bytes: detected, reported (exit 1: a warning), decoded.
run 0 init tcvn3.gpkg --crs EPSG:9210
run 1 ingest tcvn3.gpkg --register "$R/register-tcvn3.csv"
contains err.txt "is not UTF-8: read as TCVN3"
q tcvn3.gpkg "SELECT $cols FROM register_rows ORDER BY id" >got.txt
same want.txt got.txt
eq TCVN3 "$(q tcvn3.gpkg "SELECT encoding FROM sources")" "encoding recorded"
run 0 init tcvn3b.gpkg --crs EPSG:9210
run 0 ingest tcvn3b.gpkg --register "$R/register-tcvn3.csv" --encoding tcvn3
run 0 init vni.gpkg --crs EPSG:9210
run 4 ingest vni.gpkg --register "$R/register-tcvn3.csv" --encoding vni
contains err.txt "(read as VNI)"
run 3 ingest vni.gpkg --register "$R/register-tcvn3.csv" --encoding klingon
contains err.txt "klingon"

eq "031185001234|2015-03-12" "$(q register.xlsx.gpkg "SELECT cccd, gcn_date FROM register_rows WHERE owner_name = 'Nguyễn Thị Hồng Nhung'")" "CCCD leading zero restored, date cell read"

printf 'a,b,c\n1,2,3\n' >noheader.csv
run 4 ingest demo.gpkg --register noheader.csv
contains err.txt "register 'noheader.csv': no header row naming 'Số tờ' and 'Số thửa' in the first 30 rows of any sheet"
printf 'Số tờ,Số thửa,Diện tích\n1,2,3\n' >nocommune.csv
run 4 ingest demo.gpkg --register nocommune.csv
contains err.txt "has no column 'Mã xã' in its header row (row 1); or give --commune"
# (it covers sheet 11311/1 as the demo register does, so it takes its place)
demo_id=$(q demo.gpkg "SELECT id FROM sources WHERE path LIKE '%/demo/register.csv'")
run 0 ingest demo.gpkg --register nocommune.csv --commune 11311 --replace "$demo_id"
eq "11311|1|2|3.0" "$(q demo.gpkg "SELECT commune, sheet, parcel, area FROM register_rows WHERE source_row = 2 AND area = 3")" "--commune fills the code"
run 4 ingest demo.gpkg --register missing.xlsx
contains err.txt "cannot read 'missing.xlsx' as XLSX"

# Another vendor's headers, typed without marks and in capitals, map through
# the default column profile; a birth date gives the birth year.
printf '%s\n' 'MA DVHC;TO BAN DO SO;THUA DAT SO;Dien tich;Muc dich su dung;Ho va ten;So dinh danh ca nhan;Ngay sinh;Gioi tinh' \
	'11311;1;1;500,0;ONT;Nguyễn Thị Hồng Nhung;031185001234;15/04/1985;Nữ' >vendor.csv
run 0 init vendor.gpkg --crs EPSG:9210
run 0 ingest vendor.gpkg --register vendor.csv
eq "11311|1|1|500.0|ONT|Nguyễn Thị Hồng Nhung|031185001234|1985|Nữ" \
	"$(q vendor.gpkg "SELECT commune, sheet, parcel, area, landuse, owner_name, cccd, birth_year, gender FROM register_rows")" \
	"headers without marks"
# A profile of the office's own names; a bad one is a usage error naming its line.
printf '[columns]\nsheet = Tờ\nparcel = Thửa\ncommune = Xã\n' >office.ini
printf 'Xã,Tờ,Thửa\n11329,4,7\n' >office.csv
run 0 ingest vendor.gpkg --register office.csv --register-profile ./office.ini
eq "11329|4|7" "$(q vendor.gpkg "SELECT commune, sheet, parcel FROM register_rows WHERE sheet = 4")" "office profile"
printf '[columns]\nsheet = Tờ\nparcle = Thửa\n' >typo.ini
run 3 ingest vendor.gpkg --register office.csv --register-profile ./typo.ini
contains err.txt "'./typo.ini' line 3: unknown column 'parcle'"
run 3 ingest vendor.gpkg --register office.csv --register-profile nosuch
contains err.txt "nosuch"
done_testing
