#!/bin/sh
# assign-id's default, the official parcel ID: the 12-character GeoHash of
# the parcel's label point in WGS 84. Hand-made L-, U-shaped, holed and
# two-part parcels (centroid outside, label point inside); every ID decoded
# here with an awk GeoHash decoder and converted back to VN-2000 with cs2cs
# lies inside its parcel, as deep as the label point allows; the VN-2000 ->
# WGS 84 step agrees with cs2cs to 1 mm; a re-run keeps every ID; a
# duplicate polygon and a split remainder in an issued cell get the
# documented neighbour cell; split, merge, renumber and delete give the
# expected lineage; id check with and without a workspace.
. "$(dirname "$0")/lib.sh"

TOWGS84="+towgs84=-191.90441429,-39.30318279,-111.45032835,0.00928836,-0.01975479,0.00427372,0.252906278"
VN="+proj=tmerc +lat_0=0 +lon_0=105.75 +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84 $TOWGS84 +units=m +no_defs"
WGS="+proj=longlat +datum=WGS84 +no_defs"

# geohash ID: "lat_lo lat_hi lon_lo lon_hi" of its cell (an independent decoder)
geohash() {
	echo "$1" | awk '{
		a = "0123456789bcdefghjkmnpqrstuvwxyz"; la0 = -90; la1 = 90; lo0 = -180; lo1 = 180; even = 1
		for (i = 1; i <= length($1); i++) {
			v = index(a, substr($1, i, 1)) - 1
			if (v < 0) { print "bad"; exit }
			for (b = 16; b >= 1; b /= 2) {
				bit = int(v / b) % 2
				if (even) { m = (lo0 + lo1) / 2; if (bit) lo0 = m; else lo1 = m }
				else { m = (la0 + la1) / 2; if (bit) la0 = m; else la1 = m }
				even = !even
			}
		}
		printf "%.12f %.12f %.12f %.12f\n", la0, la1, lo0, lo1 }'
}
# centre ID: "x y" in VN-2000 105°45' of the cell centre, by cs2cs
centre() {
	geohash "$1" | awk '{ printf "%.12f %.12f\n", ($3 + $4) / 2, ($1 + $2) / 2 }' |
		cs2cs -f %.4f $WGS +to $VN | awk '{ print $1, $2 }'
}

cat >parcels.csv <<'EOT'
WKT,MaXa,SoTo,SoThua,LoaiDat,DienTich
"MULTIPOLYGON(((600000 2300000,600020 2300000,600020 2300020,600000 2300020,600000 2300000)))",11311,1,1,ONT,400
"MULTIPOLYGON(((600100 2300000,600110 2300000,600110 2300002,600102 2300002,600102 2300010,600100 2300010,600100 2300000)))",11311,1,2,ONT,36
"MULTIPOLYGON(((600200 2300000,600210 2300000,600210 2300010,600207 2300010,600207 2300003,600203 2300003,600203 2300010,600200 2300010,600200 2300000)))",11311,1,3,ONT,72
"MULTIPOLYGON(((600300 2300000,600310 2300000,600310 2300010,600300 2300010,600300 2300000),(600304 2300004,600306 2300004,600306 2300006,600304 2300006,600304 2300004)))",11311,1,4,ONT,96
"MULTIPOLYGON(((600400 2300000,600404 2300000,600404 2300004,600400 2300004,600400 2300000)),((600410 2300000,600414 2300000,600414 2300004,600410 2300004,600410 2300000)))",11311,1,5,ONT,32
"MULTIPOLYGON(((600500 2300000,600520 2300000,600520 2300020,600560 2300020,600560 2300022,600500 2300022,600500 2300000)))",11311,1,6,ONT,520
"MULTIPOLYGON(((600600 2300000,600610 2300000,600610 2300010,600600 2300010,600600 2300000)))",11311,1,10,ONT,100
EOT
ogr2ogr -f GPKG map.gpkg parcels.csv -nln parcels -a_srs EPSG:9210 -nlt MULTIPOLYGON \
	-oo GEOM_POSSIBLE_NAMES=WKT -oo KEEP_GEOM_COLUMNS=NO -oo AUTODETECT_TYPE=YES || fail "ogr2ogr"
