#!/bin/sh
# report: the demo's weekly report, then a second week after the register
# was corrected and two owners verified: exact figures in the text output,
# the JSON, the HTML page and the workbook (read back through GDAL), the
# change since the first report, the stored figures, the job-file stage,
# usage errors, and a headless-browser screenshot when a browser is there.
. "$(dirname "$0")/lib.sh"

D="$FIX/demo"
cp "$D/register.csv" register.csv
run 0 init ws.gpkg --crs EPSG:9210
run 0 ingest ws.gpkg --map "$D/map.gpkg" --register register.csv
run 2 check ws.gpkg --today 2026-11-01
run 3 report ws.gpkg --out rep --date 2026-11-01
contains err.txt "workspace 'ws.gpkg' has no graded parcels: run 'thuadat classify' first"
run 2 classify ws.gpkg

# Week 44: no earlier report; one parcel (11311 2/1) waits since 1 September.
run 1 report ws.gpkg --out rep --date 2026-11-01
cat >expected.txt <<'EOT'
report 2026-W44 (2026-10-26 to 2026-11-01), figures as of 2026-11-01, no earlier report
commune    parcels      group 1      group 2      group 3       verified    rate  updated    overdue
11311            9            5            3            1            0/8    0.0%        0          1
11329            4            2            1            1            0/5    0.0%        0          0
total           13            7            4            2           0/13    0.0%        0          1
wrote rep/report-2026-W44.xlsx and rep/report-2026-W44.html
1 parcel with a pending change older than 30 days: see the workbook's list
EOT
same expected.txt out.txt
eq "644 644" "$(mode rep/report-2026-W44.xlsx) $(mode rep/report-2026-W44.html)" "file modes (no personal data)"
ls rep | grep -q tmp && fail "temporary file left" || ok
eq "2026-W44|11311|2026-11-01|9|5|3|1|8|0|0|1
2026-W44|11329|2026-11-01|4|2|1|1|5|0|0|0
2026-W44|*|2026-11-01|13|7|4|2|13|0|0|1" "$(q ws.gpkg "SELECT week, commune, as_of, parcels, group1, group2, group3, holders, verified, certificates_updated, overdue FROM report_snapshots ORDER BY rowid")" "stored figures"

# Week 45: 11311 1/5's area corrected and 2/1's change done on 4 November;
# C06 confirmed two owners of 11311.
sed -e 's/^11311,1,5,620.0,/11311,1,5,500.0,/' -e 's|^\(11311,2,1,.*\),02/06/2019,01/09/2026$|\1,04/11/2026,|' \
	"$D/register.csv" >register.csv
eq 2 "$(diff "$D/register.csv" register.csv | grep -c '^>')" "two register rows changed"
eq 0 "$(q ws.gpkg "SELECT count(*) FROM sources WHERE kind = 'register' AND path NOT LIKE '%/register.csv'")" "one register source"
run 0 ingest ws.gpkg --map "$D/map.gpkg" --register register.csv
run 3 report ws.gpkg --out rep --week 2026-W45
contains err.txt "workspace 'ws.gpkg' changed since the last classify: run 'thuadat check' and 'thuadat classify' first"
q ws.gpkg "UPDATE owners SET verification = 'matched' WHERE cccd IN ('031185001234', '031080004321')"
run 2 check ws.gpkg --today 2026-11-06
run 2 classify ws.gpkg
run 0 --json report ws.gpkg --out rep --week 2026-W45 --date 2026-11-06
cat >expected.json <<'EOT'
{"command":"report","week":"2026-W45","from":"2026-11-02","to":"2026-11-08","as_of":"2026-11-06","target":95,"deadline_days":30,"xlsx":"rep/report-2026-W45.xlsx","html":"rep/report-2026-W45.html","communes":[{"commune":"11311","name":"Phường Hồng Bàng","parcels":9,"group1":7,"group2":1,"group3":1,"holders":8,"verified":2,"verification_rate":25.00,"certificates_updated":1,"overdue":0,"previous":{"week":"2026-W44","parcels":9,"group1":5,"group2":3,"group3":1,"holders":8,"verified":0,"verification_rate":0.00,"certificates_updated":0,"overdue":1},"change":{"parcels":0,"group1":2,"group2":-2,"group3":0,"verified":2,"verification_rate":25.00,"certificates_updated":1,"overdue":-1}},{"commune":"11329","name":"Phường Ngô Quyền","parcels":4,"group1":2,"group2":1,"group3":1,"holders":5,"verified":0,"verification_rate":0.00,"certificates_updated":0,"overdue":0,"previous":{"week":"2026-W44","parcels":4,"group1":2,"group2":1,"group3":1,"holders":5,"verified":0,"verification_rate":0.00,"certificates_updated":0,"overdue":0},"change":{"parcels":0,"group1":0,"group2":0,"group3":0,"verified":0,"verification_rate":0.00,"certificates_updated":0,"overdue":0}}],"total":{"parcels":13,"group1":9,"group2":2,"group3":2,"holders":13,"verified":2,"verification_rate":15.38,"certificates_updated":1,"overdue":0,"previous":{"week":"2026-W44","parcels":13,"group1":7,"group2":4,"group3":2,"holders":13,"verified":0,"verification_rate":0.00,"certificates_updated":0,"overdue":1},"change":{"parcels":0,"group1":2,"group2":-2,"group3":0,"verified":2,"verification_rate":15.38,"certificates_updated":1,"overdue":-1}}}
EOT
same expected.json out.txt

