#!/bin/sh
# ingest: exact counts and values from the demo map (GeoPackage and
# shapefile) and register CSV; idempotence; replacement of a changed file;
# reprojection checked against cs2cs; located errors for bad input.
. "$(dirname "$0")/lib.sh"

D="$FIX/demo"
run 0 init ws.gpkg --crs EPSG:9210
run 0 ingest ws.gpkg --map "$D/map.gpkg" --register "$D/register.csv"
contains out.txt "map.gpkg: 12 parcels"
contains out.txt "register.csv: 13 rows"
eq 12 "$(q ws.gpkg "SELECT COUNT(*) FROM parcels")" "parcels"
eq 13 "$(q ws.gpkg "SELECT COUNT(*) FROM register_rows")" "register rows"
eq "11311|1|1|500.0|Nguyễn Thị Hồng Nhung|031185001234|1985|Nữ|2" \
	"$(q ws.gpkg "SELECT commune, sheet, parcel, area, owner_name, cccd, birth_year, gender, source_row
		FROM register_rows WHERE commune='11311' AND sheet=1 AND parcel=1")" "first register row"
eq "001088001111" "$(q ws.gpkg "SELECT cccd FROM register_rows WHERE owner_name='Hồ Quang Tuấn'")" "CCCD leading zero"
eq "500.0" "$(qs ws.gpkg "SELECT printf('%.1f', ST_Area(geom)) FROM parcels WHERE commune='11311' AND sheet=1 AND parcel=1")" "area"
eq 2 "$(q ws.gpkg "SELECT COUNT(*) FROM register_rows WHERE commune='11329' AND sheet=1 AND parcel=1")" "co-owners"
# One owner per person, linked from every row.
eq "13|0" "$(q ws.gpkg "SELECT COUNT(*), SUM(verification <> 'unverified') FROM owners")" "owners"
eq "cccd:001088001111|Hồ Quang Tuấn|1988" "$(q ws.gpkg "SELECT o.person_key, o.name, o.birth_year FROM owners o
	JOIN register_rows r ON r.owner_id = o.id WHERE r.commune='11329' AND r.parcel=2")" "owner of 11329/1/2"
runs=$(q ws.gpkg "SELECT COUNT(*) FROM runs")
eq 1 "$runs" "one run recorded"

# The same files again change nothing, not even the run log.
run 0 ingest ws.gpkg --map "$D/map.gpkg" --register "$D/register.csv"
contains out.txt "unchanged since the last ingest"
eq 12 "$(q ws.gpkg "SELECT COUNT(*) FROM parcels")" "parcels after re-ingest"
eq "$runs" "$(q ws.gpkg "SELECT COUNT(*) FROM runs")" "runs after re-ingest"

# Sources are known by content, not path: the same register copied under
# another name changes nothing.
cp "$D/register.csv" reg.csv
run 0 ingest ws.gpkg --register reg.csv
contains out.txt "reg.csv: unchanged since the last ingest"
contains out.txt "register.csv')"
eq 13 "$(q ws.gpkg "SELECT COUNT(*) FROM register_rows")" "a copy adds nothing"
eq "$runs" "$(q ws.gpkg "SELECT COUNT(*) FROM runs")" "runs after a copy"
# A newer export covering the same communes and sheets replaces the older.
reg_id=$(q ws.gpkg "SELECT id FROM sources WHERE kind = 'register'")
sed 's/Hồ Quang Tuấn/Hồ Quang Tuân/' "$D/register.csv" >newer.csv
run 0 ingest ws.gpkg --register newer.csv
contains out.txt "newer.csv: 13 rows"
contains out.txt "replacing source $reg_id"
eq "13|1|1" "$(q ws.gpkg "SELECT COUNT(*), COUNT(DISTINCT source_id), SUM(owner_name = 'Hồ Quang Tuân')
	FROM register_rows")" "the newer export in place of the older"
eq 1 "$(q ws.gpkg "SELECT COUNT(*) FROM sources WHERE kind = 'register'")" "one register source"
# One covering some of the same sheets but not all would double rows: refused
# unless --replace names the source it stands for.
reg_id=$(q ws.gpkg "SELECT id FROM sources WHERE kind = 'register'")
head -n 5 "$D/register.csv" >reg.csv
run 3 ingest ws.gpkg --register reg.csv
contains err.txt "register 'reg.csv' and source $reg_id"
contains err.txt "give --replace $reg_id"
run 3 ingest ws.gpkg --register reg.csv --replace 999
contains err.txt "--replace 999: the workspace has no other register source 999"
run 0 ingest ws.gpkg --register reg.csv --replace "$reg_id"
contains out.txt "reg.csv: 4 rows, replacing source $reg_id"
eq 4 "$(q ws.gpkg "SELECT COUNT(*) FROM register_rows")" "rows after --replace"
# A changed file at a path read before replaces its own rows.
head -n 4 "$D/register.csv" >reg.csv
run 0 ingest ws.gpkg --register reg.csv
contains out.txt "reg.csv: 3 rows, replacing the previous version"
head -n 5 "$D/register.csv" >reg.csv
run 0 ingest ws.gpkg --register reg.csv
eq 4 "$(q ws.gpkg "SELECT COUNT(*) FROM register_rows")" "rows after replacement"

