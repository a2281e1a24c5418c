#!/bin/sh
# The root key generation script, driven end to end through a pseudo-
# terminal as custodians would run it: every confirmation and every PIN
# typed at its prompt, one deviation on the way.
. "$(dirname "$0")/../lib.sh"

new_token pty
T=$(printf '\t')
# The PIN is typed only at "User PIN:", when echo is off.
cat >"$SCRATCH/plan" <<EOF2
or "deviate":${T}yes
or "deviate":${T}yes
or "deviate":${T}yes
User PIN:${T}123456
User PIN:${T}123456
or "deviate":${T}deviate
What differs${T}Fingerprint read by Dave, not Carol
Why?${T}Carol stepped out
Who on the roster${T}Ann
User PIN:${T}123456
or "deviate":${T}yes
User PIN:${T}123456
or "deviate":${T}yes
or "deviate":${T}yes
User PIN:${T}123456
EOF2
KC_BIN=$BIN /usr/bin/python3 "$TOP/tests/ptydrive.py" "$SCRATCH/plan" \
    "$SCRATCH/transcript" -- sh "$TOP/ceremony-scripts/root-keygen.sh" \
    --dir "$SCRATCH/root" --token pkcs11:token=pty \
    --subject "CN=PTY Root CA,O=Example" --id ROOT-PTY --approval PA-9 \
    --location "Vault A" --person administrator:Ann --person witness:Bob \
    --person custodian:Carol --person custodian:Dave --person auditor:Eve
rc=$?
check "the script ran to its end on a terminal" test "$rc" -eq 0
[ "$rc" -eq 0 ] || tail -n 25 "$SCRATCH/transcript" | sed 's/^/#   /'
check "the PIN never appeared on the terminal" lacks 123456 \
    "$SCRATCH/transcript"
check "the steps name who acts" grep -q "Step 3  \[custodian: Carol\]" \
    "$SCRATCH/transcript"
check "the fingerprint was shown as words" grep -q "  words:  " \
    "$SCRATCH/transcript"
L=$SCRATCH/root/log
ops=$(cat "$L"/*.json | jq -r .body.op | tr '\n' ' ')
check "the log: keys (opening the ceremony), attestations, the deviation, the seal" \
    test "$ops" = "init-root ceremony-attest ceremony-deviation ceremony-attest ceremony-seal "
check "the roster, every role" test "$(cat "$L"/*.json | jq -r \
    'select(.body.ceremony_open) | .body.ceremony_open.roster[].role' |
    sort -u | tr '\n' ' ')" = "administrator auditor custodian witness "
check "the script's own hash is the one recorded" test "$(cat "$L"/*.json |
    jq -r 'select(.body.ceremony_open) | .body.ceremony_open.script.sha256')" = \
    "$(sha256sum "$TOP/ceremony-scripts/root-keygen.sh" | cut -c1-64)"
HEAD=$("$BIN/ca-log" verify -d "$SCRATCH/root" | sed -n 's/^head: *sha256://p')
check "the head shown at the seal is the log's" grep -q "sha256:$HEAD" \
    "$SCRATCH/transcript"
FP=$(openssl x509 -in "$SCRATCH/root/ca.pem" -outform DER | sha256sum |
    cut -c1-64)
check "ca-audit passes" "$BIN/ca-audit" -d "$SCRATCH/root" --anchor "$FP" \
    --expect-head "$HEAD"

finish
