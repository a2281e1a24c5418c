#!/bin/sh
# Tokens with the quirks of real PKCS#11 modules, played by
# tests/bin/p11fault.so over SoftHSM2 (each quirk marked "quirk" in its
# trace, so that each case shows it was met):
#   - a module that sets some public-key attributes itself and refuses
#     to be told them, with CKR_ATTRIBUTE_VALUE_INVALID (a TPM's module
#     would, for CKA_VERIFY and CKA_ENCRYPT; tpm2-pkcs11 1.9 answers
#     CKR_GENERAL_ERROR instead): the key is made with a leaner template,
#     and read back as a CA key must be;
#   - a module that does not know an attribute (openCryptoki 3.8:
#     CKA_WRAP_WITH_TRUSTED): the read-back records it as unknown (null),
#     the key stays, and the audit passes; a backup-capable key, which
#     needs that attribute, is refused up front, naming it, and nothing
#     is left;
#   - a token that lacks a signing mechanism: the RSA mechanisms that
#     hash on the token (openCryptoki 3.8 lacks CKM_SHA256_RSA_PKCS):
#     each key signs with what the token has, the record names it, and
#     every signature, streamed CRLs among them, verifies; a token with
#     none for a key (no CKM_ECDSA) is refused before the PIN;
#   - an HSM that refuses key material in clear (FIPS mode): the backup
#     wrapping key, the test restore's and the restore's come in by
#     C_UnwrapKey under a transport key made on the token (ECDH, or
#     RSA-OAEP on a token without CKM_ECDH1_DERIVE), and the records say
#     so; a token that neither unwraps (no CKM_ECDH1_DERIVE, no
#     CKM_RSA_PKCS_OAEP) nor takes a key in clear is refused before any
#     PIN, and one that only takes it in clear gets it so, recorded.
. "$(dirname "$0")/../lib.sh"

QUIRK=$TOP/tests/bin/p11fault.so
new_token tpm-p256
new_token tpm-rsa3072
new_token ock
new_token ockb
PS=--pin-source

# root NAME TOKEN ALG [ARGS...]: ca-init through the shim, traced.
root() {
	_n=$1 _t=$2 _a=$3
	shift 3
	rm -f "$SCRATCH/trace-$_n"
	KC_FAULT_TRACE="$SCRATCH/trace-$_n" "$BIN/ca-init" --ceremony "$PLAN" \
	    -d "$SCRATCH/$_n" --token "pkcs11:token=$_t" --module "$QUIRK" \
	    $PS "file:$SCRATCH/pin-$_t" --subject "CN=Quirk $_n" \
	    --algorithm "$_a" "$@"
}
# quirks NAME CALL: how many of CALL's calls met the quirk.
quirks() { awk -v c="$2" '$2 == c && / quirk$/' "$SCRATCH/trace-$1" | wc -l; }
# attr DIR KEY-ROLE NAME: an attribute as the first record has it.
attr() {
	jq -c --arg r "$2" --arg a "$3" \
	    '.body.keys[] | select(.role == $r) | .attributes[$a]' \
	    "$1/log/000001.json"
}
fp() { openssl x509 -in "$1/ca.pem" -outform DER | sha256sum | cut -c1-64; }

# --- a TPM's public-key template --------------------------------------
for alg in p256 rsa3072; do
	export KC_FAULT_REFUSE_PUB=VERIFY,ENCRYPT
	expect_status 0 "$alg root on a token that refuses CKA_VERIFY and \
CKA_ENCRYPT in the public template" root "tpm-$alg" "tpm-$alg" "$alg"
	unset KC_FAULT_REFUSE_PUB
	check "  the token refused the full template first" \
	    test "$(quirks "tpm-$alg" C_GenerateKeyPair)" -ge 1
	check "  and made the keys with the lean one" test "$(awk \
	    '$2 == "C_GenerateKeyPair" && $3 == "0x0"' \
	    "$SCRATCH/trace-tpm-$alg" | wc -l)" -eq 2
	check "  the key read back as a CA key must be" test "$(jq -c \
	    '.body.keys[0].attributes | [.sensitive, .always_sensitive,
	    .never_extractable, .local, .extractable, .decrypt]' \
	    "$SCRATCH/tpm-$alg/log/000001.json")" = \
	    '[true,true,true,true,false,false]'
	check "  its ceremony sealed" "$BIN/ca-ceremony" seal \
	    -d "$SCRATCH/tpm-$alg" $PS "file:$SCRATCH/pin-tpm-$alg"
	check "  the audit passes" "$BIN/ca-audit" -d "$SCRATCH/tpm-$alg" \
	    --anchor "$(fp "$SCRATCH/tpm-$alg")"
