#!/bin/sh
# limit: 600
# A real module besides SoftHSM2: tpm2-pkcs11 (Debian 12: 1.9.0) over a
# software TPM (swtpm) reached through a private tpm2-abrmd, all started
# by tests/tokens/tpm2.sh in this test's own folder and stopped by PID.
# On it:
#   - what the two rows of the quirk table (lib/quirks.c) keep the
#     toolkit from asking, asked by a tool of its own: the module answers
#     CKR_GENERAL_ERROR to a public template naming the key's usage, and
#     CKR_ATTRIBUTE_VALUE_INVALID to a key sensitive and extractable;
#   - the whole flow: a P-384 root; an RSA-3072 subordinate's key and
#     request on a second token of the same TPM, signed by the root,
#     installed; devices issued in two sessions, one revoked, a CRL; the
#     logs verified and audited; RSA signed with CKM_SHA256_RSA_PKCS,
#     which hashes on the TPM (CKM_RSA_PKCS over a DigestInfo is a raw
#     RSA decryption there, which a signing key may not do);
#   - M of N: a root whose PIN is split between two custodians;
#   - with CKM_ECDSA hidden (tests/bin/p11fault.so in front of the
#     module), ECDSA by CKM_ECDSA_SHA256/384, CRLs streamed to the TPM;
#   - what the TPM cannot do, refused up front with a named reason and
#     nothing written: a backup-capable root, a wrapping key, RSA-4096.
# Every command runs under a time limit, so that a hang fails.
. "$(dirname "$0")/../lib.sh"

# Under make check SANITIZE=1: tpm2-pkcs11 1.9 leaks OpenSSL strings
# (ASN1_STRING_set) from inside itself, a library unloaded by the time
# LeakSanitizer reports, so no line of tests/lsan.supp can name it.  Leak
# reports are off here alone, as for openCryptoki; every other error of
# the sanitizers stays on, and the SoftHSM2 tests still find our leaks.
if [ -n "${ASAN_OPTIONS:-}" ]; then
	export ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=0"
fi
T2=$TOP/tests/tokens/tpm2.sh
QUIRK=$TOP/tests/bin/p11quirk
FAULT=$TOP/tests/bin/p11fault.so
trap 'sh "$T2" stop "$SCRATCH/tpm" >/dev/null 2>&1; rm -rf "$SCRATCH"' \
    EXIT HUP INT PIPE TERM
if ! sh "$T2" start "$SCRATCH/tpm" >"$SCRATCH/tpm.env" 2>"$SCRATCH/err" ||
    ! sh "$T2" addtoken "$SCRATCH/tpm" tpmsub >/dev/null 2>>"$SCRATCH/err" ||
    ! sh "$T2" addtoken "$SCRATCH/tpm" tpmmofn >/dev/null 2>>"$SCRATCH/err" ||
    ! sh "$T2" addtoken "$SCRATCH/tpm" tpmsha >/dev/null 2>>"$SCRATCH/err"
then
	not_ok "a TPM with four tokens started"
	sed 's/^/#   /' "$SCRATCH/err"
	finish
	exit 1
fi
ok "a TPM with four tokens started"
. "$SCRATCH/tpm.env"
M=$TPM2_PKCS11_MODULE
PIN=$SCRATCH/pin-tpm
printf '123456\n' >"$PIN"
printf '87654321\n' >"$SCRATCH/so-tpm"
chmod 600 "$PIN" "$SCRATCH/so-tpm"
PS="--pin-source file:$PIN"
R=$SCRATCH/root
S=$SCRATCH/sub
run() { timeout 120 "$@"; }
objects() { "$TOP/tests/bin/p11attrs" "$M" "$1" "$PIN" | jq length; }
fp() { openssl x509 -in "$1" -outform DER | sha256sum | cut -c1-64; }
mech() {
	jq -r --arg r "$2" '.body.keys[] | select(.role == $r) | .mechanism' \
	    "$1/log/000001.json"
}

# --- the quirk table's rows, and the module's own answers -------------
check "pub-usage: the module refuses CKA_VERIFY in the public template" \
    test "$("$QUIRK" "$M" tpm "$PIN" pub-usage 2>/dev/null)" = \
    CKR_GENERAL_ERROR
check "no-extractable: it refuses a sensitive, extractable key" \
    test "$("$QUIRK" "$M" tpm "$PIN" no-extractable 2>/dev/null)" = \
    CKR_ATTRIBUTE_VALUE_INVALID
check "  and neither left a key on the token" test "$(objects tpm)" -eq 0

