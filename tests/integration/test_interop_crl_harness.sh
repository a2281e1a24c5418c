#!/bin/sh
# CRL checking in the interoperability harness (tests/interop.sh), proved
# on a PKI made by the openssl command line, not by our code: a P-384
# root, two P-256 subordinate CAs and their leaves, and v2 CRLs made by
# "openssl ca -gencrl" (authorityKeyIdentifier and cRLNumber; some with
# an issuingDistributionPoint).  It shows that a revoked subordinate CA
# and a revoked leaf are rejected as revoked, and a good one accepted, by
# all five verifiers, that an empty CRL (no revokedCertificates field)
# is accepted by all five, and asserts each stack's own behaviour with
# an expired CRL, a missing CRL and an issuingDistributionPoint, so that
# a library update that changes one shows up as a failure.
# The stack lists below are word-split on purpose; interop_expect reads the
# verdict variables that interop_verify sets through eval.
# shellcheck disable=SC2086,SC2154
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/interop.sh"

INTEROP_PREFIX="#     "
PKI=$SCRATCH/pki
mkdir -p "$PKI"
URL=http://crl.example

# --- certificates ---------------------------------------------------------
mkkey() {
	openssl genpkey -algorithm EC -pkeyopt "ec_paramgen_curve:$2" \
	    -out "$PKI/$1.key" 2>/dev/null
}

# mkcert NAME ISSUER SUBJECT EXTENSIONS: a P-256 certificate.
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

# mkca NAME CN: a subordinate CA of the root; its CRL is the root's.
mkca() {
	mkcert "$1" root "/CN=$2" "basicConstraints=critical,CA:TRUE,pathlen:0
keyUsage=critical,keyCertSign,cRLSign
crlDistributionPoints=URI:$URL/root.crl"
}

# mkleaf NAME ISSUER: a TLS server leaf; its CRL is its issuer's.
mkleaf() {
	mkcert "$1" "$2" "/CN=host.crl.example" "basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=DNS:host.crl.example
crlDistributionPoints=URI:$URL/$2.crl"
}

# mkcadir NAME MD IDPSCOPE: the openssl ca state of CA NAME.  Section
# "plain" makes CRLs with AKI and cRLNumber only; "idp" adds a critical
# issuingDistributionPoint (fullName and IDPSCOPE), "idpnc" the same
# non-critical, and "idpscope" a critical one with IDPSCOPE alone.
mkcadir() {
	mkdir -p "$PKI/ca-$1" &&
	: >"$PKI/ca-$1/index.txt" &&
	echo 1000 >"$PKI/ca-$1/crlnumber" &&
	cat >"$PKI/ca-$1/ca.cnf" <<CNF
[ ca ]
default_ca = this
[ this ]
database = $PKI/ca-$1/index.txt
crlnumber = $PKI/ca-$1/crlnumber
certificate = $PKI/$1.pem
private_key = $PKI/$1.key
default_md = $2
default_crl_days = 30
crl_extensions = plain
[ plain ]
authorityKeyIdentifier = keyid:always
[ idp ]
authorityKeyIdentifier = keyid:always
issuingDistributionPoint = critical, @idp_full
[ idpnc ]
authorityKeyIdentifier = keyid:always
issuingDistributionPoint = @idp_full
[ idpscope ]
authorityKeyIdentifier = keyid:always
issuingDistributionPoint = critical, @idp_scope
[ idp_full ]
fullname = URI:$URL/$1.crl
$3
[ idp_scope ]
$3
CNF
}

# gencrl CA OUT [openssl ca options]: a CRL of CA's current state.
gencrl() {
	_ca=$1 _out=$2
	shift 2
	openssl ca -batch -config "$PKI/ca-$_ca/ca.cnf" -gencrl \
	    -out "$PKI/$_out.crl" "$@" 2>>"$PKI/ca.log"
}

# revoke CA CERT REASON
revoke() {
	openssl ca -batch -config "$PKI/ca-$1/ca.cnf" -revoke "$PKI/$2.pem" \
	    -crl_reason "$3" 2>>"$PKI/ca.log"
}

