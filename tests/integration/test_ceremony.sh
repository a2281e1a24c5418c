#!/bin/sh
# ca-ceremony: a witnessed ceremony in a CA directory's log: the plan a
# new CA's keys are made under, open with a roster and equipment,
# attestations, a deviation, records carrying the ceremony id, the seal with
# the head as PGP words, an abort, and a subordinate's ceremonies before its
# certificate exists.
. "$(dirname "$0")/../lib.sh"

new_token root
PINFILE=$SCRATCH/pin-root
PS="--pin-source file:$PINFILE"
R=$SCRATCH/root
records() { find "$R/log" -name '[0-9]*.json' | wc -l; }

# --- the plan: a new CA has no log to open a ceremony in ----------------
expect_status 2 "plan without --out" "$BIN/ca-ceremony" plan --id X \
    --purpose p --script "$PLAN" --approval A --location L \
    --person witness:W --person custodian:C
expect_status 2 "plan takes no -d" "$BIN/ca-ceremony" plan -d "$R" \
    --out "$SCRATCH/p.json" --id X --purpose p --script "$PLAN" \
    --approval A --location L --person witness:W --person custodian:C
expect_status 2 "plan: one person, one role" "$BIN/ca-ceremony" plan \
    --out "$SCRATCH/p.json" --id X --purpose p --script "$PLAN" \
    --approval A --location L --person witness:W --person custodian:W
check "refused plans: nothing written" test ! -e "$SCRATCH/p.json"
expect_status 6 "plan: an existing file is kept" "$BIN/ca-ceremony" plan \
    --out "$PLAN" --id X --purpose p --script "$PLAN" --approval A \
    --location L --person witness:W --person custodian:C
check "the plan is the canonical object the record will hold" test \
    "$(jq -cS . "$PLAN")" = "$(cat "$PLAN")"

expect_status 0 "a root CA, its keys made in the planned ceremony" \
    "$BIN/ca-init" --ceremony "$PLAN" --custodians 2 -d "$R" \
    --token pkcs11:token=root $PS --subject "CN=Plant Root CA 1,O=Example"
check "record 1 opens the planned ceremony" test "$(jq -c \
    '[.body.op, .body.ceremony, .body.ceremony_open == $plan]' \
    --argjson plan "$(cat "$PLAN")" "$R/log/000001.json")" = \
    '["init-root","test-ceremony",true]'
expect_status 1 "only the plan's roster may attest" "$BIN/ca-ceremony" attest \
    -d "$R" --by Bob --statement "fingerprint matched" $PS
expect_status 0 "the plan's witness attests" "$BIN/ca-ceremony" attest \
    -d "$R" --by "Bob Witness" --statement "fingerprint matched" $PS
expect_status 0 "the key generation ceremony sealed" "$BIN/ca-ceremony" seal \
    -d "$R" $PS
check "its seal counts three records" test "$(jq -r \
    '.body.ceremony_seal.records' "$R/log/000003.json")" -eq 3
printf 'Step 1. ...\nStep 2. ...\n' >"$SCRATCH/crl-refresh.txt"

# open_ceremony PERSON...: ca-ceremony open with these people.
open_ceremony() {
	oc_p=""
	for oc_x in "$@"; do
		oc_p="$oc_p --person '$oc_x'"
	done
	eval "\"$BIN/ca-ceremony\" open -d \"$R\" --id CRL-2026-11 \
	    --purpose 'CRL refresh, November 2026' \
	    --script \"$SCRATCH/crl-refresh.txt\" --approval PKI-PA-2026-17 \
	    --location 'Vault B, room 2' --hsm-model SoftHSM2 \
	    --hsm-serial HSM-0001 --token-serial 0000 --bag TEB-100234 \
	    --bag TEB-100235 --laptop LAP-7 $oc_p $PS"
}
expect_status 2 "a roster without a witness" open_ceremony custodian:Carol
check "no witness: nothing recorded" test "$(records)" -eq 3
expect_status 0 "open, with the roster" open_ceremony administrator:Ann \
    witness:Bob custodian:Carol custodian:Dave auditor:Eve
expect_status 6 "a second open while one is open" open_ceremony witness:Bob \
    custodian:Carol
OREC=$R/log/000004.json
check "open: the roster, every role" test "$(jq -c \
    '[.body.ceremony_open.roster[].role]' "$OREC")" = \
    '["administrator","witness","custodian","custodian","auditor"]'