run 0 init ws.gpkg --crs EPSG:9210
run 0 ingest ws.gpkg --map map.gpkg
run 0 assign-id ws.gpkg
contains out.txt "assign-id: 7 parcels in 1 commune: issued 7 (split 0, merged 0, reshaped 0), kept 0, rekeyed 0, retired 0"
q ws.gpkg "SELECT sheet || '/' || parcel || '=' || parcel_id FROM parcels ORDER BY sheet, parcel" >ids1.txt
eq 7 "$(q ws.gpkg "SELECT COUNT(DISTINCT parcel_id) FROM parcels WHERE length(parcel_id) = 12 AND parcel_id NOT GLOB '*[^0-9b-hjkmnp-z]*'")" "7 distinct 12-character GeoHash IDs"

# Each ID, decoded here and converted back by cs2cs, lies inside its parcel,
# at least (analytic maximum - precision 0.01 m - half the cell's diagonal
# 0.021 m) from its boundary; the centroid of parcels 2-5 lies outside.
# Parcel: analytic maximum distance (L: 2√2/(1+√2), U: 3√2/(1+√2), hole: 4√2/(1+√2)).
for pr in "1 10" "2 1.171573" "3 1.757359" "4 2.343146" "5 2" "6 10" "10 5"; do
	set -- $pr
	id=$(q ws.gpkg "SELECT parcel_id FROM parcels WHERE parcel = $1")
	xy=$(centre "$id")
	x=${xy% *}
	y=${xy#* }
	eq "1|1" "$(qs ws.gpkg "SELECT ST_Contains(GeomFromGPB(geom), MakePoint($x, $y, 9210)),
		ST_Distance(ST_Boundary(GeomFromGPB(geom)), MakePoint($x, $y, 9210)) >= $2 - 0.031 FROM parcels WHERE parcel = $1")" \
		"parcel 1/$1: $id decodes inside, deep enough"
	case $1 in 2 | 3 | 4 | 5) eq 0 "$(qs ws.gpkg "SELECT ST_Contains(GeomFromGPB(geom), ST_Centroid(GeomFromGPB(geom))) FROM parcels WHERE parcel = $1")" "parcel 1/$1: centroid outside" ;; esac
	# id check with the workspace converts the cell centre with the library: cs2cs agrees to 1 mm both ways.
	run 0 id check ws.gpkg "$id"
	contains out.txt "$id: active, parcel 11311/1/$1: the point ("
	got=$(sed -n 's/.*the point (\([0-9.]*\), \([0-9.]*\)) lies inside.*/\1 \2/p' out.txt)
	eq 1 "$(echo "$got $xy" | awk '{ d1 = $1 - $3; d2 = $2 - $4; print (d1 * d1 < 0.0015 ^ 2 && d2 * d2 < 0.0015 ^ 2) }')" "parcel 1/$1: library and cs2cs inverse within 1 mm ($got, $xy)"
	# Back with cs2cs: within 2 mm (the point is printed to 1 mm, and PROJ's
	# inverse Helmert step, used by both above, is approximate to about 1 mm).
	back=$(echo "$got" | cs2cs -f %.10f $VN +to $WGS | awk '{ print $1, $2 }')
	eq 1 "$(echo "$back $(geohash "$id")" | awk '{ c1 = ($3 + $4) / 2; c0 = ($5 + $6) / 2; d1 = $2 - c1; d0 = $1 - c0; print (d1 * d1 < 2e-8 ^ 2 && d0 * d0 < 2e-8 ^ 2) }')" "parcel 1/$1: cs2cs forward within 2 mm of the cell centre"
done
# Independently of the label point: the square's centre, by cs2cs, is in the square's cell (±1 cm precision + 1 mm).
ll=$(echo "600010 2300010" | cs2cs -f %.12f $VN +to $WGS | awk '{ print $1, $2 }')
eq 1 "$(echo "$ll $(geohash "$(q ws.gpkg "SELECT parcel_id FROM parcels WHERE parcel = 1")")" | awk '{ e = 1.1e-2 / 111320; print ($2 >= $3 - e && $2 <= $4 + e && $1 >= $5 - e && $1 <= $6 + e) }')" "square 1/1: cs2cs of its centre falls in its ID's cell"

# Unchanged data twice: the same IDs, nothing issued.
run 0 --json assign-id ws.gpkg
contains out.txt '"issued":0,"kept":7,"rekeyed":0,"split":0,"merged":0,"reshaped":0,"retired":0,"scheme":"official","displaced":0,"no_point":0}'
q ws.gpkg "SELECT sheet || '/' || parcel || '=' || parcel_id FROM parcels ORDER BY sheet, parcel" >ids2.txt
same ids1.txt ids2.txt

