#!/bin/sh
# check on generated data finds exactly the injected defects: every truth
# row with its rule and keys, and nothing else (precision and recall 1.0).
. "$(dirname "$0")/lib.sh"

"$TD_BIN/gen" --parcels 3000 --seed 42 --defect-rate 0.03 --communes 2 --out data || fail "gen failed"
run 0 init ws.gpkg --crs EPSG:9210
run 0 ingest ws.gpkg --map data/map.gpkg --register data/register.csv
run 2 check ws.gpkg --today 2026-11-01 --findings-csv findings.csv
tail -n +2 findings.csv | cut -d, -f1,4,5,6 | sort >found.txt
tail -n +2 data/truth.csv | sort >truth.txt
same truth.txt found.txt
eq 90 "$(wc -l <found.txt | tr -d ' ')" "findings"
for rule in GEOM_SELF_INTERSECTION AREA_MISMATCH MAP_NO_REGISTER REGISTER_NO_MAP OVERLAP GAP SLIVER DUPLICATE_KEY CCCD_INVALID CHANGE_OVERDUE; do
	eq 1 "$(grep -c "^$rule," found.txt | awk '{print ($1 > 0)}')" "$rule found at least once"
done

# Groups, recomputed here from the findings and the rule list: a parcel
# named by an error-level finding (as parcel or other parcel) takes the
# highest group of those rules; every other parcel is in group 1.
run 2 classify ws.gpkg --groups-csv groups.csv
"$THUADAT" check --list-rules >rules.txt
awk -F, 'FNR == NR { split($0, f, " "); group[f[1]] = f[5]; next }
	FNR == 1 { next }
	$2 == "error" { k = $4 "," $5 "," $6; if (group[$1] > g[k]) g[k] = group[$1]
			if ($7 != "") { k = $7 "," $8 "," $9; if (group[$1] > g[k]) g[k] = group[$1] } }
	END { for (k in g) print k "," g[k] }' rules.txt findings.csv | sort >expected-groups.txt
awk -F, 'NR > 1 && $4 > 1 { print $1 "," $2 "," $3 "," $4 }' groups.csv | sort >got-groups.txt
same expected-groups.txt got-groups.txt
eq "$(tail -n +2 groups.csv | wc -l | tr -d ' ')" "$(q ws.gpkg "SELECT COUNT(*) FROM (SELECT commune, sheet, parcel FROM parcels UNION SELECT commune, sheet, parcel FROM register_rows)")" "every parcel graded"
done_testing
