#!/bin/sh
# Sources as offices hand them over (issue #13): known by content, not path
# (a moved or renamed register or sheet changes nothing), a newer export of
# the same communes and sheets replaces the older in one transaction,
# 'thuadat sources' lists them and removes one (audited); maps through a
# column profile (ViLIS field names), a two-layer GeoPackage with a
# building layer, --layer, and a generic-geometry layer made by ogr2ogr.
. "$(dirname "$0")/lib.sh"

D="$FIX/demo"
run 0 init ws.gpkg --crs EPSG:9210
run 0 ingest ws.gpkg --map "$D/map.gpkg" --register "$D/register.csv"
runs=$(q ws.gpkg "SELECT COUNT(*) FROM runs")

# Moved to another folder, renamed: the same source, nothing changes.
mkdir -p delivered/11311
cp "$D/register.csv" delivered/11311/so-dia-chinh-2026.csv
run 0 ingest ws.gpkg --register delivered/11311/so-dia-chinh-2026.csv
contains out.txt "so-dia-chinh-2026.csv: unchanged since the last ingest"
cp "$D/register.csv" "renamed register.csv"
run 0 ingest ws.gpkg --register "renamed register.csv"
contains out.txt "renamed register.csv: unchanged since the last ingest"
cp "$D/map.gpkg" ban-do.gpkg
run 0 ingest ws.gpkg --map ban-do.gpkg
contains out.txt "ban-do.gpkg: unchanged since the last ingest"
eq "$runs|12|13|2" "$(q ws.gpkg "SELECT (SELECT COUNT(*) FROM runs), (SELECT COUNT(*) FROM parcels),
	(SELECT COUNT(*) FROM register_rows), (SELECT COUNT(*) FROM sources)")" "nothing doubled, nothing written"

# A supplement with rows for parcels no register holds yet is added beside it.
printf 'Mã xã,Số tờ,Số thửa,Diện tích\n11311,2,2,600.0\n' >supplement.csv
run 0 init sup.gpkg --crs EPSG:9210
run 0 ingest sup.gpkg --register "$D/register.csv"
run 0 ingest sup.gpkg --register supplement.csv
eq "14|2" "$(q sup.gpkg "SELECT COUNT(*), COUNT(DISTINCT source_id) FROM register_rows")" "supplement added"
# ...but one holding a parcel already held, without the same sheets, is refused.
printf 'Mã xã,Số tờ,Số thửa,Diện tích\n11311,2,1,600.0\n' >again.csv
run 3 ingest sup.gpkg --register again.csv
contains err.txt "register 'again.csv' and source 1 '$D/register.csv' both hold parcel 11311/2/1"

# The sources, with their counts.
run 0 sources ws.gpkg
contains out.txt "   1  map               12  "
contains out.txt "   2  register          13  "
contains out.txt "$D/register.csv"
run 0 --json sources ws.gpkg
eq 2 "$(grep -c '"kind":"' out.txt)" "one JSON object per source"
contains out.txt '"id":2,"kind":"register","records":13,'

# A newer export of the same map (one parcel's land use corrected) replaces it.
ogr2ogr -f GPKG newer.gpkg "$D/map.gpkg" -sql "SELECT geom, MaXa, SoTo, SoThua,
	CASE WHEN MaXa = 11311 AND SoTo = 1 AND SoThua = 1 THEN 'ODT' ELSE LoaiDat END AS LoaiDat, DienTich FROM parcels" \
	-nln parcels 2>/dev/null
run 0 ingest ws.gpkg --map newer.gpkg
contains out.txt "newer.gpkg: 12 parcels, replacing source 1 '$D/map.gpkg'"
eq "12|ODT" "$(q ws.gpkg "SELECT COUNT(*), MAX(CASE WHEN commune = '11311' AND sheet = 1 AND parcel = 1 THEN landuse END) FROM parcels")" "the newer map in place"
eq "map|register" "$(q ws.gpkg "SELECT group_concat(kind, '|') FROM (SELECT kind FROM sources ORDER BY kind)")" "one map source"

# The map's own land-use codes are checked like the register's.
ogr2ogr -f GPKG badcode.gpkg "$D/map.gpkg" -sql "SELECT geom, MaXa, SoTo, SoThua,
	CASE WHEN MaXa = 11311 AND SoTo = 1 AND SoThua = 2 THEN 'XYZ' ELSE LoaiDat END AS LoaiDat, DienTich FROM parcels" \
	-nln parcels 2>/dev/null
run 0 init code.gpkg --crs EPSG:9210
run 0 ingest code.gpkg --map badcode.gpkg --register "$D/register.csv"
run 2 check code.gpkg --today 2026-11-01 --findings-csv code.csv
contains code.csv "LANDUSE_UNKNOWN,error,đúng,11311,1,2,"
contains code.csv "map feature 2: land-use code 'XYZ' is in no list"
eq 0 "$(grep -c 'map feature [0-9]*: land-use code .ONT.' code.csv)" "codes the register repeats are not reported twice"

