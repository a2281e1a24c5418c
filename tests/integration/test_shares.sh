#!/bin/sh
# M of N: ca-init --threshold sets a random PIN split among the roster's
# custodians; later commands take M shares, from distinct custodians,
# and refuse fewer, a mistyped one, a duplicate and another CA's.
# ca-ceremony resplit hands the PIN to new custodians.
. "$(dirname "$0")/../lib.sh"

new_token mofn 111111
D=$SCRATCH/mofn
S=$SCRATCH/shares
# The plan's roster: Carol and Dave are its custodians.  Three of
# three needs a third: a plan of its own.
printf '1. Generate the keys.\n' >"$SCRATCH/script.txt"
"$BIN/ca-ceremony" plan --out "$SCRATCH/plan3.json" --id split-1 \
    --purpose "root key generation" --script "$SCRATCH/script.txt" \
    --approval T-1 --location lab --person "administrator:Alice A" \
    --person "witness:Bob B" --person "custodian:Carol C" \
    --person "custodian:Dave D" --person "custodian:Erin E" >/dev/null

expect_status 2 "a threshold above the custodians is refused" \
    "$BIN/ca-init" --ceremony "$SCRATCH/plan3.json" -d "$D" \
    --token pkcs11:token=mofn --pin-source "file:$SCRATCH/pin-mofn" \
    --custodians 3 --threshold 4 --shares-out "$S" --subject CN=X
check "and nothing was made" test ! -e "$D" -a ! -e "$S"

# The CA's module is the fault shim, faulting nothing: its trace shows
# what the token was asked (KC_FAULT_TRACE).
FAULT=$TOP/tests/bin/p11fault.so
expect_status 0 "ca-init, 2 of 3" "$BIN/ca-init" \
    --ceremony "$SCRATCH/plan3.json" -d "$D" --token pkcs11:token=mofn \
    --module "$FAULT" \
    --pin-source "file:$SCRATCH/pin-mofn" --custodians 3 --threshold 2 \
    --shares-out "$S" --subject "CN=Split Root"
check "three share files, owner-only" test "$(find "$S" -type f -perm 0600 |
    wc -l)" -eq 3
S1=$S/01-Carol_C.share
S2=$S/02-Dave_D.share
S3=$S/03-Erin_E.share
check "named for their custodians" test -f "$S1" -a -f "$S2" -a -f "$S3"
R1=$D/log/000001.json
check "the record names the scheme, 2 of 3 and who holds what" test \
    "$(jq -c '.body.activation | [.scheme, .threshold,
    [.shares[] | [.share, .custodian]]]' "$R1")" = \
    '["shamir-gf256",2,[[1,"Carol C"],[2,"Dave D"],[3,"Erin E"]]]'
