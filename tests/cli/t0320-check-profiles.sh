#!/bin/sh
# Rule profiles from the command line, commune boundaries (OUTSIDE_COMMUNE
# with its area as a polygon in finding_areas) and the acceptance gate.
. "$(dirname "$0")/lib.sh"

D="$FIX/demo"
run 0 init ws.gpkg --crs EPSG:9210
run 0 ingest ws.gpkg --map "$D/map.gpkg" --register "$D/register.csv"

# Boundaries: 11311 ends at x = 600180, so parcel 11311/2/3 (600160-600190 x 20 m) has 200 m² outside.
cat >b.csv <<'EOT'
WKT,MaXa,TenXa
"POLYGON((599990 2299990,600180 2299990,600180 2300060,599990 2300060,599990 2299990))",11311,Xã thử
"POLYGON((600990 2300990,601040 2300990,601040 2301020,600990 2301020,600990 2300990))",11329,Xã thử hai
EOT
ogr2ogr -f GPKG b.gpkg b.csv -a_srs EPSG:9210 -nlt POLYGON -oo GEOM_POSSIBLE_NAMES=WKT -oo KEEP_GEOM_COLUMNS=NO 2>/dev/null
run 0 ingest ws.gpkg --boundaries b.gpkg
contains out.txt "b.gpkg: 2 communes"
run 2 check ws.gpkg --today 2026-11-01 --findings-csv f.csv
contains f.csv "OUTSIDE_COMMUNE,error,đúng,11311,2,3,,,,600185.000,2300010.000,200.000,0.500,"
eq "200.0" "$(qs ws.gpkg "SELECT printf('%.1f', ST_Area(a.geom)) FROM finding_areas a JOIN findings f USING (fid) WHERE f.rule_id = 'OUTSIDE_COMMUNE'")" "outside part as a polygon"
ogrinfo -ro -so ws.gpkg finding_areas >ogr.txt 2>&1
contains ogr.txt "Geometry: Multi Polygon"

# A profile turning rules off and moving a rule's group.
cat >p.ini <<'EOT'
[severity]
CHANGE_OVERDUE = off
CCCD_INVALID = warning
[group]
AREA_MISMATCH = 3
[tolerance]
today = 2026-11-01
EOT
run 2 check ws.gpkg --profile p.ini --findings-csv f2.csv
eq 0 "$(grep -c CHANGE_OVERDUE f2.csv)" "rule off"
contains f2.csv "CCCD_INVALID,warning,"
run 2 classify ws.gpkg --profile p.ini --groups-csv g.csv
contains g.csv "11311,1,5,3,đúng,AREA_MISMATCH"
contains g.csv "11329,1,3,1,,"

# Located profile errors: exit 3.
printf '[severity]\nNO_SUCH_RULE = off\n' >bad.ini
run 3 check ws.gpkg --profile bad.ini
contains err.txt "'bad.ini' line 2: unknown rule 'NO_SUCH_RULE'"
run 3 check ws.gpkg --profile nosuch
contains err.txt "missing schema file"
run 3 check ws.gpkg --today 1/11/2026
contains err.txt "today '1/11/2026': expected YYYY-MM-DD"

# accept: the default profile allows no error-level finding.
run 2 accept ws.gpkg --today 2026-11-01 --findings-csv acc.csv
contains out.txt "NOT ACCEPTED"
contains out.txt "FAIL error-level findings: 7 (at most 0)"
contains out.txt "OUTSIDE_COMMUNE"
[ -s acc.csv ] && ok || fail "accept wrote no findings file"
printf '[tolerance]\ntoday = 2026-11-01\n[accept]\nmax_errors = any\nmax_outside_group1_percent = 60\n' >lenient.ini
run 0 accept ws.gpkg --profile lenient.ini --findings-csv acc.csv
contains out.txt "ACCEPTED: the delivery meets the profile's thresholds"
contains out.txt "parcels outside group 1: 7 of 13, 53.85 % (at most 60.00 %)"
printf '[accept]\nmax_errors = any\nmax_outside_group1_percent = 40\n' >strict.ini
run 2 --json accept ws.gpkg --profile strict.ini --today 2026-11-01 --findings-csv acc.csv
contains out.txt '"accepted":false'
done_testing
