# Shared helpers for the shell tests.  Source it; it makes a scratch folder
# with its own SoftHSM2 configuration (never /etc) and removes it on exit.
set -u

TOP=$(cd "$(dirname "$0")/../.." && pwd)
# KC_BIN: the commands to test (tests/valgrind.sh wraps them).
BIN=${KC_BIN:-$TOP/bin}
MODULE=${MODULE:-/usr/lib/softhsm/libsofthsm2.so}
SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/kc-test.XXXXXX")
trap 'rm -rf "$SCRATCH"' EXIT INT TERM

# softhsm_conf FILE TOKENDIR: a SoftHSM2 configuration of our own (never
# /etc), whose tokens live in TOKENDIR.
softhsm_conf() {
	cat >"$1" <<CONF
directories.tokendir = $2
objectstore.backend = file
log.level = ERROR
slots.removable = false
CONF
}
mkdir -p "$SCRATCH/tokens"
softhsm_conf "$SCRATCH/softhsm2.conf" "$SCRATCH/tokens"
export SOFTHSM2_CONF="$SCRATCH/softhsm2.conf"
PY=/usr/bin/python3

PASS=0
FAIL=0

ok() { PASS=$((PASS + 1)); echo "ok - $1"; }
not_ok() { FAIL=$((FAIL + 1)); echo "not ok - $1"; }

# check DESCRIPTION COMMAND...: passes when COMMAND exits 0.
# Output is kept, and shown only when the check fails.
check() {
	_desc=$1
	shift
	if "$@" >"$SCRATCH/check.out" 2>&1; then
		ok "$_desc"
	else
		not_ok "$_desc"
		sed 's/^/#   /' "$SCRATCH/check.out"
	fi
}

# expect_status N DESCRIPTION COMMAND...: passes when COMMAND exits N.
expect_status() {
	_want=$1
	_desc=$2
	shift 2
	"$@" >"$SCRATCH/out" 2>"$SCRATCH/err"
	_got=$?
	if [ "$_got" -eq "$_want" ]; then
		ok "$_desc (exit $_got)"
	else
		not_ok "$_desc (exit $_got, wanted $_want)"
		sed 's/^/#   /' "$SCRATCH/err"
	fi
}

# new_token LABEL [PIN]: initialise a token; the PIN goes to a 0600 file.
new_token() {
	pin=${2:-123456}
	softhsm2-util --init-token --free --label "$1" --so-pin 87654321 \
	    --pin "$pin" >/dev/null
	printf '%s\n' "$pin" >"$SCRATCH/pin-$1"
	chmod 600 "$SCRATCH/pin-$1"
}

# copyable_tokens BASE WORK LABEL...: tokens LABEL... in BASE/tokens,
# under a SoftHSM2 configuration that reads them from WORK/tokens, so
# that a test can copy BASE to WORK before each case and start afresh.
copyable_tokens() {
	_base=$1
	_work=$2
	shift 2
	mkdir -p "$_base/tokens"
	softhsm_conf "$_base/softhsm2.conf" "$_work/tokens"
	export SOFTHSM2_CONF=$_work/softhsm2.conf
	ln -s "$_base" "$_work"
	for _t in "$@"; do
		new_token "$_t"
	done
	rm "$_work"
}

# object_count LABEL: objects on the token, as the test tool reads them.
object_count() {
	"$TOP/tests/bin/p11attrs" "$MODULE" "$1" "$SCRATCH/pin-$1" |
	    jq 'length'
}

# PLAN: a ceremony plan for the key generation every CA needs (a witness
# and two custodians), written here when the toolkit is built.
PLAN=$SCRATCH/ceremony-plan.json
if [ -x "$BIN/ca-ceremony" ]; then
	printf '1. Generate the keys.\n' >"$SCRATCH/ceremony-script.txt"
	"$BIN/ca-ceremony" plan --out "$PLAN" --id test-ceremony \
	    --purpose "key generation in a test" \
	    --script "$SCRATCH/ceremony-script.txt" --approval TEST-1 \
	    --location "test lab" --person "administrator:Alice Custodian" \
	    --person "witness:Bob Witness" --person "custodian:Carol Custodian" \
	    --person "custodian:Dave Custodian" >/dev/null ||
	    echo "# cannot write the ceremony plan" >&2
fi

# seal DIR PINFILE: seal the ceremony open in DIR.
seal() {
	"$BIN/ca-ceremony" seal -d "$1" --pin-source "file:$2" >/dev/null
}

