#!/bin/sh
# ingest of shapefiles whose DBF is TCVN3 or VNI with no .cpg (detected,
# reported, decoded to NFC, --encoding overrides), a .cpg respected, NFD text
# made NFC; and bad input refused with file, row or feature, and what was
# expected, leaving the workspace as it was.
. "$(dirname "$0")/lib.sh"

S="$FIX/shp"
names="11311|1|1|Nguyễn Thị Hồng Nhung|Đất ở nông thôn
11311|1|3|Lê Văn Cường|ranh giới chưa rõ
11311|2|1|Đặng Văn Đức|đang đăng ký biến động
11329|1|1|Đỗ Văn Sơn|"
attrs="SELECT commune, sheet, parcel, json_extract(attrs, '$.TenChu'), coalesce(json_extract(attrs, '$.GhiChu'), '')
	FROM parcels WHERE (commune = '11311' AND ((sheet = 1 AND parcel IN (1, 3)) OR (sheet = 2 AND parcel = 1)))
	OR (commune = '11329' AND sheet = 1 AND parcel = 1) ORDER BY commune, sheet, parcel"

for enc in tcvn3 vni; do
	run 0 init $enc.gpkg --crs EPSG:9210
	run 1 ingest $enc.gpkg --map "$S/$enc.shp"
	contains out.txt "$enc.shp: 12 parcels, CRS VN-2000 / TM-3 105-45, text $(echo $enc | tr a-z A-Z)"
	contains err.txt "$enc.shp' is not UTF-8: read as $(echo $enc | tr a-z A-Z) ("
	eq "$names" "$(q $enc.gpkg "$attrs")" "$enc names decoded"
	eq "$(echo $enc | tr a-z A-Z)" "$(q $enc.gpkg "SELECT encoding FROM sources")" "$enc recorded"
done
# The file's bytes are not UTF-8: forcing it names the feature and field.
run 0 init forced.gpkg --crs EPSG:9210
run 4 ingest forced.gpkg --map "$S/tcvn3.shp" --encoding utf8
contains err.txt "map '$S/tcvn3.shp' layer 'tcvn3' feature 0, field 'TenChu': text is not valid UTF-8"
# ...and the right encoding given needs no detection and gives no warning.
run 0 ingest forced.gpkg --map "$S/tcvn3.shp" --encoding tcvn3
eq "$names" "$(q forced.gpkg "$attrs")" "tcvn3 names with --encoding"

# A .cpg is respected (GDAL recodes); decomposed (NFD) text becomes NFC.
# "Nguyễn Thị Hồng Nhung" decomposed: base letters followed by combining marks.
printf '%s\n' 'WKT,MaXa,SoTo,SoThua,TenChu' \
	"\"POLYGON((0 0,10 0,10 10,0 10,0 0))\",11311,5,1,$(printf 'Nguye\314\202\314\203n Thi\314\243 Ho\314\202\314\200ng Nhung')" >nfd.csv
eq 0 "$(grep -c 'ễ' nfd.csv)" "the fixture is decomposed"
ogr2ogr -f "ESRI Shapefile" nfd.shp nfd.csv -lco ENCODING=UTF-8 -a_srs EPSG:9210 \
	-oo GEOM_POSSIBLE_NAMES=WKT -oo KEEP_GEOM_COLUMNS=NO
eq "UTF-8" "$(cat nfd.cpg)" "the .cpg written"
run 0 init nfd.gpkg --crs EPSG:9210
run 0 ingest nfd.gpkg --map nfd.shp
eq "Nguyễn Thị Hồng Nhung" "$(q nfd.gpkg "SELECT json_extract(attrs, '$.TenChu') FROM parcels")" "NFC"
eq "UTF-8" "$(q nfd.gpkg "SELECT encoding FROM sources")" "encoding from the .cpg"

# Bad input, each exit 4 with the place and the expectation; nothing changes.
run 0 init ws.gpkg --crs EPSG:9210
run 0 ingest ws.gpkg --register "$FIX/demo/register.csv"
before=$(q ws.gpkg "SELECT (SELECT COUNT(*) FROM runs) || '/' || (SELECT COUNT(*) FROM register_rows) || '/' || (SELECT COUNT(*) FROM parcels)")
cp "$S/tcvn3.shp" "$S/tcvn3.dbf" "$S/tcvn3.prj" .
run 4 ingest ws.gpkg --map tcvn3.shp
contains err.txt "cannot read map 'tcvn3.shp': Unable to open tcvn3.shx"
printf 'Mã xã,Số tờ,Số thửa,Diện tích\n11311,1,1,500\n11311,1,2,"500,5",x\n' >fields.csv
run 4 ingest ws.gpkg --register fields.csv
contains err.txt "register 'fields.csv' row 3: 5 fields, but the header (row 1) has 4 separated by ','"
printf 'Ma,To,Thua\n11311,1,1\n' >other.csv
ogr2ogr -f XLSX noheader.xlsx other.csv
run 4 ingest ws.gpkg --register noheader.xlsx
contains err.txt "register 'noheader.xlsx': no header row naming 'Số tờ' and 'Số thửa' in the first 30 rows of any sheet"
printf 'Mã xã;Số tờ;Số thửa;Diện tích\n11311;1;1;"500,5"\n11311;1;2;năm trăm\n' >nan.csv
run 4 ingest ws.gpkg --register nan.csv
contains err.txt "register 'nan.csv' row 3, column 'Diện tích': 'năm trăm' is not an area in m²"
eq "$before" "$(q ws.gpkg "SELECT (SELECT COUNT(*) FROM runs) || '/' || (SELECT COUNT(*) FROM register_rows) || '/' || (SELECT COUNT(*) FROM parcels)")" \
	"workspace unchanged by bad input"

done_testing
