#!/bin/sh
# ca-init against SoftHSM2 tokens in a scratch folder: a root for every
# algorithm, checked by parsing the certificates, the token and the log;
# then each failure, which must leave nothing behind.
. "$(dirname "$0")/../lib.sh"

EKU_LOG=2.25.305581440993049175020090787962201328206
CERTINFO="$PY $TOP/tests/certinfo.py"

# jq_check DESCRIPTION FILE FILTER: passes when FILTER yields true.
jq_check() {
	if [ "$(jq -r "$3" "$2" 2>/dev/null)" = true ]; then
		ok "$1"
	else
		not_ok "$1"
		echo "#   filter: $3"
	fi
}

# nothing_left DESCRIPTION PARENT NAME: no NAME and no staging folder.
nothing_left() {
	if [ -e "$2/$3" ] || ls -a "$2" | grep -q '\.staging-'; then
		not_ok "$1: something was left in $2"
		ls -la "$2" | sed 's/^/#   /'
	else
		ok "$1: nothing written"
	fi
}

# --- a root for each algorithm --------------------------------------------
for alg in p384 p256 rsa3072 rsa4096; do
	new_token "tok-$alg"
	d=$SCRATCH/root-$alg
	expect_status 0 "$alg: ca-init" "$BIN/ca-init" --ceremony "$PLAN" -d "$d" \
	    --token "pkcs11:token=tok-$alg" --algorithm "$alg" \
	    --pin-source "file:$SCRATCH/pin-tok-$alg" \
	    --subject "CN=Plant Root $alg,O=Example Manufacturing,C=DE" \
	    --operator "Alice Custodian" --witness "Bob Witness" \
	    --witness "Carol Auditor"
	cp "$SCRATCH/out" "$SCRATCH/out-$alg"
	check "$alg: openssl verifies the root" \
	    openssl verify -x509_strict -check_ss_sig -CAfile "$d/ca.pem" "$d/ca.pem"
	check "$alg: openssl verifies the log signer" \
	    openssl verify -x509_strict -CAfile "$d/ca.pem" "$d/log-signer.pem"

	$CERTINFO "$d/ca.pem" "$d/log-signer.pem" >"$SCRATCH/ci-$alg.json"
	ci=$SCRATCH/ci-$alg.json
	case $alg in
	p384) key='.key == {"type":"ec","curve":"secp384r1"}'
	    sig='.signature_algorithm == "ecdsa-with-SHA384"' ;;
	p256) key='.key == {"type":"ec","curve":"secp256r1"}'
	    sig='.signature_algorithm == "ecdsa-with-SHA256"' ;;
	rsa3072) key='.key == {"type":"rsa","bits":3072,"e":65537}'
	    sig='.signature_algorithm == "sha256WithRSAEncryption"' ;;
	rsa4096) key='.key == {"type":"rsa","bits":4096,"e":65537}'
	    sig='.signature_algorithm == "sha384WithRSAEncryption"' ;;
	esac
	jq_check "$alg: root key type" "$ci" ".[0] | $key"
	jq_check "$alg: root signature algorithm" "$ci" ".[0] | $sig"
	jq_check "$alg: version 3" "$ci" '.[0].version == "v3"'
	jq_check "$alg: serial positive, 64 bits to 20 octets" "$ci" \
	    '.[0] | .serial_bits >= 64 and .serial_octets <= 20'
	jq_check "$alg: subject as given, issuer = subject" "$ci" \
	    ".[0] | .subject == \"CN=Plant Root $alg,O=Example Manufacturing,C=DE\" and .issuer == .subject"
	jq_check "$alg: 25 years of validity" "$ci" \
	    '.[0] | (.not_after[0:4] | tonumber) - (.not_before[0:4] | tonumber) == 25 and .not_after[4:] == .not_before[4:]'
	jq_check "$alg: UTCTime before 2050, GeneralizedTime after" "$ci" \
	    '.[0] | .validity_tags == [(if (.not_before[0:4]|tonumber) < 2050 then 23 else 24 end), (if (.not_after[0:4]|tonumber) < 2050 then 23 else 24 end)]'
	jq_check "$alg: basicConstraints critical CA:TRUE, no pathLen" "$ci" \
	    '.[0].extensions.basicConstraints | .critical and .ca and .path_length == null'
	jq_check "$alg: keyUsage critical keyCertSign+cRLSign only" "$ci" \
	    '.[0].extensions.keyUsage | .critical and .usages == ["key_cert_sign","crl_sign"]'
	jq_check "$alg: SKI by RFC 7093 method 1" "$ci" \
	    '.[0] | .extensions.subjectKeyIdentifier.digest == .ski_rfc7093_m1 and (.extensions.subjectKeyIdentifier.critical | not)'
	jq_check "$alg: no EKU, no policies, no duplicates on the root" "$ci" \
	    '.[0] | (.extensions | has("extendedKeyUsage") or has("certificatePolicies") | not) and (.duplicate_extensions | not)'
	jq_check "$alg: log signer issued by the root (AKI = root SKI)" "$ci" \
	    '.[1].extensions.authorityKeyIdentifier.key_identifier == .[0].extensions.subjectKeyIdentifier.digest and .[1].issuer == .[0].subject'
	jq_check "$alg: log signer is P-384, CA:FALSE, digitalSignature" "$ci" \
	    '.[1] | .key.curve == "secp384r1" and .extensions.basicConstraints.critical and (.extensions.basicConstraints.ca | not) and .extensions.keyUsage.critical and .extensions.keyUsage.usages == ["digital_signature"]'
	jq_check "$alg: log signer carries the ceremonyLogSigning EKU" "$ci" \
	    ".[1].extensions.extendedKeyUsage.oids == [\"$EKU_LOG\"]"

	# The token, read through an independent PKCS#11 client.
	"$TOP/tests/bin/p11attrs" "$MODULE" "tok-$alg" "$SCRATCH/pin-tok-$alg" \
	    >"$SCRATCH/p11-$alg.json"
	p11=$SCRATCH/p11-$alg.json
	jq_check "$alg: two private keys and two public keys on the token" \
	    "$p11" '[.[] | .class] | sort == ["private","private","public","public"]'
	jq_check "$alg: private keys sensitive and never extractable" "$p11" \
	    '[.[] | select(.class == "private")] | all(.sensitive and .always_sensitive and .never_extractable and (.extractable | not) and .local and .private and .token)'
	jq_check "$alg: private keys sign only (no decrypt, unwrap, derive)" \
	    "$p11" '[.[] | select(.class == "private")] | all(.sign and (.decrypt | not) and (.unwrap | not) and (.derive | not))'
	jq_check "$alg: labels root-ca and root-ca-log-signer" "$p11" \
	    '[.[] | select(.class == "private") | .label] | sort == ["root-ca","root-ca-log-signer"]'

	# The record against the token and the files.
	rec=$d/log/000001.json
	jq_check "$alg: record keys match the token's CKA_IDs" "$rec" \
	    "[.body.keys[].id] | sort == ($(jq -c '[.[] | select(.class == "private") | .id] | sort' "$p11"))"
	jq_check "$alg: record shows the attributes read back" "$rec" \
	    '[.body.keys[].attributes] | all(.sensitive and .never_extractable and (.extractable|not) and .local and .sign and (.decrypt|not) and (.unwrap|not) and (.derive|not))'
	spki=$(jq -r '.[0].spki_sha256' "$ci")
	jq_check "$alg: record names the CA key by its SPKI hash" "$rec" \
	    "[.body.keys[] | select(.role == \"ca\") | .spki_sha256] == [\"$spki\"]"
	for f in ca.pem log-signer.pem ca.json; do
		h=$(sha256sum "$d/$f" | cut -c1-64)
		s=$(stat -c %s "$d/$f")
		jq_check "$alg: record lists $f with its size and hash" "$rec" \
		    "[.body.outputs[] | select(.name == \"$f\")] == [{\"name\":\"$f\",\"sha256\":\"$h\",\"size\":$s}]"
	done
	jq_check "$alg: record holds operator, witnesses, op and env" "$rec" \
	    '.body | .op == "init-root" and .operator == "Alice Custodian" and .witnesses == ["Bob Witness","Carol Auditor"] and .seq == 1 and .prev == null and .result == "ok" and (.env.tool.sha256 | length) == 64 and (.env.module.sha256 | length) == 64 and .env.token.manufacturer == "SoftHSM project"'
	fp=$(openssl x509 -in "$d/ca.pem" -outform DER | sha256sum | cut -c1-64)
	check "$alg: printed fingerprint is the root's SHA-256" \
	    grep -qx "sha256:$fp" "$SCRATCH/out-$alg"
	check "$alg: ca-log verifies against the fingerprint" \
	    "$BIN/ca-log" verify -d "$d" --anchor "$fp"
	jq_check "$alg: ca.json names both keys by URI" "$d/ca.json" \
	    '.format == "ca-config" and .version == 1 and (.ca_key | startswith("pkcs11:")) and (.log_key | startswith("pkcs11:"))'
	modes=$(stat -c '%a' "$d/ca.pem" "$d/log-signer.pem" "$d/ca.json" "$rec" | sort -u | tr '\n' ' ')
	check "$alg: public files are mode 0644" test "$modes" = "644 "
	if ! grep -rq 123456 "$d" "$SCRATCH/out-$alg" "$SCRATCH/err"; then
		ok "$alg: the PIN appears in no file or output"
	else
		not_ok "$alg: the PIN appears in a file or output"
	fi
