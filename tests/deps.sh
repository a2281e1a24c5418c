#!/bin/sh
# Install the Debian packages that building and testing need.
# As root it runs apt-get; otherwise it prints the exact command and stops.
set -eu

PKGS="build-essential pkg-config libssl-dev libp11-dev libp11-kit-dev softhsm2
libjansson-dev check opensc jq openssl python3-cryptography mandoc
gnutls-bin libnss3-tools libmbedtls-dev libwolfssl-dev faketime
chromium clang libclang-rt-14-dev valgrind libgfshare-dev
libengine-pkcs11-openssl git debhelper lintian time opencryptoki
swtpm swtpm-tools tpm2-tools tpm2-abrmd libtss2-tcti-tabrmd0 libtpm2-pkcs11-1
libtpm2-pkcs11-tools dbus-daemon"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

cmd="apt-get install -y --no-install-recommends$missing"
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing Debian packages:$missing" >&2
	echo "deps: run as root: apt-get update && $cmd" >&2
	exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
