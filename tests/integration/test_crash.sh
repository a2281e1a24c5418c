#!/bin/sh
# limit: 900
# Crash points: every command that writes is stopped at each of its file
# writes, fsyncs, renames, links, unlinks and creations in turn (the
# preload shim tests/bin/crashfs.so), by SIGKILL and by an injected
# ENOSPC or EIO.  After each case:
#   - a failed command said so in one line naming itself;
#   - a half-finished operation is reported (ca-audit: "interrupted") and
#     refused by the next command until "ca-log recover" finishes or
#     undoes it; recovery then leaves no temporaries behind;
#   - the directory is then exactly as before (same files, same bytes,
#     same audit), or exactly as after a normal run (same files, same
#     audit), never in between: no artifact without its record, and no
#     record without its artifacts;
#   - when it is as before, the same command succeeds;
#   - for a command that changes its token (a re-split's PIN, a wrapping
#     key, a restore's keys and PIN), the token is as before or as after
#     with the files: recovery asked it which (ca-directory(5), "step"),
#     or, for a restore, whose keys no record names, the retry replaces
#     what the stopped run left.
# ca-init, whose directory appears in one rename, is cleared up by its own
# next run: the keys the killed run made must be gone from the token.
# ca-crl export, whose folder lies outside the CA directory, is cleared
# up by its own next run too; ca-log recover is itself stopped at each
# point, and a second recovery must then finish the job.  Neither touches
# a token, so test_faults.sh has no cases of theirs.
# CRASH_ONLY=PATTERN, CRASH_FROM, CRASH_MAX and CRASH_STRIDE=K narrow the
# cases, as for test_faults.sh.
. "$(dirname "$0")/../lib.sh"

SHIM=$TOP/tests/bin/crashfs.so
W=$SCRATCH/w
BASE=$SCRATCH/base
copyable_tokens "$BASE" "$W" root sub new scratch iss bk mofn fresh
mkdir -p "$BASE/ca"
PS="--pin-source file:$SCRATCH/pin-root"
PROFILE=$TOP/profiles/it-issuing.json

# The baseline, as in test_faults.sh: a root with its ceremony sealed, a
# pending subordinate, its certificate signed, a ceremony open at the
# root, and one revocation, so that revocations and CRLs replace files.
cp -a "$BASE" "$W"
C=$W/ca
jq '. + {key_backup: true}' "$TOP/profiles/root.json" >"$SCRATCH/kb.json"
printf '87654321\n' >"$SCRATCH/so-pin"
chmod 600 "$SCRATCH/so-pin"
check "baseline: root" "$BIN/ca-init" --ceremony "$PLAN" -d "$C/r" \
    --token pkcs11:token=root $PS --subject "CN=Crash Root" \
    --profile "$SCRATCH/kb.json" --backup-capable
check "baseline: backup wrapping key" "$BIN/ca-backup" wrap-key -d "$C/r" \
    --custodians 2 --threshold 2 --shares-out "$SCRATCH/wk" \
    --so-pin-source "file:$SCRATCH/so-pin" $PS
check "baseline: a backup" "$BIN/ca-backup" backup -d "$C/r" --out "$C/bkp" \
    --scratch-token pkcs11:token=scratch \
    --scratch-pin-source "file:$SCRATCH/pin-scratch" \
    --wrap-shares "shares:$(ls "$SCRATCH"/wk/*.share | paste -sd, -)" $PS
check "baseline: root sealed" seal "$C/r" "$SCRATCH/pin-root"
check "baseline: a second backup-capable root" "$BIN/ca-init" \
    --ceremony "$PLAN" -d "$C/b" --token pkcs11:token=bk $PS \
    --subject "CN=Crash Root B" --profile "$SCRATCH/kb.json" --backup-capable
check "baseline: a root with a split PIN" "$BIN/ca-init" --ceremony "$PLAN" \
    -d "$C/m" --token pkcs11:token=mofn $PS --subject "CN=Crash Root M" \
    --custodians 2 --threshold 2 --shares-out "$SCRATCH/ms" \
    --profile "$SCRATCH/kb.json" --backup-capable
