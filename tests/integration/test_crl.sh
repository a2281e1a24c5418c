#!/bin/sh
# ca-crl on a root with two issuing CAs, each on its own SoftHSM token:
# revocation, CRLs checked by parsing and by five verifier stacks, CRL
# numbers, status under a moved clock, export, and bad input.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/interop.sh"

PROFILES=$TOP/profiles
LEAFSIGN=$TOP/tests/bin/leafsign

for t in root ot it; do
	new_token "$t"
done
PINFILE=$SCRATCH/pin-root
PS="--pin-source file:$PINFILE"
R=$SCRATCH/root

records() { find "$1/log" -name '[0-9]*.json' | wc -l; }
# state DIR: what a refused command must leave as it was.
state() {
	(cd "$1" && find . -type f ! -name .lock | sort | xargs sha256sum)
}
# crlinfo FILE: the CRL's fields as JSON, parsed by python3-cryptography.
crlinfo() {
	$PY - "$1" <<'PYEOF'
import json, sys
from cryptography import x509
from cryptography.x509.oid import ExtensionOID as E
from cryptography.x509.oid import CRLEntryExtensionOID as CE
crl = x509.load_der_x509_crl(open(sys.argv[1], "rb").read())
ext = {e.oid.dotted_string: e for e in crl.extensions}
idp = ext.get(E.ISSUING_DISTRIBUTION_POINT.dotted_string)
aki = ext.get(E.AUTHORITY_KEY_IDENTIFIER.dotted_string)
out = {
    "number": crl.extensions.get_extension_for_oid(E.CRL_NUMBER).value.crl_number,
    "this_update": crl.last_update.strftime("%Y-%m-%dT%H:%M:%SZ"),
    "next_update": crl.next_update.strftime("%Y-%m-%dT%H:%M:%SZ"),
    "aki": aki.value.key_identifier.hex() if aki else None,
    "idp_critical": idp.critical if idp else None,
    "only_ca": idp.value.only_contains_ca_certs if idp else None,
    "idp_uris": [g.value for g in idp.value.full_name] if idp and idp.value.full_name else [],
    "entries": [{"serial": "%0*x" % ((r.serial_number.bit_length() + 7) // 8 * 2, r.serial_number),
                 "reason": (r.extensions.get_extension_for_oid(CE.CRL_REASON).value.reason.name
                            if any(e.oid == CE.CRL_REASON for e in r.extensions) else None)}
                for r in crl],
}
print(json.dumps(out))
PYEOF
}
jq_check() {
	if [ "$(jq -r "$3" "$2" 2>/dev/null)" = true ]; then
		ok "$1"
	else
		not_ok "$1"
		echo "#   filter: $3"
		sed 's/^/#   /' "$2"
	fi
}

# --- a root, and an OT and an IT issuing CA under it --------------------
expect_status 0 "root CA" "$BIN/ca-init" --ceremony "$PLAN" -d "$R" --token pkcs11:token=root \
    $PS --subject "CN=Plant Root CA 1,O=Example Manufacturing,C=DE"
for s in ot it; do
	expect_status 0 "$s: request" "$BIN/ca-init" --ceremony "$PLAN" --sub -d "$SCRATCH/$s" \
	    --token "pkcs11:token=$s" $PS --subject "CN=$s Issuing CA,O=Example"
done
expect_status 0 "ot: signed" "$BIN/ca-sign-sub" -d "$R" \
    --csr "$SCRATCH/ot/ca.csr" --profile "$PROFILES/ot-issuing-sl2.json" \
    --out "$SCRATCH/ot.pem" $PS
expect_status 0 "it: signed" "$BIN/ca-sign-sub" -d "$R" \
    --csr "$SCRATCH/it/ca.csr" --profile "$PROFILES/it-issuing.json" \
    --out "$SCRATCH/it.pem" $PS
for s in ot it; do
	expect_status 0 "$s: installed" "$BIN/ca-init" --install \
	    "$SCRATCH/$s.pem" --chain "$R/ca.pem" -d "$SCRATCH/$s" $PS
done
OTSERIAL=$(openssl x509 -in "$SCRATCH/ot.pem" -noout -serial | cut -d= -f2 |
    tr 'A-F' 'a-f')

# --- the first CRL: empty ------------------------------------------------
expect_status 0 "issue the root's first CRL" "$BIN/ca-crl" issue -d "$R" $PS
crlinfo "$R/crl/1.der" >"$SCRATCH/crl1.json"
SKI=$(openssl x509 -in "$R/ca.pem" -noout -ext subjectKeyIdentifier |
    tail -n 1 | tr -d ' :' | tr 'A-F' 'a-f')
jq_check "CRL 1: number 1, no entries" "$SCRATCH/crl1.json" \
    '.number == 1 and .entries == []'
jq_check "CRL 1: AKI is the root's SKI" "$SCRATCH/crl1.json" \
    ".aki == \"$SKI\""
jq_check "CRL 1: critical IDP, onlyContainsCACerts" "$SCRATCH/crl1.json" \
    '.idp_critical == true and .only_ca == true'
jq_check "CRL 1: the IDP names the CDP the root puts in certificates" \
    "$SCRATCH/crl1.json" \
    "(.idp_uris | sort) == ($(jq -c '.crl_distribution_points | sort' "$PROFILES/it-issuing.json"))"
jq_check "CRL 1: nextUpdate is 12 months on" "$SCRATCH/crl1.json" \
    '((.next_update[0:4] | tonumber) - (.this_update[0:4] | tonumber)) == 1 and .next_update[4:] == .this_update[4:]'
check "CRL 1: DER and PEM are the same CRL" test \
    "$(openssl crl -in "$R/crl/1.pem" -outform DER | sha256sum)" = \
    "$(sha256sum <"$R/crl/1.der")"
check "CRL 1: the signature verifies with the root's key" \
    crl_verifies "$R/crl/1.der" "$R/ca.pem"
# The check itself must fail on a bad signature: one byte flipped near
# the end (in the signature), or in what it signs (the issuer's "M").
corrupt_copy "$R/crl/1.der" "$SCRATCH/bad-sig.der" 3
expect_status 1 "CRL 1 with a byte of its signature flipped does not verify" \
    crl_verifies "$SCRATCH/bad-sig.der" "$R/ca.pem"
corrupt_copy "$R/crl/1.der" "$SCRATCH/bad-tbs.der" "$($PY -c '
import sys; d = open(sys.argv[1], "rb").read()
print(len(d) - d.index(b"Manufacturing"))' "$R/crl/1.der")"
expect_status 1 "CRL 1 with a byte of its issuer flipped does not verify" \
    crl_verifies "$SCRATCH/bad-tbs.der" "$R/ca.pem"
expect_status 1 "CRL 1 does not verify under another CA's key" \
    crl_verifies "$R/crl/1.der" "$SCRATCH/ot.pem"
jq_check "CRL 1: recorded, with its hash" \
    "$R/log/$(printf '%06d' "$(records "$R")").json" \
    ".body.op == \"crl-issue\" and .body.crl.number == 1 and .body.crl.der.sha256 == \"$(sha256sum "$R/crl/1.der" | cut -c1-64)\""

expect_status 0 "an empty CRL without an IDP (--idp none)" "$BIN/ca-crl" issue \
    -d "$R" --idp none $PS
crlinfo "$R/crl/2.der" >"$SCRATCH/crl2e.json"
jq_check "CRL 2: no IDP at all" "$SCRATCH/crl2e.json" \
    '.number == 2 and .idp_critical == null'
expect_status 2 "an unknown --idp" "$BIN/ca-crl" issue -d "$R" --idp some $PS

# --- bad input: one line, non-zero, nothing written ------------------------
# refused STATUS DESCRIPTION ARGS...: ca-crl fails and the root is as it was.
refused() {
	_st=$1
	_d=$2
	shift 2
	before=$(state "$R")
	expect_status "$_st" "$_d" "$@"
	check "$_d: one line of error" test "$(wc -l <"$SCRATCH/err")" -eq 1
	check "$_d: nothing written" test "$(state "$R")" = "$before"
}
refused 1 "revoke an unknown serial" "$BIN/ca-crl" revoke -d "$R" \
    --serial 0123456789abcdef --reason keyCompromise $PS
refused 2 "revoke a malformed serial" "$BIN/ca-crl" revoke -d "$R" \
    --serial 12zz --reason keyCompromise $PS
refused 2 "revoke with an unknown reason" "$BIN/ca-crl" revoke -d "$R" \
    --serial "$OTSERIAL" --reason certificateHold $PS
refused 2 "an invalidity date in the future" "$BIN/ca-crl" revoke -d "$R" \
    --serial "$OTSERIAL" --reason keyCompromise \
    --invalidity-date 2099-01-01T00:00:00Z $PS
refused 1 "a nextUpdate beyond the root's notAfter" "$BIN/ca-crl" issue \
    -d "$R" --next-update 30y $PS
# A wrong --out is bad input: no CRL signed, none to copy by hand later.
mkdir "$SCRATCH/taken"
refused 6 "issue with an export folder that exists" "$BIN/ca-crl" issue \
    -d "$R" --out "$SCRATCH/taken" $PS
want="ca-crl: cannot issue the crl: \"$SCRATCH/taken\" exists; export to"
check "...said so, with what to do" grep -q "^$want a new folder" "$SCRATCH/err"
refused 1 "issue with an export folder in none" "$BIN/ca-crl" issue \
    -d "$R" --out "$SCRATCH/nowhere/export" $PS
# A name the folder takes, but not with the ".tmp-XXXXXX" of its staging.
long=$(printf '%0245d' 0)
refused 2 "issue with an export folder name too long to stage" \
    "$BIN/ca-crl" issue -d "$R" --out "$SCRATCH/$long" $PS
check "...said so" grep -q "a name of 245 characters is too long" \
    "$SCRATCH/err"
refused 1 "revoke with a clock earlier than the last record" \
    faketime '2020-01-01 00:00:00' "$BIN/ca-crl" revoke -d "$R" \
    --serial "$OTSERIAL" --reason keyCompromise $PS
check "the clock: says so" grep -q "clock" "$SCRATCH/err"
refused 1 "issue with a clock earlier than the last record" \
    faketime '2020-01-01 00:00:00' "$BIN/ca-crl" issue -d "$R" $PS

# --- revoke the OT issuing CA ----------------------------------------------
expect_status 0 "revoke the OT CA (keyCompromise)" "$BIN/ca-crl" revoke \
    -d "$R" --serial "$OTSERIAL" --reason keyCompromise \
    --invalidity-date 2026-01-01T00:00:00Z $PS
check "revoked.idx holds it" grep -q "^$OTSERIAL [0-9]\{14\}Z 1 20260101000000Z$" \
    "$R/revoked.idx"
REC=$R/log/$(printf '%06d' "$(records "$R")").json
jq_check "the revoke record names the index by hash" "$REC" \
    ".body.op == \"revoke\" and .body.revocation.serial == \"$OTSERIAL\" and .body.revocation.reason == \"keyCompromise\" and .body.index.sha256 == \"$(sha256sum "$R/revoked.idx" | cut -c1-64)\""
refused 6 "revoke it a second time" "$BIN/ca-crl" revoke -d "$R" \
    --cert "$SCRATCH/ot.pem" --reason superseded $PS
expect_status 0 "issue CRL 3" "$BIN/ca-crl" issue -d "$R" $PS \
    --out "$SCRATCH/export3"
crlinfo "$R/crl/3.der" >"$SCRATCH/crl3.json"
jq_check "CRL 3: the OT CA, keyCompromise" "$SCRATCH/crl3.json" \
    ".number == 3 and .entries == [{\"serial\": \"$OTSERIAL\", \"reason\": \"key_compromise\"}]"
expect_status 0 "issue CRL 4 (--idp none, 90 days)" "$BIN/ca-crl" issue \
    -d "$R" $PS --idp none --next-update 90d
nums=""
for n in 1 2 3 4; do
	nums="$nums $(openssl crl -inform DER -in "$R/crl/$n.der" -noout \
	    -crlnumber | cut -d= -f2)"
done
check "CRL numbers only grow: 1 2 3 4" test "$nums" = " 0x01 0x02 0x03 0x04"
check "CRL 4 keeps the revocation" test "$(crlinfo "$R/crl/4.der" |
    jq -r '.entries[0].serial')" = "$OTSERIAL"

