# Interoperability harness: does a certificate chain verify under five
# independent X.509 stacks (OpenSSL, GnuTLS, NSS, Mbed TLS, wolfSSL), and
# does python3-cryptography parse every certificate in it?
#
# Source it after tests/lib.sh, which provides TOP, SCRATCH and PY.  The
# Mbed TLS and wolfSSL verifiers are tests/bin/mbedtls-verify and
# tests/bin/wolfssl-verify (make check-run builds them); the other stacks
# are the command-line tools of gnutls-bin, libnss3-tools and openssl.
#
#   interop_verify ROOT CHAIN LEAF [server|client|"" [CRL...]]
#	ROOT holds the trusted root(s), CHAIN the intermediates (any
#	number, may be an empty file; in TLS order, each followed by its
#	issuer, as Mbed TLS needs), LEAF one certificate, all PEM.  The
#	purpose defaults to server (also when given as "").  Verification
#	is at the current time.  Without CRL arguments no stack checks
#	revocation.  Each CRL file holds one or more PEM CRLs (in any
#	order; typically one per CA: the root's, which covers the
#	intermediates, and each intermediate's, which covers what it
#	issued); with any, every stack checks every certificate below the
#	root against them, and python also parses each CRL.  Prints one
#	line per stack, "openssl: ok" or "nss: rejected (why)" or
#	"gnutls: error (why)", or "wolfssl: rejected as revoked (why)"
#	when CRLs were given and the reason is the stack's own word for
#	revocation, and sets, for each S in $INTEROP_STACKS,
#	    INTEROP_S      ok, rejected or error
#	    INTEROP_WHY_S  the stack's own reason, on one line
#	and the lists INTEROP_ACCEPTED, INTEROP_REJECTED, INTEROP_ERRORS
#	and INTEROP_REVOKED (those rejected as revoked).  "error" means the
#	tool could not give a verdict (not installed, not built, bad
#	input); it never counts as a rejection.  A CRL that a stack refuses
#	to load is a rejection ("CRL refused"), never silently skipped.
#	Returns 0 when every stack said ok, else 1.
#
#   interop_rejected_by STACK...
#	After interop_verify: 0 when each named stack said "rejected".
#
#   interop_expect VERDICT DESC STACK...
#   interop_expect_why STACK TEXT DESC
#	After interop_verify: test lines (ok / not_ok) that each STACK gave
#	VERDICT, or that STACK's reason contains TEXT.
#
#   interop_revoked_check
#	After interop_verify with CRLs on a chain with a revoked
#	certificate: prints a line for each verifier and returns 0 when
#	every one of them rejected the chain with its revocation reason
#	(INTEROP_REVOKED_WHY_S).  A rejection for any other reason, a
#	refused CRL or an expired one included, fails.
#
#   interop_nc_check dns|ip
#	After interop_verify on a leaf that lies outside its issuer's name
#	constraints of that type: prints a line for each verifier and
#	returns 0 when every stack in INTEROP_NC_ENFORCES_<type> rejected
#	the chain with its name-constraint reason.  A stack that does not
#	enforce that type is reported as "not enforced", never passed
#	silently; the names are collected in INTEROP_NOT_ENFORCED.
#
# What each stack enforces was found by experiment on Debian 12 (see
# tests/integration/test_interop_harness.sh, which asserts every claim):
#   - OpenSSL 3.0, GnuTLS 3.7, NSS 3.87 enforce DNS and IP constraints.
#   - wolfSSL 5.5.4 enforces DNS constraints.  It does not enforce IP
#     constraints, and it rejects (error -198) every leaf that has an IP
#     SAN when its issuer has DNS constraints, even an IP inside them.
#   - Mbed TLS 2.28 has no name-constraint support.  A non-critical
#     nameConstraints extension is skipped, so nothing is enforced; a
#     critical one makes the CA certificate unparseable (-0x2562), so
#     every chain through it is refused.
#   - GnuTLS treats IPv4 and IPv6 constraints separately: a CA permitted
#     only IPv4 ranges is unconstrained for IPv6 addresses.  The others
#     reject the IPv6 SAN.
#   - GnuTLS checks the subject CN against DNS constraints when a leaf has
#     no DNS SAN; OpenSSL does so only for a CN that looks like a host.
# Revocation, found the same way (tests/integration/
# test_interop_crl_harness.sh asserts it):
#   - How each stack is given CRLs: openssl verify -crl_check_all
#     -CRLfile BUNDLE (one -CRLfile only: the files are concatenated);
#     certtool --verify --load-crl BUNDLE (one option, many PEM CRLs);
#     NSS: crlutil -I -t 1 -B per CRL (DER) into the scratch database,
#     then plain vfychain; the two verifier programs take --crl FILE,
#     repeatable, several PEM CRLs per file.
#   - OpenSSL's verify silently drops a CRL it cannot parse from a file
#     that holds another it can: the certificates that CRL covers then
#     fail as "unable to get certificate CRL".  Alone in the file, it is
#     "Could not read ... CRLs" and reported here as "CRL refused".
#   - Only OpenSSL and wolfSSL make revocation checking mandatory: a
#     certificate whose issuer has no CRL is rejected ("unable to get
#     certificate CRL", CRL_MISSING -362).  GnuTLS, NSS (plain
#     vfychain) and Mbed TLS pass it.  OpenSSL -crl_check_all also
#     checks the self-signed root against its own CRL.
#   - An expired CRL (nextUpdate past): OpenSSL rejects ("CRL has
#     expired"), Mbed TLS rejects (flag 0x20, "The CRL is expired"),
#     wolfSSL refuses to load it, with the misleading ASN_PARSE_E
#     (-140), reported here as a refused CRL; GnuTLS and NSS use it as
#     if it were current, and still find what it revokes.
#   - A critical issuingDistributionPoint (RFC 5280 5.2.5 requires
#     it critical): Mbed TLS 2.28 cannot parse the CRL (-0x2562) and
#     NSS 3.87 will not import it (SEC_ERROR_CRL_UNKNOWN_CRITICAL_
#     EXTENSION); both use a non-critical one, ignoring it.  GnuTLS
#     and wolfSSL accept a critical one and revoke through it.  OpenSSL
#     honours it, critical or not: with a fullName, a certificate is
#     only covered when its crlDistributionPoints names the same URI,
#     so the root itself, which has none, is out of scope of a root CRL
#     with a fullName, and -crl_check_all fails at the root ("different
#     CRL scope", error 44 at the root's depth).  A root CRL whose IDP
#     has onlyContainsCACerts and no fullName is accepted, and so is a
#     sub CA CRL with a fullName that its leaves' CRLDP names.
#   - NSS, seen by hand, not asserted: vfychain's -g/-h/-m/-s options
#     act only under -pp (libpkix).  "-g leaf -m crl" checks the leaf
#     alone; a revoked intermediate needs "-g chain -m crl" as well,
#     and "-s failIfNoInfo" after each makes CRLs mandatory, but
#     libpkix then reports a missing CRL as -8180 "revoked", against
#     the root, so the two cannot be told apart.  Plain vfychain
#     (CERT_VerifyCert) consults the imported CRLs for every
#     certificate and names the revoked one.  crlutil -I refuses a CRL
#     whose issuer is not in the database (SEC_ERROR_UNKNOWN_ISSUER)
#     unless -B is given; -B keeps intermediates out of the database,
#     as the rest of this harness does.
# Other findings that shape what a CA hands out:
#   - Mbed TLS only finds an issuer further down the list it was given:
#     CHAIN must be in TLS order, each certificate followed by its
#     issuer.  The others accept any order.
#   - wolfSSL 5.5.4's X509_verify_cert accepts a leaf whose intermediate
#     does not chain to the given root; tests/verifiers/wolfssl-verify.c
#     therefore uses the certificate manager as the TLS layer does.
#   - NSS trust flags are per purpose: "C,," trusts a root for server
#     certificates only, "T,," for client certificates.
#   - An OID arc wider than 64 bits, such as a 2.25 UUID OID, defeats
#     python3-cryptography 38 (the certificate does not parse) and
#     GnuTLS 3.7 (extendedKeyUsage does not decode, so any purpose check
#     fails; the chain alone verifies).  Seen by hand, not asserted.

