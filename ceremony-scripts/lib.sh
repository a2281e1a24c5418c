# lib.sh: what every ceremony script shares.  Sourced; POSIX sh and
# coreutils only, so that the scripts run on a minimal Debian live system.
#
# Every script is interactive: each numbered step names who acts and waits
# for them to type "yes".  Typing "deviate" records a deviation from the
# script instead (what, why, who approved), and the step is asked again.
# --answers FILE takes the typed lines from FILE, one per question, for
# rehearsals; --pin-source SRC is passed to every command (for rehearsals
# only: in a ceremony the PIN is typed at each command's prompt).

BIN=${KC_BIN:-}
ANSWERS=
PINSRC=
STEP=0
OPEN=0

# die MESSAGE: stop the script; the ceremony stays open for the record,
# and the administrator is told how to close it if it cannot go on.
die() {
	printf '%s: %s\n' "${0##*/}" "$1" >&2
	printf 'The ceremony is NOT finished.  Write the reason on the paper script.\n' >&2
	if [ -n "${DIR:-}" ] && [ -f "$DIR/journal.json" ]; then
		printf 'A step stopped half way in %s: first run\n' "$DIR" >&2
		printf '  ca-log recover -d %s\n' "$DIR" >&2
	fi
	if [ "$OPEN" -eq 1 ]; then
		printf 'It is still open in %s: fix the cause and carry on by hand,\n' "$DIR" >&2
		printf 'or, if it cannot go on, close it with its reason:\n' >&2
		printf '  ca-ceremony abort -d %s --by NAME --why "..."\n' "$DIR" >&2
	fi
	exit 1
}

# common_opt OPTION VALUE: the options every script takes (--id,
# --approval, --location, --person, --answers, --pin-source), for the end
# of its option loop; anything else stops the script.
common_opt() {
	case $1 in
	--id) ID=$2 ;;
	--approval) APPROVAL=$2 ;;
	--location) LOCATION=$2 ;;
	--person) PEOPLE="${PEOPLE:-}$2
" ;;
	--answers) ANSWERS=$2; exec 3<"$2" || die "cannot read $2" ;;
	--pin-source) PINSRC=$2 ;;
	*) die "unknown option $1 (see the head of this script)" ;;
	esac
}

# tool NAME ARGS...: run a toolkit command, with the PIN source if given.
tool() {
	_t=$1
	shift
	if [ -n "$BIN" ]; then
		_t=$BIN/$_t
	fi
	if [ -n "$PINSRC" ]; then
		case $1 in
		words|status|verify|plan) "$_t" "$@" ;;
		*) "$_t" "$@" --pin-source "$PINSRC" ;;
		esac
	else
		"$_t" "$@"
	fi
}

# read_line VAR: one typed line (or the next line of the answers file).
read_line() {
	if [ -n "$ANSWERS" ]; then
		IFS= read -r _line <&3 || die "the answers file ended early"
		printf '%s\n' "$_line"
	else
		IFS= read -r _line || die "no more input"
	fi
	eval "$1=\$_line"
}

# ask VAR PROMPT: a free-text answer.
ask() {
	printf '%s ' "$2"
	read_line "$1"
}

# step WHO WHAT: announce the next numbered step and who performs it.
step() {
	STEP=$((STEP + 1))
	printf '\n==== Step %d  [%s]\n%s\n' "$STEP" "$1" "$2"
}

# confirm: wait for "yes"; "deviate" records a deviation and asks again.
confirm() {
	while :; do
		printf 'Type "yes" when done, or "deviate": '
		read_line _ans
		case $_ans in
		yes) return 0 ;;
		deviate) deviation ;;
		*) printf 'Please type "yes" or "deviate".\n' ;;
		esac
	done
}

# deviation: what differs from the script, why, who approved; recorded
# at once if the ceremony is open.
deviation() {
	ask _what "What differs from the script?"
	ask _why "Why?"
	ask _who "Who on the roster approved it?"
	if [ "$OPEN" -eq 1 ]; then
		tool ca-ceremony deviation -d "$DIR" --what "$_what" \
		    --why "$_why" --approved-by "$_who" >/dev/null ||
		    die "the deviation could not be recorded"
		printf 'Deviation recorded in the log.\n'
	else
		PENDING_DEVIATIONS="${PENDING_DEVIATIONS:-}$_what|$_why|$_who
"
		printf 'Deviation noted; it is recorded once the ceremony is open.\n'
	fi
}

# attest WHO STATEMENT: a roster member's statement, into the log.
attest() {
	tool ca-ceremony attest -d "$DIR" --by "$1" --statement "$2" \
	    >/dev/null || die "the attestation could not be recorded"
	printf 'Recorded: %s: "%s"\n' "$1" "$2"
}

# flush_deviations: record what was noted before the ceremony was open.
flush_deviations() {
	[ -n "${PENDING_DEVIATIONS:-}" ] || return 0
	# A here-document, not a pipe: die must end the script, not a subshell.
	while IFS='|' read -r _w _y _a; do
		[ -n "$_w" ] || continue
		tool ca-ceremony deviation -d "$DIR" --what "$_w" --why "$_y" \
		    --approved-by "$_a" >/dev/null ||
		    die "a deviation could not be recorded"
	done <<EOF_DEVIATIONS
$PENDING_DEVIATIONS
EOF_DEVIATIONS
	PENDING_DEVIATIONS=
}

# show_fingerprint LABEL SHA256: hex in groups, and as PGP words.
show_fingerprint() {
	printf '%s\n  sha256:%s\n  words:  %s\n' "$1" "$2" \
	    "$(tool ca-ceremony words "$2")"
}

