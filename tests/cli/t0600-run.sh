#!/bin/sh
# run: the demo job end to end (init is skipped the second time), the JSON
# lines, and located errors in job files.
. "$(dirname "$0")/lib.sh"

D="$FIX/demo"
cat >job.ini <<EOT
workspace = ws.gpkg   ; relative to this file
[init]
crs = EPSG:9210
[ingest]
map = $D/map.gpkg
register = $D/register.csv
[check]
today = 2026-11-01
findings_csv = out/findings.csv
[classify]
groups_csv = out/groups.csv
EOT
mkdir out
run 2 run job.ini
same "$TD_SRC/tests/cli/expected/demo-findings.csv" out/findings.csv
same "$TD_SRC/tests/cli/expected/demo-groups.csv" out/groups.csv
contains out.txt "created workspace ws.gpkg"
eq "ingest check classify" "$(q ws.gpkg "SELECT group_concat(command, ' ') FROM (SELECT command FROM runs ORDER BY id)")" "stages recorded"

# From another directory, paths stay relative to the job file.
cd /
run 2 --json run "$T/job.ini"
cd "$T"
contains out.txt '{"command":"check","today":"2026-11-01","communes":2,"parcels":12'
contains out.txt '{"command":"run","exit_code":2}'
eq 2 "$(q ws.gpkg "SELECT COUNT(*) FROM runs WHERE command='check'")" "second run checked again"

printf 'workspace = ws.gpkg\n[check]\nfindings = x.csv\n' >bad.ini
run 3 run bad.ini
contains err.txt "'bad.ini' line 3: unknown setting 'findings' in [check]"
printf 'workspace = ws.gpkg\n[repair]\n' >bad2.ini
run 3 run bad2.ini
contains err.txt "'bad2.ini' line 2: unknown stage [repair]"
printf '[check]\n' >bad3.ini
run 3 run bad3.ini
contains err.txt "names no workspace"
run 4 run missing.ini
contains err.txt "cannot read 'missing.ini'"
printf 'workspace = nope.gpkg\n[check]\n[classify]\n' >stop.ini
run 4 run stop.ini
contains err.txt "run stopped at stage 1 [check]"
done_testing
