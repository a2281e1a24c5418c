#!/bin/sh
# cross-certification.sh: our root cross-certifies another plant's root.
#
# usage: cross-certification.sh --root ROOTDIR --cross CERT
#            --other-fingerprint SHA256 --profile FILE --out FILE
#            --id ID --approval REF --location TEXT --person ROLE:NAME ...
#            [--answers FILE] [--pin-source SRC]
#
# --other-fingerprint is the other root's SHA-256 fingerprint as the other
# plant sent it on paper; the script computes the certificate's own (the
# SHA-256 of its DER: the PEM armour stripped, base64 -d) and refuses to
# sign unless they agree.  Both are shown as words for the witness.
# Roles: administrator (runs the script), witness, custodian (types the
# PIN), auditor.  Each step waits for "yes"; "deviate" records a deviation.
set -u
. "$(dirname "$0")/lib.sh"

DIR= CROSS= OTHERFP= PROFILE= OUT= ID= APPROVAL= LOCATION= PEOPLE=
while [ $# -gt 0 ]; do
	case $1 in
	--root) DIR=$2 ;;
	--cross) CROSS=$2 ;;
	--other-fingerprint) OTHERFP=$2 ;;
	--profile) PROFILE=$2 ;;
	--out) OUT=$2 ;;
	*) common_opt "$1" "$2" ;;
	esac
	shift 2 || die "$1 needs a value"
done
[ -n "$DIR" ] && [ -n "$CROSS" ] && [ -n "$OTHERFP" ] && [ -n "$PROFILE" ] &&
    [ -n "$OUT" ] && [ -n "$ID" ] && [ -n "$APPROVAL" ] && [ -n "$LOCATION" ] ||
    die "give --root, --cross, --other-fingerprint, --profile, --out, --id, --approval and --location"
[ -f "$DIR/ca.pem" ] || die "$DIR is no CA directory"
[ -r "$CROSS" ] || die "cannot read $CROSS"
[ -r "$PROFILE" ] || die "cannot read $PROFILE"
[ ! -e "$OUT" ] || die "$OUT exists already"
roster_roles

PAPER=$(hexsum "$OTHERFP")
[ -n "$PAPER" ] || die "--other-fingerprint takes 64 hex digits, not $OTHERFP"

print_header "CROSS-CERTIFICATION CEREMONY"
printf '\n'

step "administrator" "Check the room: doors closed, cameras running, no network cable in the laptop, the HSM's tamper-evident bag intact with its number as on the paper script."
confirm
step "witness: $WITNESS" "Compare the script's SHA-256 above with the approved copy."
confirm

step "administrator" "Open the ceremony in the root's log: roster, script and place."
confirm
open_ceremony "Cross-certification"
attest "$WITNESS" "The room was checked and the script's hash compared before cross-certification"

OTHER=$(last_cert_sha256 "$CROSS")
step "witness: $WITNESS" "Compare, word by word, the other root's fingerprint computed from $CROSS with the one the other plant sent on paper."
show_fingerprint "Other root, computed from $CROSS" "$OTHER"
show_fingerprint "Other root, from the other plant's paper" "$PAPER"
[ "$OTHER" = "$PAPER" ] ||
    die "the other root's certificate is not the one on paper: do not sign"
printf 'The script checked it too: they are the same.\n'
confirm
attest "$WITNESS" "The other root's fingerprint was compared word by word with the other plant's paper and matched: $OTHER"

sign_at_root "$DIR" "the cross-certificate with our root key" \
    "Cross-certificate" "The cross-certificate for $OTHER" --cross "$CROSS"

seal_and_finish "  1. Write the cross-certificate's words and the head on the paper script;
     all sign it.
  2. Send $OUT to the other plant; they compare its words with a copy of
     the paper script before they publish it.
  3. Seal the root's HSM in a new tamper-evident bag; write its number on the
     paper.  Keep $DIR on two removable media, in separate safes."
