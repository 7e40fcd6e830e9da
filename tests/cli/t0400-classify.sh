#!/bin/sh
# classify: groups with reasons for the demo data; refuses stale findings.
. "$(dirname "$0")/lib.sh"

D="$FIX/demo"
run 0 init ws.gpkg --crs EPSG:9210
run 0 ingest ws.gpkg --map "$D/map.gpkg" --register "$D/register.csv"
run 3 classify ws.gpkg
contains err.txt "has not been checked: run 'thuadat check' first"
run 2 check ws.gpkg --today 2026-11-01
run 2 classify ws.gpkg --groups-csv groups.csv
same "$TD_SRC/tests/cli/expected/demo-groups.csv" groups.csv
contains out.txt "11311            5         3         1"
contains out.txt "11329            2         1         1"
contains out.txt "total            7         4         2"
eq "1|1|3|1|2|1|2|2|1|1|1|2" "$(q ws.gpkg "SELECT group_concat(grp, '|') FROM (SELECT grp FROM parcels ORDER BY commune, sheet, parcel)")" "group written to the parcels layer"

# New data after the check: the findings are stale.
printf 'Mã xã,Số tờ,Số thửa,Diện tích\n11311,9,1,120\n' >reg.csv
run 0 ingest ws.gpkg --register reg.csv
run 3 classify ws.gpkg
contains err.txt "changed since the last check"
done_testing
