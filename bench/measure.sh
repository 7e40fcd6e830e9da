# Shared by the benchmark scripts (POSIX sh, sourced): set work to a
# scratch directory first.
# measure LABEL CMD...: run CMD under GNU time, its output in $work/LABEL.out
# and .err; sets secs and rss_mb. Exits when CMD fails (exit 3 or more).
measure() {
	label=$1
	shift
	/usr/bin/time -f "%e %M" -o "$work/time.txt" "$@" >"$work/$label.out" 2>"$work/$label.err" || {
		rc=$?
		[ $rc -le 2 ] || { echo "bench: $label failed (exit $rc)" >&2; cat "$work/$label.err" >&2; exit 1; }
	}
	secs=$(tail -n 1 "$work/time.txt" | awk '{print $1}')
	rss_mb=$(tail -n 1 "$work/time.txt" | awk '{printf "%.0f", $2 / 1024}')
}
