#!/bin/sh
# reconcile: the C06 round trip on the demo data under the campaign profile.
# export --c06 -> C06 fills in statuses and corrections (CSV for 11311, an
# .xls made with lib/xls.c for 11329, with ID numbers typed as numbers) ->
# reconcile -> exact owner states, owner_history, c06_replies, group moves
# and rates; then a second list and an .xlsx reply with a conflicting row.
. "$(dirname "$0")/lib.sh"

D="$FIX/demo"
OWN="SELECT group_concat(id || ':' || verification || ':' || coalesce(verified_run, '-'), ' ') FROM (SELECT * FROM owners ORDER BY id)"
GRP="SELECT group_concat(commune || '/' || sheet || '/' || parcel || '=' || grp, ' ') FROM (SELECT * FROM parcel_grade ORDER BY commune, sheet, parcel)"

# The list as C06 receives it, read back as CSV (columns: 1 STT, 2 Mã chủ sử
# dụng, 3 CCCD, 4 name, 5 birth year, ..., 13 status, 14-17 corrected
# CCCD, name, birth year, sex, 18 note).
list_csv() {
	OGR_XLS_HEADERS=FORCE OGR_XLS_FIELD_TYPES=STRING ogr2ogr -f CSV -lco STRING_QUOTING=IF_NEEDED "$2" "$1" ||
		fail "cannot read $1"
}

run 0 init ws.gpkg --crs EPSG:9210
run 0 ingest ws.gpkg --map "$D/map.gpkg" --register "$D/register.csv"

# Default profile: nobody verified yet, so no identity finding at all.
run 2 check ws.gpkg --today 2026-11-01
eq 0 "$(q ws.gpkg "SELECT COUNT(*) FROM findings WHERE rule_id LIKE 'IDENTITY%'")" "no identity findings before any reply"

# Campaign profile: every certificate holder unverified is an error.
run 2 check ws.gpkg --today 2026-11-01 --profile campaign --findings-csv f0.csv
eq 13 "$(grep -c '^IDENTITY_UNVERIFIED,error,sạch,' f0.csv)" "unverified owners before the first reply"
contains f0.csv "IDENTITY_UNVERIFIED,error,sạch,11329,1,2,,,,601015.000,2301005.000,,,register row 12: the identity of owner 'Hồ Quang Tuấn' (ID 001*******11) is not yet verified against the national population database"
run 2 classify ws.gpkg --profile campaign
eq "11311/1/1=2 11311/1/2=2 11311/1/3=3 11311/1/4=2 11311/1/5=2 11311/1/6=2 11311/2/1=2 11311/2/2=2 11311/2/3=2 11329/1/1=2 11329/1/2=2 11329/1/3=2 11329/1/4=3" \
	"$(q ws.gpkg "$GRP")" "groups before the reply"

run 0 export ws.gpkg --out out --c06
contains out.txt "wrote 2 C06 lists (.xls, 13 certificate holders not yet verified) to out"
list_csv out/c06-11311.xls l11311.csv
list_csv out/c06-11329.xls l11329.csv
eq "STT,Mã chủ sử dụng,Số định danh cá nhân / CMND,Họ và tên,Năm sinh,Giới tính,Nơi đăng ký khai sinh (mã tỉnh),Mã xã,Số tờ bản đồ,Số thửa,Số phát hành GCN,Ngày cấp GCN,Kết quả xác minh,Số định danh đúng,Họ và tên đúng,Năm sinh đúng,Giới tính đúng,Ghi chú,Mã định danh thửa đất" \
	"$(head -n 1 l11311.csv)" "list header"
eq "1,1,031185001234,Nguyễn Thị Hồng Nhung,1985,Nữ,031,11311,1,1,CS 100001,2015-03-12,,,,,,," "$(sed -n 2p l11311.csv)" "first row (no parcel ID: assign-id has not run)"
eq 8 "$(tail -n +2 l11311.csv | wc -l | tr -d ' ')" "owners listed in 11311"
# 11329/1/1 has two owners: both are listed, each once.
eq "9 10 11 12 13" "$(tail -n +2 l11329.csv | cut -d, -f2 | tr '\n' ' ' | sed 's/ $//')" "owners listed in 11329"

# C06's answers for 11311, spelled as people spell them.
awk -F, -v OFS=, '
	NR == 1 { print; next }
	$2 == 1 { $13 = "Khớp" }
	$2 == 2 { $13 = "khop" }
	$2 == 3 { $13 = "MATCHED" }
	$2 == 4 { $13 = "Không khớp"; $15 = "Phạm Thị Lan Anh"; $16 = "1990"; $18 = "Sai tên" }
	$2 == 5 { $13 = "KHÔNG TÌM THẤY" }
	$2 == 7 { $13 = "Khớp" }
	$2 == 8 { $13 = "khong khop"; $14 = "031195007778"; $17 = "nữ" }
	{ print }
	END { print "9,99,031099009999,Người Lạ,1999,Nam,031,11311,9,9,CS 999999,2015-03-12,Khớp,,,,," }' \
	l11311.csv >reply-11311.csv
