#!/bin/sh
# ingest of DGN v7 maps: a commune folder of two sheets with separate labels,
# a combined-label sheet with its sheet number in TCVN3 text, the labels that
# could not be attached reported by check, the province zone as source CRS
# checked against cs2cs, idempotence, and a truncated DGN refused.
. "$(dirname "$0")/lib.sh"

G="$FIX/dgn"
run 0 init ws.gpkg --crs EPSG:9210
run 1 ingest ws.gpkg --map "$G/sheets" --source-crs EPSG:9210
contains out.txt "sheets: 9 parcels, CRS VN-2000 / TM-3 105-45"
contains err.txt "11311_7.dgn': 4 labels or lines could not be attached"
# Every face with a number is a parcel; sheet from the file name, labels by point-in-face.
eq "11311|7|1|ONT|9876.5|10000.0
11311|7|2|LUC|10000.0|10000.0
11311|7|3|CLN|120.25|10000.0
11311|7|4|ONT||10000.0
11311|7|6|DGT||10000.0
11311|8|1|ONT|10000.0|10000.0
11311|8|2|LUC|10000.0|10000.0
11311|8|3|CLN|9999.5|10000.0
11311|8|4|NTS||10000.0" \
	"$(qs ws.gpkg "SELECT commune, sheet, parcel, landuse, map_area, printf('%.1f', ST_Area(geom))
		FROM parcels ORDER BY commune, sheet, parcel")" "DGN parcels"
eq "600000.0 2310000.0" "$(qs ws.gpkg "SELECT printf('%.1f %.1f', MbrMinX(geom), MbrMinY(geom))
	FROM parcels WHERE sheet = 7 AND parcel = 1")" "parcel 7/1 in place"
eq 2 "$(q ws.gpkg "SELECT COUNT(*) FROM sources WHERE kind = 'map' AND reader = 'DGN'")" "one source per sheet"
eq "18" "$(q ws.gpkg "SELECT source_feature FROM parcels WHERE sheet = 7 AND parcel = 1")" "label element kept"
eq "label_missing|||600150.0|2310150.0|
label_outside|33||600350.0|2310050.0|8
label_twice|31|6|600210.0|2310120.0|7
line_dangling|16||600265.0|2310165.0|" \
	"$(q ws.gpkg "SELECT kind, element, parcel, x, y, text FROM map_problems ORDER BY kind")" "map problems"

# The same folder again changes nothing.
runs=$(q ws.gpkg "SELECT COUNT(*) FROM runs")
run 0 ingest ws.gpkg --map "$G/sheets" --source-crs EPSG:9210
contains out.txt "unchanged since the last ingest"
eq "$runs" "$(q ws.gpkg "SELECT COUNT(*) FROM runs")" "no run for an unchanged folder"

# Combined labels "ONT654/119.3"; the sheet number is TCVN3 text on level 5;
# the commune from the file name 11329_a.dgn; the zone from the province.
run 0 ingest ws.gpkg --map "$G/combined" --map-profile dgn-combined-label --source-province 31
eq "11329|3|654|ONT|119.3
11329|3|655|CLN|88.0" "$(q ws.gpkg "SELECT commune, sheet, parcel, landuse, map_area FROM parcels
	WHERE commune = '11329' ORDER BY parcel")" "combined labels"

# check reports what could not be attached.
run 2 check ws.gpkg --findings-csv f.csv --today 2026-11-01
grep '^MAP_LABEL\|^MAP_LINE' f.csv >map.csv
printf '%s\n' \
	"MAP_LABEL_MISSING,error,đủ,11311,7,,,,,600150.000,2310150.000,,,a face of sheet 11311/7 has no parcel number" \
	"MAP_LABEL_OUTSIDE,warning,đúng,11311,7,,,,,600350.000,2310050.000,,,DGN element 33: label '8' lies inside no parcel" \
	"MAP_LINE_DANGLING,warning,đúng,11311,7,,,,,600265.000,2310165.000,,,DGN element 16: a boundary line closes no parcel" \
	"MAP_LABEL_TWICE,error,đúng,11311,7,6,,,,600210.000,2310120.000,,,DGN element 31: a second parcel number '7' in the face of parcel 6" \
	>expected.csv
same expected.csv map.csv
run 2 classify ws.gpkg
eq "2" "$(q ws.gpkg "SELECT grp FROM parcel_grade WHERE sheet = 7 AND parcel = 6")" "a face with two numbers: group 2"

# A Hải Dương sheet (province 30, 105°30') into the Hải Phòng zone, to 1 mm of cs2cs.
run 0 init hp.gpkg --crs EPSG:9210
run 0 ingest hp.gpkg --map "$G/sheets/11311_8.dgn" --source-province 30
set -- $(echo "600000 2310300" | cs2cs -f '%.4f' EPSG:9209 EPSG:9210)
eq 1 "$(qs hp.gpkg "SELECT ST_Distance(ST_DissolvePoints(geom), MakePoint($1, $2)) < 0.001 FROM parcels
	WHERE parcel = 1")" "province zone reprojection: a corner within 1 mm of cs2cs"
run 3 ingest hp.gpkg --map "$G/sheets" --source-province 99
contains err.txt "99"

# Bad input: a truncated DGN, an unknown profile, a name without a sheet; nothing changes.
runs=$(q ws.gpkg "SELECT COUNT(*) FROM runs")
parcels=$(q ws.gpkg "SELECT COUNT(*) FROM parcels")
mkdir bad && cp "$G/truncated.dgn" bad/11311_9.dgn
run 4 ingest ws.gpkg --map bad --source-crs EPSG:9210
contains err.txt "11311_9.dgn"
contains err.txt "truncated"
run 3 ingest ws.gpkg --map "$G/sheets" --map-profile nosuch
contains err.txt "nosuch"
# (into a new workspace: in ws.gpkg the same bytes are a sheet read before)
cp "$G/sheets/11311_8.dgn" nosheet.dgn
run 0 init new.gpkg --crs EPSG:9210
run 4 ingest new.gpkg --map nosheet.dgn --source-crs EPSG:9210
contains err.txt "map 'nosheet.dgn': no commune code"
run 4 ingest new.gpkg --map nosheet.dgn --commune 11311 --source-crs EPSG:9210
contains err.txt "map 'nosheet.dgn': no sheet number"
# The same sheet under another name is the sheet read before: nothing changes.
run 0 ingest ws.gpkg --map nosheet.dgn --source-crs EPSG:9210
contains out.txt "nosheet.dgn: unchanged since the last ingest"
contains out.txt "11311_8.dgn')"
eq "$runs" "$(q ws.gpkg "SELECT COUNT(*) FROM runs")" "runs after bad input"
eq "$parcels" "$(q ws.gpkg "SELECT COUNT(*) FROM parcels")" "parcels after bad input"

done_testing
