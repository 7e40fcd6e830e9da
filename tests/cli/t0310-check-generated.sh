#!/bin/sh
# check on generated data finds exactly the injected defects: every truth
# row with its rule and keys, and nothing else (precision and recall 1.0).
. "$(dirname "$0")/lib.sh"

"$TD_BIN/gen" --parcels 3000 --seed 42 --defect-rate 0.03 --communes 2 --out data || fail "gen failed"
run 0 init ws.gpkg --crs EPSG:9210
run 0 ingest ws.gpkg --map data/map.gpkg --register data/register.csv
run 2 check ws.gpkg --findings-csv findings.csv
tail -n +2 findings.csv | cut -d, -f1,4,5,6 | sort >found.txt
tail -n +2 data/truth.csv | sort >truth.txt
same truth.txt found.txt
eq 90 "$(wc -l <found.txt | tr -d ' ')" "findings"
for rule in GEOM_INVALID AREA_MISMATCH MAP_NO_REGISTER REGISTER_NO_MAP; do
	eq 1 "$(grep -c "^$rule," found.txt | awk '{print ($1 > 0)}')" "$rule found at least once"
done

# Every parcel in the truth file has the group its rule implies.
run 2 classify ws.gpkg --groups-csv groups.csv
eq "$(grep -c -e '^GEOM_INVALID' -e '^REGISTER_NO_MAP' truth.txt)" "$(awk -F, '$4 == 3' groups.csv | wc -l | tr -d ' ')" "group 3 count"
eq "$(grep -c -e '^AREA_MISMATCH' -e '^MAP_NO_REGISTER' truth.txt)" "$(awk -F, '$4 == 2' groups.csv | wc -l | tr -d ' ')" "group 2 count"
done_testing
