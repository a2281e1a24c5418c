# Shared set-up for the benchmarks that drive a SoftHSM2 token (bash).
# Source it with TOP set; bench_start then gives the scratch folder $S
# with its own SoftHSM2 configuration (never /etc), a PIN file $S/pin
# (PIN 123456) and a ceremony plan $S/plan.json, and $ENGINE, the pkcs11
# engine for openssl's side.

BIN=$TOP/bin
MODULE=/usr/lib/softhsm/libsofthsm2.so

# bench_start NAME [NEED]: as above; NEED is a file that must be
# executable too (a benchmark tool that make bench builds).  Exits 2 when
# something is missing.  BENCH_KEEP=1 keeps the folder and prints it.
bench_start() {
	ENGINE=$(find /usr/lib -name pkcs11.so -path '*engines-3*' \
	    2>/dev/null | head -n 1)
	if [ -z "$ENGINE" ]; then
		echo "$1: the pkcs11 engine is missing; run tests/deps.sh" \
		    "as root (Debian package libengine-pkcs11-openssl)" >&2
		exit 2
	fi
	if [ -n "${2:-}" ] && [ ! -x "$2" ]; then
		echo "$1: $2 is missing; make bench builds it" >&2
		exit 2
	fi
	S=$(mktemp -d "${TMPDIR:-/tmp}/kc-$1.XXXXXX")
	if [ -n "${BENCH_KEEP:-}" ]; then
		echo "# scratch: $S"
	else
		trap 'rm -rf "$S"' EXIT
	fi
	mkdir "$S/tokens"
	printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' \
	    "$S/tokens" >"$S/softhsm2.conf"
	export SOFTHSM2_CONF=$S/softhsm2.conf
	printf '123456\n' >"$S/pin"
	chmod 600 "$S/pin"
	printf '1. Sign.\n' >"$S/script.txt"
	"$BIN/ca-ceremony" plan --out "$S/plan.json" --id bench \
	    --purpose bench --script "$S/script.txt" --approval B \
	    --location lab --person witness:W --person custodian:C >/dev/null
}

# bench_token LABEL: a new token, its user PIN that of $S/pin.
bench_token() {
	softhsm2-util --init-token --free --label "$1" --so-pin 87654321 \
	    --pin 123456 >/dev/null
}

# bench_root LABEL DIR: a root CA in DIR on a new token LABEL.
bench_root() {
	bench_token "$1"
	"$BIN/ca-init" --ceremony "$S/plan.json" -d "$2" \
	    --token "pkcs11:token=$1" --pin-source "file:$S/pin" \
	    --subject "CN=Bench Root" >/dev/null
}
