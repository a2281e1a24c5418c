#!/bin/sh
# What a plant's token holds besides the CA's keys, and what an operator
# may give by mistake:
#   - foreign objects of every kind pkcs11-tool makes on SoftHSM2 (AES and
#     generic secret keys; EC pairs on secp256k1, Ed25519 and P-256, an
#     RSA-1024 pair, a data object and a certificate), put on the CA's
#     token before and after its keys: no command minds them;
#   - a module path that is no PKCS#11 library, a token URI that matches
#     two tokens, and a key found twice: each a one-line error naming
#     what is wrong, a non-zero exit, and nothing written.
. "$(dirname "$0")/../lib.sh"

new_token ca
new_token twin
PS="--pin-source file:$SCRATCH/pin-ca"
D=$SCRATCH/root
P11="pkcs11-tool --module $MODULE --login --pin 123456"
fp() { openssl x509 -in "$1" -outform DER | sha256sum | cut -c1-64; }
records() { ls "$1/log" | wc -l; }

# foreign LABEL-PREFIX: one object of each kind on token "ca".
foreign() {
	made=0
	for spec in "--keygen --key-type AES:32" \
	    "--keygen --key-type GENERIC:32" \
	    "--keypairgen --key-type EC:secp256k1" \
	    "--keypairgen --key-type EC:edwards25519" \
	    "--keypairgen --key-type EC:prime256v1" \
	    "--keypairgen --key-type rsa:1024"; do
		made=$((made + 1))
		# shellcheck disable=SC2086
		$P11 --token-label ca $spec --label "$1-$made" \
		    --id "f$made" >/dev/null 2>&1 || return 1
	done
	printf 'not a key\n' >"$SCRATCH/data"
	$P11 --token-label ca --write-object "$SCRATCH/data" --type data \
	    --label "$1-data" >/dev/null 2>&1 || return 1
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout /dev/null -subj "/CN=$1" -outform DER \
	    -out "$SCRATCH/$1.der" 2>/dev/null &&
	    $P11 --token-label ca --write-object "$SCRATCH/$1.der" --type cert \
	    --label "$1-cert" >/dev/null 2>&1
}

# --- foreign objects ---------------------------------------------------
check "foreign objects on the CA's token before its keys" foreign pre
PER=$(object_count ca)
check "  of eight kinds, twelve objects" test "$PER" -eq 12
expect_status 0 "a root beside them" "$BIN/ca-init" --ceremony "$PLAN" \
    -d "$D" --token pkcs11:token=ca $PS --subject "CN=Foreign Root"
check "more foreign objects after" foreign post
check "  the token holds them all, and the CA's four" \
    test "$(object_count ca)" -eq $((2 * PER + 4))
expect_status 0 "the ceremony sealed" "$BIN/ca-ceremony" seal -d "$D" $PS
expect_status 0 "a CRL" "$BIN/ca-crl" issue -d "$D" $PS
check "  whose signature verifies (python3-cryptography)" \
    test "$(crl_verifies "$D/crl/1.der" "$D/ca.pem")" = "signature valid"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout /dev/null -subj "/CN=Foreign Sub" -out "$SCRATCH/sub.csr" \
    2>/dev/null
expect_status 0 "a subordinate signed" "$BIN/ca-sign-sub" -d "$D" \
    --csr "$SCRATCH/sub.csr" --profile "$TOP/profiles/it-issuing.json" \
    --out "$SCRATCH/sub.pem" $PS
check "  its chain verifies (openssl)" openssl verify -CAfile "$D/ca.pem" \
    "$SCRATCH/sub.pem"
expect_status 0 "the log verifies" "$BIN/ca-log" verify -d "$D" \
    --anchor "$(fp "$D/ca.pem")"
expect_status 0 "the audit passes" "$BIN/ca-audit" -d "$D" \
    --anchor "$(fp "$D/ca.pem")"

# refused N DESCRIPTION COMMAND...: exit N, one line, nothing written to
# the CA directory or to the new one.
refused() {
	_n=$1 _d=$2
	shift 2
	rm -rf "$SCRATCH/keep" "$SCRATCH/new"
	cp -a "$D" "$SCRATCH/keep"
	n0=$(object_count ca)
	expect_status "$_n" "$_d" "$@"
	check "  in one line" test "$(wc -l <"$SCRATCH/err")" -eq 1
	check "  and nothing written" sh -c "diff -r '$SCRATCH/keep' '$D' &&
	    test ! -e '$SCRATCH/new' && test \"\$1\" -eq $n0" sh \
	    "$(object_count ca)"
}

# --- a module that is no PKCS#11 library -------------------------------
LIBC=$(ldd /bin/sh | awk '$1 ~ /^libc\.so/ { print $3 }')
refused 1 "a shared library that is no PKCS#11 module" "$BIN/ca-init" \
    --ceremony "$PLAN" -d "$SCRATCH/new" --token pkcs11:token=ca \
    --module "$LIBC" $PS --subject "CN=New"
check "  naming it" grep -qF "\"$LIBC\" is not a pkcs#11 module" \
    "$SCRATCH/err"
refused 1 "a file that is no library" "$BIN/ca-init" --ceremony "$PLAN" \
    -d "$SCRATCH/new" --token pkcs11:token=ca --module "$SCRATCH/data" $PS \
    --subject "CN=New"
check "  naming it" grep -qF "module \"$SCRATCH/data\" cannot be loaded" \
    "$SCRATCH/err"

# --- a token URI that matches two tokens --------------------------------
softhsm2-util --init-token --free --label ca --so-pin 87654321 \
    --pin 123456 >/dev/null
refused 3 "a URI that matches two tokens (ca-init)" "$BIN/ca-init" \
    --ceremony "$PLAN" -d "$SCRATCH/new" --token "pkcs11:token=ca;object=n" \
    $PS --subject "CN=New"
check "  names both, and what to add" grep -q \
    "tokens \"ca\" (serial .*) and \"ca\" (serial .*) both match; add serial=" \
    "$SCRATCH/err"
# ca.json names its token with serial= as well: the CA finds its own.
expect_status 0 "the CA's own commands still find their token by serial" \
    "$BIN/ca-crl" issue -d "$D" $PS
# The twin goes: only the CA's token is named "ca" again.
CASERIAL=$(jq -r '.ca_key' "$D/ca.json" | sed -n 's/.*;serial=\([^;]*\).*/\1/p')
TWIN=$(softhsm2-util --show-slots | awk '/Serial number:/ { s = $3 }
    /Label:/ && $2 == "ca" { print s }' | grep -vx "$CASERIAL" | head -n 1)
check "the twin token removed" softhsm2-util --delete-token --serial "$TWIN"

# --- a key found twice ---------------------------------------------------
CAID=$(jq -r '.ca_key' "$D/ca.json" | sed -n 's/.*;id=\([^;]*\).*/\1/p' |
    tr -d '%' | tr 'A-F' 'a-f')
check "a second key with the CA key's label and id, beside it" sh -c \
    "$P11 --token-label ca --keypairgen --key-type EC:prime256v1 \
    --label root-ca --id '$CAID' >/dev/null 2>&1"
refused 1 "a CRL when the CA key is found twice" "$BIN/ca-crl" issue -d "$D" \
    $PS
check "  naming it, and what to do" grep -q "the CA key named in ca.json: \
more than one private key \"root-ca\" on token \"ca\" answers to the uri \
(the same label and id).*remove the one that is not the certificate's" \
    "$SCRATCH/err"
finish
