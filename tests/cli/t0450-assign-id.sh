#!/bin/sh
# assign-id on the demo map: exact IDs; a second run keeps every one; a new
# version of the map (made here from fixtures/demo/map.gpkg with ogr2ogr)
# splits one parcel, merges two, renumbers a sheet and deletes one, and gets
# exactly the expected new IDs, lineage, key changes and retirements; IDs
# validate with 'id check' and typos do not; 'id show' prints the lineage;
# a failed run changes nothing; the [id] profile section and 'run'. All
# with the template scheme (scheme = template); the official scheme, the
# default, is t0460.
. "$(dirname "$0")/lib.sh"
printf '[id]\nscheme = template\n' >tpl.ini

D="$FIX/demo"
cp "$D/map.gpkg" map.gpkg
run 0 init ws.gpkg --crs EPSG:9210
run 0 ingest ws.gpkg --map map.gpkg --register "$D/register.csv"

ids() { q ws.gpkg "SELECT commune || '/' || sheet || '/' || parcel || '=' || COALESCE(parcel_id, 'NULL') FROM parcels ORDER BY commune, sheet, parcel, fid"; }

# First run: every parcel gets commune + 7-digit sequence in key order + ISO 7064 MOD 97-10.
run 0 assign-id ws.gpkg --profile tpl.ini
contains out.txt "assign-id: 12 parcels in 2 communes: issued 12 (split 0, merged 0, reshaped 0), kept 0, rekeyed 0, retired 0"
cat >ids1.txt <<'EOT'
11311/1/1=11311000000129
11311/1/2=11311000000226
11311/1/3=11311000000323
11311/1/4=11311000000420
11311/1/5=11311000000517
11311/1/6=11311000000614
11311/2/1=11311000000711
11311/2/2=11311000000808
11311/2/3=11311000000905
11329/1/1=11329000000196
11329/1/2=11329000000293
11329/1/3=11329000000390
EOT
ids >got1.txt
same ids1.txt got1.txt
eq "12|12|0" "$(q ws.gpkg "SELECT COUNT(*), SUM(status = 'active'), COUNT(retired_run) FROM id_registry")" "registry after run 1"
eq 12 "$(q ws.gpkg "SELECT COUNT(*) FROM id_parcel p JOIN parcels USING (commune, sheet, parcel) WHERE p.geom = parcels.geom")" "geometry kept for matching"
eq 0 "$(q ws.gpkg "SELECT COUNT(*) FROM parcels WHERE address_link IS NOT NULL")" "no address link by default"

# Second run on the same data: the same IDs, nothing written but the run row.
run 0 --json assign-id ws.gpkg --profile tpl.ini
contains out.txt '{"command":"assign-id","parcels":12,"communes":2,"issued":0,"kept":12,"rekeyed":0,"split":0,"merged":0,"reshaped":0,"retired":0,"scheme":"template","displaced":0,"no_point":0}'
ids >got2.txt
same ids1.txt got2.txt
eq 12 "$(q ws.gpkg "SELECT COUNT(*) FROM id_registry")" "no ID issued by run 2"

# Every ID validates; typos do not.
for id in $(q ws.gpkg "SELECT id FROM id_registry"); do
	run 0 id check "$id" --profile tpl.ini
done
contains out.txt "11329000000390: valid (commune 11329, sequence 3, ISO 7064 MOD 97-10)"
run 4 id check 11311000000527 --profile tpl.ini # one digit changed
contains err.txt "'11311000000527' is not a valid parcel ID: the check digits do not match (ISO 7064 MOD 97-10); a digit is mistyped or two are swapped"
run 4 id check 11311000005017 --profile tpl.ini # two adjacent digits swapped
contains err.txt "the check digits do not match"
run 4 id check 11311000000571 --profile tpl.ini # the check digits swapped
run 4 id check 13111000000517 --profile tpl.ini # commune digits swapped
run 4 id check 1131100000051 --profile tpl.ini
contains err.txt "expected 14 characters ({commune}{seq:7}{check}), got 13"
run 4 --json id check 1131l000000517 --profile tpl.ini
contains out.txt '{"command":"id check","id":"1131l000000517","valid":false,"reason":"'"'"'1131l000000517'"'"' is not a parcel ID: character 5 is '"'"'l'"'"', expected a digit of the commune code"}'
run 3 id check
run 3 id frob

