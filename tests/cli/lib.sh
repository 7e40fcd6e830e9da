# Shared helpers for CLI tests (POSIX sh). Source after setting nothing:
# ctest provides THUADAT (the binary), TD_SRC (source tree), TD_BIN (build
# tree) and TD_TMP (scratch). Each test gets a fresh directory $T.
set -u
: "${THUADAT:?run through ctest}" "${TD_SRC:?}" "${TD_TMP:?}"
FIX="$TD_SRC/fixtures"
T="$TD_TMP/$(basename "$0" .sh)"
rm -rf "$T" && mkdir -p "$T" && cd "$T" || exit 1
npass=0
nfail=0

ok() { npass=$((npass + 1)); }
fail() { nfail=$((nfail + 1)); echo "FAIL: $*" >&2; }

# run EXPECTED_EXIT ARGS...: run thuadat, keep stdout in $T/out.txt and stderr in $T/err.txt
run() {
	want=$1
	shift
	"$THUADAT" "$@" >"$T/out.txt" 2>"$T/err.txt"
	got=$?
	if [ "$got" -eq "$want" ]; then ok; else
		fail "thuadat $*: exit $got, expected $want"
		sed 's/^/  stdout: /' "$T/out.txt" >&2
		sed 's/^/  stderr: /' "$T/err.txt" >&2
	fi
}

# eq EXPECTED ACTUAL WHAT
eq() {
	if [ "$1" = "$2" ]; then ok; else fail "$3: expected '$1', got '$2'"; fi
}

# contains FILE TEXT: FILE has a line containing TEXT (fixed string)
contains() {
	if grep -qF -- "$2" "$1"; then ok; else
		fail "$1 lacks '$2'"
		sed 's/^/  | /' "$1" >&2
	fi
}

# same EXPECTED_FILE ACTUAL_FILE
same() {
	if cmp -s "$1" "$2"; then ok; else
		fail "$2 differs from $1"
		diff "$1" "$2" >&2
	fi
}

# q WORKSPACE SQL: one query through the sqlite3 shell
q() { sqlite3 -batch -noheader "$1" "$2"; }

# qs WORKSPACE SQL: the same with SpatiaLite's functions on GeoPackage geometries
qs() {
	sqlite3 -batch -noheader -cmd ".load mod_spatialite" -cmd ".output /dev/null" \
		-cmd "SELECT EnableGpkgAmphibiousMode();" -cmd ".output stdout" "$1" "$2"
}

# wait_journal PID: wait until the process has started writing ws.gpkg (it
# holds the writer lock, or a rollback journal exists) or has ended.
wait_journal() {
	i=0
	while [ ! -e ws.gpkg.lock ] && [ ! -e ws.gpkg-journal ] && kill -0 "$1" 2>/dev/null && [ $i -lt 600 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	sleep 0.2
}

# mode FILE: permission bits in octal
mode() { stat -c %a "$1"; }

done_testing() {
	echo "$npass passed, $nfail failed"
	[ "$nfail" -eq 0 ] && [ "$npass" -gt 0 ]
	exit $?
}
