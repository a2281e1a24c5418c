#!/bin/sh
# root-keygen.sh: the root CA key generation ceremony.
#
# usage: root-keygen.sh --dir DIR --token URI --subject DN --id ID
#            --approval REF --location TEXT --person ROLE:NAME ...
#            [--algorithm ALG] [--profile FILE] [--custodians N]
#            [--threshold M --shares-out FOLDER] [--backup-capable]
#            [--answers FILE] [--pin-source SRC]
#
# Roles: administrator (runs the script), witness, custodian (types the
# PIN), auditor.  Each step waits for "yes"; "deviate" records a deviation.
# The keys are made in the ceremony: ca-init opens it in the new log with
# the roster, which must name a witness and N custodians (default 1).
# With --threshold M, nobody keeps the PIN: ca-init sets a random one and
# splits it M of N among the custodians, one share file each in FOLDER;
# every later step asks M of them to type their shares.  In a rehearsal
# with --pin-source, the first M share files stand in for them.
# --backup-capable makes keys key-backup.sh can back up (the profile must
# allow it).
set -u
. "$(dirname "$0")/lib.sh"

DIR= TOKEN= SUBJECT= ID= APPROVAL= LOCATION= ALG=p384 PROFILE= PEOPLE=
CUSTODIANS=1 THRESHOLD= SHARES= BACKUP=
while [ $# -gt 0 ]; do
	case $1 in
	--dir) DIR=$2 ;;
	--token) TOKEN=$2 ;;
	--subject) SUBJECT=$2 ;;
	--algorithm) ALG=$2 ;;
	--profile) PROFILE=$2 ;;
	--custodians) CUSTODIANS=$2 ;;
	--threshold) THRESHOLD=$2 ;;
	--shares-out) SHARES=$2 ;;
	--backup-capable) BACKUP=1; shift; continue ;;
	*) common_opt "$1" "$2" ;;
	esac
	shift 2 || die "$1 needs a value"
done
[ -n "$DIR" ] && [ -n "$TOKEN" ] && [ -n "$SUBJECT" ] && [ -n "$ID" ] &&
    [ -n "$APPROVAL" ] && [ -n "$LOCATION" ] || die "give --dir, --token, --subject, --id, --approval and --location"
[ -z "$THRESHOLD" ] || [ -n "$SHARES" ] || die "--threshold needs --shares-out FOLDER"
roster_roles

print_header "ROOT KEY GENERATION CEREMONY"
printf '\n'

step "administrator" "Check the room: doors closed, cameras running, no network cable in the laptop, the HSM's tamper-evident bag intact with its number as on the paper script."
confirm
step "witness: $WITNESS" "Compare the script's SHA-256 above with the approved copy."
confirm
step "custodian: $CUSTODIAN" "Generate the root CA key and its log-signing key on the token; the ceremony opens in the new log with them.  Type the PIN when asked; nobody else looks."
confirm
T=${TMPDIR:-/tmp}/root-keygen.$$
plan_ceremony "Root CA key generation" "$T.plan"
set -- -d "$DIR" --token "$TOKEN" --algorithm "$ALG" --subject "$SUBJECT" \
    --ceremony "$T.plan" --custodians "$CUSTODIANS" \
    --operator "$ADMIN" --witness "$WITNESS"
[ -n "$PROFILE" ] && set -- "$@" --profile "$PROFILE"
[ -n "$THRESHOLD" ] && set -- "$@" --threshold "$THRESHOLD" \
    --shares-out "$SHARES"
[ -n "$BACKUP" ] && set -- "$@" --backup-capable
tool ca-init "$@" >"$T.out" ||
    { rm -f "$T.out" "$T.plan"; die "ca-init failed"; }
keys_made
FP=$(sed -n 's/^sha256:\([0-9a-f]\{64\}\)$/\1/p' "$T.out" | head -n 1)
cat "$T.out"
rm -f "$T.out" "$T.plan"
if [ -n "$THRESHOLD" ]; then
	step "administrator" "Hand each custodian their own share file from $SHARES, one at a time; each copies it to paper or their own medium, and the folder is then deleted.  From now on, $THRESHOLD custodians type their shares when asked."
	confirm
	if [ -n "$PINSRC" ]; then
		# A rehearsal: the first M files stand in for the custodians.
		PINSRC=shares:$(ls "$SHARES"/*.share | head -n "$THRESHOLD" |
		    paste -sd, -)
	fi
fi
attest "$WITNESS" "The room was checked and the script's hash compared before key generation"

step "witness: $WITNESS" "The custodian reads the root's fingerprint aloud, word by word; compare each word with the screen and the paper."
show_fingerprint "Root certificate" "$FP"
confirm
attest "$WITNESS" "The root fingerprint was read aloud and matched: $FP"

step "auditor" "Verify the new log against the fingerprint just read."
confirm
tool ca-log verify -d "$DIR" --anchor "$FP" || die "the log does not verify"

seal_and_finish "  1. Write the fingerprint and the head on the paper script; all sign it.
  2. Seal the HSM in a new tamper-evident bag; write its number on the paper.
  3. Keep $DIR on two removable media, in separate safes."
