#!/bin/sh
# limit: 300
# A real module besides SoftHSM2: openCryptoki's soft token (Debian 12:
# 3.8.1), started by tests/tokens/opencryptoki.sh and stopped by PID.
# It makes RSA keys only, does not know CKA_WRAP_WITH_TRUSTED, lacks
# CKM_SHA256_RSA_PKCS, and has no AES key wrap.  On it:
#   - an EC root is refused up front, naming why, with nothing written;
#   - an RSA-3072 root gets an RSA-3072 log-signing key (no P-384 here),
#     both signing with CKM_RSA_PKCS over a DigestInfo, the unknown
#     attribute recorded as null, and the flow runs: seal,
#     CRL (its signature checked by python3-cryptography), sign-sub of a
#     subordinate's request (the chain checked by openssl), log verify
#     and audit;
#   - an RSA-3072 issuing CA on the same token: its request signed by the
#     root, installed, devices issued in two sessions, one revoked, a CRL,
#     its log verified and audited;
#   - M of N refused up front, naming why: the token takes PINs of at
#     most 8 characters, and a PIN split among custodians has 32;
#   - a backup-capable root is refused before the PIN, naming why (no
#     RFC 5649 key wrap), with nothing left.
. "$(dirname "$0")/../lib.sh"

OCK=$TOP/tests/tokens/opencryptoki.sh
# Under make check SANITIZE=1: openCryptoki 3.8.1 leaks in its own
# C_Finalize, in a soft token library it has unloaded by the time
# LeakSanitizer reports, so no line of tests/lsan.supp can name it.  Leak
# reports are off here alone; every other error of the sanitizers stays
# on, and every SoftHSM2 test still finds the toolkit's own leaks.
if [ -n "${ASAN_OPTIONS:-}" ]; then
	export ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=0"
fi
if [ "$(id -u)" -ne 0 ]; then
	# pkcsslotd runs as root only, and so does make check on CI.
	not_ok "openCryptoki needs root to start its slot daemon"
	finish
	exit 1
fi
trap 'sh "$OCK" stop "$SCRATCH/ock" >/dev/null 2>&1; rm -rf "$SCRATCH"' \
    EXIT HUP INT PIPE TERM
if ! sh "$OCK" start "$SCRATCH/ock" >"$SCRATCH/ock.env" 2>"$SCRATCH/err"; then
	not_ok "openCryptoki's soft token started"
	sed 's/^/#   /' "$SCRATCH/err"
	finish
	exit 1
fi
ok "openCryptoki's soft token started"
. "$SCRATCH/ock.env"
printf '%s\n' "$OCK_USER_PIN" >"$SCRATCH/pin-ock"
chmod 600 "$SCRATCH/pin-ock"
PS="--pin-source file:$SCRATCH/pin-ock"
T="pkcs11:token=$OCK_LABEL"
D=$SCRATCH/root
# On this token: a command under a time limit, so that a hang fails.
run() { timeout 60 "$@"; }
objects() {
	"$TOP/tests/bin/p11attrs" "$OCK_MODULE" "$OCK_LABEL" \
	    "$SCRATCH/pin-ock" | jq length
}

expect_status 2 "a P-384 root is refused" run "$BIN/ca-init" \
    --ceremony "$PLAN" -d "$D" --token "$T" --module "$OCK_MODULE" $PS \
    --subject "CN=OCK Root" --algorithm p384
check "  naming why, in one line" test "$(grep -c "cannot make p384 keys" \
    "$SCRATCH/err")" -eq 1 -a "$(wc -l <"$SCRATCH/err")" -eq 1
check "  and nothing is made" test ! -e "$D"
check "  nor put on the token" test "$(objects)" -eq 0

jq '. + {key_backup: true}' "$TOP/profiles/root.json" >"$SCRATCH/kb.json"
expect_status 1 "a backup-capable RSA root is refused" run "$BIN/ca-init" \
    --ceremony "$PLAN" -d "$D" --token "$T" --module "$OCK_MODULE" $PS \
    --subject "CN=OCK Root" --algorithm rsa3072 --backup-capable \
    --profile "$SCRATCH/kb.json"
check "  up front, naming why: no key wrap to take it out with" grep -q \
    "cannot hold a backup-capable key: it offers no RFC 5649 key wrap" \
    "$SCRATCH/err"
