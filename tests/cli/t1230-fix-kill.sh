#!/bin/sh
# A fix killed while it proposes and applies (--apply-auto is one
# transaction) leaves the workspace as it was; the re-run completes.
. "$(dirname "$0")/lib.sh"

"$TD_BIN/gen" --parcels 20000 --seed 11 --out data >/dev/null || { fail "gen failed"; done_testing; }
run 0 init ws.gpkg --crs EPSG:9210
run 0 ingest ws.gpkg --map data/map.gpkg --register data/register.csv
run 2 check ws.gpkg --today 2026-11-01
state() {
	q ws.gpkg "SELECT (SELECT group_concat(fid || hex(geom) || coalesce(landuse, ''), '') FROM parcels) ||
		(SELECT group_concat(id || coalesce(area, '') || coalesce(landuse, ''), '') FROM register_rows) ||
		(SELECT group_concat(name, ',') FROM sqlite_master) || (SELECT COUNT(*) FROM runs) ||
		(SELECT value FROM ws_meta WHERE key = 'audit_head')" | md5sum
}
before=$(state)

"$THUADAT" -q fix ws.gpkg --apply-auto &
pid=$!
wait_journal $pid
kill -9 $pid 2>/dev/null && ok || fail "fix finished before it could be killed"
wait $pid 2>/dev/null
eq "$before" "$(state)" "workspace after the killed fix"
eq ok "$(q ws.gpkg "PRAGMA integrity_check")" "integrity after kill"
run 0 audit verify ws.gpkg

run 0 fix ws.gpkg --apply-auto
[ "$(q ws.gpkg "SELECT COUNT(*) FROM fix_proposals WHERE status = 'applied'")" -gt 0 ] && ok || fail "re-run applied nothing"
done_testing
