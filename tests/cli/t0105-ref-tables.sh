#!/bin/sh
# The national reference tables in schemas/ are exactly what
# scripts/ref-from-dvhcvn.sh makes from data/vn-2025/; their counts; the
# Hải Phòng crosswalk is the province-31 subset of the national one; every
# central meridian is the one of its EPSG code in PROJ; a malformed source
# stops the script with exit 4 naming the line.
. "$(dirname "$0")/lib.sh"

S="$TD_SRC/schemas"
sh "$TD_SRC/scripts/ref-from-dvhcvn.sh" "$TD_SRC/data/vn-2025" out && ok || fail "ref-from-dvhcvn.sh"
same "$S/ref/ref_provinces.csv" out/ref/ref_provinces.csv
same "$S/ref/ref_communes.csv" out/ref/ref_communes.csv
same "$S/crosswalk/vn-2025.csv" out/crosswalk/vn-2025.csv
eq 63 "$(tail -n +2 "$S/ref/ref_provinces.csv" | wc -l)" "63 province codes"
eq 3321 "$(grep -c ',2025-07-01,$' "$S/ref/ref_communes.csv")" "3,321 communes from 1 July 2025"
eq 10052 "$(grep -c ',,2025-06-30$' "$S/ref/ref_communes.csv")" "former communes"
eq 10604 "$(tail -n +2 "$S/crosswalk/vn-2025.csv" | wc -l)" "national crosswalk pairs"
eq 1012 "$(grep -c ',partial,' "$S/crosswalk/vn-2025.csv")" "partial pairs"
tail -n +2 "$S/crosswalk/haiphong-2025.csv" | sort >hp.txt
awk -F, 'NR == FNR { if (FNR > 1) c[$1] = 1; next } FNR > 1 && ($1 in c)' "$S/crosswalk/haiphong-2025.csv" "$S/crosswalk/vn-2025.csv" | sort >sub.txt
same hp.txt sub.txt
# Each row's central meridian is its EPSG code's lon_0 (projinfo), and its source says verified.
tail -n +2 "$S/ref/ref_provinces.csv" | awk -F, '{ print $1, $4, $5 }' | while read -r code cm epsg; do
	lon0=$(projinfo -o PROJ -q "EPSG:$epsg" | sed -n 's/.*+lon_0=\([0-9.]*\).*/\1/p')
	echo "$code $(awk -v a="$cm" -v b="$lon0" 'BEGIN { print (a - b < 1e-9 && b - a < 1e-9) ? "ok" : "BAD " a " " b }')"
done >meridians.txt
eq 0 "$(grep -vc ' ok$' meridians.txt)" "central meridians agree with PROJ's EPSG definitions"
eq 0 "$(tail -n +2 "$S/ref/ref_provinces.csv" | grep -vc ',"\{0,1\}verified: EPSG:')" "every meridian's source is verified"
mkdir bad
cp "$TD_SRC"/data/vn-2025/*.tsv bad/
printf '99\tX\t200\t1\tnone\n' >>bad/former_provinces_tm3.tsv
sh "$TD_SRC/scripts/ref-from-dvhcvn.sh" bad badout 2>err.txt
eq 4 $? "bad source exit code"
contains err.txt "former_provinces_tm3.tsv line 65: expected code, name, central_meridian, epsg, source"
done_testing