MS="--pin-source shares:$(ls "$SCRATCH"/ms/*.share | paste -sd, -)"
# shellcheck disable=SC2086
check "baseline: its key ceremony sealed" "$BIN/ca-ceremony" seal -d "$C/m" $MS
# shellcheck disable=SC2086
check "baseline: its ceremony open for a re-split" "$BIN/ca-ceremony" open \
    -d "$C/m" --id C-M --purpose resplit --script "$PLAN" --approval A \
    --location L --person witness:W --person custodian:Eve \
    --person custodian:Fay $MS
# shellcheck disable=SC2086
check "baseline: its wrapping key" "$BIN/ca-backup" wrap-key -d "$C/m" \
    --custodians 2 --threshold 2 --shares-out "$SCRATCH/mwk" \
    --so-pin-source "file:$SCRATCH/so-pin" $MS
# shellcheck disable=SC2086
check "baseline: its backup" "$BIN/ca-backup" backup -d "$C/m" \
    --out "$C/mbk" --scratch-token pkcs11:token=scratch \
    --scratch-pin-source "file:$SCRATCH/pin-scratch" \
    --wrap-shares "shares:$(ls "$SCRATCH"/mwk/*.share | paste -sd, -)" $MS
check "baseline: subordinate" "$BIN/ca-init" --ceremony "$PLAN" --sub \
    -d "$C/s" --token pkcs11:token=sub $PS --subject "CN=Sub"
check "baseline: subordinate sealed" seal "$C/s" "$SCRATCH/pin-root"
check "baseline: signed" "$BIN/ca-sign-sub" -d "$C/r" --csr "$C/s/ca.csr" \
    --profile "$PROFILE" --out "$C/s.pem" $PS
for n in 1 2; do
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout /dev/null -subj "/CN=Other $n" -out "$C/o$n.csr" 2>/dev/null
done
check "baseline: a second subordinate signed" "$BIN/ca-sign-sub" -d "$C/r" \
    --csr "$C/o1.csr" --profile "$PROFILE" --out "$C/o1.pem" $PS
check "baseline: it is revoked" "$BIN/ca-crl" revoke -d "$C/r" \
    --cert "$C/o1.pem" --reason superseded $PS
check "baseline: a crl" "$BIN/ca-crl" issue -d "$C/r" $PS
check "baseline: issuing CA" "$BIN/ca-init" --ceremony "$PLAN" --sub \
    -d "$C/i" --token pkcs11:token=iss $PS --subject "CN=Issuing"
check "baseline: issuing CA signed" "$BIN/ca-sign-sub" -d "$C/r" \
    --csr "$C/i/ca.csr" --profile "$PROFILE" --out "$C/i.pem" $PS
check "baseline: issuing CA installed" "$BIN/ca-init" --install "$C/i.pem" \
    --chain "$C/r/ca.pem" -d "$C/i" $PS
check "baseline: issuing CA sealed" seal "$C/i" "$SCRATCH/pin-root"
mkdir "$C/devs"
for n in 1 2 3; do
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout /dev/null -subj "/CN=dev-$n" \
	    -addext "subjectAltName=DNS:dev-$n.plant.example" \
	    -out "$C/devs/dev-$n.csr" 2>/dev/null
done
check "baseline: a ceremony open at the root" "$BIN/ca-ceremony" open \
    -d "$C/r" --id X-1 --purpose p --script "$PLAN" --approval A \
    --location L --person witness:W --person custodian:C $PS
# The subordinate's serial: the root's first sign-sub record names it.
SERIAL=$(cat "$C"/r/log/[0-9]*.json |
    jq -r 'select(.body.op == "sign-sub") | .body.certificate.serial' |
    head -n 1)
# A root whose CRL issue was killed half way, its journal pending, for
# the crash cases of ca-log recover itself: killed at its first rename of
# a CRL into place, so that recovery has the record and both CRL files
# still to move.
cp -a "$C/r" "$C/jr"
(cd "$C" && LD_PRELOAD=$SHIM KC_CRASH_DIRS="$C" KC_CRASH_TRACE="$SCRATCH/trace" \
    "$BIN/ca-crl" issue -d jr $PS >/dev/null 2>&1)
n=$(awk '$2 == "rename" && $3 ~ /^jr\/crl\// { print $1; exit }' \
    "$SCRATCH/trace")
