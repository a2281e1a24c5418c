#!/bin/sh
# limit: 600
# PKCS#11 fault injection: every command that uses the token is run once
# for each PKCS#11 call it makes, with that call failing (the module
# tests/bin/p11fault.so between the command and SoftHSM2).  Each case
# must show that its fault was injected, end within seconds (a hang
# fails), and end with a one-line error and nothing written (the CA
# directory audits as before, and no object is left on a new token), or,
# when the failed call came after the work was done, complete; and the
# same command must then succeed.  The failing CKR rotates through six
# kinds.  Then the token lies to each command instead: every signature
# it returns, in turn, is corrupted, its public keys are not its own,
# and a key's attributes are not what it holds; each lie must be caught
# before anything is written.  Controls show that a hang and a fault
# never reached are caught.  Prints how many cases ran.
# FAULT_STRIDE=K tries every Kth call only (the sanitizer build in CI);
# FAULT_DEBUG=FILE keeps the trace of each faulty run there.
. "$(dirname "$0")/../lib.sh"

FAULT=$TOP/tests/bin/p11fault.so
W=$SCRATCH/w
BASE=$SCRATCH/base
copyable_tokens "$BASE" "$W" root sub new scratch iss bk mofn fresh
PS="--pin-source file:$SCRATCH/pin-root"
PROFILE=$TOP/profiles/it-issuing.json
RVS="DEVICE_REMOVED DEVICE_ERROR GENERAL_ERROR SESSION_HANDLE_INVALID PIN_INCORRECT FUNCTION_FAILED"

# The baseline, made through the fault module with no fault: a
# backup-capable root with its backup wrapping key, a backup and its
# ceremony sealed, a pending subordinate, its certificate signed, an
# issuing CA with three device requests waiting, and a ceremony open at
# the root; a second backup-capable root with no wrapping key yet, and
# a root whose PIN is split 2 of 2, with a ceremony open for a re-split.
cp -a "$BASE" "$W"
jq '. + {key_backup: true}' "$TOP/profiles/root.json" >"$SCRATCH/kb.json"
printf '87654321\n' >"$SCRATCH/so-pin"
chmod 600 "$SCRATCH/so-pin"
check "baseline: root" "$BIN/ca-init" --ceremony "$PLAN" -d "$W/r" \
    --token pkcs11:token=root --module "$FAULT" $PS --subject "CN=Fault Root" \
    --profile "$SCRATCH/kb.json" --backup-capable
check "baseline: backup wrapping key" "$BIN/ca-backup" wrap-key -d "$W/r" \
    --custodians 2 --threshold 2 --shares-out "$SCRATCH/wk" \
    --so-pin-source "file:$SCRATCH/so-pin" $PS
check "baseline: a backup" "$BIN/ca-backup" backup -d "$W/r" --out "$W/bkp" \
    --scratch-token pkcs11:token=scratch \
    --scratch-pin-source "file:$SCRATCH/pin-scratch" \
    --wrap-shares "shares:$(ls "$SCRATCH"/wk/*.share | paste -sd, -)" $PS
check "baseline: root sealed" seal "$W/r" "$SCRATCH/pin-root"
check "baseline: a second backup-capable root" "$BIN/ca-init" \
    --ceremony "$PLAN" -d "$W/b" --token pkcs11:token=bk --module "$FAULT" \
    $PS --subject "CN=Fault Root B" --profile "$SCRATCH/kb.json" \
    --backup-capable
check "baseline: a root with a split PIN" "$BIN/ca-init" --ceremony "$PLAN" \
    -d "$W/m" --token pkcs11:token=mofn --module "$FAULT" $PS \
    --subject "CN=Fault Root M" --custodians 2 --threshold 2 \
    --shares-out "$SCRATCH/ms"
MS="--pin-source shares:$(ls "$SCRATCH"/ms/*.share | paste -sd, -)"
# shellcheck disable=SC2086
check "baseline: its key ceremony sealed" "$BIN/ca-ceremony" seal -d "$W/m" $MS
check "baseline: its ceremony open for a re-split" "$BIN/ca-ceremony" open \
    -d "$W/m" --id F-M --purpose resplit --script "$PLAN" --approval A \
    --location L --person witness:W --person custodian:Eve \
    --person custodian:Fay $MS