# The per-stack variables are read through eval.
# shellcheck disable=SC2034,SC2154
INTEROP_STACKS="python openssl gnutls nss mbedtls wolfssl"
INTEROP_VERIFIERS="openssl gnutls nss mbedtls wolfssl"
INTEROP_NC_ENFORCES_dns="openssl gnutls nss wolfssl"
INTEROP_NC_ENFORCES_ip="openssl gnutls nss"
# How each stack words a name-constraint failure, so that a rejection for
# another reason (a broken chain) cannot pass for enforcement.
INTEROP_NC_WHY_openssl="subtree violation"
INTEROP_NC_WHY_gnutls="violates the signer's constraints"
INTEROP_NC_WHY_nss="ERROR -8080"
INTEROP_NC_WHY_wolfssl="(-198)"
INTEROP_NC_WHY_mbedtls=""
# How each stack words a revoked certificate, for interop_revoked_check.
INTEROP_REVOKED_WHY_openssl="certificate revoked"
INTEROP_REVOKED_WHY_gnutls="The certificate chain is revoked"
INTEROP_REVOKED_WHY_nss="ERROR -8180"
INTEROP_REVOKED_WHY_mbedtls="The certificate has been revoked"
INTEROP_REVOKED_WHY_wolfssl="(-361)"
INTEROP_BIN=${INTEROP_BIN:-$TOP/tests/bin}
INTEROP_PREFIX=${INTEROP_PREFIX:-}
_interop_n=0