# The next version of the map, from the demo map:
#   11311/1/5  split into 1/5 (west half) and 1/7 (east half)
#   11311/1/6  deleted
#   11311/2/*  sheet 2 renumbered 5, same polygons
#   11329/1/2 + 11329/1/3 merged into 1/2
ogr2ogr -f GPKG v2.gpkg "$D/map.gpkg" -nln parcels -nlt POLYGON -dialect SQLite -sql "
SELECT geom, MaXa, CASE WHEN MaXa = 11311 AND SoTo = 2 THEN 5 ELSE SoTo END AS SoTo, SoThua, LoaiDat, DienTich
  FROM parcels WHERE NOT (MaXa = 11311 AND SoTo = 1 AND SoThua IN (5, 6)) AND NOT (MaXa = 11329 AND SoThua IN (2, 3))
UNION ALL SELECT ST_Intersection(geom, BuildMbr(600020, 2300025, 600030, 2300050, ST_SRID(geom))), MaXa, SoTo, 5, LoaiDat, 250.0
  FROM parcels WHERE MaXa = 11311 AND SoTo = 1 AND SoThua = 5
UNION ALL SELECT ST_Intersection(geom, BuildMbr(600030, 2300025, 600040, 2300050, ST_SRID(geom))), MaXa, SoTo, 7, LoaiDat, 250.0
  FROM parcels WHERE MaXa = 11311 AND SoTo = 1 AND SoThua = 5
UNION ALL SELECT ST_Union(geom), MaXa, SoTo, 2, 'ODT', 200.0
  FROM parcels WHERE MaXa = 11329 AND SoThua IN (2, 3) GROUP BY MaXa, SoTo" || fail "ogr2ogr v2"
eq 11 "$(ogrinfo -ro -so v2.gpkg parcels | sed -n 's/Feature Count: //p')" "parcels in v2"
cp v2.gpkg map.gpkg
run 0 ingest ws.gpkg --map map.gpkg
cp ws.gpkg before-v2.gpkg

# A failing run changes nothing: a 1-digit sequence cannot hold 11311's 10th ID.
printf '[id]\nscheme = template\nformat = {commune}{seq:1}{check}\n' >narrow.ini
run 3 assign-id ws.gpkg --profile narrow.ini
contains err.txt "parcel 11311/1/5: commune 11311 has used every sequence number of 1 digits: widen {seq:N} in the ID format '{commune}{seq:1}{check}'"
for t in id_registry id_parcel id_lineage id_key_changes runs; do
	eq "$(q before-v2.gpkg "SELECT * FROM $t ORDER BY 1, 2")" "$(q ws.gpkg "SELECT * FROM $t ORDER BY 1, 2")" "$t after a failed run"
done
eq "$(q before-v2.gpkg "SELECT group_concat(COALESCE(parcel_id, '-')) FROM parcels")" "$(q ws.gpkg "SELECT group_concat(COALESCE(parcel_id, '-')) FROM parcels")" "parcel IDs after a failed run"

