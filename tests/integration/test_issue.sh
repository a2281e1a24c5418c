#!/bin/sh
# ca-issue: batches of device certificates from an OT issuing CA under a
# root.  mTLS devices (EC and RSA keys) and OPC UA application instance
# certificates, staged for a maintenance window; every certificate parsed
# and verified by five X.509 stacks; the record parsed; a bad request
# stops the batch with nothing written, --keep-going issues the others;
# the certificates audit, plan and revoke like any other.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/interop.sh"

CERTINFO="$PY $TOP/tests/certinfo.py"
PROFILES=$TOP/profiles
PS="--pin-source file:$SCRATCH/pin-root"

jq_check() {
	if [ "$(jq -r "$3" "$2" 2>/dev/null)" = true ]; then
		ok "$1"
	else
		not_ok "$1"
		echo "#   filter: $3"
	fi
}
records() { find "$1/log" -name '[0-9]*.json' | wc -l; }
last_record() { ls "$1"/log/[0-9]*.json | sort | tail -n 1; }
fp() { openssl x509 -in "$1" -outform DER | sha256sum | cut -c1-64; }
files() { find "$1" -type f | wc -l; }

new_token root
new_token ot
new_token opc
R=$SCRATCH/root
OT=$SCRATCH/ot
OPC=$SCRATCH/opc
"$BIN/ca-init" --ceremony "$PLAN" -d "$R" --token pkcs11:token=root $PS \
    --subject "CN=Plant Root,O=Acme" >/dev/null
# Two issuing CAs: P-256 for mTLS, RSA for OPC UA's RSA policies.
sub() {
	"$BIN/ca-init" --ceremony "$PLAN" --sub -d "$1" \
	    --token "pkcs11:token=$2" --pin-source "file:$SCRATCH/pin-$2" \
	    --subject "$3" --algorithm "$4" >/dev/null &&
	"$BIN/ca-sign-sub" -d "$R" --csr "$1/ca.csr" \
	    --profile "$PROFILES/ot-issuing-sl2.json" --out "$1.pem" \
	    $PS >/dev/null 2>&1 &&
	"$BIN/ca-init" --install "$1.pem" --chain "$R/ca.pem" -d "$1" \
	    --pin-source "file:$SCRATCH/pin-$2" >/dev/null &&
	seal "$1" "$SCRATCH/pin-$2"
}
check "an OT issuing CA (P-256) under the root" sub "$OT" ot \
    "CN=Line 4 Issuing,O=Acme" p256
check "an OPC UA issuing CA (RSA 3072) under the root" sub "$OPC" opc \
    "CN=Line 4 OPC UA Issuing,O=Acme" rsa3072
seal "$R" "$SCRATCH/pin-root"
ANCHOR=$(fp "$R/ca.pem")

# req DIR NAME KEYSPEC SANS: a device's request, as the device makes it.
req() {
	mkdir -p "$1"
	openssl req -new -newkey "$3" -nodes -keyout "$1/$2.key" \
	    -subj "/CN=$2/O=Acme" -addext "subjectAltName=$4" \
	    -out "$1/$2.csr" 2>/dev/null
}
M=$SCRATCH/mtls
openssl ecparam -name prime256v1 -out "$SCRATCH/p256.param"
openssl ecparam -name secp384r1 -out "$SCRATCH/p384.param"
req "$M" plc-01 ec:"$SCRATCH/p256.param" \
    "DNS:plc-01.plant.example,IP:10.20.1.1"
req "$M" plc-02 ec:"$SCRATCH/p384.param" "DNS:plc-02.plant.example"
req "$M" hmi-01 rsa:2048 "DNS:hmi-01.plant.example"
req "$M" gw-01 ec:"$SCRATCH/p256.param" "DNS:gw-01.plant.example"

# --- an mTLS batch ----------------------------------------------------------
n0=$(records "$OT")
expect_status 0 "ca-issue: four mTLS devices" "$BIN/ca-issue" -d "$OT" \
    --profile "$PROFILES/device-mtls.json" --csrs "$M" --out "$SCRATCH/o1" \
    --pin-source "file:$SCRATCH/pin-ot" --operator "Erin Engineer" \
    --sessions 2
check "one record for the batch" test "$(records "$OT")" -eq $((n0 + 1))
check "no progress bar when stderr is no terminal" test ! -s "$SCRATCH/err"
check "four certificates and the chain, nothing else" test \
    "$(cd "$SCRATCH/o1" && ls | tr '\n' ' ')" = \
    "ca-chain.pem gw-01.pem hmi-01.pem plc-01.pem plc-02.pem "