# The HTML page: the figures, Vietnamese text, nothing fetched from anywhere.
H=rep/report-2026-W45.html
contains $H '<html lang="vi">'
contains $H '<meta charset="utf-8">'
contains $H 'Tuần 45/2026 (02/11/2026 – 08/11/2026) · số liệu tính đến ngày 06/11/2026 · so với báo cáo tuần 44/2026'
contains $H '<tr><td class="t">11311</td><td class="t">Phường Hồng Bàng</td><td>9 <span class="chg">±0</span></td><td>7 <span class="chg good">+2</span></td><td>1 <span class="chg good">−2</span></td><td>1 <span class="chg">±0</span></td><td>2/8</td><td><span class="no">25,0%</span> <span class="chg good">+25,0</span></td><td>1 <span class="chg good">+1</span></td><td>0 <span class="chg good">−1</span></td></tr>'
contains $H '<div class="l">Tỷ lệ xác thực chủ sử dụng</div><div class="v">15,4%</div><div class="l">2/13 chủ có GCN · chỉ tiêu 95%: <span class="no">chưa đạt</span>'
contains $H 'Chỉ tiêu 95%</text>'
contains $H '<p>Không có biến động nào quá hạn.</p>'
contains $H '11311 – nhóm 1: 7 thửa (77,8%)</title>'
grep -Eiq '(src|href)=|<script|@import|url\(' $H && fail "the page refers to something outside itself" || ok
contains rep/report-2026-W44.html '<td class="t">Phường Hồng Bàng</td><td>2</td><td>1</td><td class="t"></td><td>01/09/2026</td><td>61</td><td class="bad">31</td><td>8</td></tr>'

# The workbook through GDAL's XLSX driver.
export OGR_XLSX_HEADERS=FORCE OGR_XLSX_FIELD_TYPES=STRING
X=rep/report-2026-W45.xlsx
ogrinfo -ro $X 2>/dev/null | sed -n 's/^[0-9]*: \(.*\) (None)$/\1/p' | tr '\n' '|' >sheets.txt
eq "Thông tin|Tổng hợp theo xã|Biến động quá hạn|" "$(cat sheets.txt)" "sheet names"
# row SHEET WHERE: the row's fields as name=value, one line
row() {
	ogrinfo -ro -q $X -sql "SELECT * FROM \"$1\" WHERE $2" 2>/dev/null |
		sed -n 's/^  \(.*\) (String) = \(.*\)$/\1=\2/p' | tr '\n' '|'
}
eq "Mã xã=11311|Tên xã=Phường Hồng Bàng|Tổng số thửa=9|Nhóm 1=7|Nhóm 2=1|Nhóm 3=1|Tỷ lệ nhóm 1 (%)=77.77777777777777|Thay đổi tổng số thửa=0|Thay đổi nhóm 1=2|Thay đổi nhóm 2=-2|Thay đổi nhóm 3=0|Chủ sử dụng có GCN=8|Đã xác thực=2|Tỷ lệ xác thực (%)=25|Thay đổi tỷ lệ (điểm %)=25|Chỉ tiêu (%)=95|Đạt chỉ tiêu=Chưa đạt|GCN cập nhật trong tuần=1|Biến động quá hạn=0|Thay đổi quá hạn=-1|So với tuần=2026-W44|" \
	"$(row 'Tổng hợp theo xã' "\"Mã xã\" = '11311'")" "commune row"