# The index may change only in a ceremony.
cp "$R/revoked.idx" "$SCRATCH/idx.saved"
printf '' >"$R/revoked.idx"
refused 8 "an index changed outside a ceremony" "$BIN/ca-crl" issue -d "$R" \
    $PS
cp "$SCRATCH/idx.saved" "$R/revoked.idx"

# --- export --------------------------------------------------------------
E=$SCRATCH/export3
check "export: crl.der, crl.pem, ca.pem, SHA256SUMS" test \
    "$(ls "$E" | tr '\n' ' ')" = "SHA256SUMS ca.pem crl.der crl.pem "
check "export: sha256sum -c SHA256SUMS" sh -c "cd '$E' && sha256sum -c --quiet SHA256SUMS"
check "export: the CRL is number 3" test "$(crlinfo "$E/crl.der" |
    jq -r .number)" = 3
expect_status 6 "export to a folder that exists" "$BIN/ca-crl" export \
    -d "$R" --out "$E"
expect_status 0 "export the newest" "$BIN/ca-crl" export -d "$R" \
    --out "$SCRATCH/export4"
check "the newest export is CRL 4" test "$(crlinfo "$SCRATCH/export4/crl.der" |
    jq -r .number)" = 4
# A killed export leaves its staging folder: the next export to that
# folder removes it, and says so; a folder of that name that holds
# anything else is not its to remove.
mkdir "$SCRATCH/export5.tmp-Ab3xY9" "$SCRATCH/export5.tmp-Zz9zz9"
cp "$E/crl.der" "$E/ca.pem" "$SCRATCH/export5.tmp-Ab3xY9/"
: >"$SCRATCH/export5.tmp-Zz9zz9/notes.txt"
expect_status 0 "export over an earlier run's leftovers" "$BIN/ca-crl" \
    export -d "$R" --out "$SCRATCH/export5"
