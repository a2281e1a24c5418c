#!/bin/bash
# make demo: rehearse the ceremonies of a plant PKI on scratch SoftHSM2
# tokens under ./demo (a root, an OT issuing CA under the SL3 profile, an
# IT issuing CA, a revocation and CRLs), show what was made, and verify it
# the way an auditor would.
# A rehearsal only: the PIN sits in a file, which a real ceremony never does.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
BIN=$TOP/bin
DEMO=${KC_DEMO_DIR:-$TOP/demo}
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

# plan ID PURPOSE FILE: a ceremony plan, for a CA's key generation.
plan() {
	"$BIN/ca-ceremony" plan --out "$3" --id "$1" --purpose "$2" \
	    --script "$DEMO/script.txt" --approval 'PKI-PA-2026-01' \
	    --location 'Vault B (rehearsal)' --person 'administrator:Ann Admin' \
	    --person 'witness:Bob Witness' --person 'custodian:Alice Custodian' \
	    --person 'custodian:Dave Custodian' --person 'auditor:Carol Auditor' \
	    --hsm-model SoftHSM2 --bag TEB-100234 --laptop LAP-DEMO |
	    sed 's/^/    /'
}

step "ca-ceremony plan: the ceremony the keys are made in (roster, script, equipment)"
printf 'Key ceremony script, v1 (rehearsal)\n' >"$DEMO/script.txt"
plan ROOT-2026-1 'Root CA key generation and first issuing CAs' \
    "$DEMO/root-plan.json"

step "ca-init: the root CA and its log-signing key, made on the token in that ceremony"
"$BIN/ca-init" -d "$DEMO/plant-root" --token 'pkcs11:token=demo-root' \
    --ceremony "$DEMO/root-plan.json" --custodians 2 \
    --pin-source "file:$DEMO/pin" \
    --subject 'CN=Demo Plant Root CA 1,O=Example Manufacturing,C=DE' \
    --operator 'Alice Custodian' --witness 'Bob Witness' \
    --witness 'Carol Auditor' | tee "$DEMO/ca-init.out" | sed 's/^/    /'
fp=$(sed -n 's/^sha256:\([0-9a-f]\{64\}\)$/\1/p' "$DEMO/ca-init.out" | head -n 1)
"$BIN/ca-ceremony" attest -d "$DEMO/plant-root" --by 'Bob Witness' \
    --statement 'The fingerprint was read aloud and matched the screen' \
    --pin-source "file:$DEMO/pin" | sed 's/^/    /'

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
jq '.body | {seq, time, op, ceremony, operator, witnesses, prev,
    roster: .ceremony_open.roster,
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

step "Two more tokens, for the OT and the IT issuing CAs"
for t in demo-ot demo-it; do
	softhsm2-util --init-token --free --label "$t" --so-pin 87654321 \
	    --pin 123456 | sed 's/^/    /'
done
PS="--pin-source file:$DEMO/pin"

step "OT issuing CA: its keys and request, on its own token, in a ceremony of its own"
plan OT-REQ-1 'OT issuing CA key generation' "$DEMO/ot-plan.json"
"$BIN/ca-init" --sub -d "$DEMO/ot-ca" --token 'pkcs11:token=demo-ot' $PS \
    --ceremony "$DEMO/ot-plan.json" \
    --subject 'CN=Line 4 OT Issuing CA,O=Example Manufacturing,C=DE' \
    --operator 'Dave Custodian' --witness 'Bob Witness' | sed 's/^/    /'
"$BIN/ca-ceremony" seal -d "$DEMO/ot-ca" $PS | sed 's/^/    /'

step "At the root: sign it under the SL3 profile (warnings name what stacks reject)"
"$BIN/ca-sign-sub" -d "$DEMO/plant-root" --csr "$DEMO/ot-ca/ca.csr" \
    --profile "$TOP/profiles/ot-issuing-sl3.json" --out "$DEMO/ot-ca.pem" \
    $PS --operator 'Alice Custodian' --witness 'Bob Witness' 2>&1 |
    sed 's/^/    /'

step "Back at the OT CA: install the certificate"
"$BIN/ca-init" --install "$DEMO/ot-ca.pem" --chain "$DEMO/plant-root/ca.pem" \
    -d "$DEMO/ot-ca" $PS | sed 's/^/    /'

step "IT issuing CA: request, signing at the root, installing"
plan IT-REQ-1 'IT issuing CA key generation' "$DEMO/it-plan.json" >/dev/null
"$BIN/ca-init" --sub -d "$DEMO/it-ca" --token 'pkcs11:token=demo-it' $PS \
    --ceremony "$DEMO/it-plan.json" --algorithm p256 \
    --subject 'CN=IT Issuing CA,O=Example Manufacturing,C=DE' \
    --operator 'Alice Custodian' --witness 'Bob Witness' >/dev/null