PAST="-crl_lastupdate 240101000000Z -crl_nextupdate 240201000000Z"
made=0
{
	mkkey root P-384 &&
	openssl req -x509 -new -key "$PKI/root.key" -subj "/CN=CRL Test Root" \
	    -sha384 -days 3650 -out "$PKI/root.pem" \
	    -addext "basicConstraints=critical,CA:TRUE" \
	    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null &&
	mkca sub "CRL Test Sub CA" &&
	mkca sub2 "CRL Test Sub CA 2" &&
	mkleaf leaf sub &&
	mkleaf leafb sub &&
	mkleaf leaf2 sub2 &&
	mkcadir root sha384 "onlyCA = TRUE" &&
	mkcadir sub sha256 "onlyuser = TRUE" &&
	mkcadir sub2 sha256 "onlyuser = TRUE" &&
	gencrl root root-empty && gencrl sub sub-empty &&
	gencrl sub2 sub2-empty &&
	gencrl root root-idp -crlexts idp && gencrl sub sub-idp -crlexts idp &&
	gencrl root root-idpscope -crlexts idpscope &&
	gencrl root root-idpnc -crlexts idpnc &&
	gencrl root root-expired $PAST && gencrl sub sub-expired $PAST &&
	revoke root sub keyCompromise && revoke sub leaf superseded &&
	gencrl root root-revsub && gencrl sub sub-revleaf &&
	gencrl root root-idpscope-revsub -crlexts idpscope &&
	gencrl root root-expired-revsub $PAST &&
	gencrl root root-idpnc-revsub -crlexts idpnc &&
	gencrl sub sub-idp-revleaf -crlexts idp &&
	cat "$PKI/root-empty.crl" "$PKI/sub-empty.crl" >"$PKI/both-empty.crl" &&
	made=1
}
if [ "$made" -eq 1 ]; then
	ok "openssl made the test PKI and CRLs"
else
	not_ok "openssl made the test PKI and CRLs"
	sed 's/^/#   /' "$PKI/ca.log"
	finish
	exit
fi

# --- the CRLs are what the cases claim ------------------------------------
# crlfacts CRL: one line parsed from the CRL itself: its version, whether
# it has an AKI and a cRLNumber, whether the revokedCertificates field is
# present in the DER at all, how many entries, and its IDP.
crlfacts() {
	"$PY" - "$1" <<'PY'
import sys
from cryptography import x509
from cryptography.x509.oid import ExtensionOID as O

def items(b, p, e):
    while p < e:
        t, n = b[p], b[p + 1]
        p += 2
        if n & 0x80:
            k = n & 0x7F
            n = int.from_bytes(b[p:p + k], "big")
            p += k
        yield t, p, p + n
        p += n

crl = x509.load_pem_x509_crl(open(sys.argv[1], "rb").read())
tbs = crl.tbs_certlist_bytes
(_, s, e), = items(tbs, 0, len(tbs))
tags = [t for t, _, _ in items(tbs, s, e)]
# version, signature, issuer, thisUpdate, nextUpdate, [revoked], [0] exts
field = "present" if len(tags) > 5 and tags[5] == 0x30 else "absent"
ver = "v2" if tags[0] == 0x02 else "v1"
ext = {x.oid: x for x in crl.extensions}
idp = "none"
if O.ISSUING_DISTRIBUTION_POINT in ext:
    x = ext[O.ISSUING_DISTRIBUTION_POINT]
    v = x.value
    idp = ",".join(["critical" if x.critical else "noncritical"] +
                   (["onlyca"] if v.only_contains_ca_certs else []) +
                   (["onlyuser"] if v.only_contains_user_certs else []) +
                   [n.value for n in (v.full_name or [])])
print(ver,
      "aki" if O.AUTHORITY_KEY_IDENTIFIER in ext else "noaki",
      "number" if O.CRL_NUMBER in ext else "nonumber",
      "revoked=" + field, len(crl), "idp=" + idp,
      "expired" if crl.next_update < crl.last_update.now() else "current")
PY
}

# crl_is NAME FACTS DESC
crl_is() {
	_got=$(crlfacts "$PKI/$1.crl" 2>&1)
	if [ "$_got" = "$2" ]; then
		ok "$3"
	else
		not_ok "$3"
		echo "#   $1.crl: $_got"
	fi
}
crl_is root-empty "v2 aki number revoked=absent 0 idp=none current" \
    "(d) an empty CRL has no revokedCertificates field"
crl_is sub-empty "v2 aki number revoked=absent 0 idp=none current" \
    "the sub CA's empty CRL has no revokedCertificates field"
