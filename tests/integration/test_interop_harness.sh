#!/bin/sh
# The interoperability harness (tests/interop.sh) proved on chains made by
# the openssl command line, not by our code: a P-384 root, P-256 issuing
# CAs with nameConstraints (DNS .plant.example, IP 10.20.0.0/16; one
# non-critical, one critical), and leaves inside and outside those names.
# Every verdict the harness documents is asserted here, the quirks of
# each stack included, so that a library update that changes one shows
# up as a failure rather than as a stale comment.
# The stack lists below are word-split on purpose; interop_expect reads the
# verdict variables that interop_verify sets through eval.
# shellcheck disable=SC2086,SC2154
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/interop.sh"

INTEROP_PREFIX="#     "
PKI=$SCRATCH/pki
mkdir -p "$PKI"
EMPTY=$PKI/empty.pem
: >"$EMPTY"

# --- certificates ---------------------------------------------------------
# mkkey NAME CURVE
mkkey() {
	openssl genpkey -algorithm EC -pkeyopt "ec_paramgen_curve:$2" \
	    -out "$PKI/$1.key" 2>/dev/null
}

# mkroot NAME CN: a self-signed P-384 root.
mkroot() {
	mkkey "$1" P-384 &&
	openssl req -x509 -new -key "$PKI/$1.key" -subj "/CN=$2" -sha384 \
	    -days 3650 -out "$PKI/$1.pem" \
	    -addext "basicConstraints=critical,CA:TRUE" \
	    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
}

# mkcert NAME ISSUER SUBJECT EXTENSIONS: a P-256 certificate for NAME
# signed by ISSUER; EXTENSIONS are openssl x509v3 config lines.
mkcert() {
	mkkey "$1" P-256 &&
	openssl req -new -key "$PKI/$1.key" -subj "$3" \
	    -out "$PKI/$1.csr" 2>/dev/null &&
	printf '%s\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n' \
	    "$4" >"$PKI/$1.ext" &&
	openssl x509 -req -in "$PKI/$1.csr" -CA "$PKI/$2.pem" \
	    -CAkey "$PKI/$2.key" -CAcreateserial -days 365 -sha384 \
	    -extfile "$PKI/$1.ext" -out "$PKI/$1.pem" 2>/dev/null
}