# id check: the official form, no workspace; typos the form catches and one it cannot.
id1=$(q ws.gpkg "SELECT parcel_id FROM parcels WHERE parcel = 1")
run 0 id check "$id1"
contains out.txt "$id1: valid official ID (GeoHash cell centre "
contains out.txt "GeoHash has no check character: a mistyped character that still decodes in Vietnam is not caught without a workspace"
run 4 id check "$(echo "$id1" | cut -c1-11)"
contains err.txt "expected 12 GeoHash characters, got 11"
run 4 id check "$(echo "$id1" | cut -c1-11)a"
contains err.txt "character 12 is 'a', not one of the GeoHash alphabet"
run 4 id check "u$(echo "$id1" | cut -c2-12)"
contains err.txt "outside Vietnam"
typo=$(echo "$id1" | cut -c1-11)$(echo "$id1" | cut -c12 | tr '0-9b-hjkmnp-z' '1-9b-hjkmnp-z0')
run 0 id check "$typo" # caught only with the workspace
run 4 id check ws.gpkg "$typo"
contains err.txt "workspace 'ws.gpkg' never issued the parcel ID '$typo' (mistyped?)"
run 0 --json id check ws.gpkg "$id1"
contains out.txt '"valid":true,"scheme":"official"'
contains out.txt '"issued":true,"status":"active","commune":"11311","sheet":1,"parcel":1,"inside":true,"distance":0.000}'

# The next version:
#   1/4  the holed parcel moved 0.3 m east (redrawn within the tolerance): keeps its ID
#   1/6  the square with a flag: the flag is cut off as 1/7; the square is
#        a new ID (the flag was 23 % of the parcel), from its own label point
#   1/10 deleted; 1/2 + 1/3 merged into 1/2 (both parts); 1/5 renumbered 1/9
#   1/8  a duplicate of the 1/1 polygon: its label point is in 1/1's cell
cat >v2.csv <<'EOT'
WKT,MaXa,SoTo,SoThua,LoaiDat,DienTich
"MULTIPOLYGON(((600000 2300000,600020 2300000,600020 2300020,600000 2300020,600000 2300000)))",11311,1,1,ONT,400
"MULTIPOLYGON(((600000 2300000,600020 2300000,600020 2300020,600000 2300020,600000 2300000)))",11311,1,8,ONT,400
"MULTIPOLYGON(((600100 2300000,600110 2300000,600110 2300002,600102 2300002,600102 2300010,600100 2300010,600100 2300000)),((600200 2300000,600210 2300000,600210 2300010,600207 2300010,600207 2300003,600203 2300003,600203 2300010,600200 2300010,600200 2300000)))",11311,1,2,ONT,108
"MULTIPOLYGON(((600300.3 2300000,600310.3 2300000,600310.3 2300010,600300.3 2300010,600300.3 2300000),(600304.3 2300004,600306.3 2300004,600306.3 2300006,600304.3 2300006,600304.3 2300004)))",11311,1,4,ONT,96
"MULTIPOLYGON(((600400 2300000,600404 2300000,600404 2300004,600400 2300004,600400 2300000)),((600410 2300000,600414 2300000,600414 2300004,600410 2300004,600410 2300000)))",11311,1,9,ONT,32
"MULTIPOLYGON(((600500 2300000,600520 2300000,600520 2300020,600500 2300020,600500 2300000)))",11311,1,6,ONT,400
"MULTIPOLYGON(((600520 2300020,600560 2300020,600560 2300022,600500 2300022,600500 2300020,600520 2300020)))",11311,1,7,ONT,120
EOT
rm -f map.gpkg
ogr2ogr -f GPKG map.gpkg v2.csv -nln parcels -a_srs EPSG:9210 -nlt MULTIPOLYGON \
	-oo GEOM_POSSIBLE_NAMES=WKT -oo KEEP_GEOM_COLUMNS=NO -oo AUTODETECT_TYPE=YES || fail "ogr2ogr v2"
