#!/bin/sh
# make-seeds.sh [NAME...]: regenerate the seed corpora of the libFuzzer
# harnesses (tests/fuzz/fuzz_NAME.c replays testdata/fuzz/NAME/), all of
# them or the NAMEs given.  Needs openssl and jq; shares/, backup/ and
# plan/ need lib/libkeyceremony.a (make all) for seedgen.c.  Keys and
# splits are random: a run makes other seeds, equally valid.
#
#   csr/           openssl req: a request of every key type, the policy's
#                  (P-256, P-384, RSA 3072 and 4096) and some it refuses
#                  (RSA 2048, e=3, Ed25519, Ed448, P-521, secp256k1,
#                  brainpool, explicit curve parameters), with the
#                  extension shapes a sub CA or device asks for, and near
#                  misses (bad signature, truncated, trailing bytes)
#   profile/       the profiles in profiles/
#   record/        the records of a make demo log (demo/plant-root/log;
#                  without one, those in record/), each body signed again
#                  with the log key of tests/fuzz/fuzzkit.h as the log
#                  writer signs, so that the signatures verify; and near
#                  misses (another key, a body changed, not canonical)
#   recordbody/    those bodies as fuzz_recordbody takes them: alone,
#                  several to a log (cut at "%%" lines), with their chain
#                  members or without (the harness fills them in), and
#                  bodies for the operations the demo does not make; the
#                  files they name are those of the test CA the harness
#                  builds, with the demo's names, serials and dates
#   revocation/    by hand (below)
#   windows/       by hand: committed files, not rewritten here
#   shares/        seedgen: typed shares of real splits, with an
#                  activation to type them at, or combined; near misses
#   backup/        seedgen: a wrapping key's split as its record holds
#                  it, and the share files ca_split_write makes of it
#   plan/          seedgen: a CA's certificate, CRL and issued
#                  certificates, for windows the harness holds
#   ceremony_plan/ plans as ca-ceremony plan writes them, naming the
#                  script fuzz_ceremony_plan.c puts beside them (below)
#   cajson/        by hand (below): ca.json of a root, a sub, each
#                  optional member, and near misses
#   reqlist/       by hand (below)
#   uri/           by hand (below)
#   dn/            by hand (below), the DER subjects of csr/'s requests
#                  (seedgen), and der-numeric-string, committed: a name a
#                  fuzzing run found, whose print does not say its type
#
# Crash inputs found later are added to the corpus they belong to, named
# crash-... (plan/crash-empty-issued: an empty issued/ folder); this
# script never removes them.
set -eu
cd "$(dirname "$0")"
top=../..
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kc-seeds.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
only=" $* "
# do_ NAME: NAME is to be made (all of them when none was named).
do_() {
	[ "$only" = "  " ] || case $only in *" $1 "*) ;; *) return 1 ;; esac
}

# kit_key NAME: a key of tests/fuzz/fuzzkit.h, as PEM.
kit_key() {
	sed -n "/^#define $1/,/END PRIVATE KEY/p" "$top/tests/fuzz/fuzzkit.h" |
	    sed -n 's/^"\(.*\)\\n".*$/\1/p'
}

# seedgen ARGS: seedgen.c, built once against the library.
seedgen() {
	[ -x "$tmp/seedgen" ] ||
	    cc -std=c11 -D_GNU_SOURCE -I"$top/lib" \
	    $(pkg-config --cflags libcrypto jansson p11-kit-1) \
	    -o "$tmp/seedgen" seedgen.c "$top/lib/libkeyceremony.a" \
	    $(pkg-config --libs libcrypto libp11 jansson libgfshare) \
	    -lm -pthread -ldl
	"$tmp/seedgen" "$@"
}

