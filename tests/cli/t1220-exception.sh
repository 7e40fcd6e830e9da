#!/bin/sh
# Accepted exceptions: the finding stays but no longer counts against the
# parcel's group or the acceptance gate; it survives re-ingesting unchanged
# files and lapses when the parcel's data changes.
. "$(dirname "$0")/lib.sh"

"$TD_BIN/gen" --parcels 2000 --seed 5 --defect-rate 0.02 --communes 1 --out data || fail "gen failed"
# An AREA_MISMATCH parcel: its only defect (gen plants one per parcel).
K=$(awk -F, '$1 == "AREA_MISMATCH" { print $2 "/" $3 "/" $4; exit }' data/truth.csv)
C=${K%%/*} R=${K#*/}; S=${R%/*} P=${R#*/}
cp data/register.csv register.csv
run 0 init ws.gpkg --crs EPSG:9210
run 0 ingest ws.gpkg --map data/map.gpkg --register register.csv
run 2 check ws.gpkg --today 2026-11-01 --json
errors=$(sed -n 's/.*"errors":\([0-9]*\),.*/\1/p' out.txt)
run 2 classify ws.gpkg --groups-csv g0.csv
eq "$C,$S,$P,2" "$(grep "^$C,$S,$P," g0.csv | cut -d, -f1-4)" "group before"

# Usage and input errors change nothing.
run 3 exception add ws.gpkg --rule NO_SUCH_RULE --parcel "$K" --reason x
contains err.txt "unknown rule 'NO_SUCH_RULE'"
run 3 exception add ws.gpkg --rule AREA_MISMATCH --parcel "$C-$S-$P" --reason x
run 3 exception add ws.gpkg --rule AREA_MISMATCH --parcel "$K"
run 3 exception add ws.gpkg --rule AREA_MISMATCH --parcel "$K" --reason "  "
run 4 exception add ws.gpkg --rule OVERLAP --parcel "$K" --reason x
contains err.txt "parcel $K has no OVERLAP finding to accept"
eq 0 "$(q ws.gpkg "SELECT COUNT(*) FROM exceptions")" "no exception yet"

run 0 exception add ws.gpkg --rule AREA_MISMATCH --parcel "$K" --reason "đo đạc lại năm 2019, sổ chưa cập nhật"
contains out.txt "exception 1: AREA_MISMATCH on $K accepted"
run 0 exception add ws.gpkg --rule AREA_MISMATCH --parcel "$K" --reason "again"
eq 1 "$(q ws.gpkg "SELECT COUNT(*) FROM exceptions")" "adding it twice keeps one"
run 0 exception list ws.gpkg
contains out.txt "AREA_MISMATCH          $K"
contains out.txt "active"
# Grading and the gate leave it out; the finding is still in the layer.
run 2 classify ws.gpkg --groups-csv g1.csv
eq "$C,$S,$P,1" "$(grep "^$C,$S,$P," g1.csv | cut -d, -f1-4)" "group with the exception"
run 2 check ws.gpkg --today 2026-11-01 --json
contains out.txt "\"errors\":$((errors - 1)),"
contains out.txt "\"accepted\":1}"
eq 1 "$(q ws.gpkg "SELECT COUNT(*) FROM findings WHERE rule_id = 'AREA_MISMATCH' AND commune = '$C' AND sheet = $S AND parcel = $P")" "finding kept"
run 2 accept ws.gpkg --today 2026-11-01 --json
contains out.txt "\"errors\":$((errors - 1))"
# The commune's workbook lists it last among the findings, marked as accepted.
run 2 classify ws.gpkg
"$THUADAT" -q export ws.gpkg --out xlsx
OGR_XLSX_HEADERS=FORCE ogr2ogr -f CSV findings.csv xlsx/thuadat-$C.xlsx "Lỗi" || fail "read the findings sheet"
eq "AREA_MISMATCH,Ngoại lệ (đã chấp nhận),$S,$P" "$(tail -n 1 findings.csv | cut -d, -f1,2,4,5 | tr -d '"')" "accepted finding in the workbook"

# Re-ingesting the same files changes nothing; the exception holds.
run 0 ingest ws.gpkg --map data/map.gpkg --register register.csv
run 2 check ws.gpkg --today 2026-11-01 --json
contains out.txt "\"accepted\":1}"

# The register row changes (a new area, still wrong): the exception lapses.
awk -F, -v OFS=, -v c="$C" -v s="$S" -v p="$P" '$1 == c && $2 == s && $3 == p { $4 = $4 + 1 } { print }' \
	data/register.csv >register.csv
run 0 ingest ws.gpkg --map data/map.gpkg --register register.csv
run 2 check ws.gpkg --today 2026-11-01 --json
contains out.txt "\"errors\":$errors,"
contains out.txt "\"accepted\":0}"
run 2 classify ws.gpkg --groups-csv g2.csv
eq "$C,$S,$P,2" "$(grep "^$C,$S,$P," g2.csv | cut -d, -f1-4)" "group after the parcel changed"
run 0 exception list ws.gpkg --json
contains out.txt "\"active\":false"

run 0 exception remove ws.gpkg 1
run 4 exception remove ws.gpkg 1
contains err.txt "has no exception 1"
eq 0 "$(q ws.gpkg "SELECT COUNT(*) FROM exceptions")" "removed"
run 0 audit verify ws.gpkg
done_testing