crl_is root-revsub "v2 aki number revoked=present 1 idp=none current" \
    "the root CRL revokes one certificate"
crl_is root-expired "v2 aki number revoked=absent 0 idp=none expired" \
    "the expired CRL's nextUpdate is past"
crl_is root-idp \
    "v2 aki number revoked=absent 0 idp=critical,onlyca,$URL/root.crl current" \
    "root CRL with critical IDP: onlyContainsCACerts and a fullName"
crl_is sub-idp \
    "v2 aki number revoked=absent 0 idp=critical,onlyuser,$URL/sub.crl current" \
    "sub CA CRL with critical IDP: onlyContainsUserCerts and a fullName"
crl_is root-idpscope \
    "v2 aki number revoked=absent 0 idp=critical,onlyca current" \
    "root CRL with critical IDP: onlyContainsCACerts alone"
crl_is root-idpnc-revsub \
    "v2 aki number revoked=present 1 idp=noncritical,onlyca,$URL/root.crl current" \
    "root CRL with non-critical IDP revokes one certificate"

# revoked DESC: every verifier rejected the last chain as revoked.
revoked() {
	if interop_revoked_check; then
		ok "$1: every verifier rejects it as revoked"
	else
		not_ok "$1: every verifier rejects it as revoked"
	fi
}

# run DESC CHAIN LEAF CRL...: interop_verify under the root.
run() {
	echo "# $1"
	_c=$2 _l=$3
	shift 3
	_crls=
	for _f in "$@"; do
		_crls="$_crls $PKI/$_f.crl"
	done
	interop_verify "$PKI/root.pem" "$PKI/$_c.pem" "$PKI/$_l.pem" server \
	    $_crls
	RUN_STATUS=$?
}

# --- the verifier programs on their own ------------------------------------
for v in mbedtls wolfssl; do
	p=$TOP/tests/bin/$v-verify
	expect_status 0 "$v-verify: empty CRLs, one --crl each" \
	    "$p" --crl "$PKI/root-empty.crl" --crl "$PKI/sub-empty.crl" \
	    "$PKI/root.pem" "$PKI/sub.pem" "$PKI/leaf.pem"
	expect_status 0 "$v-verify: empty CRLs in one file" \
	    "$p" --crl "$PKI/both-empty.crl" \
	    "$PKI/root.pem" "$PKI/sub.pem" "$PKI/leaf.pem"
	expect_status 1 "$v-verify: revoked sub CA" \
	    "$p" --crl "$PKI/root-revsub.crl" --crl "$PKI/sub-empty.crl" \
	    "$PKI/root.pem" "$PKI/sub.pem" "$PKI/leaf.pem"
	if [ "$(wc -l <"$SCRATCH/err")" -eq 1 ] &&
	    grep -q "^$v-verify: verification failed: " "$SCRATCH/err"; then
		ok "$v-verify: the revocation is one stderr line"
	else
		not_ok "$v-verify: the revocation is one stderr line"
		sed 's/^/#   /' "$SCRATCH/err"
	fi
	expect_status 0 "$v-verify: without --crl the revoked sub CA passes" \
	    "$p" "$PKI/root.pem" "$PKI/sub.pem" "$PKI/leaf.pem"
	expect_status 2 "$v-verify: a --crl file without a CRL" \
	    "$p" --crl "$PKI/leaf.pem" \
	    "$PKI/root.pem" "$PKI/sub.pem" "$PKI/leaf.pem"
	expect_status 2 "$v-verify: an unreadable --crl file" \
	    "$p" --crl "$PKI/absent.crl" \
	    "$PKI/root.pem" "$PKI/sub.pem" "$PKI/leaf.pem"
	set -- "$PKI/root.pem" "$PKI/sub.pem" "$PKI/leaf.pem"
	for _k in 1 2 3 4 5 6 7 8 9; do
		set -- --crl "$PKI/root-empty.crl" "$@"
	done
	expect_status 2 "$v-verify: more than 8 --crl files" "$p" "$@"
done

# --- (a) empty CRLs: every stack accepts ------------------------------------
run "(a) empty root and sub CA CRLs, two files" sub leaf root-empty sub-empty
check "interop_verify returns 0 when all accept" [ "$RUN_STATUS" -eq 0 ]
interop_expect ok "(a) empty CRLs" $INTEROP_STACKS

