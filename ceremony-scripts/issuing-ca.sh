#!/bin/sh
# issuing-ca.sh: an issuing CA (OT or IT; the profile decides), in three
# ceremonies, one per phase.
#
# usage: issuing-ca.sh --phase request --dir SUBDIR --token URI --subject DN
#            [--algorithm ALG] COMMON
#        issuing-ca.sh --phase sign --root ROOTDIR --csr FILE --profile FILE
#            --out FILE [--csr-sha256 HEX] COMMON
#        issuing-ca.sh --phase install --dir SUBDIR --cert FILE
#            --chain ROOTCERT [--root-fingerprint HEX] COMMON
# COMMON: --id ID --approval REF --location TEXT --person ROLE:NAME ...
#            [--answers FILE] [--pin-source SRC]
#
# request: on the issuing CA's own token, its keys and request, made in
#   the ceremony (ca-init opens it in the issuing CA's new log); the
#   request's SHA-256 is written on the paper script as words.
# sign:    at the root, the words are compared and the root signs.
# install: at the issuing CA, the root's fingerprint is compared with the
#   paper script and the certificate installed, in a ceremony opened in the
#   issuing CA's log before its certificate is there.
# --csr-sha256 and --root-fingerprint, from paper, are checked by the script
# as well as by the witness.
#
# Roles: administrator (runs the script), witness, custodian (types the
# PIN), auditor.  Each step waits for "yes"; "deviate" records a deviation.
set -u
. "$(dirname "$0")/lib.sh"

PHASE= DIR= ROOT= TOKEN= SUBJECT= ALG=p384 CSR= PROFILE= OUT= CERT= CHAIN=
CSRSUM= ROOTFP= ID= APPROVAL= LOCATION= PEOPLE=
while [ $# -gt 0 ]; do
	case $1 in
	--phase) PHASE=$2 ;;
	--dir) DIR=$2 ;;
	--root) ROOT=$2 ;;
	--token) TOKEN=$2 ;;
	--subject) SUBJECT=$2 ;;
	--algorithm) ALG=$2 ;;
	--csr) CSR=$2 ;;
	--profile) PROFILE=$2 ;;
	--out) OUT=$2 ;;
	--cert) CERT=$2 ;;
	--chain) CHAIN=$2 ;;
	--csr-sha256) CSRSUM=$2 ;;
	--root-fingerprint) ROOTFP=$2 ;;
	*) common_opt "$1" "$2" ;;
	esac
	shift 2 || die "$1 needs a value"
done
[ -n "$ID" ] && [ -n "$APPROVAL" ] && [ -n "$LOCATION" ] ||
    die "give --phase, --id, --approval and --location"
case $PHASE in
request)
	[ -n "$DIR" ] && [ -n "$TOKEN" ] && [ -n "$SUBJECT" ] ||
	    die "--phase request needs --dir, --token and --subject"
	[ ! -e "$DIR" ] || die "$DIR exists already"
	PURPOSE="Issuing CA key generation and request"
	TITLE="ISSUING CA REQUEST CEREMONY" ;;
sign)
	[ -n "$ROOT" ] && [ -n "$CSR" ] && [ -n "$PROFILE" ] && [ -n "$OUT" ] ||
	    die "--phase sign needs --root, --csr, --profile and --out"
	[ -f "$ROOT/ca.pem" ] || die "$ROOT is no CA directory"
	[ -r "$CSR" ] || die "cannot read $CSR"
	[ -r "$PROFILE" ] || die "cannot read $PROFILE"
	[ ! -e "$OUT" ] || die "$OUT exists already"
	DIR=$ROOT
	PURPOSE="Issuing CA certificate signing"
	TITLE="ISSUING CA SIGNING CEREMONY" ;;
install)
	[ -n "$DIR" ] && [ -n "$CERT" ] && [ -n "$CHAIN" ] ||
	    die "--phase install needs --dir, --cert and --chain"
	[ -f "$DIR/ca.csr" ] || die "$DIR holds no request (run --phase request)"
	[ -r "$CERT" ] || die "cannot read $CERT"
	[ -r "$CHAIN" ] || die "cannot read $CHAIN"
	PURPOSE="Issuing CA certificate installation"
	TITLE="ISSUING CA INSTALLATION CEREMONY" ;;
*) die "give --phase request, sign or install" ;;
esac
roster_roles

print_header "$TITLE"
printf '\n'

step "administrator" "Check the room: doors closed, cameras running, no network cable in the laptop, the HSM's tamper-evident bag intact with its number as on the paper script."
confirm
step "witness: $WITNESS" "Compare the script's SHA-256 above with the approved copy."
confirm

