#!/bin/sh
# audit: every stage that changes the workspace appends a hash-chained
# entry; the hashes are recomputed here from the documented serialization
# with sha256sum; `audit verify` passes on an untouched workspace and names
# the entry after one is edited, re-hashed, deleted, or the last one is
# deleted (exit 4).
. "$(dirname "$0")/lib.sh"

D="$FIX/demo"
run 0 init ws.gpkg --crs EPSG:9210
run 0 ingest ws.gpkg --map "$D/map.gpkg" --register "$D/register.csv"
run 0 ingest ws.gpkg --map "$D/map.gpkg"       # unchanged: no run, no entry
run 2 check ws.gpkg --today 2026-11-01
run 2 classify ws.gpkg
printf 'Mã chủ sử dụng,Kết quả xác minh\n1,Khớp\n2,Khớp\n' >reply.csv
run 2 reconcile ws.gpkg reply.csv
run 4 reconcile ws.gpkg missing.csv             # failed: no entry
eq "1:init: 2:ingest:1 3:check:2 4:classify:3 5:reconcile:4" \
	"$(q ws.gpkg "SELECT group_concat(id || ':' || command || ':' || coalesce(run_id, ''), ' ') FROM (SELECT * FROM audit_log ORDER BY id)")" "one entry per change"
eq "5 $(q ws.gpkg "SELECT hash FROM audit_log WHERE id = 5")" "$(q ws.gpkg "SELECT value FROM ws_meta WHERE key = 'audit_head'")" "chain head"

# What each entry records.
eq '{"owners":{"inserted":13,"updated":0,"deleted":0},"parcels":{"inserted":12,"updated":0,"deleted":0},"register_rows":{"inserted":13,"updated":13,"deleted":0},"sources":{"inserted":2,"updated":4,"deleted":0}}' \
	"$(q ws.gpkg "SELECT changes FROM audit_log WHERE id = 2")" "ingest's changes"
eq "[{\"kind\":\"map\",\"path\":\"$D/map.gpkg\",\"checksum\":\"$(q ws.gpkg "SELECT checksum FROM sources WHERE kind = 'map'")\"},{\"kind\":\"register\",\"path\":\"$D/register.csv\",\"checksum\":\"$(q ws.gpkg "SELECT checksum FROM sources WHERE kind = 'register'")\"}]" \
	"$(q ws.gpkg "SELECT inputs FROM audit_log WHERE id = 2")" "ingest's inputs"
crc=$(gzip -c reply.csv | tail -c 8 | od -An -tx4 -N4 | tr -d ' \n')
eq "[{\"kind\":\"c06_reply\",\"path\":\"reply.csv\",\"checksum\":\"$crc\"}]" "$(q ws.gpkg "SELECT inputs FROM audit_log WHERE id = 5")" "reconcile's input: the reply's CRC-32"
# (11 IDENTITY_UNVERIFIED warnings once a reply is in; grades rewritten, no group changed)
eq '{"c06_replies":{"inserted":2,"updated":0,"deleted":0},"findings":{"inserted":11,"updated":0,"deleted":0},"owner_history":{"inserted":2,"updated":0,"deleted":0},"owners":{"inserted":0,"updated":2,"deleted":0},"parcel_grade":{"inserted":13,"updated":0,"deleted":13}}' \
	"$(q ws.gpkg "SELECT changes FROM audit_log WHERE id = 5")" "reconcile's changes"
eq '{"parcel_grade":{"inserted":13,"updated":0,"deleted":0},"parcels":{"inserted":0,"updated":12,"deleted":0}}' \
	"$(q ws.gpkg "SELECT changes FROM audit_log WHERE id = 4")" "classify's changes"
eq 13373 "$(q ws.gpkg "SELECT json_extract(changes, '$.ref_communes.inserted') FROM audit_log WHERE id = 1")" "init's changes"
eq "$(id -un)" "$(q ws.gpkg "SELECT os_user FROM audit_log WHERE id = 3")" "OS user"
eq "$THUADAT check ws.gpkg --today 2026-11-01" "$(q ws.gpkg "SELECT argv FROM audit_log WHERE id = 3")" "command line"
eq "$(q ws.gpkg "SELECT summary FROM runs WHERE id = 2")" "$(q ws.gpkg "SELECT summary FROM audit_log WHERE id = 3")" "summary as in runs"