done

# --- each root signs a subordinate and a CRL, with its own algorithm ------
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout /dev/null -subj "/CN=Issuing CA" -out "$SCRATCH/sub.csr" 2>/dev/null
for alg in p384 p256 rsa3072 rsa4096; do
	d=$SCRATCH/root-$alg
	PS="--pin-source file:$SCRATCH/pin-tok-$alg"
	expect_status 0 "$alg: ca-sign-sub" "$BIN/ca-sign-sub" -d "$d" \
	    --csr "$SCRATCH/sub.csr" --profile "$TOP/profiles/it-issuing.json" \
	    --out "$SCRATCH/sub-$alg.pem" $PS
	check "$alg: openssl verifies the subordinate" openssl verify \
	    -x509_strict -CAfile "$d/ca.pem" "$SCRATCH/sub-$alg.pem"
	$CERTINFO "$SCRATCH/sub-$alg.pem" "$d/ca.pem" >"$SCRATCH/ci.json"
	jq_check "$alg: the subordinate signed as the root is" "$SCRATCH/ci.json" \
	    '.[0].signature_algorithm == .[1].signature_algorithm'
	expect_status 0 "$alg: ca-crl issue" "$BIN/ca-crl" issue -d "$d" $PS
	crl=$(ls "$d"/crl/*.der 2>/dev/null | sort | tail -n 1)
	check "$alg: the CRL's signature verifies" crl_verifies "$crl" \
	    "$d/ca.pem"
	corrupt_copy "$crl" "$SCRATCH/bad.crl" 3
	expect_status 1 "$alg: and a CRL changed by a byte does not" \
	    crl_verifies "$SCRATCH/bad.crl" "$d/ca.pem"
done

# --- a profile decides subject, validity, pathLen and keyUsage -------------
cat >"$SCRATCH/profile.json" <<'JSON'
{"format": "ca-profile", "version": 1, "kind": "root",
 "subject": "CN=Profiled Root,O=Example Manufacturing",
 "validity": "20y", "path_len": 1,
 "key_usage": ["keyCertSign", "cRLSign", "digitalSignature"]}
JSON
new_token prof
expect_status 0 "ca-init with a profile" "$BIN/ca-init" --ceremony "$PLAN" -d "$SCRATCH/prof" \
    --token pkcs11:token=prof --pin-source "file:$SCRATCH/pin-prof" \
    --profile "$SCRATCH/profile.json"
$CERTINFO "$SCRATCH/prof/ca.pem" >"$SCRATCH/ci-prof.json"
jq_check "profile: subject, 20 years, pathLen 1" "$SCRATCH/ci-prof.json" \
    '.[0] | .subject == "CN=Profiled Root,O=Example Manufacturing" and (.not_after[0:4] | tonumber) - (.not_before[0:4] | tonumber) == 20 and .extensions.basicConstraints.path_length == 1'
jq_check "profile: keyUsage adds digitalSignature" "$SCRATCH/ci-prof.json" \
    '.[0].extensions.keyUsage.usages == ["digital_signature","key_cert_sign","crl_sign"]'
ph=$(sha256sum "$SCRATCH/profile.json" | cut -c1-64)
sh_=$(sha256sum "$SCRATCH/ceremony-script.txt" | cut -c1-64)
jq_check "profile and ceremony script: recorded as inputs with their hashes" \
    "$SCRATCH/prof/log/000001.json" \
    ".body.inputs == [{\"name\":\"$SCRATCH/profile.json\",\"sha256\":\"$ph\",\"size\":$(stat -c %s "$SCRATCH/profile.json")},{\"name\":\"$SCRATCH/ceremony-script.txt\",\"sha256\":\"$sh_\",\"size\":$(stat -c %s "$SCRATCH/ceremony-script.txt")}]"
jq_check "the first record opens the ceremony of the plan" \
    "$SCRATCH/prof/log/000001.json" \
    ".body.ceremony == \"test-ceremony\" and .body.ceremony_open == $(cat "$PLAN")"
base=$(object_count prof)
printf '{"format":"ca-profile","version":1,"kind":"root","valdity":"5y"}' \
    >"$SCRATCH/typo.json"
expect_status 1 "a profile with a misspelt field" "$BIN/ca-init" --ceremony "$PLAN" \
    -d "$SCRATCH/typo" --token "pkcs11:token=prof;object=t" \
    --pin-source "file:$SCRATCH/pin-prof" --subject CN=x \
    --profile "$SCRATCH/typo.json"
check "misspelt field: the message names it" grep -q valdity "$SCRATCH/err"
nothing_left "misspelt profile" "$SCRATCH" typo
check "misspelt profile: no key made" test "$(object_count prof)" -eq "$base"

# --- the jq + openssl recipe from ca-transcript(5), exactly --------------
sed -n '/^\.\\" recipe-begin/,/^\.\\" recipe-end/p' "$TOP/man/ca-transcript.5" |
    sed '1,2d;$d' | sed '$d' >"$SCRATCH/recipe.sh"
check "recipe extracted from ca-transcript(5)" test -s "$SCRATCH/recipe.sh"
for alg in p384 rsa3072; do
	d=$SCRATCH/root-$alg
	fp=$(cd "$SCRATCH" && DIR=$d R=$d/log/000001.json sh "$SCRATCH/recipe.sh")
	check "$alg: the recipe verifies the record" test $? -eq 0
	check "$alg: the recipe prints the root fingerprint" \
	    grep -qx "sha256:$fp" "$SCRATCH/out-$alg"
done
# The recipe must also fail: flip one byte of the signed body.
d=$SCRATCH/root-p384
cp -r "$d" "$SCRATCH/tampered"
sed -i 's/"operator":"Alice Custodian"/"operator":"Alice Custodiam"/' \
    "$SCRATCH/tampered/log/000001.json"
if (cd "$SCRATCH" && DIR=$SCRATCH/tampered R=$SCRATCH/tampered/log/000001.json \
    sh "$SCRATCH/recipe.sh" >/dev/null 2>&1); then
	not_ok "the recipe rejects a changed record"
else
	ok "the recipe rejects a changed record"
fi
# Step 5, the chain, with a previous record: seal a copy of the root's
# ceremony, then check record 2 against record 1, and against itself,
# which must fail.
cp -r "$d" "$SCRATCH/chain"
check "a second record (the seal)" seal "$SCRATCH/chain" "$SCRATCH/pin-tok-p384"
L=$SCRATCH/chain/log
(cd "$SCRATCH" && DIR=$SCRATCH/chain R=$L/000002.json P=$L/000001.json \
    sh "$SCRATCH/recipe.sh" >/dev/null 2>"$SCRATCH/err")
check "the recipe follows the chain from record 1 to record 2" test $? -eq 0
(cd "$SCRATCH" && DIR=$SCRATCH/chain R=$L/000002.json P=$L/000002.json \
    sh "$SCRATCH/recipe.sh" >/dev/null 2>&1)
check "the recipe rejects a record that does not follow its previous one" \
    test $? -ne 0

# --- the log verifier catches changes --------------------------------------
expect_status 8 "ca-log rejects a changed byte in the record" \
    "$BIN/ca-log" verify -d "$SCRATCH/tampered"
cp -r "$d" "$SCRATCH/ws"
sed -i 's/^{/{ /' "$SCRATCH/ws/log/000001.json"
expect_status 8 "ca-log rejects a record that is not canonical" \
    "$BIN/ca-log" verify -d "$SCRATCH/ws"
cp -r "$d" "$SCRATCH/deleted"
rm "$SCRATCH/deleted/log/000001.json"
expect_status 8 "ca-log rejects a log whose record was deleted" \
    "$BIN/ca-log" verify -d "$SCRATCH/deleted"
cp -r "$d" "$SCRATCH/renamed"
mv "$SCRATCH/renamed/log/000001.json" "$SCRATCH/renamed/log/000002.json"
expect_status 8 "ca-log rejects a log that starts at record 2" \
    "$BIN/ca-log" verify -d "$SCRATCH/renamed"
cp -r "$d" "$SCRATCH/othercert"
cp "$SCRATCH/root-p256/ca.pem" "$SCRATCH/othercert/ca.pem"
expect_status 8 "ca-log rejects a CA directory with another root" \
    "$BIN/ca-log" verify -d "$SCRATCH/othercert"
expect_status 8 "ca-log rejects a root that is not the one on paper" \
    "$BIN/ca-log" verify -d "$d" --anchor \
    "$(openssl x509 -in "$SCRATCH/root-p256/ca.pem" -outform DER | sha256sum | cut -c1-64)"

# --- failures leave nothing behind -----------------------------------------
new_token fail
SUBJ="CN=Line 4 Root,O=Example"
P=$SCRATCH/pin-fail
base=$(object_count fail)
printf '000000\n' >"$SCRATCH/wrongpin"
chmod 644 "$SCRATCH/wrongpin"
expect_status 1 "a PIN file others can read" "$BIN/ca-init" --ceremony "$PLAN" \
    --subject "$SUBJ" -d "$SCRATCH/f1" --token pkcs11:token=fail \
    --pin-source "file:$SCRATCH/wrongpin"
check "PIN file others can read: the message says chmod 600" \
    grep -q "chmod 600" "$SCRATCH/err"
chmod 600 "$SCRATCH/wrongpin"
expect_status 4 "wrong PIN" "$BIN/ca-init" --ceremony "$PLAN" --subject "$SUBJ" -d "$SCRATCH/f1" \
    --token pkcs11:token=fail --pin-source "file:$SCRATCH/wrongpin"
check "wrong PIN: the message says so" grep -q "PIN" "$SCRATCH/err"
nothing_left "wrong PIN" "$SCRATCH" f1
check "wrong PIN: no key on the token" test "$(object_count fail)" -eq "$base"

expect_status 3 "unknown token" "$BIN/ca-init" --ceremony "$PLAN" --subject "$SUBJ" -d "$SCRATCH/f2" \
    --token pkcs11:token=no-such-token --pin-source "file:$P"
nothing_left "unknown token" "$SCRATCH" f2
# libp11 would fall back to the first token; we must not.
check "unknown token: no key on any token" test "$(object_count fail)" -eq "$base"

expect_status 2 "URI without token or serial" "$BIN/ca-init" --ceremony "$PLAN" --subject "$SUBJ" -d "$SCRATCH/f3" \
    --token pkcs11:object=x --pin-source "file:$P"
nothing_left "URI without token or serial" "$SCRATCH" f3
expect_status 2 "pin-value in the URI is refused" "$BIN/ca-init" --ceremony "$PLAN" --subject "$SUBJ" \
    -d "$SCRATCH/f3" --token 'pkcs11:token=fail?pin-value=123456'
nothing_left "pin-value in the URI" "$SCRATCH" f3
expect_status 2 "bad subject" "$BIN/ca-init" --ceremony "$PLAN" -d "$SCRATCH/f3" \
    --token pkcs11:token=fail --pin-source "file:$P" --subject "CN"
expect_status 2 "unknown algorithm" "$BIN/ca-init" --ceremony "$PLAN" --subject "$SUBJ" -d "$SCRATCH/f3" \
    --token pkcs11:token=fail --pin-source "file:$P" --algorithm rsa1024
expect_status 2 "PIN on the command line is not an option" "$BIN/ca-init" --ceremony "$PLAN" --subject "$SUBJ" \
    -d "$SCRATCH/f3" --token pkcs11:token=fail --pin 123456
expect_status 2 "PIN source env: is refused" "$BIN/ca-init" --ceremony "$PLAN" --subject "$SUBJ" -d "$SCRATCH/f3" \
    --token pkcs11:token=fail --pin-source env:PIN
# Keys only in a witnessed ceremony (BR 6.1.1.1).
expect_status 2 "no ceremony plan" "$BIN/ca-init" --subject "$SUBJ" -d "$SCRATCH/f3" \
    --token pkcs11:token=fail --pin-source "file:$P"
check "no ceremony plan: the message says how to write one" \
    grep -q "ca-ceremony plan" "$SCRATCH/err"
expect_status 2 "more custodians than the plan's roster names" "$BIN/ca-init" \
    --ceremony "$PLAN" --custodians 3 --subject "$SUBJ" -d "$SCRATCH/f3" \
    --token pkcs11:token=fail --pin-source "file:$P"
check "custodians: the message counts them" grep -q "3 key custodians.*has 1 and 2" \
    "$SCRATCH/err"
expect_status 2 "--custodians is a number" "$BIN/ca-init" --ceremony "$PLAN" \
    --custodians two --subject "$SUBJ" -d "$SCRATCH/f3" \
    --token pkcs11:token=fail --pin-source "file:$P"
jq -c '.roster |= map(select(.role != "witness"))' "$PLAN" >"$SCRATCH/plan-nowitness.json"
expect_status 2 "a plan without a witness" "$BIN/ca-init" \
    --ceremony "$SCRATCH/plan-nowitness.json" --subject "$SUBJ" -d "$SCRATCH/f3" \
    --token pkcs11:token=fail --pin-source "file:$P"
cp "$SCRATCH/ceremony-script.txt" "$SCRATCH/script.bak"
echo "2. Something not approved." >>"$SCRATCH/ceremony-script.txt"
expect_status 2 "a script changed since its plan" "$BIN/ca-init" --ceremony "$PLAN" \
    --subject "$SUBJ" -d "$SCRATCH/f3" --token pkcs11:token=fail --pin-source "file:$P"
check "changed script: the message says so" grep -q "has changed" "$SCRATCH/err"
mv "$SCRATCH/script.bak" "$SCRATCH/ceremony-script.txt"
nothing_left "bad arguments" "$SCRATCH" f3
check "bad arguments: no key on the token" test "$(object_count fail)" -eq "$base"

expect_status 0 "first root on the token" "$BIN/ca-init" --ceremony "$PLAN" --subject "$SUBJ" -d "$SCRATCH/ok1" \
    --token pkcs11:token=fail --pin-source "file:$P"
base=$(object_count fail)
expect_status 6 "existing key label" "$BIN/ca-init" --ceremony "$PLAN" --subject "$SUBJ" -d "$SCRATCH/f4" \
    --token pkcs11:token=fail --pin-source "file:$P"
check "existing key label: the message names it" grep -q "root-ca" "$SCRATCH/err"
nothing_left "existing key label" "$SCRATCH" f4
check "existing key label: no new key" test "$(object_count fail)" -eq "$base"
expect_status 0 "another label on the same token (object= in the URI)" \
    "$BIN/ca-init" --ceremony "$PLAN" --subject "$SUBJ" -d "$SCRATCH/ok2" \
    --token "pkcs11:token=fail;object=second-root" --pin-source "file:$P"
base=$(object_count fail)

h=$(find "$SCRATCH/ok1" -type f -exec sha256sum {} + | sort)
expect_status 6 "existing CA directory" "$BIN/ca-init" --ceremony "$PLAN" --subject "$SUBJ" -d "$SCRATCH/ok1" \
    --token "pkcs11:token=fail;object=third" --pin-source "file:$P"
check "existing CA directory: left as it was" \
    test "$h" = "$(find "$SCRATCH/ok1" -type f -exec sha256sum {} + | sort)"
check "existing CA directory: no new key" test "$(object_count fail)" -eq "$base"

expect_status 1 "CA directory in a folder that cannot be written" \
    "$BIN/ca-init" --ceremony "$PLAN" --subject "$SUBJ" -d /proc/kc-test-ca --token "pkcs11:token=fail;object=third" \
    --pin-source "file:$P"
check "unwritable folder: no new key" test "$(object_count fail)" -eq "$base"
# Root may write a folder whose mode says no (CAP_DAC_OVERRIDE), and CI
# runs as root: there, the command runs without that power, as the owner
# of the folder and of the PIN file and tokens it still reads.
mkdir "$SCRATCH/ro"
chmod 0555 "$SCRATCH/ro"
asuser=""
[ "$(id -u)" -ne 0 ] ||
    asuser="setpriv --bounding-set -dac_override,-dac_read_search --"
check "the read-only folder cannot be written by the command's user" \
    sh -c "! $asuser touch '$SCRATCH/ro/probe' 2>/dev/null && \
    [ ! -e '$SCRATCH/ro/probe' ]"
# shellcheck disable=SC2086
expect_status 1 "CA directory in a read-only folder" $asuser "$BIN/ca-init" \
    --ceremony "$PLAN" --subject "$SUBJ" -d "$SCRATCH/ro/ca" \
    --token "pkcs11:token=fail;object=third" --pin-source "file:$P"
check "read-only folder: the message names it" grep -q "$SCRATCH/ro" \
    "$SCRATCH/err"
nothing_left "read-only folder" "$SCRATCH/ro" ca
chmod 0755 "$SCRATCH/ro"
expect_status 1 "CA directory whose parent is missing" "$BIN/ca-init" --ceremony "$PLAN" --subject "$SUBJ" \
    -d "$SCRATCH/missing/ca" --token "pkcs11:token=fail;object=third" \
    --pin-source "file:$P"
check "missing parent: nothing made" test ! -e "$SCRATCH/missing"

# A second ceremony at the same time: the parent folder is locked.
mkdir "$SCRATCH/busy"
flock "$SCRATCH/busy" sleep 30 &
lockpid=$!
check "the parent folder is locked by another process" wait_locked \
    "$SCRATCH/busy"
expect_status 7 "another process holds the lock" "$BIN/ca-init" --ceremony "$PLAN" --subject "$SUBJ" \
    -d "$SCRATCH/busy/ca" --token "pkcs11:token=fail;object=third" \
    --pin-source "file:$P"
kill $lockpid 2>/dev/null
wait $lockpid 2>/dev/null
nothing_left "locked" "$SCRATCH/busy" ca
check "locked and failures: no new key" test "$(object_count fail)" -eq "$base"

# --- the PIN source -------------------------------------------------------
exec 3<"$P"
expect_status 0 "PIN from a file descriptor" "$BIN/ca-init" --ceremony "$PLAN" --subject "$SUBJ" \
    -d "$SCRATCH/fd" --token "pkcs11:token=fail;object=fd-root" \
    --pin-source fd:3
exec 3<&-
expect_status 0 "PIN source in the URI" "$BIN/ca-init" --ceremony "$PLAN" --subject "$SUBJ" -d "$SCRATCH/uri" \
    --token "pkcs11:token=fail;object=uri-root?pin-source=file:$P"
expect_status 1 "no terminal and no PIN source" sh -c \
    "setsid $BIN/ca-init --ceremony $PLAN --subject CN=x -d $SCRATCH/notty --token 'pkcs11:token=fail;object=x' </dev/null"
nothing_left "no terminal" "$SCRATCH" notty

finish
