#!/bin/sh
# merge refuses what it cannot do right, naming the cause: an old commune
# code the crosswalk lacks, bad crosswalk and sheet tables (file and line),
# a parcel ID issued in two inputs, bad usage. A killed merge leaves no
# output and the next one clears its leftovers; inputs are never changed.
. "$(dirname "$0")/lib.sh"

CW="$TD_SRC/schemas/crosswalk/haiphong-2025.csv"
D="$FIX/demo"
printf 'old_commune,old_sheet,new_commune,new_sheet\n' >sheets.csv

run 0 init hp.gpkg --crs EPSG:9210
run 0 ingest hp.gpkg --map "$D/map.gpkg" --register "$D/register.csv"
cat >hd-map.csv <<'EOF'
WKT,MaXa,SoTo,SoThua
"POLYGON((586000 2300000,586020 2300000,586020 2300025,586000 2300025,586000 2300000))",10507,1,1
"POLYGON((586020 2300000,586040 2300000,586040 2300025,586020 2300025,586020 2300000))",99999,1,2
"POLYGON((586040 2300000,586060 2300000,586060 2300025,586040 2300025,586040 2300000))",99999,1,3
"POLYGON((586060 2300000,586080 2300000,586080 2300025,586060 2300025,586060 2300000))",88888,1,1
EOF
ogr2ogr -q -f GPKG -nlt POLYGON -a_srs EPSG:9209 -oo GEOM_POSSIBLE_NAMES=WKT -oo KEEP_GEOM_COLUMNS=NO -nln parcels \
	hd-map.gpkg hd-map.csv && ok || fail "ogr2ogr"
run 0 init hd.gpkg --crs EPSG:9209
run 0 ingest hd.gpkg --map hd-map.gpkg
sum_before=$(cat hp.gpkg hd.gpkg | cksum)

# A code the crosswalk lacks: exit 4 naming it, the workspace and the counts; no output.
run 4 merge out.gpkg hp.gpkg hd.gpkg --crosswalk "$CW" --sheets sheets.csv
contains err.txt "workspace 'hd.gpkg': commune code '88888' is not in the crosswalk '$CW' (1 parcels, 0 register rows, 0 scans); and 1 more unknown code"
eq "" "$(ls | grep -e '^out\.gpkg' -e '^out-merge')" "no output after a refused merge"
qs hd.gpkg "DELETE FROM parcels WHERE commune = '88888'"
run 4 merge out.gpkg hp.gpkg hd.gpkg --crosswalk "$CW" --sheets sheets.csv
contains err.txt "commune code '99999' is not in the crosswalk '$CW' (2 parcels, 0 register rows, 0 scans)"
qs hd.gpkg "DELETE FROM parcels WHERE commune = '99999'"
sum_before=$(cat hp.gpkg hd.gpkg | cksum)

# Crosswalk and sheet table errors name the file and line.
printf 'old_code,new_code,type\n10507,10507,full\n10510,10507,ful\n' >cw1.csv
run 4 merge out.gpkg hp.gpkg hd.gpkg --crosswalk cw1.csv --sheets sheets.csv
contains err.txt "crosswalk 'cw1.csv' line 3, column 'type': 'ful' is not 'full' or 'partial'"
printf 'old_code,new_code\n10507,10507\n10507,10507\n' >cw2.csv
run 4 merge out.gpkg hp.gpkg hd.gpkg --crosswalk cw2.csv --sheets sheets.csv
contains err.txt "crosswalk 'cw2.csv' line 3: 10507 -> 10507 repeats line 2"
printf 'old_commune,old_sheet,new_commune,new_sheet\n10507,1,10507,3\n10528,2,10507,4\n' >sheets-bad.csv
run 4 merge out.gpkg hp.gpkg hd.gpkg --crosswalk "$CW" --sheets sheets-bad.csv
contains err.txt "sheet table 'sheets-bad.csv' line 3: old commune 10528 goes to 10532, 10537 in the crosswalk, not to 10507"
run 4 merge out.gpkg hp.gpkg hd.gpkg --crosswalk no-such-file.csv --sheets sheets.csv
contains err.txt "cannot read 'no-such-file.csv' as CSV"
run 3 merge out.gpkg hp.gpkg hd.gpkg --crosswalk no-such-name --sheets sheets.csv
contains err.txt "crosswalk/no-such-name.csv"