check "  its staging folder is gone" test ! -e "$SCRATCH/export5.tmp-Ab3xY9"
check "  with a warning naming it" grep -q \
    "^ca-crl: warning: removed \"$SCRATCH/export5.tmp-Ab3xY9\", an export" \
    "$SCRATCH/err"
check "  a folder holding something else is left" test -f \
    "$SCRATCH/export5.tmp-Zz9zz9/notes.txt"
check "  and no other temporary is left" test "$(ls -d "$SCRATCH"/export5* |
    wc -l)" -eq 2

# --- status, with the clock moved ----------------------------------------
NEXT=$(crlinfo "$R/crl/4.der" | jq -r .next_update)
at() { date -u -d "$NEXT $1" '+%Y-%m-%d %H:%M:%S'; }
expect_status 0 "status now: ok" "$BIN/ca-crl" status -d "$R"
check "status: number 4, as the log says" grep -q "^crl number: *4$" \
    "$SCRATCH/out"
expect_status 0 "status 60 days before nextUpdate: ok" \
    faketime "$(at '- 60 days')" "$BIN/ca-crl" status -d "$R"
expect_status 10 "status 40 days before nextUpdate: warning (due soon)" \
    faketime "$(at '- 40 days')" "$BIN/ca-crl" status -d "$R"
