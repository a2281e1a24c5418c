#!/bin/sh
# ceremony-scripts/: the root key generation, an OT issuing CA in its three
# phases (request, sign, install), an IT issuing CA's request signed and
# then revoked, and CRL refreshes at the root and at the OT CA, all from
# answers files, under sh and bash; checked by parsing the logs with jq and
# by ca-audit against the root's fingerprint.
. "$(dirname "$0")/../lib.sh"

S=$TOP/ceremony-scripts
export KC_BIN=$BIN
for t in root ot it other split split2 scratch; do
	new_token "$t"
done
PS="--pin-source file:$SCRATCH/pin-root"
printf '87654321\n' >"$SCRATCH/so-pin"
chmod 600 "$SCRATCH/so-pin"
ROSTER="--person administrator:Ann --person witness:Bob
    --person custodian:Carol --person auditor:Eve"
COMMON="--approval PKI-PA-2026-17 --location Vault_B $ROSTER"

# answers NAME N: a file of N "yes" lines.
answers() {
	: >"$SCRATCH/$1"
	i=0
	while [ "$i" -lt "$2" ]; do
		echo yes >>"$SCRATCH/$1"
		i=$((i + 1))
	done
}
# run SHELL SCRIPT ARGS...: a ceremony script; its output goes to
# $SCRATCH/run.out.
run() {
	_sh=$1
	_s=$2
	shift 2
	"$_sh" "$S/$_s" "$@" >"$SCRATCH/run.out" 2>&1
}
# recs DIR: every record of DIR's log.
recs() { cat "$1"/log/[0-9]*.json; }
# has_pair DIR ID: the log holds the record that opened ceremony ID (a
# ceremony-open, or the CA's first record when its keys were made in it)
# and its seal.
has_pair() {
	test "$(recs "$1" | jq -r --arg id "$2" \
	    'select(.body.ceremony == $id) |
	    if .body.ceremony_open then "open" else .body.op end' |
	    grep -c '^open$\|^ceremony-seal$')" -eq 2
}
# roles DIR ID: the roster's roles at ID's open.
roles() {
	recs "$1" | jq -c --arg id "$2" 'select(.body.ceremony == $id and
	    .body.ceremony_open) | [.body.ceremony_open.roster[].role]'
}
# attests DIR ID: how many attestations ID holds.
attests() {
	recs "$1" | jq -r --arg id "$2" 'select(.body.ceremony == $id and
	    .body.op == "ceremony-attest") | .body.attestation.statement' |
	    wc -l
}
ROLES='["administrator","witness","custodian","auditor"]'

# The root, by root-keygen.sh.
answers a-root 6
check "root-keygen.sh (sh)" run sh root-keygen.sh --dir "$SCRATCH/root" \
    --token pkcs11:token=root --subject "CN=Plant Root CA 1,O=Example,C=DE" \
    --id ROOT-2026-1 $COMMON --answers "$SCRATCH/a-root" $PS
FP=$(sed -n 's/^sha256:\([0-9a-f]\{64\}\)$/\1/p' "$SCRATCH/run.out" | head -n 1)
check "the root's fingerprint was printed" test "${#FP}" -eq 64

# The OT issuing CA: request on its own token, with a deviation noted
# before anything is open.
printf 'yes\ndeviate\nBag TEB-1 replaced by TEB-2\nthe bag tore\nAnn\nyes\nyes\nyes\nyes\n' \
    >"$SCRATCH/a-req"
check "issuing-ca.sh --phase request (sh)" run sh issuing-ca.sh \
    --phase request --dir "$SCRATCH/ot-ca" --token pkcs11:token=ot \
    --subject "CN=Line 4 OT Issuing CA,O=Example,C=DE" --id OT-REQ-1 \
    $COMMON --answers "$SCRATCH/a-req" --pin-source "file:$SCRATCH/pin-ot"
CSRSUM=$(sha256sum "$SCRATCH/ot-ca/ca.csr" | cut -c1-64)
check "request: the CSR's SHA-256 shown as words" grep -q \
    "words:  $("$BIN/ca-ceremony" words "$CSRSUM")" "$SCRATCH/run.out"
check "request: the deviation noted before the keys is in the OT CA's log" \
    test "$(recs "$SCRATCH/ot-ca" | jq -r 'select(.body.op ==
    "ceremony-deviation") | [.body.ceremony, .body.deviation.what,
    .body.deviation.approved_by] | join("|")')" = \
    "OT-REQ-1|Bag TEB-1 replaced by TEB-2|Ann"