check "  and nothing is made, or left on the token" \
    test ! -e "$D" -a "$(objects)" -eq 0

expect_status 0 "an RSA-3072 root" run "$BIN/ca-init" --ceremony "$PLAN" \
    -d "$D" --token "$T" --module "$OCK_MODULE" $PS --subject "CN=OCK Root" \
    --algorithm rsa3072
R1=$D/log/000001.json
check "  its log-signing key is RSA-3072 too" test "$(jq -c '[.body.keys[] |
    [.role, .algorithm]]' "$R1")" = '[["ca","rsa3072"],["log-signer","rsa3072"]]'
check "  log-signer.pem holds an RSA key" test "$(openssl x509 \
    -in "$D/log-signer.pem" -noout -text | grep -c 'Public-Key: (3072 bit)')" \
    -eq 1
check "  both sign with CKM_RSA_PKCS (the token has no SHA256_RSA_PKCS)" \
    test "$(jq -c '[.body.keys[].mechanism]' "$R1")" = \
    '["CKM_RSA_PKCS","CKM_RSA_PKCS"]'
check "  the attribute the token does not know is null" test "$(jq -c \
    '[.body.keys[].attributes.wrap_with_trusted]' "$R1")" = '[null,null]'
check "  what it knows is as a CA key must be" test "$(jq -c \
    '[.body.keys[].attributes | .sensitive, .never_extractable, .local,
    .extractable] | unique' "$R1")" = '[false,true]'
check "  and the record names the module" test "$(jq -r \
    '.body.env.module.path' "$R1")" = "$OCK_MODULE"
expect_status 0 "its ceremony sealed" run "$BIN/ca-ceremony" seal -d "$D" $PS
expect_status 0 "a CRL" run "$BIN/ca-crl" issue -d "$D" $PS
check "  whose signature verifies (python3-cryptography)" \
    test "$(crl_verifies "$D/crl/1.der" "$D/ca.pem")" = "signature valid"

openssl req -new -newkey rsa:3072 -nodes -keyout /dev/null \
    -subj "/CN=OCK Sub" -out "$SCRATCH/sub.csr" 2>/dev/null
expect_status 0 "a subordinate's request signed" run "$BIN/ca-sign-sub" \
    -d "$D" --csr "$SCRATCH/sub.csr" --profile "$TOP/profiles/it-issuing.json" \
    --out "$SCRATCH/sub.pem" $PS
check "  the chain verifies (openssl)" openssl verify -CAfile "$D/ca.pem" \
    "$SCRATCH/sub.pem"
FP=$(openssl x509 -in "$D/ca.pem" -outform DER | sha256sum | cut -c1-64)
expect_status 0 "the log verifies" run "$BIN/ca-log" verify -d "$D" \
    --anchor "$FP"
HEAD=$(sed -n 's/^head: *sha256://p' "$SCRATCH/out")
check "  to a head" test -n "$HEAD"
expect_status 0 "the audit passes" run "$BIN/ca-audit" -d "$D" --anchor "$FP" \
    --expect-head "$HEAD"
check "  counting the RSA log signatures" grep -q "^checked: *[1-9]" \
    "$SCRATCH/out"

# The jq + openssl recipe of ca-transcript(5), exactly, on an RSA log.
sed -n '/^\.\\" recipe-begin/,/^\.\\" recipe-end/p' "$TOP/man/ca-transcript.5" |
    sed '1,2d;$d' | sed '$d' >"$SCRATCH/recipe.sh"
got=$(cd "$SCRATCH" && DIR=$D R=$D/log/000001.json sh "$SCRATCH/recipe.sh" \
    2>"$SCRATCH/err")
check "the transcript recipe verifies the RS256-signed record 1" test $? -eq 0
check "  printing the root's fingerprint" test "$got" = "$FP"
(cd "$SCRATCH" && DIR=$D R=$D/log/000002.json P=$D/log/000001.json \
    sh "$SCRATCH/recipe.sh" >/dev/null 2>"$SCRATCH/err")
check "  and follows the chain to record 2" test $? -eq 0
sed 's/"CN=OCK Root"/"CN=OCK Rooq"/' "$D/log/000001.json" >"$SCRATCH/bad.json"
check "  the control: a changed record differs" \
    lacks -F -f "$D/log/000001.json" "$SCRATCH/bad.json"
