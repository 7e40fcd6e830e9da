#!/bin/sh
# check: the demo data's four defects, each with its rule, keys, location,
# value and tolerance; the findings layer; re-running replaces findings.
. "$(dirname "$0")/lib.sh"

D="$FIX/demo"
run 0 init ws.gpkg --crs EPSG:9210
run 0 ingest ws.gpkg --map "$D/map.gpkg" --register "$D/register.csv"
run 2 check ws.gpkg --today 2026-11-01 --findings-csv findings.csv
contains out.txt "checked 12 map parcels and 12 register parcels in 2 communes: 6 errors, 1 warning"
same "$TD_SRC/tests/cli/expected/demo-findings.csv" findings.csv

ogrinfo -ro -so ws.gpkg findings >ogr.txt 2>&1
contains ogr.txt "Geometry: Point"
contains ogr.txt "Feature Count: 7"
eq "POINT (600050.0 2300012.5)" "$(ogrinfo -ro -q ws.gpkg -sql "SELECT geom FROM findings WHERE rule_id='GEOM_SELF_INTERSECTION'" | sed -n 's/^  \(POINT.*\)/\1/p')" "invalid polygon located by GEOS"

# Again: findings are replaced, not added.
run 2 check ws.gpkg --today 2026-11-01 --json
eq 7 "$(q ws.gpkg "SELECT COUNT(*) FROM findings")" "findings after second check"
contains out.txt '"errors":6,"warnings":1,"by_rule":{"GEOM_SELF_INTERSECTION":1,"AREA_MISMATCH":1,"LANDUSE_LEGACY":1,"CCCD_INVALID":1,"MAP_NO_REGISTER":1,"REGISTER_NO_MAP":1,"CHANGE_OVERDUE":1}'

# Clean data: exit 0.
head -n 3 "$D/register.csv" >clean.csv
run 0 init clean.gpkg --crs EPSG:9210
ogr2ogr -f GPKG clean-map.gpkg "$D/map.gpkg" -where "MaXa = 11311 AND SoTo = 1 AND SoThua IN (1, 2)" 2>/dev/null
run 0 ingest clean.gpkg --map clean-map.gpkg --register clean.csv
run 0 check clean.gpkg --today 2026-11-01
contains out.txt "2 map parcels and 2 register parcels in 1 commune: 0 errors, 0 warnings"

run 0 check --list-rules
contains out.txt "AREA_MISMATCH"
done_testing