case $PHASE in
request)
	step "custodian: $CUSTODIAN" "Generate the issuing CA's key and its log-signing key on the issuing CA's own token, and its request.  Type the PIN when asked; nobody else looks."
	confirm
	T=${TMPDIR:-/tmp}/issuing-ca.$$
	plan_ceremony "$PURPOSE" "$T.plan"
	tool ca-init --sub -d "$DIR" --token "$TOKEN" --algorithm "$ALG" \
	    --subject "$SUBJECT" --ceremony "$T.plan" --operator "$ADMIN" \
	    --witness "$WITNESS" || { rm -f "$T.plan"; die "ca-init --sub failed"; }
	rm -f "$T.plan"
	keys_made
	attest "$WITNESS" "The room was checked and the script's hash compared before key generation"
	CSRFP=$(sha256sum "$DIR/ca.csr" | cut -c1-64)

	step "witness: $WITNESS" "Write the request's SHA-256 words below on the paper script; the custodian reads them aloud, word by word, while you compare."
	show_fingerprint "Request $DIR/ca.csr" "$CSRFP"
	confirm
	attest "$WITNESS" "The request's SHA-256 was read aloud, matched and written on the paper script: $CSRFP"

	seal_and_finish "  1. Write the request's words and the head on the paper script; all sign it.
  2. Copy $DIR/ca.csr to removable media for the root's signing ceremony
     (issuing-ca.sh --phase sign --csr-sha256 $CSRFP).
  3. Seal the issuing CA's HSM in a new tamper-evident bag; write its number
     on the paper.  Keep $DIR on two removable media, in separate safes." ;;
sign)
	step "administrator" "Open the ceremony in the root's log: roster, script and place."
	confirm
	open_ceremony "$PURPOSE"
	attest "$WITNESS" "The room was checked and the script's hash compared before signing"

	CSRFP=$(sha256sum "$CSR" | cut -c1-64)
	step "witness: $WITNESS" "The custodian reads the request's SHA-256 aloud, word by word; compare each word with the words written on the paper script at the request ceremony."
	show_fingerprint "Request $CSR" "$CSRFP"
	if [ -n "$CSRSUM" ]; then
		[ "$(hexsum "$CSRSUM")" = "$CSRFP" ] ||
		    die "the request's SHA-256 is not the one from paper ($CSRSUM): do not sign"
		printf 'The script checked it too: it is the SHA-256 given with --csr-sha256.\n'
	fi
	confirm
	attest "$WITNESS" "The request's SHA-256 was read aloud and matched the paper script: $CSRFP"

	sign_at_root "$ROOT" "the issuing CA's certificate with the root key" \
	    "Issuing CA certificate" "The issuing CA certificate" --csr "$CSR"

	seal_and_finish "  1. Write the certificate's words and the head on the paper script; all sign it.
  2. Carry $OUT and $ROOT/ca.pem to the issuing CA's installation ceremony
     (issuing-ca.sh --phase install --cert $OUT --chain ca.pem).
  3. Seal the root's HSM in a new tamper-evident bag; write its number on the
     paper.  Keep $ROOT on two removable media, in separate safes." ;;
install)
	step "administrator" "Open the ceremony in the issuing CA's log: roster, script and place."
	confirm
	open_ceremony "$PURPOSE"
	attest "$WITNESS" "The room was checked and the script's hash compared before installation"

	FP=$(last_cert_sha256 "$CHAIN")
	step "witness: $WITNESS" "The custodian reads the root's fingerprint aloud, word by word; compare each word with the fingerprint on the root's paper script."
	show_fingerprint "Root certificate (end of $CHAIN)" "$FP"
	if [ -n "$ROOTFP" ]; then
		[ "$(hexsum "$ROOTFP")" = "$FP" ] ||
		    die "the root's fingerprint is not the one from paper ($ROOTFP): do not install"
		printf 'The script checked it too: it is the fingerprint given with --root-fingerprint.\n'
	fi
	confirm
	attest "$WITNESS" "The root fingerprint was read aloud and matched the paper script: $FP"

	step "custodian: $CUSTODIAN" "Install the signed certificate in the issuing CA.  Type the PIN when asked; nobody else looks."
	confirm
	tool ca-init --install "$CERT" --chain "$CHAIN" -d "$DIR" \
	    --operator "$CUSTODIAN" --witness "$WITNESS" ||
	    die "ca-init --install failed"
	attest "$WITNESS" "The issuing CA certificate was installed and chains to the root $FP"

	step "auditor: $AUDITOR" "Verify the issuing CA's log against the root's fingerprint."
	confirm
	tool ca-log verify -d "$DIR" --anchor "$FP" || die "the log does not verify"

	seal_and_finish "  1. Write the head on the paper script; all sign it.
  2. Issue the issuing CA's first CRL (crl-refresh.sh --dir $DIR).
  3. Seal the issuing CA's HSM in a new tamper-evident bag; write its number
     on the paper.  Keep $DIR on two removable media, in separate safes." ;;
esac
