#!/bin/sh
# Install the Debian packages mcprisk needs to build and test.  Idempotent:
# when everything is present it only runs dpkg-query and returns.
set -eu
PKGS="build-essential pkg-config libcurl4-openssl-dev libjansson-dev
libsqlite3-dev libpcre2-dev libssl-dev libmicrohttpd-dev sqlite3 python3
nodejs clang libclang-rt-14-dev valgrind wrk hyperfine chromium"
missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
if [ -n "$missing" ]; then
echo "deps: installing$missing" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >&2
fi
command -v npm >/dev/null || { echo "deps: npm not found (it ships with nodejs)" >&2; exit 1; }
