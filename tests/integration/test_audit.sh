#!/bin/sh
# ca-audit on a real CA directory after several ceremonies, untouched and
# then with each kind of tampering applied to a copy: each must be caught
# with its own finding, and the untouched directory must pass.
. "$(dirname "$0")/../lib.sh"

PROFILES=$TOP/profiles
for t in root ot it other; do
	new_token "$t"
done
PINFILE=$SCRATCH/pin-root
PS="--pin-source file:$PINFILE"
R=$SCRATCH/root

# --- several ceremonies ----------------------------------------------------
expect_status 0 "root CA" "$BIN/ca-init" --ceremony "$PLAN" -d "$R" --token pkcs11:token=root \
    $PS --subject "CN=Plant Root CA 1,O=Example Manufacturing,C=DE" \
    --operator "Alice" --witness "Bob"
for s in ot it; do
	expect_status 0 "$s: request" "$BIN/ca-init" --ceremony "$PLAN" --sub -d "$SCRATCH/$s" \
	    --token "pkcs11:token=$s" $PS --subject "CN=$s Issuing CA,O=Example"
	check "$s: its request ceremony sealed" seal "$SCRATCH/$s" "$PINFILE"
done
expect_status 0 "ot: signed" "$BIN/ca-sign-sub" -d "$R" \
    --csr "$SCRATCH/ot/ca.csr" --profile "$PROFILES/ot-issuing-sl2.json" $PS
expect_status 0 "it: signed" "$BIN/ca-sign-sub" -d "$R" \
    --csr "$SCRATCH/it/ca.csr" --profile "$PROFILES/it-issuing.json" \
    --out "$SCRATCH/it.pem" $PS
expect_status 0 "crl 1" "$BIN/ca-crl" issue -d "$R" $PS
OTSERIAL=$(jq -r .body.certificate.serial "$R/log/000002.json")
expect_status 0 "revoke the OT CA" "$BIN/ca-crl" revoke -d "$R" \
    --serial "$OTSERIAL" --reason superseded $PS
expect_status 0 "crl 2" "$BIN/ca-crl" issue -d "$R" $PS
check "the root's ceremony sealed" seal "$R" "$PINFILE"
expect_status 0 "another CA" "$BIN/ca-init" --ceremony "$PLAN" -d "$SCRATCH/other" \
    --token pkcs11:token=other $PS --subject "CN=Other Root"
expect_status 0 "another CA signs too" "$BIN/ca-sign-sub" \
    -d "$SCRATCH/other" --csr "$SCRATCH/it/ca.csr" \
    --profile "$PROFILES/it-issuing.json" $PS
check "the other CA's ceremony sealed" seal "$SCRATCH/other" "$PINFILE"
FP=$(openssl x509 -in "$R/ca.pem" -outform DER | sha256sum | cut -c1-64)
N=$(find "$R/log" -name '*.json' | wc -l)
HEAD=$(cd "$SCRATCH" && "$BIN/ca-log" verify -d "$R" | sed -n 's/^head: *sha256://p')
check "the log has $N records and a head" test "$N" -eq 7 -a -n "$HEAD"

audit() {
	"$BIN/ca-audit" --json --anchor "$FP" --expect-head "$HEAD" "$@" \
	    >"$SCRATCH/audit.json" 2>"$SCRATCH/audit.err"
}

# --- untouched: it passes --------------------------------------------------
audit -d "$R"
check "untouched: exit 0" test $? -eq 0
check "untouched: passed, no warnings or errors" test "$(jq -r \
    '[.passed, ([.findings[] | select(.severity != "info")] | length)] | @tsv' \
    "$SCRATCH/audit.json")" = "$(printf 'true\t0')"
check "untouched: state re-derived from the log" test "$(jq -r \
    '[.state.issued, .state.revoked, .state.crl_number, .log.records, .log.head_check] | @tsv' \
    "$SCRATCH/audit.json")" = "$(printf '2\t1\t2\t7\tmatched')"
check "untouched: seven posture scores" test "$(jq '.posture | length' \
    "$SCRATCH/audit.json")" -eq 7