rm -rf "$C/jr"
cp -a "$C/r" "$C/jr"
env -C "$C" LD_PRELOAD="$SHIM" KC_CRASH_DIRS="$C" KC_CRASH_AT="${n:-0}" \
    KC_CRASH_ACTION=kill "$BIN/ca-crl" issue -d jr $PS >/dev/null 2>&1
check "baseline: a CRL issue killed with its journal pending (point $n)" \
    test -f "$C/jr/journal.json"
rm -rf "$BASE"
mv "$W" "$BASE"
FP=$(openssl x509 -in "$BASE/ca/r/ca.pem" -outform DER | sha256sum |
    cut -c1-64)

# audit DIR: records and findings as ca-audit reports them (and "none"
# when DIR does not exist).
audit() {
	if [ ! -d "$1" ]; then
		echo none
		return
	fi
	"$BIN/ca-audit" --json -d "$1" --anchor "$FP" 2>/dev/null | jq -jc \
	    '[.log.records, ([.findings[] | .severity + ":" + .check] | sort)]'
}
# bytes: every file under ca/ and its SHA-256 (the lock aside).
bytes() {
	(cd "$W/ca" && find . -type f ! -name .lock -exec sha256sum {} + |
	    sort -k2)
}
# names: every file under ca/, with serial numbers and staging suffixes
# made alike (two normal runs differ only in those).
names() {
	(cd "$W/ca" && find . ! -name .lock | sed -E \
	    -e 's/[0-9A-Fa-f]{16,}/SERIAL/g' -e 's/staging-[A-Za-z0-9]{6}/staging/' |
	    sort)
}
keys() { "$TOP/tests/bin/p11attrs" "$MODULE" "$1" "$SCRATCH/pin-root" | jq length; }
# leftovers: temporaries and journals the baseline did not have (it has
# one journal, jr's, on purpose).
leftovers() {
	find "$W/ca" -name '*.tmp-??????' -o -name '*.old-[0-9]*' \
	    -o -name '*.staging-*' -o -name journal.json | sort |
	    comm -23 - "$SCRATCH/b_left"
}

