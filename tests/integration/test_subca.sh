#!/bin/sh
# Subordinate CAs on their own tokens: ca-init --sub, ca-sign-sub under the
# stock profiles, ca-init --install; chains checked by five verifier
# stacks; cross-certification; and bad input that must leave nothing.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/interop.sh"

CERTINFO="$PY $TOP/tests/certinfo.py"
PROFILES=$TOP/profiles
LEAFSIGN=$TOP/tests/bin/leafsign

jq_check() {
	if [ "$(jq -r "$3" "$2" 2>/dev/null)" = true ]; then
		ok "$1"
	else
		not_ok "$1"
		echo "#   filter: $3"
	fi
}

# records DIR: how many records its log holds.
records() { find "$1/log" -name '[0-9]*.json' | wc -l; }

# fp FILE: SHA-256 of a PEM certificate's DER.
fp() { openssl x509 -in "$1" -outform DER | sha256sum | cut -c1-64; }

# leaf CADIR NAME SANS: a P-256 leaf signed by CADIR's token key.
leaf() {
	openssl ecparam -name prime256v1 -genkey -noout \
	    -out "$SCRATCH/$2.key" 2>/dev/null
	openssl ec -in "$SCRATCH/$2.key" -pubout -out "$SCRATCH/$2.pub" \
	    2>/dev/null
	"$LEAFSIGN" "$1" "$PINFILE" "$SCRATCH/$2.pub" "$2" "$3" \
	    >"$SCRATCH/$2.pem"
}

for t in root ot it ot3 other; do
	new_token "$t"
done
# One PIN for all: every token was made with it.
PINFILE=$SCRATCH/pin-root
PS="--pin-source file:$PINFILE"
R=$SCRATCH/root

expect_status 0 "root CA" "$BIN/ca-init" --ceremony "$PLAN" -d "$R" --token pkcs11:token=root \
    $PS --subject "CN=Plant Root CA 1,O=Example Manufacturing,C=DE"
ROOTFP=$(fp "$R/ca.pem")

# sub NAME TOKEN PROFILE ALG SUBJECT: the whole subordinate ceremony.
sub() {
	expect_status 0 "$1: ca-init --sub on token $2" "$BIN/ca-init" --ceremony "$PLAN" --sub \
	    -d "$SCRATCH/$1" --token "pkcs11:token=$2" --algorithm "$4" $PS \
	    --subject "$5" --operator "Alice Custodian" --witness "Bob Witness"
	check "$1: only ca.csr, ca.json and the first record" test \
	    "$(cd "$SCRATCH/$1" && find . -type f | sort | tr '\n' ' ')" = \
	    "./ca.csr ./ca.json ./log/000001.json "
	check "$1: the request verifies" openssl req -in "$SCRATCH/$1/ca.csr" \
	    -verify -noout
	expect_status 0 "$1: ca-sign-sub with $3" "$BIN/ca-sign-sub" -d "$R" \
	    --csr "$SCRATCH/$1/ca.csr" --profile "$PROFILES/$3.json" \
	    --out "$SCRATCH/$1-cert.pem" $PS --operator "Carol Root Custodian"
	cp "$SCRATCH/err" "$SCRATCH/$1-sign.err"
	expect_status 0 "$1: ca-init --install" "$BIN/ca-init" \
	    --install "$SCRATCH/$1-cert.pem" --chain "$R/ca.pem" \
	    -d "$SCRATCH/$1" $PS
	check "$1: ca-log verifies it against the root's fingerprint" \
	    "$BIN/ca-log" verify -d "$SCRATCH/$1" --anchor "$ROOTFP"
	check "$1: openssl verifies it under the root" openssl verify \
	    -x509_strict -CAfile "$R/ca.pem" "$SCRATCH/$1/ca.pem"
	check "$1: its log signer chains to the root" openssl verify \
	    -x509_strict -CAfile "$R/ca.pem" -untrusted "$SCRATCH/$1/ca.pem" \
	    "$SCRATCH/$1/log-signer.pem"
}