expect_status 10 "status 1 day before nextUpdate: warning (overdue)" \
    faketime "$(at '- 1 day')" "$BIN/ca-crl" status -d "$R"
expect_status 11 "status 1 day after nextUpdate: expired" \
    faketime "$(at '+ 1 day')" "$BIN/ca-crl" status -d "$R"
expect_status 0 "status of the export folder: ok" "$BIN/ca-crl" status \
    -d "$SCRATCH/export4"
expect_status 11 "status of the export folder later: expired" \
    faketime "$(at '+ 1 day')" "$BIN/ca-crl" status -d "$SCRATCH/export4"
expect_status 1 "status with no CRL yet" "$BIN/ca-crl" status \
    -d "$SCRATCH/it"

# --- five stacks ------------------------------------------------------------
expect_status 0 "the OT CA's own (empty) CRL" "$BIN/ca-crl" issue \
    -d "$SCRATCH/ot" $PS
expect_status 0 "the IT CA's own (empty) CRL" "$BIN/ca-crl" issue \
    -d "$SCRATCH/it" $PS
leaf() {
	openssl ecparam -name prime256v1 -genkey -noout \
	    -out "$SCRATCH/$2.key" 2>/dev/null
	openssl ec -in "$SCRATCH/$2.key" -pubout -out "$SCRATCH/$2.pub" \
	    2>/dev/null
	"$LEAFSIGN" "$1" "$PINFILE" "$SCRATCH/$2.pub" "$2" "DNS:$2" \
	    >"$SCRATCH/$2.pem"
}
leaf "$SCRATCH/ot" plc1.plant.example
leaf "$SCRATCH/it" www.plant.example
cp "$R/crl/2.pem" "$SCRATCH/root-empty-none.pem"
cp "$R/crl/4.pem" "$SCRATCH/root-revoked-none.pem"
cp "$R/crl/1.pem" "$SCRATCH/root-empty-full.pem"
cp "$R/crl/3.pem" "$SCRATCH/root-revoked-full.pem"
cp "$SCRATCH/ot/crl/1.pem" "$SCRATCH/ot-crl.pem"
cp "$SCRATCH/it/crl/1.pem" "$SCRATCH/it-crl.pem"

