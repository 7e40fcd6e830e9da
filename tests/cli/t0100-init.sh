#!/bin/sh
# init: a GeoPackage QGIS/GDAL open, mode 0600, schema version, CRS choices
# and the errors for existing files, unknown provinces and non-workspaces.
. "$(dirname "$0")/lib.sh"

run 0 init ws.gpkg --crs EPSG:9210
contains out.txt "srs_id 9210"
eq 600 "$(mode ws.gpkg)" "workspace mode"
eq 3 "$(q ws.gpkg "SELECT value FROM ws_meta WHERE key='schema_version'")" "schema version"
eq 1196444487 "$(q ws.gpkg "PRAGMA application_id")" "GeoPackage application_id"
ogrinfo -ro ws.gpkg >ogr.txt 2>&1
contains ogr.txt "1: parcels (Multi Polygon)"
contains ogr.txt "2: findings (Point)"
eq 53 "$(q ws.gpkg "SELECT COUNT(*) FROM ref_landuse")" "land-use codes loaded"
eq "HNK" "$(q ws.gpkg "SELECT maps_to FROM ref_landuse WHERE code='BHK'")" "legacy code mapping"
eq ok "$(q ws.gpkg "PRAGMA integrity_check")" "integrity"
[ ! -e ws.gpkg.lock ] && ok || fail "lock file left behind"

run 3 init ws.gpkg --crs EPSG:9210
contains err.txt "'ws.gpkg' already exists (use --force to replace it)"
run 0 init ws.gpkg --province 31 --force
eq 9210 "$(q ws.gpkg "SELECT srs_id FROM gpkg_geometry_columns WHERE table_name='parcels'")" "province 31 zone"
run 0 init hn.gpkg --province 01
eq 5897 "$(q hn.gpkg "SELECT srs_id FROM gpkg_geometry_columns WHERE table_name='parcels'")" "Hà Nội zone"

run 3 init x.gpkg --province 99
contains err.txt "unknown province code '99'"
run 3 init x.gpkg --crs EPSG:9210 --province 31
contains err.txt "usage: thuadat init"
run 3 init x.gpkg --crs NOT-A-CRS
contains err.txt "'NOT-A-CRS' is not a coordinate reference system"
run 3 init x.gpkg
[ ! -e x.gpkg ] && ok || fail "failed init left a file"
ls x.gpkg* 2>/dev/null | grep -q . && fail "failed init left temporary files" || ok

# Files that are not workspaces, or of another schema version: exit 4.
echo "not a database" >text.gpkg
run 4 check text.gpkg
contains err.txt "'text.gpkg' is not a thuadat workspace"
sqlite3 plain.gpkg "CREATE TABLE t(x)"
run 4 check plain.gpkg
contains err.txt "'plain.gpkg' is not a thuadat workspace"
cp ws.gpkg old.gpkg
sqlite3 old.gpkg "UPDATE ws_meta SET value='99' WHERE key='schema_version'"
run 4 check old.gpkg
contains err.txt "'old.gpkg' has workspace schema version 99; this thuadat reads version 3"
run 4 check missing.gpkg
contains err.txt "cannot open workspace 'missing.gpkg': No such file or directory"

done_testing