# A parcel ID issued in both inputs.
qs hp.gpkg "INSERT INTO id_registry VALUES ('10507000000111', '10507', 1, 1, 1, 'active', 1, NULL)"
qs hd.gpkg "INSERT INTO id_registry VALUES ('10507000000111', '10507', 1, 1, 1, 'active', 1, NULL)"
run 4 merge out.gpkg hp.gpkg hd.gpkg --crosswalk "$CW" --sheets sheets.csv
contains err.txt "parcel ID '10507000000111' (commune 10507, sequence 1) of workspace 'hd.gpkg' was also issued in workspace 'hp.gpkg'"
qs hd.gpkg "DELETE FROM id_registry"
qs hp.gpkg "DELETE FROM id_registry"
sum_before=$(cat hp.gpkg hd.gpkg | cksum)

# Bad usage and inputs that are not workspaces.
run 3 merge out.gpkg hp.gpkg --crosswalk "$CW" --sheets sheets.csv
contains err.txt "expected the output workspace and at least two workspaces to merge"
run 3 merge out.gpkg hp.gpkg hd.gpkg --crosswalk "$CW"
contains err.txt "--crosswalk FILE and --sheets FILE are required"
run 3 merge out.gpkg hp.gpkg hd.gpkg --crosswalk "$CW" --sheets sheets.csv --target-crs EPSG:0
contains err.txt "bad EPSG code in 'EPSG:0'"
run 4 merge out.gpkg hp.gpkg sheets.csv --crosswalk "$CW" --sheets sheets.csv
contains err.txt "'sheets.csv' is not a thuadat workspace"
run 3 merge hp.gpkg hd.gpkg hp.gpkg --crosswalk "$CW" --sheets sheets.csv
contains err.txt "the output 'hp.gpkg' is also an input"
eq "" "$(ls | grep -e '^out\.gpkg' -e '^out-merge' -e '\.tmp')" "no output or temporary file after refused merges"
eq "$sum_before" "$(cat hp.gpkg hd.gpkg | cksum)" "inputs unchanged"
run 0 merge out.gpkg hp.gpkg hd.gpkg --crosswalk "$CW" --sheets sheets.csv --json
contains out.txt '"parcels":{"in":13,"out":13,"unassigned":0}'
eq "$sum_before" "$(cat hp.gpkg hd.gpkg | cksum)" "inputs unchanged by a merge"

# A report folder that cannot be made fails before the merge, not after it;
# missing parents are created (cron jobs write into dated folders).
echo x >afile
run 5 merge out2.gpkg hp.gpkg hd.gpkg --crosswalk "$CW" --sheets sheets.csv --report afile/r
contains err.txt "cannot use output folder 'afile/r': 'afile' is not a folder"
eq "" "$(ls | grep -e '^out2')" "no output when the report folder is unusable"
run 0 merge out2.gpkg hp.gpkg hd.gpkg --crosswalk "$CW" --sheets sheets.csv --report new/deep/r
[ -s new/deep/r/communes_old.csv ] && ok || fail "report not written under new parent folders"

# Killed while writing: no output; the next merge removes the leftovers and completes.
sh "$TD_SRC/bench/merge-prep.sh" "$TD_BIN" 20000 big >prep.log 2>&1 && ok || { fail "merge-prep"; cat prep.log >&2; }
cd big || exit 1
"$THUADAT" -q merge out.gpkg hp.gpkg hd.gpkg --crosswalk "$CW" --sheets sheets.csv --boundaries boundaries.gpkg &
pid=$!
i=0
while [ ! -e "out.gpkg.merge-$pid.tmp-journal" ] && [ ! -e "out.gpkg.merge-$pid.tmp-wal" ] && kill -0 $pid 2>/dev/null && [ $i -lt 600 ]; do
	sleep 0.05
	i=$((i + 1))
done
sleep 0.3
kill -9 $pid 2>/dev/null && ok || fail "merge finished before it could be killed"
wait $pid 2>/dev/null
eq "" "$(ls | grep -e '^out.gpkg$' -e '^out-merge$')" "no output after a killed merge"
eq 1 "$(ls | grep -c "^out.gpkg.merge-$pid.tmp$")" "the killed merge's temporary file is there"
"$THUADAT" -q merge out.gpkg hp.gpkg hd.gpkg --crosswalk "$CW" --sheets sheets.csv --boundaries boundaries.gpkg
eq 0 $? "merge after the kill"
eq "" "$(ls | grep 'merge-.*\.tmp')" "leftovers removed"
eq "$(sqlite3 hp.gpkg 'SELECT count(*) FROM parcels') $(sqlite3 hd.gpkg 'SELECT count(*) FROM parcels')" \
	"$(sqlite3 out.gpkg "SELECT sum(input = 1), sum(input = 2) FROM merge_origin WHERE kind = 'parcel'" | tr '|' ' ')" "every parcel of the generated data merged"
eq 0 "$(grep -c . out-merge/unassigned.csv | awk '{print $1 - 1}')" "nothing unassigned: the strips cover every commune"
done_testing