# crl_case DESCRIPTION WANT STACKS ROOT CHAIN LEAF CRL...: WANT is ok or
# revoked, for each of STACKS ("all" for the five).
crl_case() {
	cc_d=$1
	cc_w=$2
	cc_stacks=$3
	cc_root=$4
	cc_chain=$5
	cc_leaf=$6
	shift 6
	interop_verify "$cc_root" "$cc_chain" "$cc_leaf" server "$@" \
	    >"$SCRATCH/iv" 2>&1
	cc_rc=$?
	cc_good=1
	if [ "$cc_stacks" = all ]; then
		if [ "$cc_w" = ok ]; then
			[ "$cc_rc" -eq 0 ] || cc_good=0
		else
			interop_revoked_check >>"$SCRATCH/iv" 2>&1 || cc_good=0
		fi
	else
		for cc_s in $cc_stacks; do
			eval "cc_v=\${INTEROP_$cc_s:-} cc_why=\${INTEROP_WHY_$cc_s:-}"
			if [ "$cc_w" = ok ]; then
				[ "$cc_v" = ok ] || cc_good=0
			else
				_interop_is_revoked "$cc_s" "$cc_why" || cc_good=0
			fi
		done
	fi
	if [ "$cc_good" -eq 1 ]; then
		ok "$cc_d"
	else
		not_ok "$cc_d"
		sed 's/^/#   /' "$SCRATCH/iv"
	fi
}
OTC="$SCRATCH/ot/ca.pem $SCRATCH/plc1.plant.example.pem"
ITC="$SCRATCH/it/ca.pem $SCRATCH/www.plant.example.pem"
# shellcheck disable=SC2086
crl_case "empty CRLs (--idp none): all five stacks accept" ok all \
    "$R/ca.pem" $OTC "$SCRATCH/root-empty-none.pem" "$SCRATCH/ot-crl.pem"
# shellcheck disable=SC2086
crl_case "the good IT CA (--idp none): all five stacks accept" ok all \
    "$R/ca.pem" $ITC "$SCRATCH/root-revoked-none.pem" "$SCRATCH/it-crl.pem"