# --- csr/ -------------------------------------------------------------------
# req NAME KEYOPTS SUBJECT [EXTENSION...]: csr/NAME.pem, for a new key,
# asking for the extensions given (openssl x509v3_config lines).
req() {
	name=$1 keyopts=$2 subj=$3
	shift 3
	{
		printf '[req]\ndistinguished_name = dn\nreq_extensions = ext\n'
		printf 'prompt = no\nutf8 = yes\n[dn]\n[nc_dn]\nCN = Plant\n'
		printf '[odd_dn]\nO = Example\nCN = odd\n[ext]\n'
		printf '%s\n' "$@"
	} >"$tmp/req.cnf"
	# shellcheck disable=SC2086
	openssl genpkey $keyopts -out "$tmp/$name.key" 2>/dev/null
	openssl req -new -config "$tmp/req.cnf" -key "$tmp/$name.key" \
	    -multivalue-rdn -subj "$subj" -out "csr/$name.pem"
}
if do_ csr; then
	mkdir -p csr
	find csr -type f ! -name 'crash-*' -delete
	ec="-algorithm EC -pkeyopt ec_paramgen_curve:"
	rsa="-algorithm RSA -pkeyopt rsa_keygen_bits:"
	sub="basicConstraints = critical, CA:TRUE, pathlen:0"
	caku="keyUsage = critical, keyCertSign, cRLSign"
	# What a sub CA asks for.
	req p256 "${ec}P-256" "/CN=OT CA/O=Example" "$sub" "$caku"
	req p384 "${ec}P-384" "/CN=OT CA 2/O=Example/C=DE" "$sub" "$caku" \
	    "nameConstraints = critical, permitted;DNS:.plant.example, permitted;IP:10.20.0.0/255.255.0.0, permitted;IP:fd00:20::/ffff:ffff::, excluded;email:.example.com, permitted;dirName:nc_dn" \
	    "certificatePolicies = 1.3.6.1.4.1.55555.1.2, 2.5.29.32.0"
	req rsa3072 "${rsa}3072" "/CN=IT CA/O=Example" "$sub" "$caku" \
	    "extendedKeyUsage = serverAuth, clientAuth" \
	    "crlDistributionPoints = URI:http://pki.example/it.crl" \
	    "authorityInfoAccess = caIssuers;URI:http://pki.example/root.crt"
	req rsa4096 "${rsa}4096" \
	    "/C=DE/ST=Bayern/L=München/O=Example GmbH/OU=OT/OU=Line 4/CN=Line 4 CA/emailAddress=pki@example.com/serialNumber=0042" \
	    "$sub" "keyUsage = critical, keyCertSign, cRLSign, digitalSignature" \
	    "policyConstraints = requireExplicitPolicy:0" "inhibitAnyPolicy = 0"
	# What a device asks for.
	req device-p256 "${ec}P-256" "/CN=plc-1.plant.example" \
	    "keyUsage = critical, digitalSignature" \
	    "extendedKeyUsage = serverAuth, clientAuth" \
	    "subjectAltName = DNS:plc-1.plant.example, DNS:plc-1, IP:10.20.0.5, IP:fd00:20::5, URI:urn:example:plant:plc-1" \
	    "basicConstraints = critical, CA:FALSE"
	req device-opcua "${rsa}3072" \
	    "/CN=Server 1/O=Example/DC=plant/DC=example" \
	    "keyUsage = critical, digitalSignature, nonRepudiation, keyEncipherment, dataEncipherment" \
	    "extendedKeyUsage = serverAuth, clientAuth" \
	    "subjectAltName = URI:urn:example:plant:opcua:server1, DNS:server1.plant.example"
	req device-odd-san "${ec}P-384" "/CN=odd" \
	    "subjectAltName = email:plc@example.com, otherName:1.3.6.1.4.1.311.20.2.3;UTF8:plc@example.com, RID:1.2.3.4, dirName:odd_dn"
	req multi-rdn "${ec}P-256" "/CN=plc-2+serialNumber=77/O=Example+OU=OT" \
	    "1.3.6.1.4.1.55555.9 = ASN1:UTF8String:a private extension" \
	    "subjectKeyIdentifier = hash"
	req empty-subject "${ec}P-256" "/" \
	    "subjectAltName = critical, DNS:plc-3.plant.example"
	req no-extensions "${ec}P-384" "/CN=bare"
	# Keys the policy refuses.
	req rsa2048 "${rsa}2048" "/CN=Weak CA" "$sub"
	req rsa-e3 "${rsa}3072 -pkeyopt rsa_keygen_pubexp:3" "/CN=e3"
	req p521 "${ec}P-521" "/CN=P-521 CA" "$sub" "$caku"
	req secp256k1 "${ec}secp256k1" "/CN=k1"
	req brainpool "${ec}brainpoolP256r1" "/CN=brainpool"
	req ed25519 "-algorithm ED25519" "/CN=Ed25519 CA" "$sub" "$caku"
	req ed448 "-algorithm ED448" "/CN=Ed448"
	req rsa-pss "-algorithm RSA-PSS -pkeyopt rsa_keygen_bits:3072" \
	    "/CN=PSS CA" "$sub"
	openssl ecparam -name prime256v1 -param_enc explicit -genkey \
	    -noout -out "$tmp/explicit.key"
	openssl req -new -key "$tmp/explicit.key" -subj "/CN=explicit" \
	    -out csr/explicit-params.pem
	# DER, and the old PEM label.
	openssl req -in csr/p384.pem -outform DER -out csr/p384.der
	openssl req -in csr/device-p256.pem -outform DER \
	    -out csr/device-p256.der
	sed 's/CERTIFICATE REQUEST/NEW CERTIFICATE REQUEST/' csr/p256.pem \
	    >csr/p256-new-label.pem
	# Near misses.
	n=$(wc -c <csr/p384.der)
	head -c $((n - 1)) csr/p384.der >csr/near-truncated.der
	{ cat csr/p384.der; printf '\0'; } >csr/near-trailing-byte.der
	{ head -c $((n - 1)) csr/p384.der; printf '\1'; } \
	    >csr/near-bad-signature.der
	{ cat csr/p256.pem; printf 'garbage\n'; } >csr/near-trailing-garbage.pem
	sed 's/CERTIFICATE REQUEST/CERTIFICATE/' csr/p256.pem \
	    >csr/near-label.pem
