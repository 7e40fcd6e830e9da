#!/bin/sh
# bench/gen: the truth file lists exactly the defects the map and register
# show, every other value is clean, and the same seed gives the same files.
# Environment (set by ctest): TD_BIN = build directory, TD_TMP = scratch directory.
# Needs GDAL's SQLite dialect with SpatiaLite (as in Debian's gdal-bin) and
# glibc iconv's TCVN5712-1.
set -eu
LC_ALL=C
export LC_ALL

gen="$TD_BIN/gen"
dir="$TD_TMP/t0900-gen-truth"

fail() {
	echo "t0900-gen-truth: $*" >&2
	exit 1
}

# expect WHAT EXPECTED ACTUAL
expect() {
	[ "$2" = "$3" ] || fail "$1: expected '$2', got '$3'"
}

# One number from `ogrinfo -sql`: the value of the column named n.
sql_n() {
	ogrinfo -q -ro "$@" 2>/dev/null | sed -n 's/^ *n ([A-Za-z0-9]*) = //p'
}

# count RULE TRUTH: rows of that rule in the truth file
count() {
	grep -c "^$1," "$2" || true
}

# kinds TRUTH: "RULE=count " for every rule in the truth file, sorted
kinds() {
	tail -n +2 "$1" | cut -d, -f1 | sort | uniq -c | awk '{print $2 "=" $1}' | tr '\n' ' '
}

