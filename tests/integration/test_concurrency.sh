#!/bin/sh
# Two commands on one CA directory at once: the second fails at once with
# a clear message and writes nothing; the first finishes; the directory
# audits clean; and many commands racing leave a log that verifies.
. "$(dirname "$0")/../lib.sh"

new_token root
new_token sub
PINFILE=$SCRATCH/pin-root
PS="--pin-source file:$PINFILE"
R=$SCRATCH/root
records() { find "$R/log" -name '[0-9]*.json' | wc -l; }

expect_status 0 "a root CA" "$BIN/ca-init" --ceremony "$PLAN" -d "$R" \
    --token pkcs11:token=root $PS --subject "CN=Busy Root"
check "its ceremony sealed" seal "$R" "$PINFILE"
expect_status 0 "a subordinate's request" "$BIN/ca-init" --ceremony "$PLAN" \
    --sub -d "$SCRATCH/sub" --token pkcs11:token=sub $PS --subject "CN=Sub"
check "its ceremony sealed" seal "$SCRATCH/sub" "$PINFILE"
FP=$(openssl x509 -in "$R/ca.pem" -outform DER | sha256sum | cut -c1-64)

# The first command holds the directory while it waits for its PIN, which
# comes through a FIFO (opened read-write, so that opening it does not
# block) only when the test writes it.
mkfifo "$SCRATCH/pinfifo"
"$BIN/ca-crl" issue -d "$R" --pin-source fd:3 3<>"$SCRATCH/pinfifo" \
    >"$SCRATCH/first.out" 2>&1 &
first=$!
# It holds the lock, then blocks reading its PIN: wait for both.
check "the first command holds the CA directory's lock" wait_locked "$R/.lock"
check "  and waits for its PIN" wait_reading "$first" 3
N=$(records)

# second DESCRIPTION COMMAND...: must fail with status 7 within 5 s.
second() {
	_d=$1
	shift
	_t0=$(date +%s)
	timeout 5 "$@" >"$SCRATCH/out" 2>"$SCRATCH/err"
	_rc=$?
	_t1=$(date +%s)
	if [ "$_rc" -eq 7 ] && [ $((_t1 - _t0)) -le 2 ] &&
	    [ "$(wc -l <"$SCRATCH/err")" -eq 1 ] &&
	    grep -q "in use by another process" "$SCRATCH/err"; then
		ok "$_d: refused at once (exit 7, one line)"
	else
		not_ok "$_d: exit $_rc after $((_t1 - _t0)) s"
		sed 's/^/#   /' "$SCRATCH/err"
	fi
}
second "a second CRL" "$BIN/ca-crl" issue -d "$R" $PS
second "a revocation" "$BIN/ca-crl" revoke -d "$R" --serial 01 \
    --reason superseded $PS
second "a signing" "$BIN/ca-sign-sub" -d "$R" --csr "$SCRATCH/sub/ca.csr" \
    --profile "$TOP/profiles/it-issuing.json" --out "$SCRATCH/sub.pem" $PS
second "a ceremony" "$BIN/ca-ceremony" open -d "$R" --id X --purpose p \
    --script "$PLAN" --approval A --location L --person witness:W \
    --person custodian:C $PS
check "the refused commands wrote nothing" test "$(records)" -eq "$N" -a \
    ! -e "$SCRATCH/sub.pem"
check "the first is still waiting" kill -0 "$first"
if kill -0 "$first" 2>/dev/null; then
	cat "$PINFILE" >"$SCRATCH/pinfifo"
else
	sed 's/^/#   /' "$SCRATCH/first.out"
fi
wait "$first"
check "the first finishes" test $? -eq 0
check "  with its record" test "$(records)" -eq $((N + 1))
check "the directory audits clean" "$BIN/ca-audit" -d "$R" --anchor "$FP"

# A race: six commands started together, each succeeds or is refused.
N=$(records)
pids=
for k in 1 2 3 4 5 6; do
	"$BIN/ca-crl" issue -d "$R" $PS >"$SCRATCH/race$k.out" \
	    2>"$SCRATCH/race$k.err" &
	pids="$pids $!"
done
won=0 lost=0 other=0
for p in $pids; do
	wait "$p"
	case $? in
	0) won=$((won + 1)) ;;
	7) lost=$((lost + 1)) ;;
	*) other=$((other + 1)) ;;
	esac
done
check "the race: each won or was refused ($won won, $lost refused)" \
    test "$other" -eq 0 -a "$won" -ge 1 -a $((won + lost)) -eq 6
check "  one record per winner" test "$(records)" -eq $((N + won))
check "  CRL numbers distinct and rising" test "$(cat "$R"/log/*.json |
    jq -s '[.[] | .body.crl.number // empty] | . == (unique | sort)')" = true
check "  the log verifies" "$BIN/ca-log" verify -d "$R" --anchor "$FP"
check "  the directory audits clean" "$BIN/ca-audit" -d "$R" --anchor "$FP"

finish