# _interop_is_revoked STACK WHY: 0 when CRLs were given and WHY is how
# STACK words a revoked certificate.
_interop_is_revoked() {
	eval "_rpat=\${INTEROP_REVOKED_WHY_$1:-}"
	[ "${_ncrl:-0}" -gt 0 ] && [ -n "$_rpat" ] || return 1
	case $2 in
	*"$_rpat"*) return 0 ;;
	esac
	return 1
}

# _interop_set STACK VERDICT WHY: record and print one stack's verdict.
_interop_set() {
	eval "INTEROP_$1=\$2"
	eval "INTEROP_WHY_$1=\$3"
	case $2 in
	ok)
		INTEROP_ACCEPTED="$INTEROP_ACCEPTED $1"
		echo "$INTEROP_PREFIX$1: ok" ;;
	rejected)
		INTEROP_REJECTED="$INTEROP_REJECTED $1"
		if _interop_is_revoked "$1" "$3"; then
			INTEROP_REVOKED="$INTEROP_REVOKED $1"
			echo "$INTEROP_PREFIX$1: rejected as revoked ($3)"
		else
			echo "$INTEROP_PREFIX$1: rejected ($3)"
		fi ;;
	*)
		INTEROP_ERRORS="$INTEROP_ERRORS $1"
		echo "$INTEROP_PREFIX$1: error ($3)" ;;
	esac
}