run "(a) the same CRLs in one file" sub leaf both-empty
interop_expect ok "(a) one CRL file" $INTEROP_STACKS
if interop_revoked_check >/dev/null; then
	not_ok "interop_revoked_check fails when the chain was accepted"
else
	ok "interop_revoked_check fails when the chain was accepted"
fi

# --- (b) a revoked subordinate CA, and a good one ----------------------------
run "(b) root CRL revokes the sub CA" sub leaf root-revsub sub-empty
check "interop_verify returns non-zero on revocation" [ "$RUN_STATUS" -ne 0 ]
revoked "(b) revoked sub CA"
check "INTEROP_REVOKED names every verifier" \
    [ "$INTEROP_REVOKED" = " openssl gnutls nss mbedtls wolfssl" ]
interop_expect_why openssl "error 23 at 1 depth" "(b) openssl: revoked at depth 1"
interop_expect_why nss "CERT 1." "(b) nss: the sub CA is the revoked one"
interop_expect_why wolfssl "chain certificate 1 not trusted: CRL Cert revoked" \
    "(b) wolfssl: the sub CA is the revoked one"

run "(b) the same root CRL, the other sub CA" sub2 leaf2 root-revsub sub2-empty
interop_expect ok "(b) good sub CA under a CRL that revokes its sibling" \
    $INTEROP_STACKS

run "(b) the revoked sub CA without any CRL" sub leaf
interop_expect ok "(b) without CRLs nothing is revoked" $INTEROP_STACKS

# --- (c) a revoked leaf ---------------------------------------------------
run "(c) sub CA CRL revokes the leaf" sub leaf root-empty sub-revleaf
revoked "(c) revoked leaf"
interop_expect_why openssl "error 23 at 0 depth" "(c) openssl: revoked at depth 0"
interop_expect_why nss "CERT 0." "(c) nss: the leaf is the revoked one"

run "(c) the same CRL, another leaf of that CA" sub leafb \
    root-empty sub-revleaf
interop_expect ok "(c) good leaf under a CRL that revokes its sibling" \
    $INTEROP_STACKS

# --- (e) an expired CRL: each stack's own behaviour -----------------------
run "(e) expired root CRL" sub leaf root-expired sub-empty
interop_expect ok "(e) expired root CRL still used as current" python gnutls nss
interop_expect rejected "(e) expired root CRL refused" openssl mbedtls wolfssl
interop_expect_why openssl "error 12 at 2 depth lookup: CRL has expired" \
    "(e) openssl: CRL has expired, for the root itself too"
interop_expect_why mbedtls "The CRL is expired" "(e) mbedtls: flag 0x20, CRL expired"
interop_expect_why wolfssl "refused: ASN parsing error, invalid input (-140)" \
    "(e) wolfssl: refuses to load it, as a parse error (-140)"
if interop_revoked_check >/dev/null; then
	not_ok "(e) interop_revoked_check fails on rejections for other reasons"
else
	ok "(e) interop_revoked_check fails on rejections for other reasons"
fi

run "(e) expired root CRL that revokes the sub CA" sub leaf \
    root-expired-revsub sub-empty
interop_expect rejected "(e) expired revoking CRL" $INTEROP_VERIFIERS
for _st in gnutls nss; do
	eval "_w=\$INTEROP_WHY_$_st"
	if _interop_is_revoked "$_st" "$_w"; then
		ok "(e) $_st: an expired CRL still revokes"
	else
		not_ok "(e) $_st: an expired CRL still revokes"
		echo "#   $_w"
	fi
done

run "(e) expired sub CA CRL" sub leaf root-empty sub-expired
interop_expect ok "(e) expired sub CA CRL still used as current" python gnutls nss
interop_expect rejected "(e) expired sub CA CRL refused" openssl mbedtls wolfssl

# --- a missing CRL: only OpenSSL and wolfSSL insist --------------------------
run "no CRL for the sub CA's leaf" sub leaf root-empty
interop_expect ok "missing CRL passes (soft)" python gnutls nss mbedtls
interop_expect rejected "missing CRL fails (hard)" openssl wolfssl
interop_expect_why openssl "unable to get certificate CRL" \
    "openssl: unable to get certificate CRL"
interop_expect_why wolfssl "CRL missing, not loaded (-362)" "wolfssl: CRL_MISSING"