sub ot ot ot-issuing-sl2 p256 "CN=Line 4 OT Issuing CA,O=Example Manufacturing,C=DE"
sub it it it-issuing rsa3072 "CN=IT Issuing CA,O=Example Manufacturing,C=DE"
sub ot3 ot3 ot-issuing-sl3 p384 "CN=Line 5 OT Issuing CA SL3,O=Example Manufacturing,C=DE"
check "root log verifies after three signings" "$BIN/ca-log" verify -d "$R" \
    --anchor "$ROOTFP"
check "root log holds four records" test "$(records "$R")" -eq 4

# --- the OT certificate, parsed ---------------------------------------------
$CERTINFO "$SCRATCH/ot/ca.pem" "$SCRATCH/ot3/ca.pem" "$SCRATCH/it/ca.pem" \
    "$R/ca.pem" >"$SCRATCH/ci.json"
CI=$SCRATCH/ci.json
jq_check "ot: CA, pathLen 0, critical basicConstraints" "$CI" \
    '.[0].extensions.basicConstraints | .critical and .ca and .path_length == 0'
jq_check "ot: keyUsage keyCertSign and cRLSign only, critical" "$CI" \
    '.[0].extensions.keyUsage | .critical and .usages == ["key_cert_sign","crl_sign"]'
jq_check "ot: serverAuth and clientAuth" "$CI" \
    '.[0].extensions.extendedKeyUsage.oids == ["1.3.6.1.5.5.7.3.1","1.3.6.1.5.5.7.3.2"]'
jq_check "ot (SL2, targets mbedtls): name constraints not critical" "$CI" \
    '.[0].extensions.nameConstraints.critical == false'
jq_check "ot3 (SL3): name constraints critical" "$CI" \
    '.[1].extensions.nameConstraints.critical == true'
jq_check "ot: CRL distribution points present" "$CI" \
    '.[0].extensions | has("2.5.29.31")'
jq_check "it: caIssuers present, no name constraints" "$CI" \
    '.[2].extensions | has("1.3.6.1.5.5.7.1.1") and (has("nameConstraints") | not)'
jq_check "ot: AKI is the root's SKI, issuer is the root's subject" "$CI" \
    '.[0].extensions.authorityKeyIdentifier.key_identifier == .[3].extensions.subjectKeyIdentifier.digest and .[0].issuer == .[3].subject'
jq_check "ot: subject from the request" "$CI" \
    '.[0].subject == "CN=Line 4 OT Issuing CA,O=Example Manufacturing,C=DE"'
jq_check "ot: 10 years, inside the root's validity" "$CI" \
    '(.[0].not_after[0:4] | tonumber) - (.[0].not_before[0:4] | tonumber) == 10 and .[0].not_after < .[3].not_after'
jq_check "ot: policies: the profile's and the SL2 zone's OIDs" "$CI" \
    '.[0].extensions.certificatePolicies.policies == ["1.3.6.1.4.1.55555.1.1","1.3.6.1.4.1.55555.62443.2"]'

# --- the record in the root's log -------------------------------------------
REC=$R/log/000002.json
serial=$(openssl x509 -in "$SCRATCH/ot/ca.pem" -noout -serial | cut -d= -f2 |
    tr 'A-F' 'a-f')
jq_check "record: op sign-sub" "$REC" '.body.op == "sign-sub"'
jq_check "record: the request's hash" "$REC" \
    "[.body.inputs[] | select(.name == \"$SCRATCH/ot/ca.csr\") | .sha256] == [\"$(sha256sum "$SCRATCH/ot/ca.csr" | cut -c1-64)\"]"
jq_check "record: the profile's hash" "$REC" \
    "[.body.inputs[] | select(.name == \"$PROFILES/ot-issuing-sl2.json\") | .sha256] == [\"$(sha256sum "$PROFILES/ot-issuing-sl2.json" | cut -c1-64)\"]"
jq_check "record: the certificate's hash, serial and subject" "$REC" \
    ".body.certificate | .sha256 == \"$(fp "$SCRATCH/ot-cert.pem")\" and .serial == \"$serial\" and .subject == \"CN=Line 4 OT Issuing CA,O=Example Manufacturing,C=DE\""