check "baseline: subordinate" "$BIN/ca-init" --ceremony "$PLAN" --sub \
    -d "$W/s" --token pkcs11:token=sub --module "$FAULT" $PS --subject "CN=Sub"
check "baseline: subordinate sealed" seal "$W/s" "$SCRATCH/pin-root"
check "baseline: signed" "$BIN/ca-sign-sub" -d "$W/r" --csr "$W/s/ca.csr" \
    --profile "$PROFILE" --out "$W/s.pem" $PS
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout /dev/null -subj "/CN=Another Sub" -out "$W/other.csr" 2>/dev/null
check "baseline: issuing CA" "$BIN/ca-init" --ceremony "$PLAN" --sub \
    -d "$W/i" --token pkcs11:token=iss --module "$FAULT" $PS \
    --subject "CN=Issuing"
check "baseline: issuing CA signed" "$BIN/ca-sign-sub" -d "$W/r" \
    --csr "$W/i/ca.csr" --profile "$PROFILE" --out "$W/i.pem" $PS
check "baseline: issuing CA installed" "$BIN/ca-init" --install "$W/i.pem" \
    --chain "$W/r/ca.pem" -d "$W/i" $PS
check "baseline: issuing CA sealed" seal "$W/i" "$SCRATCH/pin-root"
mkdir "$W/devs"
for n in 1 2 3; do
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout /dev/null -subj "/CN=dev-$n" \
	    -addext "subjectAltName=DNS:dev-$n.plant.example" \
	    -out "$W/devs/dev-$n.csr" 2>/dev/null
done
check "baseline: a ceremony open at the root" "$BIN/ca-ceremony" open \
    -d "$W/r" --id F-1 --purpose p --script "$PLAN" --approval A \
    --location L --person witness:W --person custodian:C $PS
# The subordinate's serial: the root's first sign-sub record names it.
SERIAL=$(cat "$W"/r/log/[0-9]*.json |
    jq -r 'select(.body.op == "sign-sub") | .body.certificate.serial' |
    head -n 1)
rm -rf "$BASE"
mv "$W" "$BASE"
FP=$(openssl x509 -in "$BASE/r/ca.pem" -outform DER | sha256sum | cut -c1-64)

# state DIR: what ca-audit finds in DIR (records and findings), then its
# head after a space; "none" when DIR does not exist.  Two runs of one
# command end in different heads (times, signatures): outcome() is what
# must match between them.
state() {
	if [ ! -d "$1" ]; then
		echo none
		return
	fi
	"$BIN/ca-audit" --json -d "$1" --anchor "$FP" 2>/dev/null | jq -jc \
	    '[.log.records, ([.findings[] | .severity + ":" + .check] | sort)], " ", .log.head'
}
outcome() { echo "${1%% *}"; }
keys() { "$TOP/tests/bin/p11attrs" "$FAULT" "$1" "$SCRATCH/pin-root" | jq length; }
objects() {
	"$TOP/tests/bin/p11attrs" "$FAULT" "$1" "$SCRATCH/pin-root" |
	    jq -c '[.[] | [.class, .label]]'
}
# WATCH_TOKEN=LABEL: a failed or refused case must leave that token
# with the objects it had (a restore's new token, a wrapping key's).
WATCH_TOKEN=
watched=0

cases=0
hung=0
lcases=0
# normal_run DIR COMMAND...: COMMAND in $W, restored from the baseline,
# through the shim with no fault: its trace in $SCRATCH/trace, its exit
# status in o_rc and its number of calls in o_calls; what DIR held
# before in $before, and after in $after.
normal_run() {
	o_dir=$1
	shift
	rm -rf "$W"
	cp -a "$BASE" "$W"
	before=$(state "$W/$o_dir")
	rm -f "$SCRATCH/trace"
	(cd "$W" && KC_FAULT_TRACE="$SCRATCH/trace" "$@" >/dev/null 2>&1)
	o_rc=$?
	o_calls=$(wc -l <"$SCRATCH/trace")
	after=$(state "$W/$o_dir")
}