# The hash, recomputed outside thuadat: SHA-256 over "<bytes>:<value>\n" per
# field (NULL as "~\n"): id, run_id, time, os_user, command, argv, inputs,
# changes, summary, prev_hash (docs/audit.md).
field() { # WS ID COLUMN
	if [ "$(q "$1" "SELECT $3 IS NULL FROM audit_log WHERE id = $2")" = 1 ]; then
		printf '~\n'
	else
		v=$(q "$1" "SELECT $3 FROM audit_log WHERE id = $2")
		printf '%s:%s\n' "$(printf '%s' "$v" | wc -c | tr -d ' ')" "$v"
	fi
}
entry_hash() { # WS ID
	for c in id run_id time os_user command argv inputs changes summary prev_hash; do field "$1" "$2" "$c"; done |
		sha256sum | cut -c1-64
}
prev=0000000000000000000000000000000000000000000000000000000000000000
for i in 1 2 3 4 5; do
	eq "$prev" "$(q ws.gpkg "SELECT prev_hash FROM audit_log WHERE id = $i")" "entry $i links to the one before"
	prev=$(entry_hash ws.gpkg "$i")
	eq "$prev" "$(q ws.gpkg "SELECT hash FROM audit_log WHERE id = $i")" "entry $i's hash recomputed with sha256sum"
done

run 0 audit verify ws.gpkg
eq "audit trail intact: 5 entries, head 5 $prev" "$(cat out.txt)" "verify on an untouched workspace"
run 0 --json audit verify ws.gpkg
contains out.txt "{\"command\":\"audit-verify\",\"intact\":true,\"entries\":5,\"head\":5,\"head_hash\":\"$prev\",\"problems\":[]}"
run 0 audit log ws.gpkg
eq 5 "$(grep -c '^[0-9]  20[0-9-]*T' out.txt)" "log lines"
contains out.txt "  $(id -un)  $THUADAT reconcile ws.gpkg reply.csv"
run 0 --json audit log ws.gpkg --limit 2
eq "4 5" "$(sed 's/^{"id":\([0-9]*\),.*/\1/' out.txt | tr '\n' ' ' | sed 's/ $//')" "--limit 2"
contains out.txt '"command":"reconcile"'
run 3 audit check ws.gpkg
run 3 audit verify

# broken NAME SQL: a copy of the workspace changed with sqlite3; verify exits 4
broken() {
	cp ws.gpkg "$1.gpkg"
	sqlite3 "$1.gpkg" "$2" || fail "sqlite3 $2"
	run 4 audit verify "$1.gpkg"
}
broken edited "UPDATE audit_log SET os_user = 'mallory' WHERE id = 3"
contains out.txt "audit trail BROKEN: 1 problem in 5 entries"
contains out.txt "  entry 3 was changed after it was written: its contents do not match its hash"

# Edited and re-hashed: the next entry no longer follows it.
cp ws.gpkg rehashed.gpkg
sqlite3 rehashed.gpkg "UPDATE audit_log SET os_user = 'mallory' WHERE id = 3"
sqlite3 rehashed.gpkg "UPDATE audit_log SET hash = '$(entry_hash rehashed.gpkg 3)' WHERE id = 3"
run 4 audit verify rehashed.gpkg
contains out.txt "  entry 4 does not follow the entry before it (3): that entry was changed, replaced or removed"

broken deleted "DELETE FROM audit_log WHERE id = 3"
contains out.txt "  entry 3 is missing (the next entry present is later)"
contains out.txt "  entry 4 does not follow the entry before it (2)"
broken last "DELETE FROM audit_log WHERE id = 5"
contains out.txt "  entry 5 is missing (the chain head names a later entry)"
contains out.txt "  run 4 (reconcile) has no audit entry: its entry was removed"
# The last entry removed and the head moved back: its run still shows it.
broken head "DELETE FROM audit_log WHERE id = 5; UPDATE ws_meta SET value = '4 ' || (SELECT hash FROM audit_log WHERE id = 4) WHERE key = 'audit_head'"
eq "audit trail BROKEN: 1 problem in 4 entries
  run 4 (reconcile) has no audit entry: its entry was removed" "$(cat out.txt)" "head moved back"
broken summary "UPDATE audit_log SET summary = NULL WHERE id = 4"
contains out.txt "  entry 4 was changed after it was written"
broken runs "UPDATE runs SET command = 'ingest' WHERE id = 3"
contains out.txt "  entry 4: its run 3 is now recorded as another command"

# A workspace whose trail is broken still works, and verify keeps saying so.
run 2 check edited.gpkg --today 2026-11-01
run 4 audit verify edited.gpkg
contains out.txt "audit trail BROKEN: 1 problem in 6 entries"
done_testing