jq_check "record: zone and security level" "$REC" \
    '.body.iec62443 == {"zone":"Line 4 cell zone","security_level":2,"policy_oid":"1.3.6.1.4.1.55555.62443.2"}'
jq_check "record: the output files with their hashes" "$REC" \
    "[.body.outputs[].sha256] | index(\"$(sha256sum "$SCRATCH/ot-cert.pem" | cut -c1-64)\") != null"
jq_check "record: compatibility warnings are kept" "$REC" \
    '.body.warnings | length > 0'
check "the warnings were shown to the operator" grep -q "warning: " \
    "$SCRATCH/ot-sign.err"
check "issued/SERIAL.pem is the certificate" cmp "$R/issued/$serial.pem" \
    "$SCRATCH/ot-cert.pem"
check "the chain file is the certificate then the root" test \
    "$(cat "$SCRATCH/ot-cert.pem" "$R/ca.pem" | sha256sum)" = \
    "$(sha256sum <"$SCRATCH/ot-cert-chain.pem")"
jq_check "install record: op install-sub, names the root" \
    "$SCRATCH/ot/log/000002.json" \
    ".body.op == \"install-sub\" and .body.certificates.root.sha256 == \"$ROOTFP\""

# --- five stacks: root -> OT issuing CA -> leaf (token-signed) -------------
# wolfSSL 5.5 refuses any IP SAN under DNS constraints (tests/interop.sh),
# so the leaf all five must accept names itself by DNS alone.
leaf "$SCRATCH/ot" plc1.plant.example "DNS:plc1.plant.example"
leaf "$SCRATCH/ot" plc3.plant.example "DNS:plc3.plant.example,IP:10.20.1.5"
leaf "$SCRATCH/ot" hmi.corp.example "DNS:hmi.corp.example"
leaf "$SCRATCH/ot" plc2.plant.example "DNS:plc2.plant.example,IP:192.168.1.5"
leaf "$SCRATCH/it" www.corp.example "DNS:www.corp.example"
leaf "$SCRATCH/ot3" plc9.plant.example "DNS:plc9.plant.example"
cp "$SCRATCH/ot/ca.pem" "$SCRATCH/ot-chain.pem"
cp "$SCRATCH/it/ca.pem" "$SCRATCH/it-chain.pem"
cp "$SCRATCH/ot3/ca.pem" "$SCRATCH/ot3-chain.pem"

for purpose in server client; do
	if interop_verify "$R/ca.pem" "$SCRATCH/ot-chain.pem" \
	    "$SCRATCH/plc1.plant.example.pem" $purpose >"$SCRATCH/iv" 2>&1; then
		ok "OT chain ($purpose): accepted by all five stacks"
	else
		not_ok "OT chain ($purpose): accepted by all five stacks"
		sed 's/^/#   /' "$SCRATCH/iv"
	fi
done
interop_verify "$R/ca.pem" "$SCRATCH/ot-chain.pem" \
    "$SCRATCH/plc3.plant.example.pem" >"$SCRATCH/iv" 2>&1
check "OT leaf inside both constraints, with an IP: OpenSSL, GnuTLS, NSS, mbedTLS accept" \
    test "$INTEROP_openssl$INTEROP_gnutls$INTEROP_nss$INTEROP_mbedtls" = okokokok
if interop_verify "$R/ca.pem" "$SCRATCH/it-chain.pem" \
    "$SCRATCH/www.corp.example.pem" >"$SCRATCH/iv" 2>&1; then
	ok "IT chain: accepted by all five stacks"
else
	not_ok "IT chain: accepted by all five stacks"
	sed 's/^/#   /' "$SCRATCH/iv"
fi
interop_verify "$R/ca.pem" "$SCRATCH/ot-chain.pem" \
    "$SCRATCH/hmi.corp.example.pem" >"$SCRATCH/iv" 2>&1
if interop_nc_check dns >>"$SCRATCH/iv" 2>&1; then
	ok "OT leaf outside the DNS constraint: every enforcing stack rejects"
