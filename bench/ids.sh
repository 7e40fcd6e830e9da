#!/bin/sh
# make bench-ids: assign-id with the official scheme (the default: label
# point, WGS 84, 12-character GeoHash) against the template scheme
# (commune + sequence + MOD 97-10) on copies of one workspace, each run
# twice: the first run issues every ID, the second is the nightly case on
# unchanged data. Prints one table and the load average, since other jobs
# on the machine slow every row alike.
# Usage: bench/ids.sh BUILD_DIR   (sizes: BENCH_SIZES="1000000")
set -eu
build=$1
bin="$build/thuadat"
gen="$build/gen"
sizes=${BENCH_SIZES:-"1000000"}
work=${BENCH_DIR:-$build/bench-ids}
mkdir -p "$work"

. "$(dirname "$0")/measure.sh"

printf '[id]\nscheme = template\n' >"$work/template.ini"
printf '%-9s %-13s %9s %12s %9s %6s\n' parcels run seconds parcels/s "RSS MB" load
for n in $sizes; do
	d="$work/n$n"
	rm -rf "$d" && mkdir -p "$d"
	"$gen" --parcels "$n" --out "$d/data" --seed 1 >/dev/null
	"$bin" -q init "$d/ws.gpkg" --crs EPSG:9210
	"$bin" -q ingest "$d/ws.gpkg" --map "$d/data/map.gpkg"
	cp "$d/ws.gpkg" "$d/template.gpkg"
	for run in official:ws template:template; do
		scheme=${run%:*}
		ws="$d/${run#*:}.gpkg"
		set -- "$bin" -q assign-id "$ws"
		[ "$scheme" = official ] || set -- "$@" --profile "$work/template.ini"
		for pass in first second; do
			measure "$scheme-$pass" "$@"
			printf '%-9s %-13s %9.2f %12.0f %9s %6s\n' "$n" "$scheme $pass" "$secs" \
				"$(echo "$n $secs" | awk '{print $1 / ($2 > 0 ? $2 : 0.01)}')" "$rss_mb" \
				"$(cut -d' ' -f1 /proc/loadavg)"
		done
	done
	echo "IDs: $(sqlite3 "$d/ws.gpkg" "SELECT COUNT(*) || ' official, ' || COUNT(DISTINCT parcel_id) || ' distinct, ' || SUM(length(parcel_id) = 12) || ' of 12 characters' FROM parcels"); $(sqlite3 "$d/ws.gpkg" "SELECT 'displaced ' || json_extract(summary, '$.displaced') FROM runs WHERE command = 'assign-id' ORDER BY id LIMIT 1")"
	rm -f "$d/template.gpkg"
done
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)"