# TOKEN=FUNCTION: for a command that changes its token, a function
# printing what of the token matters; it must then be as before, or as
# after a normal run, with the files.
TOKEN=
token_state() {
	if [ -n "$TOKEN" ]; then $TOKEN; else echo -; fi
}
# p11 TOKEN PINFILE: the classes and labels of the token's objects (a
# wrapping key's random id made alike), or the exit status of a login the
# token refused.
p11() {
	"$TOP/tests/bin/p11attrs" "$MODULE" "$1" "$2" >"$SCRATCH/p11.json" \
	    2>/dev/null || { echo "status $?"; return; }
	jq -c '[.[] | .class + ":" + .label] | sort' "$SCRATCH/p11.json" |
	    sed 's/backup-wrap-[0-9a-f]*/backup-wrap-ID/g'
}
# The PIN that opens the re-split root's token: the baseline's shares'
# ("old"), those of a re-split ("new"), or neither; and its objects.
mofn_pin() {
	$PY "$TOP/tests/shamir.py" "$SCRATCH"/ms/*.share >"$SCRATCH/p-old"
	if "$TOP/tests/bin/p11attrs" "$MODULE" mofn "$SCRATCH/p-old" \
	    >/dev/null 2>&1; then
		echo "old $(p11 mofn "$SCRATCH/p-old")"
	elif [ -d "$W/ca/ns" ] && $PY "$TOP/tests/shamir.py" "$W"/ca/ns/*.share \
	    >"$SCRATCH/p-new" && "$TOP/tests/bin/p11attrs" "$MODULE" mofn \
	    "$SCRATCH/p-new" >/dev/null 2>&1; then
		echo "new $(p11 mofn "$SCRATCH/p-new")"
	else
		echo neither
	fi
}
bk_objects() { p11 bk "$SCRATCH/pin-root"; }
fresh_objects() { p11 fresh "$SCRATCH/pin-fresh"; }
# The PIN that opens the token a split-PIN root is restored to: its
# officer's ("officer") or the root's, from the baseline's shares ("ca");
# and its objects.
fresh_pin() {
	$PY "$TOP/tests/shamir.py" "$SCRATCH"/ms/*.share >"$SCRATCH/p-old"
	if "$TOP/tests/bin/p11attrs" "$MODULE" fresh "$SCRATCH/pin-fresh" \
	    >/dev/null 2>&1; then
		echo "officer $(p11 fresh "$SCRATCH/pin-fresh")"
	else
		echo "ca $(p11 fresh "$SCRATCH/p-old")"
	fi
}

cases=0
recovered=0
op() {
	o_name=$1
	o_dir=$2
	shift 2
	case $o_name in
	${CRASH_ONLY:-*}) ;;
	*) return ;;
	esac
	rm -rf "$W"
	cp -a "$BASE" "$W"
	: >"$SCRATCH/b_left"
	leftovers >"$SCRATCH/b_left.new"
	mv "$SCRATCH/b_left.new" "$SCRATCH/b_left"
	b_audit=$(audit "$W/ca/$o_dir")
	b_bytes=$(bytes)
	b_keys=$(keys new)
	b_token=$(token_state)
	rm -f "$SCRATCH/trace"
	[ -n "${CRASH_TRACE:-}" ] && echo "# $o_name: tracing to $CRASH_TRACE"
	(cd "$W/ca" && LD_PRELOAD=$SHIM KC_CRASH_DIRS="$W/ca" \
	    KC_CRASH_TRACE="$SCRATCH/trace" "$@" >/dev/null 2>&1)
	o_rc=$?
	o_points=$(wc -l <"$SCRATCH/trace")
	[ -n "${CRASH_TRACE:-}" ] && cp "$SCRATCH/trace" "$CRASH_TRACE"
	a_audit=$(audit "$W/ca/$o_dir")
	a_names=$(names)
	a_keys=$(keys new)
	a_token=$(token_state)
	if [ "$o_rc" -ne 0 ] || [ "$o_points" -lt 3 ] ||
	    [ -n "$(leftovers)" ] ||
	    { [ -n "$TOKEN" ] && [ "$a_token" = "$b_token" ]; }; then
		not_ok "$o_name: without a crash (exit $o_rc, $o_points points; token $b_token, then $a_token)"
		return
	fi
	o_bad=0
	n=${CRASH_FROM:-1}
	while [ "$n" -le "$o_points" ] && [ "$n" -le "${CRASH_MAX:-$n}" ]; do
		# SIGKILL at every point; ENOSPC and EIO take turns.
		if [ $((n % 2)) -eq 1 ]; then errno=enospc; else errno=eio; fi
		for act in kill $errno; do
		rm -rf "$W"
		cp -a "$BASE" "$W"
		# Not in a subshell, whose death the shell would announce.
		env -C "$W/ca" LD_PRELOAD="$SHIM" KC_CRASH_DIRS="$W/ca" \
		    KC_CRASH_AT=$n KC_CRASH_ACTION=$act "$@" \
		    >"$SCRATCH/c.out" 2>"$SCRATCH/c.err"
		c_rc=$?
		why=
		if [ "$act" = kill ] && [ "$c_rc" -ne 137 ]; then
			why="not killed (exit $c_rc)"
		elif [ "$act" != kill ] && [ "$c_rc" -ge 64 ]; then
			why="exit $c_rc (a crash?)"
		elif [ "$act" != kill ] && [ "$c_rc" -ne 0 ] &&
		    { [ "$(wc -l <"$SCRATCH/c.err")" -ne 1 ] ||
		    ! grep -q "^${1##*/}: " "$SCRATCH/c.err"; }; then
			why="not a one-line error naming the command: $(cat "$SCRATCH/c.err")"
		elif [ "$act" != kill ] && [ "$c_rc" -eq 0 ] &&
		    sed -n "${n}p" "$SCRATCH/trace" | grep -q " fsync " &&
		    ! grep -q "^${1##*/}: warning: " "$SCRATCH/c.err"; then
			# Success despite a failed fsync must not pass unseen.
			why="succeeded after a failed fsync, without a warning"
		fi
		if [ -z "$why" ] && [ -f "$W/ca/$o_dir/journal.json" ]; then
			recovered=$((recovered + 1))
			j_bytes=$(bytes)
			if [ "$(audit "$W/ca/$o_dir" | grep -c 'error:interrupted')" -ne 1 ]; then
				why="the audit does not report the interrupted operation"
			elif [ "$o_name" = "ca-log recover" ]; then
				# Recovery killed: the next recovery (below)
				# must finish the job.
				:
			elif (cd "$W/ca" && "$@" >/dev/null 2>"$SCRATCH/r.err"); then
				why="a command ran on the half-written directory"
			elif ! grep -q "ca-log recover" "$SCRATCH/r.err"; then
				why="the refusal does not name the recovery: $(cat "$SCRATCH/r.err")"
			elif [ "$(bytes)" != "$j_bytes" ]; then
				why="the refused command changed files"
			fi
		fi
		if [ -z "$why" ] && [ -d "$W/ca/$o_dir/log" ] &&
		    ! "$BIN/ca-log" recover -d "$W/ca/$o_dir" \
		    >"$SCRATCH/rec.out" 2>&1; then
			why="ca-log recover failed: $(cat "$SCRATCH/rec.out")"
		fi
		if [ -n "$why" ]; then
			:
		elif { [ "$o_dir" = new ] && [ ! -d "$W/ca/new/log" ]; } ||
		    { [ -n "${RETRY_CLEARS:-}" ] && [ -n "$(leftovers)" ]; }; then
			# No directory, or (RETRY_CLEARS) temporaries of its
			# own outside the CA directory: the next run clears
			# up, and succeeds.
			if ! (cd "$W/ca" && "$@" >/dev/null 2>"$SCRATCH/r.err"); then
				why="the retry failed: $(cat "$SCRATCH/r.err")"
			elif [ -n "$(leftovers)" ]; then
				why="the retry left $(leftovers | head -1)"
			elif [ "$(keys new)" != "$a_keys" ]; then
				why="$(keys new) objects on the token after the retry, not $a_keys"
			elif [ "$(names)" != "$a_names" ] ||
			    [ "$(audit "$W/ca/$o_dir")" != "$a_audit" ]; then
				why="the retry did not end as a normal run"
			fi
		elif [ -n "$(leftovers)" ]; then
			why="recovery left $(leftovers | head -1)"
		elif [ "$(bytes)" = "$b_bytes" ]; then
			# As before: nothing happened, and a retry works.
			if [ "$(audit "$W/ca/$o_dir")" != "$b_audit" ]; then
				why="the audit changed: $(audit "$W/ca/$o_dir")"
			elif [ "$(keys new)" != "$b_keys" ]; then
				why="keys left on the token"
			elif [ -z "${RETRY_TOKEN:-}" ] &&
			    [ "$(token_state)" != "$b_token" ]; then
				why="the files are as before, the token is not: $(token_state)"
			elif ! (cd "$W/ca" && "$@" >/dev/null 2>"$SCRATCH/r.err"); then
				why="the retry failed: $(cat "$SCRATCH/r.err")"
			elif [ "$(names)" != "$a_names" ]; then
				why="the retry did not end as a normal run"
			elif [ "$(token_state)" != "$a_token" ]; then
				why="after the retry the token is not as after a normal run: $(token_state)"
			fi
		elif [ "$(names)" != "$a_names" ]; then
			why="neither as before nor as after: $(names | tr '\n' ' ')"
		elif [ "$(audit "$W/ca/$o_dir")" != "$a_audit" ]; then
			why="files as after, but the audit differs: $(audit "$W/ca/$o_dir")"
		elif [ "$(token_state)" != "$a_token" ]; then
			why="the files are as after, the token is not: $(token_state)"
		fi
		cases=$((cases + 1))
		if [ -n "$why" ]; then
			o_bad=$((o_bad + 1))
			not_ok "$o_name: $act at point $n ($(sed -n "${n}p" \
			    "$SCRATCH/trace" | cut -d' ' -f2-)): $why"
			sed 's/^/#   /' "$SCRATCH/c.err"
		fi
		done
		n=$((n + ${CRASH_STRIDE:-1}))
	done
	[ "$o_bad" -eq 0 ] && ok "$o_name: stopped at each of its $o_points file operations${CRASH_STRIDE:+ (every ${CRASH_STRIDE}th)}"
}