else
	not_ok "OT leaf outside the DNS constraint: every enforcing stack rejects"
	sed 's/^/#   /' "$SCRATCH/iv"
fi
interop_verify "$R/ca.pem" "$SCRATCH/ot-chain.pem" \
    "$SCRATCH/plc2.plant.example.pem" >"$SCRATCH/iv" 2>&1
if interop_nc_check ip >>"$SCRATCH/iv" 2>&1; then
	ok "OT leaf outside the IP constraint: every enforcing stack rejects"
else
	not_ok "OT leaf outside the IP constraint: every enforcing stack rejects"
	sed 's/^/#   /' "$SCRATCH/iv"
fi
# SL3 keeps name constraints critical, which mbedTLS cannot parse: the
# compatibility lint said so, and here is why.
interop_verify "$R/ca.pem" "$SCRATCH/ot3-chain.pem" \
    "$SCRATCH/plc9.plant.example.pem" >"$SCRATCH/iv" 2>&1
check "SL3 chain: OpenSSL, GnuTLS, NSS and wolfSSL accept" test \
    "$INTEROP_openssl$INTEROP_gnutls$INTEROP_nss$INTEROP_wolfssl" = okokokok
check "SL3 chain: mbedTLS rejects critical name constraints" \
    interop_rejected_by mbedtls

# --- cross-certification -----------------------------------------------------
O=$SCRATCH/otherroot
expect_status 0 "another plant's root" "$BIN/ca-init" --ceremony "$PLAN" -d "$O" \
    --token pkcs11:token=other $PS --subject "CN=Plant B Root,O=Plant B,C=FR"
expect_status 0 "ca-sign-sub --cross" "$BIN/ca-sign-sub" -d "$R" \
    --cross "$O/ca.pem" --profile "$PROFILES/cross-certificate.json" \
    --out "$SCRATCH/cross.pem" $PS
$CERTINFO "$SCRATCH/cross.pem" "$O/ca.pem" >"$SCRATCH/ci-cross.json"
jq_check "cross: subject and SKI copied from the other root" \
    "$SCRATCH/ci-cross.json" \
    '.[0].subject == .[1].subject and .[0].extensions.subjectKeyIdentifier.digest == .[1].extensions.subjectKeyIdentifier.digest and .[0].spki_sha256 == .[1].spki_sha256'
jq_check "cross: issued by our root, pathLen 0, name constraints" \
    "$SCRATCH/ci-cross.json" \
    '.[0].issuer == "CN=Plant Root CA 1,O=Example Manufacturing,C=DE" and .[0].extensions.basicConstraints.path_length == 0 and .[0].extensions.nameConstraints.critical'
jq_check "cross: recorded as cross-certify" "$R/log/000005.json" \
    '.body.op == "cross-certify"'
leaf "$O" scada.plant.example "DNS:scada.plant.example"
leaf "$O" mail.plantb.example "DNS:mail.plantb.example"
check "a leaf under the other root verifies up to ours through the cross" \
    openssl verify -x509_strict -CAfile "$R/ca.pem" -untrusted \
    "$SCRATCH/cross.pem" "$SCRATCH/scada.plant.example.pem"
interop_verify "$R/ca.pem" "$SCRATCH/cross.pem" \
    "$SCRATCH/scada.plant.example.pem" >"$SCRATCH/iv" 2>&1
check "through the cross: OpenSSL, GnuTLS, NSS and wolfSSL accept" test \
    "$INTEROP_openssl$INTEROP_gnutls$INTEROP_nss$INTEROP_wolfssl" = okokokok
interop_verify "$R/ca.pem" "$SCRATCH/cross.pem" \
    "$SCRATCH/mail.plantb.example.pem" >"$SCRATCH/iv" 2>&1
if interop_nc_check dns >>"$SCRATCH/iv" 2>&1; then
	ok "through the cross: a leaf outside the names is rejected"
else
	not_ok "through the cross: a leaf outside the names is rejected"
	sed 's/^/#   /' "$SCRATCH/iv"