fi

# --- profile/ ---------------------------------------------------------------
if do_ profile; then
	mkdir -p profile
	cp "$top"/profiles/*.json profile/
fi

# --- record/ and recordbody/ ------------------------------------------------
if do_ record; then
	mkdir -p record "$tmp/in"
	if ls "$top"/demo/plant-root/log/*.json >/dev/null 2>&1; then
		for f in "$top"/demo/plant-root/log/*.json; do
			cp "$f" "$tmp/in/$(jq -r .body.op "$f").json"
		done
	else
		for f in record/*.json; do
			case ${f##*/} in
			crash-* | near-*) ;;
			*) cp "$f" "$tmp/in/" ;;
			esac
		done
	fi
	kit_key KIT_LOG_KEY_PEM >"$tmp/log.key"
	kid=$(openssl pkey -in "$tmp/log.key" -pubout -outform DER |
	    sha256sum | cut -c1-64)
	# sign KEY KID IN: IN's body as the log writer signs it (ca_log_seal).
	sign() {
		jq -jcS .body "$3" >"$tmp/body"
		sig=$(openssl dgst -sha384 -sign "$1" "$tmp/body" | base64 -w0)
		jq -cS --arg kid "$2" --arg sig "$sig" \
		    '{body: .body, sigs: [{alg: "ES384", kid: $kid, sig: $sig}]}' \
		    "$3"
	}
	for f in "$tmp"/in/*.json; do
		sign "$tmp/log.key" "$kid" "$f" >"record/${f##*/}"
	done
	# Near misses: another key, a body changed after, pretty-printed, and
	# the signature relabelled with the other curve's scheme.
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 \
	    -out "$tmp/other.key"
	okid=$(openssl pkey -in "$tmp/other.key" -pubout -outform DER |
	    sha256sum | cut -c1-64)
	sign "$tmp/other.key" "$okid" record/seal.json >record/near-other-key.json
	sign "$tmp/other.key" "$kid" record/seal.json >record/near-wrong-kid.json
	jq -cS '.body.witnesses = ["Mallory"]' record/attest.json \
	    >record/near-changed.json
	jq -S . record/seal.json >record/near-pretty.json
	jq -cS '.sigs[0].alg = "ES256"' record/seal.json >record/near-es256.json