fp_ok=1
for i in 1 2 3; do
	f=$(ls "$S"/0$i-*.share)
	want=$(tail -1 "$f" | tr -d '\n' | sha256sum | cut -c1-64)
	got=$(jq -r ".body.activation.shares[$((i - 1))].fingerprint" "$R1")
	[ "$want" = "$got" ] || fp_ok=0
	# No share and no PIN in any record.
	grep -qF "$(tail -1 "$f")" "$D"/log/*.json && fp_ok=0
done
check "each fingerprint is its share's SHA-256; no share is recorded" \
    test "$fp_ok" -eq 1
# The token itself, asked directly: the PIN it was given is gone (and
# the same call with a token's right PIN works).
new_token control 333333
check "the test reader logs in with a right PIN" \
    "$TOP/tests/bin/p11attrs" "$MODULE" control "$SCRATCH/pin-control"
check "the old PIN no longer opens the token (CKR_PIN_INCORRECT)" \
    status_is 3 "$TOP/tests/bin/p11attrs" "$MODULE" mofn "$SCRATCH/pin-mofn"
# pin_of FILE SHARE...: the PIN the shares hold, combined by a reader of
# our own (tests/shamir.py), into FILE (0600).
pin_of() {
	_f=$1
	shift
	(umask 077 && $PY "$TOP/tests/shamir.py" "$@" >"$_f")
}
check "Carol's and Erin's shares combine (an independent reader)" \
    pin_of "$SCRATCH/pin-13" "$S1" "$S3"
check "  to the PIN that opens the token" \
    "$TOP/tests/bin/p11attrs" "$MODULE" mofn "$SCRATCH/pin-13"
pin_of "$SCRATCH/pin-23" "$S2" "$S3"
check "Dave's and Erin's to the same PIN" cmp "$SCRATCH/pin-23" \
    "$SCRATCH/pin-13"

expect_status 2 "one share is not enough" "$BIN/ca-ceremony" seal -d "$D" \
    --pin-source "shares:$S1"
check "the message says how many" grep -q "1 share given, and 2 are needed" \
    "$SCRATCH/err"
expect_status 2 "the same share twice is refused" "$BIN/ca-ceremony" seal \
    -d "$D" --pin-source "shares:$S2,$S2"
check "the message says so" grep -q "share 2 was given twice" "$SCRATCH/err"
tail -1 "$S3" | sed 's/-\(....\)$/-ffff/' >"$SCRATCH/bad.share"
[ "$(tail -1 "$S3" | cut -d- -f6)" = ffff ] &&
    tail -1 "$S3" | sed 's/-\(....\)$/-0000/' >"$SCRATCH/bad.share"
chmod 600 "$SCRATCH/bad.share"
expect_status 2 "a mistyped share is caught by its check digits" \
    "$BIN/ca-ceremony" seal -d "$D" --pin-source \
    "shares:$S1,$SCRATCH/bad.share"
check "the message says it was mistyped" grep -q "mistyped" "$SCRATCH/err"
expect_status 1 "a plain PIN source is refused" "$BIN/ca-ceremony" seal \
    -d "$D" --pin-source "file:$SCRATCH/pin-mofn"
check "the message asks for shares" grep -q "split among its custodians" \
    "$SCRATCH/err"
check "none of that was recorded" test ! -e "$D/log/000002.json"

# Another CA's split: well formed, refused before the token is asked.
new_token other 222222
"$BIN/ca-init" --ceremony "$SCRATCH/plan3.json" -d "$SCRATCH/other" \
    --token pkcs11:token=other --pin-source "file:$SCRATCH/pin-other" \
    --custodians 3 --threshold 2 --shares-out "$SCRATCH/oshares" \
    --subject "CN=Other" >/dev/null
# logins TRACE: how many C_Login calls the shim's trace shows.
logins() { awk '$2 == "C_Login"' "$1" | wc -l; }
: >"$SCRATCH/trace"
KC_FAULT_TRACE=$SCRATCH/trace expect_status 8 "another CA's shares are refused" \
    "$BIN/ca-ceremony" seal -d "$D" --pin-source \
    "shares:$SCRATCH/oshares/01-Carol_C.share,$SCRATCH/oshares/03-Erin_E.share"
check "  says the token was not asked" grep -q "the token was not asked" \
    "$SCRATCH/err"
check "  and it was not: no C_Login in the module's trace" \
    test "$(logins "$SCRATCH/trace")" -eq 0

: >"$SCRATCH/trace"
KC_FAULT_TRACE=$SCRATCH/trace expect_status 0 \
    "Dave's and Erin's shares open the token" \
    "$BIN/ca-ceremony" seal -d "$D" --pin-source "shares:$S3,$S2"
check "  (the trace sees a C_Login when there is one)" \
    test "$(logins "$SCRATCH/trace")" -ge 1
check "the record names who presented shares" test \
    "$(jq -c '[.body.shares_presented[] | [.share, .custodian]]' \
    "$D/log/000002.json")" = '[[3,"Erin E"],[2,"Dave D"]]'
check "the log verifies" "$BIN/ca-log" verify -d "$D"
FP=$(openssl x509 -in "$D/ca.pem" -outform DER | sha256sum | cut -c1-64)
check "the audit passes" "$BIN/ca-audit" -d "$D" --anchor "$FP" \
    --expect-head "$("$BIN/ca-log" verify -d "$D" |
    sed -n 's/^head: *sha256://p')"
expect_status 0 "any two: Carol's and Erin's issue a CRL" \
    "$BIN/ca-crl" issue -d "$D" --pin-source "shares:$S1,$S3"

# At the ceremony, custodians type their shares, with echo off, in
# groups and in capitals as they read them off paper.
typed() { tail -1 "$1" | tr a-z A-Z | sed 's/-/ - /g'; }
printf 'Share 1 of 2\t%s\nShare 2 of 2\t%s\n' "$(typed "$S2")" \
    "$(typed "$S1")" >"$SCRATCH/pty-plan"
check "shares typed at the terminal open the token" /usr/bin/python3 \
    "$TOP/tests/ptydrive.py" "$SCRATCH/pty-plan" "$SCRATCH/pty.out" -- \
    "$BIN/ca-crl" issue -d "$D"
check "and the record names Dave and Carol" test "$(jq -c \
    '[.body.shares_presented[] | .custodian]' "$D/log/000004.json")" = \
    '["Dave D","Carol C"]'
check "no share was echoed" lacks -i "$(tail -1 "$S2" | cut -d- -f5)" \
    "$SCRATCH/pty.out"
printf 'Share 1 of 2\t%s\nShare 2 of 2\t%s\n' "$(typed "$S2")" \
    "$(typed "$S2")" >"$SCRATCH/pty-plan"
check "the same share typed twice is refused (exit 2)" status_is 2 \
    /usr/bin/python3 "$TOP/tests/ptydrive.py" "$SCRATCH/pty-plan" \
    "$SCRATCH/pty.out" -- "$BIN/ca-crl" issue -d "$D"
check "and says so" grep -q "given twice" "$SCRATCH/pty.out"

# A re-split: Erin leaves, Frank and Gina join; 2 of 3 again, among the
# custodians of the ceremony open for it.
T=$SCRATCH/new-shares
records() { ls "$D/log" | wc -l; }
expect_status 1 "a re-split outside a ceremony is refused" \
    "$BIN/ca-ceremony" resplit -d "$D" --custodians 3 --threshold 2 \
    --shares-out "$T" --pin-source "shares:$S1,$S2"
check "and says to open one" grep -q "open one whose roster" "$SCRATCH/err"
"$BIN/ca-ceremony" open -d "$D" --id resplit-1 --purpose "custodian change" \
    --script "$SCRATCH/script.txt" --approval T-2 --location lab \
    --person "witness:Bob B" --person "custodian:Carol C" \
    --person "custodian:Frank F" --person "custodian:Gina G" \
    --pin-source "shares:$S1,$S2" >/dev/null
n_before=$(records)
expect_status 2 "four shares for three custodians are refused" \
    "$BIN/ca-ceremony" resplit -d "$D" --custodians 4 --threshold 2 \
    --shares-out "$T" --pin-source "shares:$S1,$S2"
check "and nothing was written" test ! -e "$T" -a "$(records)" -eq "$n_before"
expect_status 1 "a --shares-out with no folder to go in is refused" \
    "$BIN/ca-ceremony" resplit -d "$D" --custodians 3 --threshold 2 \
    --shares-out "$SCRATCH/nowhere/shares" --pin-source "shares:/dev/null"
want="there is no folder \"$SCRATCH/nowhere\" to make it in; give a new"
check "...before any share is read" grep -q "$want folder for the shares" \
    "$SCRATCH/err"
check "...and nothing was written" test "$(records)" -eq "$n_before"
# An interrupted run is told of first, even with the shares folder taken:
# that run's shares may be all that opens the token now.
mkdir "$SCRATCH/taken-shares"
: >"$D/journal.json"
expect_status 1 "a re-split where a run was interrupted" \
    "$BIN/ca-ceremony" resplit -d "$D" --custodians 3 --threshold 2 \
    --shares-out "$SCRATCH/taken-shares" --pin-source "shares:/dev/null"
check "...says to recover first" grep -q "run \"ca-log recover -d" \
    "$SCRATCH/err"
rm "$D/journal.json"
expect_status 0 "the re-split" "$BIN/ca-ceremony" resplit -d "$D" \
    --custodians 3 --threshold 2 --shares-out "$T" \
    --pin-source "shares:$S3,$S1"
RR=$D/log/$(ls "$D/log" | tail -1)
check "its record is a resplit naming the new custodians" test "$(jq -c \
    '[.body.op, .body.params.threshold, [.body.activation.shares[] |
    .custodian], [.body.shares_presented[] | .custodian]]' "$RR")" = \
    '["resplit",2,["Carol C","Frank F","Gina G"],["Erin E","Carol C"]]'
check "three new share files" test "$(find "$T" -type f -perm 0600 |
    wc -l)" -eq 3
check "a new split id" test "$(jq -r .body.activation.split "$RR")" != \
    "$(jq -r .body.activation.split "$R1")"
n_before=$(records)
pin_of "$SCRATCH/pin-new" "$T/01-Carol_C.share" "$T/03-Gina_G.share"
check "the new shares hold the PIN that opens the token" \
    "$TOP/tests/bin/p11attrs" "$MODULE" mofn "$SCRATCH/pin-new"
check "  a new PIN: the old shares' PIN no longer opens it" \
    status_is 3 "$TOP/tests/bin/p11attrs" "$MODULE" mofn "$SCRATCH/pin-13"
: >"$SCRATCH/trace"
KC_FAULT_TRACE=$SCRATCH/trace expect_status 8 \
    "the old shares no longer open it" "$BIN/ca-ceremony" \
    attest -d "$D" --by "Bob B" --statement x \
    --pin-source "shares:$S1,$S2"
check "  refused before the token was asked: no C_Login" \
    test "$(logins "$SCRATCH/trace")" -eq 0
expect_status 0 "Frank's and Gina's new shares do" "$BIN/ca-ceremony" seal \
    -d "$D" --pin-source "shares:$T/02-Frank_F.share,$T/03-Gina_G.share"
check "the seal names them" test "$(jq -c \
    '[.body.shares_presented[] | .custodian]' \
    "$D/log/$(ls "$D/log" | tail -1)")" = '["Frank F","Gina G"]'
check "the log verifies after the re-split" "$BIN/ca-log" verify -d "$D"
check "the audit passes" "$BIN/ca-audit" -d "$D" --anchor "$FP"

finish