op "ca-init (root)" new "$BIN/ca-init" --ceremony "$PLAN" -d new \
    --token pkcs11:token=new $PS --subject "CN=New Root"
op "ca-init --sub" new "$BIN/ca-init" --ceremony "$PLAN" --sub -d new \
    --token pkcs11:token=new $PS --subject "CN=New Sub"
op "ca-ceremony attest" r "$BIN/ca-ceremony" attest -d r --by W \
    --statement "room secured" $PS
op "ca-sign-sub" r "$BIN/ca-sign-sub" -d r --csr o2.csr \
    --profile "$PROFILE" --out o2.pem $PS
op "ca-init --install" s "$BIN/ca-init" --install s.pem --chain r/ca.pem \
    -d s $PS
op "ca-issue" i "$BIN/ca-issue" -d i --profile "$TOP/profiles/device-mtls.json" \
    --csrs devs --out out $PS
op "ca-crl issue" r "$BIN/ca-crl" issue -d r $PS
op "ca-crl revoke" r "$BIN/ca-crl" revoke -d r --serial "$SERIAL" \
    --reason superseded $PS
op "ca-backup backup" r "$BIN/ca-backup" backup -d r --out bk \
    --scratch-token pkcs11:token=scratch \
    --scratch-pin-source "file:$SCRATCH/pin-scratch" \
    --wrap-shares "shares:$(ls "$SCRATCH"/wk/*.share | paste -sd, -)" $PS