check "open: the script's hash and the approval" test "$(jq -r \
    '.body.ceremony_open.script | .sha256 + " " + .approval' "$OREC")" = \
    "$(sha256sum "$SCRATCH/crl-refresh.txt" | cut -c1-64) PKI-PA-2026-17"
check "open: the equipment, bag numbers as typed" test "$(jq -c \
    '.body.ceremony_open.equipment.bags' "$OREC")" = \
    '["TEB-100234","TEB-100235"]'

expect_status 0 "Bob attests" "$BIN/ca-ceremony" attest -d "$R" --by Bob \
    --statement "The room is secured and the cameras are running" $PS
expect_status 1 "someone not on the roster cannot attest" \
    "$BIN/ca-ceremony" attest -d "$R" --by Mallory --statement "all fine" $PS
check "the stranger: the message names the roster" grep -q roster \
    "$SCRATCH/err"
expect_status 0 "a deviation, approved by Ann" "$BIN/ca-ceremony" deviation \
    -d "$R" --what "Step 4 skipped" --why "printer jammed" \
    --approved-by Ann $PS
expect_status 0 "a CRL within the ceremony" "$BIN/ca-crl" issue -d "$R" $PS
expect_status 0 "Carol attests the fingerprint" "$BIN/ca-ceremony" attest \
    -d "$R" --by Carol --statement "The fingerprint was read aloud and matched" \
    $PS
FP0=$(openssl x509 -in "$R/ca.pem" -outform DER | sha256sum | cut -c1-64)
"$BIN/ca-audit" --json -d "$R" --anchor "$FP0" >"$SCRATCH/open-audit.json"
check "ca-audit while the ceremony is open: exit 1" test $? -eq 1
check "ca-audit: the unsealed ceremony is the finding" jq -e \
    '[.findings[] | select(.severity != "info") | .check] == ["ceremony"]' \
    "$SCRATCH/open-audit.json"
expect_status 0 "seal" "$BIN/ca-ceremony" seal -d "$R" $PS
cp "$SCRATCH/out" "$SCRATCH/seal.out"
check "every record from open to seal carries the id" test "$(jq -r \
    '.body.ceremony' "$R"/log/00000[4-9].json | sort -u)" = CRL-2026-11
check "the attestations name who, in which role" test "$(jq -c \
    'select(.body.op == "ceremony-attest") | [.body.attestation.by, .body.attestation.role]' \
    "$R"/log/*.json | tr '\n' ' ')" = \
    '["Bob Witness","witness"] ["Bob","witness"] ["Carol","custodian"] '
check "the deviation names its approver" test "$(jq -r \
    'select(.body.op == "ceremony-deviation") | .body.deviation.approved_by' \
    "$R"/log/*.json)" = Ann
SREC=$R/log/000009.json
check "the seal: six records, and the head before it" test "$(jq -r \
    '.body.ceremony_seal | "\(.records) \(.opened_in) \(.head_before)"' \
    "$SREC")" = "6 4 $(jq -jcS .body "$R/log/000008.json" | sha256sum | cut -c1-64)"
HEAD=$("$BIN/ca-log" verify -d "$R" | sed -n 's/^head: *sha256://p')
check "the seal prints the head as hex" grep -qx "sha256:$HEAD" \
    "$SCRATCH/seal.out"
# Decoded back, word by word, with the table read from lib/words.c
# (which check_words pins): even positions from the two-syllable list,
# odd from the three-syllable one.
tail -n 1 "$SCRATCH/seal.out" >"$SCRATCH/words"
check "and as 32 PGP words that decode back to the head" test "$($PY - \
    "$TOP/lib/words.c" "$SCRATCH/words" <<'PYEOF'
import re, sys
pairs = re.findall(r'\{ "([^"]+)",\s*"([^"]+)"\s*\},\s*/\* ([0-9a-f]{2}) \*/',
                   open(sys.argv[1]).read())
assert len(pairs) == 256
even = {e.lower(): int(b, 16) for e, _, b in pairs}
odd = {o.lower(): int(b, 16) for _, o, b in pairs}
words = open(sys.argv[2]).read().split()
print(len(words), bytes((odd if i % 2 else even)[w.lower()]
                        for i, w in enumerate(words)).hex())
