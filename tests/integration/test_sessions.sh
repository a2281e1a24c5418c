#!/bin/sh
# limit: 600
# Tokens that allow few sessions: SoftHSM2 behind tests/bin/p11fault.so
# with KC_FAULT_MAX_SESSIONS 1, 2 and 3, as a smartcard allows or a
# network HSM's partition's quota does (C_OpenSession past the cap answers
# CKR_SESSION_COUNT).  At each cap the whole flow runs, every command
# under a time limit so that a hang fails: a backup-capable root, a
# subordinate's key and request on a second token, sign-sub, install, a
# batch of devices asked for in 4 sessions, a revocation, a CRL, log
# verify and audit, a wrapping key, a backup with its test restore on a
# scratch token, a restore onto a new token, and an M-of-N root.  Once
# with the token saying its cap (C_GetTokenInfo), once with it silent
# (KC_FAULT_SESSIONS_SILENT), so that the toolkit learns the cap from
# CKR_SESSION_COUNT alone.
# Then a token pulled out in the middle of a batch (CKR_DEVICE_REMOVED at
# its Nth signature): named, nothing written, ca-log recover has nothing
# to settle, and the batch, run again, passes.
. "$(dirname "$0")/../lib.sh"

FAULT=$TOP/tests/bin/p11fault.so
printf '%s\n' 87654321 >"$SCRATCH/so-pin"
chmod 600 "$SCRATCH/so-pin"
jq '. + {key_backup: true}' "$TOP/profiles/root.json" >"$SCRATCH/kb.json"
printf '1. Generate the keys.\n' >"$SCRATCH/script.txt"
"$BIN/ca-ceremony" plan --out "$SCRATCH/plan3.json" --id sessions \
    --purpose "key generation" --script "$SCRATCH/script.txt" \
    --approval T-1 --location lab --person "administrator:Ann" \
    --person "witness:Bob" --person "custodian:Carol" \
    --person "custodian:Dave" --person "custodian:Erin" >/dev/null
device_csrs "$SCRATCH/csrs" 6
run() { timeout 120 "$@"; }
fp() { openssl x509 -in "$1" -outform DER | sha256sum | cut -c1-64; }
records() { ls "$1/log" | wc -l; }

