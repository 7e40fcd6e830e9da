#!/bin/sh
# Operations: job files and dates rejected with the line or value named;
# personal data masked and 0600; CSV cells neutralised for spreadsheets;
# stage outputs all or none, leftovers of killed runs removed; the writer
# lock through a symbolic link; read-only commands after a killed writer;
# a workspace held open by a reader (QGIS) or a writer; --log for cron.
. "$(dirname "$0")/lib.sh"

D="$FIX/demo"
ID=031185001234

# Job files: a blank section name and a NUL byte are named, not a crash or "line too long".
printf '[ ]\n' >blank.ini
run 3 run blank.ini
contains err.txt "'blank.ini' line 1: empty section name"
printf 'workspace = ws.gpkg\n[\t]\n' >tab.ini
run 3 run tab.ini
contains err.txt "'tab.ini' line 2: empty section name"
printf 'workspace = ws.gpkg\n[check]\ntoday = 2026\000-01-01\n' >nul.ini
run 3 run nul.ini
contains err.txt "'nul.ini' line 3: NUL byte (not a text file)"

# Dates must exist in the calendar, wherever they are taken.
run 0 init ws.gpkg --crs EPSG:9210
run 0 ingest ws.gpkg --map "$D/map.gpkg" --register "$D/register.csv"
runs0=$(q ws.gpkg "SELECT COUNT(*) FROM runs")
run 3 check ws.gpkg --today 2024-02-31
contains err.txt "today '2024-02-31': expected YYYY-MM-DD, a date that exists"
run 3 check ws.gpkg --today abcd-ef-gh
run 3 report ws.gpkg --out rep --date 2023-02-29
contains err.txt "date '2023-02-29': expected YYYY-MM-DD"
printf 'workspace = ws.gpkg\n[check]\ntoday = 2025-04-31\n' >date.ini
run 3 run date.ini
printf '[tolerance]\ntoday = 2026-13-01\n' >p.ini
run 3 check ws.gpkg --profile ./p.ini
contains err.txt "today"
eq "$runs0" "$(q ws.gpkg "SELECT COUNT(*) FROM runs")" "nothing ran on bad dates"

# An ID number typed into a name cell, and a formula, reach findings messages.
sed -e "2s/Nguyễn Thị Hồng Nhung/Nhung $ID/" -e '3s/Trần Văn Bình/"=HYPERLINK(""http:\/\/x"",""y"")"/' \
	"$D/register.csv" >reg.csv
run 0 init p.gpkg --crs EPSG:9210
run 0 ingest p.gpkg --map "$D/map.gpkg" --register reg.csv
run 2 check p.gpkg --today 2026-11-01 --profile campaign --findings-csv "out/$ID/f.csv"
eq 600 "$(mode "out/$ID/f.csv")" "findings CSV mode (owner names)"
eq 0 "$(grep -c "$ID" "out/$ID/f.csv")" "ID in a name masked in the findings CSV"
contains "out/$ID/f.csv" "the identity of owner 'Nhung 031*******34' (ID 031*******34)"
eq 0 "$(q p.gpkg "SELECT COUNT(*) FROM findings WHERE message LIKE '%$ID%'")" "ID masked in the findings layer"
eq 0 "$(grep -c "$ID" out.txt)" "output path masked on stdout"
contains out.txt "findings written to out/031*******34/f.csv"
run 2 classify p.gpkg --profile campaign
run 0 export p.gpkg --out "x$ID"
# Sheet 5 is "Lỗi", the findings (the group sheets list the register's own values, ID column included).
eq 0 "$(unzip -p "x$ID/thuadat-11311.xlsx" xl/worksheets/sheet5.xml | grep -c "$ID")" "ID masked in the workbook's findings"
contains "$(unzip -p "x$ID/thuadat-11311.xlsx" xl/worksheets/sheet5.xml >s5.xml && echo s5.xml)" "Nhung 031*******34"
eq 0 "$(grep -c "$ID" out.txt)" "export path masked on stdout"