fi

if do_ recordbody; then
	mkdir -p recordbody
	find recordbody -type f ! -name 'crash-*' -delete
	# body OP [FILTER]: the body of record/OP.json, chain members removed.
	body() {
		jq -cS ".body | del(.seq, .prev, .log_id) ${2:+| $2}" \
		    "record/$1.json"
	}
	# log NAME BODY...: several bodies to one log.
	log() {
		out=recordbody/$1
		shift
		: >"$out"
		first=1
		for b in "$@"; do
			[ "$first" -eq 1 ] || printf '%%%%\n' >>"$out"
			printf '%s\n' "$b" >>"$out"
			first=0
		done
	}
	for op in init-root attest seal sign-sub revoke crl-issue; do
		log "$op" "$(body "$op")"
	done
	log ceremony "$(body init-root)" "$(body attest)" "$(body seal)"
	log lifecycle "$(body init-root 'del(.env)')" \
	    "$(body sign-sub 'del(.env, .keys)')" \
	    "$(body revoke 'del(.env, .keys)')" \
	    "$(body crl-issue 'del(.env, .keys)')"
	# The demo's own chain, which verifies as it stands.
	log own-chain "$(jq -cS .body record/init-root.json)" \
	    "$(jq -cS .body record/attest.json)" \
	    "$(jq -cS .body record/seal.json)"
	# What the demo does not make.
	log issue-batch "$(body init-root 'del(.env)')" \
	    "$(body sign-sub 'del(.env) | .op = "issue" | .issued = [.certificate, {file: "issued/00.pem", serial: "00"}] | del(.certificate)')"
	log abort-and-clock "$(body init-root 'del(.env)')" \
	    "$(body seal 'del(.env, .ceremony_seal) | .op = "ceremony-abort" | .ceremony_abort = {why: "the HSM failed its self-test", by: "W", role: "witness"}')" \
	    "$(body attest 'del(.env, .ceremony) | .time = "2028-06-01T00:00:00Z" | .clock_deviation = {days: 552, confirmed_time: "2028-06-01T00:00:00Z"}')"
	log backup "$(body init-root 'del(.env) | .params.key_backup = true | .keys[].attributes |= (.extractable = true | .wrap_with_trusted = true)')" \
	    "$(body attest 'del(.env, .attestation) | .op = "backup-wrap-key" | .backup_wrap_key = {label: "backup-wrap-0a1b2c3d", kcv: "aa5783", split: {scheme: "shamir-gf256", library: "libgfshare", threshold: 2, split: "0a1b2c3d", check: "00", shares: [{share: 1, custodian: "C"}]}}')" \
	    "$(body attest 'del(.env, .attestation) | .op = "key-backup" | .key_backup = {mechanism: "CKM_AES_KEY_WRAP_KWP", keys: [{role: "ca", file: "ca-key.wrapped", sha256: "00", label: "root-ca", id: "7a85"}]}')"
	log outputs "$(body init-root 'del(.env) | .outputs += [{name: "../escape", sha256: "00", size: 1}, {name: "ca.json", sha256: "00", size: 1}, {name: "revoked.idx", sha256: "00", size: 1}, {name: "x", external: true}, {sha256: "00"}]')"
	# Near misses.
	log near-broken-chain "$(jq -cS .body record/init-root.json)" \
	    "$(jq -cS '.body | .prev = "00"' record/attest.json)"
	log near-time-backwards "$(body init-root)" \
	    "$(body attest '.time = "2020-01-01T00:00:00Z"')"
	log near-no-op "$(body init-root 'del(.op)')"
	log near-float "$(body init-root '.params.x = 1.5')"
