#!/bin/sh
# ca-ceremony: a witnessed ceremony in a CA directory's log: open with a
# roster and equipment, attestations, a deviation, records carrying the
# ceremony id, and the seal with the head as PGP words.
. "$(dirname "$0")/../lib.sh"

new_token root
PINFILE=$SCRATCH/pin-root
PS="--pin-source file:$PINFILE"
R=$SCRATCH/root
records() { find "$R/log" -name '[0-9]*.json' | wc -l; }

expect_status 0 "a root CA" "$BIN/ca-init" -d "$R" --token pkcs11:token=root \
    $PS --subject "CN=Plant Root CA 1,O=Example"
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
check "no witness: nothing recorded" test "$(records)" -eq 1
expect_status 0 "open, with the roster" open_ceremony administrator:Ann \
    witness:Bob custodian:Carol custodian:Dave auditor:Eve
expect_status 6 "a second open while one is open" open_ceremony witness:Bob \
    custodian:Carol
OREC=$R/log/000002.json
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
    '.body.ceremony' "$R"/log/00000[2-7].json | sort -u)" = CRL-2026-11
check "the attestations name who, in which role" test "$(jq -c \
    'select(.body.op == "ceremony-attest") | [.body.attestation.by, .body.attestation.role]' \
    "$R"/log/*.json | tr '\n' ' ')" = '["Bob","witness"] ["Carol","custodian"] '
check "the deviation names its approver" test "$(jq -r \
    'select(.body.op == "ceremony-deviation") | .body.deviation.approved_by' \
    "$R"/log/*.json)" = Ann
SREC=$R/log/000007.json
check "the seal: six records, and the head before it" test "$(jq -r \
    '.body.ceremony_seal | "\(.records) \(.opened_in) \(.head_before)"' \
    "$SREC")" = "6 2 $(jq -jcS .body "$R/log/000006.json" | sha256sum | cut -c1-64)"
HEAD=$("$BIN/ca-log" verify -d "$R" | sed -n 's/^head: *sha256://p')
check "the seal prints the head as hex" grep -qx "sha256:$HEAD" \
    "$SCRATCH/seal.out"
check "and as 32 PGP words" test "$(tail -n 1 "$SCRATCH/seal.out" | wc -w)" \
    -eq 32
expect_status 0 "after the seal, a CRL" "$BIN/ca-crl" issue -d "$R" $PS
check "records after the seal carry no ceremony id" test "$(jq -r \
    '.body.ceremony // "none"' "$R/log/000008.json")" = none
expect_status 1 "attest after the seal" "$BIN/ca-ceremony" attest -d "$R" \
    --by Bob --statement late $PS
expect_status 1 "seal twice" "$BIN/ca-ceremony" seal -d "$R" $PS
FP=$(openssl x509 -in "$R/ca.pem" -outform DER | sha256sum | cut -c1-64)
check "ca-audit passes on the ceremony's log" "$BIN/ca-audit" -d "$R" \
    --anchor "$FP"

finish