op "ca-ceremony deviation" r "$BIN/ca-ceremony" deviation -d r --what w \
    --why y --approved-by W $PS
op "ca-ceremony abort" r "$BIN/ca-ceremony" abort -d r --why y --by W $PS
op "ca-ceremony open" i "$BIN/ca-ceremony" open -d i --id C-2 --purpose p \
    --script "$PLAN" --approval A --location L --person witness:W \
    --person custodian:C $PS
RETRY_CLEARS=1
op "ca-crl export" r "$BIN/ca-crl" export -d r --out ex
RETRY_CLEARS=
op "ca-log recover" jr "$BIN/ca-log" recover -d jr
# A re-split and a new wrapping key change the token between their
# journal and their record: killed after the change, recovery asks the
# token (one login with the new shares; a look for the key) and finishes;
# killed before it, recovery undoes, shares and all.
TOKEN=mofn_pin
# shellcheck disable=SC2086
op "ca-ceremony resplit" m "$BIN/ca-ceremony" resplit -d m --custodians 2 \
    --threshold 2 --shares-out ns $MS
TOKEN=bk_objects
op "ca-backup wrap-key" b "$BIN/ca-backup" wrap-key -d b --custodians 2 \
    --threshold 2 --shares-out wk2 --so-pin-source "file:$SCRATCH/so-pin" $PS
# A restore killed after its key import leaves keys on the new token,
# which ca.json does not name: its retry replaces them.
TOKEN=fresh_objects
RETRY_TOKEN=1
op "ca-backup restore" r "$BIN/ca-backup" restore -d r --from bkp \
    --token pkcs11:token=fresh --pin-source "file:$SCRATCH/pin-fresh" \
    --wrap-shares "shares:$(ls "$SCRATCH"/wk/*.share | paste -sd, -)"
TOKEN=fresh_pin
op "ca-backup restore (a split PIN)" m "$BIN/ca-backup" restore -d m \
    --from mbk --token pkcs11:token=fresh --pin-source "file:$SCRATCH/pin-fresh" \
    --pin-shares "shares:$(ls "$SCRATCH"/ms/*.share | paste -sd, -)" \
    --wrap-shares "shares:$(ls "$SCRATCH"/mwk/*.share | paste -sd, -)"
RETRY_TOKEN=
TOKEN=
echo "# $cases crash cases (SIGKILL at every point, ENOSPC or EIO at every other); $recovered left a journal for ca-log recover"
check "more than $((200 / ${CRASH_STRIDE:-1})) cases ran" \
    test "$cases" -gt $((200 / ${CRASH_STRIDE:-1}))

finish