# --- a root, what the TPM made of it ----------------------------------
expect_status 0 "a P-384 root" run "$BIN/ca-init" --ceremony "$PLAN" -d "$R" \
    --token pkcs11:token=tpm --module "$M" $PS --subject "CN=TPM Root" \
    --algorithm p384
R1=$R/log/000001.json
check "  the record names the module and the rows it matched" test "$(jq -c \
    '.body.env.module | [.description, .quirks]' "$R1")" = \
    '["TPM2.0 Cryptoki",["tpm2-pkcs11-pub-usage","tpm2-pkcs11-no-extractable"]]'
check "  its keys read back as a CA key must be" test "$(jq -c \
    '[.body.keys[].attributes | .sensitive, .always_sensitive,
    .never_extractable, .local, .sign] | unique' "$R1")" = '[true]'
check "  never extractable, nor able to decrypt" test "$(jq -c \
    '[.body.keys[].attributes | .extractable, .decrypt] | unique' \
    "$R1")" = '[false]'
check "  both sign with CKM_ECDSA" test "$(mech "$R" ca) $(mech "$R" \
    log-signer)" = "CKM_ECDSA CKM_ECDSA"
check "  two key pairs on the token" test "$(objects tpm)" -eq 4
ROOTFP=$(fp "$R/ca.pem")
expect_status 0 "  its ceremony sealed" run "$BIN/ca-ceremony" seal -d "$R" $PS

# --- a subordinate on the second token --------------------------------
expect_status 0 "an RSA-3072 subordinate's key and request" run \
    "$BIN/ca-init" --ceremony "$PLAN" --sub -d "$S" \
    --token pkcs11:token=tpmsub --module "$M" $PS --algorithm rsa3072 \
    --subject "CN=TPM OT Issuing CA,O=Example"
check "  its keys sign with CKM_SHA256_RSA_PKCS" test "$(mech "$S" ca) \
$(mech "$S" log-signer)" = "CKM_SHA256_RSA_PKCS CKM_ECDSA"
check "  the request verifies" openssl req -in "$S/ca.csr" -verify -noout
expect_status 0 "signed by the root" run "$BIN/ca-sign-sub" -d "$R" \
    --csr "$S/ca.csr" --profile "$TOP/profiles/ot-issuing-sl2.json" \
    --out "$SCRATCH/sub.pem" $PS
expect_status 0 "installed" run "$BIN/ca-init" --install "$SCRATCH/sub.pem" \
    --chain "$R/ca.pem" -d "$S" $PS
expect_status 0 "  its ceremony sealed" run "$BIN/ca-ceremony" seal -d "$S" $PS
check "  openssl verifies it under the root" openssl verify -x509_strict \
    -CAfile "$R/ca.pem" "$S/ca.pem"

# --- devices, a revocation, a CRL -------------------------------------
device_csrs "$SCRATCH/csrs" 3
expect_status 0 "three devices issued in two sessions" run "$BIN/ca-issue" \
    -d "$S" --profile "$TOP/profiles/device-mtls.json" \
    --csrs "$SCRATCH/csrs" --out "$SCRATCH/devs" $PS --sessions 2
check "  each chains to the root (openssl)" test "$(chained "$R/ca.pem" \
    "$S/ca.pem" "$SCRATCH/devs" 3)" -eq 3
SER=$(openssl x509 -in "$SCRATCH/devs/dev2.pem" -noout -serial | cut -d= -f2)
expect_status 0 "one revoked" run "$BIN/ca-crl" revoke -d "$S" \
    --serial "$SER" --reason keyCompromise $PS
expect_status 0 "a CRL, streamed to the TPM in pieces" run "$BIN/ca-crl" \
    issue -d "$S" $PS
check "  its signature verifies (python3-cryptography)" \
    test "$(crl_verifies "$S/crl/1.der" "$S/ca.pem")" = "signature valid"
check "  and it lists the revoked serial" test "$(openssl crl -inform DER \
    -in "$S/crl/1.der" -noout -text | sed -n 's/ *Serial Number: //p')" = \
    "$SER"
expect_status 0 "the root's log verifies" run "$BIN/ca-log" verify -d "$R" \
    --anchor "$ROOTFP"
expect_status 0 "the subordinate's log verifies to the root" run \
    "$BIN/ca-log" verify -d "$S" --anchor "$ROOTFP"
expect_status 0 "the root's audit passes" run "$BIN/ca-audit" -d "$R" \
    --anchor "$ROOTFP"
expect_status 0 "the subordinate's audit passes" run "$BIN/ca-audit" \
    -d "$S" --anchor "$ROOTFP"
check "  counting every signature" grep -q "^checked: *[1-9][0-9]* signatures" \
    "$SCRATCH/out"

