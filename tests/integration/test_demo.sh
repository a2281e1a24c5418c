#!/bin/sh
# make demo, as a test: the rehearsal runs through without a question, and
# what it leaves audits clean.
. "$(dirname "$0")/../lib.sh"

D=$SCRATCH/demo
KC_DEMO_DIR=$D bash "$TOP/tests/demo.sh" </dev/null >"$SCRATCH/demo.out" 2>&1
rc=$?
check "the demo runs to the end" test "$rc" -eq 0
[ "$rc" -eq 0 ] || tail -n 20 "$SCRATCH/demo.out" | sed 's/^/#   /'
FP=$(openssl x509 -in "$D/plant-root/ca.pem" -outform DER | sha256sum |
    cut -c1-64)
for c in plant-root ot-ca it-ca; do
	check "$c: ca-audit passes" "$BIN/ca-audit" -d "$D/$c" --anchor "$FP"
	check "$c: an HTML report" test -s "$D/audit-$c.html"
done
ops=$(cat "$D"/plant-root/log/*.json | jq -r .body.op | sort | uniq -c |
    awk '{printf "%s=%s ", $2, $1}')
check "the root's log: init in a ceremony, three signings, a revocation, a CRL" \
    test "$ops" = "ceremony-attest=2 ceremony-seal=1 crl-issue=1 init-root=1 revoke=1 sign-sub=3 "
check "the ceremony's roster holds every role" test "$(cat \
    "$D"/plant-root/log/*.json | jq -r \
    'select(.body.ceremony_open) | .body.ceremony_open.roster[].role' |
    sort -u | tr '\n' ' ')" = "administrator auditor custodian witness "
check "the seal covers the root ceremony" test "$(cat \
    "$D"/plant-root/log/*.json | jq -r \
    'select(.body.op == "ceremony-seal") | .body.ceremony_seal.records')" = 6
for c in ot-ca it-ca; do
	check "$c: its keys were made in a ceremony, sealed" test "$(jq -r \
	    '[.body.op, .body.ceremony] | join(" ")' "$D/$c/log/000001.json" \
	    "$D/$c/log/000002.json" | tr '\n' ' ')" = \
	    "init-sub $(echo "$c" | cut -c1-2 | tr a-z A-Z)-REQ-1 ceremony-seal $(echo "$c" | cut -c1-2 | tr a-z A-Z)-REQ-1 "
done
check "the OT CA is under the SL3 profile" test "$(jq -r \
    'select((.body.certificate.subject // "") | startswith("CN=Line 4")) | .body.iec62443.security_level' \
    "$D"/plant-root/log/*.json)" = 3
check "the export carries the CRL and its sums" sh -c \
    "cd '$D/root-crl-export' && sha256sum -c --quiet SHA256SUMS"

finish