# --- issuingDistributionPoint -----------------------------------------------
run "critical IDP with fullName on both CRLs" sub leaf root-idp sub-idp
interop_expect ok "critical IDP with fullName" python gnutls wolfssl
interop_expect rejected "critical IDP with fullName" openssl nss mbedtls
interop_expect_why openssl "error 44 at 2 depth lookup: different CRL scope" \
    "openssl: the root is outside a root CRL that has a fullName"
interop_expect_why nss "CRL refused: CRL 1: crlutil: unable to import CRL: SEC_ERROR_CRL_UNKNOWN_CRITICAL_EXTENSION" \
    "nss: will not import a CRL with a critical IDP"
interop_expect_why mbedtls "CRL 1: cannot parse" \
    "mbedtls: cannot parse a CRL with a critical IDP"
interop_expect_why mbedtls "(-0x2562)" "mbedtls: as an invalid extension (-0x2562)"

run "critical IDP with fullName on the sub CA CRL only" sub leaf \
    root-empty sub-idp
interop_expect ok "sub CA CRL with critical IDP and fullName" \
    python openssl gnutls wolfssl
interop_expect rejected "sub CA CRL with critical IDP and fullName" nss mbedtls

run "critical IDP, onlyContainsCACerts alone, on the root CRL" sub leaf \
    root-idpscope sub-empty
interop_expect ok "root CRL with critical IDP scope only" python openssl gnutls wolfssl
interop_expect rejected "root CRL with critical IDP scope only" nss mbedtls

run "critical IDP CRLs that revoke the sub CA" sub leaf \
    root-idpscope-revsub sub-idp
interop_expect rejected "revoked under critical IDP CRLs" $INTEROP_VERIFIERS
for _st in openssl gnutls wolfssl; do
	eval "_w=\$INTEROP_WHY_$_st"
	if _interop_is_revoked "$_st" "$_w"; then
		ok "$_st: revocation found through critical IDP CRLs"
	else
		not_ok "$_st: revocation found through critical IDP CRLs"
		echo "#   $_w"
	fi
done

run "critical IDP CRL that revokes the leaf" sub leaf root-empty sub-idp-revleaf
interop_expect rejected "revoked leaf under a critical IDP CRL" $INTEROP_VERIFIERS

run "non-critical IDP with fullName revoking the sub CA" sub leaf \
    root-idpnc-revsub sub-empty
revoked "non-critical IDP, revoked sub CA"

run "non-critical IDP with fullName, nothing revoked" sub2 leaf2 \
    root-idpnc sub2-empty
interop_expect ok "non-critical IDP, nothing revoked" python gnutls nss mbedtls wolfssl
interop_expect rejected "non-critical IDP, nothing revoked" openssl
interop_expect_why openssl "error 44 at 2 depth lookup: different CRL scope" \
    "openssl: the root is outside the non-critical IDP's fullName too"

# --- the harness reports, it does not guess ------------------------------
cp "$PKI/leaf.pem" "$PKI/notacrl.crl"
run "a CRL file without a CRL" sub leaf root-empty notacrl
interop_expect error "no CRL in a CRL file" $INTEROP_STACKS
check "no CRL is no rejection" [ -z "$INTEROP_REJECTED" ]

run "an unreadable CRL file" sub leaf root-empty absent
interop_expect error "unreadable CRL file" $INTEROP_STACKS

# A PEM wrapper around a truncated CRL.
{
	echo "-----BEGIN X509 CRL-----"
	openssl crl -in "$PKI/sub-revleaf.crl" -outform DER |
	    head -c 100 | openssl base64
	echo "-----END X509 CRL-----"
} >"$PKI/broken.crl"
run "truncated sub CA CRL" sub leaf root-empty broken
interop_expect rejected "truncated CRL" $INTEROP_STACKS
interop_expect_why openssl "error 3 at 0 depth lookup: unable to get certificate CRL" \
    "openssl: drops the broken CRL silently, then misses it"
for _st in gnutls nss mbedtls wolfssl; do
	eval "_w=\$INTEROP_WHY_$_st"
	case $_st:$_w in
	mbedtls:*"cannot parse"*|wolfssl:*refused*|*:"CRL refused: "*)
		ok "$_st: the truncated CRL is refused as a CRL" ;;
	*)
		not_ok "$_st: the truncated CRL is refused as a CRL"
		echo "#   $_w" ;;
	esac
done

finish
