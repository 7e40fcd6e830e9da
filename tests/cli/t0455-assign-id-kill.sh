#!/bin/sh
# assign-id on generated data (duplicate keys, duplicate and invalid
# geometries included): a killed run leaves the IDs as they were, a second
# run on unchanged data keeps every ID, and after a new version of the data
# every parcel whose key and polygon did not change keeps its ID. With the
# template scheme: the kill and matching logic is the same for both schemes,
# and the official one's label points make a 40,000-parcel run under the
# sanitizers too slow; t0460 runs the official scheme on generated data.
. "$(dirname "$0")/lib.sh"
printf '[id]\nscheme = template\n' >tpl.ini

GEN="$TD_BIN/gen"
"$GEN" --parcels 40000 --seed 11 --out data >/dev/null || { fail "gen failed"; done_testing; }
run 0 init ws.gpkg --crs EPSG:9210
run 0 ingest ws.gpkg --map data/map.gpkg
nmap=$(q ws.gpkg "SELECT COUNT(*) FROM parcels")
ncom=$(q ws.gpkg "SELECT COUNT(DISTINCT commune) FROM parcels")

# snapshot FILE: everything assign-id writes, in a stable order.
snapshot() {
	{
		q ws.gpkg "SELECT id, commune, seq, sheet, parcel, status, issued_run, retired_run FROM id_registry ORDER BY id"
		q ws.gpkg "SELECT id, commune, sheet, parcel, hex(geom) FROM id_parcel ORDER BY id"
		q ws.gpkg "SELECT * FROM id_lineage ORDER BY child, parent"
		q ws.gpkg "SELECT * FROM id_key_changes ORDER BY id, run_id"
		q ws.gpkg "SELECT fid, parcel_id, address_link FROM parcels ORDER BY fid"
		q ws.gpkg "SELECT id, command FROM runs ORDER BY id"
	} >"$1"
}

# killed_run N: kill assign-id once it writes; nothing it wrote may remain.
killed_run() {
	snapshot "before$1.txt"
	"$THUADAT" -q assign-id ws.gpkg --profile tpl.ini &
	pid=$!
	wait_journal $pid
	kill -9 $pid 2>/dev/null && ok || fail "assign-id finished before it could be killed"
	wait $pid 2>/dev/null
	snapshot "after$1.txt"
	same "before$1.txt" "after$1.txt"
}

killed_run 1
eq ok "$(q ws.gpkg "PRAGMA integrity_check")" "integrity after kill"

run 0 assign-id ws.gpkg --profile tpl.ini
contains out.txt "assign-id: $nmap parcels in $ncom communes: issued $nmap (split 0, merged 0, reshaped 0), kept 0, rekeyed 0, retired 0"
eq "$nmap|$nmap|0" "$(q ws.gpkg "SELECT COUNT(*), COUNT(DISTINCT parcel_id), SUM(parcel_id IS NULL) FROM parcels")" "one distinct ID per parcel"
eq 0 "$(q ws.gpkg "SELECT COUNT(*) FROM id_registry r JOIN parcels p ON p.parcel_id = r.id WHERE r.commune != p.commune OR r.sheet != p.sheet OR r.parcel != p.parcel")" "registry keys"
q ws.gpkg "SELECT commune, sheet, parcel, fid, parcel_id FROM parcels ORDER BY fid" >ids1.txt

run 0 assign-id ws.gpkg --profile tpl.ini
contains out.txt "issued 0 (split 0, merged 0, reshaped 0), kept $nmap, rekeyed 0, retired 0"
q ws.gpkg "SELECT commune, sheet, parcel, fid, parcel_id FROM parcels ORDER BY fid" >ids2.txt
same ids1.txt ids2.txt

# A new version: a higher defect rate moves some edges, adds and drops
# parcels; the rest is the same. Ingest replaces every row (parcel_id NULL).
sqlite3 ws.gpkg "ATTACH 'prev.db' AS prev; CREATE TABLE prev.ids AS SELECT commune, sheet, parcel, geom, parcel_id FROM parcels; CREATE INDEX prev.ids_key ON ids (commune, sheet, parcel);"
"$GEN" --parcels 40000 --seed 11 --defect-rate 0.05 --out data >/dev/null || fail "gen 2 failed"
run 0 ingest ws.gpkg --map data/map.gpkg
nmap2=$(q ws.gpkg "SELECT COUNT(*) FROM parcels")
killed_run 2

run 0 --json assign-id ws.gpkg --profile tpl.ini
same=$(q ws.gpkg "ATTACH 'prev.db' AS prev; SELECT COUNT(*), SUM(p.parcel_id = o.parcel_id) FROM parcels p JOIN prev.ids o USING (commune, sheet, parcel) WHERE p.geom = o.geom AND (SELECT COUNT(*) FROM prev.ids d WHERE d.commune = o.commune AND d.sheet = o.sheet AND d.parcel = o.parcel) = 1")
n=${same%|*}
[ "$n" -gt 35000 ] && ok || fail "only $n parcels unchanged"
eq "$n|$n" "$same" "unchanged parcels keep their IDs"
eq "$nmap2|$nmap2" "$(q ws.gpkg "SELECT COUNT(*), COUNT(DISTINCT parcel_id) FROM parcels")" "one distinct ID per parcel after the change"
eq 0 "$(q ws.gpkg "SELECT COUNT(*) FROM parcels WHERE parcel_id IN (SELECT id FROM id_registry WHERE status = 'retired')")" "no retired ID in use"
eq 0 "$(q ws.gpkg "SELECT COUNT(*) FROM id_registry r LEFT JOIN id_parcel p USING (id) WHERE (r.status = 'active') != (p.id IS NOT NULL)")" "id_parcel holds exactly the active IDs"
# The summary adds up: every parcel kept, rekeyed or issued; every ID of the first run kept, rekeyed or retired.
eq "$nmap2 $nmap" "$(sed -n 's/.*"parcels":\([0-9]*\),"communes":[0-9]*,"issued":\([0-9]*\),"kept":\([0-9]*\),"rekeyed":\([0-9]*\),"split":[0-9]*,"merged":[0-9]*,"reshaped":[0-9]*,"retired":\([0-9]*\).*/\2 \3 \4 \5/p' out.txt | awk '{print $1 + $2 + $3, $2 + $3 + $4}')" "summary adds up"
done_testing