# Removing a source removes its rows, in an audited transaction.
map_id=$(q ws.gpkg "SELECT id FROM sources WHERE kind = 'map'")
run 0 sources ws.gpkg --remove "$map_id"
contains out.txt "removed source $map_id (map, 12 records)"
eq "0|13|1" "$(q ws.gpkg "SELECT (SELECT COUNT(*) FROM parcels), (SELECT COUNT(*) FROM register_rows), (SELECT COUNT(*) FROM sources)")" "the map's parcels gone"
eq "sources" "$(q ws.gpkg "SELECT command FROM audit_log ORDER BY id DESC LIMIT 1")" "audited"
contains "$(q ws.gpkg "SELECT changes FROM audit_log ORDER BY id DESC LIMIT 1" >changes.txt; echo changes.txt)" '"parcels"'
run 0 audit verify ws.gpkg
run 3 sources ws.gpkg --remove 99
contains err.txt "the workspace has no source 99"
reg_id=$(q ws.gpkg "SELECT id FROM sources WHERE kind = 'register'")
run 0 sources ws.gpkg --remove "$reg_id"
eq "0|0" "$(q ws.gpkg "SELECT (SELECT COUNT(*) FROM register_rows), (SELECT COUNT(*) FROM owners)")" "rows and unverified owners gone"

# A ViLIS export: shbando, shthua, dientich, maloaidat (the default map column profile).
ogr2ogr -f "ESRI Shapefile" vilis.shp "$D/map.gpkg" -sql "SELECT geom, MaXa AS maxa, SoTo AS shbando, SoThua AS shthua,
	DienTich AS dientich, LoaiDat AS maloaidat FROM parcels" 2>/dev/null
run 0 init vilis.gpkg --crs EPSG:9210
run 0 ingest vilis.gpkg --map vilis.shp
contains out.txt "vilis.shp: 12 parcels"
eq "11311|1|1|ONT|500.0" "$(q vilis.gpkg "SELECT commune, sheet, parcel, landuse, map_area FROM parcels ORDER BY commune, sheet, parcel LIMIT 1")" "ViLIS fields"
# A vendor's own names through its own profile (and nothing found without it).
ogr2ogr -f "ESRI Shapefile" vendor.shp "$D/map.gpkg" -sql "SELECT geom, MaXa AS XA, SoTo AS TO_SO, SoThua AS THUA_SO,
	LoaiDat AS MUC_DICH FROM parcels" 2>/dev/null
run 4 ingest vilis.gpkg --map vendor.shp
contains err.txt "map 'vendor.shp' has no polygon layer with sheet and parcel fields named in '$TD_SRC/schemas/maps/default.ini' (its layers: 'vendor')"
printf '[columns]\ncommune = XA\nsheet = Tờ số | TO_SO\nparcel = THUA_SO\nlanduse = MUC_DICH\n' >vendor.ini
run 3 ingest vilis.gpkg --map vendor.shp --map-profile ./vendor.ini --layer ""
contains err.txt "--layer is empty"
printf '[columns]\ncommune = XA\nsheet = Tờ số | TO_SO\nparcel = THUA_SO\nowner = TEN\n' >bad.ini
run 3 ingest vilis.gpkg --map vendor.shp --map-profile ./bad.ini
contains err.txt "unknown map column 'owner'"
run 0 init vendor.gpkg --crs EPSG:9210
run 0 ingest vendor.gpkg --map vendor.shp --map-profile ./vendor.ini
eq "$(q "$D/map.gpkg" "SELECT COUNT(*), group_concat(LoaiDat, ',') FROM (SELECT LoaiDat FROM parcels ORDER BY MaXa, SoTo, SoThua)")" \
	"$(q vendor.gpkg "SELECT COUNT(*), group_concat(landuse, ',') FROM (SELECT landuse FROM parcels ORDER BY commune, sheet, parcel)")" "a vendor's profile"

# A GeoPackage delivery with a second polygon layer (buildings, NhaO): the
# parcel layer is the one with sheet and parcel fields; NhaO is skipped, said.
ogr2ogr -f GPKG two.gpkg "$D/map.gpkg" -nln thua 2>/dev/null
ogr2ogr -update two.gpkg "$D/map.gpkg" -nln NhaO -sql "SELECT geom, 'nha' AS loai FROM parcels" 2>/dev/null
run 0 init two-ws.gpkg --crs EPSG:9210
run 1 ingest two-ws.gpkg --map two.gpkg
contains err.txt "layer 'NhaO' skipped: it has no sheet and parcel fields, so it is not the parcel layer"
eq 12 "$(q two-ws.gpkg "SELECT COUNT(*) FROM parcels")" "only the parcel layer"
run 0 init layer.gpkg --crs EPSG:9210
run 0 ingest layer.gpkg --map two.gpkg --layer thua
eq 12 "$(q layer.gpkg "SELECT COUNT(*) FROM parcels")" "--layer thua"
run 3 ingest layer.gpkg --map two.gpkg --layer nosuch
contains err.txt "map 'two.gpkg' has no layer 'nosuch' (its layers: 'thua', 'NhaO')"
run 4 ingest layer.gpkg --map two.gpkg --layer NhaO
contains err.txt "map 'two.gpkg' layer 'NhaO' has no commune code field (expected one of MaXa, Ma_Xa,"

# A layer of generic geometry type (ogr2ogr from CSV WKT) whose features are polygons.
ogr2ogr -f GPKG generic.gpkg "$D/map.csv" -oo GEOM_POSSIBLE_NAMES=WKT -oo KEEP_GEOM_COLUMNS=NO -a_srs EPSG:9210 2>/dev/null
eq "Unknown (any)" "$(ogrinfo -so generic.gpkg map | sed -n 's/^Geometry: //p')" "the layer's type is generic"
run 0 init generic-ws.gpkg --crs EPSG:9210
run 0 ingest generic-ws.gpkg --map generic.gpkg
eq "$(qs "$D/map.gpkg" "SELECT COUNT(*), printf('%.1f', SUM(ST_Area(geom))) FROM parcels")" \
	"$(qs generic-ws.gpkg "SELECT COUNT(*), printf('%.1f', SUM(ST_Area(geom))) FROM parcels")" "generic layer ingested"
done_testing