# ... and for 11329 as an .xls, the ID number of owner 11 typed as a number (zeros lost).
awk -F, -v OFS=, 'NR > 1 { $13 = "Khớp" } $2 == 11 { $3 = "1088001111" } { print }' l11329.csv >r11329.csv
"$TD_BIN/csv2xls" r11329.csv reply-11329.xls || fail "csv2xls"

run 2 reconcile ws.gpkg reply-11311.csv reply-11329.xls --profile campaign --unapplied-csv unapplied.csv
contains out.txt "reconciled 2 reply files, 14 rows: 9 matched, 2 mismatched, 1 not found, 1 without an answer"
contains out.txt "owners: 12 changed verification, 2 details corrected (previous values in owner_history)"
contains out.txt "not applied: 1 row matching no owner sent to C06, 0 answering an owner differently from an earlier row:"
contains out.txt "  reply 'reply-11311.csv' row 10: owner reference 99 is not an owner of this workspace"
contains out.txt "groups: 4 parcels from group 2 to group 1"
contains out.txt "11311    Phường Hồng Bàng               8        4        2        1   50.00%  BELOW"
contains out.txt "11329    Phường Ngô Quyền               5        5        0        0  100.00%  ok"
contains out.txt "total                                  13        9        2        1   69.23%  BELOW"
R1=$(q ws.gpkg "SELECT MAX(id) FROM runs WHERE command = 'reconcile'")
eq "1:matched:$R1 2:matched:$R1 3:matched:$R1 4:mismatched:$R1 5:not_found:$R1 6:unverified:- 7:matched:$R1 8:mismatched:$R1 9:matched:$R1 10:matched:$R1 11:matched:$R1 12:matched:$R1 13:matched:$R1" \
	"$(q ws.gpkg "$OWN")" "owner states after the first reply"
eq "4|name|Phạm Thị Lan|Phạm Thị Lan Anh
8|cccd|031195007777|031195007778" \
	"$(q ws.gpkg "SELECT owner_id, field, old_value, new_value FROM owner_history WHERE field <> 'verification' ORDER BY id")" "corrections kept in owner_history"
eq "Phạm Thị Lan Anh|031195007778|Nữ" "$(q ws.gpkg "SELECT (SELECT name FROM owners WHERE id = 4), (SELECT cccd FROM owners WHERE id = 8), (SELECT gender FROM owners WHERE id = 8)")" "corrected values applied"
eq "12 12" "$(q ws.gpkg "SELECT COUNT(*), SUM(old_value = 'unverified') FROM owner_history WHERE field = 'verification' AND run_id = $R1" | tr '|' ' ')" "verification changes in owner_history"
eq "applied 12|unanswered 1|unmatched 1" "$(q ws.gpkg "SELECT group_concat(outcome || ' ' || n, '|') FROM (SELECT outcome, COUNT(*) n FROM c06_replies GROUP BY outcome ORDER BY outcome)")" "every reply row kept"
eq "reply-11311.csv||10|99|031099009999|Người Lạ|matched|unmatched" \
	"$(q ws.gpkg "SELECT file, sheet, row, owner_ref, cccd, owner_name, status, outcome FROM c06_replies WHERE outcome = 'unmatched'")" "the unmatched row"
eq "reply-11329.xls|Danh sách|4|11|001088001111" \
	"$(q ws.gpkg "SELECT file, sheet, row, owner_id, cccd FROM c06_replies WHERE owner_id = 11")" "xls row, ID zeros restored"
eq "$(printf '\357\273\277')file,sheet,row,outcome,reason,owner_ref,cccd,owner_name,birth_year,status
reply-11311.csv,,10,unmatched,owner reference 99 is not an owner of this workspace,99,031099009999,Người Lạ,1999,matched" "$(cat unapplied.csv)" "unapplied CSV"
eq 600 "$(mode unapplied.csv)" "unapplied CSV mode"
eq "11311/1/1=1 11311/1/2=1 11311/1/3=3 11311/1/4=2 11311/1/5=2 11311/1/6=2 11311/2/1=2 11311/2/2=2 11311/2/3=2 11329/1/1=1 11329/1/2=1 11329/1/3=2 11329/1/4=3" \
	"$(q ws.gpkg "$GRP")" "groups after the first reply"
eq "1|1|2|2|2" "$(q ws.gpkg "SELECT group_concat(grp, '|') FROM (SELECT grp FROM parcels WHERE commune = '11311' AND sheet = 1 AND parcel IN (1, 2, 4, 5, 6) ORDER BY parcel)")" "parcels layer follows"
eq "IDENTITY_MISMATCH 11311/1/4 11311/1/5 11311/2/3|IDENTITY_UNVERIFIED 11311/1/6" \
	"$(q ws.gpkg "SELECT group_concat(rule_id || ' ' || k, '|') FROM (SELECT rule_id, group_concat(commune || '/' || sheet || '/' || parcel, ' ') k FROM (SELECT * FROM findings WHERE rule_id LIKE 'IDENTITY%' ORDER BY commune, sheet, parcel) GROUP BY rule_id)")" "identity findings replaced"
