#!/bin/sh
# Install the Debian packages thuadat needs to build, test and run the demo.
# Does nothing when everything is already present; otherwise needs root
# (or sudo) and a reachable Debian mirror.
set -eu

PKGS="build-essential cmake pkg-config
libgdal-dev gdal-bin libproj-dev proj-bin libgeos-dev
libsqlite3-dev sqlite3 libspatialite-dev libsqlite3-mod-spatialite
libxlsxwriter-dev zlib1g-dev clang-format libutf8proc-dev nettle-dev time
clang-14 libclang-rt-14-dev
dpkg-dev unzip libxml2-utils"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done

if [ -z "$missing" ]; then
	exit 0
fi

echo "install-deps: installing:$missing" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		SUDO="sudo"
	else
		echo "install-deps: need root to install:$missing" >&2
		exit 1
	fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