done

# --- an attribute the module does not know ----------------------------
export KC_FAULT_UNKNOWN=WRAP_WITH_TRUSTED
expect_status 0 "rsa3072 root on a token that does not know \
CKA_WRAP_WITH_TRUSTED" root ock ock rsa3072
check "  its read-back met the unknown attribute" \
    test "$(quirks ock C_GetAttributeValue)" -ge 1
check "  the record says unknown (null) for it" \
    test "$(attr "$SCRATCH/ock" ca wrap_with_trusted)" = null
check "  and what it knows, as it is" \
    test "$(attr "$SCRATCH/ock" ca never_extractable)" = true
check "  the log-signing key too" \
    test "$(attr "$SCRATCH/ock" log-signer wrap_with_trusted)" = null
check "  its ceremony sealed, through the same module (ca.json)" \
    "$BIN/ca-ceremony" seal -d "$SCRATCH/ock" $PS "file:$SCRATCH/pin-ock"
check "  which records the key's attribute unknown too" test "$(jq -c \
    '.body.keys[0].attributes.wrap_with_trusted' \
    "$SCRATCH/ock/log/000002.json")" = null
check "  the audit passes" "$BIN/ca-audit" -d "$SCRATCH/ock" \
    --anchor "$(fp "$SCRATCH/ock")"
jq '. + {key_backup: true}' "$TOP/profiles/root.json" >"$SCRATCH/kb.json"
expect_status 1 "a backup-capable root there is refused" root ockb ockb \
    rsa3072 --backup-capable --profile "$SCRATCH/kb.json"
check "  naming why" grep -q "refuses backup-capable rsa3072 keys" \
    "$SCRATCH/err"
check "  in one line" test "$(wc -l <"$SCRATCH/err")" -eq 1
check "  and nothing is made" test ! -e "$SCRATCH/ockb"
check "  nor left on the token" test "$(object_count ockb)" -eq 0
unset KC_FAULT_UNKNOWN

# --- signing mechanisms the token lacks --------------------------------
# mechs NAME ROLE: the mechanism a key signs with, as the first record says.
mechs() {
	jq -r --arg r "$2" '.body.keys[] | select(.role == $r) | .mechanism' \
	    "$SCRATCH/$1/log/000001.json"
}
# signed_all NAME: seal, a CRL, a subordinate's request, and the log,
# each signature checked by another implementation.
signed_all() {
	check "  its ceremony sealed" "$BIN/ca-ceremony" seal -d "$SCRATCH/$1" \
	    $PS "file:$SCRATCH/pin-$1"
	check "  a CRL issued" "$BIN/ca-crl" issue -d "$SCRATCH/$1" \
	    $PS "file:$SCRATCH/pin-$1"
	check "  whose signature verifies (python3-cryptography)" \
	    test "$(crl_verifies "$SCRATCH/$1/crl/1.der" \
	    "$SCRATCH/$1/ca.pem")" = "signature valid"
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout /dev/null -subj "/CN=Sub of $1" -out "$SCRATCH/$1.csr" \
	    2>/dev/null
	check "  a subordinate signed" "$BIN/ca-sign-sub" -d "$SCRATCH/$1" \
	    --csr "$SCRATCH/$1.csr" --profile "$TOP/profiles/it-issuing.json" \
	    --out "$SCRATCH/$1-sub.pem" $PS "file:$SCRATCH/pin-$1"
	check "  its chain verifies (openssl)" openssl verify \
	    -CAfile "$SCRATCH/$1/ca.pem" "$SCRATCH/$1-sub.pem"
	check "  the audit passes" "$BIN/ca-audit" -d "$SCRATCH/$1" \
	    --anchor "$(fp "$SCRATCH/$1")"
}
new_token rawrsa
export KC_FAULT_NO_MECH=SHA256_RSA_PKCS,SHA384_RSA_PKCS
expect_status 0 "rsa3072 root on a token without CKM_SHA256_RSA_PKCS" \
    root rawrsa rawrsa rsa3072
check "  the CA key signs with CKM_RSA_PKCS over a DigestInfo" \
    test "$(mechs rawrsa ca)" = CKM_RSA_PKCS
check "  the P-384 log key with CKM_ECDSA" \
    test "$(mechs rawrsa log-signer)" = CKM_ECDSA
