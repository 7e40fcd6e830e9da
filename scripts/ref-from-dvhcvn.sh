#!/bin/sh
# Make the national reference tables from data/vn-2025/ (see its SOURCE.txt):
#   schemas/ref/ref_provinces.csv   the 63 former provinces' VN-2000 TM-3
#                                   zones (former_provinces_tm3.tsv) and
#                                   the 34 provinces from 1 July 2025
#   schemas/ref/ref_communes.csv    the 3,321 communes from 1 July 2025 and
#                                   the former communes (until 30 June 2025)
#   schemas/crosswalk/vn-2025.csv   every old -> new commune pair
# Usage: scripts/ref-from-dvhcvn.sh [DATA_DIR [OUT_DIR]]
#   (defaults: data/vn-2025 and the source tree; OUT_DIR gets ref/ and crosswalk/)
# Exit 4 naming the file and line when an input is not what it should be.
set -eu
here=$(dirname "$0")
D=${1:-$here/../data/vn-2025}
O=${2:-$here/../schemas}
mkdir -p "$O/ref" "$O/crosswalk"

# ref_provinces: one row per province code. A code that goes on after
# 1 July 2025 (the new province kept the code of the former province of
# its seat) has the 2025 name, the former name and the seat's zone; a code
# that ended has valid_to 2025-06-30 and the 2025 province it went into.
LC_ALL=C awk -F '\t' '
function die(msg) { printf "%s line %d: %s\n", FILENAME, FNR, msg > "/dev/stderr"; bad = 1; exit 4 }
function csv(s) { if (s ~ /[",\r\n]/) { gsub(/"/, "\"\"", s); return "\"" s "\"" } return s }
FILENAME ~ /vn_2025_provinces/ {
	if (FNR == 1) { if ($0 != "code\tname\told_codes") die("unexpected header"); next }
	if (NF != 3 || $1 !~ /^[0-9][0-9]$/) die("expected code, name, old_codes")
	new[$1] = $2
	n = split($3, olds, ",")
	for (i = 1; i <= n; i++) { if (olds[i] in into) die("former province " olds[i] " twice"); into[olds[i]] = $1 }
	next
}
{
	if (FNR == 1) { if ($0 != "code\tname\tcentral_meridian\tepsg\tsource") die("unexpected header"); next }
	if (NF != 5 || $1 !~ /^[0-9][0-9]$/ || $3 !~ /^1[01][0-9](\.[0-9]+)?$/) die("expected code, name, central_meridian, epsg, source")
	code[++nf] = $1; fname[$1] = $2; cm[$1] = $3; epsg[$1] = $4; src[$1] = $5
}
END {
	if (bad) exit 4
	print "code,name,former_name,central_meridian,epsg,valid_from,valid_to,province_2025,source"
	for (i = 1; i <= nf; i++) {
		c = code[i]
		if (!(c in into)) { printf "former province %s is in no 2025 province\n", c > "/dev/stderr"; exit 4 }
		if (c in new) print c "," csv(new[c]) "," csv(fname[c]) "," cm[c] "," epsg[c] ",,," c "," csv(src[c])
		else print c "," csv(fname[c]) "," csv(fname[c]) "," cm[c] "," epsg[c] ",,2025-06-30," into[c] "," csv(src[c])
	}
	for (c in new) if (!(c in fname)) { printf "2025 province %s is no former province code\n", c > "/dev/stderr"; exit 4 }
}' "$D/vn_2025_provinces.tsv" "$D/former_provinces_tm3.tsv" >"$O/ref/ref_provinces.csv.tmp"
mv "$O/ref/ref_provinces.csv.tmp" "$O/ref/ref_provinces.csv"

# ref_communes: the 2025 units from 1 July 2025; each former commune until
# 30 June 2025, under the 2025 province its land went to (the source data
# does not name the former province). A code reused by a 2025 unit has one
# row for each period.
LC_ALL=C awk -F '\t' '
function die(msg) { printf "%s line %d: %s\n", FILENAME, FNR, msg > "/dev/stderr"; bad = 1; exit 4 }
function csv(s) { if (s ~ /[",\r\n]/) { gsub(/"/, "\"\"", s); return "\"" s "\"" } return s }
function code5(s) { if (s !~ /^[0-9]+$/ || length(s) > 5) die("bad code \"" s "\""); return sprintf("%05d", s + 0) }
FILENAME ~ /communes/ {
	if (FNR == 1) { if ($0 != "code\tname\tprovince") die("unexpected header"); next }
	if (NF != 3) die("expected code, name, province")
	print code5($1) "," csv($2) "," $3 ",2025-07-01," | sorter
	next
}
{
	if (FNR == 1) { if ($0 != "province\tnew_code\tnew_name\told_code\told_name\ttype") die("unexpected header"); next }
	if (NF != 6) die("expected 6 fields")
	o = code5($4)
	if (o in seen) next
	seen[o] = 1
	print o "," csv($5) "," $1 ",,2025-06-30" | sorter
}
BEGIN { print "code,name,province,valid_from,valid_to"; sorter = "LC_ALL=C sort -t, -k1,1 -k4,4" }
END { if (!bad) close(sorter); if (bad) exit 4 }' "$D/vn_2025_communes.tsv" "$D/vn_2025_merges_new_from_old.tsv" >"$O/ref/ref_communes.csv.tmp"
mv "$O/ref/ref_communes.csv.tmp" "$O/ref/ref_communes.csv"

# The national crosswalk, in the format of scripts/crosswalk-from-dvhcvn.sh.
cut -f 2- "$D/vn_2025_merges_new_from_old.tsv" >"$O/crosswalk/vn-2025.tsv.tmp"
sh "$here/crosswalk-from-dvhcvn.sh" "$O/crosswalk/vn-2025.tsv.tmp" >"$O/crosswalk/vn-2025.csv.tmp"
rm -f "$O/crosswalk/vn-2025.tsv.tmp"
mv "$O/crosswalk/vn-2025.csv.tmp" "$O/crosswalk/vn-2025.csv"
