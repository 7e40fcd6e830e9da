#!/bin/sh
# The C06 round trip at scale: generated data under the campaign profile,
# export --c06, C06's replies made from the lists (every 20th owner
# mismatched with a corrected name, every 20th not found, the rest matched;
# all .csv, or .xls with BENCH_REPLY=xls), then reconcile, the second list,
# and audit verify. Prints time and peak RSS per step.
# With REF_BIN=/path/to/an/older/thuadat, ingest and check also run with it
# on a copy, to show what the audit trail costs.
# Usage: bench/reconcile.sh BUILD_DIR   (BENCH_SIZES="10000 50000", BENCH_DIR)
set -eu
build=$1
bin="$build/thuadat"
work=${BENCH_DIR:-$build/bench}/reconcile
mkdir -p "$work"

# step LABEL N CMD...: run CMD under GNU time, print a row
step() {
	label=$1 n=$2
	shift 2
	/usr/bin/time -f "%e %M" -o "$work/time.txt" "$@" >"$work/$label.out" 2>"$work/$label.err" || {
		rc=$?
		[ $rc -le 2 ] || { echo "bench: $label failed (exit $rc)" >&2; cat "$work/$label.err" >&2; exit 1; }
	}
	tail -n 1 "$work/time.txt" | awk -v l="$label" -v n="$n" '{printf "%-9s %-16s %9.2f %9.0f\n", n, l, $1, $2 / 1024}'
}

printf '%-9s %-16s %9s %9s\n' parcels step seconds "RSS MB"
for n in ${BENCH_SIZES:-"10000 50000"}; do
	d="$work/n$n"
	rm -rf "$d" && mkdir -p "$d/replies"
	"$build/gen" --parcels "$n" --out "$d/data" --seed 1 >/dev/null
	if [ -n "${REF_BIN:-}" ]; then
		"$REF_BIN" -q init "$d/ref.gpkg" --crs EPSG:9210
		step ref-ingest "$n" "$REF_BIN" -q ingest "$d/ref.gpkg" --map "$d/data/map.gpkg" --register "$d/data/register.csv"
		step ref-check "$n" "$REF_BIN" -q check "$d/ref.gpkg" --today 2026-11-01
	fi
	"$bin" -q init "$d/ws.gpkg" --crs EPSG:9210
	step ingest "$n" "$bin" -q ingest "$d/ws.gpkg" --map "$d/data/map.gpkg" --register "$d/data/register.csv"
	step check "$n" "$bin" -q check "$d/ws.gpkg" --today 2026-11-01
	step check-campaign "$n" "$bin" -q check "$d/ws.gpkg" --today 2026-11-01 --profile campaign
	step classify "$n" "$bin" -q classify "$d/ws.gpkg" --profile campaign
	step export-c06 "$n" "$bin" -q export "$d/ws.gpkg" --out "$d/out" --c06
	for f in "$d"/out/c06-*.xls; do
		b=$(basename "$f" .xls)
		OGR_XLS_HEADERS=FORCE OGR_XLS_FIELD_TYPES=STRING ogr2ogr -f CSV -lco STRING_QUOTING=IF_NEEDED "$d/$b.csv" "$f"
		awk -F, -v OFS=, 'NR > 1 { $13 = ($2 % 20 == 0) ? "Không khớp" : ($2 % 20 == 1) ? "Không tìm thấy" : "Khớp"
			if ($2 % 20 == 0) $15 = $4 " Anh" } { print }' "$d/$b.csv" >"$d/replies/$b.csv"
		if [ "${BENCH_REPLY:-csv}" = xls ]; then
			"$build/csv2xls" "$d/replies/$b.csv" "$d/replies/$b.xls" && rm "$d/replies/$b.csv"
		fi
	done
	owners=$(sqlite3 "$d/ws.gpkg" "SELECT COUNT(DISTINCT owner_id) FROM register_rows WHERE gcn_serial IS NOT NULL")
	step reconcile "$n" "$bin" -q reconcile "$d/ws.gpkg" "$d"/replies/* --profile campaign
	echo "          ($owners owners answered; $(sqlite3 "$d/ws.gpkg" "SELECT printf('%.2f', 100.0 * SUM(verification = 'matched') / COUNT(*)) FROM owners")% verified)"
	step export-c06-2 "$n" "$bin" -q export "$d/ws.gpkg" --out "$d/out2" --c06
	step audit-verify "$n" "$bin" -q audit verify "$d/ws.gpkg"
done