# check_set DIR PARCELS: the map and register in DIR show exactly what DIR/truth.csv says.
check_set() {
	d=$1
	n=$2
	truth="$d/truth.csv"
	map="$d/map.gpkg"
	reg="$d/register.csv"

	expect "truth header" "rule_id,commune,sheet,parcel" "$(head -n 1 "$truth")"
	tail -n +2 "$truth" | sort -c -t, -k1,1 -k2,2 -k3,3n -k4,4n 2>/dev/null ||
		fail "$truth is not sorted by rule_id, commune, sheet, parcel"
	expect "register header" "Mã xã,Số tờ,Số thửa,Diện tích,Loại đất,Họ tên chủ sử dụng,Số CCCD,Năm sinh,Giới tính,Số phát hành GCN,Ngày cấp,Ngày cập nhật,Ngày đăng ký biến động" \
		"$(head -n 1 "$reg")"
	! grep -q '"' "$reg" || fail "$reg has a quoted field: the checks below split on commas"

	# Extra parcels: SLIVER adds a map feature and a register row, GEOM_DUPLICATE
	# too, DUPLICATE_KEY a map feature.
	sliver=$(count SLIVER "$truth")
	geomdup=$(count GEOM_DUPLICATE "$truth")
	dupkey=$(count DUPLICATE_KEY "$truth")
	features=$((n - $(count REGISTER_NO_MAP "$truth") + sliver + geomdup + dupkey))
	rows=$((n - $(count MAP_NO_REGISTER "$truth") + sliver + geomdup))

	summary=$(ogrinfo -so -al "$map") || fail "ogrinfo cannot read '$map'"
	expect "layer" "Layer name: parcels" "$(echo "$summary" | grep '^Layer name:')"
	expect "geometry type" "Geometry: Polygon" "$(echo "$summary" | grep '^Geometry:')"
	expect "feature count" "Feature Count: $features" "$(echo "$summary" | grep '^Feature Count:')"
	echo "$summary" | grep -q 'ID\["EPSG",9210\]' || fail "map SRS is not EPSG:9210"
	expect "register rows" "$rows" "$(tail -n +2 "$reg" | wc -l | tr -d ' ')"

	# Geometry rules, measured with SpatiaLite; invalid polygons take no part in the
	# others, as in the checker.
	expect "invalid geometries" "$(count GEOM_SELF_INTERSECTION "$truth")" \
		"$(sql_n -dialect sqlite -sql "SELECT SUM(NOT ST_IsValid(geom)) AS n FROM parcels" "$map")"
	expect "holes in sheets (GAP)" "$(count GAP "$truth")" \
		"$(sql_n -dialect sqlite -sql "SELECT COALESCE(SUM(h), 0) AS n FROM (SELECT
			NumInteriorRing(ST_Union(geom)) AS h FROM parcels WHERE ST_IsValid(geom) GROUP BY MaXa, SoTo)" "$map")"

	ogr2ogr -f CSV -lco STRING_QUOTING=IF_NEEDED "$d/map.csv" "$map" -dialect sqlite -sql \
		"SELECT MaXa, SoTo, SoThua, LoaiDat, DienTich, ST_IsValid(geom) AS valid, ST_Area(geom) AS area,
		 ST_Perimeter(geom) AS perim, hex(geom) AS g, ST_MinX(geom) AS x0, ST_MinY(geom) AS y0,
		 ST_MaxX(geom) AS x1, ST_MaxY(geom) AS y1 FROM parcels ORDER BY fid" 2>/dev/null ||
		fail "cannot dump '$map'"

	# TEXT_NOT_CLEAN: the name is Windows-1252 text that reads, as TCVN3, as a Vietnamese name.
	tail -n +2 "$truth" | grep '^TEXT_NOT_CLEAN,' | while IFS=, read -r rule c s p; do
		name=$(grep "^$c,$s,$p," "$reg" | cut -d, -f6)
		real=$(printf '%s' "$name" | iconv -f UTF-8 -t WINDOWS-1252 | iconv -f TCVN5712-1 -t UTF-8) ||
			fail "$rule $c/$s/$p: '$name' is not TCVN3 shown as Windows-1252"
		first=${real%% *}
		case " Nguyễn Trần Lê Phạm Hoàng Vũ Đặng Bùi Đỗ Hồ Ngô Dương " in
		*" $first "*) [ "$real" != "$name" ] || fail "$rule $c/$s/$p: '$name' is no residue" ;;
		*) fail "$rule $c/$s/$p: '$name' reads as '$real'" ;;
		esac
	done

	# Everything else, row by row: each value is clean unless the truth names
	# its parcel with the rule that spoils it, and then it shows that rule.
	sort -t, -k1,1 -k2,2n -k3,3n "$reg" | grep -v '^Mã xã,' | awk -F, -v OFS=, '
	function bad(msg) { if (failed++ < 20) print "t0900-gen-truth: " msg > "/dev/stderr" }
	function digits(s, n) { return length(s) == n && s ~ /^[0-9]+$/ }
	function ymd(s,  a) { if (s == "") return ""; split(s, a, "/"); return a[3] a[2] a[1] }
	FILENAME == ARGV[1] { if (FNR > 1) { t[$2 "/" $3 "/" $4] = $1; want[$1]++ } next }
	FILENAME == ARGV[2] {
		if (FNR == 1) next
		k = $1 "/" $2 "/" $3
		nmap[k]++
		lu[k] = $4; dt[k] = $5
		if ($6 == 1 && ($5 - $7 > 1e-6 || $7 - $5 > 1e-6)) bad(k ": DienTich " $5 " but area " $7)
		if (t[k] == "SLIVER") { pi = 3.14159265358979; if (!($7 < 50 && 4 * pi * $7 / ($8 * $8) < 0.1)) bad(k ": not a sliver") }
		geom[$9]++; if (!($9 in gk)) gk[$9] = k
		if ($6 == 1) {
			# Valid features are rectangles: keep them per sheet to find overlaps.
			valid[k] = 1
			if ($7 != ($12 - $10) * ($13 - $11)) bad(k ": not a rectangle")
			sk = $1 "/" $2; j = ++ns[sk]
			X0[sk, j] = $10; Y0[sk, j] = $11; X1[sk, j] = $12; Y1[sk, j] = $13
		}
		next
	}
	{
		k = $1 "/" $2 "/" $3; r = t[k]
		nreg[k]++
		if ((r == "LANDUSE_UNKNOWN") != ($5 == "XYZ") || (r == "LANDUSE_LEGACY") != ($5 == "BHK")) bad(k ": land use " $5)
		if ($5 != "XYZ" && $5 != "BHK" && k in lu && lu[k] != $5) bad(k ": map land use " lu[k] ", register " $5)
		if (k in dt && nmap[k] == 1 && r != "AREA_MISMATCH" && $4 + 0 != dt[k] + 0) bad(k ": register area " $4 ", map " dt[k])
		if (r == "AREA_MISMATCH" && sprintf("%.1f", int(dt[k] * 12.5 + 0.5) / 10) != $4) bad(k ": area " $4 " is not 1.25 x " dt[k])
		if ((r == "REQUIRED_MISSING") != ($6 == "")) bad(k ": owner name \"" $6 "\"")
		if ((r == "CCCD_LEGACY_CMND") != digits($7, 9)) bad(k ": CCCD " $7)
		if (digits($7, 12)) {
			if ((r == "CCCD_INVALID") != (substr($7, 5, 2) != sprintf("%02d", $8 % 100))) bad(k ": CCCD " $7 " born " $8)
			if (substr($7, 4, 1) != ($8 >= 2000 ? 2 : 0) + ($9 == "Nữ")) bad(k ": CCCD " $7 " for " $9 " born " $8)
		} else if (r != "CCCD_LEGACY_CMND") bad(k ": CCCD " $7)
		if ($8 < 1940 || $8 > 2005) bad(k ": born " $8)
		if (!($10 ~ /^[A-Z][A-Z] / && digits(substr($10, 4), 6))) bad(k ": certificate serial " $10)
		issued = ymd($11); changed = ymd($12); pending = ymd($13)
		if ((r == "GCN_INCOMPLETE") != (issued == "")) bad(k ": issued " $11)
		if ((r == "DATE_IMPLAUSIBLE") != (issued == "20300101")) bad(k ": issued " $11)
		if (r != "GCN_INCOMPLETE" && r != "DATE_IMPLAUSIBLE" &&
		    (issued < "19950101" || issued > "20241231" || issued < ($8 + 18) "0101")) bad(k ": issued " $11 ", born " $8)
		if ((r == "LAST_CHANGE_MISSING") != (changed == "")) bad(k ": last change " $12)
		if (changed != "" && (changed > "20260630" || (r != "DATE_IMPLAUSIBLE" && issued != "" && changed < issued))) bad(k ": last change " $12)
		if ((r == "CHANGE_OVERDUE") != (pending == "20260901")) bad(k ": pending since " $13)
		if (pending != "" && r != "CHANGE_OVERDUE" && (pending < "20261022" || pending > "20261031")) bad(k ": pending since " $13)
		if ($13 != "") npending++
		# Owners, in key order: a name differs from the first row with its CCCD, or
		# a CCCD from the first row with its name and birth year, exactly on the truth rows.
		if ($6 != "") {
			if (!($7 in first_name)) first_name[$7] = $6
			else if (first_name[$7] != $6) got["OWNER_NAME_MISMATCH"]++
			if ((r == "OWNER_NAME_MISMATCH") != (first_name[$7] != $6)) bad(k ": owner " $6 " with CCCD " $7)
			who = $6 "/" $8
			if (!(who in first_id)) first_id[who] = $7
			else if (first_id[who] != $7) got["OWNER_ID_CONFLICT"]++
			if ((r == "OWNER_ID_CONFLICT") != (first_id[who] != $7)) bad(k ": owner " who " with CCCD " $7)
		}
		if (r == "ADMIN_CODE_INVALID") got[r]++
	}
	END {
		for (k in t) {
			r = t[k]
			m = r == "REGISTER_NO_MAP" ? 0 : r == "DUPLICATE_KEY" ? 2 : 1
			if (nmap[k] != m) bad(k ": " r " but " nmap[k] + 0 " features on the map")
			if (nreg[k] != (r != "MAP_NO_REGISTER")) bad(k ": " r " but " nreg[k] + 0 " register rows")
			if ((r == "GEOM_SELF_INTERSECTION") == (valid[k] == 1) && nmap[k]) bad(k ": " r " but valid is " valid[k] + 0)
			if ((r == "ADMIN_CODE_INVALID") != (k ~ /^99999\//)) bad(k ": " r)
		}
		for (k in nmap) if (!(k in t) && (nmap[k] != 1 || nreg[k] != 1 || k ~ /^99999\//)) bad(k ": clean but " nmap[k] " features, " nreg[k] + 0 " rows")
		for (k in nreg) if (!(k in t) && !(k in nmap)) bad(k ": clean but not on the map")
		for (g in geom) if (geom[g] > 1) { dups++; if (t[gk[g]] != "GEOM_DUPLICATE") bad(gk[g] ": geometry twice") }
		if (dups + 0 != want["GEOM_DUPLICATE"] + 0) bad("geometries twice: " dups + 0)
		for (r in got) if (got[r] != want[r]) bad(r ": " got[r] " rows show it, truth has " want[r] + 0)
		if (npending < 1) bad("no clean pending change")
		# Overlaps (gen moves nothing across sheets): OVERLAP and GEOM_DUPLICATE pairs.
		for (sk in ns)
			for (i = 1; i <= ns[sk]; i++)
				for (j = i + 1; j <= ns[sk]; j++) {
					w = (X1[sk, i] < X1[sk, j] ? X1[sk, i] : X1[sk, j]) - (X0[sk, i] > X0[sk, j] ? X0[sk, i] : X0[sk, j])
					h = (Y1[sk, i] < Y1[sk, j] ? Y1[sk, i] : Y1[sk, j]) - (Y0[sk, i] > Y0[sk, j] ? Y0[sk, i] : Y0[sk, j])
					if (w > 0 && h > 0 && w * h > 0.5) overlaps++
				}
		if (overlaps + 0 != want["OVERLAP"] + want["GEOM_DUPLICATE"]) bad("overlapping pairs: " overlaps + 0)
		exit failed > 0
	}' "$truth" "$d/map.csv" - || fail "'$d' does not match its truth file"
}

[ -x "$gen" ] || fail "no gen binary at '$gen'"
rm -rf "$dir"
mkdir -p "$dir"

# A fixed seed gives these 20 defects, one of each of the first 20 kinds.
"$gen" --parcels 1000 --seed 7 --defect-rate 0.02 --out "$dir/a" || fail "gen exited $?"
"$gen" --parcels 1000 --seed 7 --defect-rate 0.02 --out "$dir/b" || fail "second gen exited $?"
for f in map.gpkg register.csv truth.csv; do
	[ -s "$dir/a/$f" ] || fail "missing or empty '$dir/a/$f'"
done
expect "defects per kind" "ADMIN_CODE_INVALID=1 AREA_MISMATCH=1 CCCD_INVALID=1 CCCD_LEGACY_CMND=1 \
DATE_IMPLAUSIBLE=1 DUPLICATE_KEY=1 GAP=1 GCN_INCOMPLETE=1 GEOM_DUPLICATE=1 GEOM_SELF_INTERSECTION=1 \
LANDUSE_LEGACY=1 LANDUSE_UNKNOWN=1 MAP_NO_REGISTER=1 OVERLAP=1 OWNER_ID_CONFLICT=1 \
OWNER_NAME_MISMATCH=1 REGISTER_NO_MAP=1 REQUIRED_MISSING=1 SLIVER=1 TEXT_NOT_CLEAN=1 " \
	"$(kinds "$dir/a/truth.csv")"
check_set "$dir/a" 1000
expect "first commune" "10507,1,1," "$(sed -n 2p "$dir/a/register.csv" | cut -d, -f1-3),"

# Same seed, same bytes.
for f in map.gpkg register.csv truth.csv; do
	cmp -s "$dir/a/$f" "$dir/b/$f" || fail "$f differs between runs"
done

# The default rate on 5,000 parcels: 100 defects, every kind.
"$gen" --parcels 5000 --seed 1 --out "$dir/c" || fail "gen exited $?"
expect "defects per kind" "ADMIN_CODE_INVALID=5 AREA_MISMATCH=5 CCCD_INVALID=4 CCCD_LEGACY_CMND=4 \
CHANGE_OVERDUE=4 DATE_IMPLAUSIBLE=4 DUPLICATE_KEY=5 GAP=5 GCN_INCOMPLETE=4 GEOM_DUPLICATE=5 \
GEOM_SELF_INTERSECTION=5 LANDUSE_LEGACY=5 LANDUSE_UNKNOWN=5 LAST_CHANGE_MISSING=4 MAP_NO_REGISTER=5 \
OVERLAP=5 OWNER_ID_CONFLICT=4 OWNER_NAME_MISMATCH=4 REGISTER_NO_MAP=5 REQUIRED_MISSING=4 SLIVER=5 \
TEXT_NOT_CLEAN=4 " "$(kinds "$dir/c/truth.csv")"
check_set "$dir/c" 5000

# Many communes: the real codes, in order; bad-code parcels still have distinct keys.
"$gen" --parcels 2000 --seed 3 --defect-rate 0.1 --communes 114 --out "$dir/d" || fail "gen exited $?"
expect "communes" 114 "$(tail -n +2 "$dir/d/register.csv" | cut -d, -f1 | grep -v '^99999$' | sort -u | wc -l | tr -d ' ')"
expect "last commune" "11948" "$(grep -v '^99999,' "$dir/d/register.csv" | tail -n 1 | cut -d, -f1)"
check_set "$dir/d" 2000

# Bad usage exits 2; an output directory that cannot be made exits 1.
status=0
"$gen" --parcels 10 2>/dev/null || status=$?
expect "exit code without --out" 2 "$status"
status=0
"$gen" --parcels 1000 --communes 115 --out "$dir/e" 2>/dev/null || status=$?
expect "exit code for more communes than Hải Phòng has" 2 "$status"
: >"$dir/file"
status=0
"$gen" --parcels 10 --out "$dir/file/sub" 2>/dev/null || status=$?
expect "exit code for an unusable --out" 1 "$status"

exit 0
