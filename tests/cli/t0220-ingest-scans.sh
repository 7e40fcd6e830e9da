#!/bin/sh
# The scan inventory: files matched to parcels by name, real formats told
# from fakes by their first bytes, unmatched files kept and reported, and
# SCAN_MISSING for every parcel without a readable scan.
. "$(dirname "$0")/lib.sh"

D="$FIX/demo"
mkdir -p scans/to1
printf '%%PDF-1.4\n%%fake but well-formed header\n' >scans/to1/11311_1_1_GCN.pdf
printf '\377\330\377\340JFIF' >scans/to1/11311_1_2_cccd.jpg
printf 'this is not a PDF' >scans/to1/11311_1_4_GCN.pdf
printf 'notes' >scans/readme.txt
run 0 init ws.gpkg --crs EPSG:9210
run 0 ingest ws.gpkg --map "$D/map.gpkg" --register "$D/register.csv"
run 1 ingest ws.gpkg --scans scans
contains out.txt "scans: 4 files"
contains err.txt "1 files whose names do not match '{commune}_{sheet}_{parcel}_{kind}' belong to no parcel"
contains err.txt "2 files are not a readable PDF, JPEG, PNG or TIFF"
eq "readme.txt||0|||
to1/11311_1_1_GCN.pdf|GCN|1|11311|1|1
to1/11311_1_2_cccd.jpg|CCCD|1|11311|1|2
to1/11311_1_4_GCN.pdf|GCN|0|11311|1|4" "$(q ws.gpkg "SELECT path, kind, readable, commune, sheet, parcel FROM scans ORDER BY path")" "inventory"
eq "5|8" "$(q ws.gpkg "SELECT size, length(checksum) FROM scans WHERE path = 'readme.txt'")" "size and checksum recorded"

# Unchanged folder: nothing changes; a new file: the inventory is replaced.
run 0 ingest ws.gpkg --scans scans
contains out.txt "unchanged since the last ingest"
printf '%%PDF-1.7' >scans/11311_1_4_GCN.pdf
run 1 ingest ws.gpkg --scans scans
contains out.txt "scans: 5 files, replacing the previous version"

run 2 check ws.gpkg --today 2026-11-01 --findings-csv f.csv
eq 10 "$(grep -c '^SCAN_MISSING,' f.csv)" "parcels without a readable scan"
eq 0 "$(grep -c '^SCAN_MISSING,error,đủ,11311,1,[124],' f.csv)" "parcels with one"
run 3 ingest ws.gpkg --scans scans --scan-pattern '{sheet}_{parcel}'
contains err.txt "must contain {commune}, {sheet} and {parcel}"
# A kind of 16+ letters (once read past its buffer) is kept whole; one of
# 64+ letters is no kind: the file matches no parcel.
mkdir -p long
printf '%%PDF' >long/10507_1_1_GIAYCHUNGNHANQSDD.pdf
printf '%%PDF' >long/10507_1_2_$(printf 'K%.0s' $(seq 64)).pdf
run 0 init long.gpkg --crs EPSG:9210
run 1 ingest long.gpkg --scans long
eq "10507_1_1_GIAYCHUNGNHANQSDD.pdf|GIAYCHUNGNHANQSDD|1
10507_1_2_$(printf 'K%.0s' $(seq 64)).pdf||0" \
	"$(q long.gpkg "SELECT path, coalesce(kind, ''), parcel IS NOT NULL FROM scans ORDER BY path")" "long kinds"
# An empty folder is an empty inventory (it once sorted a NULL array).
mkdir -p empty
run 0 ingest long.gpkg --scans empty
contains out.txt "empty: 0 files"
run 4 ingest ws.gpkg --scans nosuchdir
contains err.txt "cannot read scan folder 'nosuchdir'"
done_testing