# _interop_why FILE [ERE]: the lines of FILE (those matching ERE if
# given) joined with "; ", for a one-line reason.
_interop_why() {
	if [ $# -gt 1 ]; then
		grep -E -- "$2" "$1"
	else
		cat "$1"
	fi | sed 's/^[[:space:]]*//; s/[[:space:]]*$//; /^$/d' |
	    head -n 4 | awk 'NR > 1 { printf "; " } { printf "%s", $0 }'
}

# _interop_split FILE PREFIX [LABEL]: write each PEM block of FILE
# labelled LABEL (default CERTIFICATE) to PREFIX.1.pem, PREFIX.2.pem,
# ...; prints the count.
_interop_split() {
	awk -v p="$2" -v l="${3:-CERTIFICATE}" '
	    index($0, "-----BEGIN " l "-----") { n++; on = 1 }
	    on { print > (p "." n ".pem") }
	    on && index($0, "-----END " l "-----") {
		on = 0; close(p "." n ".pem")
	    }
	    END { print n + 0 }' "$1"
}

# _interop_tool STACK CMD: 0 when CMD can run, else records an error.
_interop_tool() {
	if command -v "$2" >/dev/null 2>&1; then
		return 0
	fi
	_interop_set "$1" error "$2 not found; make deps"
	return 1
}

_interop_python() {
	set -- "$1" "$2" "$3"
	[ "$_ncrl" -gt 0 ] && set -- "$@" "$_id/crls.pem"
	if "$PY" "$TOP/tests/verifiers/pyparse.py" "$@" \
	    >"$_id/python.out" 2>&1; then
		_interop_set python ok ""
	elif [ $? -eq 1 ]; then
		_interop_set python rejected "$(_interop_why "$_id/python.out")"
	else
		_interop_set python error "$(_interop_why "$_id/python.out")"
	fi
}

_interop_openssl() {
	_interop_tool openssl openssl || return 0
	# -no-CApath and -no-CAstore keep the system trust store out:
	# without them openssl verify also trusts /etc/ssl/certs.
	# -x509_strict adds the RFC 5280 profile checks (AKID present, CA
	# basicConstraints critical, no explicit EC parameters) that our
	# certificates must pass anyway.  An empty -untrusted file is an
	# error to openssl, so it is left out when there is no intermediate.
	_leaf=$3
	_chain=$2
	set -- -x509_strict -purpose "ssl$4" -no-CApath -no-CAstore \
	    -CAfile "$1"
	if [ "$_nchain" -gt 0 ]; then
		set -- "$@" -untrusted "$_chain"
	fi
	# -crl_check_all checks every certificate, the root included, and
	# fails one whose issuer has no CRL.  verify takes one -CRLfile.
	if [ "$_ncrl" -gt 0 ]; then
		set -- "$@" -crl_check_all -CRLfile "$_id/crls.pem"
	fi
	openssl verify "$@" "$_leaf" >"$_id/openssl.out" 2>&1
	_rc=$?
	if [ "$_rc" -eq 0 ]; then
		_interop_set openssl ok ""
	elif grep -q '^Could not read .*CRL' "$_id/openssl.out"; then
		_interop_set openssl rejected "CRL refused: $(_interop_why \
		    "$_id/openssl.out" '^Could not read')"
	elif [ "$_rc" -eq 2 ]; then
		# Exit 2 is also how it refuses a certificate it cannot load.
		if grep -q '^error [0-9]' "$_id/openssl.out"; then
			_interop_set openssl rejected "$(_interop_why \
			    "$_id/openssl.out" '^error [0-9]')"
		else
			_interop_set openssl rejected \
			    "$(_interop_why "$_id/openssl.out")"
		fi
	else
		_interop_set openssl error "$(_interop_why "$_id/openssl.out")"
	fi
}

# GnuTLS wants the chain in one file, leaf first; it sorts the rest.
# --verify is the right mode: --verify-chain ignores --load-ca-certificate
# and any CRL and only checks that the file is a consistent chain.
# --verify-profile=medium is the profile GnuTLS says will become the
# default; without one certtool applies only "low".  --load-crl takes
# one file, which may hold many PEM CRLs; a CRL is used when its issuer
# signed it, and a certificate whose issuer has none passes.
_interop_gnutls() {
	_interop_tool gnutls certtool || return 0
	cat "$3" "$2" >"$_id/gnutls.in"
	_root=$1
	case $4 in
	server) _oid=1.3.6.1.5.5.7.3.1 ;;
	*) _oid=1.3.6.1.5.5.7.3.2 ;;
	esac
	set -- --verify --verify-profile=medium --verify-purpose="$_oid" \
	    --load-ca-certificate "$1" --infile "$_id/gnutls.in"
	if [ "$_ncrl" -gt 0 ]; then
		set -- "$@" --load-crl "$_id/crls.pem"
	fi
	if certtool "$@" >"$_id/gnutls.out" 2>&1; then
		_interop_set gnutls ok ""
	elif grep -q '^Chain verification output: Not verified' \
	    "$_id/gnutls.out"; then
		_interop_set gnutls rejected "$(sed -n \
		    's/ *$//; s/^Chain verification output: Not verified\. *//p' \
		    "$_id/gnutls.out" | head -n 1)"
	elif [ "$_ncrl" -gt 0 ] &&
	    grep -q '^gnutls_x509_trust_add_trust_file:' "$_id/gnutls.out" &&
	    certtool --verify --load-ca-certificate "$_root" \
	    --infile "$_id/gnutls.in" 2>&1 |
	    grep -q '^Chain verification output:'; then
		# Roots and CRLs load in one call; the roots alone do.
		_interop_set gnutls rejected "CRL refused: $(_interop_why \
		    "$_id/gnutls.out" '^gnutls_x509_trust_add_trust_file:')"
	elif grep -q 'error parsing' "$_id/gnutls.out"; then
		_interop_set gnutls rejected \
		    "$(_interop_why "$_id/gnutls.out" 'error parsing')"
	else
		_interop_set gnutls error "$(_interop_why "$_id/gnutls.out")"
	fi
}