# Formula-like cells are neutralised (OWASP): a quote in front, the cell quoted.
printf 'cccd,HO VA TEN,ket qua xac minh\n031099009999,"=HYPERLINK(""http://x"",""y"")",Khớp\n031099008888,@SUM(1+1),Khớp\n031099007777,-2+3,Khớp\n' >evil.csv
run 2 reconcile p.gpkg evil.csv --unapplied-csv un.csv
contains un.csv ",031099009999,\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",,matched"
contains un.csv ",031099008888,\"'@SUM(1+1)\",,matched"
contains un.csv ",031099007777,\"'-2+3\",,matched"
eq "$(printf '\357\273\277')file,sheet,row,outcome" "$(head -1 un.csv | cut -d, -f1-4)" "byte order mark for Excel"
run 2 --csv-sep ';' check p.gpkg --today 2026-11-01 --findings-csv semi.csv
eq "$(printf '\357\273\277')rule_id;severity;criterion" "$(head -1 semi.csv | cut -d';' -f1-3)" "--csv-sep ';'"
contains semi.csv "AREA_MISMATCH;error;đúng;11311;1;5;"
run 3 --csv-sep '|' check p.gpkg

# Terminal escapes from data are shown, not obeyed.
printf 'Mã xã,Số tờ,Số thửa,Diện tích\n11311,1,1,500\n' >"$(printf 'e\033[2Jx.csv')"
run 0 init e.gpkg --crs EPSG:9210
run 0 ingest e.gpkg --register "$(printf 'e\033[2Jx.csv')"
eq 0 "$(grep -c "$(printf '\033')" out.txt)" "no escape character on stdout"
contains out.txt 'e\x1b[2Jx.csv'

# Outputs: written inside the stage or not at all.
runs=$(q ws.gpkg "SELECT COUNT(*) FROM runs")
echo x >afile
run 5 check ws.gpkg --today 2026-11-01 --findings-csv afile/f.csv
eq "$runs" "$(q ws.gpkg "SELECT COUNT(*) FROM runs")" "check not committed when its CSV folder is unusable"
# A full disk, as a file size limit of 64 KiB: room for the workspace's
# shared-memory file, not for a findings CSV quoting three owner names of
# 30,000 characters (an Excel cell holds at most 32,767).
long=$(head -c 30000 /dev/zero | tr '\0' 'A')
sed "s/Nguyễn Thị Hồng Nhung/${long}N/; s/Trần Văn Bình/${long}B/; s/Lê Văn Cường/${long}L/" "$D/register.csv" >long.csv
run 0 init l.gpkg --crs EPSG:9210
run 0 ingest l.gpkg --map "$D/map.gpkg" --register long.csv
runs=$(q l.gpkg "SELECT COUNT(*) FROM runs")
(trap '' XFSZ; ulimit -f 64; "$THUADAT" check l.gpkg --today 2026-11-01 --profile campaign --findings-csv big/f.csv) \
	>out.txt 2>err.txt
eq 5 $? "check with a full disk for its CSV"
contains err.txt "cannot write 'big/f.csv': File too large"
eq "$runs" "$(q l.gpkg "SELECT COUNT(*) FROM runs")" "check rolled back when its CSV could not be written"
eq "" "$(ls -A big)" "no CSV nor temporary file left"
run 2 check ws.gpkg --today 2026-11-01 --findings-csv deep/er/f.csv
[ -s deep/er/f.csv ] && ok || fail "CSV folder and parents not created"
run 2 classify ws.gpkg --groups-csv g/groups.csv
[ -s g/groups.csv ] && ok || fail "groups CSV not written"

# An export whose C06 lists fail leaves no workbook either; leftovers of killed runs go.
mkdir -p sch && cp -r "$TD_SRC/schemas/." sch/
printf 'header,field,width,type\nSTT,nonsense,5,integer\n' >sch/c06/columns.csv
mkdir -p xl/.thuadat-tmp-999999 && touch xl/.thuadat-tmp-999999/thuadat-11311.xlsx xl/thuadat-11311.xlsx.tmp-999999
THUADAT_SCHEMA_DIR="$T/sch" "$THUADAT" export ws.gpkg --out xl --c06 >out.txt 2>err.txt
eq 3 $? "export with a bad C06 column table"
eq "" "$(ls -A xl)" "no workbook without its C06 lists, leftovers removed"
run 0 export ws.gpkg --out xl --c06
eq "c06-11311.xls c06-11329.xls thuadat-11311.xlsx thuadat-11329.xlsx" "$(ls -A xl | tr '\n' ' ' | sed 's/ $//')" "all files"