# fault_case DIR N RV COMMAND...: COMMAND in $W, restored from the
# baseline, with its Nth PKCS#11 call failing with RV, after normal_run
# of the same: why says what is wrong with the outcome, and is empty
# when it is right.  A case must prove its fault (the shim marks the
# call it failed), end within 6 s, and then either have done its work
# (the failed call came after it) or fail with a one-line error that
# names the command and leave DIR (and, for "new", the token) as it was,
# so that the same command then succeeds.
fault_case() {
	f_dir=$1
	n=$2
	rv=$3
	shift 3
	rm -rf "$W"
	cp -a "$BASE" "$W"
	[ -z "$WATCH_TOKEN" ] || watched=$(keys "$WATCH_TOKEN")
	rm -f "$SCRATCH/ftrace"
	(cd "$W" && KC_FAULT_AT=$n KC_FAULT_RV=$rv \
	    KC_FAULT_TRACE="$SCRATCH/ftrace" timeout 6 "$@" \
	    >"$SCRATCH/f.out" 2>"$SCRATCH/f.err")
	f_rc=$?
	[ -n "${FAULT_DEBUG:-}" ] && cp "$SCRATCH/ftrace" "$FAULT_DEBUG"
	got=$(state "$W/$f_dir")
	why=
	f_call=$(sed -n "s/^$n \(C_[A-Za-z]*\) .* injected\$/\1/p" \
	    "$SCRATCH/ftrace")
	if [ "$f_rc" -eq 124 ]; then
		why="hung (killed after 6 s) when ${f_call:-a call} failed"
	elif [ -z "$f_call" ]; then
		why="its fault was never injected (exit $f_rc)"
	elif [ "$f_rc" -eq 0 ]; then
		# The failed call came after the work: it must be done.
		[ "$(outcome "$got")" = "$(outcome "$after")" ] ||
		    why="exit 0 but not as a normal run: $got"
	elif [ "$f_rc" -ge 64 ]; then
		why="exit $f_rc (a crash?)"
	elif [ "$(wc -l <"$SCRATCH/f.err")" -ne 1 ]; then
		why="not a one-line error"
	elif ! grep -q "^${1##*/}: " "$SCRATCH/f.err"; then
		why="the error does not name the command"
	elif [ "$got" != "$before" ]; then
		why="the directory changed: $got"
	elif [ "$f_dir" = new ] && [ "$(keys new)" -ne 0 ]; then
		why="keys left on the token"
	elif [ -n "${WATCH_TOKEN:-}" ] &&
	    [ "$(keys "$WATCH_TOKEN")" -ne "$watched" ]; then
		why="objects left on token \"$WATCH_TOKEN\": $(objects "$WATCH_TOKEN")"
	elif ! (cd "$W" && "$@" >/dev/null 2>"$SCRATCH/retry.err"); then
		why="the retry failed: $(cat "$SCRATCH/retry.err")"
	elif [ "$(outcome "$(state "$W/$f_dir")")" != \
	    "$(outcome "$after")" ]; then
		why="the retry did not end as a normal run"
	fi
}

# op NAME DIR COMMAND...: run COMMAND (in $W, restored from the baseline
# each time) with each of its PKCS#11 calls failing in turn (fault_case),
# then with the token lying to it (lies).
# FAULT_ONLY=PATTERN runs only the commands whose name matches; FAULT_FROM
# and FAULT_MAX bound the calls tried (for chasing one case).
op() {
	o_name=$1
	o_dir=$2
	shift 2
	case $o_name in
	${FAULT_ONLY:-*}) ;;
	*) return ;;
	esac
	normal_run "$o_dir" "$@"
	if [ "$o_rc" -ne 0 ] || [ "$o_calls" -lt 10 ]; then
		not_ok "$o_name: without a fault (exit $o_rc, $o_calls calls)"
		return
	fi
	o_bad=0
	n=${FAULT_FROM:-1}
	while [ "$n" -le "$o_calls" ] && [ "$n" -le "${FAULT_MAX:-$n}" ]; do
		# The kinds of failure take turns, whatever the stride.
		rv=$(echo $RVS | cut -d' ' -f$(( cases % 6 + 1 )))
		fault_case "$o_dir" "$n" "$rv" "$@"
		cases=$((cases + 1))
		case $why in hung*) hung=$((hung + 1)) ;; esac
		if [ -n "$why" ]; then
			o_bad=$((o_bad + 1))
			not_ok "$o_name: call $n ($(sed -n "${n}p" "$SCRATCH/trace" |
			    cut -d' ' -f2)) failing with $rv: $why"
			sed 's/^/#   /' "$SCRATCH/f.err"
		fi
		n=$((n + ${FAULT_STRIDE:-1}))
	done
	[ "$o_bad" -eq 0 ] && ok "$o_name: its $o_calls PKCS#11 calls failing in turn${FAULT_STRIDE:+ (every ${FAULT_STRIDE}th)}"
	lies "$o_name" "$o_dir" "$@"
}