"$BIN/ca-audit" -d "$R" --anchor "$FP" --expect-head "$HEAD" >"$SCRATCH/text"
check "text report says PASS" grep -qx "result: *PASS" "$SCRATCH/text"
expect_status 0 "ot: installed" "$BIN/ca-init" --install \
    "$R/issued/$(jq -r .body.certificate.serial "$R/log/000002.json").pem" \
    --chain "$R/ca.pem" -d "$SCRATCH/ot" $PS
"$BIN/ca-audit" --json --anchor "$FP" -d "$SCRATCH/ot" >"$SCRATCH/audit.json"
check "the installed OT CA passes against the root's anchor" test $? -eq 0

# tamper NAME CHECK SEQ COMMAND: on a fresh copy, COMMAND (run in the copy)
# must lead to a finding CHECK at record SEQ (0: any), and exit 1.
tamper() {
	t_name=$1
	t_check=$2
	t_seq=$3
	shift 3
	rm -rf "$SCRATCH/t"
	cp -a "$R" "$SCRATCH/t"
	(cd "$SCRATCH/t" && sh -c "$1")
	audit -d "$SCRATCH/t"
	t_rc=$?
	if [ "$t_rc" -eq 1 ] && jq -e --arg c "$t_check" --argjson s "$t_seq" \
	    '[.findings[] | select(.check == $c and ($s == 0 or .seq == $s) and .severity != "info")] | length > 0' \
	    "$SCRATCH/audit.json" >/dev/null; then
		ok "$t_name: found ($t_check at record $t_seq)"
	else
		not_ok "$t_name: wanted $t_check at record $t_seq (exit $t_rc)"
		jq -c '.findings[]' "$SCRATCH/audit.json" | sed 's/^/#   /'
		sed 's/^/#   /' "$SCRATCH/audit.err"
	fi
}

tamper "one byte changed in a body" signature 1 \
    "sed -i 's/\"operator\":\"Alice\"/\"operator\":\"Alicf\"/' log/000001.json"
tamper "a signature changed" signature 2 \
    "jq -cS '.sigs[0].sig |= (.[0:10] + (if .[10:11] == \"A\" then \"B\" else \"A\" end) + .[11:])' log/000002.json >x && mv x log/000002.json"
tamper "a signature removed" signature 3 \
    "jq -cS '.sigs = []' log/000003.json >x && mv x log/000003.json"
tamper "a record deleted in the middle" log-gap 3 "rm log/000003.json"
tamper "two records swapped" log-seq 3 \
    "mv log/000003.json x && mv log/000004.json log/000003.json && mv x log/000004.json"
tamper "a record duplicated" log-seq 8 "cp log/000006.json log/000008.json"
tamper "a record spliced in from another CA's log" signature 8 \
    "cp '$SCRATCH/other/log/000002.json' log/000008.json"
tamper "a record from another log: its log id" log-id 8 \
    "cp '$SCRATCH/other/log/000002.json' log/000008.json"
tamper "a body re-serialised with spaces" record 4 \
    "jq . log/000004.json >x && mv x log/000004.json"
tamper "a body with its keys reordered" record 4 \
    "jq -c '{sigs: .sigs, body: .body}' log/000004.json >x && mv x log/000004.json"
tamper "a duplicate key" record 2 \
    "sed -i 's/{\"body\":{/{\"body\":{\"op\":\"x\",/' log/000002.json"
tamper "a float in a body" record 2 \
    "sed -i 's/\"seq\":2,/\"seq\":2.0,/' log/000002.json"
tamper "an issued certificate replaced" artifact 2 \
    "cp '$SCRATCH/it.pem' issued/$OTSERIAL.pem"
tamper "an issued certificate removed" artifact 2 "rm issued/$OTSERIAL.pem"
tamper "the CRL replaced" artifact 6 "cp crl/1.der crl/2.der"
tamper "the revocation index emptied" index 5 ": >revoked.idx"
tamper "an unrecorded certificate planted" unrecorded 0 \
    "cp '$SCRATCH/it.pem' issued/0abc.pem"
tamper "a stray file in log/" log-file 0 "touch log/notes.txt"