run 0 ingest ws.gpkg --map map.gpkg
# The IDs the parcels get from their own label points alone (a fresh workspace).
run 0 init fresh.gpkg --crs EPSG:9210
run 0 ingest fresh.gpkg --map map.gpkg
run 0 assign-id fresh.gpkg
contains out.txt "issued 7 (split 0, merged 0, reshaped 0), kept 0, rekeyed 0, retired 0; 1 in a neighbouring GeoHash cell"
own() { q fresh.gpkg "SELECT parcel_id FROM parcels WHERE parcel = $1"; }
run 0 assign-id ws.gpkg
contains out.txt "assign-id: 7 parcels in 1 commune: issued 4 (split 3, merged 1, reshaped 0), kept 2, rekeyed 1, retired 4"
key() { q ws.gpkg "SELECT parcel_id FROM parcels WHERE parcel = $1"; }
eq "$id1" "$(key 1)" "1/1 unchanged keeps its ID"
eq "$(sed -n 's/^1\/4=//p' ids1.txt)" "$(key 4)" "1/4 redrawn within the tolerance keeps its ID"
[ "$(own 4)" != "$(key 4)" ] && ok || fail "1/4's label point did not move"
eq "$(sed -n 's/^1\/5=//p' ids1.txt)" "$(key 9)" "1/5 renumbered 1/9 keeps its ID"
# 1/8 duplicates 1/1: its label point's cell is 1/1's ID, so it gets the
# first free neighbour cell inside it: the north-west one (ring 1 starts there).
eq "$(own 8)" "$(key 8)" "1/8 the same in both workspaces"
eq 1 "$(echo "$(geohash "$id1") $(geohash "$(key 8)")" | awk '{ h = $2 - $1; w = $4 - $3; dl = (($5 + $6) - ($1 + $2)) / 2 / h; dn = (($7 + $8) - ($3 + $4)) / 2 / w; print (dl > 0.99 && dl < 1.01 && dn < -0.99 && dn > -1.01) }')" "1/8 is in the north-west neighbour of 1/1's cell"
# The other new parcels: their own label point's ID, unless that cell was
# issued before in this workspace (then a neighbour cell, counted as displaced).
displaced=1
for p in 2 6 7; do
	if grep -q "=$(own $p)\$" ids1.txt; then
		displaced=$((displaced + 1))
		[ "$(key $p)" != "$(own $p)" ] && ok || fail "1/$p reuses an ID ever issued"
	else
		eq "$(own $p)" "$(key $p)" "1/$p gets its own label point's ID"
	fi