# lie_case NAME DIR WANT WHAT ENV... -- COMMAND...: COMMAND, in $W
# restored from the baseline, with the shim told ENV (a lie): it must
# have lied, and the command must exit WANT with a one-line error that
# names it, leaving the directory (and, for "new", the token) as it
# was, so that the same command, told the truth, then succeeds.
lie_case() {
	l_name=$1
	l_dir=$2
	l_want=$3
	l_what=$4
	shift 4
	l_env=""
	while [ "$1" != -- ]; do
		l_env="$l_env $1"
		shift
	done
	shift
	rm -rf "$W"
	cp -a "$BASE" "$W"
	[ -z "$WATCH_TOKEN" ] || watched=$(keys "$WATCH_TOKEN")
	l_before=$(state "$W/$l_dir")
	rm -f "$SCRATCH/ltrace"
	# shellcheck disable=SC2086
	(cd "$W" && env $l_env KC_FAULT_TRACE="$SCRATCH/ltrace" timeout 20 \
	    "$@" >"$SCRATCH/l.out" 2>"$SCRATCH/l.err")
	l_rc=$?
	lcases=$((lcases + 1))
	why=
	if ! grep -q ' lied$' "$SCRATCH/ltrace"; then
		why="the shim never lied"
	elif [ "$l_rc" -ne "$l_want" ]; then
		why="exit $l_rc, wanted $l_want"
	elif [ "$(wc -l <"$SCRATCH/l.err")" -ne 1 ] ||
	    ! grep -q "^${1##*/}: " "$SCRATCH/l.err"; then
		why="not a one-line error naming the command"
	elif [ "$(state "$W/$l_dir")" != "$l_before" ]; then
		why="the directory changed"
	elif [ "$l_dir" = new ] && [ "$(keys new)" -ne 0 ]; then
		why="keys left on the token"
	elif [ -n "${WATCH_TOKEN:-}" ] &&
	    [ "$(keys "$WATCH_TOKEN")" -ne "$watched" ]; then
		why="objects left on token \"$WATCH_TOKEN\": $(objects "$WATCH_TOKEN")"
	elif ! (cd "$W" && "$@" >/dev/null 2>"$SCRATCH/retry.err"); then
		why="then, told the truth, it failed: $(cat "$SCRATCH/retry.err")"
	fi
	if [ -n "$why" ]; then
		not_ok "$l_name: $l_what: $why"
		sed 's/^/#   /' "$SCRATCH/l.err"
		return 1
	fi
	return 0
}

# lies NAME DIR COMMAND...: the token lies to COMMAND, which must notice
# before anything is written: each signature it returns, in turn, is
# corrupted (refused by the check after signing: exit 8, or the Kth word
# of SIGN_EXITS where a signature is checked otherwise), and the public
# keys it reports are not its keys (refused when the keys are found or
# what they signed is checked).  The signatures are counted in the trace
# of the run without a fault.
lies() {
	i_name=$1
	i_dir=$2
	shift 2
	i_sigs=$(grep -c '^[0-9]* C_Sign 0x0$' "$SCRATCH/trace")
	i_bad=0
	k=1
	while [ "$k" -le "$i_sigs" ]; do
		i_want=$(echo "${SIGN_EXITS:-}" | cut -d' ' -f"$k" -s)
		lie_case "$i_name" "$i_dir" "${i_want:-8}" \
		    "signature $k of $i_sigs corrupted" \
		    KC_FAULT_SIGN=corrupt KC_FAULT_SIGN_AT=$k -- "$@" ||
		    i_bad=$((i_bad + 1))
		k=$((k + 1))
	done
	[ "$i_sigs" -gt 0 ] || { not_ok "$i_name: signs nothing"; return; }
	# A fresh key is checked by what it signs; a CA's, against its
	# certificate when the CA is opened.
	case $i_dir in
	new) i_want=8 ;;
	*) i_want=1 ;;
	esac
	lie_case "$i_name" "$i_dir" "$i_want" "public keys not its own" \
	    KC_FAULT_PUBKEY=other -- "$@" || i_bad=$((i_bad + 1))
	[ "$i_bad" -eq 0 ] && ok "$i_name: each of its $i_sigs signatures corrupted, and its public keys changed, in turn: refused, nothing written"
}