# NSS trusts what its database says: a fresh sql: database per call, so
# nothing learnt in one call can help the next, with the root(s) marked
# "C,," for a server leaf and "T,," for a client leaf.  The SSL trust
# flags are per purpose: a "C,," root makes vfychain -u 0 (SSL client)
# fail with -8172, "issuer has been marked as not trusted".  vfychain
# reads one certificate per file, DER unless -a precedes the file name;
# the first file is the leaf.  Plain vfychain calls CERT_VerifyCertificate; its
# -pp mode (libpkix) also rejects name-constraint violations, but reports
# them as SEC_ERROR_INVALID_ARGS (-8187), so the reason would be lost.
# -g and -m only shape revocation checking under -pp, and are not needed:
# plain vfychain checks every certificate of the chain against the CRLs
# in the database (see the findings above).  Each CRL is imported on its
# own, as DER; -B skips the lookup of its issuer, which is not in the
# database unless it is a root.
_interop_nss() {
	_interop_tool nss certutil || return 0
	_interop_tool nss vfychain || return 0
	_db=$_id/nssdb
	mkdir -p "$_db"
	if ! certutil -N -d "sql:$_db" --empty-password \
	    >"$_id/nss.out" 2>&1; then
		_interop_set nss error "$(_interop_why "$_id/nss.out")"
		return 0
	fi
	case $4 in
	server) _usage=1 _trust="C,," ;;
	*) _usage=0 _trust="T,," ;;
	esac
	_n=$(_interop_split "$1" "$_id/root")
	_i=1
	while [ "$_i" -le "$_n" ]; do
		if ! certutil -A -d "sql:$_db" -n "root$_i" -t "$_trust" -a \
		    -i "$_id/root.$_i.pem" >"$_id/nss.out" 2>&1; then
			_interop_set nss rejected "root $_i: $(_interop_why \
			    "$_id/nss.out")"
			return 0
		fi
		_i=$((_i + 1))
	done
	_i=1
	while [ "$_i" -le "$_ncrl" ]; do
		if ! sed '1d; $d' "$_id/crl.$_i.pem" | base64 -d \
		    >"$_id/crl.$_i.der" 2>"$_id/nss.out" ||
		    ! crlutil -I -t 1 -B -d "sql:$_db" \
		    -i "$_id/crl.$_i.der" >"$_id/nss.out" 2>&1; then
			_w=$(_interop_why "$_id/nss.out")
			_interop_set nss rejected "CRL refused: CRL $_i: $_w"
			return 0
		fi
		_i=$((_i + 1))
	done
	_leaf=$3
	set -- -d "sql:$_db" -u "$_usage" -a "$_leaf"
	_i=1
	while [ "$_i" -le "$_nchain" ]; do
		set -- "$@" -a "$_id/chain.$_i.pem"
		_i=$((_i + 1))
	done
	if vfychain "$@" >"$_id/nss.out" 2>&1; then
		_interop_set nss ok ""
	elif grep -q '^Chain is bad' "$_id/nss.out"; then
		_interop_set nss rejected \
		    "$(_interop_why "$_id/nss.out" 'ERROR|^CERT')"
	elif grep -q "couldn't import" "$_id/nss.out"; then
		# The inputs were read above: NSS refused to parse one.
		_interop_set nss rejected \
		    "$(_interop_why "$_id/nss.out" "couldn't import")"
	else
		_interop_set nss error "$(_interop_why "$_id/nss.out")"
	fi
}

