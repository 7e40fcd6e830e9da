#!/bin/sh
# Fuzz every harness (or those named) for SECONDS each, one after another:
#   sh tests/fuzz/run.sh BUILD SECONDS [fuzz_NAME ...]     (make fuzz does this)
# BUILD holds the libFuzzer binaries (cmake -DTD_FUZZ=ON with clang). Each
# harness starts from its seeds (tests/fuzz/corpus/NAME) and regressions
# (tests/fuzz/regress/NAME) and grows a working corpus in BUILD/fuzz/corpus/NAME;
# the repository's corpus is never written. libFuzzer runs in fork mode with
# crashes ignored, so one crash does not end the run: every crashing input is
# kept in BUILD/fuzz/crashes/NAME/ and counted. Logs: BUILD/fuzz/logs/NAME.log.
# FUZZ_OUT replaces BUILD/fuzz (for two runs side by side); FUZZ_NICE the nice level (10).
# Exit 1 if any harness crashed.
set -u

BUILD=${1:?usage: run.sh BUILD SECONDS [fuzz_NAME ...]}
SECONDS_EACH=${2:?usage: run.sh BUILD SECONDS [fuzz_NAME ...]}
shift 2
SRC=$(cd "$(dirname "$0")/../.." && pwd)
OUT="${FUZZ_OUT:-$BUILD/fuzz}"
NICE=${FUZZ_NICE:-10}

if [ $# -eq 0 ]; then
	set -- $(cd "$BUILD" && ls fuzz_* 2>/dev/null | grep -v '\.' )
fi
if [ $# -eq 0 ]; then
	echo "run.sh: no fuzz_* binaries in $BUILD (configure with -DTD_FUZZ=ON)" >&2
	exit 3
fi
mkdir -p "$OUT/logs" "$OUT/tmp"
export TD_FUZZ_TMP="$OUT/tmp"
[ -w /dev/shm ] && TD_FUZZ_TMP=/dev/shm
# Leaks in GDAL's drivers are not ours to chase here; memory errors are.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0}"

status=0
printf '%-22s %8s %12s %8s %8s %8s\n' harness seconds execs cov ft crashes >"$OUT/summary.txt"
for name in "$@"; do
	bin="$BUILD/$name"
	[ -x "$bin" ] || { echo "run.sh: no harness '$bin'" >&2; status=1; continue; }
	mkdir -p "$OUT/corpus/$name" "$OUT/crashes/$name"
	before=$(ls "$OUT/crashes/$name" | wc -l)
	dirs="$OUT/corpus/$name $SRC/tests/fuzz/corpus/$name"
	# Fixed regressions seed the run; open ones (open-*) would only be found again.
	rm -rf "$OUT/regress/$name"
	mkdir -p "$OUT/regress/$name"
	if [ -d "$SRC/tests/fuzz/regress/$name" ]; then
		find "$SRC/tests/fuzz/regress/$name" -type f ! -name 'open-*' -exec cp {} "$OUT/regress/$name/" \;
		dirs="$dirs $OUT/regress/$name"
	fi
	echo "run.sh: $name for ${SECONDS_EACH}s" >&2
	start=$(date +%s)
	# shellcheck disable=SC2086
	nice -n "$NICE" "$bin" -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
		-max_total_time="$SECONDS_EACH" -timeout=30 -rss_limit_mb=3072 -max_len=65536 \
		-artifact_prefix="$OUT/crashes/$name/" $dirs >"$OUT/logs/$name.log" 2>&1
	took=$(($(date +%s) - start))
	# Fork mode reports "#N: cov: C ft: F corp: ... exec/s: ... oom/timeout/crash: a/b/c time: ..."
	last=$(grep -E '^#[0-9]+: cov: ' "$OUT/logs/$name.log" | tail -n 1)
	execs=$(echo "$last" | sed -n 's/^#\([0-9]*\):.*/\1/p')
	cov=$(echo "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
	ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
	crashes=$(($(ls "$OUT/crashes/$name" | wc -l) - before))
	printf '%-22s %8s %12s %8s %8s %8s\n' "$name" "$took" "${execs:-?}" "${cov:-?}" "${ft:-?}" "$crashes" \
		>>"$OUT/summary.txt"
	[ "$crashes" -eq 0 ] || status=1
done
cat "$OUT/summary.txt"
[ $status -eq 0 ] || echo "run.sh: crashing inputs are in $OUT/crashes/ (see docs/reliability.md)" >&2
exit $status