# --- M of N -----------------------------------------------------------
expect_status 0 "a root whose PIN is split, 2 of 2" run "$BIN/ca-init" \
    --ceremony "$PLAN" -d "$SCRATCH/mofn" --token pkcs11:token=tpmmofn \
    --module "$M" $PS --custodians 2 --threshold 2 \
    --shares-out "$SCRATCH/shares" --subject "CN=Split TPM Root" \
    --algorithm p256
SH=$(ls "$SCRATCH"/shares/*.share | tr '\n' ',' | sed 's/,$//')
expect_status 0 "  the shares open the token for a CRL" run "$BIN/ca-crl" \
    issue -d "$SCRATCH/mofn" --pin-source "shares:$SH"
check "  the old PIN no longer does" sh -c "'$TOP/tests/bin/p11attrs' \
    '$M' tpmmofn '$PIN' >/dev/null 2>&1; test \$? -eq 3"

# --- the ECDSA mechanisms that hash on the TPM ------------------------
export KC_FAULT_MODULE="$M" KC_FAULT_NO_MECH=ECDSA
expect_status 0 "a P-256 root with CKM_ECDSA hidden" run "$BIN/ca-init" \
    --ceremony "$PLAN" -d "$SCRATCH/sha" --token pkcs11:token=tpmsha \
    --module "$FAULT" $PS --subject "CN=TPM SHA Root" --algorithm p256
check "  signs with CKM_ECDSA_SHA256, its log with CKM_ECDSA_SHA384" \
    test "$(mech "$SCRATCH/sha" ca) $(mech "$SCRATCH/sha" log-signer)" = \
    "CKM_ECDSA_SHA256 CKM_ECDSA_SHA384"
expect_status 0 "  its ceremony sealed" run "$BIN/ca-ceremony" seal \
    -d "$SCRATCH/sha" $PS
expect_status 0 "  a CRL" run "$BIN/ca-crl" issue -d "$SCRATCH/sha" $PS
check "  whose signature verifies (python3-cryptography)" \
    test "$(crl_verifies "$SCRATCH/sha/crl/1.der" "$SCRATCH/sha/ca.pem")" = \
    "signature valid"
expect_status 0 "  the audit passes" run "$BIN/ca-audit" -d "$SCRATCH/sha" \
    --anchor "$(fp "$SCRATCH/sha/ca.pem")"
unset KC_FAULT_MODULE KC_FAULT_NO_MECH

# --- what the TPM cannot do -------------------------------------------
n0=$(objects tpm)
jq '. + {key_backup: true}' "$TOP/profiles/root.json" >"$SCRATCH/kb.json"
expect_status 1 "a backup-capable root is refused" run "$BIN/ca-init" \
    --ceremony "$PLAN" -d "$SCRATCH/kb" \
    --token "pkcs11:token=tpm;object=kb" --module "$M" $PS \
    --subject "CN=TPM KB Root" --algorithm p256 --backup-capable \
    --profile "$SCRATCH/kb.json"
check "  naming why, in one line" test "$(grep -c \
    "cannot hold a backup-capable key: its module (\"TPM2.0 Cryptoki\") refuses private keys both sensitive and extractable" \
    "$SCRATCH/err")" -eq 1 -a "$(wc -l <"$SCRATCH/err")" -eq 1
check "  and nothing is made, nor put on the token" \
    test ! -e "$SCRATCH/kb" -a "$(objects tpm)" -eq "$n0"
expect_status 1 "a wrapping key for backups is refused" run "$BIN/ca-backup" \
    wrap-key -d "$R" --custodians 2 --threshold 2 \
    --shares-out "$SCRATCH/wk" --so-pin-source "file:$SCRATCH/so-tpm" $PS
check "  naming why" grep -q "was not made with backup-capable keys" \
    "$SCRATCH/err"
check "  and nothing is written" test ! -e "$SCRATCH/wk"
expect_status 2 "an RSA-4096 root is refused (the TPM makes up to 3072)" \
    run "$BIN/ca-init" --ceremony "$PLAN" -d "$SCRATCH/r4k" \
    --token "pkcs11:token=tpm;object=r4k" --module "$M" $PS \
    --subject "CN=TPM 4096 Root" --algorithm rsa4096
check "  naming why" grep -q "cannot make rsa4096 keys" "$SCRATCH/err"
check "  and nothing is made" test ! -e "$SCRATCH/r4k" -a \
    "$(objects tpm)" -eq "$n0"

check "the TPM and its daemons stopped" sh "$T2" stop "$SCRATCH/tpm"
finish