# mkca NAME ISSUER CN PATHLEN [NAMECONSTRAINTS]
mkca() {
	_ext="basicConstraints=critical,CA:TRUE,pathlen:$4
keyUsage=critical,keyCertSign,cRLSign"
	[ $# -ge 5 ] && _ext="$_ext
nameConstraints=$5"
	mkcert "$1" "$2" "/CN=$3" "$_ext"
}

# mkleaf NAME ISSUER CN SAN EKU
mkleaf() {
	mkcert "$1" "$2" "/CN=$3" "basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=$5
subjectAltName=$4"
}

NC="permitted;DNS:.plant.example,permitted;IP:10.20.0.0/255.255.0.0"
IN=host.plant.example
OUT=host.evil.example
made=0
{
	mkroot root "Interop Test Root" &&
	mkca ica root "Plant Issuing CA" 0 "$NC" &&
	mkca icac root "Plant Issuing CA Critical" 0 "critical,$NC" &&
	mkca ipca root "Plant IP-only CA" 0 \
	    "permitted;IP:10.20.0.0/255.255.0.0" &&
	mkca mid root "Plant Policy CA" 1 &&
	mkca ica2 mid "Plant Issuing CA 2" 0 "$NC" &&
	# Same subject as ica, other key and root: chains by name, not by
	# signature.
	mkroot evilroot "Interop Test Root" &&
	mkca evilica evilroot "Plant Issuing CA" 0 "$NC" &&
	mkleaf server ica "$IN" "DNS:$IN" serverAuth &&
	mkleaf client ica "$IN" "DNS:$IN" clientAuth &&
	mkleaf outdns ica "$OUT" "DNS:$OUT" serverAuth &&
	mkleaf outip ica "$IN" "DNS:$IN,IP:10.99.1.2" serverAuth &&
	mkleaf inip ica "$IN" "DNS:$IN,IP:10.20.1.2" serverAuth &&
	mkleaf ipv6 ica "$IN" "DNS:$IN,IP:2001:db8::1" serverAuth &&
	mkleaf iponlyout ipca "$IN" "IP:10.99.1.2" serverAuth &&
	mkleaf critin icac "$IN" "DNS:$IN" serverAuth &&
	mkleaf critout icac "$OUT" "DNS:$OUT" serverAuth &&
	mkleaf deep ica2 "$IN" "DNS:$IN" serverAuth &&
	mkleaf direct root "$IN" "DNS:$IN" serverAuth &&
	mkleaf forged evilica "$IN" "DNS:$IN" serverAuth &&
	made=1
}
if [ "$made" -eq 1 ]; then
	ok "openssl made the test PKI"
else
	not_ok "openssl made the test PKI"
	finish
	exit
fi
cat "$PKI/ica2.pem" "$PKI/mid.pem" >"$PKI/deep-tls.pem"
cat "$PKI/mid.pem" "$PKI/ica2.pem" >"$PKI/deep-rev.pem"

# run DESC ROOT CHAIN LEAF [PURPOSE]: interop_verify with a heading.
run() {
	echo "# $1"
	shift
	interop_verify "$PKI/$1.pem" "$2" "$PKI/$3.pem" ${4:+"$4"}
	RUN_STATUS=$?
}

# --- the verifier programs on their own ------------------------------------
for v in mbedtls wolfssl; do
	p=$TOP/tests/bin/$v-verify
	expect_status 0 "$v-verify: good chain" \
	    "$p" --purpose server "$PKI/root.pem" "$PKI/ica.pem" \
	    "$PKI/server.pem"
	expect_status 1 "$v-verify: leaf not under that root" \
	    "$p" "$PKI/evilroot.pem" "$PKI/ica.pem" "$PKI/server.pem"
	if [ "$(wc -l <"$SCRATCH/err")" -eq 1 ] &&
	    grep -q "^$v-verify: verification failed: " "$SCRATCH/err"; then
		ok "$v-verify: the reason is one stderr line"
	else
		not_ok "$v-verify: the reason is one stderr line"
		sed 's/^/#   /' "$SCRATCH/err"
	fi
	expect_status 1 "$v-verify: clientAuth leaf for a server" \
	    "$p" --purpose server "$PKI/root.pem" "$PKI/ica.pem" \
	    "$PKI/client.pem"
	expect_status 0 "$v-verify: empty chain file" \
	    "$p" "$PKI/root.pem" "$EMPTY" "$PKI/direct.pem"
	expect_status 2 "$v-verify: no arguments" "$p"
	expect_status 2 "$v-verify: unknown purpose" \
	    "$p" --purpose email "$PKI/root.pem" "$EMPTY" "$PKI/direct.pem"
	expect_status 2 "$v-verify: unreadable leaf" \
	    "$p" "$PKI/root.pem" "$EMPTY" "$PKI/absent.pem"
	expect_status 2 "$v-verify: a key is not a leaf" \
	    "$p" "$PKI/root.pem" "$EMPTY" "$PKI/server.key"
	expect_status 2 "$v-verify: two leaves" \
	    "$p" "$PKI/root.pem" "$EMPTY" "$PKI/deep-tls.pem"
done

# --- chains every stack must accept ----------------------------------------
run "good chain, server purpose" root "$PKI/ica.pem" server
check "interop_verify returns 0 when all accept" [ "$RUN_STATUS" -eq 0 ]
interop_expect ok "good chain" $INTEROP_STACKS

run "good chain, client purpose" root "$PKI/ica.pem" client client
interop_expect ok "clientAuth leaf as a client" $INTEROP_STACKS

run "leaf straight under the root, empty chain file" root "$EMPTY" direct
interop_expect ok "empty chain" $INTEROP_STACKS

run "two intermediates, leaf-first (TLS) order" root "$PKI/deep-tls.pem" deep
interop_expect ok "two intermediates" $INTEROP_STACKS

run "two intermediates, root-first order" root "$PKI/deep-rev.pem" deep
interop_expect ok "two intermediates reversed" python openssl gnutls nss wolfssl
interop_expect rejected "Mbed TLS needs the chain in TLS order" mbedtls
interop_expect_why mbedtls "flags 0x00000008" \
    "mbedtls: as not signed by the trusted CA (flags 0x00000008), not a parse error"

# --- chains every verifier must refuse -------------------------------------
run "leaf signed by another CA of the same name" root "$PKI/ica.pem" forged
check "interop_verify returns non-zero on rejection" [ "$RUN_STATUS" -ne 0 ]
interop_expect rejected "forged leaf" $INTEROP_VERIFIERS
check "interop_rejected_by agrees" interop_rejected_by $INTEROP_VERIFIERS
if interop_rejected_by python; then
	not_ok "interop_rejected_by is false for a stack that said ok"
else
	ok "interop_rejected_by is false for a stack that said ok"
fi
interop_expect ok "forged leaf still parses" python

run "intermediate under another root" evilroot "$PKI/ica.pem" server
interop_expect rejected "untrusted intermediate" $INTEROP_VERIFIERS

run "clientAuth leaf offered as a server" root "$PKI/ica.pem" client server
interop_expect rejected "wrong EKU" $INTEROP_VERIFIERS

# --- name constraints ---------------------------------------------------
run "DNS SAN outside the non-critical constraints" root "$PKI/ica.pem" outdns
if interop_nc_check dns; then
	ok "every DNS-enforcing stack rejects $OUT"
else
	not_ok "every DNS-enforcing stack rejects $OUT"
fi
check "mbedtls is reported as not enforcing DNS constraints" \
    [ "$INTEROP_NOT_ENFORCED" = " mbedtls" ]
interop_expect ok "Mbed TLS ignores non-critical nameConstraints" mbedtls

run "IP SAN outside the non-critical constraints" root "$PKI/ica.pem" outip
if interop_nc_check ip; then
	ok "every IP-enforcing stack rejects 10.99.1.2"
else
	not_ok "every IP-enforcing stack rejects 10.99.1.2"
fi

run "IP SAN outside an IP-only constraint" root "$PKI/ipca.pem" iponlyout
if interop_nc_check ip; then
	ok "every IP-enforcing stack rejects 10.99.1.2 (IP-only CA)"
else
	not_ok "every IP-enforcing stack rejects 10.99.1.2 (IP-only CA)"
fi
interop_expect ok "wolfSSL 5.5.4 does not enforce IP constraints" wolfssl

run "critical nameConstraints, leaf inside" root "$PKI/icac.pem" critin
interop_expect ok "critical NC, leaf inside" python openssl gnutls nss wolfssl
interop_expect rejected "Mbed TLS cannot parse critical nameConstraints" mbedtls
interop_expect_why mbedtls "-0x2562" "mbedtls: the CA fails to parse (-0x2562)"

run "critical nameConstraints, leaf outside" root "$PKI/icac.pem" critout
if interop_nc_check dns; then
	ok "every DNS-enforcing stack rejects $OUT (critical NC)"
else
	not_ok "every DNS-enforcing stack rejects $OUT (critical NC)"
fi
interop_expect rejected "critical NC, leaf outside" mbedtls
interop_expect_why mbedtls "-0x2562" \
    "mbedtls: there too, because the CA fails to parse (-0x2562)"

# --- documented quirks ---------------------------------------------------
run "IP SAN inside the constraints" root "$PKI/ica.pem" inip
interop_expect ok "in-range IP SAN" python openssl gnutls nss mbedtls
interop_expect rejected "wolfSSL 5.5.4 refuses any IP SAN under DNS constraints" \
    wolfssl
interop_expect_why wolfssl "-198" "wolfssl: as a name-constraint error (-198)"

run "IPv6 SAN under IPv4-only constraints" root "$PKI/ica.pem" ipv6
interop_expect rejected "IPv6 outside IPv4-only constraints" openssl nss
interop_expect ok "GnuTLS leaves IPv6 unconstrained by IPv4 ranges" gnutls

# --- the harness reports, it does not guess ------------------------------
run "no such chain file" root "$PKI/absent.pem" server
interop_expect error "missing input" $INTEROP_STACKS
check "missing input is no rejection" [ -z "$INTEROP_REJECTED" ]

INTEROP_BIN=$SCRATCH/nowhere
run "verifier programs not built" root "$PKI/ica.pem" server
interop_expect error "missing verifier" mbedtls wolfssl
INTEROP_BIN=$TOP/tests/bin

# A PEM wrapper around a truncated certificate.
{
	echo "-----BEGIN CERTIFICATE-----"
	openssl x509 -in "$PKI/server.pem" -outform DER |
	    head -c 200 | openssl base64
	echo "-----END CERTIFICATE-----"
} >"$PKI/broken.pem"
run "truncated leaf" root "$PKI/ica.pem" broken
interop_expect rejected "truncated leaf" $INTEROP_STACKS

finish