# check_installed_data PREFIX LABEL: the stock profiles and ceremony
# scripts, byte for byte and the scripts executable, as installed under
# PREFIX (a DESTDIR's /usr/local, an unpacked package's /usr).
check_installed_data() {
	for _f in "$TOP"/profiles/*.json; do
		check "$2: profile $(basename "$_f")" cmp "$_f" \
		    "$1/share/keyceremony/profiles/$(basename "$_f")"
	done
	for _f in "$TOP"/ceremony-scripts/*.sh; do
		check "$2: ceremony script $(basename "$_f")" cmp "$_f" \
		    "$1/share/keyceremony/ceremony-scripts/$(basename "$_f")"
	done
	check "$2: ceremony scripts are executable" test -x \
	    "$1/share/keyceremony/ceremony-scripts/root-keygen.sh"
}

# device_csrs DIR N: a new folder DIR of N P-256 device requests,
# devK.csr for CN=devK (K from 1), each with a DNS name.
device_csrs() {
	mkdir "$1" || return 1
	_k=1
	while [ "$_k" -le "$2" ]; do
		openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
		    -nodes -keyout /dev/null -subj "/CN=dev$_k/O=Example" \
		    -addext "subjectAltName=DNS:dev$_k.plant.example" \
		    -out "$1/dev$_k.csr" 2>/dev/null || return 1
		_k=$((_k + 1))
	done
}

# chained ROOT SUB DIR N: how many of DIR/dev1.pem ... devN.pem openssl
# verifies, strictly, under the PEM certificate ROOT through SUB.
chained() {
	_good=0
	_k=1
	while [ "$_k" -le "$4" ]; do
		openssl verify -x509_strict -CAfile "$1" -untrusted "$2" \
		    "$3/dev$_k.pem" >/dev/null 2>&1 && _good=$((_good + 1))
		_k=$((_k + 1))
	done
	echo "$_good"
}

# crl_verifies CRL CA: exits 0 when the CRL (DER or PEM) carries a valid
# signature by CA's key (CA: a PEM certificate; its first), 1 when it does
# not, 2 when either cannot be read.  Parsed and checked by
# python3-cryptography: "openssl crl -CAfile" prints "verify failure"
# and still exits 0 on OpenSSL 3.0.
crl_verifies() {
	$PY - "$1" "$2" <<'PYEOF'
import sys
from cryptography import x509
try:
    data = open(sys.argv[1], "rb").read()
    crl = (x509.load_pem_x509_crl(data) if data.startswith(b"-----")
           else x509.load_der_x509_crl(data))
    ca = x509.load_pem_x509_certificate(open(sys.argv[2], "rb").read())
except (OSError, ValueError) as e:
    print("crl_verifies: cannot read: %s" % e)
    sys.exit(2)
try:
    ok = crl.is_signature_valid(ca.public_key())
except (TypeError, ValueError) as e:  # a key of another kind, say
    print("crl_verifies: %s" % e)
    ok = False
print("signature %s" % ("valid" if ok else "INVALID"))
sys.exit(0 if ok else 1)
PYEOF
}

# corrupt_copy IN OUT OFFSET: OUT is IN with the byte OFFSET bytes from
# its end (1: the last) flipped.
corrupt_copy() {
	$PY - "$@" <<'PYEOF'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
b[-int(sys.argv[3])] ^= 0x01
open(sys.argv[2], "wb").write(b)
PYEOF
}

# status_is N COMMAND...: for check; COMMAND exits N, exactly.  Unlike
# "! COMMAND", a usage error, a missing file or a crash is not taken
# for the failure wanted.
status_is() {
	_want=$1
	shift
	"$@"
	[ $? -eq "$_want" ]
}

# lacks [GREP-OPTION...] PATTERN FILE...: for check; grep finds no match
# (exit 1), where a missing or unreadable file (exit 2) fails.
lacks() {
	status_is 1 grep -q "$@"
}

# Waiting for an event, not for a time: each polls /proc until what it
# names has happened, and fails (status 1) after 30 s, when it never
# will.

# wait_locked FILE: until some process holds a flock(2) on FILE (as a CA
# directory's .lock is held).  /proc/locks names it by inode; taking the
# lock ourselves to test it could make the holder-to-be fail.
wait_locked() {
	_ino=$(stat -c %i "$1") || return 1
	_i=0
	until awk -v ino="$_ino" '$2 == "FLOCK" { n = split($6, a, ":");
	    if (a[n] == ino) f = 1 } END { exit !f }' /proc/locks; do
		[ $_i -lt 300 ] || return 1
		sleep 0.1
		_i=$((_i + 1))
	done
}

# wait_reading PID FD: until process PID is blocked in read(2) on FD (a
# command waiting for its PIN on a FIFO).
wait_reading() {
	case $(uname -m) in
	x86_64) _nr=0 ;;
	aarch64|riscv64) _nr=63 ;;
	*) echo "wait_reading: no read(2) number for $(uname -m)" >&2
	   return 1 ;;
	esac
	_want=$(printf '%s 0x%x ' "$_nr" "$2")
	_i=0
	until case $(cat "/proc/$1/syscall" 2>/dev/null) in
	    "$_want"*) true ;; *) false ;; esac; do
		[ $_i -lt 300 ] && kill -0 "$1" 2>/dev/null || return 1
		sleep 0.1
		_i=$((_i + 1))
	done
}

finish() {
	echo "$PASS passed, $FAIL failed"
	[ "$FAIL" -eq 0 ]
}
