#!/bin/sh
# Install: `cmake --install` with DESTDIR puts the binary, the schemas and
# the man page in place, and the installed binary finds its schemas beside
# itself (not in the source tree); the .deb built by CPack holds the same
# tree, depends on the Debian runtime packages, and runs once unpacked.
. "$(dirname "$0")/lib.sh"

D="$FIX/demo"
unset THUADAT_SCHEMA_DIR

DESTDIR="$T/root" cmake --install "$TD_BIN" --prefix /usr >install.log 2>&1 && ok || { fail "cmake --install"; cat install.log >&2; }
for f in usr/bin/thuadat usr/share/thuadat/schemas/workspace.sql usr/share/thuadat/schemas/rules/default.ini \
	usr/share/man/man1/thuadat.1; do
	[ -s "root/$f" ] && ok || fail "not installed: $f"
done

# The installed tree works on its own, wherever it is: moved, it still finds its schemas.
mv root moved
TH="$T/moved/usr/bin/thuadat"
"$TH" init ws.gpkg --crs EPSG:9210 >out.txt 2>err.txt && ok || { fail "installed init"; cat err.txt >&2; }
"$TH" ingest ws.gpkg --map "$D/map.gpkg" --register "$D/register.csv" >out.txt 2>err.txt && ok ||
	{ fail "installed ingest"; cat err.txt >&2; }
eq 12 "$(q ws.gpkg "SELECT COUNT(*) FROM parcels")" "parcels ingested by the installed binary"
"$TH" check ws.gpkg --profile no-such-profile >out.txt 2>err.txt
eq 3 $? "missing profile"
contains err.txt "missing schema file '$T/moved/usr/bin/../share/thuadat/schemas/rules/no-such-profile.ini'"

# The package.
cpack -G DEB -B "$T/pkg" --config "$TD_BIN/CPackConfig.cmake" >cpack.log 2>&1 && ok || { fail "cpack"; cat cpack.log >&2; }
deb=$(ls pkg/*.deb 2>/dev/null | head -1)
[ -n "$deb" ] && ok || fail "no .deb built"
if [ -n "$deb" ]; then
	dpkg-deb -c "$deb" | awk '{print $6}' >contents.txt
	contains contents.txt "./usr/bin/thuadat"
	contains contents.txt "./usr/share/thuadat/schemas/workspace.sql"
	contains contents.txt "./usr/share/man/man1/thuadat.1"
	dpkg-deb -f "$deb" Depends >depends.txt
	contains depends.txt "libgdal"
	contains depends.txt "libgeos-c"
	contains depends.txt "libxlsxwriter"
	contains depends.txt "libsqlite3-mod-spatialite"
	eq thuadat "$(dpkg-deb -f "$deb" Package)" "package name"
	dpkg-deb -x "$deb" unpacked && ok || fail "dpkg-deb -x"
	"$T/unpacked/usr/bin/thuadat" init deb.gpkg --province 31 >out.txt 2>err.txt && ok ||
		{ fail "init with the unpacked package"; cat err.txt >&2; }
	eq 9210 "$(q deb.gpkg "SELECT srs_id FROM gpkg_geometry_columns WHERE table_name = 'parcels'")" "CRS from the package's province table"
fi
done_testing