# The shapefile of the same map gives the same parcels.
run 0 init shp.gpkg --crs EPSG:9210
run 0 ingest shp.gpkg --map "$D/map.shp"
eq "$(qs ws.gpkg "SELECT group_concat(commune||'/'||sheet||'/'||parcel||'='||printf('%.2f', ST_Area(geom)), ' ') FROM (SELECT * FROM parcels ORDER BY commune, sheet, parcel)")" \
	"$(qs shp.gpkg "SELECT group_concat(commune||'/'||sheet||'/'||parcel||'='||printf('%.2f', ST_Area(geom)), ' ') FROM (SELECT * FROM parcels ORDER BY commune, sheet, parcel)")" \
	"shapefile and GeoPackage agree"

# A map in the Hải Dương zone (EPSG:9209) is reprojected into EPSG:9210.
ogr2ogr -f GPKG hd.gpkg "$D/map.gpkg" -t_srs EPSG:9209 2>/dev/null
run 0 init re.gpkg --crs EPSG:9210
run 0 ingest re.gpkg --map hd.gpkg
xy=$(qs hd.gpkg "SELECT printf('%.6f %.6f', X(PointN(ExteriorRing(geom), 1)), Y(PointN(ExteriorRing(geom), 1))) FROM parcels WHERE MaXa=11311 AND SoTo=1 AND SoThua=1")
expect=$(echo "$xy" | cs2cs -f %.3f EPSG:9209 EPSG:9210 | awk '{print $1, $2}')
got=$(qs re.gpkg "SELECT printf('%.3f %.3f', X(PointN(ExteriorRing(GeometryN(geom, 1)), 1)), Y(PointN(ExteriorRing(GeometryN(geom, 1)), 1))) FROM parcels WHERE commune='11311' AND sheet=1 AND parcel=1")
eq "$expect" "$got" "reprojected vertex equals cs2cs to the millimetre"

# A map without a CRS is taken in the workspace CRS, with a warning (exit 1).
rm -f "$T"/noprj.*
cp "$D/map.shp" noprj.shp; cp "$D/map.shx" noprj.shx; cp "$D/map.dbf" noprj.dbf
run 0 init np.gpkg --crs EPSG:9210
run 1 ingest np.gpkg --map noprj.shp
contains err.txt "names no CRS; assumed the workspace CRS"

# Bad input: exit 4, naming the file, the row and the column.
run 4 ingest ws.gpkg --map missing.gpkg
contains err.txt "cannot read map 'missing.gpkg'"
printf 'Mã xã;Số tờ;Số thửa;Diện tích\n11311;1;1;500,5\n11311;1;2;12a\n' >bad.csv
run 4 ingest ws.gpkg --register bad.csv
contains err.txt "register 'bad.csv' row 3, column 'Diện tích': '12a' is not an area in m²"
printf 'Mã xã,Số tờ,Diện tích\n11311,1,500\n' >nokey.csv
run 4 ingest ws.gpkg --register nokey.csv
contains err.txt "register 'nokey.csv': no header row naming 'Số tờ' and 'Số thửa'"
printf 'Mã xã,Số tờ,Số thửa\n11311,x,1\n' >badsheet.csv
run 4 ingest ws.gpkg --register badsheet.csv
contains err.txt "register 'badsheet.csv' row 2: sheet number 'x' is not a positive whole number"
eq 4 "$(q ws.gpkg "SELECT COUNT(*) FROM register_rows")" "failed ingests changed nothing"

# Semicolons, a byte order mark, a decimal comma, a short commune code.
printf '\357\273\277MÃ XÃ;số tờ;Số Thửa;Diện tích\n1;3;7;"1234,5"\n' >semi.csv
run 0 ingest ws.gpkg --register semi.csv
eq "00001|3|7|1234.5" "$(q ws.gpkg "SELECT commune, sheet, parcel, area FROM register_rows WHERE sheet=3")" "semicolon CSV"

run 3 ingest ws.gpkg
contains err.txt "nothing to ingest"
done_testing
