#!/bin/sh
# Convert the shared list of Hải Phòng's 2025 merges (tab-separated:
# new_code, new_name, old_code, old_name, type) into thuadat's crosswalk
# format (schemas/crosswalk/README.md): CSV, one row per old -> new pair,
# codes as 5 digits (the island district code 318 becomes 00318, as ingest
# stores a short numeric code), sorted by old code, then new code.
# Exit 4 naming the line when the input is not that list.
# Usage: scripts/crosswalk-from-dvhcvn.sh IN.tsv > schemas/crosswalk/haiphong-2025.csv
set -eu
[ $# -eq 1 ] || { echo "usage: $0 haiphong_2025_merges_new_from_old.tsv" >&2; exit 3; }
LC_ALL=C awk -F '\t' '
function die(msg) { printf "%s line %d: %s\n", FILENAME, FNR, msg > "/dev/stderr"; bad = 1; exit 4 }
function code(s) {
	if (s !~ /^[0-9]+$/ || length(s) > 5) die("bad code \"" s "\"")
	return sprintf("%05d", s + 0)
}
function csv(s) {
	if (s ~ /[",\r\n]/) { gsub(/"/, "\"\"", s); return "\"" s "\"" }
	return s
}
FNR == 1 {
	if ($0 != "new_code\tnew_name\told_code\told_name\ttype") die("unexpected header")
	print "old_code,new_code,type,old_name,new_name"
	sorter = "LC_ALL=C sort -t, -k1,1 -k2,2"
	next
}
NF == 0 { next }
NF != 5 || ($5 != "full" && $5 != "partial") { die("expected 5 tab-separated fields ending in full or partial") }
{ print code($3) "," code($1) "," $5 "," csv($4) "," csv($2) | sorter }
END { if (!bad && sorter) close(sorter); if (bad) exit 4 }
' "$1"