run 0 assign-id ws.gpkg --profile tpl.ini
contains out.txt "assign-id: 11 parcels in 2 communes: issued 3 (split 2, merged 1, reshaped 0), kept 5, rekeyed 3, retired 4"
cat >ids3.txt <<'EOT'
11311/1/1=11311000000129
11311/1/2=11311000000226
11311/1/3=11311000000323
11311/1/4=11311000000420
11311/1/5=11311000001002
11311/1/7=11311000001196
11311/5/1=11311000000711
11311/5/2=11311000000808
11311/5/3=11311000000905
11329/1/1=11329000000196
11329/1/2=11329000000487
EOT
ids >got3.txt
same ids3.txt got3.txt
run=$(q ws.gpkg "SELECT MAX(id) FROM runs WHERE command = 'assign-id'")
eq "11311000001002 11311000000517 split $run
11311000001196 11311000000517 split $run
11329000000487 11329000000293 merge $run
11329000000487 11329000000390 merge $run" "$(q ws.gpkg "SELECT child, parent, kind, run_id FROM id_lineage ORDER BY child, parent" | tr '|' ' ')" "lineage"
eq "11311000000517 retired $run
11311000000614 retired $run
11329000000293 retired $run
11329000000390 retired $run" "$(q ws.gpkg "SELECT id, status, retired_run FROM id_registry WHERE status = 'retired' ORDER BY id" | tr '|' ' ')" "retired IDs"
eq "11311000000711 11311 2 1 11311 5 1
11311000000808 11311 2 2 11311 5 2
11311000000905 11311 2 3 11311 5 3" "$(q ws.gpkg "SELECT id, old_commune, old_sheet, old_parcel, new_commune, new_sheet, new_parcel FROM id_key_changes WHERE run_id = $run ORDER BY id" | tr '|' ' ')" "key changes"
eq "5|1" "$(q ws.gpkg "SELECT sheet, parcel FROM id_registry WHERE id = '11311000000711'")" "registry holds the new key"
eq 15 "$(q ws.gpkg "SELECT COUNT(*) FROM id_registry")" "every ID ever issued is kept"
eq 11 "$(q ws.gpkg "SELECT COUNT(*) FROM id_parcel")" "one id_parcel row per active ID"
for id in $(q ws.gpkg "SELECT id FROM id_registry WHERE issued_run = $run"); do
	run 0 id check "$id" --profile tpl.ini
done

# id show: status, key, runs, lineage both ways, key changes.
run 0 id show ws.gpkg 11311000000517
contains out.txt "status:   retired"
contains out.txt "key:      11311/1/5"
contains out.txt "children:"
contains out.txt "  11311000001002  active   11311/1/5  issued run $run  (split)"
contains out.txt "  11311000001196  active   11311/1/7  issued run $run  (split)"
contains out.txt "parents:  none"
run 0 id show ws.gpkg 11311000000711
contains out.txt "key:      11311/5/1"
contains out.txt ": 11311/2/1 -> 11311/5/1"
run 4 id show ws.gpkg 11311000001099
contains err.txt "workspace 'ws.gpkg' never issued the parcel ID '11311000001099'"
run 3 id show ws.gpkg

# Unchanged again: all kept.
run 0 assign-id ws.gpkg --profile tpl.ini
contains out.txt "issued 0 (split 0, merged 0, reshaped 0), kept 11, rekeyed 0, retired 0"
ids >got4.txt
same ids3.txt got4.txt

# Merge the two halves back: a new ID whose parents are both halves, and
# whose grandparent (the original parcel) is listed once per path. And cut a
# 1 m strip (5 %) off 11311/1/1 as 1/8: within the tolerance, 1/1 keeps its
# ID and stays active; the strip is new with 1/1 as its split parent.
ogr2ogr -f GPKG v3.gpkg map.gpkg -nln parcels -nlt POLYGON -dialect SQLite -sql "
SELECT geom, MaXa, SoTo, SoThua, LoaiDat, DienTich FROM parcels
  WHERE NOT (MaXa = 11311 AND SoTo = 1 AND SoThua IN (1, 5, 7))
UNION ALL SELECT ST_Union(geom), MaXa, SoTo, 5, LoaiDat, 500.0 FROM parcels
  WHERE MaXa = 11311 AND SoTo = 1 AND SoThua IN (5, 7) GROUP BY MaXa, SoTo
UNION ALL SELECT ST_Intersection(geom, BuildMbr(600000, 2300000, 600019, 2300025, ST_SRID(geom))), MaXa, SoTo, 1, LoaiDat, 475.0
  FROM parcels WHERE MaXa = 11311 AND SoTo = 1 AND SoThua = 1
UNION ALL SELECT ST_Intersection(geom, BuildMbr(600019, 2300000, 600020, 2300025, ST_SRID(geom))), MaXa, SoTo, 8, LoaiDat, 25.0
  FROM parcels WHERE MaXa = 11311 AND SoTo = 1 AND SoThua = 1" || fail "ogr2ogr v3"