q ws.gpkg "SELECT message FROM findings WHERE rule_id = 'IDENTITY_MISMATCH' AND parcel = 5" >m.txt
contains m.txt "register row 6: C06 found no record of owner 'Hoàng Văn Long' (ID 031*******44) in the national population database"

# Re-running the same replies changes nothing but records the rows again.
run 2 reconcile ws.gpkg reply-11311.csv reply-11329.xls --profile campaign
contains out.txt "owners: 0 changed verification, 0 details corrected"
contains out.txt "groups: no parcel changed group"
eq "1:matched:$R1 2:matched:$R1 3:matched:$R1 4:mismatched:$R1 5:not_found:$R1 6:unverified:- 7:matched:$R1 8:mismatched:$R1 9:matched:$R1 10:matched:$R1 11:matched:$R1 12:matched:$R1 13:matched:$R1" \
	"$(q ws.gpkg "$OWN")" "owner states after the same reply again"

# With the default profile an unverified owner is a warning once replies come in.
run 2 check ws.gpkg --today 2026-11-01 --findings-csv f1.csv
eq "IDENTITY_MISMATCH,error 3|IDENTITY_UNVERIFIED,warning 1" "$(grep '^IDENTITY' f1.csv | cut -d, -f1,2 | sort | uniq -c | awk '{print $2 " " $1}' | tr '\n' '|' | sed 's/|$//')" "default profile after a reply"

# Round two: the new list holds the four owners C06 has not matched, with
# their corrected details; 11329 is complete, so its old list goes.
run 2 check ws.gpkg --today 2026-11-01 --profile campaign
run 2 classify ws.gpkg --profile campaign
run 0 export ws.gpkg --out out --c06
contains out.txt "wrote 1 C06 list (.xls, 4 certificate holders not yet verified) to out"
contains out.txt "1 commune has every certificate holder verified: no list"
[ ! -e out/c06-11329.xls ] && ok || fail "the complete commune's old list was left"
list_csv out/c06-11311.xls l2.csv
eq "4,031190003333,Phạm Thị Lan Anh|5,031068004444,Hoàng Văn Long|6,031172005555,Vũ Thị Thu Hà|8,031195007778,Bùi Thị Yến" \
	"$(tail -n +2 l2.csv | cut -d, -f2-4 | tr '\n' '|' | sed 's/|$//')" "second list"
# Every one matched now; owner 5 is answered twice, the second time differently.
awk -F, -v OFS=, 'NR > 1 { $13 = "Khớp" } { print } $2 == 5 { $13 = "Không khớp"; print }' l2.csv >r2.csv
ogr2ogr -f XLSX reply-2.xlsx r2.csv -nln "Trả lời" || fail "ogr2ogr XLSX"
run 1 reconcile ws.gpkg reply-2.xlsx --profile campaign
contains out.txt "reconciled 1 reply file, 5 rows: 4 matched, 0 mismatched, 0 not found, 0 without an answer"
contains out.txt "not applied: 0 rows matching no owner sent to C06, 1 answering an owner differently from an earlier row:"
contains out.txt "  reply 'reply-2.xlsx' sheet 'Trả lời' row 4: owner 5 was answered differently in 'reply-2.xlsx' row 3"
contains out.txt "groups: 3 parcels from group 2 to group 1"
contains out.txt "11311    Phường Hồng Bàng               8        8        0        0  100.00%  ok"
contains out.txt "total                                  13       13        0        0  100.00%  ok"
R2=$(q ws.gpkg "SELECT MAX(id) FROM runs WHERE command = 'reconcile'")
eq "4:matched:$R2 5:matched:$R2 6:matched:$R2 8:matched:$R2" "$(q ws.gpkg "SELECT group_concat(id || ':' || verification || ':' || verified_run, ' ') FROM owners WHERE id IN (4, 5, 6, 8)")" "owner states after the second reply"
eq "mismatched>matched not_found>matched unverified>matched mismatched>matched" \
	"$(q ws.gpkg "SELECT group_concat(old_value || '>' || new_value, ' ') FROM (SELECT * FROM owner_history WHERE run_id = $R2 ORDER BY owner_id)")" "second round's history"
eq "11311/1/1=1 11311/1/2=1 11311/1/3=3 11311/1/4=1 11311/1/5=2 11311/1/6=1 11311/2/1=2 11311/2/2=2 11311/2/3=1 11329/1/1=1 11329/1/2=1 11329/1/3=2 11329/1/4=3" \
	"$(q ws.gpkg "$GRP")" "groups after the second reply"
eq 0 "$(q ws.gpkg "SELECT COUNT(*) FROM findings WHERE rule_id LIKE 'IDENTITY%'")" "no identity finding left"

# --json: the counts, every commune's rate and the rows not applied.
run 0 --json reconcile ws.gpkg reply-11329.xls --profile campaign
contains out.txt '"communes":[{"commune":"11311","name":"Phường Hồng Bàng","owners":8,"verified":8,"mismatched":0,"not_found":0,"percent":100.00,"meets_target":true},{"commune":"11329"'
contains out.txt '"owners":13,"verified":13,"percent":100.00,"target":95.00,"communes_below_target":0'
done_testing