REC=$(last_record "$OT")
jq_check "the record: op issue, four issued, none rejected, 2 sessions" \
    "$REC" '.body.op == "issue" and (.body.issued | length) == 4 and
    .body.rejected == [] and .body.params.sessions == 2 and
    .body.params.kind == "device" and .body.operator == "Erin Engineer"'
# Every output named with the hash of what is on disk.
bad=0
for row in $(jq -r '.body.outputs[] | "\(.name)=\(.sha256)"' "$REC"); do
	name=${row%=*}
	case $name in /*) f=$name ;; *) f=$OT/$name ;; esac
	[ "$(sha256sum <"$f" | cut -c1-64)" = "${row#*=}" ] || bad=$((bad + 1))
done
check "every output (9) is on disk with its recorded SHA-256" test \
    "$bad" -eq 0 -a "$(jq '.body.outputs | length' "$REC")" -eq 9
$CERTINFO "$SCRATCH"/o1/plc-01.pem "$SCRATCH"/o1/plc-02.pem \
    "$SCRATCH"/o1/hmi-01.pem >"$SCRATCH/ci.json"
jq_check "each certificate as its request asked: subject and SANs" \
    "$SCRATCH/ci.json" '[.[] | [.subject, .extensions.subjectAltName.names]]
    == [["O=Acme,CN=plc-01", ["DNS:plc-01.plant.example", "IP:10.20.1.1"]],
        ["O=Acme,CN=plc-02", ["DNS:plc-02.plant.example"]],
        ["O=Acme,CN=hmi-01", ["DNS:hmi-01.plant.example"]]]'
jq_check "as the profile says: end entity, serverAuth and clientAuth" \
    "$SCRATCH/ci.json" 'all(.[]; .extensions.basicConstraints.ca == false
    and .extensions.basicConstraints.critical and
    .extensions.extendedKeyUsage.oids ==
    ["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"])'
jq_check "keyEncipherment only for the RSA key (RFC 5480 3)" \
    "$SCRATCH/ci.json" '[.[] | .extensions.keyUsage.usages] ==
    [["digital_signature"], ["digital_signature"],
     ["digital_signature", "key_encipherment"]]'
jq_check "signed by the issuing CA's P-256 key: ecdsa-with-SHA256" \
    "$SCRATCH/ci.json" 'all(.[]; .signature_algorithm ==
    "ecdsa-with-SHA256" and .issuer == "CN=Line 4 Issuing,O=Acme")'
jq_check "serials and hashes as recorded" "$SCRATCH/ci.json" \
    "[.[] | .serial] - [$(jq -c '.body.issued[] | .serial' "$REC" |
    tr '\n' ',' | sed 's/,$//')] == [] and [.[] | .sha256] - \
    [$(jq -c '.body.issued[] | .sha256' "$REC" | tr '\n' ',' |
    sed 's/,$//')] == []"
check "the chain file: the issuing CA, then the root" test \
    "$(openssl crl2pkcs7 -nocrl -certfile "$SCRATCH/o1/ca-chain.pem" |
    openssl pkcs7 -print_certs -noout | grep -c '^subject')" -eq 2
for purpose in server client; do
	if interop_verify "$R/ca.pem" "$OT/ca.pem" "$SCRATCH/o1/plc-02.pem" \
	    $purpose >"$SCRATCH/iv" 2>&1 &&
	    interop_verify "$R/ca.pem" "$OT/ca.pem" "$SCRATCH/o1/hmi-01.pem" \
	    $purpose >>"$SCRATCH/iv" 2>&1; then
		ok "EC and RSA devices ($purpose): all five stacks accept"
	else
		not_ok "EC and RSA devices ($purpose): all five stacks accept"
		sed 's/^/#   /' "$SCRATCH/iv"
	fi
done
# wolfSSL 5.5 refuses any IP SAN under IP name constraints (as in
# test_subca.sh); the others check it against 10.20.0.0/16.
interop_verify "$R/ca.pem" "$OT/ca.pem" "$SCRATCH/o1/plc-01.pem" \
    >"$SCRATCH/iv" 2>&1
check "a device with an IP SAN: OpenSSL, GnuTLS, NSS, mbedTLS accept" \
    test "$INTEROP_openssl$INTEROP_gnutls$INTEROP_nss$INTEROP_mbedtls" = \
    okokokok
openssl pkey -in "$M/gw-01.key" -pubout -out "$SCRATCH/gw.pub"
check "a device's certificate holds its own key" sh -c \
    "openssl x509 -in '$SCRATCH/o1/gw-01.pem' -noout -pubkey |
    cmp - '$SCRATCH/gw.pub'"

# --- a bad request stops the batch ------------------------------------------
B=$SCRATCH/bad
mkdir "$B"
cp "$M"/*.csr "$B/"
req "$B" rogue ec:"$SCRATCH/p256.param" "DNS:rogue.corp.example"
n0=$(records "$OT")
i0=$(files "$OT/issued")
expect_status 1 "a name outside the CA's constraints stops the batch" \
    "$BIN/ca-issue" -d "$OT" --profile "$PROFILES/device-mtls.json" \
    --csrs "$B" --out "$SCRATCH/o2" --pin-source "file:$SCRATCH/pin-ot"
check "one line, naming the request and why" test \
    "$(wc -l <"$SCRATCH/err")" -eq 1 -a -n \
    "$(grep 'rogue.csr' "$SCRATCH/err" | grep "name constraints" |
    grep "nothing was issued")"
check "nothing written: no record, no folder, no certificate" test \
    "$(records "$OT")" -eq "$n0" -a ! -e "$SCRATCH/o2" -a \
    "$(files "$OT/issued")" -eq "$i0"
expect_status 12 "--keep-going issues the others" "$BIN/ca-issue" \
    -d "$OT" --profile "$PROFILES/device-mtls.json" --csrs "$B" \
    --out "$SCRATCH/o2" --pin-source "file:$SCRATCH/pin-ot" --keep-going
check "the refused request is named on stderr" test \
    "$(grep -c '^ca-issue: refused ".*rogue.csr": ' "$SCRATCH/err")" -eq 1
REC=$(last_record "$OT")
jq_check "the record lists four issued and the one refused, with its hash" \
    "$REC" "(.body.issued | length) == 4 and (.body.rejected | length) == 1
    and (.body.rejected[0].csr | endswith(\"rogue.csr\")) and
    .body.rejected[0].sha256 == \"$(sha256sum <"$B/rogue.csr" |
    cut -c1-64)\""
check "no certificate for it" test ! -e "$SCRATCH/o2/rogue.pem"

# More bad input: each refused in one line, nothing written.
n0=$(records "$OT")
printf 'not a request\n' >"$SCRATCH/junk.csr"
printf '%s\n' "$SCRATCH/junk.csr" >"$SCRATCH/list.txt"
expect_status 1 "a file that is no request" "$BIN/ca-issue" -d "$OT" \
    --profile "$PROFILES/device-mtls.json" --list "$SCRATCH/list.txt" \
    --out "$SCRATCH/o3" --pin-source "file:$SCRATCH/pin-ot"
check "...said in one line" test "$(wc -l <"$SCRATCH/err")" -eq 1
expect_status 1 "a profile of another kind" "$BIN/ca-issue" -d "$OT" \
    --profile "$PROFILES/ot-issuing-sl2.json" --csrs "$M" \
    --out "$SCRATCH/o3" --pin-source "file:$SCRATCH/pin-ot"
expect_status 6 "an --out that exists" "$BIN/ca-issue" -d "$OT" \
    --profile "$PROFILES/device-mtls.json" --csrs "$M" --out "$SCRATCH/o1" \
    --pin-source "file:$SCRATCH/pin-ot"
expect_status 2 "no --out" "$BIN/ca-issue" -d "$OT" \
    --profile "$PROFILES/device-mtls.json" --csrs "$M"
expect_status 2 "--sessions 0" "$BIN/ca-issue" -d "$OT" \
    --profile "$PROFILES/device-mtls.json" --csrs "$M" --out "$SCRATCH/o3" \
    --sessions 0
expect_status 2 "both --csrs and --list" "$BIN/ca-issue" -d "$OT" \
    --profile "$PROFILES/device-mtls.json" --csrs "$M" \
    --list "$SCRATCH/list.txt" --out "$SCRATCH/o3"
expect_status 2 "a PIN on the command line" "$BIN/ca-issue" -d "$OT" \
    --profile "$PROFILES/device-mtls.json" --csrs "$M" --out "$SCRATCH/o3" \
    --pin 123456
printf '654321\n' >"$SCRATCH/wrong"
chmod 600 "$SCRATCH/wrong"
expect_status 4 "a wrong PIN" "$BIN/ca-issue" -d "$OT" \
    --profile "$PROFILES/device-mtls.json" --csrs "$M" --out "$SCRATCH/o3" \
    --pin-source "file:$SCRATCH/wrong"
# Found before the PIN is asked for (this one is wrong) and the batch
# signed, not when its files are written.
expect_status 1 "an --out in a folder that does not exist" "$BIN/ca-issue" \
    -d "$OT" --profile "$PROFILES/device-mtls.json" --csrs "$M" \
    --out "$SCRATCH/nowhere/o3" --pin-source "file:$SCRATCH/wrong"
want="ca-issue: cannot issue: \"$SCRATCH/nowhere/o3\": there is no folder"
want="$want \"$SCRATCH/nowhere\" to make it in; give --out a new folder"
check "...said in one line, naming the missing folder" \
    test "$(cat "$SCRATCH/err")" = "$want"
check "after all of them: no record, no folder" test \
    "$(records "$OT")" -eq "$n0" -a ! -e "$SCRATCH/o3" -a \
    ! -e "$SCRATCH/nowhere"

# --- OPC UA, staged for a maintenance window ---------------------------------
U=$SCRATCH/opcua
req "$U" press-07 rsa:2048 \
    "URI:urn:acme:line4:press-07,DNS:press-07.plant.example"
req "$U" robot-02 rsa:2048 \
    "URI:urn:acme:line4:robot-02,IP:10.20.3.2"
day() { date -u -d "+$1 days" +%Y-%m-%dT%H:%M:%SZ; }
WA=$(day 60)
cat >"$SCRATCH/windows.json" <<EOF
{"format": "ca-windows", "version": 1, "sites": [
  {"name": "line-4", "windows": [
    {"name": "shutdown-a", "start": "$WA", "end": "$(day 62)"},
    {"name": "shutdown-b", "start": "$(day 400)", "end": "$(day 402)"}]}],
 "crl_ceremonies": []}
EOF
expect_status 0 "ca-issue: OPC UA devices staged for shutdown-a" \
    "$BIN/ca-issue" -d "$OPC" --profile "$PROFILES/device-opcua.json" \
    --csrs "$U" --out "$SCRATCH/u1" --pin-source "file:$SCRATCH/pin-opc" \
    --windows "$SCRATCH/windows.json" --not-before window:shutdown-a
$CERTINFO "$SCRATCH/u1/press-07.pem" "$SCRATCH/u1/robot-02.pem" \
    >"$SCRATCH/ci.json"
jq_check "notBefore is the window's start" "$SCRATCH/ci.json" \
    "all(.[]; .not_before == \"$WA\")"
jq_check "the applicationUri in the SAN; OPC UA's key usages for RSA" \
    "$SCRATCH/ci.json" '[.[] | .extensions.subjectAltName.names] ==
    [["DNS:press-07.plant.example", "URI:urn:acme:line4:press-07"],
     ["IP:10.20.3.2", "URI:urn:acme:line4:robot-02"]] and
    all(.[]; .extensions.keyUsage.usages == ["digital_signature",
    "content_commitment", "key_encipherment", "data_encipherment"] and
    .signature_algorithm == "sha256WithRSAEncryption")'
jq_check "the record marks them staged, by the window" \
    "$(last_record "$OPC")" ".body.params.staged.not_before == \"$WA\"
    and (.body.params.staged.by | test(\"shutdown-a\"))"
openssl verify -CAfile "$R/ca.pem" -untrusted "$OPC/ca.pem" \
    "$SCRATCH/u1/press-07.pem" >"$SCRATCH/vfy" 2>&1
check "not valid yet (openssl: error 9, certificate is not yet valid)" \
    grep -q "^error 9 at 0 depth lookup: certificate is not yet valid" \
    "$SCRATCH/vfy"
check "valid in the window" openssl verify -attime \
    "$(date -u -d "+61 days" +%s)" -CAfile "$R/ca.pem" \
    -untrusted "$OPC/ca.pem" "$SCRATCH/u1/press-07.pem"
req "$SCRATCH/nouri" press-08 rsa:2048 "DNS:press-08.plant.example"
expect_status 1 "OPC UA without an applicationUri is refused" \
    "$BIN/ca-issue" -d "$OPC" --profile "$PROFILES/device-opcua.json" \
    --csrs "$SCRATCH/nouri" --out "$SCRATCH/u2" \
    --pin-source "file:$SCRATCH/pin-opc"
check "...saying what it lacks" grep -q "requires (uri)" "$SCRATCH/err"

# --- an RSA-4096 issuing CA: SHA-384, which a small draft key cannot sign ---
new_token big
BIG=$SCRATCH/big
check "an issuing CA with an RSA-4096 key under the root" sub "$BIG" big \
    "CN=Line 4 RSA-4096 Issuing,O=Acme" rsa4096
expect_status 0 "ca-issue: the RSA-4096 CA issues" "$BIN/ca-issue" -d "$BIG" \
    --profile "$PROFILES/device-opcua.json" --csrs "$U" --out "$SCRATCH/b1" \
    --pin-source "file:$SCRATCH/pin-big"
$CERTINFO "$SCRATCH/b1/press-07.pem" >"$SCRATCH/ci.json"
jq_check "signed as the CA's key calls for: sha384WithRSAEncryption" \
    "$SCRATCH/ci.json" '.[0].signature_algorithm == "sha384WithRSAEncryption"'
check "the chain verifies" openssl verify -CAfile "$R/ca.pem" \
    -untrusted "$BIG/ca.pem" "$SCRATCH/b1/press-07.pem"

# --- the progress bar, on a terminal ------------------------------------------
mkdir "$SCRATCH/tty"
for i in 1 2 3; do
	req "$SCRATCH/tty" dev-$i ec:"$SCRATCH/p256.param" \
	    "DNS:dev-$i.plant.example"
done
: >"$SCRATCH/noprompts"
check "on a terminal: ca-issue on a pseudo-terminal" $PY "$TOP/tests/ptydrive.py" \
    "$SCRATCH/noprompts" "$SCRATCH/tty.log" -- "$BIN/ca-issue" -d "$OT" \
    --profile "$PROFILES/device-mtls.json" --csrs "$SCRATCH/tty" \
    --out "$SCRATCH/o4" --pin-source "file:$SCRATCH/pin-ot"
check "a progress bar reaches 3/3" grep -q "signing .*\] 3/3" \
    "$SCRATCH/tty.log"

# --- the rest of the toolkit sees them -------------------------------------------
expect_status 0 "ca-audit passes the OT CA, every device certificate checked" \
    "$BIN/ca-audit" -d "$OT" --anchor "$ANCHOR" --json
jq_check "...11 issued, passed" "$SCRATCH/out" \
    '.state.issued == 11 and .passed == true'
cp "$SCRATCH/o1/plc-02.pem" "$SCRATCH/keep.pem"
printf 'x' >>"$OT/issued/$(openssl x509 -in "$SCRATCH/o1/plc-02.pem" \
    -noout -serial | cut -d= -f2 | tr A-F a-f).pem"
expect_status 1 "ca-audit finds a device certificate changed" \
    "$BIN/ca-audit" -d "$OT" --anchor "$ANCHOR"
cp "$SCRATCH/keep.pem" "$OT/issued/$(openssl x509 -in "$SCRATCH/keep.pem" \
    -noout -serial | cut -d= -f2 | tr A-F a-f).pem"
expect_status 0 "ca-plan covers them" "$BIN/ca-plan" \
    --windows "$SCRATCH/windows.json" -d "$OPC" --json
jq_check "...the CA and both staged devices" "$SCRATCH/out" \
    '[.items[] | .kind] == ["ca", "issued", "issued"]'
S=$(openssl x509 -in "$SCRATCH/o1/gw-01.pem" -noout -serial | cut -d= -f2 |
    tr A-F a-f)
expect_status 0 "ca-crl revokes a device certificate" "$BIN/ca-crl" revoke \
    -d "$OT" --serial "$S" --reason keyCompromise \
    --pin-source "file:$SCRATCH/pin-ot"
# Without an IDP, which NSS and mbedTLS cannot read (see test_crl.sh).
expect_status 0 "ca-crl issues the CRL" "$BIN/ca-crl" issue -d "$OT" \
    --pin-source "file:$SCRATCH/pin-ot" --out "$SCRATCH/crl" --idp none
expect_status 0 "ca-crl issues the root's CRL" "$BIN/ca-crl" issue -d "$R" \
    $PS --out "$SCRATCH/rootcrl" --idp none
cat "$SCRATCH/crl/crl.pem" "$SCRATCH/rootcrl/crl.pem" >"$SCRATCH/crls.pem"
interop_verify "$R/ca.pem" "$OT/ca.pem" "$SCRATCH/o1/gw-01.pem" server \
    "$SCRATCH/crls.pem" >"$SCRATCH/iv" 2>&1
check "the revoked device: every stack rejects it as revoked" test \
    "$(echo $INTEROP_REVOKED | wc -w)" -eq 5
interop_verify "$R/ca.pem" "$OT/ca.pem" "$SCRATCH/o1/plc-02.pem" server \
    "$SCRATCH/crls.pem" >"$SCRATCH/iv" 2>&1
check "its neighbour: every stack accepts it" test \
    "$INTEROP_openssl$INTEROP_gnutls$INTEROP_nss$INTEROP_mbedtls$INTEROP_wolfssl" \
    = okokokokok

finish