# At the root: a deviation before the ceremony is open, recorded at open.
printf 'deviate\nRoom check by Eve\nAnn ill\nBob\nyes\nyes\nyes\nyes\nyes\nyes\nyes\n' \
    >"$SCRATCH/a-sign"
check "issuing-ca.sh --phase sign (bash), SL3 profile" run bash issuing-ca.sh \
    --phase sign --root "$SCRATCH/root" --csr "$SCRATCH/ot-ca/ca.csr" \
    --csr-sha256 "sha256:$CSRSUM" --profile "$TOP/profiles/ot-issuing-sl3.json" \
    --out "$SCRATCH/ot-ca.pem" --id OT-SIGN-1 $COMMON \
    --answers "$SCRATCH/a-sign" $PS
answers a-bad 7
expect_status 1 "sign: a CSR hash that is not the paper's is refused" \
    sh "$S/issuing-ca.sh" --phase sign --root "$SCRATCH/root" \
    --csr "$SCRATCH/ot-ca/ca.csr" --csr-sha256 "$FP" \
    --profile "$TOP/profiles/ot-issuing-sl3.json" \
    --out "$SCRATCH/bad.pem" --id OT-SIGN-X $COMMON \
    --answers "$SCRATCH/a-bad" $PS
check "  and nothing was signed" test ! -e "$SCRATCH/bad.pem"
# That refusal left OT-SIGN-X open at the root; an auditor seals it.
check "  the refused ceremony is sealed by hand" "$BIN/ca-ceremony" seal \
    -d "$SCRATCH/root" $PS

answers a-inst 7
check "issuing-ca.sh --phase install (sh)" run sh issuing-ca.sh \
    --phase install --dir "$SCRATCH/ot-ca" --cert "$SCRATCH/ot-ca.pem" \
    --chain "$SCRATCH/root/ca.pem" --root-fingerprint "$FP" --id OT-INST-1 \
    $COMMON --answers "$SCRATCH/a-inst" --pin-source "file:$SCRATCH/pin-ot"
check "install: the root fingerprint shown as words" grep -q \
    "words:  $("$BIN/ca-ceremony" words "$FP")" "$SCRATCH/run.out"

# An IT issuing CA, requested and signed (under the IT profile) only to be
# revoked at the CRL refresh below.
answers a-req2 5
check "issuing-ca.sh --phase request, IT (bash)" run bash issuing-ca.sh \
    --phase request --dir "$SCRATCH/it-ca" --token pkcs11:token=it \
    --algorithm p256 --subject "CN=IT Issuing CA,O=Example,C=DE" \
    --id IT-REQ-1 $COMMON --answers "$SCRATCH/a-req2" \
    --pin-source "file:$SCRATCH/pin-it"
answers a-sign2 7
check "issuing-ca.sh --phase sign, IT profile (sh)" run sh issuing-ca.sh \
    --phase sign --root "$SCRATCH/root" --csr "$SCRATCH/it-ca/ca.csr" \
    --profile "$TOP/profiles/it-issuing.json" --out "$SCRATCH/it-ca.pem" \
    --id IT-SIGN-1 $COMMON --answers "$SCRATCH/a-sign2" $PS
ITSER=$(sed -n 's/^  serial: *//p' "$SCRATCH/run.out")

answers a-crl 9
check "crl-refresh.sh at the root, revoking the IT CA (sh)" run sh \
    crl-refresh.sh --dir "$SCRATCH/root" --out "$SCRATCH/root-crl" \
    --revoke "$ITSER:cessationOfOperation" --idp scope --id CRL-ROOT-1 \
    $COMMON --answers "$SCRATCH/a-crl" $PS
check "crl: the export's manifest was checked" grep -qx 'crl.der: OK' \
    "$SCRATCH/run.out"
check "crl: the root's log records the revocation" test "$(recs \
    "$SCRATCH/root" | jq -r 'select(.body.op == "revoke") | .body.ceremony')" \
    = CRL-ROOT-1
answers a-crl2 8
check "crl-refresh.sh at the OT CA (bash)" run bash crl-refresh.sh \
    --dir "$SCRATCH/ot-ca" --out "$SCRATCH/ot-crl" --id CRL-OT-1 $COMMON \
    --answers "$SCRATCH/a-crl2" --pin-source "file:$SCRATCH/pin-ot"
check "crl: the OT export's status passes" "$BIN/ca-crl" status \
    -d "$SCRATCH/ot-crl"