# Cut off at the end: only the head on paper tells.
rm -rf "$SCRATCH/t"
cp -a "$R" "$SCRATCH/t"
rm "$SCRATCH/t/log/000007.json"
"$BIN/ca-audit" --json --anchor "$FP" -d "$SCRATCH/t" >"$SCRATCH/audit.json"
check "cut off, no --expect-head: no error, only the note that it cannot tell" \
    jq -e '[.findings[] | select(.severity == "error")] | length == 0' \
    "$SCRATCH/audit.json"
audit -d "$SCRATCH/t"
check "cut off, with --expect-head: exit 1" test $? -eq 1
check "cut off, with --expect-head: a head finding" jq -e \
    '[.findings[] | select(.check == "head" and .severity == "error")] | length == 1' \
    "$SCRATCH/audit.json"

# The anchor is what ties the CA to paper.
"$BIN/ca-audit" --json -d "$R" --expect-head "$HEAD" >"$SCRATCH/audit.json"
check "no anchor: the audit cannot pass" test $? -eq 1
check "no anchor: says so" jq -e \
    '[.findings[] | select(.check == "anchor")] | length == 1' \
    "$SCRATCH/audit.json"
OTHERFP=$(openssl x509 -in "$SCRATCH/other/ca.pem" -outform DER | sha256sum |
    cut -c1-64)
"$BIN/ca-audit" --json -d "$R" --anchor "$OTHERFP" >"$SCRATCH/audit.json"
check "another root's anchor: exit 1" test $? -eq 1
# Revoked, and never published.
ITSERIAL=$(jq -r .body.certificate.serial "$SCRATCH/other/log/000002.json")
expect_status 0 "the other CA revokes, and issues no CRL" "$BIN/ca-crl" \
    revoke -d "$SCRATCH/other" --serial "$ITSERIAL" --reason superseded $PS
"$BIN/ca-audit" --json -d "$SCRATCH/other" --anchor "$OTHERFP" \
    >"$SCRATCH/audit.json"
check "revoked with no CRL ever issued: crl-stale" jq -e \
    '[.findings[] | select(.check == "crl-stale")] | length == 1' \
    "$SCRATCH/audit.json"
expect_status 2 "not a CA directory: exit 2" "$BIN/ca-audit" -d "$SCRATCH" \
    --anchor "$FP"

# The binaries: --version prints each one's SHA-256, the records name it,
# and --binary holds them to the hashes an auditor rebuilt.
bad=0
for b in "$BIN"/*; do
	[ "$("$b" --version | sed -n 's/^sha256 //p')" = \
	    "$(sha256sum <"$b" | cut -c1-64)" ] || bad=$((bad + 1))
done
check "--version prints the SHA-256 of each binary" test "$bad" -eq 0
BINS=""
for b in "$BIN"/*; do
	BINS="$BINS --binary $(sha256sum <"$b" | cut -c1-64)"
done
"$BIN/ca-audit" --json -d "$SCRATCH/other" --anchor "$OTHERFP" $BINS \
    >"$SCRATCH/audit.json"
check "every record made by a binary given: no binary finding" jq -e \
    '[.findings[] | select(.check == "binary")] | length == 0' \
    "$SCRATCH/audit.json"
"$BIN/ca-audit" --json -d "$SCRATCH/other" --anchor "$OTHERFP" \
    --binary "$(sha256sum <"$BIN/ca-init" | cut -c1-64)" \
    >"$SCRATCH/audit.json"
check "only ca-init's hash: every record by another binary is an error" \
    jq -e --arg n "$(ls "$SCRATCH/other/log" | wc -l)" '[.findings[] |
    select(.check == "binary" and .severity == "error")] | length ==
    ($n | tonumber) - 1' "$SCRATCH/audit.json"
jq -r '.body.env.tool.name' "$SCRATCH"/other/log/*.json | sort | uniq -c \
    >"$SCRATCH/tools"
check "...and ca-init made exactly one record there" test \
    "$(awk '$2 == "ca-init" { print $1 }' "$SCRATCH/tools")" = 1
expect_status 2 "a --binary that is no SHA-256" "$BIN/ca-audit" -d "$R" \
    --anchor "$FP" --binary abc

finish