(cd "$SCRATCH" && DIR=$D R=$SCRATCH/bad.json sh "$SCRATCH/recipe.sh" \
    >/dev/null 2>&1)
check "  and the recipe rejects it" test $? -ne 0

# --- an issuing CA on the same token: devices, a revocation, a CRL ----
S=$SCRATCH/sub
expect_status 0 "an RSA-3072 issuing CA's key and request, same token" \
    run "$BIN/ca-init" --ceremony "$PLAN" --sub -d "$S" --token "$T" \
    --module "$OCK_MODULE" $PS --algorithm rsa3072 \
    --subject "CN=OCK OT Issuing CA,O=Example"
check "  its two pairs beside the root's" test "$(objects)" -eq 8
check "  the request verifies" openssl req -in "$S/ca.csr" -verify -noout
expect_status 0 "signed by the root" run "$BIN/ca-sign-sub" -d "$D" \
    --csr "$S/ca.csr" --profile "$TOP/profiles/ot-issuing-sl2.json" \
    --out "$SCRATCH/ocksub.pem" $PS
expect_status 0 "installed" run "$BIN/ca-init" \
    --install "$SCRATCH/ocksub.pem" --chain "$D/ca.pem" -d "$S" $PS
expect_status 0 "  its ceremony sealed" run "$BIN/ca-ceremony" seal -d "$S" $PS
check "  openssl verifies it under the root" openssl verify -x509_strict \
    -CAfile "$D/ca.pem" "$S/ca.pem"
device_csrs "$SCRATCH/csrs" 3
expect_status 0 "three devices issued in two sessions" run "$BIN/ca-issue" \
    -d "$S" --profile "$TOP/profiles/device-mtls.json" \
    --csrs "$SCRATCH/csrs" --out "$SCRATCH/devs" $PS --sessions 2
check "  each chains to the root (openssl)" test "$(chained "$D/ca.pem" \
    "$S/ca.pem" "$SCRATCH/devs" 3)" -eq 3
SER=$(openssl x509 -in "$SCRATCH/devs/dev2.pem" -noout -serial | cut -d= -f2)
expect_status 0 "one revoked" run "$BIN/ca-crl" revoke -d "$S" \
    --serial "$SER" --reason keyCompromise $PS
expect_status 0 "a CRL" run "$BIN/ca-crl" issue -d "$S" $PS
check "  its signature verifies (python3-cryptography)" \
    test "$(crl_verifies "$S/crl/1.der" "$S/ca.pem")" = "signature valid"
check "  and it lists the revoked serial" test "$(openssl crl -inform DER \
    -in "$S/crl/1.der" -noout -text | sed -n 's/ *Serial Number: //p')" = \
    "$SER"
expect_status 0 "the issuing CA's log verifies to the root" run \
    "$BIN/ca-log" verify -d "$S" --anchor "$FP"
expect_status 0 "its audit passes" run "$BIN/ca-audit" -d "$S" --anchor "$FP"
check "  counting every signature" grep -q \
    "^checked: *[1-9][0-9]* signatures" "$SCRATCH/out"

# --- M of N: refused up front, the token's PINs are too short --------
n0=$(objects)
expect_status 2 "a root whose PIN is split, 2 of 2, is refused" run \
    "$BIN/ca-init" --ceremony "$PLAN" -d "$SCRATCH/mofn" \
    --token "$T;object=ock-mofn" --module "$OCK_MODULE" $PS \
    --custodians 2 --threshold 2 --shares-out "$SCRATCH/shares" \
    --subject "CN=Split OCK Root" --algorithm rsa3072
check "  naming why, in one line: the token takes PINs of 4 to 8" test \
    "$(grep -c 'takes PINs of 4 to 8 characters, and a PIN split among custodians has 32' \
    "$SCRATCH/err")" -eq 1 -a "$(wc -l <"$SCRATCH/err")" -eq 1
check "  and nothing is made, written or put on the token" test \
    ! -e "$SCRATCH/mofn" -a ! -e "$SCRATCH/shares" -a "$(objects)" -eq "$n0"
check "  the token's PIN is as it was" sh -c "'$TOP/tests/bin/p11attrs' \
    '$OCK_MODULE' '$OCK_LABEL' '$SCRATCH/pin-ock' >/dev/null"

check "openCryptoki's soft token stopped, the machine as it was" \
    sh "$OCK" stop "$SCRATCH/ock"
finish
