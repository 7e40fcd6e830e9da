#!/bin/sh
# bench/gen: the truth file lists exactly the defects the map and register
# show, and the same seed gives the same files.
# Environment (set by ctest): TD_BIN = build directory, TD_TMP = scratch directory.
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

[ -x "$gen" ] || fail "no gen binary at '$gen'"
rm -rf "$dir"
mkdir -p "$dir"

"$gen" --parcels 1000 --seed 7 --defect-rate 0.02 --out "$dir/a" || fail "gen exited $?"
"$gen" --parcels 1000 --seed 7 --defect-rate 0.02 --out "$dir/b" || fail "second gen exited $?"
for f in map.gpkg register.csv truth.csv; do
	[ -s "$dir/a/$f" ] || fail "missing or empty '$dir/a/$f'"
done

# truth.csv: 20 defects, 5 of each kind, sorted by rule_id, commune, sheet, parcel.
truth="$dir/a/truth.csv"
expect "truth header" "rule_id,commune,sheet,parcel" "$(head -n 1 "$truth")"
expect "truth rows" 20 "$(tail -n +2 "$truth" | wc -l | tr -d ' ')"
kinds=$(tail -n +2 "$truth" | cut -d, -f1 | sort | uniq -c | awk '{print $2 "=" $1}' | tr '\n' ' ')
expect "defects per kind" \
	"AREA_MISMATCH=5 GEOM_INVALID=5 MAP_NO_REGISTER=5 REGISTER_NO_MAP=5 " "$kinds"
tail -n +2 "$truth" | sort -c -t, -k1,1 -k2,2 -k3,3n -k4,4n 2>/dev/null ||
	fail "truth.csv is not sorted by rule_id, commune, sheet, parcel"
no_map=$(grep -c "^REGISTER_NO_MAP," "$truth" || true)
no_reg=$(grep -c "^MAP_NO_REGISTER," "$truth" || true)

# map.gpkg: one feature per parcel except those missing from the map.
map="$dir/a/map.gpkg"
summary=$(ogrinfo -so -al "$map") || fail "ogrinfo cannot read '$map'"
expect "layer" "Layer name: parcels" "$(echo "$summary" | grep '^Layer name:')"
expect "geometry type" "Geometry: Polygon" "$(echo "$summary" | grep '^Geometry:')"
expect "feature count (ogrinfo -so)" "Feature Count: $((1000 - no_map))" \
	"$(echo "$summary" | grep '^Feature Count:')"
echo "$summary" | grep -q 'ID\["EPSG",9210\]' || fail "map SRS is not EPSG:9210"
expect "feature count (SQL)" $((1000 - no_map)) \
	"$(sql_n -sql "SELECT COUNT(*) AS n FROM parcels" "$map")"
# Needs GDAL's SQLite dialect with SpatiaLite (as in Debian's gdal-bin) for ST_IsValid.
invalid="SELECT SUM(NOT ST_IsValid(geom)) AS n FROM parcels"
expect "invalid geometries" 5 "$(sql_n -dialect sqlite -sql "$invalid" "$map")"

# register.csv: one row per parcel except those missing from the register.
reg="$dir/a/register.csv"
expect "register header" \
	"Mã xã,Số tờ,Số thửa,Diện tích,Loại đất,Họ tên chủ sử dụng,Số CCCD,Năm sinh,Giới tính" \
	"$(head -n 1 "$reg")"
expect "register rows" $((1000 - no_reg)) "$(tail -n +2 "$reg" | wc -l | tr -d ' ')"

# Each missing parcel is missing from the side the truth says, and only there.
tail -n +2 "$truth" | while IFS=, read -r rule commune sheet parcel; do
	in_reg=$(grep -c "^$commune,$sheet,$parcel," "$reg" || true)
	where="MaXa = '$commune' AND SoTo = $sheet AND SoThua = $parcel"
	on_map=$(sql_n -sql "SELECT COUNT(*) AS n FROM parcels WHERE $where" "$map")
	case $rule in
	MAP_NO_REGISTER) want="1 0" ;;
	REGISTER_NO_MAP) want="0 1" ;;
	*) want="1 1" ;;
	esac
	expect "$rule $commune/$sheet/$parcel on map, in register" "$want" "$on_map $in_reg"
done

# Same seed, same bytes.
cmp -s "$dir/a/register.csv" "$dir/b/register.csv" || fail "register.csv differs between runs"
cmp -s "$dir/a/truth.csv" "$dir/b/truth.csv" || fail "truth.csv differs between runs"

# Bad usage exits 2; an output directory that cannot be made exits 1.
status=0
"$gen" --parcels 10 2>/dev/null || status=$?
expect "exit code without --out" 2 "$status"
: >"$dir/file"
status=0
"$gen" --parcels 10 --out "$dir/file/sub" 2>/dev/null || status=$?
expect "exit code for an unusable --out" 1 "$status"

exit 0