# Another plant's root, cross-certified by ours: its fingerprint came on
# paper; a wrong one is refused before anything is signed.
check "the other plant's root" "$BIN/ca-init" --ceremony "$PLAN" -d "$SCRATCH/other" \
    --token pkcs11:token=other --subject "CN=Plant B Root CA,O=Example B,C=DE" \
    --pin-source "file:$SCRATCH/pin-other"
OFP=$(
    sed -e '/^-----/d' "$SCRATCH/other/ca.pem" | base64 -d | sha256sum |
    cut -c1-64)
answers a-xbad 3
expect_status 1 "cross: a fingerprint that is not the paper's is refused" \
    sh "$S/cross-certification.sh" --root "$SCRATCH/root" \
    --cross "$SCRATCH/other/ca.pem" --other-fingerprint "$FP" \
    --profile "$TOP/profiles/cross-certificate.json" \
    --out "$SCRATCH/bad-cross.pem" --id CROSS-X $COMMON \
    --answers "$SCRATCH/a-xbad" $PS
check "  and nothing was signed" test ! -e "$SCRATCH/bad-cross.pem"
check "  the refused ceremony is sealed by hand" "$BIN/ca-ceremony" seal \
    -d "$SCRATCH/root" $PS
answers a-cross 7
check "cross-certification.sh (bash)" run bash cross-certification.sh \
    --root "$SCRATCH/root" --cross "$SCRATCH/other/ca.pem" \
    --other-fingerprint "$(echo "$OFP" | tr a-f A-F | sed 's/..../&:/g;s/:$//')" \
    --profile "$TOP/profiles/cross-certificate.json" \
    --out "$SCRATCH/cross.pem" --id CROSS-2026-1 $COMMON \
    --answers "$SCRATCH/a-cross" $PS
check "cross: the other root's fingerprint shown as words" grep -q \
    "words:  $("$BIN/ca-ceremony" words "$OFP")" "$SCRATCH/run.out"
check "cross: the cross-certify record is inside the ceremony" test "$(recs \
    "$SCRATCH/root" | jq -r 'select(.body.op == "cross-certify") |
    .body.ceremony')" = CROSS-2026-1

for c in root:ROOT-2026-1 root:OT-SIGN-1 root:IT-SIGN-1 root:CRL-ROOT-1 \
    root:CROSS-2026-1 ot-ca:OT-REQ-1 ot-ca:OT-INST-1 ot-ca:CRL-OT-1 \
    it-ca:IT-REQ-1; do
	d=$SCRATCH/${c%%:*}
	id=${c#*:}
	check "$id: opened and sealed in ${c%%:*}" has_pair "$d" "$id"
	check "$id: the roster's roles" test "$(roles "$d" "$id")" = "$ROLES"
	check "$id: attestations recorded" test "$(attests "$d" "$id")" -ge 2
done
check "OT-REQ-1 was opened by the OT CA's key generation" test "$(jq -r \
    '[.body.op, .body.ceremony] | join(" ")' "$SCRATCH/ot-ca/log/000001.json")" \
    = "init-sub OT-REQ-1"
check "OT-INST-1 holds the installation" test "$(recs "$SCRATCH/ot-ca" |
    jq -r 'select(.body.op == "install-sub") | .body.ceremony')" = OT-INST-1
check "OT-SIGN-1: the deviation, approved by Bob" test "$(recs \
    "$SCRATCH/root" | jq -r 'select(.body.op == "ceremony-deviation") |
    [.body.ceremony, .body.deviation.what, .body.deviation.approved_by] |
    join("|")')" = "OT-SIGN-1|Room check by Eve|Bob"
check "OT-SIGN-1: the sign-sub record is inside the ceremony" test "$(recs \
    "$SCRATCH/root" | jq -r 'select(.body.op == "sign-sub") | .body.ceremony' |
    head -n 1)" = OT-SIGN-1
check "OT-SIGN-1: the witness attested the CSR hash" test "$(recs \
    "$SCRATCH/root" | jq -r 'select(.body.ceremony == "OT-SIGN-1") |
    .body.attestation.statement // empty' | grep -c "$CSRSUM")" -eq 1

check "ca-audit passes for the root" "$BIN/ca-audit" -d "$SCRATCH/root" \
    --anchor "$FP"
check "ca-audit passes for the OT issuing CA" "$BIN/ca-audit" \
    -d "$SCRATCH/ot-ca" --anchor "$FP"

