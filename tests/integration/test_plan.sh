#!/bin/sh
# ca-plan: a root, a subordinate it signed and its CRL against a site's
# maintenance windows (ca-windows(5)): each gets the last window before
# its expiry minus the margin, and warnings for a certificate with no
# window left, one that outlives its issuer, and a CRL that runs out
# before the next CRL ceremony.  The JSON plan is parsed, not grepped.
. "$(dirname "$0")/../lib.sh"

new_token root
new_token sub
PS="--pin-source file:$SCRATCH/pin-root"
R=$SCRATCH/root
"$BIN/ca-init" --ceremony "$PLAN" -d "$R" --token pkcs11:token=root $PS \
    --subject "CN=Plan Root" >/dev/null
"$BIN/ca-init" --ceremony "$PLAN" --sub -d "$SCRATCH/sub" \
    --token pkcs11:token=sub --pin-source "file:$SCRATCH/pin-sub" \
    --subject "CN=Plan Sub" >/dev/null
"$BIN/ca-sign-sub" -d "$R" --csr "$SCRATCH/sub/ca.csr" \
    --profile "$TOP/profiles/it-issuing.json" --out "$SCRATCH/sub.pem" \
    $PS >/dev/null
"$BIN/ca-crl" issue -d "$R" $PS >/dev/null

# days_on N: the time N days from now, as a windows file writes it.
days_on() { date -u -d "+$1 days" +%Y-%m-%dT%H:%M:%SZ; }
# windows FILE CRL-DAY START-DAY...: one site, a day-long window at each.
windows() {
	_f=$1 _crl=$2
	shift 2
	{
		printf '{"format": "ca-windows", "version": 1, "sites": [\n'
		printf '  {"name": "line-4", "zone": "OT-L4", "windows": ['
		_sep=
		for _d in "$@"; do
			printf '%s\n    {"name": "w%s", "start": "%s", "end": "%s"}' \
			    "$_sep" "$_d" "$(days_on "$_d")" "$(days_on $((_d + 1)))"
			_sep=,
		done
		printf ']}],\n  "crl_ceremonies": ["%s"]}\n' "$(days_on "$_crl")"
	} >"$_f"
}

# The root lasts 25 years, the subordinate 10, the CRL 12 months.
windows "$SCRATCH/good.json" 200 100 3000 9000
expect_status 0 "a plan with a window for everything" "$BIN/ca-plan" \
    --windows "$SCRATCH/good.json" -d "$R" --json
J=$SCRATCH/out
check "three items: the root, the subordinate it issued, its CRL" test \
    "$(jq -c '[.items[].kind]' "$J")" = '["ca","issued","crl"]'
check "each certificate gets the last window before its expiry" test \
    "$(jq -c '[.items[] | .window.name // .window.crl_ceremony[0:10]]' \
    "$J")" = "[\"w9000\",\"w3000\",\"$(days_on 200 | cut -c1-10)\"]"
check "expiries as the certificates have them" test \
    "$(jq -r '.items[0].expiry' "$J")" = "$(openssl x509 -in "$R/ca.pem" \
    -noout -enddate | cut -d= -f2 | xargs -I{} date -u -d {} \
    +%Y-%m-%dT%H:%M:%SZ)"
check "no warnings" test "$(jq '.warnings' "$J")" -eq 0 -a \
    "$(jq '[.items[] | select(.warning)] | length' "$J")" -eq 0

# No window before the subordinate's expiry, and the CRL ceremony after
# the CRL runs out.
windows "$SCRATCH/late.json" 400 3700
expect_status 1 "a plan with warnings" "$BIN/ca-plan" \
    --windows "$SCRATCH/late.json" -d "$R" --json
check "the subordinate has no window, the CRL runs out first" test \
    "$(jq -c '[.items[] | [.kind, (.warning // "" | test("no window|before the next CRL ceremony"))]]' \
    "$J")" = '[["ca",false],["issued",true],["crl",true]]'
check "the count agrees" test "$(jq '.warnings' "$J")" -eq 2
expect_status 1 "the text plan" "$BIN/ca-plan" \
    --windows "$SCRATCH/late.json" -d "$R"
check "says 2 warnings" grep -qx "3 items, 2 warnings" "$J"
# A margin longer than the time to the only window takes it away.
expect_status 1 "a margin of 30 years leaves no window for the root" \
    "$BIN/ca-plan" --windows "$SCRATCH/good.json" -d "$R" --json \
    --margin 30y
check "both certificates are flagged, the CRL is not" \
    test "$(jq -c '[.items[] | .warning != null]' "$J")" = \
    '[true,true,false]'

# A certificate that outlives its issuer (made by hand: the toolkit's
# profiles never sign one).
F=$SCRATCH/fake
mkdir -p "$F/issued"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$F/ca.key" -subj "/CN=Short CA" -days 400 -out "$F/ca.pem" \
    2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout /dev/null -subj "/CN=Long Device" 2>/dev/null |
    openssl x509 -req -CA "$F/ca.pem" -CAkey "$F/ca.key" -days 2000 \
    -set_serial 7 -out "$F/issued/07.pem" 2>/dev/null
expect_status 1 "a certificate outliving its issuer" "$BIN/ca-plan" \
    --windows "$SCRATCH/good.json" -d "$F" --json
check "is flagged" test "$(jq -r '.items[1].warning' "$J" |
    grep -c "outlives its issuing CA")" -eq 1

# What it refuses.
printf '{"format": "ca-windows", "version": 1,\n "sites": [{"name": 1}]}\n' \
    >"$SCRATCH/bad.json"
expect_status 2 "a windows file in error" "$BIN/ca-plan" \
    --windows "$SCRATCH/bad.json" -d "$R"
check "names the place in the file" grep -q \
    "bad.json:2:13: \"name\" must be a string" "$SCRATCH/err"
jq '.sites += [.sites[0] | .name = "paint"]' "$SCRATCH/good.json" \
    >"$SCRATCH/two.json"
expect_status 2 "two sites and no --site" "$BIN/ca-plan" \
    --windows "$SCRATCH/two.json" -d "$R"
expect_status 2 "an unknown site" "$BIN/ca-plan" --site nowhere \
    --windows "$SCRATCH/two.json" -d "$R"
expect_status 0 "--site picks one" "$BIN/ca-plan" --site paint \
    --windows "$SCRATCH/two.json" -d "$R"
expect_status 2 "a folder that is no CA directory" "$BIN/ca-plan" \
    --windows "$SCRATCH/good.json" -d "$SCRATCH"
expect_status 2 "a bad margin" "$BIN/ca-plan" \
    --windows "$SCRATCH/good.json" -d "$R" --margin soon
check "each refusal is one line" test "$(wc -l <"$SCRATCH/err")" -eq 1
finish