cp v3.gpkg map.gpkg
run 0 ingest ws.gpkg --map map.gpkg
run 0 assign-id ws.gpkg --profile tpl.ini
contains out.txt "assign-id: 11 parcels in 2 communes: issued 2 (split 1, merged 1, reshaped 0), kept 9, rekeyed 0, retired 2"
eq "11311/1/1=11311000000129
11311/1/5=11311000001293
11311/1/8=11311000001390" "$(ids | grep -E '^11311/1/(1|5|8)=')" "merged halves get a new ID, never the old one; the strip a new one"
eq "11311000001293 11311000001002 merge
11311000001293 11311000001196 merge
11311000001390 11311000000129 split" "$(q ws.gpkg "SELECT child, parent, kind FROM id_lineage WHERE run_id = $((run + 3)) ORDER BY child, parent" | tr '|' ' ')" "lineage of the merge and the strip"
eq active "$(q ws.gpkg "SELECT status FROM id_registry WHERE id = '11311000000129'")" "a parcel that lost a strip stays active"
run 0 id show ws.gpkg 11311000001293
cat >show.txt <<EOT
parents:
  11311000001002  retired  11311/1/5  issued run $run, retired run $((run + 3))  (merge)
    11311000000517  retired  11311/1/5  issued run 2, retired run $run  (split)
  11311000001196  retired  11311/1/7  issued run $run, retired run $((run + 3))  (merge)
    11311000000517  retired  11311/1/5  issued run 2, retired run $run  (split)  (listed above)
children: none
EOT
sed -n '/^parents:/,/^children:/p' out.txt >got-show.txt
same show.txt got-show.txt
run 0 --json id show ws.gpkg 11311000000517
contains out.txt '"children":[{"id":"11311000001002","status":"retired","commune":"11311","sheet":1,"parcel":5,"issued_run":'"$run"
contains out.txt '"kind":"split","depth":1,"repeated":false},{"id":"11311000001293","status":"active","commune":"11311","sheet":1,"parcel":5,"issued_run":'"$((run + 3))"
contains out.txt '"kind":"merge","depth":2,"repeated":false},{"id":"11311000001196"'
contains out.txt '"kind":"merge","depth":2,"repeated":true}],"key_changes":[]}'

# A profile's [id] section: format, MOD 11-10, the address link; 'run' has the stage.
cat >hp.ini <<'EOT'
[id]
scheme = template
format = HP-{commune}-{seq:5}{check}
check = mod11-10
address_link = https://diachi.example.vn/thua/{id}?to={sheet}&thua={parcel}
EOT
cat >job.ini <<EOT
workspace = ws2.gpkg
[init]
crs = EPSG:9210
[ingest]
map = $D/map.gpkg
[assign-id]
profile = hp.ini
EOT
run 0 --json run job.ini
contains out.txt '{"command":"assign-id","parcels":12,"communes":2,"issued":12,"kept":0,"rekeyed":0,"split":0,"merged":0,"reshaped":0,"retired":0,"scheme":"template","displaced":0,"no_point":0}'
eq "HP-11311-000010|https://diachi.example.vn/thua/HP-11311-000010?to=1&thua=1" "$(q ws2.gpkg "SELECT parcel_id, address_link FROM parcels WHERE commune = '11311' AND sheet = 1 AND parcel = 1")" "template and link"
run 0 id check HP-11311-000010 --profile hp.ini
run 4 id check HP-11311-000011 --profile hp.ini
run 4 id check 11311000000129 --profile hp.ini
contains err.txt "expected 15 characters (HP-{commune}-{seq:5}{check}), got 14"
printf '[id]\nformat = {commune}{seq:7}\n' >bad.ini
run 3 assign-id ws2.gpkg --profile bad.ini
contains err.txt "'bad.ini': ID format '{commune}{seq:7}' needs {commune}, {seq:N} and {check}"
printf 'workspace = ws2.gpkg\n[assign-id]\nformat = x\n' >badjob.ini
run 3 run badjob.ini
contains err.txt "'badjob.ini' line 3: unknown setting 'format' in [assign-id]"
# check and classify read the same profile and skip its [id] section.
run 2 check ws2.gpkg --profile hp.ini --today 2026-11-01
done_testing