# flow CAP [silent]: the whole flow on tokens that allow CAP sessions
# each, and say so in C_GetTokenInfo, or (silent) do not.
flow() {
	c=$1
	q=${2:-}
	[ -z "$q" ] || c=$1s
	R=$SCRATCH/root$c S=$SCRATCH/sub$c
	new_token "root$c"
	new_token "sub$c"
	new_token "scratch$c" 222222
	new_token "fresh$c" 333333
	new_token "mofn$c"
	PR="--pin-source file:$SCRATCH/pin-root$c"
	PSUB="--pin-source file:$SCRATCH/pin-sub$c"
	export KC_FAULT_MAX_SESSIONS=$1 KC_FAULT_TRACE=$SCRATCH/trace$c
	if [ -n "$q" ]; then
		export KC_FAULT_SESSIONS_SILENT=1
	fi
	rm -f "$KC_FAULT_TRACE"

	expect_status 0 "cap $c: a backup-capable root" run "$BIN/ca-init" \
	    --ceremony "$SCRATCH/plan3.json" -d "$R" \
	    --token "pkcs11:token=root$c" --module "$FAULT" $PR \
	    --subject "CN=Root $c" --profile "$SCRATCH/kb.json" \
	    --backup-capable
	expect_status 0 "cap $c: a subordinate's key and request" run \
	    "$BIN/ca-init" --ceremony "$PLAN" --sub -d "$S" \
	    --token "pkcs11:token=sub$c" --module "$FAULT" $PSUB \
	    --algorithm p256 --subject "CN=Sub $c,O=Example"
	expect_status 0 "cap $c:   signed by the root" run "$BIN/ca-sign-sub" \
	    -d "$R" --csr "$S/ca.csr" \
	    --profile "$TOP/profiles/ot-issuing-sl2.json" \
	    --out "$SCRATCH/sub$c.pem" $PR
	expect_status 0 "cap $c:   installed" run "$BIN/ca-init" \
	    --install "$SCRATCH/sub$c.pem" --chain "$R/ca.pem" -d "$S" $PSUB
	expect_status 0 "cap $c:   sealed" run "$BIN/ca-ceremony" seal -d "$S" \
	    $PSUB
	expect_status 0 "cap $c: six devices, 4 sessions asked for" run \
	    "$BIN/ca-issue" -d "$S" --profile "$TOP/profiles/device-mtls.json" \
	    --csrs "$SCRATCH/csrs" --out "$SCRATCH/devs$c" $PSUB --sessions 4
	want=$(($1 - 1))
	[ "$want" -ge 1 ] || want=1
	check "cap $c:   signed in $want session(s), as many as the token had" \
	    test "$(jq '.body.params.sessions' "$(ls "$S"/log/*.json |
	    tail -1)")" -eq "$want"
	check "cap $c:   each chains to the root (openssl)" test "$(chained \
	    "$R/ca.pem" "$S/ca.pem" "$SCRATCH/devs$c" 6)" -eq 6
	ser=$(openssl x509 -in "$SCRATCH/devs$c/dev3.pem" -noout -serial |
	    cut -d= -f2)
	expect_status 0 "cap $c: one revoked" run "$BIN/ca-crl" revoke -d "$S" \
	    --serial "$ser" --reason keyCompromise $PSUB
	expect_status 0 "cap $c: a CRL" run "$BIN/ca-crl" issue -d "$S" $PSUB
	check "cap $c:   whose signature verifies (python3-cryptography)" \
	    test "$(crl_verifies "$S/crl/1.der" "$S/ca.pem")" = \
	    "signature valid"
	expect_status 0 "cap $c: the logs verify" run "$BIN/ca-log" verify \
	    -d "$S" --anchor "$(fp "$R/ca.pem")"
	expect_status 0 "cap $c: the audit passes" run "$BIN/ca-audit" -d "$S" \
	    --anchor "$(fp "$R/ca.pem")"

	expect_status 0 "cap $c: a wrapping key, 2 of 3" run "$BIN/ca-backup" \
	    wrap-key -d "$R" --custodians 3 --threshold 2 \
	    --shares-out "$SCRATCH/wk$c" \
	    --so-pin-source "file:$SCRATCH/so-pin" $PR
	W="shares:$SCRATCH/wk$c/01-Carol.share,$SCRATCH/wk$c/03-Erin.share"
	expect_status 0 "cap $c: a backup, test-restored on a scratch token" \
	    run "$BIN/ca-backup" backup -d "$R" --out "$SCRATCH/bk$c" \
	    --scratch-token "pkcs11:token=scratch$c" \
	    --scratch-pin-source "file:$SCRATCH/pin-scratch$c" \
	    --wrap-shares "$W" $PR
	expect_status 0 "cap $c:   the root's ceremony sealed" run \
	    "$BIN/ca-ceremony" seal -d "$R" $PR
	expect_status 0 "cap $c: restored onto a new token" run \
	    "$BIN/ca-backup" restore -d "$R" --from "$SCRATCH/bk$c" \
	    --token "pkcs11:token=fresh$c" \
	    --pin-source "file:$SCRATCH/pin-fresh$c" --wrap-shares "$W"
	expect_status 0 "cap $c:   whose key issues a CRL" run "$BIN/ca-crl" \
	    issue -d "$R" --pin-source "file:$SCRATCH/pin-fresh$c"
	check "cap $c:   that verifies (python3-cryptography)" \
	    test "$(crl_verifies "$R/crl/1.der" "$R/ca.pem")" = \
	    "signature valid"

	expect_status 0 "cap $c: an M-of-N root, 2 of 3" run "$BIN/ca-init" \
	    --ceremony "$SCRATCH/plan3.json" -d "$SCRATCH/mofn$c" \
	    --token "pkcs11:token=mofn$c" --module "$FAULT" \
	    --pin-source "file:$SCRATCH/pin-mofn$c" --custodians 3 \
	    --threshold 2 --shares-out "$SCRATCH/ms$c" --subject "CN=M $c"
	expect_status 0 "cap $c:   its shares open it for a CRL" run \
	    "$BIN/ca-crl" issue -d "$SCRATCH/mofn$c" --pin-source \
	    "shares:$SCRATCH/ms$c/02-Dave.share,$SCRATCH/ms$c/01-Carol.share"
	refused=$(awk '$2 == "C_OpenSession" && / quirk$/' "$KC_FAULT_TRACE" |
	    wc -l)
	if [ -n "$q" ]; then
		check "cap $c: learnt from the sessions the token refused" \
		    test "$refused" -ge 1
	else
		check "cap $c: heeded what the token said: none refused" \
		    test "$refused" -eq 0
	fi
	unset KC_FAULT_MAX_SESSIONS KC_FAULT_TRACE KC_FAULT_SESSIONS_SILENT
}

flow 1
flow 2
flow 3
flow 1 silent
flow 2 silent

# --- the token pulled out in the middle of a batch --------------------
S=$SCRATCH/sub2
export KC_FAULT_TRACE=$SCRATCH/trace-batch
rm -f "$KC_FAULT_TRACE"
run "$BIN/ca-issue" -d "$S" --profile "$TOP/profiles/device-mtls.json" \
    --csrs "$SCRATCH/csrs" --out "$SCRATCH/probe" \
    --pin-source "file:$SCRATCH/pin-sub2" --sessions 2 >/dev/null 2>&1
AT=$(awk '$2 == "C_Sign" { n++; if (n == 4) { print $1; exit } }' \
    "$KC_FAULT_TRACE")
unset KC_FAULT_TRACE
cp -a "$S" "$SCRATCH/sub2.keep"
KC_FAULT_AT=$AT KC_FAULT_RV=DEVICE_REMOVED expect_status 3 \
    "a batch whose token is removed at its 4th signature (call $AT)" \
    run "$BIN/ca-issue" -d "$S" --profile "$TOP/profiles/device-mtls.json" \
    --csrs "$SCRATCH/csrs" --out "$SCRATCH/pulled" \
    --pin-source "file:$SCRATCH/pin-sub2" --sessions 2
check "  is named, with the step that fits" grep -q \
    "was removed or lost power.*CKR_DEVICE_REMOVED.*plug the token in again" \
    "$SCRATCH/err"
check "  in one line" test "$(wc -l <"$SCRATCH/err")" -eq 1
check "  and nothing was written: no record, no serial, no certificate" \
    diff -r "$SCRATCH/sub2.keep" "$S"
check "  nor an --out folder" test ! -e "$SCRATCH/pulled"
expect_status 0 "ca-log recover has nothing to settle" run "$BIN/ca-log" \
    recover -d "$S"
check "  and changes nothing" diff -r "$SCRATCH/sub2.keep" "$S"
expect_status 0 "the batch, run again with the token back, passes" run \
    "$BIN/ca-issue" -d "$S" --profile "$TOP/profiles/device-mtls.json" \
    --csrs "$SCRATCH/csrs" --out "$SCRATCH/pulled" \
    --pin-source "file:$SCRATCH/pin-sub2" --sessions 2
check "  one record more" test "$(records "$S")" -eq \
    "$(($(records "$SCRATCH/sub2.keep") + 1))"
finish
