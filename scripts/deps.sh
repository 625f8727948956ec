#!/bin/sh
# Installs the Debian 12 packages medusa-c needs when run as root; otherwise
# prints the exact apt-get line. Quiet when everything is present.
PKGS="build-essential pkg-config libfcgi-dev libjson-c-dev libmariadb-dev libssl-dev mariadb-server mariadb-client nginx apache2-bin iso-codes curl python3 openssl wrk clang libclang-rt-14-dev galera-4 rsync"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
# Node.js + npm run the medusa-js compatibility test; a machine may carry them from
# another source (NodeSource bundles npm), so only ask Debian when they are absent.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
	missing="$missing nodejs npm"
fi
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then
	echo "installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing >/dev/null || exit 1
	# Debian starts services on install; medusa-c never uses the system ones
	for s in mariadb nginx; do
		if command -v systemctl >/dev/null 2>&1; then systemctl stop "$s" >/dev/null 2>&1 || true; fi
		service "$s" stop >/dev/null 2>&1 || true
	done
else
	echo "missing packages; run as root:"
	echo "  apt-get install -y$missing"
	exit 1
fi