signed_all rawrsa
check "  no hashing RSA mechanism was asked to sign" test "$(awk \
    '$2 == "C_SignInit" && $3 != "0x0"' "$SCRATCH/trace-rawrsa" | wc -l)" \
    -eq 0
unset KC_FAULT_NO_MECH

new_token nomech
# SoftHSM2 2.6 has no CKM_ECDSA_SHA256/384: without CKM_ECDSA, no way.
# (Those two are tried on tpm2-pkcs11: tests/integration/test_token_tpm2.sh.)
export KC_FAULT_NO_MECH=ECDSA
expect_status 2 "a p256 root on a token that cannot sign ECDSA is refused" \
    root nomech nomech p256
check "  naming why, in one line" test "$(grep -c "cannot make p256 keys" \
    "$SCRATCH/err")" -eq 1 -a "$(wc -l <"$SCRATCH/err")" -eq 1
check "  before any login" test "$(awk '$2 == "C_Login"' \
    "$SCRATCH/trace-nomech" | wc -l)" -eq 0
check "  and nothing is made" test ! -e "$SCRATCH/nomech"
unset KC_FAULT_NO_MECH

new_token hashed
expect_status 0 "control: rsa3072 root on a token with every mechanism" \
    root hashed hashed rsa3072
check "control: it signs with CKM_SHA256_RSA_PKCS" \
    test "$(mechs hashed ca)" = CKM_SHA256_RSA_PKCS
check "control: streamed: the CRL went to the token in C_SignUpdate" sh -c \
    "'$BIN/ca-ceremony' seal -d '$SCRATCH/hashed' $PS 'file:$SCRATCH/pin-hashed' &&
    KC_FAULT_TRACE='$SCRATCH/trace-hcrl' '$BIN/ca-crl' issue \
    -d '$SCRATCH/hashed' $PS 'file:$SCRATCH/pin-hashed' &&
    grep -q ' C_SignUpdate 0x0\$' '$SCRATCH/trace-hcrl'"

# --- what a token's failures are called -------------------------------
# A CRL issue whose first call of a kind fails with a code: the exit
# status and the next step fit the code (ca_err_hint).
new_token named
expect_status 0 "a root for the named failures" root named named p256
rm -f "$SCRATCH/trace-crl"
KC_FAULT_TRACE="$SCRATCH/trace-crl" "$BIN/ca-crl" issue -d "$SCRATCH/named" \
    $PS "file:$SCRATCH/pin-named" >/dev/null 2>&1
# first CALL: the number of CALL's first call in the CRL issue's trace.
first() { awk -v c="$1" '$2 == c { print $1; exit }' "$SCRATCH/trace-crl"; }
# named WANT-EXIT CALL RV TEXT: the CRL issue with CALL failing with RV.
named() {
	_at=$(first "$2")
	cp -a "$SCRATCH/named" "$SCRATCH/named.keep"
	KC_FAULT_AT=$_at KC_FAULT_RV=$3 expect_status "$1" \
	    "$3 at $2 (call $_at)" "$BIN/ca-crl" issue -d "$SCRATCH/named" \
	    $PS "file:$SCRATCH/pin-named"
	check "  is named: $4" grep -qF "$4" "$SCRATCH/err"
	check "  in one line" test "$(wc -l <"$SCRATCH/err")" -eq 1
	check "  not the advice for any failure" \
	    lacks "check that the token is connected" "$SCRATCH/err"
	check "  and nothing was written" diff -r "$SCRATCH/named.keep" \
	    "$SCRATCH/named"
	rm -rf "$SCRATCH/named.keep"
}
named 1 C_OpenSession SESSION_COUNT "CKR_SESSION_COUNT"
check "  with the next step for it" grep -q \
    "no session free, not even one; close the other programs" "$SCRATCH/err"
named 3 C_Sign DEVICE_REMOVED "plug the token in again"
named 3 C_Sign TOKEN_NOT_PRESENT "the token was removed or lost power (PKCS#11 C_Sign: CKR_TOKEN_NOT_PRESENT"
named 1 C_Sign SESSION_HANDLE_INVALID "closed its sessions"
named 5 C_Login PIN_LOCKED "is locked; the security officer must unlock it"