eq "Tên xã=Tổng cộng|Tổng số thửa=13|Nhóm 1=9|Nhóm 2=2|Nhóm 3=2|" \
	"$(row 'Tổng hợp theo xã' "\"Tên xã\" = 'Tổng cộng'" | cut -d'|' -f1-5)|" "total row"
eq "Nội dung=Số liệu tính đến ngày|Giá trị=2026/11/06|" "$(row 'Thông tin' "\"Nội dung\" = 'Số liệu tính đến ngày'")" "as-of date cell"
eq "Mã xã=11311|Tên xã=Phường Hồng Bàng|Số tờ=2|Số thửa=1|Ngày đăng ký biến động=2026/09/01|Số ngày chờ=61|Quá hạn (ngày)=31|Dòng trong sổ=8|" \
	"$(X=rep/report-2026-W44.xlsx; ogrinfo -ro -q $X -sql "SELECT * FROM \"Biến động quá hạn\"" 2>/dev/null | sed -n 's/^  \(.*\) (String) = \(.*\)$/\1=\2/p' | tr '\n' '|')" "overdue list of week 44"

# Reporting week 45 again replaces its figures and shows the same change;
# a report of week 44 again still has nothing before it.
run 0 --json report ws.gpkg --out rep --date 2026-11-06
same expected.json out.txt
eq 6 "$(q ws.gpkg "SELECT count(*) FROM report_snapshots")" "one set of figures per week"
run 0 --json report ws.gpkg --out rep --week 2026-W44
contains out.txt '"week":"2026-W44","from":"2026-10-26","to":"2026-11-01","as_of":"2026-11-01"'
contains out.txt '"previous":null,"change":null'
eq "2026-W44 2026-W45" "$(q ws.gpkg "SELECT group_concat(week, ' ') FROM (SELECT DISTINCT week FROM report_snapshots ORDER BY week)")" "weeks stored"

# As a stage of a job file.
cat >job.ini <<EOT
workspace = ws.gpkg
[report]
out = job-out
week = 2026-W46
target = 20
EOT
run 0 --json run job.ini
contains out.txt '"week":"2026-W46","from":"2026-11-09","to":"2026-11-15","as_of":"2026-11-15","target":20,'
contains out.txt '"verification_rate":25.00,"certificates_updated":0,"overdue":0,"previous":{"week":"2026-W45"'
contains job-out/report-2026-W46.html 'chỉ tiêu 20%: <span class="no">chưa đạt</span>'

# Usage errors change nothing.
n=$(q ws.gpkg "SELECT count(*) FROM runs")
run 3 report ws.gpkg --out rep --week 2026-W54
contains err.txt "week '2026-W54': expected YYYY-Www, an ISO week such as 2026-W45"
run 3 report ws.gpkg --out rep --week 2026-W45 --date 2026-11-09
contains err.txt "date 2026-11-09 is not in week 2026-W45 (2026-11-02 to 2026-11-08)"
run 3 report ws.gpkg --out rep --date 6/11/2026
contains err.txt "date '6/11/2026': expected YYYY-MM-DD"
run 3 report ws.gpkg --out rep --target 101
run 3 report ws.gpkg
echo x >file
run 5 report ws.gpkg --out file/sub --date 2026-11-06
eq "$n" "$(q ws.gpkg "SELECT count(*) FROM runs")" "no run recorded for failures"

# The page renders: a headless browser's screenshot, when one is installed.
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -n "$browser" ]; then
	timeout 120 "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1100,1400 \
		--screenshot="$T/shot.png" "file://$T/$H" >/dev/null 2>&1
	# A PNG of 1100 pixels by 1400, with more in it than a blank page.
	eq "89504e47 0000044c 00000578" "$(od -An -tx1 -N24 shot.png 2>/dev/null | tr -d ' \n' | sed 's/^\(.\{8\}\).\{24\}\(.\{8\}\)\(.\{8\}\)$/\1 \2 \3/')" "screenshot header"
	[ "$(stat -c %s shot.png 2>/dev/null || echo 0)" -gt 50000 ] && ok || fail "screenshot looks blank"
else
	echo "skip: no headless browser (apt-get install chromium) for the screenshot"
fi
done_testing