fi

# --- bad input: one line, non-zero, nothing written --------------------------
n_before=$(records "$R")
issued_before=$(ls "$R/issued" | wc -l)
# refused DESCRIPTION STATUS CSR PROFILE [DIR]: ca-sign-sub fails cleanly.
refused() {
	rm -f "$SCRATCH/bad-out.pem" "$SCRATCH/bad-out-chain.pem"
	expect_status "$2" "$1" "$BIN/ca-sign-sub" -d "${5:-$R}" --csr "$3" \
	    --profile "$4" --out "$SCRATCH/bad-out.pem" $PS
	check "$1: one line of error" test "$(wc -l <"$SCRATCH/err")" -eq 1
	check "$1: no certificate, chain or record" test ! -e \
	    "$SCRATCH/bad-out.pem" -a ! -e "$SCRATCH/bad-out-chain.pem" -a \
	    "$(records "${5:-$R}")" -eq "$n_before" -a \
	    "$(ls "$R/issued" | wc -l)" -eq "$issued_before"
}
GOODP=$PROFILES/it-issuing.json
CSR=$SCRATCH/it/ca.csr
head -c 200 "$CSR" >"$SCRATCH/trunc.csr"
refused "truncated request" 1 "$SCRATCH/trunc.csr" "$GOODP"
printf 'hello\n' >"$SCRATCH/junk.csr"
refused "malformed request" 1 "$SCRATCH/junk.csr" "$GOODP"
openssl req -in "$CSR" -outform DER -out "$SCRATCH/good.der"
# Flip a bit in the last octet: inside the signature.
/usr/bin/python3 -c "import sys; b=bytearray(open(sys.argv[1],'rb').read()); b[-1]^=1; open(sys.argv[2],'wb').write(b)" \
    "$SCRATCH/good.der" "$SCRATCH/badsig.der"
refused "request with a bad signature" 8 "$SCRATCH/badsig.der" "$GOODP"
check "bad signature: says proof of possession" grep -q "possession" \
    "$SCRATCH/err"
openssl req -new -newkey rsa:2048 -nodes -keyout "$SCRATCH/weak.key" \
    -subj "/CN=Weak" -out "$SCRATCH/weak.csr" 2>/dev/null
refused "RSA 2048 key" 1 "$SCRATCH/weak.csr" "$GOODP"
check "weak key: names the size" grep -q "2048" "$SCRATCH/err"
openssl req -new -newkey ed25519 -nodes -keyout "$SCRATCH/ed.key" \
    -subj "/CN=Ed" -out "$SCRATCH/ed.csr" 2>/dev/null
refused "Ed25519 key" 1 "$SCRATCH/ed.csr" "$GOODP"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:secp521r1 -nodes \
    -keyout "$SCRATCH/p521.key" -subj "/CN=P521" -out "$SCRATCH/p521.csr" \
    2>/dev/null
refused "P-521 key" 1 "$SCRATCH/p521.csr" "$GOODP"
printf '{"format": "ca-profile",' >"$SCRATCH/broken.json"
refused "profile that is not JSON" 1 "$CSR" "$SCRATCH/broken.json"
check "not JSON: names file, line and column" grep -q \
    "broken.json:1:[0-9]*:" "$SCRATCH/err"
jq '. + {"validty": "5y"}' "$GOODP" >"$SCRATCH/unknown.json"
refused "profile with an unknown key" 1 "$CSR" "$SCRATCH/unknown.json"
check "unknown key: names it with its line" grep -q \
    "unknown.json:[0-9]*:[0-9]*: .*validty" "$SCRATCH/err"
jq '.validity = "30y"' "$GOODP" >"$SCRATCH/long.json"
refused "validity beyond the issuer" 1 "$CSR" "$SCRATCH/long.json"
check "validity: says it outlasts the issuer" grep -q "outlast" "$SCRATCH/err"
jq '.name_constraints = {"permitted": {"ip": ["10.20.0.0/33"]}}' \
    "$PROFILES/ot-issuing-sl3.json" >"$SCRATCH/cidr.json"
