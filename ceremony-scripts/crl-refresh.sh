#!/bin/sh
# crl-refresh.sh: revocations, if any, and a new CRL at a CA (root or
# issuing), exported to carry into the OT zone.
#
# usage: crl-refresh.sh --dir DIR --out EXPORTDIR --id ID --approval REF
#            --location TEXT --person ROLE:NAME ...
#            [--revoke SERIAL:REASON ...] [--next-update DURATION]
#            [--idp full|scope|none] [--answers FILE] [--pin-source SRC]
#
# SERIAL is hex (colons allowed); REASON as for ca-crl(1), after the last
# colon: --revoke 7094299afe1141525eb255164fedb994:cessationOfOperation
# Roles: administrator (runs the script), witness, custodian (types the
# PIN), auditor.  Each step waits for "yes"; "deviate" records a deviation.
set -u
. "$(dirname "$0")/lib.sh"

DIR= OUT= ID= APPROVAL= LOCATION= PEOPLE= REVOKE= NEXT= IDP=
while [ $# -gt 0 ]; do
	case $1 in
	--dir) DIR=$2 ;;
	--out) OUT=$2 ;;
	--revoke)
		case $2 in
		?*:?*) ;;
		*) die "--revoke takes SERIAL:REASON, not $2" ;;
		esac
		REVOKE="$REVOKE$2
" ;;
	--next-update) NEXT=$2 ;;
	--idp) IDP=$2 ;;
	*) common_opt "$1" "$2" ;;
	esac
	shift 2 || die "$1 needs a value"
done
[ -n "$DIR" ] && [ -n "$OUT" ] && [ -n "$ID" ] && [ -n "$APPROVAL" ] &&
    [ -n "$LOCATION" ] || die "give --dir, --out, --id, --approval and --location"
[ -f "$DIR/ca.pem" ] || die "$DIR is no installed CA directory"
[ ! -e "$OUT" ] || die "$OUT exists already"
roster_roles

print_header "CRL REFRESH CEREMONY"
printf '\nRevocations:\n%s\n' \
    "$(printf '%s' "${REVOKE:-none
}" | sed 's/^/  /')"

step "administrator" "Check the room: doors closed, cameras running, no network cable in the laptop, the HSM's tamper-evident bag intact with its number as on the paper script."
confirm
step "witness: $WITNESS" "Compare the script's SHA-256 above, and the revocations listed, with the approved copy."
confirm

step "administrator" "Open the ceremony in the CA's log: roster, script and place."
confirm
open_ceremony "CRL refresh"
attest "$WITNESS" "The room was checked, the script's hash and the revocations compared with the approved copy"

printf '%s' "$REVOKE" >"${TMPDIR:-/tmp}/revoke.$$"
while IFS= read -r r <&4; do
	[ -n "$r" ] || continue
	SERIAL=${r%:*}
	REASON=${r##*:}
	step "custodian: $CUSTODIAN" "Revoke the certificate with serial $SERIAL, reason $REASON.  The witness reads the serial aloud from the approved request.  Type the PIN when asked; nobody else looks."
	confirm
	tool ca-crl revoke -d "$DIR" --serial "$SERIAL" --reason "$REASON" \
	    --operator "$CUSTODIAN" --witness "$WITNESS" ||
	    { rm -f "${TMPDIR:-/tmp}/revoke.$$"; die "the revocation of $SERIAL failed"; }
	attest "$WITNESS" "The serial $SERIAL was read aloud, matched the approved request, and was revoked: $REASON"
done 4<"${TMPDIR:-/tmp}/revoke.$$"
rm -f "${TMPDIR:-/tmp}/revoke.$$"

step "custodian: $CUSTODIAN" "Issue the CRL and export it to $OUT.  Type the PIN when asked; nobody else looks."
confirm
set -- issue -d "$DIR" --out "$OUT" --operator "$CUSTODIAN" --witness "$WITNESS"
[ -n "$NEXT" ] && set -- "$@" --next-update "$NEXT"
[ -n "$IDP" ] && set -- "$@" --idp "$IDP"
tool ca-crl "$@" || die "ca-crl issue failed"

step "witness: $WITNESS" "Check the exported CRL's dates and the date of the next CRL ceremony; write that date on the paper script."
tool ca-crl status -d "$OUT" ||
    die "ca-crl status does not pass on the export (exit $?): the CRL is too short-lived or expired"
confirm
attest "$WITNESS" "The exported CRL's status was checked and the next ceremony's date written on the paper script"

step "auditor: $AUDITOR" "Check the export's manifest (sha256sum -c SHA256SUMS), and write the CRL's SHA-256 words on the paper script for the OT zone to compare."
(cd "$OUT" && sha256sum -c SHA256SUMS) || die "the export's SHA256SUMS does not check"
show_fingerprint "CRL $OUT/crl.der" "$(sha256sum "$OUT/crl.der" | cut -c1-64)"
confirm
attest "${AUDITOR}" "The export's SHA256SUMS checked; CRL sha256:$(sha256sum "$OUT/crl.der" | cut -c1-64)"

step "auditor: $AUDITOR" "Verify the CA's log."
confirm
tool ca-log verify -d "$DIR" || die "the log does not verify"

seal_and_finish "  1. Write the CRL's words, the next ceremony's date and the head on the
     paper script; all sign it.
  2. Carry $OUT into the OT zone; there run (cd FOLDER && sha256sum -c
     SHA256SUMS), compare the CRL's words with the paper, and publish it.
  3. Run 'ca-crl status -d FOLDER' from cron there: it warns 14 days before
     the next ceremony is due.
  4. Seal the HSM in a new tamper-evident bag; write its number on the paper."