fi

# --- revocation/ ------------------------------------------------------------
if do_ revocation; then
	mkdir -p revocation
	printf '4a2ae9b079eb22bb7b21e74e79e76d9f 20261127161755Z 4\n' \
	    >revocation/one.idx
	printf '01 20260101000000Z 0\n0a:bc 20260102000000Z 1 20251231000000Z\n7f 20260103000000Z 5\n' \
	    >revocation/three.idx
	printf '0A:BC:DE' >revocation/serial-typed
	printf 'keyCompromise' >revocation/reason
	printf 'scope' >revocation/idp
fi

# --- shares/, backup/, plan/ ------------------------------------------------
for c in shares backup plan; do
	if do_ "$c"; then
		mkdir -p "$c"
		find "$c" -type f ! -name 'crash-*' -delete
		seedgen "$c" "$c"
	fi
done

# --- ceremony_plan/ ---------------------------------------------------------
# The script fuzz_ceremony_plan.c writes beside each plan it loads.
if do_ ceremony_plan; then
	mkdir -p ceremony_plan
	find ceremony_plan -type f ! -name 'crash-*' -delete
	script=$(sed -n 's/^#define SCRIPT "\(.*\)"$/\1/p' \
	    "$top/tests/fuzz/fuzz_ceremony_plan.c")
	sha=$(printf "$script" | sha256sum | cut -c1-64)
	plan() {
		jq -cnS --arg sha "$sha" "$2" >"ceremony_plan/$1"
	}
	base='{id: "root-2027", purpose: "make the plant root",
	    script: {file: "script.sh", sha256: $sha, approval: "CAB-2027-04"},
	    location: "vault B, room 2",
	    roster: [{role: "administrator", name: "Ada"},
	      {role: "witness", name: "Wim"},
	      {role: "custodian", name: "Cleo"},
	      {role: "custodian", name: "Carl"},
	      {role: "custodian", name: "Cora"},
	      {role: "auditor", name: "Aud"}],
	    equipment: {bags: []}}'
	plan minimal "$base"
	plan equipment "$base | .equipment = {hsm_model: \"SoftHSM v2\",
	    hsm_serial: \"bc3989f66f3e811c\", token_serial: \"42\",
	    laptop: \"T480 #7\", os_image_sha256: \"$(printf x | sha256sum |
	    cut -c1-64)\", bags: [\"TB-0001\", \"TB-0002\"]}"
	plan one-custodian "$base | .roster = [{role: \"witness\", name: \"W\"},
	    {role: \"custodian\", name: \"C\"}]"
	# Pretty, as written by hand: the loader takes any layout.
	jq -S . ceremony_plan/equipment >ceremony_plan/by-hand.json
	# Near misses.
	plan near-changed-script "$base | .script.sha256 = \"$(printf y |
	    sha256sum | cut -c1-64)\""
	plan near-twice "$base | .roster += [{role: \"auditor\", name: \"Ada\"}]"
	plan near-no-witness "$base | .roster |= map(select(.role != \"witness\"))"
	plan near-unknown-member "$base | .extra = 1"
	plan near-bad-id "$base | .id = \"root 2027!\""
	plan near-empty-bag "$base | .equipment.bags = [\"\"]"
	plan near-control "$base | .purpose = \"make\\u0001it\""
	printf 'custodian:Cleo' >ceremony_plan/role-typed
fi

