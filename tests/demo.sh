#!/bin/bash
# make demo: rehearse a root CA ceremony on a scratch SoftHSM2 token under
# ./demo, show what was made, and verify it the way an auditor would.
# A rehearsal only: the PIN sits in a file, which a real ceremony never does.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
BIN=$TOP/bin
DEMO=$TOP/demo
MODULE=/usr/lib/softhsm/libsofthsm2.so

step() { printf '\n==> %s\n' "$*"; }

rm -rf "$DEMO"
mkdir -p "$DEMO/tokens"
cat >"$DEMO/softhsm2.conf" <<CONF
directories.tokendir = $DEMO/tokens
objectstore.backend = file
log.level = ERROR
slots.removable = false
CONF
export SOFTHSM2_CONF="$DEMO/softhsm2.conf"

step "A scratch SoftHSM2 token \"demo-root\" (SOFTHSM2_CONF=$SOFTHSM2_CONF)"
softhsm2-util --init-token --free --label demo-root --so-pin 87654321 \
    --pin 123456 | sed 's/^/    /'
umask 077
printf '123456\n' >"$DEMO/pin"

step "ca-init: the root CA and its log-signing key, made on the token"
"$BIN/ca-init" -d "$DEMO/plant-root" --token 'pkcs11:token=demo-root' \
    --pin-source "file:$DEMO/pin" \
    --subject 'CN=Demo Plant Root CA 1,O=Example Manufacturing,C=DE' \
    --operator 'Alice Custodian' --witness 'Bob Witness' \
    --witness 'Carol Auditor' | tee "$DEMO/ca-init.out" | sed 's/^/    /'
fp=$(sed -n 's/^sha256:\([0-9a-f]\{64\}\)$/\1/p' "$DEMO/ca-init.out" | head -n 1)

step "The CA directory"
(cd "$DEMO/plant-root" && find . -type f | sort | xargs ls -l) | sed 's/^/    /'

step "The root certificate"
openssl x509 -in "$DEMO/plant-root/ca.pem" -noout -subject -serial -dates \
    -ext basicConstraints,keyUsage,subjectKeyIdentifier | sed 's/^/    /'

step "The keys on the token: sensitive, never extractable, sign only"
"$TOP/tests/bin/p11attrs" "$MODULE" demo-root "$DEMO/pin" |
    jq -c '.[] | select(.class == "private") | {"label": .label, sensitive,
    always_sensitive, never_extractable, extractable, sign, decrypt, unwrap,
    derive}' | sed 's/^/    /'

step "The record of the ceremony (log/000001.json), abridged"
jq '.body | {seq, time, op, operator, witnesses, prev,
    keys: [.keys[] | {role, "label": .label, spki_sha256, attributes: (.attributes |
    {sensitive, never_extractable, extractable, local, decrypt})}],
    outputs, result}' "$DEMO/plant-root/log/000001.json" | sed 's/^/    /'

step "Verify: openssl accepts the root and the log signer"
openssl verify -x509_strict -check_ss_sig -CAfile "$DEMO/plant-root/ca.pem" \
    "$DEMO/plant-root/ca.pem" "$DEMO/plant-root/log-signer.pem" | sed 's/^/    /'

step "Verify: ca-log against the fingerprint on the paper script"
"$BIN/ca-log" verify -d "$DEMO/plant-root" --anchor "sha256:$fp" | sed 's/^/    /'

step "Verify: the auditor's jq + openssl recipe from ca-transcript(5)"
sed -n '/^\.\\" recipe-begin/,/^\.\\" recipe-end/p' "$TOP/man/ca-transcript.5" |
    sed '1,2d;$d' | sed '$d' >"$DEMO/recipe.sh"
got=$(cd "$DEMO" && DIR="$DEMO/plant-root" R="$DEMO/plant-root/log/000001.json" \
    sh "$DEMO/recipe.sh")
if [ "$got" != "$fp" ]; then
	echo "demo: the recipe printed $got, not the fingerprint $fp" >&2
	exit 1
fi
echo "    record 000001 verifies; fingerprint $got"

step "Done. Everything is under $DEMO (remove it with: rm -rf demo)"