# _interop_prog STACK ROOT CHAIN LEAF PURPOSE: tests/bin/STACK-verify.
_interop_prog() {
	_p=$INTEROP_BIN/$1-verify
	if [ ! -x "$_p" ]; then
		_interop_set "$1" error "$_p not built; make check-run"
		return 0
	fi
	_s=$1
	shift
	set -- --purpose "$4" "$1" "$2" "$3"
	if [ "$_ncrl" -gt 0 ]; then
		set -- --crl "$_id/crls.pem" "$@"
	fi
	if "$_p" "$@" >"$_id/$_s.out" 2>&1; then
		_interop_set "$_s" ok ""
	elif [ $? -eq 1 ]; then
		_interop_set "$_s" rejected "$(sed "s/^$_s-verify: //" \
		    "$_id/$_s.out" | _interop_why /dev/stdin)"
	else
		_interop_set "$_s" error "$(_interop_why "$_id/$_s.out")"
	fi
}

interop_verify() {
	_purpose=${4:-server}
	case $_purpose in
	server|client) ;;
	*)
		echo "interop_verify: unknown purpose \"$_purpose\"" >&2
		return 2 ;;
	esac
	_interop_n=$((_interop_n + 1))
	_id=${INTEROP_SCRATCH:-$SCRATCH}/interop.$_interop_n
	mkdir -p "$_id"
	INTEROP_ACCEPTED=
	INTEROP_REJECTED=
	INTEROP_ERRORS=
	INTEROP_REVOKED=
	_ncrl=0
	_k=0
	for _f in "$@"; do
		_k=$((_k + 1))
		[ "$_k" -eq 4 ] && continue	# the purpose
		if [ ! -r "$_f" ] || [ ! -f "$_f" ]; then
			for _s in $INTEROP_STACKS; do
				_interop_set "$_s" error "cannot read \"$_f\""
			done
			return 1
		fi
	done
	# All CRLs go into one bundle, for the stacks that take one file.
	: >"$_id/crls.pem"
	if [ $# -gt 4 ]; then
		_root=$1 _chain=$2 _leaf=$3
		shift 4
		for _f in "$@"; do
			if [ "$(_interop_split "$_f" "$_id/crlcount" \
			    "X509 CRL")" -eq 0 ]; then
				for _s in $INTEROP_STACKS; do
					_interop_set "$_s" error \
					    "no PEM CRL in \"$_f\""
				done
				return 1
			fi
			cat "$_f" >>"$_id/crls.pem"
		done
		set -- "$_root" "$_chain" "$_leaf"
		_ncrl=$(_interop_split "$_id/crls.pem" "$_id/crl" "X509 CRL")
	fi
	_nchain=$(_interop_split "$2" "$_id/chain")
	_interop_python "$1" "$2" "$3"
	_interop_openssl "$1" "$2" "$3" "$_purpose"
	_interop_gnutls "$1" "$2" "$3" "$_purpose"
	_interop_nss "$1" "$2" "$3" "$_purpose"
	_interop_prog mbedtls "$1" "$2" "$3" "$_purpose"
	_interop_prog wolfssl "$1" "$2" "$3" "$_purpose"
	[ -z "$INTEROP_REJECTED$INTEROP_ERRORS" ]
}