PYEOF
)" = "32 $HEAD"
expect_status 0 "after the seal, a CRL" "$BIN/ca-crl" issue -d "$R" $PS
check "records after the seal carry no ceremony id" test "$(jq -r \
    '.body.ceremony // "none"' "$R/log/000010.json")" = none
expect_status 1 "attest after the seal" "$BIN/ca-ceremony" attest -d "$R" \
    --by Bob --statement late $PS
expect_status 1 "seal twice" "$BIN/ca-ceremony" seal -d "$R" $PS
FP=$(openssl x509 -in "$R/ca.pem" -outform DER | sha256sum | cut -c1-64)
check "ca-audit passes on the ceremony's log" "$BIN/ca-audit" -d "$R" \
    --anchor "$FP"

# --- a ceremony that cannot go on is aborted, and the next can open ------
expect_status 0 "open again" open_ceremony witness:Bob custodian:Carol
expect_status 2 "abort needs why" "$BIN/ca-ceremony" abort -d "$R" --by Bob $PS
expect_status 1 "abort by someone not on the roster" "$BIN/ca-ceremony" \
    abort -d "$R" --by Mallory --why "power cut" $PS
expect_status 0 "abort" "$BIN/ca-ceremony" abort -d "$R" --by Carol \
    --why "power cut in the vault" $PS
ABORT=$(ls "$R"/log/*.json | tail -n 1)
check "the abort names why and who, in which role" test "$(jq -c \
    '[.body.op, .body.ceremony, .body.ceremony_abort.why, .body.ceremony_abort.role]' \
    "$ABORT")" = '["ceremony-abort","CRL-2026-11","power cut in the vault","custodian"]'
expect_status 1 "nothing left to seal" "$BIN/ca-ceremony" seal -d "$R" $PS
"$BIN/ca-audit" --json -d "$R" --anchor "$FP" >"$SCRATCH/abort-audit.json"
check "ca-audit passes after an abort, and notes it" jq -e \
    '.passed and ([.findings[] | select(.check == "ceremony") | .severity] == ["info"])' \
    "$SCRATCH/abort-audit.json"

# --- a subordinate's ceremonies, before its certificate exists -----------
new_token sub
S=$SCRATCH/sub
expect_status 0 "a subordinate's keys, in the planned ceremony" "$BIN/ca-init" \
    --sub --ceremony "$PLAN" -d "$S" --token pkcs11:token=sub $PS \
    --subject "CN=OT Issuing CA,O=Example"
expect_status 0 "attest in the pending subordinate" "$BIN/ca-ceremony" attest \
    -d "$S" --by "Bob Witness" --statement "request hash read aloud" $PS
expect_status 0 "seal in the pending subordinate" "$BIN/ca-ceremony" seal \
    -d "$S" $PS
expect_status 0 "the installation's own ceremony opens before it" \
    "$BIN/ca-ceremony" open -d "$S" --id INSTALL-1 --purpose install \
    --script "$SCRATCH/crl-refresh.txt" --approval A-2 --location lab \
    --person witness:Bob --person custodian:Carol $PS
expect_status 1 "other CA commands wait for the install" "$BIN/ca-crl" \
    issue -d "$S" $PS
check "and say so" grep -q "ca-init --install" "$SCRATCH/err"
expect_status 0 "sign it at the root" "$BIN/ca-sign-sub" -d "$R" \
    --csr "$S/ca.csr" --profile "$TOP/profiles/ot-issuing-sl2.json" \
    --out "$SCRATCH/sub.pem" $PS
expect_status 0 "install it" "$BIN/ca-init" --install "$SCRATCH/sub.pem" \
    --chain "$R/ca.pem" -d "$S" $PS
check "the install record is in the installation's ceremony" test "$(jq -r \
    '.body.ceremony' "$S/log/000005.json")" = INSTALL-1
expect_status 0 "seal the installation" "$BIN/ca-ceremony" seal -d "$S" $PS
check "ca-audit passes on the subordinate" "$BIN/ca-audit" -d "$S" \
    --anchor "$FP"
sed -i 's/read aloud/read ALOUD/' "$S/log/000002.json"
expect_status 8 "a changed record in the subordinate's log is found" \
    "$BIN/ca-log" verify -d "$S"
check "  at record 2" grep -q "000002.json" "$SCRATCH/err"

finish