# --- an HSM that takes no key in clear --------------------------------
new_token fips
new_token fips-scratch 222222
new_token fips-new 333333
new_token clear
new_token none
new_token oaep
printf '%s\n' 87654321 >"$SCRATCH/so-pin"
printf '%s\n' 11111111 >"$SCRATCH/bad-so-pin"
chmod 600 "$SCRATCH/so-pin" "$SCRATCH/bad-so-pin"
jq '. + {key_backup: true}' "$TOP/profiles/root.json" >"$SCRATCH/kb.json"
export KC_FAULT_NO_CLEAR_IMPORT=1
for t in fips clear none oaep; do
	expect_status 0 "a backup-capable root on token \"$t\"" root "$t" "$t" \
	    p256 --profile "$SCRATCH/kb.json" --backup-capable
done
# wrapkey NAME SO-PIN-FILE: ca-backup wrap-key for root NAME, traced.
wrapkey() {
	rm -f "$SCRATCH/trace-$1"
	KC_FAULT_TRACE="$SCRATCH/trace-$1" "$BIN/ca-backup" wrap-key \
	    -d "$SCRATCH/$1" --custodians 2 --threshold 2 \
	    --shares-out "$SCRATCH/wk-$1" --so-pin-source "file:$2" \
	    $PS "file:$SCRATCH/pin-$1"
}
# imported NAME: how many keys C_UnwrapKey brought in, by the trace.
imported() {
	awk '$2 == "C_UnwrapKey" && $3 == "0x0"' "$SCRATCH/trace-$1" | wc -l
}
UNWRAP='{"call":"C_UnwrapKey","kdf":"CKD_NULL","mechanism":"CKM_AES_KEY_WRAP_PAD","transport_key":"ecdh-p256"}'
OAEP='{"call":"C_UnwrapKey","hash":"sha1","mechanism":"CKM_RSA_PKCS_OAEP","transport_key":"rsa-3072"}'
expect_status 0 "wrap-key on a token that refuses keys in clear" \
    wrapkey fips "$SCRATCH/so-pin"