# interop_expect VERDICT DESC STACK...: after interop_verify, an ok (from
# tests/lib.sh) for each STACK that gave VERDICT, a not_ok with its
# reason for each that did not.
interop_expect() {
	_want=$1
	_what=$2
	shift 2
	for _st in "$@"; do
		eval "_got=\$INTEROP_$_st _why=\$INTEROP_WHY_$_st"
		if [ "$_got" = "$_want" ]; then
			ok "$_what: $_st $_got"
		else
			not_ok "$_what: $_st said $_got, wanted $_want"
			echo "#   $_why"
		fi
	done
}

# interop_expect_why STACK TEXT DESC: ok DESC when STACK's reason in the
# last run has TEXT, else not_ok.
interop_expect_why() {
	eval "_why=\$INTEROP_WHY_$1"
	case $_why in
	*"$2"*) ok "$3" ;;
	*)
		not_ok "$3"
		echo "#   $1: $_why" ;;
	esac
}

interop_rejected_by() {
	for _s in "$@"; do
		eval "_v=\${INTEROP_$_s:-}"
		[ "$_v" = rejected ] || return 1
	done
	return 0
}

interop_revoked_check() {
	_bad=0
	for _s in $INTEROP_VERIFIERS; do
		eval "_v=\${INTEROP_$_s:-} _w=\${INTEROP_WHY_$_s:-}"
		case $_v in
		rejected)
			if _interop_is_revoked "$_s" "$_w"; then
				echo "$INTEROP_PREFIX$_s: revocation enforced"
			else
				_bad=1
				echo "$INTEROP_PREFIX$_s: rejected, but not as" \
				    "revoked ($_w)"
			fi ;;
		*)
			_bad=1
			echo "$INTEROP_PREFIX$_s: FAILED to reject the" \
			    "revoked certificate ($_v)" ;;
		esac
	done
	return $_bad
}

interop_nc_check() {
	case $1 in
	dns|ip) ;;
	*)
		echo "interop_nc_check: unknown name type \"$1\"" >&2
		return 2 ;;
	esac
	eval "_enf=\$INTEROP_NC_ENFORCES_$1"
	INTEROP_NOT_ENFORCED=
	_bad=0
	for _s in $INTEROP_VERIFIERS; do
		eval "_v=\${INTEROP_$_s:-} _w=\${INTEROP_WHY_$_s:-}"
		eval "_pat=\$INTEROP_NC_WHY_$_s"
		case " $_enf " in
		*" $_s "*)
			case $_v:$_w in
			rejected:*"$_pat"*)
				echo "$INTEROP_PREFIX$_s: $1 name" \
				    "constraints enforced" ;;
			rejected:*)
				_bad=1
				echo "$INTEROP_PREFIX$_s: rejected, but not" \
				    "for its $1 name constraints ($_w)" ;;
			*)
				_bad=1
				echo "$INTEROP_PREFIX$_s: FAILED to enforce" \
				    "$1 name constraints ($_v)" ;;
			esac ;;
		*)
			INTEROP_NOT_ENFORCED="$INTEROP_NOT_ENFORCED $_s"
			if [ "$_v" = ok ]; then
				echo "$INTEROP_PREFIX$_s: $1 name constraints" \
				    "not enforced (accepted the leaf)"
			else
				echo "$INTEROP_PREFIX$_s: $1 name constraints" \
				    "not enforced ($_v for another reason:" \
				    "$_w)"
			fi ;;
		esac
	done
	return $_bad
}