refused "malformed CIDR" 1 "$CSR" "$SCRATCH/cidr.json"
jq '.policies[0].oid = "1.3.6..1"' "$GOODP" >"$SCRATCH/oid.json"
refused "malformed OID" 1 "$CSR" "$SCRATCH/oid.json"
refused "a root profile for a subordinate" 1 "$CSR" "$PROFILES/root.json"
# An --out whose chain file is there, found before the PIN is asked for:
# this one is wrong, and would end in status 4.
printf '000000\n' >"$SCRATCH/wrong-pin"
chmod 600 "$SCRATCH/wrong-pin"
: >"$SCRATCH/taken-chain.pem"
expect_status 6 "an --out whose chain file exists" "$BIN/ca-sign-sub" \
    -d "$R" --csr "$CSR" --profile "$GOODP" --out "$SCRATCH/taken.pem" \
    --pin-source "file:$SCRATCH/wrong-pin"
check "...said so, with what to do" grep -q \
    "taken-chain.pem\" exists; give another --out" "$SCRATCH/err"
check "...no certificate, no record" test ! -e "$SCRATCH/taken.pem" -a \
    "$(records "$R")" -eq "$n_before"
expect_status 1 "an --out in a folder that does not exist" \
    "$BIN/ca-sign-sub" -d "$R" --csr "$CSR" --profile "$GOODP" \
    --out "$SCRATCH/nowhere/sub.pem" --pin-source "file:$SCRATCH/wrong-pin"
check "...said so" grep -q "there is no folder \"$SCRATCH/nowhere\"" \
    "$SCRATCH/err"
# An issuer whose pathLen is 0.
new_token pl0
jq '.path_len = 0' "$PROFILES/root.json" >"$SCRATCH/root-pl0.json"
expect_status 0 "a root with pathLen 0" "$BIN/ca-init" --ceremony "$PLAN" -d "$SCRATCH/pl0" \
    --token pkcs11:token=pl0 $PS --subject "CN=Leaf-only Root" \
    --profile "$SCRATCH/root-pl0.json"
n_before=$(records "$SCRATCH/pl0")
refused "issuer with pathLen 0" 1 "$CSR" "$GOODP" "$SCRATCH/pl0"
check "pathLen 0: says so" grep -q "pathLen 0" "$SCRATCH/err"
check "pathLen 0: no issued folder" test ! -e "$SCRATCH/pl0/issued"
# The CA key on the token is not the CA certificate's key.
n_before=$(records "$R")
cp "$R/ca.json" "$SCRATCH/ca.json.saved"
jq -c -S '.ca_key = .log_key' "$SCRATCH/ca.json.saved" >"$R/ca.json"
refused "CA key on the token does not match ca.pem" 1 "$CSR" "$GOODP"
check "mismatch: says so" grep -q "does not match" "$SCRATCH/err"
cp "$SCRATCH/ca.json.saved" "$R/ca.json"
check "root log still verifies after the refusals" "$BIN/ca-log" verify \
    -d "$R" --anchor "$ROOTFP"

# Installing what does not belong.
expect_status 6 "install a second time" "$BIN/ca-init" --install \
    "$SCRATCH/ot-cert.pem" --chain "$R/ca.pem" -d "$SCRATCH/ot" $PS
expect_status 2 "install without --chain" "$BIN/ca-init" --install \
    "$SCRATCH/ot-cert.pem" -d "$SCRATCH/ot" $PS
expect_status 0 "a pending subordinate" "$BIN/ca-init" --ceremony "$PLAN" --sub \
    -d "$SCRATCH/pend" --token "pkcs11:token=ot;object=pending" $PS \
    --subject "CN=Pending CA"
expect_status 1 "install another CA's certificate" "$BIN/ca-init" \
    --install "$SCRATCH/ot-cert.pem" --chain "$R/ca.pem" \
    -d "$SCRATCH/pend" $PS
check "another CA's certificate: nothing written" test ! -e \
    "$SCRATCH/pend/ca.pem" -a "$(records "$SCRATCH/pend")" -eq 1

finish