# A reader holding the workspace (QGIS) does not stop a stage.
printf 'BEGIN;\nSELECT COUNT(*) FROM parcels;\n.system sleep 30\nCOMMIT;\n' | sqlite3 ws.gpkg >/dev/null 2>&1 &
spid=$!
sleep 1
run 2 check ws.gpkg --today 2026-11-01
kill $spid 2>/dev/null
wait

# Another program writing it: the stage fails naming the program and its pid.
printf 'BEGIN IMMEDIATE;\nDELETE FROM findings;\n.system sleep 30\nROLLBACK;\n' | sqlite3 ws.gpkg >/dev/null 2>&1 &
spid=$!
sleep 1
run 5 classify ws.gpkg
contains err.txt "the file is locked by another program (sqlite3, pid $spid)"
kill $spid 2>/dev/null
wait
run 2 classify ws.gpkg

# --log appends every line with a timestamp, between start and exit; IDs masked.
run 2 --log cron.log check p.gpkg --today 2026-11-01 --findings-csv "f$ID.csv"
run 3 --log cron.log check p.gpkg --today 2026-02-30
eq 2 "$(grep -c 'thuadat\[[0-9]*\]: start: ' cron.log)" "two runs logged"
contains cron.log "]: checked "
contains cron.log "]: exit 2"
contains cron.log "]: thuadat: --today '2026-02-30': expected YYYY-MM-DD, a date that exists"
contains cron.log "]: exit 3"
eq 0 "$(grep -c "$ID" cron.log)" "IDs masked in the log"
eq 2 "$(grep -c '^20[0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9][+-][0-9]\{4\} thuadat\[[0-9]*\]: start: ' cron.log)" "timestamps"
eq 600 "$(mode cron.log)" "log mode"

# The writer lock is the file's, whatever path leads to it.
"$TD_BIN/gen" --parcels 30000 --seed 7 --out data >/dev/null || fail "gen failed"
ln -s ws.gpkg link.gpkg
"$THUADAT" -q ingest link.gpkg --map data/map.gpkg --register data/register.csv &
pid=$!
wait_journal $pid
run 5 check ws.gpkg
contains err.txt "workspace 'ws.gpkg' is being written by another process (pid $pid)"

# Killed mid-stage: read-only commands read the last committed state.
kill -9 $pid 2>/dev/null && ok || fail "ingest finished before it could be killed"
wait $pid 2>/dev/null
run 0 audit verify ws.gpkg
run 0 export ws.gpkg --out after-kill
eq 12 "$(q ws.gpkg "SELECT COUNT(*) FROM parcels")" "the killed ingest left nothing"

# Killed by the file size limit while committing.
(trap - XFSZ; ulimit -f 2000; exec "$THUADAT" -q ingest ws.gpkg --map data/map.gpkg --register data/register.csv) \
	>/dev/null 2>&1
[ $? -ne 0 ] && ok || fail "ingest passed the file size limit"
run 0 audit verify ws.gpkg
eq 12 "$(q ws.gpkg "SELECT COUNT(*) FROM parcels")" "the ingest stopped by the size limit left nothing"

# A workspace in rollback-journal mode whose writer (sqlite3) was killed
# after it changed the file: a reader rolls the hot journal back.
cp p.gpkg legacy.gpkg
q legacy.gpkg "PRAGMA journal_mode = DELETE" >/dev/null
names=$(q legacy.gpkg "SELECT COUNT(*) FROM ref_communes WHERE length(name) < 100")
printf 'PRAGMA cache_size = 2;\nBEGIN;\nUPDATE ref_communes SET name = name || zeroblob(100);\n.system kill -9 $PPID\n' |
	sqlite3 legacy.gpkg >/dev/null 2>&1
[ -s legacy.gpkg-journal ] && ok || fail "the killed sqlite3 left no hot journal"
run 0 audit verify legacy.gpkg
run 0 export legacy.gpkg --out legacy-x
eq "$names" "$(q legacy.gpkg "SELECT COUNT(*) FROM ref_communes WHERE length(name) < 100")" "interrupted write rolled back"
done_testing
