#!/bin/sh
# ingest of damaged and surprising input (issue #14): broken shapefiles,
# a DGN sheet that gives no parcel, over-long text, files that are not what
# their extension says, NUL bytes, a damaged .xls, empty options; changed
# options on unchanged files. Every refusal names the file and the feature,
# row or line, exits with its documented code and leaves the workspace as
# it was.
. "$(dirname "$0")/lib.sh"

D="$FIX/demo"
run 0 init ws.gpkg --crs EPSG:9210
run 0 ingest ws.gpkg --register "$D/register.csv"
state() { q ws.gpkg "SELECT (SELECT COUNT(*) FROM runs) || '/' || (SELECT COUNT(*) FROM parcels) || '/' ||
	(SELECT COUNT(*) FROM register_rows) || '/' || (SELECT COUNT(*) FROM sources)"; }
before=$(state)

# A shapefile cut to a third: GDAL reads the features past the cut with no
# geometry and says so only in an error it reports on the side.
cp "$D/map.shx" "$D/map.dbf" "$D/map.prj" "$D/map.cpg" .
for f in map.shx map.dbf map.prj map.cpg; do mv "$f" "cut.${f#map.}"; done
head -c $(($(stat -c %s "$D/map.shp") / 3)) "$D/map.shp" >cut.shp
run 4 ingest ws.gpkg --map cut.shp
contains err.txt "map 'cut.shp' layer 'cut' feature 3: Error in fread() reading object"
contains err.txt "(the file is damaged or truncated)"
# A .shx whose offset for feature 5 points past the end of the .shp.
for f in shp dbf prj cpg; do cp "$D/map.$f" "badshx.$f"; done
cp "$D/map.shx" badshx.shx
printf '\177\377\377\360' | dd of=badshx.shx bs=1 seek=140 conv=notrunc 2>/dev/null
run 4 ingest ws.gpkg --map badshx.shp
contains err.txt "map 'badshx.shp' layer 'badshx' feature 5:"
eq "$before" "$(state)" "broken shapefiles change nothing"

# A DGN sheet that gives no parcel is read with the wrong profile: refused.
G="$FIX/dgn/sheets"
printf '[dgn]\nboundary_levels = 3\nparcel_level = 13\nfile_name = {commune}_{sheet}\n' >nolines.ini
run 4 ingest ws.gpkg --map "$G/11311_8.dgn" --map-profile ./nolines.ini --source-crs EPSG:9210
contains err.txt "map '$G/11311_8.dgn': no parcel: the boundary lines on level 3 close no face"
printf '[dgn]\nboundary_levels = 10\nparcel_level = 20\nfile_name = {commune}_{sheet}\n' >nolabels.ini
run 4 ingest ws.gpkg --map "$G/11311_8.dgn" --map-profile ./nolabels.ini --source-crs EPSG:9210
contains err.txt "no parcel: 4 faces on level 10, none with a parcel number on level 20"
eq "$before" "$(state)" "an empty DGN sheet changes nothing"

# A name longer than a spreadsheet cell holds would block every export.
long=$(head -c 32768 /dev/zero | tr '\0' 'a')
printf 'Mã xã,Số tờ,Số thửa,Họ tên chủ sử dụng\n11401,1,1,Lê Thị Hoa\n11401,1,2,%s\n' "$long" >long.csv
run 4 ingest ws.gpkg --register long.csv
contains err.txt "register 'long.csv' row 3, column 'Họ tên chủ sử dụng': 32768 characters, but a spreadsheet cell holds at most 32767"
eq "$before" "$(state)" "an over-long name changes nothing"

# Files that are not what their extension says are named for what they are.
: >empty.csv
run 4 ingest ws.gpkg --register empty.csv
contains err.txt "cannot read 'empty.csv' as CSV: it is an empty file"
printf 'M\000\343\000 \000x\000\n\000' >utf16.csv
printf '\377\376M\000\343\000\n\000' >utf16bom.csv
run 4 ingest ws.gpkg --register utf16bom.csv
contains err.txt "cannot read 'utf16bom.csv' as CSV: it is UTF-16 text (save it as UTF-8)"
run 4 ingest ws.gpkg --register utf16.csv
contains err.txt "cannot read 'utf16.csv' as CSV: it is UTF-16 text without a byte order mark"
printf '%%PDF-1.4\n' >scan.xlsx
run 4 ingest ws.gpkg --register scan.xlsx
contains err.txt "cannot read 'scan.xlsx' as XLSX: it is a PDF document"
cp "$D/register.csv" text.xls
run 4 ingest ws.gpkg --register text.xls
contains err.txt "cannot read 'text.xls' as XLS: it is text"
run 4 ingest ws.gpkg --register .
contains err.txt "cannot read '.' as CSV: it is a folder, not a file"
: >empty.gpkg
run 4 ingest ws.gpkg --map empty.gpkg
contains err.txt "cannot read map 'empty.gpkg': it is an empty file, not a map"
printf '\377\376W\000K\000T\000\n\000' >utf16.gpkg
run 4 ingest ws.gpkg --map utf16.gpkg
contains err.txt "cannot read map 'utf16.gpkg': it is UTF-16 text (save it as UTF-8), not a map"
# A NUL byte in a CSV is located, not taken for a missing separator.
printf 'Mã xã,Số tờ,Số thửa\n11401,1,1\n11401,1,2\000\n' >nul.csv
run 4 ingest ws.gpkg --register nul.csv
contains err.txt "'nul.csv' line 3, character 10: a NUL byte"
eq "$before" "$(state)" "mislabelled files change nothing"

# A damaged .xls is refused before GDAL's reader (FreeXL) sees it: here a
# cell pointing past the shared string table, and a file cut short.
R="$FIX/register/register.xls"
off=$(od -An -tx1 -v "$R" | tr -d ' \n' | grep -bo 'fd000a00' | head -n 1 | cut -d: -f1)
cp "$R" badsst.xls
printf '\377\377\377\177' | dd of=badsst.xls bs=1 seek=$((off / 2 + 10)) conv=notrunc 2>/dev/null
run 4 ingest ws.gpkg --register badsst.xls
contains err.txt "'badsst.xls' is not a sound .xls workbook: record 0x00FD at byte"
contains err.txt "shared string 2147483647, but the table has"
head -c 3000 "$R" >cut.xls
run 4 ingest ws.gpkg --register cut.xls
contains err.txt "'cut.xls' is not a sound .xls workbook"
# The same check guards C06 replies.
run 4 reconcile ws.gpkg badsst.xls
contains err.txt "not a sound .xls workbook"
eq "$before" "$(state)" "damaged workbooks change nothing"

# Options are checked before any file, whether or not it was read before.
run 3 ingest ws.gpkg --register "$D/register.csv" --map-profile ""
contains err.txt "--map-profile is empty"
run 3 ingest ws.gpkg --map "$D/map.gpkg" --map-profile ""
contains err.txt "--map-profile is empty"
run 3 ingest ws.gpkg --register "$D/register.csv" --encoding klingon
contains err.txt "unknown encoding 'klingon'"
run 3 ingest ws.gpkg --register "$D/register.csv" --commune 11a11
contains err.txt "--commune '11a11' is not a commune code"
run 0 ingest ws.gpkg --map "$D/map.gpkg"
run 3 ingest ws.gpkg --map "$D/map.gpkg" --source-crs EPSG:999999
contains err.txt "--source-crs 'EPSG:999999' is not a CRS GDAL knows"
eq 12 "$(q ws.gpkg "SELECT COUNT(*) FROM parcels")" "parcels after bad options"

# The options a file was read with are part of what it is: the same file with
# a corrected --source-crs is read again, its earlier rows replaced.
cp "$D/map.shp" noprj.shp; cp "$D/map.shx" noprj.shx; cp "$D/map.dbf" noprj.dbf
run 0 init crs.gpkg --crs EPSG:9210
run 1 ingest crs.gpkg --map noprj.shp
x0=$(qs crs.gpkg "SELECT printf('%.0f', MbrMinX(geom)) FROM parcels WHERE sheet = 1 AND parcel = 1 AND commune = '11311'")
run 0 ingest crs.gpkg --map noprj.shp --source-crs EPSG:9209
contains out.txt "noprj.shp: 12 parcels, read again with the new options, replacing the earlier rows"
expect=$(qs "$D/map.gpkg" "SELECT printf('%.6f %.6f', MbrMinX(geom), MbrMinY(geom)) FROM parcels WHERE MaXa = 11311 AND SoTo = 1 AND SoThua = 1" |
	cs2cs -f %.0f EPSG:9209 EPSG:9210 | awk '{print $1}')
got=$(qs crs.gpkg "SELECT printf('%.0f', MbrMinX(geom)) FROM parcels WHERE sheet = 1 AND parcel = 1 AND commune = '11311'")
eq "$expect" "$got" "re-read in EPSG:9209"
[ "$x0" != "$got" ] && ok || fail "the corrected CRS moved nothing ($x0)"
eq "12|1" "$(q crs.gpkg "SELECT COUNT(*), COUNT(DISTINCT source_id) FROM parcels")" "one set of parcels"
eq "source-crs=EPSG:9209" "$(q crs.gpkg "SELECT options FROM sources" | tr ';' '\n' | grep source-crs)" "options recorded"
# ...and a corrected --encoding too.
S="$FIX/shp"
run 0 init enc.gpkg --crs EPSG:9210
run 0 ingest enc.gpkg --map "$S/tcvn3.shp" --encoding cp1258
wrong=$(q enc.gpkg "SELECT json_extract(attrs, '$.TenChu') FROM parcels WHERE commune = '11311' AND sheet = 1 AND parcel = 1")
run 0 ingest enc.gpkg --map "$S/tcvn3.shp" --encoding tcvn3
contains out.txt "read again with the new options"
eq "Nguyễn Thị Hồng Nhung" "$(q enc.gpkg "SELECT json_extract(attrs, '$.TenChu') FROM parcels WHERE commune = '11311' AND sheet = 1 AND parcel = 1")" "re-read as TCVN3"
[ "$wrong" != "Nguyễn Thị Hồng Nhung" ] && ok || fail "cp1258 read the name right"
done_testing