# shellcheck disable=SC2086
crl_case "the revoked OT CA (--idp none): all five reject it as revoked" \
    revoked all "$R/ca.pem" $OTC "$SCRATCH/root-revoked-none.pem" \
    "$SCRATCH/ot-crl.pem"
# The RFC 5280 form, with a critical IDP naming the distribution points,
# as the stacks that take it (ca-crl(1) says who does not).
# shellcheck disable=SC2086
crl_case "--idp full, good IT CA: GnuTLS and wolfSSL accept" ok \
    "gnutls wolfssl" "$R/ca.pem" $ITC "$SCRATCH/root-revoked-full.pem" \
    "$SCRATCH/it-crl.pem"
# shellcheck disable=SC2086
crl_case "--idp full, revoked OT CA: GnuTLS and wolfSSL reject as revoked" \
    revoked "gnutls wolfssl" "$R/ca.pem" $OTC \
    "$SCRATCH/root-revoked-full.pem" "$SCRATCH/ot-crl.pem"
# shellcheck disable=SC2086
crl_case "--idp full, empty: GnuTLS and wolfSSL accept" ok "gnutls wolfssl" \
    "$R/ca.pem" $OTC "$SCRATCH/root-empty-full.pem" "$SCRATCH/ot-crl.pem"

# --- an export that fails after its CRL is recorded -----------------------
# The stick fills up: the CRL stands, signed and recorded, and the operator
# is told to copy it with ca-crl export, not to issue another.  crashfs
# fails the first file made on the stick with ENOSPC.  A wrapped command
# (make valgrind) is a shell script, which would take the shim for itself.
full_stick() {
	O=$SCRATCH/ot
	mkdir "$SCRATCH/stick"
	n_before=$(records "$O")
	expect_status 1 "a full stick: the export fails" env \
	    LD_PRELOAD="$TOP/tests/bin/crashfs.so" \
	    KC_CRASH_DIRS="$SCRATCH/stick" KC_CRASH_AT=1 \
	    KC_CRASH_ACTION=enospc "$BIN/ca-crl" issue -d "$O" \
	    --out "$SCRATCH/stick/crl" $PS
	check "...in one line of error" test "$(wc -l <"$SCRATCH/err")" -eq 1
	want="ca-crl: crl 2 was issued and recorded, but the export failed: "
	check "...that says the CRL stands" grep -q "^$want" "$SCRATCH/err"
	want="do not issue again: copy it with \"ca-crl export -d $O"
	want="$want --out NEWFOLDER\"\$"
	check "...and how to copy it" grep -q "$want" "$SCRATCH/err"
	check "...and shows the CRL issued" grep -q "^Issued CRL number 2$" \
	    "$SCRATCH/out"
	check "...and leaves nothing on the stick" \
	    test -z "$(ls -A "$SCRATCH/stick")"
	check "...and one record more" \
	    test "$(records "$O")" -eq $((n_before + 1))
	REC=$O/log/$(printf '%06d' "$(records "$O")").json
	sha=$(sha256sum "$O/crl/2.der" | cut -c1-64)
	jq_check "...a crl-issue record naming crl/2.der by hash" "$REC" \
	    ".body.op == \"crl-issue\" and .body.crl.number == 2 and
	    .body.crl.der.sha256 == \"$sha\""
	expect_status 0 "the export it asks for" "$BIN/ca-crl" export -d "$O" \
	    --out "$SCRATCH/stick/crl"
	check "...copies CRL 2" cmp "$SCRATCH/stick/crl/crl.der" "$O/crl/2.der"
	check "...whose sums hold" sh -c \
	    "cd '$SCRATCH/stick/crl' && sha256sum -c --quiet SHA256SUMS"
}
if [ -z "${KC_BIN:-}" ]; then
	full_stick
else
	echo "# a full stick: skipped, $BIN holds wrappers"
fi

check "the root's log verifies after it all" "$BIN/ca-log" verify -d "$R"

finish
