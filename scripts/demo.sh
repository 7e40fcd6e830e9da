#!/bin/sh
# The whole chain on the bundled demo data, into OUT_DIR, with a summary a
# person can read. Usage: scripts/demo.sh THUADAT_BINARY OUT_DIR
set -u
bin=$1
out=$2
src=$(cd "$(dirname "$0")/.." && pwd)

rm -rf "$out"
mkdir -p "$out"
out=$(cd "$out" && pwd)
cat >"$out/job.ini" <<EOT
# thuadat demo job (written by scripts/demo.sh)
workspace = $out/workspace.gpkg
[init]
crs = EPSG:9210
[ingest]
map = $src/fixtures/demo/map.gpkg
register = $src/fixtures/demo/register.csv
[check]
today = 2026-11-01
findings_csv = $out/findings.csv
[classify]
groups_csv = $out/groups.csv
[assign-id]
[export]
out = $out/xlsx
c06 = yes
[report]
out = $out/report
date = 2026-11-01
EOT

echo "== thuadat run $out/job.ini"
"$bin" run "$out/job.ini"
rc=$?
echo
echo "== summary"
echo "exit code: $rc (2 = finished, the data fails rules: expected for the demo data)"
echo "findings by rule:"
tail -n +2 "$out/findings.csv" | cut -d, -f1 | sort | uniq -c | awk '{ printf "  %-24s %s\n", $2, $1 }'
echo "parcels per group:"
tail -n +2 "$out/groups.csv" | cut -d, -f4 | sort | uniq -c | sed 's/^ *\([0-9]*\) \(.*\)/  group \2: \1/'
echo "audit trail:"
"$bin" audit verify "$out/workspace.gpkg" | sed 's/^/  /'
echo "files written:"
find "$out" -type f ! -name job.ini | sort | sed 's/^/  /'
echo
echo "open $out/workspace.gpkg in QGIS: layers 'parcels' (with grp and parcel_id), 'findings' and 'finding_areas'"
echo "open $out/report/report-2026-W44.html in a browser: the weekly report (works offline)"
[ "$rc" -le 2 ]
