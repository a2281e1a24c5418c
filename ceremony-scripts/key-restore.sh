#!/bin/sh
# key-restore.sh: the key restore ceremony: a backup made by
# key-backup.sh brought into a new token, after the old one was lost.
#
# usage: key-restore.sh --dir DIR --from FOLDER --token URI
#            --id ID --approval REF --location TEXT --person ROLE:NAME ...
#            [--module PATH] [--pin-shares SRC] [--wrap-shares SRC]
#            [--answers FILE] [--pin-source SRC]
#
# Roles: administrator (runs the script), witness, custodian (holds a
# share of the backup key), auditor; the new token's security officer
# has initialised it and set a user PIN, which --pin-source or the
# custodian types.  For a CA whose PIN is split, the custodians' PIN
# shares then set it on the new token (--pin-shares, or typed).  The
# ceremony opens in the log once the keys are back, since only they can
# sign it; what was noted before is recorded then.
set -u
. "$(dirname "$0")/lib.sh"

DIR= FROM= TOKEN= MODULE= ID= APPROVAL= LOCATION= PEOPLE= PINSHARES=
WRAPSHARES=
while [ $# -gt 0 ]; do
	case $1 in
	--dir) DIR=$2 ;;
	--from) FROM=$2 ;;
	--token) TOKEN=$2 ;;
	--module) MODULE=$2 ;;
	--pin-shares) PINSHARES=$2 ;;
	--wrap-shares) WRAPSHARES=$2 ;;
	*) common_opt "$1" "$2" ;;
	esac
	shift 2 || die "$1 needs a value"
done
[ -n "$DIR" ] && [ -n "$FROM" ] && [ -n "$TOKEN" ] && [ -n "$ID" ] &&
    [ -n "$APPROVAL" ] && [ -n "$LOCATION" ] ||
    die "give --dir, --from, --token, --id, --approval and --location"
[ -f "$FROM/backup.json" ] || die "$FROM holds no backup.json"
roster_roles

print_header "KEY RESTORE CEREMONY"
printf '\n'

step "administrator" "Check the room: doors closed, cameras running, no network cable in the laptop, the new HSM's and the backup media's tamper-evident bags intact with their numbers as on the paper script."
confirm
step "witness: $WITNESS" "Compare the script's SHA-256 above with the approved copy."
confirm
step "witness: $WITNESS" "Compare the wrapped CA key's words below with those on the backup ceremony's paper script."
CASUM=$(sha256sum "$FROM/ca-key.wrapped" | cut -c1-64)
show_fingerprint "Wrapped CA key $FROM/ca-key.wrapped" "$CASUM"
confirm
(cd "$FROM" && jq -r '.keys[] | "\(.sha256)  \(.file)"' backup.json |
    sha256sum -c) || die "the backup's blobs do not match backup.json"

step "custodian: $CUSTODIAN" "Restore the keys into the new token.  Its user PIN is typed first; then the custodians of the backup key each type their share, and, for a split PIN, their PIN share.  Nobody else looks."
confirm
set -- restore -d "$DIR" --from "$FROM" --token "$TOKEN" \
    --operator "$CUSTODIAN" --witness "$WITNESS"
[ -n "$MODULE" ] && set -- "$@" --module "$MODULE"
[ -n "$PINSHARES" ] && set -- "$@" --pin-shares "$PINSHARES"
[ -n "$WRAPSHARES" ] && set -- "$@" --wrap-shares "$WRAPSHARES"
tool ca-backup "$@" || die "the restore failed; the new token holds nothing of it"
# From now on the CA's PIN opens the new token: a split one by shares.
[ -n "$PINSRC" ] && [ -n "$PINSHARES" ] && PINSRC=$PINSHARES

step "administrator" "Open the ceremony in the CA's log, now that its keys can sign it."
confirm
open_ceremony "Key restore"
attest "$WITNESS" "The wrapped keys' words matched the backup ceremony's paper script before the restore: $CASUM"

step "auditor: $AUDITOR" "Verify the CA's log: every record, the restore's included, under the CA's certificate."
confirm
tool ca-log verify -d "$DIR" || die "the log does not verify"

seal_and_finish "  1. Write the head on the paper script; all sign it.
  2. Seal the new HSM in a tamper-evident bag; write its number on the paper.
  3. Put the backup media back in their safes; the backup stays valid for
     the restored keys."
