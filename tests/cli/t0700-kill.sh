#!/bin/sh
# A killed stage leaves the workspace as it was; the lock stops a second
# writer at once, naming the holder; the next run completes.
. "$(dirname "$0")/lib.sh"

GEN="$TD_BIN/gen"
"$GEN" --parcels 60000 --seed 11 --out data >/dev/null || { fail "gen failed"; done_testing; }
nmap=$(ogrinfo -ro -so data/map.gpkg parcels | sed -n 's/Feature Count: //p')
run 0 init ws.gpkg --crs EPSG:9210
cp ws.gpkg before.gpkg

"$THUADAT" -q ingest ws.gpkg --map data/map.gpkg --register data/register.csv &
pid=$!
wait_journal $pid

# While it writes, a second writer is refused with the holder's pid.
run 5 check ws.gpkg
contains err.txt "workspace 'ws.gpkg' is being written by another process (pid $pid)"

kill -9 $pid 2>/dev/null && ok || fail "ingest finished before it could be killed"
wait $pid 2>/dev/null
eq 0 "$(q ws.gpkg "SELECT COUNT(*) FROM parcels")" "parcels after kill"
eq 0 "$(q ws.gpkg "SELECT COUNT(*) FROM register_rows")" "register rows after kill"
eq 0 "$(q ws.gpkg "SELECT COUNT(*) FROM runs")" "runs after kill"
eq 0 "$(q ws.gpkg "SELECT COUNT(*) FROM sources")" "sources after kill"
eq ok "$(q ws.gpkg "PRAGMA integrity_check")" "integrity after kill"

# The kernel released the dead process's lock: the re-run completes.
run 0 ingest ws.gpkg --map data/map.gpkg --register data/register.csv
eq "$nmap" "$(q ws.gpkg "SELECT COUNT(*) FROM parcels")" "parcels after re-run"

# Killing check keeps the previous findings.
run 2 check ws.gpkg
nfind=$(q ws.gpkg "SELECT COUNT(*) FROM findings")
rm -f ws.gpkg-journal
"$THUADAT" -q check ws.gpkg &
pid=$!
wait_journal $pid
kill -9 $pid 2>/dev/null && ok || fail "check finished before it could be killed"
wait $pid 2>/dev/null
eq "$nfind" "$(q ws.gpkg "SELECT COUNT(*) FROM findings")" "findings after killed check"
eq 2 "$(q ws.gpkg "SELECT COUNT(*) FROM runs")" "runs after killed check"
done_testing