"$BIN/ca-ceremony" seal -d "$DEMO/it-ca" $PS >/dev/null
"$BIN/ca-sign-sub" -d "$DEMO/plant-root" --csr "$DEMO/it-ca/ca.csr" \
    --profile "$TOP/profiles/it-issuing.json" --out "$DEMO/it-ca.pem" $PS \
    --operator 'Alice Custodian' --witness 'Bob Witness' 2>&1 | sed 's/^/    /'
"$BIN/ca-init" --install "$DEMO/it-ca.pem" --chain "$DEMO/plant-root/ca.pem" \
    -d "$DEMO/it-ca" $PS | sed 's/^/    /'

step "The root ceremony is sealed: the head, as words to read aloud"
"$BIN/ca-ceremony" attest -d "$DEMO/plant-root" --by 'Carol Auditor' \
    --statement 'Both issuing CA requests were compared by hash' \
    --pin-source "file:$DEMO/pin" >/dev/null
"$BIN/ca-ceremony" seal -d "$DEMO/plant-root" --pin-source "file:$DEMO/pin" |
    sed 's/^/    /'

step "A line controller CA is retired: signed earlier, now revoked"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:secp384r1 -nodes \
    -keyout "$DEMO/line5.key" -subj '/CN=Line 5 OT Issuing CA/O=Example Manufacturing' \
    -out "$DEMO/line5.csr" 2>/dev/null
"$BIN/ca-sign-sub" -d "$DEMO/plant-root" --csr "$DEMO/line5.csr" \
    --profile "$TOP/profiles/ot-issuing-sl3.json" --out "$DEMO/line5.pem" \
    $PS >/dev/null 2>&1
serial=$(openssl x509 -in "$DEMO/line5.pem" -noout -serial | cut -d= -f2)
"$BIN/ca-crl" revoke -d "$DEMO/plant-root" --serial "$serial" \
    --reason cessationOfOperation $PS --operator 'Alice Custodian' \
    --witness 'Bob Witness' | sed 's/^/    /'

step "CRLs: the root's, exported to carry into the OT zone, and each issuing CA's"
# --idp scope: the form OpenSSL's -crl_check_all takes for a root (ca-crl(1)).
"$BIN/ca-crl" issue -d "$DEMO/plant-root" --idp scope \
    --out "$DEMO/root-crl-export" $PS \
    --operator 'Alice Custodian' --witness 'Bob Witness' | sed 's/^/    /'
for c in ot-ca it-ca; do
	"$BIN/ca-crl" issue -d "$DEMO/$c" $PS >/dev/null
done
"$BIN/ca-crl" status -d "$DEMO/root-crl-export" | sed 's/^/    /'
(cd "$DEMO/root-crl-export" && sha256sum -c SHA256SUMS) | sed 's/^/    /'
echo "    openssl verify -crl_check_all of the retired CA (it must fail):"
# It must fail for the one reason: error 23, X509_V_ERR_CERT_REVOKED.
if openssl verify -crl_check_all -CRLfile "$DEMO/root-crl-export/crl.pem" \
    -CAfile "$DEMO/plant-root/ca.pem" "$DEMO/line5.pem" \
    >"$DEMO/verify-line5.txt" 2>&1; then
	echo "demo: the revoked CA still verifies against the exported CRL" >&2
	exit 1
fi
sed 's/^/      /' "$DEMO/verify-line5.txt"
if ! grep -q '^error 23 at 0 depth lookup: certificate revoked$' \
    "$DEMO/verify-line5.txt"; then
	echo "demo: the revoked CA was rejected, but not as revoked" >&2
	exit 1
fi

step "ca-audit: every directory, against the root's fingerprint and the heads on paper"
for c in plant-root ot-ca it-ca; do
	head=$("$BIN/ca-log" verify -d "$DEMO/$c" | sed -n 's/^head: *sha256://p')
	"$BIN/ca-audit" -d "$DEMO/$c" --anchor "sha256:$fp" \
	    --expect-head "$head" --html "$DEMO/audit-$c.html" >"$DEMO/audit-$c.txt"
	echo "    $c: $(sed -n 's/^result: *//p' "$DEMO/audit-$c.txt")," \
	    "report $DEMO/audit-$c.html"
done

step "Done. Everything is under $DEMO (remove it with: rm -rf demo)"