op "ca-init (root)" new "$BIN/ca-init" --ceremony "$PLAN" -d new \
    --token pkcs11:token=new --module "$FAULT" $PS --subject "CN=New Root"
op "ca-init --sub" new "$BIN/ca-init" --ceremony "$PLAN" --sub -d new \
    --token pkcs11:token=new --module "$FAULT" $PS --subject "CN=New Sub"
op "ca-ceremony attest" r "$BIN/ca-ceremony" attest -d r --by W \
    --statement "room secured" $PS
op "ca-ceremony seal" r "$BIN/ca-ceremony" seal -d r $PS
op "ca-ceremony deviation" r "$BIN/ca-ceremony" deviation -d r --what w \
    --why y --approved-by W $PS
op "ca-ceremony abort" r "$BIN/ca-ceremony" abort -d r --why y --by W $PS
op "ca-ceremony open" i "$BIN/ca-ceremony" open -d i --id F-2 --purpose p \
    --script "$PLAN" --approval A --location L --person witness:W \
    --person custodian:C $PS
# The re-split changes the token's PIN: a fault after the change must
# set the old one back, or the retry, with the old shares, fails.
op "ca-ceremony resplit" m "$BIN/ca-ceremony" resplit -d m --custodians 2 \
    --threshold 2 --shares-out ns $MS
op "ca-sign-sub" r "$BIN/ca-sign-sub" -d r --csr other.csr \
    --profile "$PROFILE" --out other.pem $PS
op "ca-init --install" s "$BIN/ca-init" --install s.pem --chain r/ca.pem \
    -d s $PS
op "ca-issue" i "$BIN/ca-issue" -d i --profile "$TOP/profiles/device-mtls.json" \
    --csrs devs --out out --sessions 2 $PS
# Its run without a fault: a token gives only so many sessions, and the
# batch asked for two to sign in.  The login's, in which the log key
# signs too, and the CA key's make two; the CA key's is the first to
# sign, so one more.
case "ca-issue" in
${FAULT_ONLY:-*})
	check "ca-issue --sessions 2 opens three sessions, none idle" \
	    test "$(grep -c '^[0-9]* C_OpenSession ' "$SCRATCH/trace")" -eq 3
	# Killed at its first signature, as by a power cut: the CA as it
	# was, and no --out folder left behind to puzzle the next run.
	first=$(sed -n 's/^\([0-9]*\) C_Sign .*/\1/p' "$SCRATCH/trace" |
	    head -n 1)
	rm -rf "$W"
	cp -a "$BASE" "$W"
	before=$(state "$W/i")
	issued_before=$(ls -A "$W/i/issued" 2>/dev/null || echo none)
	(cd "$W" && KC_FAULT_AT=$first KC_FAULT_RV=KILL "$BIN/ca-issue" -d i \
	    --profile "$TOP/profiles/device-mtls.json" --csrs devs --out out \
	    --sessions 2 $PS >/dev/null 2>&1; exit $?) 2>/dev/null
	k_rc=$?
	check "ca-issue killed at call $first (C_Sign): killed" \
	    test "$k_rc" -eq 137
	check "ca-issue killed while signing: no --out folder" \
	    test ! -e "$W/out"
	check "ca-issue killed while signing: issued/ as it was" test \
	    "$(ls -A "$W/i/issued" 2>/dev/null || echo none)" = "$issued_before"
	check "ca-issue killed while signing: the CA as it was" \
	    test "$(state "$W/i")" = "$before"
	;;
esac
op "ca-crl issue" r "$BIN/ca-crl" issue -d r $PS
op "ca-crl revoke" r "$BIN/ca-crl" revoke -d r --serial "$SERIAL" \
    --reason superseded $PS