# A root whose PIN is split 2 of 3: one step more, to hand out shares;
# the attestations and the seal are then opened by two of them.
answers a-split 7
jq '. + {key_backup: true}' "$TOP/profiles/root.json" >"$SCRATCH/kb.json"
check "root-keygen.sh --threshold 2 --backup-capable (sh)" run sh \
    root-keygen.sh --backup-capable --profile "$SCRATCH/kb.json" \
    --dir "$SCRATCH/split" --token pkcs11:token=split \
    --subject "CN=Split Root" --id ROOT-SPLIT-1 --approval PKI-PA-2026-18 \
    --location Vault_B --person administrator:Ann --person witness:Bob \
    --person custodian:Carol --person custodian:Dan --person custodian:Fay \
    --custodians 3 --threshold 2 --shares-out "$SCRATCH/split-shares" \
    --answers "$SCRATCH/a-split" --pin-source "file:$SCRATCH/pin-split"
check "three share files" test "$(ls "$SCRATCH/split-shares" | wc -l)" -eq 3
check "its first record splits the PIN 2 of 3" test "$(jq -c \
    '[.body.activation.threshold, (.body.activation.shares | length)]' \
    "$SCRATCH/split/log/000001.json")" = '[2,3]'
check "the seal was opened by Carol's and Dan's shares" test "$(recs \
    "$SCRATCH/split" | jq -c 'select(.body.op == "ceremony-seal") |
    [.body.shares_presented[].custodian]')" = '["Carol","Dan"]'
check "ROOT-SPLIT-1 opened and sealed" has_pair "$SCRATCH/split" ROOT-SPLIT-1

# Its keys backed up, with the wrapping key made in the same ceremony,
# then restored into a new token once the old one is gone.
SPLIT_PIN="shares:$SCRATCH/split-shares/01-Carol.share,$SCRATCH/split-shares/02-Dan.share"
answers a-bk 9
check "key-backup.sh --make-wrap-key (sh)" run sh key-backup.sh \
    --dir "$SCRATCH/split" --out "$SCRATCH/bk" \
    --scratch-token pkcs11:token=scratch \
    --scratch-pin-source "file:$SCRATCH/pin-scratch" --make-wrap-key \
    --custodians 3 --threshold 2 --shares-out "$SCRATCH/wk" \
    --so-pin-source "file:$SCRATCH/so-pin" --id BACKUP-1 \
    --approval PKI-PA-2026-19 --location Vault_B \
    --person administrator:Ann --person witness:Bob \
    --person custodian:Carol --person custodian:Dan --person custodian:Fay \
    --answers "$SCRATCH/a-bk" --pin-source "$SPLIT_PIN"
check "BACKUP-1: the wrapping key and the backup are recorded in it" test \
    "$(recs "$SCRATCH/split" | jq -r 'select(.body.ceremony == "BACKUP-1")
    | .body.op' | grep -c -e backup-wrap-key -e key-backup)" -eq 2
check "BACKUP-1 opened and sealed" has_pair "$SCRATCH/split" BACKUP-1
softhsm2-util --delete-token --token split >/dev/null
answers a-rs 7
check "key-restore.sh into a new token (sh)" run sh key-restore.sh \
    --dir "$SCRATCH/split" --from "$SCRATCH/bk" --token pkcs11:token=split2 \
    --pin-shares "$SPLIT_PIN" \
    --wrap-shares "shares:$SCRATCH/wk/02-Dan.share,$SCRATCH/wk/03-Fay.share" \
    --id RESTORE-1 --approval PKI-PA-2026-20 --location Vault_B \
    --person administrator:Ann --person witness:Bob \
    --person custodian:Carol --person custodian:Dan --person custodian:Fay \
    --answers "$SCRATCH/a-rs" --pin-source "file:$SCRATCH/pin-split2"
check "the restore set the CA's split PIN on the new token" test "$(recs \
    "$SCRATCH/split" | jq -r 'select(.body.op == "key-restore") |
    .body.key_restore.pin')" = "set from the custodians' shares"
check "RESTORE-1 opened and sealed in the restored log" has_pair \
    "$SCRATCH/split" RESTORE-1
SFP=$(openssl x509 -in "$SCRATCH/split/ca.pem" -outform DER | sha256sum |
    cut -c1-64)
check "ca-audit passes for the restored root" "$BIN/ca-audit" \
    -d "$SCRATCH/split" --anchor "$SFP"
finish