# roster_name ROLE: the first person in ROLE on the roster (PEOPLE).
roster_name() {
	printf '%s\n' "$PEOPLE" | while IFS= read -r _p; do
		case $_p in
		"$1":*) printf '%s\n' "${_p#*:}"; break ;;
		esac
	done
}

# roster_roles: WITNESS, ADMIN, CUSTODIAN and AUDITOR from the roster
# (PEOPLE); the witness stands in for a missing administrator or auditor.
# Every ceremony needs a witness and a custodian.  Also SCRIPT_SHA, this
# script's SHA-256, to be compared with the approved copy.
roster_roles() {
	WITNESS=$(roster_name witness)
	ADMIN=$(roster_name administrator)
	CUSTODIAN=$(roster_name custodian)
	AUDITOR=$(roster_name auditor)
	[ -n "$WITNESS" ] && [ -n "$CUSTODIAN" ] ||
	    die "the roster needs a witness and a custodian (--person witness:NAME)"
	ADMIN=${ADMIN:-$WITNESS}
	AUDITOR=${AUDITOR:-$WITNESS}
	SCRIPT_SHA=$(sha256sum "$0" | cut -c1-64)
}

# print_header TITLE: the ceremony's title and id, this script with its
# SHA-256 and approval, and the roster.
print_header() {
	printf '%s %s\n' "$1" "$ID"
	printf 'Script: %s\n  sha256:%s (compare with the approved copy, %s)\n' \
	    "$0" "$SCRIPT_SHA" "$APPROVAL"
	printf 'Roster:\n%s' "$(printf '%s' "$PEOPLE" | sed 's/^/  /')"
}

# hexsum TEXT: TEXT as 64 lower-case hex digits, without "sha256:" or
# colons; empty when it is no SHA-256.
hexsum() {
	_h=$(printf '%s' "${1#sha256:}" | tr -d ': ' | tr 'A-F' 'a-f')
	case $_h in
	*[!0-9a-f]*) ;;
	*) [ "${#_h}" -eq 64 ] && printf '%s\n' "$_h" ;;
	esac
}

# last_cert_sha256 FILE: the SHA-256 of the last certificate's DER in the
# PEM FILE (the root, at the end of a chain), or of FILE if it is DER.
last_cert_sha256() {
	if grep -q '^-----BEGIN CERTIFICATE-----' "$1"; then
		tac "$1" | tr -d '\r' | sed -n '/^-----END CERTIFICATE-----/,/^-----BEGIN CERTIFICATE-----/{
/^-----BEGIN/q
/^-----/!p
}' | tac | base64 -d |
		    sha256sum | cut -c1-64
	else
		sha256sum "$1" | cut -c1-64
	fi
}

# ceremony VERB PURPOSE ARGS...: ca-ceremony VERB ARGS... with this
# ceremony's id, PURPOSE, this script and its approval, the location and
# the roster (PEOPLE).
ceremony() {
	set -- "$@" --id "$ID" --purpose "$2" --script "$0" \
	    --approval "$APPROVAL" --location "$LOCATION"
	while IFS= read -r _p; do
		[ -n "$_p" ] && set -- "$@" --person "$_p"
	done <<EOF_ROSTER
$PEOPLE
EOF_ROSTER
	_verb=$1
	shift 2
	tool ca-ceremony "$_verb" "$@"
}

# open_ceremony PURPOSE: open the ceremony in DIR's log, then record what
# was noted before it was open.
open_ceremony() {
	ceremony open "$1" -d "$DIR" || die "the ceremony could not be opened"
	OPEN=1
	flush_deviations
}

# plan_ceremony PURPOSE FILE: write the plan of the ceremony a CA's keys
# are made in to FILE, for ca-init --ceremony: the new CA has no log to
# open it in before then.
plan_ceremony() {
	ceremony plan "$1" --out "$2" >/dev/null ||
	    die "the ceremony plan could not be written"
}

# keys_made: the CA's first record opened the planned ceremony; record
# what was noted before.
keys_made() {
	OPEN=1
	flush_deviations
}

# sign_at_root ROOTDIR WHAT LABEL SUBJECT ARGS...: the custodian signs
# WHAT with ca-sign-sub -d ROOTDIR ARGS under PROFILE into OUT; its
# fingerprint is shown as LABEL and attested as SUBJECT signed; then the
# auditor verifies the root's log.
sign_at_root() {
	_root=$1 _what=$2 _label=$3 _subject=$4
	shift 4
	step "custodian: $CUSTODIAN" "Sign $_what under the profile ${PROFILE##*/}.  Type the PIN when asked; nobody else looks.  Read any warnings aloud."
	confirm
	tool ca-sign-sub -d "$_root" "$@" --profile "$PROFILE" --out "$OUT" \
	    --operator "$CUSTODIAN" --witness "$WITNESS" ||
	    die "ca-sign-sub $1 failed"
	CERTFP=$(last_cert_sha256 "$OUT")
	show_fingerprint "$_label $OUT" "$CERTFP"
	attest "$WITNESS" "$_subject was signed under the profile ${PROFILE##*/}: $CERTFP"

	step "auditor: $AUDITOR" "Verify the root's log."
	confirm
	tool ca-log verify -d "$_root" || die "the root's log does not verify"
}

# seal_and_finish NEXT: seal the ceremony, show the head, print NEXT.
seal_and_finish() {
	step "administrator" "Seal the ceremony.  Write the head below on the paper script, and read the words aloud."
	confirm
	tool ca-ceremony seal -d "$DIR" || die "the seal failed"
	OPEN=0
	printf '\nNext steps:\n%s\n' "$1"
}