# --- cajson/ ----------------------------------------------------------------
if do_ cajson; then
	mkdir -p cajson
	find cajson -type f ! -name 'crash-*' -delete
	conf() {
		jq -cnS "{format: \"ca-config\", version: 1, kind: \"root\",
		    module: \"/usr/lib/softhsm/libsofthsm2.so\",
		    ca_key: \"pkcs11:token=root;serial=48450d255d8a787f;object=root-ca;id=%7A%85%90%A2;type=private\",
		    log_key: \"pkcs11:token=root;object=root-ca-log-signer;type=private\",
		    algorithm: \"p384\"} | $2" >"cajson/$1"
	}
	conf root .
	conf sub '.kind = "sub" | .algorithm = "rsa4096"'
	conf crl '.crl_next_update = "1y" | .crl_margin = "1m15d" |
	    .crl_idp = "scope"'
	conf pin-source '.ca_key += "?pin-source=file:/run/pin&module-path=/x.so"'
	jq -S . cajson/crl >cajson/pretty
	conf near-unknown '.extra = true'
	conf near-version '.version = 2'
	conf near-format '.format = "ca-json"'
	conf near-missing 'del(.log_key)'
	conf near-number '.algorithm = 384'
	conf near-bad-uri '.ca_key = "pkcs11:slot-id=0;object=root-ca"'
	printf '{"format": "ca-config", "format": "ca-config"}' \
	    >cajson/near-duplicate
fi

# --- reqlist/, uri/, dn/ ----------------------------------------------------
if do_ reqlist; then
	mkdir -p reqlist
	printf 'plc-1.csr\nplc-2.csr\n' >reqlist/two
	printf '# line 4, batch 2027-03\n\nreqs/plc-1.csr\r\n  reqs/plc 2.req  \n/abs/plc-3.pem\n\t\n#reqs/skipped.csr\nhmi.der\n.hidden.csr\nnotes.txt\n' \
	    >reqlist/mixed
	printf '# nothing\n\n' >reqlist/empty
	printf 'a.csr\0b.csr\n' >reqlist/nul
fi
if do_ uri; then
	mkdir -p uri
	printf 'pkcs11:token=root;object=root-ca;type=private' >uri/key
	printf 'pkcs11:token=Plant%%20Root;serial=48450d255d8a787f;manufacturer=SoftHSM%%20project;model=SoftHSM%%20v2;object=root-ca;id=%%7A%%85%%90%%A2%%66%%30;type=private?pin-source=file:/run/pin&module-path=/usr/lib/softhsm/libsofthsm2.so' \
	    >uri/full
	printf 'pkcs11:token=root;library-manufacturer=SoftHSM;library-version=2.6;type=cert' \
	    >uri/library
	printf 'pkcs11:' >uri/empty
	printf 'pkcs11:slot-id=0;object=k' >uri/near-slot
	printf 'pkcs11:object=k?pin-value=1234' >uri/near-pin-value
	printf 'pkcs11:object=a;object=b' >uri/near-twice
	printf 'pkcs11:id=%%zz' >uri/near-bad-pct
	printf 'pkcs11:token=a%%00b' >uri/near-nul
fi
if do_ dn; then
	mkdir -p dn
	printf 'CN=Plant Root,O=Example GmbH,C=DE' >dn/root
	printf 'CN=plc-2+serialNumber=77,OU=OT,O=Example' >dn/multi
	printf 'CN=M\xc3\xbcller\\, Werk 4,O=\\#1 \\+ Co,L=\\20M\xc3\xbcnchen\\20,C=DE' \
	    >dn/escapes
	printf '2.5.4.3=by OID,1.3.6.1.4.1.55555.1=private,DC=plant,DC=example' \
	    >dn/oids
	printf ' CN = spaced , O = out ' >dn/spaced
	printf 'CN=\\48\\49' >dn/hex-escape
	printf 'CN=#0403414243' >dn/near-hex-value
	printf 'C=Germany' >dn/near-country
	printf 'CN=a;b' >dn/near-semicolon
	printf 'XX=unknown' >dn/near-type
	# Names as requests carry them (DER), from csr/.
	seedgen dn dn csr/multi-rdn.pem csr/rsa4096.pem csr/device-opcua.pem \
	    csr/empty-subject.pem
fi