# The scratch token's first two signatures prove the test restore (and
# the new token's, in a restore, the restored keys): a bad one is a
# restored key that is not the original (exit 1).
SIGN_EXITS="1 1"
op "ca-backup backup" r "$BIN/ca-backup" backup -d r --out bk \
    --scratch-token pkcs11:token=scratch \
    --scratch-pin-source "file:$SCRATCH/pin-scratch" \
    --wrap-shares "shares:$(ls "$SCRATCH"/wk/*.share | paste -sd, -)" $PS
SIGN_EXITS=
WATCH_TOKEN=bk
op "ca-backup wrap-key" b "$BIN/ca-backup" wrap-key -d b --custodians 2 \
    --threshold 2 --shares-out wk2 --so-pin-source "file:$SCRATCH/so-pin" $PS
WATCH_TOKEN=fresh
SIGN_EXITS="1 1"
op "ca-backup restore" r "$BIN/ca-backup" restore -d r --from bkp \
    --token pkcs11:token=fresh --module "$FAULT" \
    --pin-source "file:$SCRATCH/pin-fresh" \
    --wrap-shares "shares:$(ls "$SCRATCH"/wk/*.share | paste -sd, -)"
WATCH_TOKEN=
SIGN_EXITS=
# Attributes that lie: a key is judged by what the token says of it.  A
# new key must read back as asked (ca-init removes it otherwise), and a
# backup needs the token to say both keys may leave it, wrapped.
case "attributes" in
${FAULT_ONLY:-*})
	NEWROOT="$BIN/ca-init --ceremony $PLAN -d new --token pkcs11:token=new --module $FAULT $PS --subject CN=New"
	# shellcheck disable=SC2086
	lie_case "ca-init --backup-capable" new 1 \
	    "its new key said not extractable" KC_FAULT_ATTR=EXTRACTABLE=0 -- \
	    $NEWROOT --profile "$SCRATCH/kb.json" --backup-capable &&
	    ok "ca-init --backup-capable: a key the token says cannot leave it is removed, nothing written"
	# shellcheck disable=SC2086
	lie_case "ca-init (root)" new 1 "its new key said extractable" \
	    KC_FAULT_ATTR=EXTRACTABLE=1 -- $NEWROOT &&
	    ok "ca-init: a key the token says may leave it is removed, nothing written"
	# shellcheck disable=SC2086
	lie_case "ca-init (root)" new 1 "its new key said not sensitive" \
	    KC_FAULT_ATTR=SENSITIVE=0 -- $NEWROOT &&
	    ok "ca-init: a key the token says is not sensitive is removed, nothing written"
	lie_case "ca-backup backup" r 1 "its keys said not extractable" \
	    KC_FAULT_ATTR=EXTRACTABLE=0 -- "$BIN/ca-backup" backup -d r \
	    --out bk --scratch-token pkcs11:token=scratch \
	    --scratch-pin-source "file:$SCRATCH/pin-scratch" \
	    --wrap-shares "shares:$(ls "$SCRATCH"/wk/*.share | paste -sd, -)" \
	    $PS && check "ca-backup: keys the token says cannot leave it are refused before any is wrapped" \
	    test "$(grep -c '^[0-9]* C_WrapKey ' "$SCRATCH/ltrace")" -eq 0
	;;
esac

# The judge must be able to say no: a command that hangs at a call
# (KC_FAULT_RV=HANG), and a fault past the command's last call.
case "controls" in
${FAULT_ONLY:-*})
	normal_run r "$BIN/ca-crl" issue -d r $PS
	login=$(sed -n 's/^\([0-9]*\) C_Login .*/\1/p' "$SCRATCH/trace" |
	    head -n 1)
	fault_case r "$login" HANG "$BIN/ca-crl" issue -d r $PS
	check "control: a hang at C_Login (call $login) is caught: $why" \
	    test "$why" = "hung (killed after 6 s) when C_Login failed"
	fault_case r $((o_calls + 5)) DEVICE_ERROR "$BIN/ca-crl" issue -d r $PS
	check "control: a fault never reached is caught: $why" \
	    test "$why" = "its fault was never injected (exit 0)"
	;;
esac

echo "# $cases fault cases, each of six CKRs in turn; $lcases cases of a lying token"
check "no case hung ($hung did)" test "$hung" -eq 0
check "more than $((500 / ${FAULT_STRIDE:-1})) cases ran" \
    test "$cases" -gt $((500 / ${FAULT_STRIDE:-1}))

finish
