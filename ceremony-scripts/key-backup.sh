#!/bin/sh
# key-backup.sh: the key backup ceremony of a backup-capable root
# (ca-init --backup-capable): the CA and log-signing keys wrapped into a
# backup folder and test-restored into a scratch token.
#
# usage: key-backup.sh --dir DIR --out FOLDER --scratch-token URI
#            --id ID --approval REF --location TEXT --person ROLE:NAME ...
#            [--make-wrap-key --custodians N --threshold M
#             --shares-out FOLDER [--so-pin-source SRC]]
#            [--scratch-pin-source SRC] [--wrap-shares SRC]
#            [--answers FILE] [--pin-source SRC]
#
# Roles: administrator (runs the script), witness, custodian (types the
# PIN, and a share of the backup key), auditor; the token's security
# officer types the SO PIN when the wrapping key is made.  With
# --make-wrap-key, the backup wrapping key is made first and split M of N
# among the roster's custodians; in a rehearsal with --pin-source, the
# first M share files then stand in for the custodians.
set -u
. "$(dirname "$0")/lib.sh"

DIR= OUT= SCRATCH_TOKEN= ID= APPROVAL= LOCATION= PEOPLE= MAKE=
CUSTODIANS= THRESHOLD= SHARES= SOPIN= SCRATCHPIN= WRAPSHARES=
while [ $# -gt 0 ]; do
	case $1 in
	--dir) DIR=$2 ;;
	--out) OUT=$2 ;;
	--scratch-token) SCRATCH_TOKEN=$2 ;;
	--make-wrap-key) MAKE=1; shift; continue ;;
	--custodians) CUSTODIANS=$2 ;;
	--threshold) THRESHOLD=$2 ;;
	--shares-out) SHARES=$2 ;;
	--so-pin-source) SOPIN=$2 ;;
	--scratch-pin-source) SCRATCHPIN=$2 ;;
	--wrap-shares) WRAPSHARES=$2 ;;
	*) common_opt "$1" "$2" ;;
	esac
	shift 2 || die "$1 needs a value"
done
[ -n "$DIR" ] && [ -n "$OUT" ] && [ -n "$SCRATCH_TOKEN" ] && [ -n "$ID" ] &&
    [ -n "$APPROVAL" ] && [ -n "$LOCATION" ] ||
    die "give --dir, --out, --scratch-token, --id, --approval and --location"
[ -z "$MAKE" ] || { [ -n "$CUSTODIANS" ] && [ -n "$THRESHOLD" ] &&
    [ -n "$SHARES" ]; } ||
    die "--make-wrap-key needs --custodians, --threshold and --shares-out"
[ -f "$DIR/ca.pem" ] || die "$DIR is no installed CA directory"
[ ! -e "$OUT" ] || die "$OUT exists already"
roster_roles

print_header "KEY BACKUP CEREMONY"
printf '\n'

step "administrator" "Check the room: doors closed, cameras running, no network cable in the laptop, the HSM's and the scratch token's tamper-evident bags intact with their numbers as on the paper script."
confirm
step "witness: $WITNESS" "Compare the script's SHA-256 above with the approved copy."
confirm
step "administrator" "Open the ceremony in the CA's log: roster, script and place."
confirm
open_ceremony "Key backup"
attest "$WITNESS" "The room was checked and the script's hash compared before the key backup"

if [ -n "$MAKE" ]; then
	step "security officer" "Make the backup wrapping key on the CA's token and mark it trusted.  Type the security officer PIN when asked, then the custodian the user PIN; nobody else looks."
	confirm
	set -- wrap-key -d "$DIR" --custodians "$CUSTODIANS" \
	    --threshold "$THRESHOLD" --shares-out "$SHARES" \
	    --operator "$CUSTODIAN" --witness "$WITNESS"
	[ -n "$SOPIN" ] && set -- "$@" --so-pin-source "$SOPIN"
	tool ca-backup "$@" || die "the backup wrapping key could not be made"
	step "administrator" "Hand each custodian their own share file from $SHARES, one at a time; each copies it to paper or their own medium, and the folder is then deleted."
	confirm
	attest "$WITNESS" "The backup wrapping key was made and its $CUSTODIANS shares handed to their custodians"
	if [ -n "$PINSRC" ] && [ -z "$WRAPSHARES" ]; then
		# A rehearsal: the first M files stand in for the custodians.
		WRAPSHARES=shares:$(ls "$SHARES"/*.share | head -n "$THRESHOLD" |
		    paste -sd, -)
	fi
fi

step "custodian: $CUSTODIAN" "Wrap the CA and log-signing keys into $OUT.  The custodians of the backup key each type their share when asked; the scratch token's PIN is typed last.  The keys are test-restored into the scratch token before anything is written."
confirm
set -- backup -d "$DIR" --out "$OUT" --scratch-token "$SCRATCH_TOKEN" \
    --operator "$CUSTODIAN" --witness "$WITNESS"
[ -n "$SCRATCHPIN" ] && set -- "$@" --scratch-pin-source "$SCRATCHPIN"
[ -n "$WRAPSHARES" ] && set -- "$@" --wrap-shares "$WRAPSHARES"
tool ca-backup "$@" || die "the backup failed; nothing was written"
CASUM=$(sha256sum "$OUT/ca-key.wrapped" | cut -c1-64)
show_fingerprint "Wrapped CA key $OUT/ca-key.wrapped" "$CASUM"
confirm
attest "$WITNESS" "The backup was test-restored on the scratch token; ca-key.wrapped sha256:$CASUM"

step "auditor: $AUDITOR" "Check the backup's blobs against backup.json, and verify the CA's log."
(cd "$OUT" && jq -r '.keys[] | "\(.sha256)  \(.file)"' backup.json |
    sha256sum -c) || die "the backup's blobs do not match backup.json"
confirm
tool ca-log verify -d "$DIR" || die "the log does not verify"

seal_and_finish "  1. Write the wrapped key's words and the head on the paper script; all
     sign it.
  2. Copy $OUT to two removable media, each sealed in a tamper-evident bag
     and kept in a safe apart from the share holders.
  3. Wipe the scratch token, and seal the HSM in a new bag."