done
eq $displaced "$(q ws.gpkg "SELECT json_extract(summary, '$.displaced') FROM runs ORDER BY id DESC LIMIT 1")" "displaced count"
# Lineage, by keys: the square and the flag are split parts of old 1/6; 1/2
# merges old 1/2 and 1/3; the duplicate 1/8 is a piece of 1/1 (kept).
eq "1/2 1/2 merge
1/2 1/3 merge
1/6 1/6 split
1/7 1/6 split
1/8 1/1 split" "$(q ws.gpkg "SELECT c.sheet || '/' || c.parcel, p.sheet || '/' || p.parcel, l.kind FROM id_lineage l
	JOIN id_registry c ON c.id = l.child JOIN id_registry p ON p.id = l.parent ORDER BY c.sheet, c.parcel, p.sheet, p.parcel" | tr '|' ' ')" "lineage"
eq "1/2 1/3 1/6 1/10" "$(q ws.gpkg "SELECT group_concat(k, ' ') FROM (SELECT sheet || '/' || parcel AS k FROM id_registry WHERE status = 'retired' ORDER BY sheet, parcel)")" "retired: the merged, the split, the deleted"
eq 11 "$(q ws.gpkg "SELECT COUNT(DISTINCT id) FROM id_registry")" "every ID ever issued is distinct"
eq 0 "$(q ws.gpkg "SELECT COUNT(*) FROM parcels WHERE parcel_id IN (SELECT id FROM id_registry WHERE status = 'retired')")" "no retired ID reissued"
for p in 2 6 7 8; do
	xy=$(centre "$(key $p)")
	eq 1 "$(qs ws.gpkg "SELECT ST_Contains(GeomFromGPB(geom), MakePoint(${xy% *}, ${xy#* }, 9210)) FROM parcels WHERE parcel = $p")" "new 1/$p decodes inside"
done
run 0 assign-id ws.gpkg
contains out.txt "issued 0 (split 0, merged 0, reshaped 0), kept 7, rekeyed 0, retired 0"
# 1/4 kept its ID though redrawn: id check says where the point lies now.
run 0 id check ws.gpkg "$(key 4)"
contains out.txt "lies inside the parcel"

# Generated data (bench/gen: duplicate keys, duplicate and bow-tie
# polygons): a killed run changes nothing; then one distinct ID per parcel,
# each decoding (awk, cs2cs) inside its parcel; duplicates displaced; a
# second run keeps every ID.
"$TD_BIN/gen" --parcels 3000 --seed 5 --defect-rate 0.05 --out gen >/dev/null || fail "gen"
run 0 init g.gpkg --crs EPSG:9210
run 0 ingest g.gpkg --map gen/map.gpkg
cp g.gpkg g0.gpkg
"$THUADAT" -q assign-id g.gpkg &
pid=$!
i=0
while [ ! -e g.gpkg.lock ] && [ ! -e g.gpkg-journal ] && kill -0 $pid 2>/dev/null && [ $i -lt 600 ]; do sleep 0.05; i=$((i + 1)); done # the writer lock (WAL keeps no journal)
sleep 0.2
kill -9 $pid 2>/dev/null && ok || fail "assign-id finished before it could be killed"
wait $pid 2>/dev/null
for t in id_registry id_parcel id_lineage runs; do
	eq "$(q g0.gpkg "SELECT * FROM $t ORDER BY 1")" "$(q g.gpkg "SELECT * FROM $t ORDER BY 1")" "$t after a killed run"
done
eq 0 "$(q g.gpkg "SELECT COUNT(*) FROM parcels WHERE parcel_id IS NOT NULL")" "no ID after a killed run"
run 0 --json assign-id g.gpkg
n=$(q g.gpkg "SELECT COUNT(*) FROM parcels")
eq "$n|$n|$n" "$(q g.gpkg "SELECT COUNT(*), COUNT(DISTINCT parcel_id), SUM(length(parcel_id) = 12) FROM parcels")" "one distinct official ID per parcel"
dups=$(q g.gpkg "SELECT COUNT(*) - COUNT(DISTINCT geom) FROM parcels")
[ "$dups" -gt 0 ] && ok || fail "the generated data has no duplicate polygon"
contains out.txt "\"displaced\":$dups,"
q g.gpkg "SELECT fid, parcel_id FROM parcels ORDER BY fid" | tr '|' ' ' | while read -r fid id; do
	echo "$fid $(geohash "$id" | awk '{ printf "%.12f %.12f", ($3 + $4) / 2, ($1 + $2) / 2 }')"
done >centres.txt
cut -d' ' -f2,3 centres.txt | cs2cs -f %.4f $WGS +to $VN | awk '{ print $1 "," $2 }' >xy.txt
{
	echo "CREATE TEMP TABLE pt (fid INTEGER, x REAL, y REAL);"
	cut -d' ' -f1 centres.txt | paste -d, - xy.txt | awk '{ print "INSERT INTO pt VALUES (" $0 ");" }'
	echo "SELECT COUNT(*) FROM pt JOIN parcels p USING (fid) WHERE ST_Intersects(ST_MakeValid(GeomFromGPB(p.geom)), MakePoint(pt.x, pt.y, 9210));"
} >inside.sql
eq "$n" "$(sqlite3 -batch -noheader -cmd ".load mod_spatialite" -cmd ".output /dev/null" -cmd "SELECT EnableGpkgAmphibiousMode();" \
	-cmd ".output stdout" g.gpkg <inside.sql 2>/dev/null)" "every ID decodes inside its parcel (bow-ties made valid)"
q g.gpkg "SELECT fid, parcel_id FROM parcels ORDER BY fid" >gen1.txt
run 0 assign-id g.gpkg
contains out.txt "issued 0 (split 0, merged 0, reshaped 0), kept $n, rekeyed 0, retired 0"
q g.gpkg "SELECT fid, parcel_id FROM parcels ORDER BY fid" >gen2.txt
same gen1.txt gen2.txt

# A workspace outside VN-2000 cannot have official IDs (exit 3); the template scheme still works.
run 0 init utm.gpkg --crs EPSG:32648
run 0 ingest utm.gpkg --map map.gpkg --source-crs EPSG:9210
run 3 assign-id utm.gpkg
contains err.txt "official parcel IDs need a VN-2000 TM-3 workspace"
printf '[id]\nscheme = template\n' >tpl.ini
run 0 assign-id utm.gpkg --profile tpl.ini
printf '[id]\nscheme = geohash\n' >bad.ini
run 3 assign-id ws.gpkg --profile bad.ini
contains err.txt "'bad.ini' line 2: scheme = 'geohash': expected official or template"
printf '[id]\npolylabel_precision = 5\n' >bad.ini
run 3 assign-id ws.gpkg --profile bad.ini
contains err.txt "polylabel_precision = '5': expected metres from 0.0001 to 1"
done_testing