last() { ls "$1"/log/*.json | tail -1; }
check "  its record says the key came in by C_UnwrapKey, under ECDH" test \
    "$(jq -cS '.body.backup_wrap_key.import' "$(last "$SCRATCH/fips")")" = \
    "$UNWRAP"
check "  no C_CreateObject met the refusal, and C_UnwrapKey brought it" \
    test "$(quirks fips C_CreateObject)" -eq 0 -a "$(imported fips)" -ge 1
check "  the trusted key is on the token, and no transport key" sh -c \
    '"$1" "$2" fips "$3" | jq -e "[.[] | .label] | (map(select(
    startswith(\"backup-wrap-\"))) | length == 1) and length == 5" \
    >/dev/null' sh "$TOP/tests/bin/p11attrs" "$MODULE" "$SCRATCH/pin-fips"
rm -f "$SCRATCH/trace-fips"
expect_status 0 "a backup, test-restored on a token of the same kind" \
    env KC_FAULT_TRACE="$SCRATCH/trace-fips" "$BIN/ca-backup" backup \
    -d "$SCRATCH/fips" --out "$SCRATCH/fips-backup" \
    --scratch-token pkcs11:token=fips-scratch \
    --scratch-pin-source "file:$SCRATCH/pin-fips-scratch" \
    --wrap-shares "shares:$(ls "$SCRATCH"/wk-fips/* | paste -sd, -)" \
    $PS "file:$SCRATCH/pin-fips"
check "  the test restore's record says how its key came in" test \
    "$(jq -cS '.body.key_backup.test_restore.token.import' \
    "$(last "$SCRATCH/fips")")" = "$UNWRAP"
check "  by C_UnwrapKey, with no key in clear" \
    test "$(quirks fips C_CreateObject)" -eq 0 -a "$(imported fips)" -ge 1
rm -f "$SCRATCH/trace-fips"
expect_status 0 "a restore into a new token of the same kind" \
    env KC_FAULT_TRACE="$SCRATCH/trace-fips" "$BIN/ca-backup" restore \
    -d "$SCRATCH/fips" --from "$SCRATCH/fips-backup" \
    --token pkcs11:token=fips-new --pin-source "file:$SCRATCH/pin-fips-new" \
    --wrap-shares "shares:$(ls "$SCRATCH"/wk-fips/* | paste -sd, -)"
check "  its record says how the key came in" test "$(jq -cS \
    '.body.key_restore.token.import' "$(last "$SCRATCH/fips")")" = \
    "$UNWRAP"
check "  by C_UnwrapKey, with no key in clear" \
    test "$(quirks fips C_CreateObject)" -eq 0 -a "$(imported fips)" -ge 1
check "  and the restored CA verifies" "$BIN/ca-log" verify \
    -d "$SCRATCH/fips" --anchor "$(fp "$SCRATCH/fips")"

export KC_FAULT_NO_MECH=ECDH1_DERIVE
expect_status 0 "wrap-key on one that derives no ECDH key either" \
    wrapkey oaep "$SCRATCH/so-pin"
check "  came in under RSA-OAEP, with SHA-1 for SoftHSM2's OAEP" test \
    "$(jq -cS '.body.backup_wrap_key.import' "$(last "$SCRATCH/oaep")")" = \
    "$OAEP"
check "  by C_UnwrapKey, with no key in clear" \
    test "$(quirks oaep C_CreateObject)" -eq 0 -a "$(imported oaep)" -ge 1
export KC_FAULT_NO_MECH=ECDH1_DERIVE,RSA_PKCS_OAEP
n=$(ls "$SCRATCH/none/log" | wc -l)
# This SO PIN is wrong: status 4 had it been tried.
expect_status 2 "a token that neither unwraps nor takes a key in clear" \
    wrapkey none "$SCRATCH/bad-so-pin"
check "  is refused up front, naming both" grep -q \
    "takes no key from outside: it offers neither CKM_ECDH1_DERIVE.*nor CKM_RSA_PKCS_OAEP.*refuses one in clear" \
    "$SCRATCH/err"
check "  in one line" test "$(wc -l <"$SCRATCH/err")" -eq 1
check "  with nothing written: no record, no shares" test \
    "$(ls "$SCRATCH/none/log" | wc -l)" -eq "$n" -a ! -e "$SCRATCH/wk-none"
check "  and nothing on the token" sh -c '"$1" "$2" none "$3" |
    jq -e "length == 4" >/dev/null' sh "$TOP/tests/bin/p11attrs" \
    "$MODULE" "$SCRATCH/pin-none"
n=$(ls "$SCRATCH/fips/log" | wc -l)
expect_status 2 "a backup whose scratch token could not take the key" \
    "$BIN/ca-backup" backup -d "$SCRATCH/fips" --out "$SCRATCH/fips-b2" \
    --scratch-token pkcs11:token=fips-scratch \
    --scratch-pin-source "file:$SCRATCH/bad-so-pin" \
    --wrap-shares "shares:$(ls "$SCRATCH"/wk-fips/* | paste -sd, -)" \
    $PS "file:$SCRATCH/bad-so-pin"
check "  is refused before either PIN, naming the scratch token" grep -q \
    "token \"fips-scratch\" takes no key from outside" "$SCRATCH/err"
check "  with nothing written" test "$(ls "$SCRATCH/fips/log" | wc -l)" \
    -eq "$n" -a ! -e "$SCRATCH/fips-b2"
new_token fips-new2 444444
expect_status 2 "a restore into a token that could not take the key" \
    "$BIN/ca-backup" restore -d "$SCRATCH/fips" \
    --from "$SCRATCH/fips-backup" --token pkcs11:token=fips-new2 \
    --pin-source "file:$SCRATCH/bad-so-pin" \
    --wrap-shares "shares:$SCRATCH/missing.share"
check "  is refused before the shares and the PIN" grep -q \
    "token \"fips-new2\" takes no key from outside" "$SCRATCH/err"
check "  with nothing recorded" test "$(ls "$SCRATCH/fips/log" | wc -l)" \
    -eq "$n"
unset KC_FAULT_NO_CLEAR_IMPORT
expect_status 0 "a token without either that takes a key in clear" \
    wrapkey clear "$SCRATCH/so-pin"
check "  gets it so, and the record says C_CreateObject" test "$(jq -c \
    '.body.backup_wrap_key.import' "$(last "$SCRATCH/clear")")" = \
    '{"call":"C_CreateObject"}'
check "  and no C_UnwrapKey was tried" test "$(awk \
    '$2 == "C_UnwrapKey"' "$SCRATCH/trace-clear" | wc -l)" -eq 0
unset KC_FAULT_NO_MECH

# --- controls: without the quirks, nothing is refused or unknown ------
expect_status 0 "control: the same root without the quirk" root ctl ockb \
    rsa3072
check "control: no call met a quirk" test "$(grep -c ' quirk$' \
    "$SCRATCH/trace-ctl")" -eq 0
check "control: wrap_with_trusted known" \
    test "$(attr "$SCRATCH/ctl" ca wrap_with_trusted)" = false

finish
